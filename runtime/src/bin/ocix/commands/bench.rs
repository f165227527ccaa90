//! `ocix bench`: see [`crate::bench`].

use crate::bench::report::{self, Skipped};
use crate::bench::{self, Plan, Runtime};
use crate::cli::{BenchArgs, ListFormat};
use anyhow::Context;

pub fn run(a: &BenchArgs) -> anyhow::Result<i32> {
    let bundle = std::fs::canonicalize(&a.bundle)
        .with_context(|| format!("bundle {}", a.bundle.display()))?;
    if !bundle.join("config.json").is_file() {
        anyhow::bail!("bundle {}: no config.json", bundle.display());
    }
    if a.runs == 0 {
        anyhow::bail!("--runs must be at least 1");
    }
    let (runtimes, skipped) = runtimes(a)?;
    for s in &skipped {
        eprintln!("ocix bench: {}: {}, skipped", s.name, s.reason);
    }
    let plan = Plan {
        bundle,
        runs: a.runs,
        warmup: a.warmup,
        runtimes,
    };
    let series = bench::runner::run(&plan)?;
    match a.format {
        ListFormat::Table => print!("{}", report::table(&plan, &series, &skipped)),
        ListFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report::json(&plan, &series, &skipped))?
        ),
    }
    if let Some(path) = &a.plot {
        let title = format!(
            "ocix bench: {} runs of {}",
            plan.runs,
            plan.bundle.display()
        );
        std::fs::write(path, bench::svg::render(&series, &title))
            .with_context(|| format!("write {}", path.display()))?;
    }
    Ok(0)
}

/// ocix itself first, then every `--compare` entry found on PATH.
fn runtimes(a: &BenchArgs) -> anyhow::Result<(Vec<Runtime>, Vec<Skipped>)> {
    let mut flags = Vec::new();
    if let Some(arch) = &a.arch {
        flags.extend(["--arch".to_string(), arch.clone()]);
    }
    if let Some(b) = a.backend {
        let name = clap::ValueEnum::to_possible_value(&b)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        flags.extend(["--backend".to_string(), name]);
    }
    let mut list = vec![Runtime {
        name: "ocix".into(),
        path: std::env::current_exe().context("cannot find the ocix binary")?,
        create_flags: flags,
    }];
    let mut skipped = Vec::new();
    for entry in a.compare.iter().filter(|e| !e.is_empty()) {
        let name = bench::runtime_name(entry);
        if list.iter().any(|r| r.name == name) {
            continue;
        }
        match bench::find_runtime(entry) {
            Some(path) => list.push(Runtime {
                name,
                path,
                create_flags: Vec::new(),
            }),
            None => skipped.push(Skipped {
                name,
                reason: "not found".into(),
            }),
        }
    }
    Ok((list, skipped))
}
