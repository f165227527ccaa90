//! ocix-runtime: the OCI runtime core of ocix.
//!
//! `spec` reads and checks a bundle's `config.json`; `state` keeps what the
//! runtime knows of each container under `--root`; `container` holds one
//! lifecycle verb per file; `linux` holds the kernel mechanics those verbs
//! use (namespaces, mounts, devices, credentials, hooks, console).

pub mod arch;
pub mod container;
pub mod digest;
pub mod fault;
pub mod features;
pub mod linux;
pub mod process;
pub mod spec;
pub mod state;
