//! Resource usage for `events`, in the JSON shape runc prints (containerd
//! and podman read it). Unreadable files count as zero: a missing
//! controller must not hide the others.

use super::{read, CgroupFs};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    pub cpu: Cpu,
    pub memory: Memory,
    pub pids: Pids,
    pub blkio: Blkio,
    pub hugetlb: BTreeMap<String, Hugetlb>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cpu {
    pub usage: CpuUsage,
    pub throttling: Throttling,
}

/// Nanoseconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CpuUsage {
    pub total: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percpu: Vec<u64>,
    pub kernel: u64,
    pub user: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Throttling {
    pub periods: u64,
    pub throttled_periods: u64,
    /// Nanoseconds.
    pub throttled_time: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Memory {
    pub cache: u64,
    pub usage: MemoryEntry,
    pub swap: MemoryEntry,
    pub kernel: MemoryEntry,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub raw: BTreeMap<String, u64>,
    /// Processes the OOM killer killed here (ocix addition; runc reports
    /// these only as `oom` events).
    #[serde(rename = "oomKill")]
    pub oom_kill: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MemoryEntry {
    pub limit: u64,
    pub usage: u64,
    pub max: u64,
    pub failcnt: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Pids {
    pub current: u64,
    /// 0: no limit.
    pub limit: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Blkio {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_service_bytes_recursive: Vec<BlkioEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub io_serviced_recursive: Vec<BlkioEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BlkioEntry {
    pub major: u64,
    pub minor: u64,
    pub op: String,
    pub value: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Hugetlb {
    pub usage: u64,
    pub max: u64,
    pub failcnt: u64,
}

/// USER_HZ, the unit of cpuacct.stat: 100 on every Linux architecture
/// ocix targets.
const USER_HZ: u64 = 100;

fn num(fs: &dyn CgroupFs, dir: &Path, file: &str) -> u64 {
    match read(fs, dir, file).as_deref() {
        Ok("max") => u64::MAX,
        Ok(v) => v.parse().unwrap_or(0),
        Err(_) => 0,
    }
}

/// `key value` lines (memory.stat, cpu.stat, memory.events...).
fn kv(fs: &dyn CgroupFs, dir: &Path, file: &str) -> BTreeMap<String, u64> {
    read(fs, dir, file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once(' ')?;
            Some((k.to_string(), v.trim().parse().ok()?))
        })
        .collect()
}

/// Page sizes the kernel offers, named as in cgroup files (`2MB`).
pub fn hugepage_sizes() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/sys/kernel/mm/hugepages") else {
        return Vec::new();
    };
    let mut out: Vec<String> = dir
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let kb: u64 = name
                .strip_prefix("hugepages-")?
                .strip_suffix("kB")?
                .parse()
                .ok()?;
            Some(page_size_name(kb))
        })
        .collect();
    out.sort();
    out
}

fn page_size_name(kb: u64) -> String {
    match kb {
        k if k >= 1 << 20 && k % (1 << 20) == 0 => format!("{}GB", k >> 20),
        k if k >= 1 << 10 && k % (1 << 10) == 0 => format!("{}MB", k >> 10),
        k => format!("{k}KB"),
    }
}

/// Statistics of a v1 cgroup (controller → directory).
pub fn v1(fs: &dyn CgroupFs, dirs: &BTreeMap<String, PathBuf>, sizes: &[String]) -> Stats {
    let mut s = Stats::default();
    if let Some(d) = dirs.get("cpuacct") {
        let u = &mut s.cpu.usage;
        u.total = num(fs, d, "cpuacct.usage");
        u.percpu = read(fs, d, "cpuacct.usage_percpu")
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let st = kv(fs, d, "cpuacct.stat");
        let ns = |k: &str| st.get(k).copied().unwrap_or(0) * (1_000_000_000 / USER_HZ);
        u.user = ns("user");
        u.kernel = ns("system");
    }
    if let Some(d) = dirs.get("cpu") {
        let st = kv(fs, d, "cpu.stat");
        let t = &mut s.cpu.throttling;
        t.periods = st.get("nr_periods").copied().unwrap_or(0);
        t.throttled_periods = st.get("nr_throttled").copied().unwrap_or(0);
        t.throttled_time = st.get("throttled_time").copied().unwrap_or(0);
    }
    if let Some(d) = dirs.get("memory") {
        let entry = |prefix: &str| MemoryEntry {
            limit: num(fs, d, &format!("{prefix}.limit_in_bytes")),
            usage: num(fs, d, &format!("{prefix}.usage_in_bytes")),
            max: num(fs, d, &format!("{prefix}.max_usage_in_bytes")),
            failcnt: num(fs, d, &format!("{prefix}.failcnt")),
        };
        let m = &mut s.memory;
        m.usage = entry("memory");
        m.swap = entry("memory.memsw");
        m.kernel = entry("memory.kmem");
        m.raw = kv(fs, d, "memory.stat");
        m.cache = m
            .raw
            .get("total_cache")
            .or(m.raw.get("cache"))
            .copied()
            .unwrap_or(0);
        m.oom_kill = v1_oom_kills(fs, d);
    }
    if let Some(d) = dirs.get("pids") {
        s.pids = pids(fs, d);
    }
    if let Some(d) = dirs.get("blkio") {
        s.blkio.io_service_bytes_recursive =
            blkio_v1(fs, d, "blkio.throttle.io_service_bytes_recursive");
        s.blkio.io_serviced_recursive = blkio_v1(fs, d, "blkio.throttle.io_serviced_recursive");
    }
    if let Some(d) = dirs.get("hugetlb") {
        for size in sizes {
            let f = |x: &str| num(fs, d, &format!("hugetlb.{size}.{x}"));
            let h = Hugetlb {
                usage: f("usage_in_bytes"),
                max: f("max_usage_in_bytes"),
                failcnt: f("failcnt"),
            };
            s.hugetlb.insert(size.clone(), h);
        }
    }
    s
}

pub fn v1_oom_kills(fs: &dyn CgroupFs, memory_dir: &Path) -> u64 {
    kv(fs, memory_dir, "memory.oom_control")
        .get("oom_kill")
        .copied()
        .unwrap_or(0)
}

fn pids(fs: &dyn CgroupFs, d: &Path) -> Pids {
    let limit = num(fs, d, "pids.max");
    Pids {
        current: num(fs, d, "pids.current"),
        limit: if limit == u64::MAX { 0 } else { limit },
    }
}

/// `8:0 Read 4096` lines; the `Total` line is skipped.
fn blkio_v1(fs: &dyn CgroupFs, d: &Path, file: &str) -> Vec<BlkioEntry> {
    read(fs, d, file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (dev, op, v) = (f.next()?, f.next()?, f.next()?);
            let (major, minor) = dev.split_once(':')?;
            Some(BlkioEntry {
                major: major.parse().ok()?,
                minor: minor.parse().ok()?,
                op: op.to_string(),
                value: v.parse().ok()?,
            })
        })
        .collect()
}

