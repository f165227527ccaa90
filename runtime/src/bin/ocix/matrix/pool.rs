//! Up to `jobs` cells at once on plain threads: cells are child processes,
//! so a thread per running cell costs nothing worth an async runtime.

use super::progress::Progress;
use super::{cell, signals};
use ocix_arch_matrix::matrix::{Cell, CellResult};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Runs `cells` with up to `jobs` at once, each in `scratch/<n>-<arch>`;
/// results in the cells' order. After Ctrl-C, cells not yet started are
/// skipped.
pub fn run_all(
    cells: &[Cell],
    jobs: usize,
    timeout: Duration,
    scratch: &Path,
    progress: &Progress,
) -> Vec<CellResult> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CellResult>>> = Mutex::new(vec![None; cells.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.clamp(1, cells.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(c) = cells.get(i) else { break };
                let r = if let Some(sig) = signals::received() {
                    CellResult::skipped(c.clone(), format!("not started: signal {sig}"))
                } else {
                    progress.started(c);
                    let dir = scratch.join(format!("{i}-{}", c.arch));
                    let r = cell::run(c, &dir, timeout);
                    progress.finished(&r);
                    r
                };
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    let v = results.into_inner().unwrap_or_else(|p| p.into_inner());
    v.into_iter()
        .zip(cells)
        .map(|(r, c)| r.unwrap_or_else(|| CellResult::skipped(c.clone(), "not run")))
        .collect()
}
