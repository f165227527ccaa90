//! The emulate backend on big-endian targets and against the tune's CPU
//! model: the test program (images/testprog) reports, from inside the
//! container, the machine, byte order and word size that big-endian ppc64
//! and mips emulation give it; a NEON instruction that the build
//! attributes hide dies of SIGILL under an ARMv6 CPU model and runs under
//! a NEON one; a binary whose attributes say NEON is refused for ARMv6.
//!
//! Binaries come from the cache that ci/setup fills: the test program from
//! images/testprog/build, the NEON programs from ci/fixtures-elf.sh.

mod common;

use common::cache_dir as cache;

use common::{prerequisites, text, Bundle};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Long enough for a loaded CI machine; a hung container fails the test
/// instead of hanging the suite.
const DEADLINE: Duration = Duration::from_secs(60);

fn example_config(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../images/examples")
        .join(name)
        .join("config.json")
}

/// `path` if it exists; else `None` after saying why (failing under CI,
/// which always runs the setup first).
fn cached(test: &str, path: PathBuf, how: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let why = format!("{} is missing (run {how})", path.display());
    assert!(std::env::var_os("CI").is_none(), "{test}: {why}");
    eprintln!("SKIPPED: {test} because {why}");
    None
}

/// A bundle with the committed config of example `example` and a rootfs
/// holding only the static `binary` (as `/NAME`) and the mount points.
fn bundle(example: &str, binary: &Path, args: &[&str]) -> Bundle {
    let tmp = tempfile::Builder::new()
        .prefix("ocix-test-")
        .tempdir()
        .expect("tempdir");
    let rootfs = tmp.path().join("bundle/rootfs");
    for d in ["proc", "dev", "sys"] {
        fs::create_dir_all(rootfs.join(d)).expect("mkdir rootfs");
    }
    let name = binary.file_name().expect("binary name");
    fs::copy(binary, rootfs.join(name)).expect("copy binary");
    let config: Value =
        serde_json::from_slice(&fs::read(example_config(example)).expect("read example config"))
            .expect("parse example config");
    let mut b = Bundle { tmp, config };
    b.config["process"]["args"] = json!(args);
    b.save();
    b
}

/// `ocix --root <private> run --arch ARCH --bundle B ID`, killed (and the
/// test failed) when it outlives DEADLINE.
fn run_arch(b: &Bundle, arch: &str, id: &str) -> Output {
    let out_path = b.tmp.path().join(format!("{id}.out"));
    let err_path = b.tmp.path().join(format!("{id}.err"));
    let dir = b.dir();
    let mut child = Command::new(common::ocix_bin())
        .arg("--root")
        .arg(b.root())
        .args(["run", "--arch", arch, "--bundle"])
        .arg(&dir)
        .arg(id)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("stdout file"))
        .stderr(fs::File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("spawn ocix");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait ocix") {
            break status;
        }
        if start.elapsed() > DEADLINE {
            // The container's init ignores signals it has no handler for;
            // SIGKILL from outside its pid namespace still ends it.
            b.ocix(&["kill", id, "KILL"]);
            let _ = child.wait();
            b.ocix(&["delete", "--force", id]);
            panic!(
                "ocix run --arch {arch} still running after {DEADLINE:?}; stdout: {}; stderr: {}",
                text(&fs::read(&out_path).unwrap_or_default()),
                text(&fs::read(&err_path).unwrap_or_default())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(&out_path).unwrap_or_default(),
        stderr: fs::read(&err_path).unwrap_or_default(),
    }
}

fn testprog(test: &str, rust_target: &str) -> Option<PathBuf> {
    if !prerequisites(test) {
        return None;
    }
    cached(
        test,
        cache().join("testprog").join(rust_target).join("testprog"),
        "images/testprog/build",
    )
}

/// Runs the test program of `example` under `--arch arch` with exit codes
/// 0 and 7 and checks what it reports.
fn check_testprog(test: &str, example: &str, rust_target: &str, arch: &str, machine: &str) {
    let Some(bin) = testprog(test, rust_target) else {
        return;
    };
    let bits = if machine.ends_with("64") { 64 } else { 32 };
    for (code, args) in [
        (0, vec!["/testprog", "0"]),
        (7, vec!["/testprog", "7", "x y"]),
    ] {
        let b = bundle(example, &bin, &args);
        let out = run_arch(&b, arch, &format!("{test}-{code}"));
        let stderr = text(&out.stderr);
        assert_eq!(
            text(&out.stdout),
            format!(
                "machine={machine}\nendian=big\nbits={bits}\nargs={}\n",
                args[1..].join(" ")
            ),
            "stderr: {stderr}"
        );
        assert!(stderr.contains("testprog: stderr ok"), "stderr: {stderr}");
        assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
        assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
    }
}

#[test]
fn ppc64_testprog_reports_big_endian_64_bit() {
    check_testprog(
        "ppc64_testprog",
        "testprog-ppc64",
        "powerpc64-unknown-linux-gnu",
        "ppc64",
        "ppc64",
    );
}

#[test]
fn mips_testprog_reports_big_endian_32_bit() {
    check_testprog(
        "mips_testprog",
        "testprog-mips",
        "mips-unknown-linux-gnu",
        "mips",
        "mips",
    );
}

/// A bundle whose rootfs holds only the NEON fixture `name`, run as
/// `/NAME`, or `None` when it cannot run here.
fn neon_bundle(test: &str, name: &str) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    let bin = cached(test, cache().join("elf").join(name), "ci/fixtures-elf.sh")?;
    let mut b = bundle("testprog-mips", &bin, &[&format!("/{name}")]);
    // --arch alone names the target.
    b.config["annotations"] = json!({});
    b.config["hostname"] = json!(name);
    b.save();
    Some(b)
}

const NEON_START: &str = "neon-hidden: executing vadd.f32 q0, q0, q0\n";

/// neon-hidden's attributes say ARMv6 with VFPv2, so preflight lets it
/// run as armv6hf; the emulated ARM1176 has no NEON, so its vadd.f32 on
/// q registers traps.
#[test]
fn hidden_neon_dies_of_sigill_under_armv6hf() {
    let Some(b) = neon_bundle("hidden_neon_armv6hf", "neon-hidden") else {
        return;
    };
    let out = run_arch(&b, "armv6hf", "neon-v6");
    let stdout = text(&out.stdout);
    assert_eq!(stdout, NEON_START, "stderr: {}", text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(128 + libc::SIGILL),
        "stderr: {}",
        text(&out.stderr)
    );
    assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
}

/// The same binary under a tune with NEON runs to the end: the trap above
/// comes from the CPU model, not from the binary.
#[test]
fn hidden_neon_survives_under_armv7ahf_neon() {
    let Some(b) = neon_bundle("hidden_neon_armv7ahf_neon", "neon-hidden") else {
        return;
    };
    let out = run_arch(&b, "armv7ahf-neon", "neon-v7");
    assert_eq!(
        text(&out.stdout),
        format!("{NEON_START}survived\n"),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
}

/// neon-declared's attributes say NEON: preflight refuses it for armv6hf
/// before anything runs, naming NEON or the tune.
#[test]
fn declared_neon_is_refused_for_armv6hf() {
    let Some(b) = neon_bundle("declared_neon_armv6hf", "neon-declared") else {
        return;
    };
    let out = run_arch(&b, "armv6hf", "neon-declared");
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "stderr: {err}");
    assert!(
        err.contains("NEON") || err.contains("armv6"),
        "refusal does not name NEON or armv6: {err}"
    );
    assert!(
        out.stdout.is_empty(),
        "the workload ran: {}",
        text(&out.stdout)
    );
    assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
}
