//! The table and JSON reports.

use serde_json::{json, Value};

use crate::matrix::result::secs;
use crate::matrix::{CellResult, Summary};

/// A table with one row per cell (arch, backend, status, exit code, wall
/// time), a summary line, then the reason of each cell that did not pass.
pub fn table(results: &[CellResult]) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "ARCH".into(),
        "BACKEND".into(),
        "STATUS".into(),
        "EXIT".into(),
        "WALL".into(),
    ]];
    for r in results {
        let not_run = r.wall.is_zero() && r.exit_code.is_none();
        rows.push([
            r.cell.arch.to_string(),
            r.cell.backend.to_string(),
            r.status.label().into(),
            r.exit_code.map_or("-".into(), |c| c.to_string()),
            if not_run { "-".into() } else { secs(r.wall) },
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let s = Summary::of(results);
    out.push_str(&format!(
        "{} cell{}: {} passed, {} failed, {} timed out, {} skipped\n",
        s.total(),
        if s.total() == 1 { "" } else { "s" },
        s.passed,
        s.failed,
        s.timed_out,
        s.skipped
    ));
    for r in results {
        if let Some(why) = r.status.reason() {
            out.push_str(&format!("{}: {why}\n", r.cell.name()));
        }
    }
    out
}

/// `{"ok": .., "summary": {..}, "cells": [..]}`, each cell with its arch,
/// backend, bundle, status, reason, exit code, wall time in seconds and
/// captured output (lossy UTF-8).
pub fn json(results: &[CellResult]) -> String {
    let s = Summary::of(results);
    let cells: Vec<Value> = results
        .iter()
        .map(|r| {
            json!({
                "name": r.cell.name(),
                "arch": r.cell.arch.to_string(),
                "backend": r.cell.backend.name(),
                "bundle": r.cell.bundle.display().to_string(),
                "status": r.status.label().replace(' ', "_"),
                "reason": r.status.reason(),
                "exit_code": r.exit_code,
                "wall_secs": r.wall.as_secs_f64(),
                "stdout": String::from_utf8_lossy(&r.stdout),
                "stderr": String::from_utf8_lossy(&r.stderr),
            })
        })
        .collect();
    let v = json!({
        "ok": s.ok(),
        "summary": {
            "passed": s.passed,
            "failed": s.failed,
            "timed_out": s.timed_out,
            "skipped": s.skipped,
        },
        "cells": cells,
    });
    let mut text = serde_json::to_string_pretty(&v).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::matrix::{Backend, Cell, Status};
    use crate::Arch;
    use std::time::Duration;

    /// Four results: passed, failed, timed out, skipped.
    pub(crate) fn sample() -> Vec<CellResult> {
        let cell = |name: &str, backend| Cell {
            arch: Arch::parse(name).expect("known arch"),
            backend,
            bundle: "bundles/x".into(),
        };
        let ran = |c, status, code, out: &str, err: &str| CellResult {
            cell: c,
            status,
            exit_code: code,
            wall: Duration::from_millis(1234),
            stdout: out.as_bytes().to_vec(),
            stderr: err.as_bytes().to_vec(),
        };
        vec![
            ran(
                cell("armv7ahf", Backend::Emulate),
                Status::Passed,
                Some(0),
                "armv7l\n<42> & ]]> \u{1b}[0m\n",
                "",
            ),
            ran(
                cell("aarch64", Backend::Emulate),
                Status::Failed {
                    reason: "exit code 1: ocix: ELF 32-bit ARM \"x\" <y>".into(),
                },
                Some(1),
                "",
                "ocix: ELF 32-bit ARM\n",
            ),
            ran(
                cell("mips", Backend::Vm),
                Status::TimedOut {
                    after: Duration::from_secs(3),
                },
                None,
                "",
                "",
            ),
            CellResult::skipped(cell("ppc64", Backend::Auto), "no qemu-ppc64"),
        ]
    }

    #[test]
    fn table_lists_every_cell_and_the_reasons() {
        let t = table(&sample());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "ARCH       BACKEND  STATUS     EXIT  WALL");
        assert_eq!(lines[1], "armv7ahf   emulate  passed     0     1.23s");
        assert_eq!(lines[3], "mips       vm       timed out  -     1.23s");
        assert_eq!(lines[4], "powerpc64  auto     skipped    -     -");
        assert_eq!(
            lines[5],
            "4 cells: 1 passed, 1 failed, 1 timed out, 1 skipped"
        );
        assert!(lines[7].starts_with("mips (vm): timed out after 3.00s"));
        assert_eq!(lines.len(), 9);
    }

    #[test]
    fn json_parses_and_holds_every_cell() {
        let v: Value = serde_json::from_str(&json(&sample())).expect("valid JSON");
        assert_eq!(v["ok"], false);
        assert_eq!(v["summary"]["timed_out"], 1);
        let cells = v["cells"].as_array().expect("cells");
        assert_eq!(cells.len(), 4);
        assert_eq!(cells[0]["arch"], "armv7ahf");
        assert_eq!(cells[0]["stdout"], "armv7l\n<42> & ]]> \u{1b}[0m\n");
        assert_eq!(cells[1]["status"], "failed");
        assert_eq!(cells[2]["status"], "timed_out");
        assert_eq!(cells[3]["exit_code"], Value::Null);
        assert_eq!(cells[3]["reason"], "no qemu-ppc64");
    }
}
