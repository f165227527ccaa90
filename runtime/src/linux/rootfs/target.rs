//! Resolving a path inside the rootfs and pinning it with an `O_PATH` fd so
//! the mount lands where the check said, even if a symlink is swapped later.

use super::{err, RootfsError};
use crate::linux::resolve::resolve_in_root;
use std::fs;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// A mount target inside the rootfs, held open.
pub struct Target {
    fd: OwnedFd,
    /// The host path it resolved to (for messages).
    pub host_path: PathBuf,
}

impl Target {
    /// `/proc/self/fd/N`: the path to give mount(2).
    pub fn proc_path(&self) -> PathBuf {
        PathBuf::from(format!("/proc/self/fd/{}", self.fd.as_raw_fd()))
    }
}

/// What to create when the destination does not exist yet.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Make {
    Dir,
    File,
}

/// Resolves `dest` (container path) inside `rootfs`, creates it as `make`
/// if missing, opens it `O_PATH|O_NOFOLLOW` and checks the opened object
/// still lies inside the rootfs.
pub fn open_target(rootfs: &Path, dest: &str, make: Make) -> Result<Target, RootfsError> {
    let host_path = resolve_in_root(rootfs, dest).map_err(err("cannot resolve", dest))?;
    if fs::symlink_metadata(&host_path).is_err() {
        if let Some(parent) = host_path.parent() {
            fs::create_dir_all(parent).map_err(err("cannot create", parent))?;
        }
        match make {
            Make::Dir => fs::create_dir_all(&host_path),
            Make::File => fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(&host_path)
                .map(drop),
        }
        .map_err(err("cannot create", &host_path))?;
    }
    // Something created on the way may have been a planted symlink:
    // resolve once more; the check in there catches any escape.
    open_target_existing(rootfs, dest)
}

/// Like [`open_target`] but creates nothing.
pub fn open_target_existing(rootfs: &Path, dest: &str) -> Result<Target, RootfsError> {
    let host_path = resolve_in_root(rootfs, dest).map_err(err("cannot resolve", dest))?;
    let fd = nix::fcntl::open(
        &host_path,
        nix::fcntl::OFlag::O_PATH | nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )
    .map_err(|e| err("cannot open", &host_path)(e.into()))?;
    // SAFETY: `open` just returned this descriptor; we are its only owner.
    let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
    check_inside(rootfs, Target { fd, host_path })
}

fn check_inside(rootfs: &Path, t: Target) -> Result<Target, RootfsError> {
    let real = fs::read_link(t.proc_path()).map_err(err("cannot read", t.proc_path()))?;
    let root = fs::canonicalize(rootfs).map_err(err("cannot resolve", rootfs))?;
    if real.starts_with(&root) {
        Ok(t)
    } else {
        Err(RootfsError {
            what: "mount target escapes the rootfs".into(),
            path: real.display().to_string(),
            source: std::io::Error::from_raw_os_error(libc::EXDEV),
        })
    }
}
