//! `ocix matrix`: five architectures at once (two big-endian, emulated,
//! and the host's own), every report format, a wrong-arch cell, a hung
//! cell cut at its timeout leaving nothing behind, the per-arch directory
//! form, and `--emit github-actions` entries that reproduce their cells.
//!
//! Fixtures come from ci/setup's cache `${OCIX_CACHE:-/var/cache/ocix}`:
//! `busybox/<debian-arch>/busybox` and, for real big-endian cells,
//! `testprog/<rust-target>/testprog`.

mod common;

use common::cache_dir as cache;

use common::{make_rootfs_from, prerequisites, text, Bundle};
use ocix_arch_matrix::Arch;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Says why `test` cannot run; fails instead under CI.
fn skip(test: &str, why: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {why}, which CI must provide"
    );
    eprintln!("SKIPPED: {test} because {why}");
}

/// A bundle running `script` with the cached busybox of `debian_arch`.
fn busybox(test: &str, debian_arch: &str, script: &str) -> Option<Bundle> {
    let bin = cache().join("busybox").join(debian_arch).join("busybox");
    if !bin.is_file() {
        skip(
            test,
            &format!("{} is missing (run ci/setup)", bin.display()),
        );
        return None;
    }
    let mut b = Bundle::sh(script);
    make_rootfs_from(&b.rootfs(), &bin);
    b.save();
    Some(b)
}

/// A bundle running `/testprog 0` built for `rust_target`, if cached.
fn testprog(rust_target: &str) -> Option<Bundle> {
    let bin = cache().join("testprog").join(rust_target).join("testprog");
    if !bin.is_file() {
        return None;
    }
    let mut b = Bundle::sh("true");
    std::fs::copy(&bin, b.rootfs().join("testprog")).expect("copy testprog");
    b.config["process"]["args"] = serde_json::json!(["/testprog", "0"]);
    b.save();
    Some(b)
}

/// A big-endian cell: the test program when ci/setup built it, else the
/// little-endian busybox of the same family, said on stderr.
fn big_endian(test: &str, be: (&str, &str), le: (&str, &str)) -> Option<(String, Bundle)> {
    if let Some(b) = testprog(be.1) {
        return Some((be.0.to_string(), b));
    }
    eprintln!(
        "NOTE: {test}: no {} test program cached; the {} cell uses {} busybox instead",
        be.1, be.0, le.0
    );
    busybox(test, le.1, "uname -m").map(|b| (le.0.to_string(), b))
}

/// The five cells of the acceptance matrix: armv7ahf, aarch64, ppc64,
/// mips and the host's arch, each `(arch as asked, bundle)`.
fn five_cells(test: &str) -> Option<Vec<(String, Bundle)>> {
    if !prerequisites(test) {
        return None;
    }
    let cells = vec![
        ("armv7ahf".to_string(), busybox(test, "armhf", "uname -m")?),
        ("aarch64".to_string(), busybox(test, "arm64", "uname -m")?),
        big_endian(
            test,
            ("ppc64", "powerpc64-unknown-linux-gnu"),
            ("ppc64le", "ppc64el"),
        )?,
        big_endian(
            test,
            ("mips", "mips-unknown-linux-gnu"),
            ("mips64el", "mips64el"),
        )?,
        (std::env::consts::ARCH.to_string(), Bundle::sh("uname -m")),
    ];
    Some(cells)
}

/// `--arch A,B,... --bundle-for A=PATH ...` for `cells`.
fn matrix_args(cells: &[(String, Bundle)]) -> Vec<String> {
    let names: Vec<&str> = cells.iter().map(|(a, _)| a.as_str()).collect();
    let mut args = vec!["matrix".to_string(), "--arch".into(), names.join(",")];
    for (arch, b) in cells {
        args.push("--bundle-for".into());
        args.push(format!("{arch}={}", b.dir().display()));
    }
    args
}

