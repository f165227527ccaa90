//! pause/resume: the v1 freezer controller or v2's `cgroup.freeze`. Both
//! are asynchronous; we wait until the kernel reports the new state.

use super::{read, write, CgroupError, CgroupFs};
use std::path::Path;
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(5);

/// Freezes (`FROZEN`) or thaws (`THAWED`) a v1 freezer cgroup.
pub fn set_v1(fs: &dyn CgroupFs, dir: &Path, frozen: bool) -> Result<(), CgroupError> {
    let want = if frozen { "FROZEN" } else { "THAWED" };
    let deadline = Instant::now() + LIMIT;
    let mut nap = Duration::from_micros(500);
    loop {
        // Re-writing FROZEN kicks tasks that were in a fork while the
        // first request went through (they keep the cgroup FREEZING).
        write(fs, dir, "freezer.state", want)?;
        if read(fs, dir, "freezer.state")? == want {
            return Ok(());
        }
        if Instant::now() >= deadline {
            if frozen {
                let _ = write(fs, dir, "freezer.state", "THAWED");
            }
            return Err(CgroupError::Timeout(format!(
                "{}: the freezer did not reach {want} within {LIMIT:?}",
                dir.display()
            )));
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// Freezes (1) or thaws (0) a v2 cgroup via `cgroup.freeze`, waiting for
/// `cgroup.events` to say `frozen 1` / `frozen 0`.
pub fn set_v2(fs: &dyn CgroupFs, dir: &Path, frozen: bool) -> Result<(), CgroupError> {
    if !fs.exists(&dir.join("cgroup.freeze")) {
        return Err(CgroupError::Unsupported(
            "pause needs cgroup.freeze (Linux 5.2 or later)".into(),
        ));
    }
    let want = u8::from(frozen);
    write(fs, dir, "cgroup.freeze", want)?;
    let deadline = Instant::now() + LIMIT;
    let mut nap = Duration::from_micros(500);
    loop {
        if v2_frozen(fs, dir) == Some(frozen) {
            return Ok(());
        }
        if Instant::now() >= deadline {
            if frozen {
                let _ = write(fs, dir, "cgroup.freeze", 0);
            }
            return Err(CgroupError::Timeout(format!(
                "{}: cgroup.events did not report frozen {want} within {LIMIT:?}",
                dir.display()
            )));
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    }
}

/// `frozen` from `cgroup.events`; `None` if unreadable.
fn v2_frozen(fs: &dyn CgroupFs, dir: &Path) -> Option<bool> {
    let text = read(fs, dir, "cgroup.events").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("frozen "))
        .map(|v| v.trim() == "1")
}
