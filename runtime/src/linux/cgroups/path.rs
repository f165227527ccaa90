//! `linux.cgroupsPath`: absolute paths are taken from each hierarchy's
//! root, relative ones from ocix's own cgroup (as runc does); without one a
//! container lives in `/ocix/<id>`, or `/ocix/<scope>/<id>` for a
//! non-default `--root`, so that two state roots holding the same id do
//! not share a cgroup.

use super::layout::Hierarchy;
use super::CgroupError;
use std::path::{Component, Path, PathBuf};

/// Where in each hierarchy the container's cgroup is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CgroupsPath {
    /// From the hierarchy's root; relative as a `Path`, never empty.
    Absolute(PathBuf),
    /// From ocix's own cgroup; never empty.
    Relative(PathBuf),
}

impl CgroupsPath {
    /// Reads `linux.cgroupsPath` for container `id`. `systemd` is
    /// `--systemd-cgroup`, for which ocix has no driver.
    pub fn from_spec(
        path: Option<&str>,
        id: &str,
        scope: Option<&str>,
        systemd: bool,
    ) -> Result<Self, CgroupError> {
        let refuse = |msg: String| CgroupError::Config {
            field: "linux.cgroupsPath".into(),
            msg,
        };
        if systemd {
            return Err(CgroupError::Unsupported(format!(
                "--systemd-cgroup: ocix has no systemd cgroup driver; drop the flag and use \
                 a cgroupfs path (cgroupsPath {:?})",
                path.unwrap_or_default()
            )));
        }
        let raw = path.unwrap_or_default();
        if raw.is_empty() {
            let base = Path::new("ocix").join(clean(scope.unwrap_or_default()));
            return Ok(CgroupsPath::Absolute(base.join(clean(id))));
        }
        if is_systemd_form(raw) {
            return Err(refuse(format!(
                "{raw:?} is a systemd \"slice:prefix:name\" path; ocix has no systemd \
                 cgroup driver, give a cgroupfs path such as \"/ocix/{id}\""
            )));
        }
        let clean = clean(raw);
        if clean.as_os_str().is_empty() {
            return Err(refuse(format!(
                "{raw:?} names the hierarchy root (or ocix's own cgroup); a container \
                 needs a cgroup of its own"
            )));
        }
        Ok(if raw.starts_with('/') {
            CgroupsPath::Absolute(clean)
        } else {
            CgroupsPath::Relative(clean)
        })
    }

    /// The directory of this cgroup in hierarchy `h`.
    pub fn dir_in(&self, h: &Hierarchy) -> PathBuf {
        match self {
            CgroupsPath::Absolute(p) => h.mount.join(p),
            CgroupsPath::Relative(p) => {
                // Our own cgroup as seen under the mount point; outside the
                // mount's subtree (a foreign namespace) start at the mount.
                let own = h.own.strip_prefix(&h.root).unwrap_or(Path::new(""));
                h.mount.join(clean(&own.to_string_lossy())).join(p)
            }
        }
    }
}

/// `slice:prefix:name` with no `/`: runc's systemd form.
fn is_systemd_form(p: &str) -> bool {
    !p.contains('/') && p.split(':').count() == 3
}

/// Lexically cleaned and relative: `..` never climbs above the start, as
/// runc's CleanPath, so a path cannot leave its hierarchy.
fn clean(p: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in Path::new(p).components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(mount: &str, root: &str, own: &str) -> Hierarchy {
        Hierarchy {
            mount: mount.into(),
            root: root.into(),
            own: own.into(),
        }
    }

    fn parse(p: Option<&str>) -> Result<CgroupsPath, CgroupError> {
        CgroupsPath::from_spec(p, "c1", None, false)
    }

    #[test]
    fn default_is_ocix_slash_id() {
        let want = CgroupsPath::Absolute("ocix/c1".into());
        assert_eq!(parse(None).expect("none"), want);
        assert_eq!(parse(Some("")).expect("empty"), want);
        let mem = h("/sys/fs/cgroup/memory", "/", "/job/7");
        assert_eq!(
            want.dir_in(&mem),
            PathBuf::from("/sys/fs/cgroup/memory/ocix/c1")
        );
        let scoped = CgroupsPath::from_spec(None, "c1", Some("ab12"), false).expect("scoped");
        assert_eq!(scoped, CgroupsPath::Absolute("ocix/ab12/c1".into()));
    }

    #[test]
    fn absolute_paths_start_at_the_mount() {
        let p = parse(Some("/a/../b/./c/")).expect("abs");
        assert_eq!(p, CgroupsPath::Absolute("b/c".into()));
        let mem = h("/sys/fs/cgroup/memory", "/", "/job/7");
        assert_eq!(p.dir_in(&mem), PathBuf::from("/sys/fs/cgroup/memory/b/c"));
        let escape = parse(Some("/../../etc")).expect("escape");
        assert_eq!(
            escape.dir_in(&mem),
            PathBuf::from("/sys/fs/cgroup/memory/etc")
        );
    }

    #[test]
    fn relative_paths_start_at_our_own_cgroup() {
        let p = parse(Some("../../x/y")).expect("rel");
        assert_eq!(p, CgroupsPath::Relative("x/y".into()));
        let mem = h("/sys/fs/cgroup/memory", "/", "/job/7");
        assert_eq!(
            p.dir_in(&mem),
            PathBuf::from("/sys/fs/cgroup/memory/job/7/x/y")
        );
        let bound = h("/cg", "/job", "/job/7");
        assert_eq!(p.dir_in(&bound), PathBuf::from("/cg/7/x/y"));
        let foreign = h("/cg", "/other", "/job/7");
        assert_eq!(p.dir_in(&foreign), PathBuf::from("/cg/x/y"));
    }

    #[test]
    fn refused_forms_say_why() {
        for bad in ["/", "..", "a/..", "/./"] {
            let e = parse(Some(bad)).expect_err(bad).to_string();
            assert!(e.contains("linux.cgroupsPath") && e.contains("root"), "{e}");
        }
        let e = parse(Some("system.slice:ocix:c1"))
            .expect_err("systemd")
            .to_string();
        assert!(e.contains("systemd"), "{e}");
        let e = CgroupsPath::from_spec(Some("/a"), "c1", None, true).expect_err("flag");
        assert!(e.to_string().contains("--systemd-cgroup"), "{e}");
        assert!(
            parse(Some("/a:b:c/d")).is_ok(),
            "colons in a real path are fine"
        );
    }
}
