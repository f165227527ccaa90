//! After the switch into the rootfs: masked paths, read-only paths and a
//! read-only root. Paths are container paths; `/` is the rootfs by now.

use super::entry::locked_flags;
use super::{nix_err, RootfsError};
use nix::mount::{mount, MsFlags};
use std::path::Path;

/// Hides each path: `/dev/null` over files, an empty read-only tmpfs over
/// directories. Missing paths are skipped.
pub fn mask_paths(paths: &[String]) -> Result<(), RootfsError> {
    for p in paths {
        let path = Path::new(p);
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            continue;
        };
        let r = if meta.is_dir() {
            mount(
                Some("tmpfs"),
                path,
                Some("tmpfs"),
                MsFlags::MS_RDONLY,
                None::<&str>,
            )
        } else {
            mount(
                Some("/dev/null"),
                path,
                None::<&str>,
                MsFlags::MS_BIND,
                None::<&str>,
            )
        };
        r.map_err(nix_err("cannot mask", path))?;
    }
    Ok(())
}

/// Makes each path read-only with a bind remount. Missing paths are skipped.
pub fn readonly_paths(paths: &[String]) -> Result<(), RootfsError> {
    for p in paths {
        let path = Path::new(p);
        if std::fs::symlink_metadata(path).is_err() {
            continue;
        }
        mount(
            Some(path),
            path,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(nix_err("cannot bind", path))?;
        remount_readonly(path)?;
    }
    Ok(())
}

fn remount_readonly(path: &Path) -> Result<(), RootfsError> {
    let keep = locked_flags(path);
    mount(
        None::<&str>,
        path,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY | keep,
        None::<&str>,
    )
    .map_err(nix_err("cannot remount read-only", path))
}

/// `root.readonly`.
pub fn remount_root_readonly() -> Result<(), RootfsError> {
    remount_readonly(Path::new("/"))
}
