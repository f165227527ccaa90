//! The lifecycle verbs of runtime-spec `runtime.md`, one per file.
//!
//! `create` forks an intermediate process that joins and creates the
//! namespaces and forks the container's init (pid 1 of a new pid
//! namespace). Init prepares the rootfs, reports back over a socket pair,
//! and then blocks on `start.sock` in the state directory until `start`
//! connects; it then runs the startContainer hooks and execs the program.

pub mod backend;
mod cgroup;
mod context;
pub mod create;
pub mod delete;
mod error;
pub mod events;
pub mod exec;
mod init;
pub mod kill;
mod launch;
pub mod list;
pub mod pause;
pub mod ps;
pub mod query;
pub mod resume;
pub mod run;
pub mod start;
mod startsock;
pub mod update;
mod wait;

pub use context::{Backend, CreateOptions};
pub use error::ContainerError;
pub use wait::exit_code;
