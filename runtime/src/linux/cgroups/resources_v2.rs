//! `linux.resources` written to a cgroup v2 directory, converting the
//! spec's v1-shaped values (shares, memory+swap, blkio weight) as runc
//! does so that one config means the same on both.

use super::resources_v1::{check_usage, page_size, rdma_line};
use super::{max_or, read, write, CgroupError, CgroupFs};
use crate::spec::resources::{BlockIo, Cpu, Memory, Resources};
use std::collections::BTreeSet;
use std::path::Path;

/// Controllers `r` needs enabled in the parent.
pub fn controllers(r: &Resources) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |c: &str| {
        out.insert(c.to_string());
    };
    if let Some(m) = &r.memory {
        if m.limit.is_some() || m.reservation.is_some() || m.swap.is_some() {
            add("memory");
        }
    }
    if let Some(c) = &r.cpu {
        if c.shares.is_some()
            || c.quota.is_some()
            || c.period.is_some()
            || c.burst.is_some()
            || c.idle.is_some()
        {
            add("cpu");
        }
        if c.cpus.is_some() || c.mems.is_some() {
            add("cpuset");
        }
    }
    if r.pids.as_ref().is_some_and(|p| p.limit != 0) {
        add("pids");
    }
    if r.block_io
        .as_ref()
        .is_some_and(|b| *b != BlockIo::default())
    {
        add("io");
    }
    if !r.hugepage_limits.is_empty() {
        add("hugetlb");
    }
    if !r.rdma.is_empty() {
        add("rdma");
    }
    for key in r.unified.keys() {
        match key.split_once('.') {
            Some((c, _)) if c != "cgroup" && !c.is_empty() && !c.contains('/') => add(c),
            _ => {}
        }
    }
    out
}

/// Applies every resource but devices; returns warnings.
pub fn set(fs: &dyn CgroupFs, dir: &Path, r: &Resources) -> Result<Vec<String>, CgroupError> {
    let mut warnings = Vec::new();
    if let Some(m) = &r.memory {
        memory(fs, dir, m, &mut warnings)?;
    }
    if let Some(c) = &r.cpu {
        cpu(fs, dir, c)?;
    }
    if let Some(p) = r.pids.as_ref().filter(|p| p.limit != 0) {
        write(fs, dir, "pids.max", max_or(p.limit))?;
    }
    if let Some(b) = &r.block_io {
        io(fs, dir, b, &mut warnings)?;
    }
    for h in &r.hugepage_limits {
        let size = page_size(&h.page_size)?;
        write(fs, dir, &format!("hugetlb.{size}.max"), h.limit)?;
    }
    if let Some(n) = &r.network {
        if n.class_id.is_some() || !n.priorities.is_empty() {
            return Err(CgroupError::Unsupported(
                "linux.resources.network: cgroup v2 has no net_cls/net_prio controllers".into(),
            ));
        }
    }
    for (dev, l) in &r.rdma {
        write(fs, dir, "rdma.max", rdma_line(dev, l)?)?;
    }
    for (key, value) in &r.unified {
        unified(fs, dir, key, value)?;
    }
    Ok(warnings)
}

fn memory(
    fs: &dyn CgroupFs,
    dir: &Path,
    m: &Memory,
    warnings: &mut Vec<String>,
) -> Result<(), CgroupError> {
    let limit = m.limit.filter(|v| *v != 0);
    if m.check_before_update == Some(true) {
        check_usage(fs, dir, limit, "memory.current")?;
    }
    if let Some(swap) = swap_value(limit.unwrap_or(0), m.swap.unwrap_or(0))? {
        if fs.exists(&dir.join("memory.swap.max")) {
            write(fs, dir, "memory.swap.max", swap)?;
        } else {
            warnings.push("linux.resources.memory.swap ignored: swap accounting is off".into());
        }
    }
    if let Some(l) = limit {
        write(fs, dir, "memory.max", max_or(l))?;
    }
    if let Some(r) = m.reservation.filter(|v| *v != 0) {
        write(fs, dir, "memory.low", max_or(r))?;
    }
    let ignored = [
        ("kernel", m.kernel.is_some_and(|v| v != 0)),
        ("kernelTCP", m.kernel_tcp.is_some_and(|v| v != 0)),
        ("swappiness", m.swappiness.is_some()),
        ("disableOOMKiller", m.disable_oom_killer == Some(true)),
    ];
    for (name, set) in ignored {
        if set {
            warnings.push(format!(
                "linux.resources.memory.{name} ignored: cgroup v2 has no such setting"
            ));
        }
    }
    Ok(())
}

