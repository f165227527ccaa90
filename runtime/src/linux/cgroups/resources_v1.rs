//! `linux.resources` written to v1 controller directories. Unset values
//! (None, or 0 where the spec says so) leave the kernel's value alone.

use super::{read, write, CgroupError, CgroupFs};
use crate::spec::resources::{BlockIo, Cpu, Memory, Network, Resources};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Dirs = BTreeMap<String, PathBuf>;

/// Applies every resource but devices; returns warnings.
pub fn set(fs: &dyn CgroupFs, dirs: &Dirs, r: &Resources) -> Result<Vec<String>, CgroupError> {
    let mut warnings = Vec::new();
    if let Some(m) = &r.memory {
        memory(fs, need(dirs, "memory", "memory")?, m, &mut warnings)?;
    }
    if let Some(c) = &r.cpu {
        cpu(fs, dirs, c)?;
    }
    if let Some(p) = r.pids.as_ref().filter(|p| p.limit != 0) {
        write(
            fs,
            need(dirs, "pids", "pids")?,
            "pids.max",
            super::max_or(p.limit),
        )?;
    }
    if let Some(b) = &r.block_io {
        block_io(fs, dirs, b)?;
    }
    for h in &r.hugepage_limits {
        let dir = need(dirs, "hugetlb", "hugepageLimits")?;
        let size = page_size(&h.page_size)?;
        write(fs, dir, &format!("hugetlb.{size}.limit_in_bytes"), h.limit)?;
    }
    if let Some(n) = &r.network {
        network(fs, dirs, n)?;
    }
    for (dev, l) in &r.rdma {
        write(
            fs,
            need(dirs, "rdma", "rdma")?,
            "rdma.max",
            rdma_line(dev, l)?,
        )?;
    }
    if !r.unified.is_empty() {
        return Err(CgroupError::Unsupported(
            "linux.resources.unified: needs cgroup v2, and this host has only v1 hierarchies"
                .into(),
        ));
    }
    Ok(warnings)
}

fn need<'a>(dirs: &'a Dirs, ctrl: &str, field: &str) -> Result<&'a Path, CgroupError> {
    dirs.get(ctrl).map(PathBuf::as_path).ok_or_else(|| {
        CgroupError::Unsupported(format!(
            "linux.resources.{field}: the {ctrl} cgroup controller is not mounted on this host"
        ))
    })
}

fn memory(
    fs: &dyn CgroupFs,
    dir: &Path,
    m: &Memory,
    warnings: &mut Vec<String>,
) -> Result<(), CgroupError> {
    let limit = m.limit.filter(|v| *v != 0);
    if m.check_before_update == Some(true) {
        check_usage(fs, dir, limit, "memory.usage_in_bytes")?;
    }
    if let Some(r) = m.reservation.filter(|v| *v != 0) {
        write(fs, dir, "memory.soft_limit_in_bytes", r)?;
    }
    let mut swap = m.swap.filter(|v| *v != 0);
    if limit == Some(-1) && swap.is_none() {
        swap = Some(-1);
    }
    if swap.is_some() && !fs.exists(&dir.join("memory.memsw.limit_in_bytes")) {
        warnings.push("linux.resources.memory.swap ignored: swap accounting is off".into());
        swap = None;
    }
    const MEMSW: &str = "memory.memsw.limit_in_bytes";
    match (limit, swap) {
        (Some(l), Some(s)) => {
            // memory.limit must stay <= memsw.limit at every step: raise
            // memsw first when growing, the memory limit first otherwise.
            let cur: i64 = read(fs, dir, "memory.limit_in_bytes")?
                .parse()
                .unwrap_or(i64::MAX);
            if s == -1 || cur < s {
                write(fs, dir, MEMSW, s)?;
                write(fs, dir, "memory.limit_in_bytes", l)?;
            } else {
                write(fs, dir, "memory.limit_in_bytes", l)?;
                write(fs, dir, MEMSW, s)?;
            }
        }
        (Some(l), None) => write(fs, dir, "memory.limit_in_bytes", l)?,
        (None, Some(s)) => write(fs, dir, MEMSW, s)?,
        (None, None) => {}
    }
    if m.kernel.is_some_and(|k| k != 0) {
        warnings.push(
            "linux.resources.memory.kernel ignored: kernel memory limits are gone from \
             current kernels"
                .into(),
        );
    }
    if let Some(k) = m.kernel_tcp.filter(|v| *v != 0) {
        write(fs, dir, "memory.kmem.tcp.limit_in_bytes", k)?;
    }
    if let Some(s) = m.swappiness {
        if s > 100 {
            return Err(CgroupError::Config {
                field: "linux.resources.memory.swappiness".into(),
                msg: format!("{s} is not in 0..=100"),
            });
        }
        write(fs, dir, "memory.swappiness", s)?;
    }
    if let Some(d) = m.disable_oom_killer {
        write(fs, dir, "memory.oom_control", u8::from(d))?;
    }
    Ok(())
}

