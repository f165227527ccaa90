//! Device nodes: the default set every container gets, `linux.devices`,
//! the `/dev` symlinks, and `/dev/console` for terminals.

use super::target::{open_target, Make};
use super::{err, nix_err, RootfsError};
use crate::spec::Device;
use nix::fcntl::OFlag;
use nix::mount::{mount, MsFlags};
use nix::sys::stat::{makedev, mknod, Mode, SFlag};
use std::fs;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::symlink;
use std::path::Path;

/// How device nodes are provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceMode {
    /// mknod (a privileged container).
    Create,
    /// bind-mount the host's node (inside a user namespace mknod is denied).
    Bind,
}

const DEFAULTS: [(&str, u64, u64); 6] = [
    ("/dev/null", 1, 3),
    ("/dev/zero", 1, 5),
    ("/dev/full", 1, 7),
    ("/dev/random", 1, 8),
    ("/dev/urandom", 1, 9),
    ("/dev/tty", 5, 0),
];

const LINKS: [(&str, &str); 5] = [
    ("/dev/fd", "/proc/self/fd"),
    ("/dev/stdin", "/proc/self/fd/0"),
    ("/dev/stdout", "/proc/self/fd/1"),
    ("/dev/stderr", "/proc/self/fd/2"),
    ("/dev/ptmx", "pts/ptmx"),
];

/// The default devices and links (runtime-spec "Default Devices").
pub fn default_devices(rootfs: &Path, mode: DeviceMode) -> Result<(), RootfsError> {
    for (path, major, minor) in DEFAULTS {
        make_node(
            rootfs,
            path,
            SFlag::S_IFCHR,
            major,
            minor,
            0o666,
            Some((0, 0)),
            mode,
        )?;
    }
    // The links go into /dev as resolved inside the rootfs and held open:
    // a `dev` that is a symlink must not take them (or the removal of what
    // is there) to the host.
    let dev = open_target(rootfs, "/dev", Make::Dir)?;
    let kcore = Path::new("/proc/kcore")
        .exists()
        .then_some(("/dev/core", "/proc/kcore"));
    for (path, to) in LINKS.into_iter().chain(kcore) {
        let name = path.trim_start_matches("/dev/");
        let at = dev.proc_path().join(name);
        let host = dev.host_path.join(name);
        // A directory here (e.g. /dev/fd in the image) is left alone.
        if fs::symlink_metadata(&at).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let _ = fs::remove_file(&at);
        let r = symlink(to, &at).map_err(err("cannot link", &host));
        // /dev/core is a convenience: its failure is not fatal.
        if name != "core" {
            r?;
        }
    }
    Ok(())
}

/// `linux.devices`.
pub fn spec_devices(
    rootfs: &Path,
    devices: &[Device],
    mode: DeviceMode,
) -> Result<(), RootfsError> {
    for d in devices {
        let kind = match d.kind.as_str() {
            "b" => SFlag::S_IFBLK,
            "p" => SFlag::S_IFIFO,
            _ => SFlag::S_IFCHR,
        };
        let owner = Some((d.uid.unwrap_or(0), d.gid.unwrap_or(0)));
        let perm = d.file_mode.unwrap_or(0o666) & 0o7777;
        make_node(
            rootfs,
            &d.path,
            kind,
            d.major as u64,
            d.minor as u64,
            perm,
            owner,
            mode,
        )?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn make_node(
    rootfs: &Path,
    path: &str,
    kind: SFlag,
    major: u64,
    minor: u64,
    perm: u32,
    owner: Option<(u32, u32)>,
    mode: DeviceMode,
) -> Result<(), RootfsError> {
    if mode == DeviceMode::Bind && kind != SFlag::S_IFIFO {
        let t = open_target(rootfs, path, Make::File)?;
        return mount(
            Some(path),
            &t.proc_path(),
            None::<&str>,
            MsFlags::MS_BIND,
            None::<&str>,
        )
        .map_err(nix_err("cannot bind device", &t.host_path));
    }
    // Create the parent inside the root, then the node next to it.
    let parent = Path::new(path)
        .parent()
        .and_then(|p| p.to_str())
        .unwrap_or("/");
    let dir = open_target(rootfs, parent, Make::Dir)?;
    let name = Path::new(path).file_name().ok_or_else(|| RootfsError {
        what: "device path has no file name".into(),
        path: path.into(),
        source: std::io::Error::from_raw_os_error(libc::EINVAL),
    })?;
    let host = dir.host_path.join(name);
    // Through the pinned parent, never by host path: unlink and mknod do
    // not follow a symlink at `name`.
    let node = dir.proc_path().join(name);
    let _ = fs::remove_file(&node);
    mknod(
        &node,
        kind,
        Mode::from_bits_truncate(perm),
        makedev(major, minor),
    )
    .map_err(nix_err("cannot create device", &host))?;
    let made = pin_node(&node, kind, &host)?;
    let pinned = format!("/proc/self/fd/{}", made.as_raw_fd());
    // mknod applies the umask; the spec's mode is exact.
    nix::sys::stat::fchmodat(
        None,
        pinned.as_str(),
        Mode::from_bits_truncate(perm),
        nix::sys::stat::FchmodatFlags::FollowSymlink,
    )
    .map_err(nix_err("cannot chmod device", &host))?;
    if let Some((uid, gid)) = owner {
        nix::unistd::chown(pinned.as_str(), Some(uid.into()), Some(gid.into()))
            .map_err(nix_err("cannot chown device", &host))?;
    }
    Ok(())
}

/// Opens the node just made at `node` without following a symlink, so one
/// swapped in since cannot get the mode and owner in its place.
fn pin_node(node: &Path, kind: SFlag, host: &Path) -> Result<OwnedFd, RootfsError> {
    let fd = nix::fcntl::open(
        node,
        OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(nix_err("cannot open", host))?;
    // SAFETY: open just returned this descriptor; we are its only owner.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let st = nix::sys::stat::fstat(fd.as_raw_fd()).map_err(nix_err("cannot stat", host))?;
    if st.st_mode & libc::S_IFMT != kind.bits() {
        return Err(RootfsError {
            what: "device node replaced during create".into(),
            path: host.display().to_string(),
            source: std::io::Error::from_raw_os_error(libc::EEXIST),
        });
    }
    Ok(fd)
}

/// Bind-mounts the terminal's slave on `/dev/console`.
pub fn bind_console(rootfs: &Path, slave_path: &Path) -> Result<(), RootfsError> {
    let t = open_target(rootfs, "/dev/console", Make::File)?;
    mount(
        Some(slave_path),
        &t.proc_path(),
        None::<&str>,
        MsFlags::MS_BIND,
        None::<&str>,
    )
    .map_err(nix_err("cannot bind console on", &t.host_path))
}
