//! Linux mechanics of a container: namespaces, rootfs and mounts, devices,
//! credentials, capabilities, rlimits, hooks and the console.

pub mod binfmt;
pub mod binfmt_host;
pub mod caps;
pub mod cgroups;
pub mod channel;
pub mod console;
pub mod exec;
pub mod hooks;
pub mod identity;
pub mod idmap;
pub mod lsm;
pub mod mounts;
pub mod namespaces;
pub mod relay;
pub mod resolve;
pub mod rlimits;
pub mod rootfs;
pub mod sched;
pub mod sealed;
pub mod seccomp;
pub mod user;
