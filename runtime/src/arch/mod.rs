//! Architectures on this host: what the machine is and can run
//! ([`probe`]), and the check of a bundle's entrypoint against its target
//! before anything is created ([`preflight`]).
//!
//! The model itself (names, ELF inspection, compatibility rules) is
//! `ocix_arch_matrix`, which never touches the host; everything here reads
//! the running kernel, so it lives in the runtime.

pub mod binfmt;
pub mod describe;
mod entry;
mod error;
pub mod kvm;
pub mod machine;
pub mod native;
pub mod preflight;
pub mod probe;
pub mod target;
pub mod tools;

pub use error::{NotNative, PreflightError};
pub use native::{NativeCheck, Verdict};
pub use preflight::Preflight;
pub use probe::{HostInfo, Route};
pub use target::TargetSource;