/// The spec's memory+swap limit as v2's swap-only `memory.swap.max`;
/// `None` when unset.
pub(super) fn swap_value(memory: i64, swap: i64) -> Result<Option<String>, CgroupError> {
    let bad = |msg: &str| CgroupError::Config {
        field: "linux.resources.memory.swap".into(),
        msg: msg.into(),
    };
    Ok(match (memory, swap) {
        (-1, 0) | (_, -1) => Some("max".into()),
        (_, 0) => None,
        (0 | -1, _) => return Err(bad("a swap limit needs a memory limit")),
        (m, _) if m < 0 => return Err(bad("the memory limit is negative")),
        (m, s) if s < m => return Err(bad("memory+swap must be at least the memory limit")),
        (m, s) => Some((s - m).to_string()),
    })
}

/// cpu.shares (2..262144) to cpu.weight (1..10000), as runc.
pub(super) fn shares_to_weight(shares: u64) -> u64 {
    let s = shares.clamp(2, 262_144);
    1 + ((s - 2) * 9999) / 262_142
}

fn cpu(fs: &dyn CgroupFs, dir: &Path, c: &Cpu) -> Result<(), CgroupError> {
    if let Some(s) = c.shares.filter(|s| *s != 0) {
        write(fs, dir, "cpu.weight", shares_to_weight(s))?;
    }
    let quota = c.quota.filter(|q| *q != 0);
    let period = c.period.filter(|p| *p != 0);
    if quota.is_some() || period.is_some() {
        // cpu.max holds both; keep the half not being set.
        let cur = read(fs, dir, "cpu.max").unwrap_or_else(|_| "max 100000".into());
        let mut parts = cur.split_whitespace();
        let (cur_q, cur_p) = (
            parts.next().unwrap_or("max"),
            parts.next().unwrap_or("100000"),
        );
        let q = quota.map(max_or).unwrap_or_else(|| cur_q.to_string());
        let p = period
            .map(|p| p.to_string())
            .unwrap_or_else(|| cur_p.to_string());
        write(fs, dir, "cpu.max", format!("{q} {p}"))?;
    }
    if let Some(b) = c.burst {
        write(fs, dir, "cpu.max.burst", b)?;
    }
    if let Some(i) = c.idle {
        write(fs, dir, "cpu.idle", i)?;
    }
    if c.realtime_runtime.is_some_and(|v| v != 0) || c.realtime_period.is_some_and(|v| v != 0) {
        return Err(CgroupError::Unsupported(
            "linux.resources.cpu.realtimeRuntime/realtimePeriod: cgroup v2 has no real-time \
             CPU budget"
                .into(),
        ));
    }
    for (file, value) in [("cpuset.cpus", &c.cpus), ("cpuset.mems", &c.mems)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            write(fs, dir, file, v)?;
        }
    }
    Ok(())
}

/// blkio weight (10..1000) to io.weight (1..10000), as runc.
pub(super) fn blkio_to_io_weight(w: u16) -> u64 {
    let w = u64::from(w.clamp(10, 1000));
    1 + (w - 10) * 9999 / 990
}

fn io(
    fs: &dyn CgroupFs,
    dir: &Path,
    b: &BlockIo,
    warnings: &mut Vec<String>,
) -> Result<(), CgroupError> {
    let bfq = fs.exists(&dir.join("io.bfq.weight"));
    let weight = |w: u16| {
        if bfq {
            ("io.bfq.weight", u64::from(w))
        } else {
            ("io.weight", blkio_to_io_weight(w))
        }
    };
    if let Some(w) = b.weight.filter(|w| *w != 0) {
        let (file, v) = weight(w);
        write(fs, dir, file, v)?;
    }
    for wd in &b.weight_device {
        if let Some(w) = wd.weight {
            let (file, v) = weight(w);
            write(fs, dir, file, format!("{}:{} {v}", wd.major, wd.minor))?;
        }
    }
    if b.leaf_weight.is_some() || b.weight_device.iter().any(|w| w.leaf_weight.is_some()) {
        warnings.push("linux.resources.blockIO leaf weights ignored: cgroup v2 has none".into());
    }
    let throttles = [
        ("rbps", &b.throttle_read_bps_device),
        ("wbps", &b.throttle_write_bps_device),
        ("riops", &b.throttle_read_iops_device),
        ("wiops", &b.throttle_write_iops_device),
    ];
    for (key, list) in throttles {
        for t in list {
            let rate = if t.rate == 0 {
                "max".to_string()
            } else {
                t.rate.to_string()
            };
            write(
                fs,
                dir,
                "io.max",
                format!("{}:{} {key}={rate}", t.major, t.minor),
            )?;
        }
    }
    Ok(())
}

fn unified(fs: &dyn CgroupFs, dir: &Path, key: &str, value: &str) -> Result<(), CgroupError> {
    let field = || format!("linux.resources.unified[{key:?}]");
    if key.is_empty() || key.contains('/') || key.starts_with('.') {
        return Err(CgroupError::Config {
            field: field(),
            msg: "not a cgroup file name".into(),
        });
    }
    if !fs.exists(&dir.join(key)) {
        return Err(CgroupError::Config {
            field: field(),
            msg: format!(
                "{} has no such file (is its controller enabled?)",
                dir.display()
            ),
        });
    }
    write(fs, dir, key, value)
}