/// `checkBeforeUpdate`: refuse a limit below what is in use now.
pub(super) fn check_usage(
    fs: &dyn CgroupFs,
    dir: &Path,
    limit: Option<i64>,
    usage_file: &str,
) -> Result<(), CgroupError> {
    let Some(limit) = limit.filter(|l| *l > 0) else {
        return Ok(());
    };
    let usage: i64 = read(fs, dir, usage_file)?.parse().unwrap_or(0);
    if limit < usage {
        return Err(CgroupError::Config {
            field: "linux.resources.memory.limit".into(),
            msg: format!("{limit} is below the current usage {usage} (checkBeforeUpdate)"),
        });
    }
    Ok(())
}

fn cpu(fs: &dyn CgroupFs, dirs: &Dirs, c: &Cpu) -> Result<(), CgroupError> {
    let wants_cpu = c.shares.is_some_and(|v| v != 0)
        || c.period.is_some_and(|v| v != 0)
        || c.quota.is_some_and(|v| v != 0)
        || c.burst.is_some()
        || c.realtime_period.is_some_and(|v| v != 0)
        || c.realtime_runtime.is_some_and(|v| v != 0)
        || c.idle.is_some();
    if wants_cpu {
        let dir = need(dirs, "cpu", "cpu")?;
        let files = [
            (
                "cpu.shares",
                c.shares.filter(|v| *v != 0).map(|v| v.to_string()),
            ),
            (
                "cpu.cfs_period_us",
                c.period.filter(|v| *v != 0).map(|v| v.to_string()),
            ),
            (
                "cpu.cfs_quota_us",
                c.quota.filter(|v| *v != 0).map(|v| v.max(-1).to_string()),
            ),
            ("cpu.cfs_burst_us", c.burst.map(|v| v.to_string())),
            (
                "cpu.rt_period_us",
                c.realtime_period.filter(|v| *v != 0).map(|v| v.to_string()),
            ),
            (
                "cpu.rt_runtime_us",
                c.realtime_runtime
                    .filter(|v| *v != 0)
                    .map(|v| v.to_string()),
            ),
            ("cpu.idle", c.idle.map(|v| v.to_string())),
        ];
        for (file, value) in files {
            if let Some(v) = value {
                if !fs.exists(&dir.join(file)) {
                    return Err(CgroupError::Unsupported(format!(
                        "linux.resources.cpu: this kernel has no {file} (option not built in)"
                    )));
                }
                write(fs, dir, file, v)?;
            }
        }
    }
    for (file, value) in [("cpuset.cpus", &c.cpus), ("cpuset.mems", &c.mems)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            write(fs, need(dirs, "cpuset", "cpu.cpus")?, file, v)?;
        }
    }
    Ok(())
}

