//! The container's root filesystem: mounts inside the bundle's rootfs, the
//! switch into it, and the masking done afterwards.
//!
//! Every destination is resolved inside the rootfs (symlinks included) and
//! then checked again through `/proc/self/fd`, so a hostile rootfs cannot
//! aim a mount at the host.

mod cgroupfs;
mod devices;
mod entry;
mod paths;
mod pivot;
mod target;

pub use devices::{bind_console, DeviceMode};
pub use paths::{mask_paths, readonly_paths, remount_root_readonly};
pub use pivot::{enter, Enter};

use crate::spec::Spec;
use nix::mount::{mount, MsFlags};
use std::io;
use std::path::Path;

/// A rootfs step that failed, with the path it concerned.
#[derive(Debug, thiserror::Error)]
#[error("{what} {path}: {source}")]
pub struct RootfsError {
    pub what: String,
    pub path: String,
    #[source]
    pub source: io::Error,
}

pub(crate) fn err(
    what: impl Into<String>,
    path: impl AsRef<Path>,
) -> impl FnOnce(io::Error) -> RootfsError {
    let what = what.into();
    let path = path.as_ref().display().to_string();
    move |source| RootfsError { what, path, source }
}

pub(crate) fn nix_err(
    what: impl Into<String>,
    path: impl AsRef<Path>,
) -> impl FnOnce(nix::Error) -> RootfsError {
    let f = err(what, path);
    move |e| f(io::Error::from(e))
}

/// The host path of container path `path`, symlinks resolved inside.
pub fn resolve(rootfs: &Path, path: &str) -> Result<std::path::PathBuf, RootfsError> {
    target::open_target_existing(rootfs, path).map(|t| t.host_path)
}

/// Creates directory `path` (a container path) inside the rootfs, e.g. the
/// process's cwd before the root turns read-only.
pub fn make_dir(rootfs: &Path, path: &str) -> Result<(), RootfsError> {
    target::open_target(rootfs, path, target::Make::Dir).map(drop)
}

/// Mounts everything the spec asks for below `rootfs`, in the container's
/// (new) mount namespace, before the switch into it.
pub fn prepare(
    spec: &Spec,
    bundle: &Path,
    rootfs: &Path,
    devices: DeviceMode,
) -> Result<(), RootfsError> {
    let linux = spec.linux.as_ref();
    let propagation = linux
        .and_then(|l| l.rootfs_propagation.as_deref())
        .and_then(crate::linux::mounts::propagation_flag)
        .unwrap_or(MsFlags::MS_SLAVE | MsFlags::MS_REC);
    // Nothing we mount from here on may propagate back to the host.
    mount(None::<&str>, "/", None::<&str>, propagation, None::<&str>)
        .map_err(nix_err("cannot set propagation of", "/"))?;
    // pivot_root needs the new root to be a mount point.
    mount(
        Some(rootfs),
        rootfs,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(nix_err("cannot bind-mount rootfs", rootfs))?;
    for (i, m) in spec.mounts.iter().enumerate() {
        let label = linux.and_then(|l| l.mount_label.as_deref());
        entry::mount_entry(rootfs, bundle, m, devices, label).map_err(|mut e| {
            e.what = format!("mounts[{i}]: {}", e.what);
            e
        })?;
    }
    let dev_is_bound = spec.mounts.iter().any(|m| {
        m.destination.trim_end_matches('/') == "/dev"
            && m.options.iter().any(|o| o == "bind" || o == "rbind")
    });
    if !dev_is_bound {
        devices::default_devices(rootfs, devices)?;
    }
    if let Some(l) = linux {
        devices::spec_devices(rootfs, &l.devices, devices)?;
    }
    Ok(())
}
