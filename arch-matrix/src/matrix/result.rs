//! What running a cell gave.

use std::time::Duration;

use crate::matrix::{Cell, PlannedCell};

/// How a cell ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Exit code 0.
    Passed,
    /// It ran and failed, or could not start.
    Failed {
        /// Why: the exit code and the runtime's last message.
        reason: String,
    },
    /// Cut at its timeout.
    TimedOut {
        /// The timeout.
        after: Duration,
    },
    /// Not run here.
    Skipped {
        /// Why.
        reason: String,
    },
}

impl Status {
    /// `passed`, `failed`, `timed out` or `skipped`.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed { .. } => "failed",
            Status::TimedOut { .. } => "timed out",
            Status::Skipped { .. } => "skipped",
        }
    }

    /// Why the cell failed, timed out or was skipped.
    pub fn reason(&self) -> Option<String> {
        match self {
            Status::Passed => None,
            Status::Failed { reason } | Status::Skipped { reason } => Some(reason.clone()),
            Status::TimedOut { after } => Some(format!("timed out after {}", secs(*after))),
        }
    }
}

/// One cell's outcome and captured output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellResult {
    /// The cell.
    pub cell: Cell,
    /// How it ended.
    pub status: Status,
    /// The exit code of `ocix run`, if it exited.
    pub exit_code: Option<i32>,
    /// Wall time, start to reaped.
    pub wall: Duration,
    /// Captured stdout.
    pub stdout: Vec<u8>,
    /// Captured stderr.
    pub stderr: Vec<u8>,
}

impl CellResult {
    /// The result of a cell that did not run: skipped with `reason`.
    pub fn skipped(cell: Cell, reason: impl Into<String>) -> CellResult {
        CellResult {
            cell,
            status: Status::Skipped {
                reason: reason.into(),
            },
            exit_code: None,
            wall: Duration::ZERO,
            stdout: Vec::new(),
            stderr: Vec::new(),
        }
    }

    /// The result of a planned cell the planner skipped, if it did.
    pub fn from_skipped_plan(p: &PlannedCell) -> Option<CellResult> {
        p.skipped
            .as_ref()
            .map(|why| CellResult::skipped(p.cell.clone(), why.clone()))
    }
}

/// Counts by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cells that passed.
    pub passed: usize,
    /// Cells that failed.
    pub failed: usize,
    /// Cells cut at their timeout.
    pub timed_out: usize,
    /// Cells not run.
    pub skipped: usize,
}

impl Summary {
    /// Counts `results`.
    pub fn of(results: &[CellResult]) -> Summary {
        let mut s = Summary::default();
        for r in results {
            match r.status {
                Status::Passed => s.passed += 1,
                Status::Failed { .. } => s.failed += 1,
                Status::TimedOut { .. } => s.timed_out += 1,
                Status::Skipped { .. } => s.skipped += 1,
            }
        }
        s
    }

    /// Whether the matrix passed: every cell that ran passed, and at
    /// least one ran. Skipped cells do not fail it.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.timed_out == 0 && self.passed > 0
    }

    /// Every cell.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.timed_out + self.skipped
    }
}

/// `1.23s`.
pub(crate) fn secs(d: Duration) -> String {
    format!("{:.2}s", d.as_secs_f64())
}
