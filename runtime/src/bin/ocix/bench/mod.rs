//! `ocix bench`: launch latency per lifecycle phase, for ocix and other
//! runtimes on the same bundle, interleaved run by run.
//!
//! Each runtime is driven through its CLI as an engine drives it, one
//! process per verb: `create`, `start`, wait for the container's process,
//! `delete`. [`runner`] spawns and times, [`stats`] summarises,
//! [`report`] prints a table or JSON and [`svg`] draws the distributions.

pub mod report;
pub mod runner;
pub mod stats;
pub mod svg;

use std::path::{Path, PathBuf};

/// The timed phases of one run, in order; `Total` spans all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Create,
    Start,
    /// From `start`'s exit to the container's process being reaped.
    Exit,
    Delete,
    Total,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Create,
        Phase::Start,
        Phase::Exit,
        Phase::Delete,
        Phase::Total,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Create => "create",
            Phase::Start => "start",
            Phase::Exit => "exit",
            Phase::Delete => "delete",
            Phase::Total => "total",
        }
    }
}

/// A runtime binary to drive.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub name: String,
    pub path: PathBuf,
    /// Flags added to its `create` (ocix's `--arch`, `--backend`).
    pub create_flags: Vec<String>,
}

/// One runtime's samples: milliseconds per phase, one entry per run.
#[derive(Debug, Clone)]
pub struct Series {
    pub runtime: Runtime,
    pub ms: [Vec<f64>; 5],
    /// Runs whose container exited with a non-zero code.
    pub failed_exits: usize,
}

impl Series {
    pub fn new(runtime: Runtime) -> Series {
        Series {
            runtime,
            ms: Default::default(),
            failed_exits: 0,
        }
    }

    pub fn samples(&self, p: Phase) -> &[f64] {
        &self.ms[p as usize]
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub bundle: PathBuf,
    pub runs: usize,
    pub warmup: usize,
    /// ocix first; the ratios compare it with the others.
    pub runtimes: Vec<Runtime>,
}

/// `name` as given when it holds a `/`, else the first executable of
/// that name on `PATH`.
pub fn find_runtime(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable = |p: &Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        let p = PathBuf::from(name);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| executable(p))
}

/// The display name of a `--compare` entry (`/usr/sbin/runc` → `runc`).
pub fn runtime_name(entry: &str) -> String {
    Path::new(entry)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| entry.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sh_and_not_nonsense() {
        assert!(find_runtime("sh").is_some());
        assert!(find_runtime("ocix-no-such-runtime").is_none());
        assert!(find_runtime("/nonexistent/runc").is_none());
        assert_eq!(runtime_name("/usr/sbin/runc"), "runc");
        assert_eq!(runtime_name("crun"), "crun");
    }
}