/// Scratch space for one `ocix matrix` run: its TMPDIR (where the
/// per-cell state roots go) and report files.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Scratch {
        Scratch(
            tempfile::Builder::new()
                .prefix("ocix-matrix-test-")
                .tempdir()
                .expect("tempdir"),
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }

    fn tmpdir(&self) -> PathBuf {
        let t = self.path("tmp");
        std::fs::create_dir_all(&t).expect("mkdir tmp");
        t
    }

    /// `ocix ARGS...` with TMPDIR in the scratch space.
    fn ocix(&self, args: &[String]) -> Output {
        Command::new(common::ocix_bin())
            .args(args)
            .env("TMPDIR", self.tmpdir())
            .stdin(Stdio::null())
            .output()
            .expect("spawn ocix")
    }

    /// What `ocix matrix` left in TMPDIR: every state root, with the
    /// containers `ocix list` still sees in it.
    fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        for run in entries(&self.tmpdir()) {
            left.push(run.display().to_string());
            for cell in entries(&run) {
                let root = cell.join("root");
                let out = Command::new(common::ocix_bin())
                    .arg("--root")
                    .arg(&root)
                    .args(["list", "-q"])
                    .output()
                    .expect("ocix list");
                left.push(format!("{}: {}", root.display(), text(&out.stdout)));
            }
        }
        left
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// `armv7ahf (emulate)`: the cell's name in the reports, given the arch as
/// asked and its expected backend.
fn cell_name(arch: &str) -> String {
    let a = Arch::parse(arch).expect("known arch");
    let host = Arch::parse(std::env::consts::ARCH).expect("host arch");
    let backend = if a == host { "native" } else { "emulate" };
    format!("{a} ({backend})")
}

/// The testcase names of a JUnit document, parsed by python3's minidom
/// (so the document is well-formed), or `None` without python3.
fn junit_testcases(test: &str, xml: &Path) -> Option<Vec<String>> {
    let script = "import sys, xml.dom.minidom as m\n\
        d = m.parse(sys.argv[1])\n\
        assert len(d.getElementsByTagName('testsuite')) == 1\n\
        for t in d.getElementsByTagName('testcase'): print(t.getAttribute('name'))";
    let out = match Command::new("python3")
        .args(["-c", script])
        .arg(xml)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            skip(test, &format!("python3 cannot run ({e})"));
            return None;
        }
    };
    assert!(
        out.status.success(),
        "JUnit not well-formed: {}",
        text(&out.stderr)
    );
    Some(text(&out.stdout).lines().map(String::from).collect())
}

