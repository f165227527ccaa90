//! The whole native lifecycle of `/bin/true` in a busybox bundle: one
//! `ocix run` process (create → start → wait → delete), next to the cost
//! of spawning a host process at all. Needs root and busybox-static.
//!
//! The ocix binary is `$OCIX_BIN`, else `ocix` in the bench's own target
//! profile directory, built there first when missing.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const BUSYBOX: &str = "/bin/busybox";

fn euid_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|e| e == "0")
        })
        .unwrap_or(false)
}

/// `target/<profile>/ocix` next to `target/<profile>/deps/<bench>`.
fn ocix_bin() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("OCIX_BIN") {
        return Ok(p.into());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot place the bench executable")?;
    let bin = profile_dir.join("ocix");
    if bin.is_file() {
        return Ok(bin);
    }
    let target = profile_dir.parent().ok_or("no target directory")?;
    eprintln!("lifecycle: building {} ...", bin.display());
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "ocix-runtime", "--bin", "ocix"])
        .env("CARGO_TARGET_DIR", target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let built = target.join("release/ocix");
    match status.success() && built.is_file() {
        true => Ok(built),
        false => Err(format!("building ocix failed ({status})")),
    }
}

/// A bundle running `/bin/true` with the default `ocix spec` config.
fn bundle(dir: &Path) -> std::io::Result<()> {
    let rootfs = dir.join("rootfs");
    for d in ["bin", "proc", "dev", "sys"] {
        std::fs::create_dir_all(rootfs.join(d))?;
    }
    std::fs::copy(BUSYBOX, rootfs.join("bin/busybox"))?;
    std::os::unix::fs::symlink("busybox", rootfs.join("bin/true"))?;
    let mut spec = ocix_runtime::spec::default_spec(false, 0, 0);
    if let Some(p) = spec.process.as_mut() {
        p.args = vec!["/bin/true".into()];
    }
    let text = ocix_runtime::spec::to_json_pretty(&spec).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("config.json"), text)
}

fn run_quiet(cmd: &mut Command) {
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("spawn");
    assert!(status.success(), "{cmd:?} failed: {status}");
}

fn bench_lifecycle(c: &mut Criterion) {
    if !euid_is_root() {
        println!("skipped: lifecycle bench needs root");
        return;
    }
    if !Path::new(BUSYBOX).is_file() {
        println!("skipped: lifecycle bench needs {BUSYBOX} (apt-get install busybox-static)");
        return;
    }
    let ocix = match ocix_bin() {
        Ok(p) => p,
        Err(e) => {
            println!("skipped: lifecycle bench needs the ocix binary: {e}");
            return;
        }
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let b = tmp.path().join("bundle");
    bundle(&b).expect("bundle");
    let root = tmp.path().join("root");
    let mut g = c.benchmark_group("lifecycle");
    g.sample_size(20).measurement_time(Duration::from_secs(10));
    g.bench_function("spawn_host_true", |it| {
        it.iter(|| run_quiet(&mut Command::new("/bin/true")))
    });
    let mut n = 0u64;
    g.bench_function("ocix_run_native", |it| {
        it.iter(|| {
            n += 1;
            run_quiet(
                Command::new(&ocix)
                    .arg("--root")
                    .arg(&root)
                    .args(["run", "--backend", "native", "--bundle"])
                    .arg(&b)
                    .arg(format!("bench-{n}")),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench_lifecycle);
criterion_main!(benches);