/// Statistics of a v2 cgroup.
pub fn v2(fs: &dyn CgroupFs, d: &Path, sizes: &[String]) -> Stats {
    let mut s = Stats::default();
    let cpu = kv(fs, d, "cpu.stat");
    let us = |k: &str| cpu.get(k).copied().unwrap_or(0) * 1000;
    s.cpu.usage.total = us("usage_usec");
    s.cpu.usage.user = us("user_usec");
    s.cpu.usage.kernel = us("system_usec");
    s.cpu.throttling = Throttling {
        periods: cpu.get("nr_periods").copied().unwrap_or(0),
        throttled_periods: cpu.get("nr_throttled").copied().unwrap_or(0),
        throttled_time: us("throttled_usec"),
    };
    let events = kv(fs, d, "memory.events");
    let m = &mut s.memory;
    m.usage = MemoryEntry {
        limit: num(fs, d, "memory.max"),
        usage: num(fs, d, "memory.current"),
        max: num(fs, d, "memory.peak"),
        failcnt: events.get("max").copied().unwrap_or(0),
    };
    m.swap = MemoryEntry {
        limit: num(fs, d, "memory.swap.max"),
        usage: num(fs, d, "memory.swap.current"),
        ..MemoryEntry::default()
    };
    m.raw = kv(fs, d, "memory.stat");
    m.cache = m.raw.get("file").copied().unwrap_or(0);
    m.oom_kill = events.get("oom_kill").copied().unwrap_or(0);
    s.pids = pids(fs, d);
    let (bytes, ios) = io_stat(&read(fs, d, "io.stat").unwrap_or_default());
    s.blkio.io_service_bytes_recursive = bytes;
    s.blkio.io_serviced_recursive = ios;
    for size in sizes {
        let ev = kv(fs, d, &format!("hugetlb.{size}.events"));
        let h = Hugetlb {
            usage: num(fs, d, &format!("hugetlb.{size}.current")),
            max: num(fs, d, &format!("hugetlb.{size}.max")),
            failcnt: ev.get("max").copied().unwrap_or(0),
        };
        s.hugetlb.insert(size.clone(), h);
    }
    s
}

pub fn v2_oom_kills(fs: &dyn CgroupFs, dir: &Path) -> u64 {
    kv(fs, dir, "memory.events")
        .get("oom_kill")
        .copied()
        .unwrap_or(0)
}

/// `8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...` as v1-style entries.
fn io_stat(text: &str) -> (Vec<BlkioEntry>, Vec<BlkioEntry>) {
    let (mut bytes, mut ios) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let mut f = line.split_whitespace();
        let Some((major, minor)) = f.next().and_then(|d| d.split_once(':')) else {
            continue;
        };
        let (Ok(major), Ok(minor)) = (major.parse(), minor.parse()) else {
            continue;
        };
        for kv in f {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            let (list, op) = match k {
                "rbytes" => (&mut bytes, "Read"),
                "wbytes" => (&mut bytes, "Write"),
                "rios" => (&mut ios, "Read"),
                "wios" => (&mut ios, "Write"),
                _ => continue,
            };
            list.push(BlkioEntry {
                major,
                minor,
                op: op.into(),
                value: v.parse().unwrap_or(0),
            });
        }
    }
    (bytes, ios)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes_are_named_like_the_kernel() {
        assert_eq!(page_size_name(2048), "2MB");
        assert_eq!(page_size_name(1_048_576), "1GB");
        assert_eq!(page_size_name(64), "64KB");
    }

    #[test]
    fn io_stat_becomes_entries() {
        let (b, i) = io_stat("8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0\nbad line\n");
        assert_eq!(b.len(), 2);
        assert_eq!((b[1].op.as_str(), b[1].value), ("Write", 20));
        assert_eq!((i[0].major, i[0].minor, i[0].value), (8, 0, 1));
    }
}
