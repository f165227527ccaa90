//! One `mounts[]` entry.

use super::devices::DeviceMode;
use super::target::{open_target, Make};
use super::{cgroupfs, nix_err, RootfsError};
use crate::linux::mounts::parse_options;
use crate::spec::Mount;
use nix::mount::{mount, MsFlags};
use std::path::{Path, PathBuf};

/// Mounts `m` inside `rootfs`; relative bind sources are bundle-relative.
/// `label` is `linux.mountLabel` (SELinux), added to filesystem mounts.
pub fn mount_entry(
    rootfs: &Path,
    bundle: &Path,
    m: &Mount,
    dev: DeviceMode,
    label: Option<&str>,
) -> Result<(), RootfsError> {
    let opts = parse_options(&m.options);
    let kind = m.kind.as_deref().unwrap_or("");
    let is_bind = opts.is_bind() || kind == "bind";
    let dest = if m.destination.starts_with('/') {
        m.destination.clone()
    } else {
        format!("/{}", m.destination)
    };
    let source: Option<PathBuf> = m.source.as_ref().map(|s| {
        if is_bind && !s.starts_with('/') {
            bundle.join(s)
        } else {
            PathBuf::from(s)
        }
    });
    let make = match &source {
        Some(s) if is_bind && !s.is_dir() => Make::File,
        _ => Make::Dir,
    };
    let target = open_target(rootfs, &dest, make)?;
    let at = target.proc_path();
    if kind == "cgroup" {
        cgroupfs::mount_cgroup(rootfs, &dest, &at, opts.flags, dev)?;
    } else if is_bind {
        let src = source.ok_or_else(|| RootfsError {
            what: "bind mount without a source".into(),
            path: dest.clone(),
            source: std::io::Error::from_raw_os_error(libc::EINVAL),
        })?;
        let rec = opts.flags & MsFlags::MS_REC;
        mount(
            Some(&src),
            &at,
            None::<&str>,
            MsFlags::MS_BIND | rec,
            None::<&str>,
        )
        .map_err(nix_err(
            format!("cannot bind {} on", src.display()),
            &target.host_path,
        ))?;
        let extra = opts.flags - (MsFlags::MS_BIND | MsFlags::MS_REC);
        if !extra.is_empty() {
            // The pinned fd still names the directory under the new mount:
            // remounting needs the mount itself.
            let top = open_target(rootfs, &dest, make)?;
            let at = top.proc_path();
            // Flags of a bind mount only take effect on a remount; keep the
            // flags the kernel locked on the source (nosuid, nodev...).
            let locked = locked_flags(&at) - opts.cleared;
            mount(
                None::<&str>,
                &at,
                None::<&str>,
                MsFlags::MS_BIND | MsFlags::MS_REMOUNT | extra | locked,
                None::<&str>,
            )
            .map_err(nix_err("cannot remount", &target.host_path))?;
        }
    } else {
        let data = match label.filter(|l| !l.is_empty()) {
            Some(l) if opts.data.is_empty() => format!("context=\"{l}\""),
            Some(l) => format!("{},context=\"{l}\"", opts.data),
            None => opts.data.clone(),
        };
        let data = (!data.is_empty()).then_some(data.as_str());
        let src = source.unwrap_or_else(|| PathBuf::from(kind));
        let fstype = (!kind.is_empty()).then_some(kind);
        match mount(Some(&src), &at, fstype, opts.flags, data) {
            Ok(()) => {}
            // sysfs and mqueue cannot be mounted afresh in some user or
            // network namespace set-ups; a read-only bind is what runc does.
            Err(nix::errno::Errno::EPERM)
                if matches!(kind, "sysfs" | "mqueue") && dev == DeviceMode::Bind =>
            {
                let host = if kind == "sysfs" {
                    "/sys"
                } else {
                    "/dev/mqueue"
                };
                mount(
                    Some(host),
                    &at,
                    None::<&str>,
                    MsFlags::MS_BIND | MsFlags::MS_REC,
                    None::<&str>,
                )
                .map_err(nix_err(format!("cannot bind {host} on"), &target.host_path))?;
            }
            Err(e) => {
                return Err(nix_err(
                    format!("cannot mount {kind} on"),
                    &target.host_path,
                )(e));
            }
        }
    }
    if opts.propagation.is_empty() {
        return Ok(());
    }
    let top = open_target(rootfs, &dest, make)?;
    for p in &opts.propagation {
        mount(
            None::<&str>,
            &top.proc_path(),
            None::<&str>,
            *p,
            None::<&str>,
        )
        .map_err(nix_err("cannot set propagation of", &target.host_path))?;
    }
    Ok(())
}

/// The flags of the mount at `path` that an unprivileged remount must keep.
pub fn locked_flags(path: &Path) -> MsFlags {
    let Ok(st) = nix::sys::statvfs::statvfs(path) else {
        return MsFlags::empty();
    };
    use nix::sys::statvfs::FsFlags;
    let f = st.flags();
    let mut out = MsFlags::empty();
    for (fs, ms) in [
        (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
        (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
        (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
    ] {
        if f.contains(fs) {
            out |= ms;
        }
    }
    out
}
