//! Architectures on this host: what the machine is and what it can run
//! ([`probe`]).
//!
//! The model itself (names, ELF inspection, compatibility rules) is
//! `ocix_arch_matrix`, which never touches the host; everything here reads
//! the running kernel, so it lives in the runtime.

pub mod binfmt;
pub mod kvm;
pub mod machine;
pub mod native;
pub mod probe;
pub mod tools;

pub use native::{NativeCheck, Verdict};
pub use probe::{HostInfo, Route};
