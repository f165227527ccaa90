//! Scheduling-related process settings: scheduler (sched_setattr),
//! I/O priority, execution domain (personality), NUMA memory policy and
//! CPU affinity. Names are checked at load time with the same tables.

use crate::spec::{CpuAffinity, IoPriority, MemoryPolicy, Personality, Scheduler};
use std::io;

const POLICIES: [(&str, u32); 6] = [
    ("SCHED_OTHER", 0),
    ("SCHED_FIFO", 1),
    ("SCHED_RR", 2),
    ("SCHED_BATCH", 3),
    ("SCHED_IDLE", 5),
    ("SCHED_DEADLINE", 6),
];

const SCHED_FLAGS: [(&str, u64); 7] = [
    ("SCHED_FLAG_RESET_ON_FORK", 0x01),
    ("SCHED_FLAG_RECLAIM", 0x02),
    ("SCHED_FLAG_DL_OVERRUN", 0x04),
    ("SCHED_FLAG_KEEP_POLICY", 0x08),
    ("SCHED_FLAG_KEEP_PARAMS", 0x10),
    ("SCHED_FLAG_UTIL_CLAMP_MIN", 0x20),
    ("SCHED_FLAG_UTIL_CLAMP_MAX", 0x40),
];

const IO_CLASSES: [(&str, u32); 3] = [
    ("IOPRIO_CLASS_RT", 1),
    ("IOPRIO_CLASS_BE", 2),
    ("IOPRIO_CLASS_IDLE", 3),
];

const DOMAINS: [(&str, libc::c_ulong); 2] = [("LINUX", 0x0000), ("LINUX32", 0x0008)];

const MPOL_MODES: [(&str, i32); 7] = [
    ("MPOL_DEFAULT", 0),
    ("MPOL_PREFERRED", 1),
    ("MPOL_BIND", 2),
    ("MPOL_INTERLEAVE", 3),
    ("MPOL_LOCAL", 4),
    ("MPOL_PREFERRED_MANY", 5),
    ("MPOL_WEIGHTED_INTERLEAVE", 6),
];

const MPOL_FLAGS: [(&str, i32); 3] = [
    ("MPOL_F_NUMA_BALANCING", 1 << 13),
    ("MPOL_F_RELATIVE_NODES", 1 << 14),
    ("MPOL_F_STATIC_NODES", 1 << 15),
];

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Load-time checks: (JSON path, message) of the first problem.
pub fn check_scheduler(s: &Scheduler) -> Result<(), (String, String)> {
    if lookup(&POLICIES, &s.policy).is_none() {
        return Err((
            "process.scheduler.policy".into(),
            format!("{:?} is not one of {}", s.policy, names(&POLICIES)),
        ));
    }
    for (i, f) in s.flags.iter().enumerate() {
        if lookup(&SCHED_FLAGS, f).is_none() {
            return Err((
                format!("process.scheduler.flags[{i}]"),
                format!("unknown flag {f:?}"),
            ));
        }
    }
    if !(-20..=19).contains(&s.nice) {
        return Err((
            "process.scheduler.nice".into(),
            format!("{} is outside -20..19", s.nice),
        ));
    }
    Ok(())
}

pub fn check_io_priority(p: &IoPriority) -> Result<(), (String, String)> {
    if lookup(&IO_CLASSES, &p.class).is_none() {
        return Err((
            "process.ioPriority.class".into(),
            format!("{:?} is not one of {}", p.class, names(&IO_CLASSES)),
        ));
    }
    if p.priority > 7 {
        return Err((
            "process.ioPriority.priority".into(),
            format!("{} is outside 0..7", p.priority),
        ));
    }
    Ok(())
}

pub fn check_personality(p: &Personality) -> Result<(), (String, String)> {
    if lookup(&DOMAINS, &p.domain).is_none() {
        return Err((
            "linux.personality.domain".into(),
            format!("{:?} is not one of {}", p.domain, names(&DOMAINS)),
        ));
    }
    if !p.flags.is_empty() {
        return Err((
            "linux.personality.flags".into(),
            "no flags are defined by the runtime-spec".into(),
        ));
    }
    Ok(())
}

pub fn check_memory_policy(m: &MemoryPolicy) -> Result<(), (String, String)> {
    if lookup(&MPOL_MODES, &m.mode).is_none() {
        return Err((
            "linux.memoryPolicy.mode".into(),
            format!("{:?} is not one of {}", m.mode, names(&MPOL_MODES)),
        ));
    }
    for (i, f) in m.flags.iter().enumerate() {
        if lookup(&MPOL_FLAGS, f).is_none() {
            return Err((
                format!("linux.memoryPolicy.flags[{i}]"),
                format!("unknown flag {f:?}"),
            ));
        }
    }
    parse_list(&m.nodes)
        .map(drop)
        .map_err(|e| ("linux.memoryPolicy.nodes".into(), e))
}

