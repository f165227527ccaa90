//! The results as a table or as JSON (summaries plus raw samples, in ms).

use super::stats::Summary;
use super::{Phase, Plan, Series};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// A runtime asked for but not run, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub name: String,
    pub reason: String,
}

/// ocix's total against another runtime's: ocix / other.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub runtime: String,
    pub median: f64,
    pub mean: f64,
}

/// Ratios of the first series (ocix) to each of the others.
pub fn ratios(series: &[Series]) -> Vec<Ratio> {
    let Some((first, others)) = series.split_first() else {
        return Vec::new();
    };
    let Some(base) = Summary::of(first.samples(Phase::Total)) else {
        return Vec::new();
    };
    others
        .iter()
        .filter_map(|s| {
            let o = Summary::of(s.samples(Phase::Total))?;
            Some(Ratio {
                runtime: s.runtime.name.clone(),
                median: base.median / o.median,
                mean: base.mean / o.mean,
            })
        })
        .collect()
}

/// The human-readable report.
pub fn table(plan: &Plan, series: &[Series], skipped: &[Skipped]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = series.iter().map(|s| s.runtime.name.as_str()).collect();
    let _ = writeln!(
        out,
        "{} runs after {} warm-up, interleaved ({}); bundle {}",
        plan.runs,
        plan.warmup,
        names.join(", "),
        plan.bundle.display()
    );
    for s in skipped {
        let _ = writeln!(out, "{}: {}, skipped", s.name, s.reason);
    }
    let _ = writeln!(
        out,
        "\n{:<10} {:<7} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "runtime", "phase", "min ms", "median ms", "p95 ms", "max ms", "mean ms"
    );
    for s in series {
        for (i, p) in Phase::ALL.into_iter().enumerate() {
            let name = if i == 0 { s.runtime.name.as_str() } else { "" };
            let _ = match Summary::of(s.samples(p)) {
                Some(m) => writeln!(
                    out,
                    "{name:<10} {:<7} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                    p.name(),
                    m.min,
                    m.median,
                    m.p95,
                    m.max,
                    m.mean
                ),
                None => writeln!(out, "{name:<10} {:<7} (no samples)", p.name()),
            };
        }
        if s.failed_exits > 0 {
            let _ = writeln!(
                out,
                "{:<10} warning: the container exited non-zero in {} runs",
                "", s.failed_exits
            );
        }
    }
    if let Some(first) = series.first() {
        for r in ratios(series) {
            let _ = writeln!(
                out,
                "\nratio {}/{} (total): median {:.2}, mean {:.2}",
                first.runtime.name, r.runtime, r.median, r.mean
            );
        }
    }
    out
}

/// The JSON report: per runtime and phase the summary and the samples.
pub fn json(plan: &Plan, series: &[Series], skipped: &[Skipped]) -> Value {
    let runtimes: Vec<Value> = series
        .iter()
        .map(|s| {
            let mut phases = Map::new();
            for p in Phase::ALL {
                let samples = s.samples(p);
                let mut v = serde_json::to_value(Summary::of(samples)).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.insert("samples".into(), json!(samples));
                } else {
                    v = json!({ "samples": samples });
                }
                phases.insert(p.name().into(), v);
            }
            json!({
                "name": s.runtime.name,
                "path": s.runtime.path,
                "failed_exits": s.failed_exits,
                "phases": phases,
            })
        })
        .collect();
    json!({
        "unit": "ms",
        "bundle": plan.bundle,
        "runs": plan.runs,
        "warmup": plan.warmup,
        "runtimes": runtimes,
        "skipped": skipped,
        "ratios": ratios(series),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::bench::Runtime;

    /// Two runtimes with `n` samples each; the second twice as slow.
    pub fn sample_series(n: usize) -> Vec<Series> {
        ["ocix", "runc"]
            .iter()
            .enumerate()
            .map(|(k, name)| {
                let mut s = Series::new(Runtime {
                    name: name.to_string(),
                    path: format!("/bin/{name}").into(),
                    create_flags: Vec::new(),
                });
                for i in 0..n {
                    let base = (k + 1) as f64 * (10.0 + i as f64);
                    let phases = [base * 0.5, base * 0.2, base * 0.1, base * 0.2, base];
                    for (v, x) in s.ms.iter_mut().zip(phases) {
                        v.push(x);
                    }
                }
                s
            })
            .collect()
    }

    fn plan() -> Plan {
        Plan {
            bundle: "/b".into(),
            runs: 3,
            warmup: 0,
            runtimes: Vec::new(),
        }
    }

    #[test]
    fn ratio_is_ocix_over_other() {
        let r = ratios(&sample_series(3));
        assert_eq!(r.len(), 1);
        assert!((r[0].median - 0.5).abs() < 1e-9 && (r[0].mean - 0.5).abs() < 1e-9);
    }

    #[test]
    fn table_and_json_name_everything() {
        let s = sample_series(3);
        let skipped = [Skipped {
            name: "crun".into(),
            reason: "not found".into(),
        }];
        let t = table(&plan(), &s, &skipped);
        for word in [
            "ocix",
            "runc",
            "create",
            "total",
            "crun: not found, skipped",
            "ratio",
        ] {
            assert!(t.contains(word), "{word} missing from\n{t}");
        }
        let j = json(&plan(), &s, &skipped);
        let samples = &j["runtimes"][1]["phases"]["delete"]["samples"];
        assert_eq!(samples.as_array().map(Vec::len), Some(3));
        assert_eq!(j["ratios"][0]["runtime"], "runc");
    }
}