#[test]
fn five_arches_pass_and_every_report_agrees() {
    let test = "matrix_five_arches";
    let Some(cells) = five_cells(test) else {
        return;
    };
    let s = Scratch::new();
    let xml = s.path("report.xml");
    let mut args = matrix_args(&cells);
    args.extend(["--format".into(), "junit".into(), "--output".into()]);
    args.push(xml.display().to_string());
    let out = s.ocix(&args);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}\n{}", text(&out.stderr));
    // The table (on stdout with --output) lists every cell as passed.
    for (arch, _) in &cells {
        let a = Arch::parse(arch).expect("known arch").to_string();
        assert!(
            table
                .lines()
                .any(|l| l.starts_with(&format!("{a} ")) && l.contains(" passed ")),
            "{a} missing or not passed:\n{table}"
        );
    }
    assert!(table.contains("5 cells: 5 passed, 0 failed, 0 timed out, 0 skipped"));
    let want: Vec<String> = cells.iter().map(|(a, _)| cell_name(a)).collect();
    if let Some(names) = junit_testcases(test, &xml) {
        assert_eq!(names, want);
    }
    let report = std::fs::read_to_string(&xml).expect("report");
    assert_eq!(report.matches("<failure").count(), 0, "{report}");
    // JSON of the same matrix.
    let mut args = matrix_args(&cells);
    args.extend(["--format".into(), "json".into()]);
    let out = s.ocix(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    assert_eq!(v["ok"], true);
    let got: Vec<&str> = v["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(got, want);
    for c in v["cells"].as_array().expect("cells") {
        assert_eq!(c["status"], "passed", "{c}");
        assert!(!c["stdout"].as_str().unwrap_or("").is_empty(), "{c}");
    }
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
}

#[test]
fn a_wrong_arch_bundle_fails_its_cell_only() {
    let test = "matrix_wrong_arch";
    if !prerequisites(test) {
        return;
    }
    let Some(armhf) = busybox(test, "armhf", "uname -m") else {
        return;
    };
    let host = Bundle::sh("uname -m");
    let dir = |b: &Bundle| b.dir().display().to_string();
    let host_arch = std::env::consts::ARCH;
    let args: Vec<String> = [
        "matrix",
        "--format",
        "json",
        "--arch",
        &format!("armv7ahf,aarch64,{host_arch}"),
        "--bundle-for",
        &format!("armv7ahf={}", dir(&armhf)),
        "--bundle-for",
        &format!("aarch64={}", dir(&armhf)),
        "--bundle-for",
        &format!("{host_arch}={}", dir(&host)),
    ]
    .map(String::from)
    .to_vec();
    let s = Scratch::new();
    let out = s.ocix(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    let cells = v["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[0]["status"], "passed", "{}", cells[0]);
    assert_eq!(cells[2]["status"], "passed", "{}", cells[2]);
    let bad = &cells[1];
    assert_eq!(bad["status"], "failed", "{bad}");
    let reason = bad["reason"].as_str().unwrap_or("");
    // The runtime's preflight message names both architectures.
    assert!(
        reason.contains("ELF 32-bit ARM") && reason.contains("target aarch64"),
        "{reason}"
    );
    assert!(bad["stderr"]
        .as_str()
        .unwrap_or("")
        .contains("target aarch64"));
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
}

/// cmdline of every process whose arguments include `sleep` then `secs`
/// (directly, or under qemu-user).
fn sleepers(secs: &str) -> Vec<String> {
    entries(Path::new("/proc"))
        .into_iter()
        .filter_map(|p| std::fs::read(p.join("cmdline")).ok())
        .map(|c| {
            c.split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect::<Vec<_>>()
        })
        .filter(|args| {
            args.windows(2)
                .any(|w| w[0].ends_with("sleep") && w[1] == secs)
        })
        .map(|args| args.join(" "))
        .collect()
}

#[test]
fn a_hung_cell_is_cut_at_its_timeout_and_leaves_nothing() {
    let test = "matrix_timeout";
    if !prerequisites(test) {
        return;
    }
    // An odd duration, so that other tests' sleepers are not counted.
    let secs = "1013";
    let Some(hung) = busybox(test, "armhf", &format!("sleep {secs}")) else {
        return;
    };
    let fine = Bundle::sh("echo ok");
    let host_arch = std::env::consts::ARCH;
    let args: Vec<String> = [
        "matrix",
        "--format",
        "json",
        "--timeout",
        "3",
        "--arch",
        &format!("armv7ahf,{host_arch}"),
        "--bundle-for",
        &format!("armv7ahf={}", hung.dir().display()),
        "--bundle-for",
        &format!("{host_arch}={}", fine.dir().display()),
    ]
    .map(String::from)
    .to_vec();
    let s = Scratch::new();
    let out = s.ocix(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    let cells = v["cells"].as_array().expect("cells");
    assert_eq!(cells[0]["status"], "timed_out", "{}", cells[0]);
    assert_eq!(cells[0]["reason"], "timed out after 3.00s");
    assert_eq!(cells[1]["status"], "passed", "{}", cells[1]);
    assert_eq!(v["summary"]["timed_out"], 1);
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
    assert_eq!(sleepers(secs), Vec::<String>::new());
}

#[test]
fn a_directory_of_bundles_named_by_arch_and_an_arch_file() {
    let test = "matrix_bundle_dir";
    if !prerequisites(test) {
        return;
    }
    let (Some(arm), Some(a64)) = (
        busybox(test, "armhf", "uname -m"),
        busybox(test, "arm64", "uname -m"),
    ) else {
        return;
    };
    let s = Scratch::new();
    let dir = s.path("bundles");
    std::fs::create_dir_all(dir.join("notes")).expect("mkdir");
    // Debian's names work: the directory names are parsed as arches.
    std::os::unix::fs::symlink(arm.dir(), dir.join("armhf")).expect("link");
    std::os::unix::fs::symlink(a64.dir(), dir.join("arm64")).expect("link");
    let d = dir.display().to_string();
    // Without --arch: every arch the directory has a bundle for.
    let out = s.ocix(&["matrix".into(), "--format".into(), "json".into(), d.clone()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    let names: Vec<&str> = v["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| c["arch"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["aarch64", "armv7ahf"]);
    // An arch file asking for one the directory lacks: skipped, said why.
    let file = s.path("arches");
    std::fs::write(&file, "# release gate\narmv7ahf\nmips\n").expect("write");
    let args = ["matrix", "--arch-file", &file.display().to_string(), &d].map(String::from);
    let out = s.ocix(&args);
    let table = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{table}{}", text(&out.stderr));
    assert!(table.contains("2 cells: 1 passed, 0 failed, 0 timed out, 1 skipped"));
    assert!(table.contains("no bundle for mips"), "{table}");
}

#[test]
fn github_actions_entries_reproduce_their_cells() {
    let test = "matrix_emit";
    let Some(cells) = five_cells(test) else {
        return;
    };
    let s = Scratch::new();
    let mut args = matrix_args(&cells);
    args.extend(["--emit".into(), "github-actions".into()]);
    args.extend(["--timeout".into(), "120".into()]);
    let out = s.ocix(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    let include = v["include"].as_array().expect("include list");
    assert_eq!(include.len(), cells.len());
    let bin_dir = Path::new(common::ocix_bin()).parent().expect("bin dir");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (entry, (arch, bundle)) in include.iter().zip(&cells) {
        let name = cell_name(arch);
        assert_eq!(entry["name"], name.as_str());
        let canonical = Arch::parse(arch).expect("known arch").to_string();
        assert_eq!(entry["arch"], canonical.as_str());
        assert_eq!(entry["bundle"], bundle.dir().display().to_string().as_str());
        let command = entry["command"].as_str().expect("command");
        assert!(command.starts_with(&format!("ocix matrix --arch {canonical} --backend ")));
        assert!(command.contains("--timeout 120"), "{command}");
        // Run on a "runner": this host, with ocix on PATH.
        let out = Command::new("sh")
            .args(["-c", command])
            .env("PATH", &path)
            .env("TMPDIR", s.tmpdir())
            .stdin(Stdio::null())
            .output()
            .expect("sh");
        let table = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{command}: {table}");
        assert!(
            table.contains("1 cell: 1 passed") && table.contains(&canonical),
            "{table}"
        );
    }
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
}

#[test]
fn ctrl_c_stops_every_cell_and_leaves_nothing() {
    let test = "matrix_sigint";
    if !prerequisites(test) {
        return;
    }
    let secs = "1019";
    let script = format!("sleep {secs}");
    let (Some(arm), Some(a64)) = (
        busybox(test, "armhf", &script),
        busybox(test, "arm64", &script),
    ) else {
        return;
    };
    let s = Scratch::new();
    let child = Command::new(common::ocix_bin())
        .args(["matrix", "--format", "json", "--jobs", "2"])
        .args(["--arch", "armv7ahf,aarch64"])
        .arg(format!("--bundle-for=armv7ahf={}", arm.dir().display()))
        .arg(format!("--bundle-for=aarch64={}", a64.dir().display()))
        .env("TMPDIR", s.tmpdir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ocix matrix");
    common::wait_until("both cells sleeping", 120, || sleepers(secs).len() == 2);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).expect("SIGINT");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    for c in v["cells"].as_array().expect("cells") {
        assert_eq!(c["status"], "failed", "{c}");
        assert_eq!(c["reason"], "cancelled by signal 2", "{c}");
    }
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
    assert_eq!(sleepers(secs), Vec::<String>::new());
}

/// Processes whose command line mentions `path` (a vm cell's QEMU names
/// its initramfs, which lies under the matrix's TMPDIR).
fn processes_mentioning(path: &Path) -> Vec<String> {
    let needle = path.display().to_string();
    entries(Path::new("/proc"))
        .into_iter()
        .filter_map(|p| std::fs::read(p.join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains(&needle))
        .collect()
}

#[test]
fn a_vm_cell_cut_at_its_timeout_leaves_no_qemu() {
    let test = "matrix_vm_timeout";
    if !prerequisites(test) {
        return;
    }
    let needs = [
        cache().join("kernels/aarch64/kernel"),
        cache().join("agents/aarch64-unknown-linux-gnu/ocix"),
    ];
    if let Some(missing) = needs.iter().find(|p| !p.is_file()) {
        skip(
            test,
            &format!("{} is missing (run ci/setup)", missing.display()),
        );
        return;
    }
    let Some(hung) = busybox(test, "arm64", "sleep 1021") else {
        return;
    };
    let s = Scratch::new();
    let args = [
        "matrix",
        "--format",
        "json",
        "--backend",
        "vm",
        "--timeout",
        "5",
        "--arch",
        "aarch64",
        &hung.dir().display().to_string(),
    ]
    .map(String::from);
    let out = s.ocix(&args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON parses");
    let cell = &v["cells"][0];
    assert_eq!(cell["backend"], "vm", "{cell}");
    assert_eq!(cell["status"], "timed_out", "{cell}");
    assert_eq!(processes_mentioning(&s.tmpdir()), Vec::<String>::new());
    assert!(s.leftovers().is_empty(), "left: {:?}", s.leftovers());
}
