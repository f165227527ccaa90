//! The `cgroup` mount type: cgroup2 on a unified host; on a v1 or hybrid
//! host a tmpfs holding one mount per v1 hierarchy (plus `unified`), as
//! runc lays it out. There, without a cgroup namespace, each mount is a
//! bind of the container's own cgroup, as runc makes it, not the host's
//! whole hierarchy: the container finds its limits at the top.

use super::devices::DeviceMode;
use super::target::{open_target, Make};
use super::{err, nix_err, RootfsError};
use nix::mount::{mount, umount2, MntFlags, MsFlags};
use std::fs;
use std::path::Path;

/// Whether `/sys/fs/cgroup` is a pure cgroup2 mount.
pub fn host_is_unified() -> bool {
    nix::sys::statfs::statfs("/sys/fs/cgroup")
        .map(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
        .unwrap_or(false)
}

/// The v1 hierarchies of this process: (directory name, mount data,
/// this process's cgroup in it).
fn v1_hierarchies() -> Vec<(String, String, String)> {
    let Ok(text) = fs::read_to_string("/proc/self/cgroup") else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?.to_string());
            if ctrls.is_empty() {
                return Some(("unified".to_string(), String::new(), path));
            }
            Some(match ctrls.strip_prefix("name=") {
                Some(name) => (name.to_string(), format!("none,name={name}"), path),
                None => (ctrls.to_string(), ctrls.to_string(), path),
            })
        })
        .collect()
}

/// Mounts cgroups at container path `dest` (pinned as `at`).
pub fn mount_cgroup(
    rootfs: &Path,
    dest: &str,
    at: &Path,
    flags: MsFlags,
    dev: DeviceMode,
) -> Result<(), RootfsError> {
    let host_path = &rootfs.join(dest.trim_start_matches('/'));
    if dev == DeviceMode::Bind {
        // A user namespace may not mount cgroup hierarchies of its own.
        return mount(
            Some("/sys/fs/cgroup"),
            at,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(nix_err("cannot bind cgroups on", host_path));
    }
    if host_is_unified() {
        return mount(Some("cgroup2"), at, Some("cgroup2"), flags, None::<&str>)
            .map_err(nix_err("cannot mount cgroup2 on", host_path));
    }
    let base = flags - MsFlags::MS_RDONLY;
    mount(Some("tmpfs"), at, Some("tmpfs"), base, Some("mode=755"))
        .map_err(nix_err("cannot mount tmpfs on", host_path))?;
    // From here on work inside the new tmpfs, reached afresh.
    let top = open_target(rootfs, dest, Make::Dir)?;
    let at = &top.proc_path();
    for (name, data, path) in v1_hierarchies() {
        let dir = at.join(&name);
        fs::create_dir_all(&dir).map_err(err("cannot create", &dir))?;
        // In a cgroup namespace the kernel shows the container's own
        // cgroup as `/`: mount the hierarchy there. Otherwise mount it
        // on a staging directory of this tmpfs, bind the container's
        // cgroup from it, and drop the stage.
        let own = path.trim_start_matches('/');
        let stage = at.join(format!(".{name}.stage"));
        let on = if own.is_empty() { &dir } else { &stage };
        if !own.is_empty() {
            // The kernel's path, relative to the hierarchy: never `..`.
            if own
                .split('/')
                .any(|c| c == ".." || c == "." || c.is_empty())
            {
                let bad = std::io::Error::from(std::io::ErrorKind::InvalidInput);
                return Err(err("odd cgroup path", &path)(bad));
            }
            fs::create_dir(&stage).map_err(err("cannot create", &stage))?;
        }
        let r = if name == "unified" {
            mount(Some("cgroup2"), on, Some("cgroup2"), flags, None::<&str>)
        } else {
            mount(
                Some("cgroup"),
                on,
                Some("cgroup"),
                flags,
                Some(data.as_str()),
            )
        };
        r.map_err(nix_err(format!("cannot mount cgroup {name} on"), on))?;
        if !own.is_empty() {
            bind_own(&stage.join(own), &dir, flags)?;
            umount2(&stage, MntFlags::MNT_DETACH).map_err(nix_err("cannot unmount", &stage))?;
            fs::remove_dir(&stage).map_err(err("cannot remove", &stage))?;
        }
    }
    if flags.contains(MsFlags::MS_RDONLY) {
        mount(
            None::<&str>,
            at,
            None::<&str>,
            MsFlags::MS_REMOUNT | base | MsFlags::MS_RDONLY,
            Some("mode=755"),
        )
        .map_err(nix_err("cannot remount read-only", host_path))?;
    }
    Ok(())
}

/// Binds cgroup directory `own` on `dir` with the mount's `flags`.
fn bind_own(own: &Path, dir: &Path, flags: MsFlags) -> Result<(), RootfsError> {
    mount(Some(own), dir, None::<&str>, MsFlags::MS_BIND, None::<&str>)
        .map_err(nix_err("cannot bind own cgroup on", dir))?;
    let keep =
        flags & (MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC);
    mount(
        None::<&str>,
        dir,
        None::<&str>,
        MsFlags::MS_REMOUNT | MsFlags::MS_BIND | keep,
        None::<&str>,
    )
    .map_err(nix_err("cannot remount own cgroup on", dir))
}
