//! Errors of compiling and loading a seccomp filter.

use std::io;

/// Why a seccomp profile could not be compiled or installed.
#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    /// The profile breaks a rule; `path` is its JSON path.
    #[error("{path}: {msg}")]
    Invalid { path: String, msg: String },
    #[error("the filter needs {len} BPF instructions; the kernel takes at most {max}")]
    TooLarge { len: usize, max: usize },
    #[error("seccomp filters are not supported for this architecture")]
    UnsupportedHost,
    /// A bug in the compiler, never a property of the profile.
    #[error("internal error assembling the filter: {0}")]
    Assemble(&'static str),
    #[error("cannot load the seccomp filter: {0}")]
    Load(#[source] io::Error),
    #[error("seccomp listener {path}: {source}")]
    Listener {
        path: String,
        #[source]
        source: io::Error,
    },
}

impl SeccompError {
    pub(crate) fn invalid(path: impl Into<String>, msg: impl Into<String>) -> Self {
        SeccompError::Invalid {
            path: path.into(),
            msg: msg.into(),
        }
    }
}