/// Parses `0-3,7` into a sorted list of numbers (at most 4096).
pub fn parse_list(s: &str) -> Result<Vec<usize>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("{s:?} is not a list such as 0-3,7");
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (
                a.parse::<usize>().map_err(|_| bad())?,
                b.parse::<usize>().map_err(|_| bad())?,
            ),
            None => {
                let n = part.parse::<usize>().map_err(|_| bad())?;
                (n, n)
            }
        };
        if a > b || b >= 4096 {
            return Err(bad());
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn cvt(r: libc::c_long, what: &str) -> io::Result<()> {
    if r < 0 {
        let e = io::Error::last_os_error();
        return Err(io::Error::new(e.kind(), format!("{what}: {e}")));
    }
    Ok(())
}

#[repr(C)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

/// Applies `process.scheduler` to the calling thread.
pub fn apply_scheduler(s: &Scheduler) -> io::Result<()> {
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        policy: lookup(&POLICIES, &s.policy).unwrap_or(0),
        flags: s
            .flags
            .iter()
            .filter_map(|f| lookup(&SCHED_FLAGS, f))
            .fold(0, |a, b| a | b),
        nice: s.nice,
        priority: s.priority,
        runtime: s.runtime,
        deadline: s.deadline,
        period: s.period,
    };
    // SAFETY: attr is a live sched_attr (v1 layout, size set) for the call.
    cvt(
        unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) },
        "sched_setattr",
    )
}

/// Applies `process.ioPriority`.
pub fn apply_io_priority(p: &IoPriority) -> io::Result<()> {
    let value = (lookup(&IO_CLASSES, &p.class).unwrap_or(2) << 13) | p.priority;
    const IOPRIO_WHO_PROCESS: libc::c_int = 1;
    // SAFETY: ioprio_set takes integers only.
    cvt(
        unsafe { libc::syscall(libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) },
        "ioprio_set",
    )
}

/// Applies `linux.personality`.
pub fn apply_personality(p: &Personality) -> io::Result<()> {
    let domain = lookup(&DOMAINS, &p.domain).unwrap_or(0);
    // SAFETY: personality takes an integer; -1 signals an error.
    let r = unsafe { libc::personality(domain) };
    cvt(r as libc::c_long, "personality")
}

fn bitmask(list: &[usize]) -> Vec<libc::c_ulong> {
    let bits = libc::c_ulong::BITS as usize;
    let words = list.iter().max().map(|m| m / bits + 1).unwrap_or(1);
    let mut mask = vec![0 as libc::c_ulong; words];
    for n in list {
        mask[n / bits] |= 1 << (n % bits);
    }
    mask
}

/// Applies `linux.memoryPolicy`.
pub fn apply_memory_policy(m: &MemoryPolicy) -> io::Result<()> {
    let mode = lookup(&MPOL_MODES, &m.mode).unwrap_or(0)
        | m.flags
            .iter()
            .filter_map(|f| lookup(&MPOL_FLAGS, f))
            .fold(0, |a, b| a | b);
    let nodes = parse_list(&m.nodes).map_err(io::Error::other)?;
    let mask = bitmask(&nodes);
    let (ptr, maxnode) = if nodes.is_empty() {
        (std::ptr::null(), 0)
    } else {
        (mask.as_ptr(), mask.len() * libc::c_ulong::BITS as usize + 1)
    };
    // SAFETY: ptr is null or points to `mask`, which holds maxnode-1 bits.
    cvt(
        unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, ptr, maxnode) },
        "set_mempolicy",
    )
}

/// Applies `process.execCPUAffinity` (`final`, else `initial`).
pub fn apply_cpu_affinity(a: &CpuAffinity) -> io::Result<()> {
    let Some(list) = a.final_.as_deref().or(a.initial.as_deref()) else {
        return Ok(());
    };
    let cpus = parse_list(list).map_err(io::Error::other)?;
    let mask = bitmask(&cpus);
    // SAFETY: mask is a live buffer of the given byte length.
    cvt(
        unsafe {
            libc::syscall(
                libc::SYS_sched_setaffinity,
                0,
                mask.len() * std::mem::size_of::<libc::c_ulong>(),
                mask.as_ptr(),
            )
        },
        "sched_setaffinity",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse() {
        assert_eq!(parse_list("0-3,7").expect("list"), vec![0, 1, 2, 3, 7]);
        assert_eq!(parse_list("").expect("empty"), Vec::<usize>::new());
        assert!(parse_list("3-1").is_err());
        assert!(parse_list("a").is_err());
        assert!(parse_list("0-99999").is_err());
        assert_eq!(bitmask(&[0, 65]), vec![1, 2]);
    }

    #[test]
    fn names_are_checked() {
        let s = Scheduler {
            policy: "SCHED_NOPE".into(),
            ..Default::default()
        };
        assert_eq!(
            check_scheduler(&s).map_err(|e| e.0),
            Err("process.scheduler.policy".to_string())
        );
        let p = Personality {
            domain: "LINUX32".into(),
            flags: vec![],
        };
        assert!(check_personality(&p).is_ok());
        let io = IoPriority {
            class: "IOPRIO_CLASS_BE".into(),
            priority: 9,
        };
        assert!(check_io_priority(&io).is_err());
    }
}
