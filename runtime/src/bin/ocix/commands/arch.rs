//! `ocix arch list|describe|inspect|host`.

use crate::cli::{ArchArgs, ArchCommand, ReportFormat};
use ocix_arch_matrix::elf::inspect_path;
use ocix_arch_matrix::Arch;
use ocix_runtime::arch::describe::{table, ArchDescription, ElfSummary};
use ocix_runtime::arch::{HostInfo, Route, Verdict};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

pub fn run(a: &ArchArgs) -> anyhow::Result<i32> {
    match &a.command {
        ArchCommand::List => list(),
        ArchCommand::Describe { name, format } => describe(name, *format),
        ArchCommand::Inspect { files, format } => inspect(files, *format),
        ArchCommand::Host { format } => host(*format),
    }
}

/// Writes to stdout; a reader that goes away (`ocix arch list | head`)
/// ends the output quietly instead of a panic.
fn emit(text: &str) -> anyhow::Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn list() -> anyhow::Result<i32> {
    let names: Vec<(&str, Arch)> = Arch::all_names().collect();
    let width = names.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, arch) in names {
        let _ = writeln!(out, "{name:<width$}  {arch}");
    }
    emit(&out)?;
    Ok(0)
}

fn describe(name: &str, format: ReportFormat) -> anyhow::Result<i32> {
    let arch = Arch::parse(name)?;
    let d = ArchDescription::new(name, &arch);
    match format {
        ReportFormat::Text => emit(&d.text())?,
        ReportFormat::Json => emit(&(serde_json::to_string_pretty(&d)? + "\n"))?,
    }
    Ok(0)
}

fn inspect(files: &[PathBuf], format: ReportFormat) -> anyhow::Result<i32> {
    let mut code = 0;
    let mut json = Vec::new();
    for f in files {
        let path = f.display().to_string();
        match inspect_path(f) {
            Ok(info) => {
                let s = ElfSummary::new(&path, &info);
                match format {
                    ReportFormat::Text => emit(&s.text())?,
                    ReportFormat::Json => json.push(serde_json::to_value(&s)?),
                }
            }
            Err(e) => {
                code = 1;
                match format {
                    ReportFormat::Text => eprintln!("ocix: {path}: {e}"),
                    ReportFormat::Json => {
                        json.push(serde_json::json!({"path": path, "error": e.to_string()}))
                    }
                }
            }
        }
    }
    if format == ReportFormat::Json {
        emit(&(serde_json::to_string_pretty(&json)? + "\n"))?;
    }
    Ok(code)
}

fn host(format: ReportFormat) -> anyhow::Result<i32> {
    let info = HostInfo::probe();
    let routes = info.routes();
    if format == ReportFormat::Json {
        let v = serde_json::json!({"host": info, "routes": routes});
        emit(&(serde_json::to_string_pretty(&v)? + "\n"))?;
        return Ok(0);
    }
    let text = [
        host_summary(&info),
        route_table(&routes),
        native_notes(&info),
    ]
    .join("\n");
    emit(&text)?;
    Ok(0)
}

fn host_summary(info: &HostInfo) -> String {
    let arch = info
        .arch
        .map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    let kvm = &info.kvm;
    let kvm_text = match (kvm.present, kvm.boots_stock_kernel) {
        (true, true) => format!("usable ({})", kvm.note),
        (true, false) => format!("present, cannot boot stock kernels ({})", kvm.note),
        (false, _) => format!("absent ({})", kvm.note),
    };
    let binfmt = &info.binfmt;
    let binfmt_text = if !binfmt.mounted {
        "not mounted on the host (ocix's emulate backend mounts its own)".to_owned()
    } else {
        let names: Vec<&str> = binfmt.handlers.iter().map(|h| h.name.as_str()).collect();
        let state = if binfmt.enabled == Some(true) {
            "enabled"
        } else {
            "disabled"
        };
        format!("{state}, handlers: {}", none_or(&names))
    };
    let user: Vec<String> = info
        .emulators
        .iter()
        .map(|t| t.path.display().to_string())
        .collect();
    let system: Vec<String> = info
        .system_emulators
        .iter()
        .map(|t| t.path.display().to_string())
        .collect();
    table(&[
        (
            "host",
            format!(
                "{arch} (uname -m {}, kernel {})",
                info.uname_machine, info.kernel_release
            ),
        ),
        ("kvm", kvm_text),
        ("binfmt_misc", binfmt_text),
        ("qemu-user", none_or(&user)),
        ("qemu-system", none_or(&system)),
    ])
}

fn none_or<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn route_table(routes: &[Route]) -> String {
    let rows: Vec<[String; 4]> = routes
        .iter()
        .map(|r| {
            let native = verdict(r.native.verdict).to_owned();
            let emulate = match (&r.emulate.found, r.emulate.emulator) {
                (Some(t), _) => match r.emulate.cpu {
                    Some(cpu) => format!("{} (cpu {cpu})", t.path.display()),
                    None => t.path.display().to_string(),
                },
                (None, Some(e)) => format!("no: install {e}-static"),
                (None, None) => "no: QEMU has no user emulator".to_owned(),
            };
            let vm = match &r.vm.found {
                Some(t) if r.vm.kvm => format!("{} (kvm)", t.path.display()),
                Some(t) => format!("{} (tcg)", t.path.display()),
                None => format!("no: install {}", r.vm.qemu),
            };
            [r.target.to_string(), native, emulate, vm]
        })
        .collect();
    let header = [
        "TARGET".to_owned(),
        "NATIVE".to_owned(),
        "EMULATE".to_owned(),
        "VM".to_owned(),
    ];
    let mut widths = [0usize; 3];
    for row in std::iter::once(&header).chain(&rows) {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
        );
    }
    out
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Yes => "yes",
        Verdict::No => "no",
        Verdict::Unknown => "unknown",
    }
}

/// The native targets grouped by verdict and evidence, one line each.
fn native_notes(info: &HostInfo) -> String {
    let mut groups: Vec<(Verdict, &str, Vec<String>)> = Vec::new();
    for n in &info.native {
        let key = (n.check.verdict, n.check.evidence.as_str());
        match groups.iter_mut().find(|(v, e, _)| (*v, *e) == key) {
            Some((_, _, archs)) => archs.push(n.arch.to_string()),
            None => groups.push((key.0, key.1, vec![n.arch.to_string()])),
        }
    }
    let mut out = String::from("native:\n");
    for (v, evidence, archs) in groups {
        let _ = writeln!(
            out,
            "  {:<7} {}\n          ({evidence})",
            verdict(v),
            archs.join(" ")
        );
    }
    out
}
