//! Errors of matrix planning.

use thiserror::Error;

use crate::ArchError;

/// A matrix that cannot be planned as asked.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MatrixError {
    /// No architecture was asked for.
    #[error("no architectures: give --arch, --arch-file or per-arch bundles")]
    NoArches,
    /// An architecture name that does not parse.
    #[error("{0}")]
    Arch(#[from] ArchError),
    /// The same architecture twice, perhaps under two spellings.
    #[error("{0} is asked for twice")]
    DuplicateArch(String),
    /// A `--bundle-for` value without `ARCH=PATH` form.
    #[error("--bundle-for {0:?}: expected ARCH=PATH")]
    BundleFor(String),
    /// Two bundles given for one architecture.
    #[error("two bundles for {arch}: {first} and {second}")]
    DuplicateBundle {
        /// Canonical arch name.
        arch: String,
        /// The first bundle.
        first: String,
        /// The second bundle.
        second: String,
    },
    /// A `--bundle-for` arch that is not in the matrix.
    #[error("--bundle-for {0}: not among the matrix's architectures")]
    UnplannedBundle(String),
    /// A cell with no bundle cannot be spread to CI.
    #[error("no bundle for {0}: give --bundle-for {0}=PATH or a BUNDLE")]
    NoBundle(String),
    /// An unknown backend name.
    #[error("unknown backend {0:?}; expected auto, native, emulate or vm")]
    Backend(String),
}
