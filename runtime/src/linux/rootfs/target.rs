//! Resolving a path inside the rootfs and pinning it with an `O_PATH` fd so
//! the mount lands where the check said, even if a symlink is swapped later.
//!
//! The path is resolved inside the rootfs first (symlinks followed there),
//! then opened, and made where missing, one component at a time relative
//! to the descriptor of its parent, never following a symlink: a component
//! swapped for a symlink after the resolution is refused, not followed
//! out to the host.

use super::{err, RootfsError};
use crate::linux::resolve::resolve_in_root;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Component, Path, PathBuf};

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
/// if missing (its missing parents as directories), opens it `O_PATH` and
/// checks the opened object still lies inside the rootfs.
pub fn open_target(rootfs: &Path, dest: &str, make: Make) -> Result<Target, RootfsError> {
    open(rootfs, dest, Some(make))
}

/// Like [`open_target`] but creates nothing.
pub fn open_target_existing(rootfs: &Path, dest: &str) -> Result<Target, RootfsError> {
    open(rootfs, dest, None)
}

fn open(rootfs: &Path, dest: &str, make: Option<Make>) -> Result<Target, RootfsError> {
    let host_path = resolve_in_root(rootfs, dest).map_err(err("cannot resolve", dest))?;
    // A test swaps a component for a symlink here.
    crate::fault::point("create:target-resolved");
    let names: Vec<&OsStr> = host_path
        .strip_prefix(rootfs)
        .map_err(|_| RootfsError {
            what: "resolved outside the rootfs".into(),
            path: host_path.display().to_string(),
            source: io::Error::from_raw_os_error(libc::EXDEV),
        })?
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    let mut fd = open_fd(None, rootfs.as_os_str(), OFlag::O_DIRECTORY)
        .map_err(err("cannot open", rootfs))?;
    let mut at = rootfs.to_path_buf();
    for (i, name) in names.iter().enumerate() {
        at.push(name);
        let last = i + 1 == names.len();
        let make = if last { make } else { make.map(|_| Make::Dir) };
        fd = step(&fd, name, make, last).map_err(|e| {
            let what = if e.raw_os_error() == Some(libc::ELOOP) {
                "symlink swapped in during create at"
            } else {
                "cannot open"
            };
            err(what, &at)(e)
        })?;
    }
    check_inside(rootfs, Target { fd, host_path })
}

/// Opens `name` below `dir` without following a symlink, making it first
/// if it is missing and `make` says so. Any symlink found is `ELOOP`: the
/// resolution saw none, so the rootfs changed under us.
fn step(dir: &OwnedFd, name: &OsStr, make: Option<Make>, last: bool) -> io::Result<OwnedFd> {
    let fd = match open_fd(Some(dir.as_raw_fd()), name, OFlag::empty()) {
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            let Some(make) = make else { return Err(e) };
            create(dir, name, make)?;
            open_fd(Some(dir.as_raw_fd()), name, OFlag::empty())?
        }
        r => r?,
    };
    let kind = nix::sys::stat::fstat(fd.as_raw_fd())?.st_mode & libc::S_IFMT;
    match kind {
        libc::S_IFLNK => Err(io::Error::from_raw_os_error(libc::ELOOP)),
        libc::S_IFDIR => Ok(fd),
        _ if last => Ok(fd),
        _ => Err(io::Error::from_raw_os_error(libc::ENOTDIR)),
    }
}

/// Makes `name` below `dir`; neither call follows a symlink at `name`, and
/// losing a race to another creator is fine (the open checks what is there).
fn create(dir: &OwnedFd, name: &OsStr, make: Make) -> io::Result<()> {
    let r = match make {
        Make::Dir => {
            nix::sys::stat::mkdirat(Some(dir.as_raw_fd()), name, Mode::from_bits_truncate(0o755))
        }
        Make::File => nix::fcntl::openat(
            Some(dir.as_raw_fd()),
            name,
            OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_WRONLY | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o644),
        )
        // SAFETY: openat just returned this descriptor; closing it is ours.
        .map(|fd| drop(unsafe { OwnedFd::from_raw_fd(fd) })),
    };
    match r {
        Ok(()) | Err(nix::errno::Errno::EEXIST) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | extra)`.
fn open_fd(dir: Option<RawFd>, name: &OsStr, extra: OFlag) -> io::Result<OwnedFd> {
    let flags = OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | extra;
    let fd = nix::fcntl::openat(dir, name, flags, Mode::empty())?;
    // SAFETY: openat just returned this descriptor; we are its only owner.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
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
