//! A progress display on stderr when it is a terminal: one line per
//! finished cell, and a status line of the running ones.

use ocix_arch_matrix::matrix::{Cell, CellResult, Status};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

/// Progress of a matrix; silent unless stderr is a terminal.
pub struct Progress {
    state: Option<Mutex<State>>,
}

struct State {
    total: usize,
    done: usize,
    failed: usize,
    running: Vec<String>,
}

impl Progress {
    /// A display for `total` cells.
    pub fn new(total: usize) -> Progress {
        let on = std::io::stderr().is_terminal();
        Progress {
            state: on.then(|| {
                Mutex::new(State {
                    total,
                    done: 0,
                    failed: 0,
                    running: Vec::new(),
                })
            }),
        }
    }

    /// `cell` started.
    pub fn started(&self, cell: &Cell) {
        self.update(|s| {
            s.running.push(cell.name());
            None
        });
    }

    /// A cell ended.
    pub fn finished(&self, r: &CellResult) {
        self.update(|s| {
            let name = r.cell.name();
            s.running.retain(|n| *n != name);
            s.done += 1;
            if !matches!(r.status, Status::Passed | Status::Skipped { .. }) {
                s.failed += 1;
            }
            let why = r
                .status
                .reason()
                .map(|w| format!(": {w}"))
                .unwrap_or_default();
            Some(format!(
                "{:<9} {name} {:.2}s{why}",
                r.status.label(),
                r.wall.as_secs_f64()
            ))
        });
    }

    /// Clears the status line.
    pub fn finish(&self) {
        if self.state.is_some() {
            eprint!("\r\x1b[K");
        }
    }

    fn update(&self, f: impl FnOnce(&mut State) -> Option<String>) {
        let Some(m) = &self.state else { return };
        let Ok(mut s) = m.lock() else { return };
        let line = f(&mut s);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K");
        if let Some(l) = line {
            let _ = writeln!(err, "{l}");
        }
        let _ = write!(err, "[{}/{} done, {} failed]", s.done, s.total, s.failed);
        if !s.running.is_empty() {
            let _ = write!(err, " running: {}", s.running.join(", "));
        }
        let _ = err.flush();
    }
}
