//! Guest machines for ocix: boot a kernel of the target architecture under
//! QEMU and talk to the guest agent inside it.
//!
//! - [`profile`]: per-architecture machine profiles, as data.
//! - [`qemu`]: the QEMU command line for a profile (pure).
//! - [`initramfs`]: a cpio `newc` archive writer.
//! - [`protocol`]: the framed guest-to-host byte stream.
//! - [`supervisor`]: runs QEMU, relays frames, enforces a timeout and
//!   always reaps QEMU.
//! - [`snapshot`], [`qmp`]: saves a booted guest once and restores it
//!   instead of booting.
//!
//! This crate knows nothing about OCI: the caller decides what goes into
//! the initramfs and what the agent runs.
#![deny(missing_docs)]

mod error;
pub mod initramfs;
pub mod profile;
pub mod protocol;
pub mod qemu;
pub mod qmp;
pub mod snapshot;
pub mod supervisor;
pub mod unpack;

pub use error::VmError;
pub use profile::Profile;
