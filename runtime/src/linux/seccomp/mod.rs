//! seccomp: system call filters for the container process.
//!
//! - `arch`: the ABIs a filter tells apart, as data; `tables/`: their
//!   system call numbers, generated from the kernel's headers.

mod arch;
mod tables;

pub use arch::{AuditArch, UNSUPPORTED_NAMES, X32_SYSCALL_BIT};
