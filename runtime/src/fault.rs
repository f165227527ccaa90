//! Fault injection for crash-safety and race tests: `OCIX_FAULT=<point>`
//! makes ocix SIGKILL itself when it reaches that point, as a crash or an
//! impatient `kill -9` would. Points are named `<verb>:<where>`.
//!
//! With `OCIX_FAULT_PAUSE=<dir>` as well, ocix pauses at the point instead,
//! the first time it gets there: it creates `<dir>/paused` and waits until
//! `<dir>/resume` exists (a minute at most), so that a test can change the
//! world at exactly that moment (swap a mount target for a symlink).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Longest pause: a test that never resumes must not hang ocix forever.
const MAX_PAUSE: Duration = Duration::from_secs(60);

static PAUSED: AtomicBool = AtomicBool::new(false);

/// Dies, or pauses, here if `OCIX_FAULT` names this point.
pub fn point(name: &str) {
    if !std::env::var_os("OCIX_FAULT").is_some_and(|v| v == name) {
        return;
    }
    match std::env::var_os("OCIX_FAULT_PAUSE") {
        Some(dir) => {
            if !PAUSED.swap(true, Ordering::SeqCst) {
                pause(Path::new(&dir));
            }
        }
        // SAFETY: raise takes an integer; SIGKILL cannot be caught.
        None => unsafe {
            libc::raise(libc::SIGKILL);
        },
    }
}

fn pause(dir: &Path) {
    let _ = std::fs::write(dir.join("paused"), std::process::id().to_string());
    let start = Instant::now();
    while !dir.join("resume").exists() && start.elapsed() < MAX_PAUSE {
        std::thread::sleep(Duration::from_millis(10));
    }
}
