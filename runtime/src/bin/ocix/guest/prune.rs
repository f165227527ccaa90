//! Keeps the saved-guest cache from growing without bound: every new
//! kernel, agent or QEMU makes a new key, and a state is 20–60 MB.
//!
//! A run marks its guest's directory used (its mtime). Directories of the
//! same profile unused for [`UNUSED_FOR`] are removed, and so are bare
//! `<key>` directories (saved before guests were named by profile) and
//! partial states left by runs killed while saving (`state.tmp-PID` whose
//! PID is gone). Failures only log: pruning never fails a run.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long a saved guest may go unused before another run of the same
/// profile removes it.
pub const UNUSED_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

/// Marks `dir` (`<root>/<profile>-<key>`) used now and removes the
/// profile's other saved guests unused since `now - UNUSED_FOR`, and
/// partial states in `dir` whose writer is gone.
pub fn prune(root: &Path, profile: &str, dir: &Path, now: SystemTime) {
    if let Err(e) = std::fs::File::open(dir).and_then(|f| f.set_modified(now)) {
        log::debug!("cannot mark {} used: {e}", dir.display());
    }
    let cutoff = now
        .checked_sub(UNUSED_FOR)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let prefix = format!("{profile}-");
    for old in entries(root) {
        let name = old.file_name().unwrap_or_default().to_string_lossy();
        let key = name.strip_prefix(&prefix).unwrap_or(&name);
        let ours = key.len() < name.len() || key.len() == UNNAMED_KEY_LEN;
        if old == dir || !ours || !key.chars().all(is_hex) {
            continue;
        }
        let used = std::fs::metadata(&old).and_then(|m| m.modified());
        if used.is_ok_and(|t| t < cutoff) {
            remove(&old, std::fs::remove_dir_all(&old));
        }
    }
    for tmp in entries(dir) {
        let name = tmp.file_name().unwrap_or_default().to_string_lossy();
        let writer = name
            .rsplit_once(".tmp-")
            .and_then(|(_, pid)| pid.parse::<u32>().ok());
        if writer.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            remove(&tmp, std::fs::remove_file(&tmp));
        }
    }
}

/// The length of a bare key: snapshot directories were named by their
/// 16 hex digits alone before they were named `<profile>-<key>`.
const UNNAMED_KEY_LEN: usize = 16;

fn is_hex(c: char) -> bool {
    c.is_ascii_hexdigit()
}

fn entries(dir: &Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

fn remove(path: &Path, r: std::io::Result<()>) {
    match r {
        Ok(()) => log::debug!("pruned {}", path.display()),
        Err(e) => log::debug!("cannot prune {}: {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(path: &Path, age: Duration, now: SystemTime) {
        let f = std::fs::File::open(path).expect("open");
        f.set_modified(now - age).expect("set mtime");
    }

    #[test]
    fn removes_only_the_profiles_long_unused_guests() {
        let root = tempfile::tempdir().expect("tempdir");
        let now = SystemTime::now();
        let dir = |n: &str| {
            let p = root.path().join(n);
            std::fs::create_dir(&p).expect("mkdir");
            std::fs::write(p.join("state"), b"s").expect("state");
            p
        };
        let current = dir("ppc64-00aa");
        let stale = dir("ppc64-11bb");
        let recent = dir("ppc64-22cc");
        let other = dir("aarch64-33dd");
        let foreign = dir("ppc64-not-a-key");
        let unnamed = dir("0123456789abcdef");
        let short = dir("0123");
        aged(&current, UNUSED_FOR * 2, now);
        aged(&stale, UNUSED_FOR + Duration::from_secs(60), now);
        aged(&recent, UNUSED_FOR - Duration::from_secs(60), now);
        aged(&other, UNUSED_FOR * 2, now);
        aged(&foreign, UNUSED_FOR * 2, now);
        aged(&unnamed, UNUSED_FOR * 2, now);
        aged(&short, UNUSED_FOR * 2, now);
        prune(root.path(), "ppc64", &current, now);
        assert!(!stale.exists(), "unused guest of the profile is removed");
        assert!(!unnamed.exists(), "unused guest saved unnamed is removed");
        for kept in [&current, &recent, &other, &foreign, &short] {
            assert!(kept.join("state").is_file(), "{} kept", kept.display());
        }
        let used = std::fs::metadata(&current)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert!(used >= now - Duration::from_secs(1), "current marked used");
    }

    #[test]
    fn removes_partial_states_of_dead_writers_only() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("mips-abcd");
        std::fs::create_dir(&dir).expect("mkdir");
        let ours = dir.join(format!("state.tmp-{}", std::process::id()));
        // Above the kernel's pid_max limit, so never a live process.
        let dead = dir.join("state.tmp-4194305");
        for f in [&ours, &dead] {
            std::fs::write(f, b"x").expect("write");
        }
        prune(root.path(), "mips", &dir, SystemTime::now());
        assert!(ours.exists(), "a live writer's partial state is kept");
        assert!(!dead.exists(), "a dead writer's partial state is removed");
    }
}
