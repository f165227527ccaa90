//! Switching the process's root into the rootfs.

use super::{nix_err, RootfsError};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use nix::unistd::{chdir, chroot, pivot_root};
use std::path::Path;

/// How to enter the rootfs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enter {
    /// pivot_root, then detach the old root (the default).
    PivotRoot,
    /// Move the rootfs over `/` and chroot (`--no-pivot`, for ramfs roots).
    Chroot,
}

pub fn enter(rootfs: &Path, how: Enter) -> Result<(), RootfsError> {
    chdir(rootfs).map_err(nix_err("cannot chdir to", rootfs))?;
    match how {
        Enter::PivotRoot => {
            // The old root is stacked under the new one at ".".
            pivot_root(".", ".").map_err(nix_err("cannot pivot_root to", rootfs))?;
            // Detaching must not propagate to the host's mounts.
            mount(
                None::<&str>,
                ".",
                None::<&str>,
                MsFlags::MS_SLAVE | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(nix_err("cannot make old root a slave", "/"))?;
            umount2(".", MntFlags::MNT_DETACH).map_err(nix_err("cannot detach old root", "/"))?;
        }
        Enter::Chroot => {
            mount(Some("."), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
                .map_err(nix_err("cannot move rootfs to", "/"))?;
            chroot(".").map_err(nix_err("cannot chroot to", rootfs))?;
        }
    }
    chdir("/").map_err(nix_err("cannot chdir to", "/"))
}
