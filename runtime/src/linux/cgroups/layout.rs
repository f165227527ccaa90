//! Which cgroup hierarchies the host mounts (`/proc/self/mountinfo`) and
//! where this process sits in each (`/proc/self/cgroup`): the probe that
//! picks the v1, hybrid or v2 manager.

use super::CgroupError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// One mounted hierarchy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// Mount point.
    pub mount: PathBuf,
    /// The hierarchy's path shown at the mount point (mountinfo's root).
    pub root: PathBuf,
    /// This process's cgroup, as a path in the hierarchy.
    pub own: PathBuf,
}

/// The host's cgroup layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Controllers on v1 hierarchies only.
    V1,
    /// v1 controllers plus a cgroup2 mount (`/sys/fs/cgroup/unified`).
    Hybrid,
    /// Everything on the cgroup2 hierarchy.
    V2,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// v1 controller (`memory`, or `name=systemd` for named hierarchies)
    /// → its hierarchy; co-mounted controllers share one.
    pub v1: BTreeMap<String, Hierarchy>,
    pub unified: Option<Hierarchy>,
}

/// Super options of a v1 cgroup mount that are not controller names.
const NOT_CONTROLLERS: [&str; 7] = [
    "rw",
    "ro",
    "noprefix",
    "clone_children",
    "xattr",
    "cpuset_v2_mode",
    "favordynmods",
];

impl Layout {
    /// Reads this process's view of the cgroup mounts.
    pub fn probe() -> Result<Layout, CgroupError> {
        let read = |f: &str| {
            std::fs::read_to_string(f).map_err(|source| CgroupError::Read {
                file: f.into(),
                source,
            })
        };
        Ok(Layout::parse(
            &read("/proc/self/mountinfo")?,
            &read("/proc/self/cgroup")?,
        ))
    }

    /// Builds the layout from the text of mountinfo and /proc/self/cgroup.
    pub fn parse(mountinfo: &str, proc_cgroup: &str) -> Layout {
        let own = own_paths(proc_cgroup);
        let mut layout = Layout::default();
        for line in mountinfo.lines() {
            let Some(m) = MountLine::parse(line) else {
                continue;
            };
            let at = |key: &str| Hierarchy {
                mount: PathBuf::from(&m.mount),
                root: PathBuf::from(&m.root),
                own: own
                    .get(key)
                    .cloned()
                    .unwrap_or_else(|| m.root.clone().into()),
            };
            match m.fstype {
                "cgroup2" if layout.unified.is_none() => layout.unified = Some(at("")),
                "cgroup" => {
                    let ctrls = m
                        .super_opts
                        .split(',')
                        .filter(|o| !NOT_CONTROLLERS.contains(o))
                        .filter(|o| !o.starts_with("release_agent="));
                    for c in ctrls {
                        if !layout.v1.contains_key(c) {
                            let h = at(c);
                            layout.v1.insert(c.to_string(), h);
                        }
                    }
                }
                _ => {}
            }
        }
        layout
    }

    /// The layout's kind; `None` when no hierarchy is mounted.
    pub fn kind(&self) -> Option<Kind> {
        let real_v1 = self.v1.keys().any(|k| !k.starts_with("name="));
        match (real_v1, self.unified.is_some()) {
            (true, true) => Some(Kind::Hybrid),
            (true, false) => Some(Kind::V1),
            (false, true) => Some(Kind::V2),
            (false, false) => None,
        }
    }
}

/// Controller ("" for cgroup2) → this process's cgroup path.
fn own_paths(text: &str) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (Some(_), Some(ctrls), Some(path)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        for c in ctrls.split(',') {
            out.insert(c.to_string(), PathBuf::from(path));
        }
    }
    out
}

struct MountLine<'a> {
    root: String,
    mount: String,
    fstype: &'a str,
    super_opts: &'a str,
}

impl<'a> MountLine<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        let (left, right) = line.split_once(" - ")?;
        let l: Vec<&str> = left.split(' ').collect();
        let mut r = right.split(' ');
        let fstype = r.next()?;
        let _source = r.next()?;
        Some(MountLine {
            root: unescape(l.get(3)?),
            mount: unescape(l.get(4)?),
            fstype,
            super_opts: r.next().unwrap_or(""),
        })
    }
}

/// mountinfo writes space, tab, newline and backslash as `\ooo`.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let octal = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,release_agent=/x,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
";
    const OWN: &str = "4:memory:/job/1\n2:cpu,cpuacct:/\n1:name=systemd:/\n0::/u\n";

    #[test]
    fn hybrid_host() {
        let l = Layout::parse(HYBRID, OWN);
        assert_eq!(l.kind(), Some(Kind::Hybrid));
        let keys: Vec<&str> = l.v1.keys().map(String::as_str).collect();
        assert_eq!(keys, ["cpu", "cpuacct", "memory", "name=systemd"]);
        assert_eq!(l.v1["cpu"], l.v1["cpuacct"]);
        assert_eq!(l.v1["memory"].own, PathBuf::from("/job/1"));
        let u = l.unified.as_ref().expect("unified");
        assert_eq!(u.mount, PathBuf::from("/sys/fs/cgroup/unified"));
        assert_eq!(u.own, PathBuf::from("/u"));
    }

    #[test]
    fn unified_and_legacy_hosts() {
        let v2 = "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
        assert_eq!(Layout::parse(v2, "0::/a\n").kind(), Some(Kind::V2));
        let v1 = "35 31 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
        assert_eq!(Layout::parse(v1, "").kind(), Some(Kind::V1));
        let named = "40 31 0:37 / /x rw - cgroup cgroup rw,name=foo\n";
        assert_eq!(Layout::parse(named, "").kind(), None);
        assert_eq!(Layout::parse("garbage\n\n1 2 3\n", "::").kind(), None);
    }

    #[test]
    fn mount_points_are_unescaped() {
        let m = "30 23 0:26 /a\\040b /sys/fs/my\\040cg rw - cgroup2 cgroup2 rw\n";
        let u = Layout::parse(m, "").unified.expect("unified");
        assert_eq!(u.mount, PathBuf::from("/sys/fs/my cg"));
        assert_eq!(u.root, PathBuf::from("/a b"));
        assert_eq!(unescape("\\134\\01"), "\\\\01");
    }
}
