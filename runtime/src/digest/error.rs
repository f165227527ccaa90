//! Errors of digesting and verifying bundles.

use super::diff::Mismatch;
use super::hash::Digest;
use std::io;
use std::path::PathBuf;

/// Why a bundle could not be digested or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// An algorithm name other than `sha256` or `sha512`.
    #[error("unsupported digest algorithm {0:?} (expected sha256 or sha512)")]
    Algorithm(String),
    /// A digest string that is not `<algorithm>:<lowercase hex>`.
    #[error("malformed digest {0:?} (expected sha256:<64 hex digits> or sha512:<128 hex digits>)")]
    BadDigest(String),
    /// The bundle path is not a directory.
    #[error("bundle {}: not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// A filesystem operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The entry or file concerned.
        path: PathBuf,
        /// What the kernel said.
        source: io::Error,
    },
    /// An entry changed while it was being digested.
    #[error("{}: {what}; the bundle must not change while it is digested", path.display())]
    Changed {
        /// The entry concerned.
        path: PathBuf,
        /// What was seen.
        what: &'static str,
    },
    /// A manifest that is malformed or does not hash to its own header.
    #[error("manifest {file}:{line}: {reason}")]
    Manifest {
        /// The manifest's file name.
        file: String,
        /// 1-based line, 0 for the file as a whole.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A manifest given together with a digest describes another digest.
    #[error("the manifest describes {manifest}, not the expected {expected}")]
    ManifestDigest {
        /// What the manifest's records hash to.
        manifest: Digest,
        /// The digest given.
        expected: Digest,
    },
    /// Verification was asked for with neither a digest nor a manifest.
    #[error("nothing to verify against: give a digest or a manifest")]
    NothingToVerify,
    /// The bundle does not match; lists what differs when known.
    #[error("{0}")]
    Mismatch(Box<Mismatch>),
}
