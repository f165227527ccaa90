//! Errors of the lifecycle verbs.

use crate::linux::rootfs::RootfsError;
use crate::spec::SpecError;
use crate::state::{StateError, Status};

#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Rootfs(#[from] RootfsError),
    #[error(transparent)]
    Preflight(#[from] crate::arch::PreflightError),
    #[error(transparent)]
    Digest(#[from] crate::digest::DigestError),
    #[error("config.json: {0}")]
    Config(String),
    #[error("container {id:?} is {status}: {what}")]
    WrongStatus {
        id: String,
        status: Status,
        what: &'static str,
    },
    #[error("container init failed: {0}")]
    Init(String),
    #[error("hook failed: {0}")]
    Hook(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Backend(String),
    #[error("unknown signal {0:?}")]
    Signal(String),
    #[error("{0}")]
    Other(String),
}

impl ContainerError {
    pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ContainerError {
        let what = what.into();
        move |source| ContainerError::Io { what, source }
    }
}

impl From<nix::Error> for ContainerError {
    fn from(e: nix::Error) -> Self {
        ContainerError::Io {
            what: "system call failed".into(),
            source: e.into(),
        }
    }
}