fn block_io(fs: &dyn CgroupFs, dirs: &Dirs, b: &BlockIo) -> Result<(), CgroupError> {
    let dir = || need(dirs, "blkio", "blockIO");
    // CFQ's files, else BFQ's (CFQ is gone since Linux 5.0).
    let pick = |dir: &Path, names: &[&'static str]| -> Result<&'static str, CgroupError> {
        names
            .iter()
            .find(|n| fs.exists(&dir.join(n)))
            .copied()
            .ok_or_else(|| {
                CgroupError::Unsupported(format!(
                    "linux.resources.blockIO: this kernel has no {} (weights need the BFQ \
                     I/O scheduler)",
                    names.join(" or ")
                ))
            })
    };
    if let Some(w) = b.weight.filter(|w| *w != 0) {
        let d = dir()?;
        write(fs, d, pick(d, &["blkio.weight", "blkio.bfq.weight"])?, w)?;
    }
    if let Some(w) = b.leaf_weight.filter(|w| *w != 0) {
        let d = dir()?;
        write(fs, d, pick(d, &["blkio.leaf_weight"])?, w)?;
    }
    for wd in &b.weight_device {
        let d = dir()?;
        if let Some(w) = wd.weight {
            let file = pick(d, &["blkio.weight_device", "blkio.bfq.weight_device"])?;
            write(fs, d, file, format!("{}:{} {w}", wd.major, wd.minor))?;
        }
        if let Some(w) = wd.leaf_weight {
            let file = pick(d, &["blkio.leaf_weight_device"])?;
            write(fs, d, file, format!("{}:{} {w}", wd.major, wd.minor))?;
        }
    }
    let throttles = [
        (
            "blkio.throttle.read_bps_device",
            &b.throttle_read_bps_device,
        ),
        (
            "blkio.throttle.write_bps_device",
            &b.throttle_write_bps_device,
        ),
        (
            "blkio.throttle.read_iops_device",
            &b.throttle_read_iops_device,
        ),
        (
            "blkio.throttle.write_iops_device",
            &b.throttle_write_iops_device,
        ),
    ];
    for (file, list) in throttles {
        for t in list {
            write(
                fs,
                dir()?,
                file,
                format!("{}:{} {}", t.major, t.minor, t.rate),
            )?;
        }
    }
    Ok(())
}

fn network(fs: &dyn CgroupFs, dirs: &Dirs, n: &Network) -> Result<(), CgroupError> {
    if let Some(id) = n.class_id {
        write(
            fs,
            need(dirs, "net_cls", "network.classID")?,
            "net_cls.classid",
            id,
        )?;
    }
    for p in &n.priorities {
        let dir = need(dirs, "net_prio", "network.priorities")?;
        if p.name.is_empty() || p.name.contains(char::is_whitespace) {
            return Err(CgroupError::Config {
                field: "linux.resources.network.priorities".into(),
                msg: format!("{:?} is not an interface name", p.name),
            });
        }
        write(
            fs,
            dir,
            "net_prio.ifpriomap",
            format!("{} {}", p.name, p.priority),
        )?;
    }
    Ok(())
}

/// A hugepage size as the kernel names its files (`2MB`, `1GB`, `64KB`).
pub(super) fn page_size(s: &str) -> Result<&str, CgroupError> {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &s[digits.len()..];
    if digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || !["KB", "MB", "GB"].contains(&unit)
    {
        return Err(CgroupError::Config {
            field: "linux.resources.hugepageLimits.pageSize".into(),
            msg: format!("{s:?} is not a size like 2MB or 1GB"),
        });
    }
    Ok(s)
}

/// `rdma.max` syntax: `mlx5_1 hca_handle=3 hca_object=10000`.
pub(super) fn rdma_line(
    dev: &str,
    l: &crate::spec::resources::Rdma,
) -> Result<String, CgroupError> {
    if dev.is_empty() || dev.contains(char::is_whitespace) {
        return Err(CgroupError::Config {
            field: "linux.resources.rdma".into(),
            msg: format!("{dev:?} is not a device name"),
        });
    }
    let mut line = dev.to_string();
    if let Some(h) = l.hca_handles {
        line.push_str(&format!(" hca_handle={h}"));
    }
    if let Some(o) = l.hca_objects {
        line.push_str(&format!(" hca_object={o}"));
    }
    Ok(line)
}
