//! Why a bundle failed its preflight. Each message names the file and,
//! for mismatches, both architectures.

use ocix_arch_matrix::{Arch, ArchError, ElfError, Mismatch};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("process: missing; create needs a process to run")]
    NoProcess,
    #[error("process.args: empty; create needs a program to run")]
    NoArgs,
    #[error("--arch: {0}")]
    Flag(ArchError),
    #[error("annotations[{key:?}] = {value:?}: {error}")]
    Annotation {
        key: &'static str,
        value: String,
        error: ArchError,
    },
    #[error("exec {prog:?}: executable file not found in the rootfs {} (PATH={path})", rootfs.display())]
    NotFound {
        prog: String,
        rootfs: PathBuf,
        path: String,
    },
    #[error("{}: {error}", path.display())]
    Elf { path: PathBuf, error: ElfError },
    #[error("{}: interpreter {interpreter}: {why}", script.display())]
    Script {
        script: PathBuf,
        interpreter: String,
        why: String,
    },
    #[error("{} needs the dynamic loader {loader}, which the rootfs {} lacks", path.display(), rootfs.display())]
    NoLoader {
        path: PathBuf,
        loader: String,
        rootfs: PathBuf,
    },
    #[error("{} is {elf}, a machine ocix does not know; name the target with --arch", path.display())]
    UnknownMachine { path: PathBuf, elf: String },
    #[error("{} is {mismatch}", path.display())]
    Mismatch { path: PathBuf, mismatch: Mismatch },
    #[error("cannot tell this host's architecture: {0}")]
    Host(String),
    #[error(transparent)]
    NotNative(Box<NotNative>),
}

/// A target this host does not run natively, with what would run it.
/// Boxed in [`PreflightError`] to keep every `Result` small.
#[derive(Debug, thiserror::Error)]
#[error(
    "the bundle needs {target} (from {from}), but this host is {host} and does not run it \
     natively: {why}; {hint}"
)]
pub struct NotNative {
    pub target: Arch,
    /// Where the target came from (`--arch`, the ELF of PATH).
    pub from: String,
    pub host: Arch,
    /// The evidence of the native check.
    pub why: String,
    /// What would make it run.
    pub hint: String,
}
