//! Linux mechanics of a container: namespaces, rootfs and mounts, devices,
//! credentials, capabilities, rlimits, hooks and the console.

pub mod caps;
pub mod mounts;
pub mod namespaces;
pub mod rlimits;
