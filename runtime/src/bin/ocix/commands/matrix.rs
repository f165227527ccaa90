//! `ocix matrix`: plan cells per architecture, run them concurrently as
//! child `ocix run`s, and report; or print them as a CI matrix.
//!
//! Exit status: 0 when every cell that ran passed and at least one ran
//! (skipped cells do not fail the run), 1 otherwise, 128+N after signal N.

use crate::cli::{self, EmitTarget, MatrixArgs, MatrixFormat};
use crate::matrix::{host, pool, progress::Progress, signals};
use anyhow::Context;
use ocix_arch_matrix::matrix::{
    self as m, parse_arch_list, Backend, BundleSource, CellResult, EmitOptions, Summary,
};
use ocix_arch_matrix::Arch;
use std::path::Path;
use std::time::Duration;

/// Per-cell timeout when `--timeout` is not given.
const DEFAULT_TIMEOUT_SECS: u64 = 300;

pub fn run(a: &MatrixArgs) -> anyhow::Result<i32> {
    let bundles = bundles(a)?;
    let arches = arches(a, &bundles)?;
    let facts = host::facts(&arches)?;
    let planned = m::plan(&arches, backend(a.backend), &bundles, &facts)?;
    if let Some(EmitTarget::GithubActions) = a.emit {
        let o = EmitOptions {
            program: "ocix".into(),
            timeout: a.timeout,
            format: (a.format != MatrixFormat::Table).then(|| format_name(a.format).into()),
        };
        write_report(
            a.output.as_deref(),
            &(m::github_actions(&planned, &o)? + "\n"),
        )?;
        return Ok(0);
    }
    let runnable: Vec<m::Cell> = planned
        .iter()
        .filter(|p| p.skipped.is_none())
        .map(|p| p.cell.clone())
        .collect();
    let jobs = a.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let timeout = Duration::from_secs(a.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS));
    // mkdtemp: a fresh 0700 directory, never one planted in a shared /tmp.
    let template = std::env::temp_dir().join("ocix-matrix-XXXXXX");
    let scratch = nix::unistd::mkdtemp(&template)
        .with_context(|| format!("cannot create {}", template.display()))?;
    signals::install()?;
    let progress = Progress::new(runnable.len());
    let mut ran = pool::run_all(&runnable, jobs, timeout, &scratch, &progress).into_iter();
    progress.finish();
    let _ = std::fs::remove_dir(&scratch);
    let results: Vec<CellResult> = planned
        .iter()
        .filter_map(|p| CellResult::from_skipped_plan(p).or_else(|| ran.next()))
        .collect();
    let report = match a.format {
        MatrixFormat::Table => m::table(&results),
        MatrixFormat::Json => m::json(&results),
        MatrixFormat::Junit => m::junit(&results, "ocix matrix"),
    };
    write_report(a.output.as_deref(), &report)?;
    if a.output.is_some() {
        print!("{}", m::table(&results));
    }
    if let Some(sig) = signals::received() {
        return Ok(128 + sig);
    }
    Ok(if Summary::of(&results).ok() { 0 } else { 1 })
}

/// The positional BUNDLE (one bundle, or a directory of bundles named by
/// arch) and every `--bundle-for`.
fn bundles(a: &MatrixArgs) -> anyhow::Result<BundleSource> {
    let mut b = BundleSource::default();
    if let Some(p) = &a.bundle {
        if p.join("config.json").is_file() {
            b.set_default(p);
        } else if p.is_dir() {
            let names = std::fs::read_dir(p)
                .with_context(|| format!("cannot list {}", p.display()))?
                .filter_map(|e| e.ok())
                .filter(|e| e.path().join("config.json").is_file())
                .filter_map(|e| e.file_name().into_string().ok());
            b = BundleSource::from_dir(p, names)?;
            if b.arches().is_empty() {
                anyhow::bail!(
                    "{}: no config.json, and no bundle named by an architecture in it",
                    p.display()
                );
            }
        } else {
            anyhow::bail!("{}: not a bundle directory", p.display());
        }
    }
    for spec in &a.bundle_for {
        b.add_for(spec)?;
    }
    if a.bundle.is_none() && a.bundle_for.is_empty() {
        anyhow::bail!("no bundle: give BUNDLE or --bundle-for ARCH=PATH");
    }
    Ok(b)
}

/// `--arch` values and `--arch-file`; without either, the arches that
/// have their own bundle.
fn arches(a: &MatrixArgs, bundles: &BundleSource) -> anyhow::Result<Vec<Arch>> {
    let mut text = a.arch.join(",");
    if let Some(f) = &a.arch_file {
        let file =
            std::fs::read_to_string(f).with_context(|| format!("--arch-file {}", f.display()))?;
        text = format!("{text}\n{file}");
    }
    let arches = parse_arch_list(&text)?;
    if arches.is_empty() && a.arch.is_empty() && a.arch_file.is_none() {
        return Ok(bundles.arches());
    }
    Ok(arches)
}

fn backend(b: cli::Backend) -> Backend {
    match b {
        cli::Backend::Auto => Backend::Auto,
        cli::Backend::Native => Backend::Native,
        cli::Backend::Emulate => Backend::Emulate,
        cli::Backend::Vm => Backend::Vm,
    }
}

fn format_name(f: MatrixFormat) -> &'static str {
    match f {
        MatrixFormat::Table => "table",
        MatrixFormat::Json => "json",
        MatrixFormat::Junit => "junit",
    }
}

fn write_report(output: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match output {
        Some(p) => std::fs::write(p, text).with_context(|| format!("--output {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
