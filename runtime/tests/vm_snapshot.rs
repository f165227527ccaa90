//! Saved guests: the first `run --backend vm` of a guest with a virtio
//! channel boots it and saves it once its agent waits; later runs restore
//! it and feed it the bundle. Restored guests must be fresh (their own
//! randomness, the host's clock), a state QEMU cannot load must cost a
//! boot and nothing else, and `OCIX_VM_SNAPSHOT=off` must boot with the
//! bundle in the initramfs as before.
//!
//! Needs the aarch64 and ppc64le kernels, guest agents and busybox (see
//! tests/vm.rs). Each test saves into its own `OCIX_SNAPSHOTS` directory.

mod common;

use common::{guest_busybox, make_rootfs_from, ocix_bin, text, Bundle};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A guest the tests save: `--arch` value, profile key, Debian arch of
/// its busybox.
struct Guest {
    arch: &'static str,
    key: &'static str,
    debian: &'static str,
}

const AARCH64: Guest = Guest {
    arch: "aarch64",
    key: "aarch64",
    debian: "arm64",
};

/// pseries: saved only since its guests got a POWER9 (XIVE), the one
/// interrupt controller whose state survives a restore under TCG.
const PPC64LE: Guest = Guest {
    arch: "ppc64le",
    key: "ppc64le",
    debian: "ppc64el",
};

/// `g`'s busybox if its guest can boot here; else says why the test is
/// skipped (fails under CI, which provides every piece).
fn ready(test: &str, g: &Guest) -> Option<PathBuf> {
    guest_busybox(test, g.key, g.debian, true)
}

/// What the container prints: a fresh random UUID from the guest kernel,
/// the guest's clock, something on stderr; then exits 5.
const SCRIPT: &str = "cat /proc/sys/kernel/random/uuid; date +%s; echo err >&2; exit 5";

fn bundle(busybox: &Path) -> Bundle {
    let mut b = Bundle::sh(SCRIPT);
    make_rootfs_from(&b.rootfs(), busybox);
    b.config["hostname"] = json!("saved");
    b.save();
    b
}

/// `ocix --debug run --backend vm --arch ARCH BUNDLE` with saved guests
/// in `snapshots`.
fn run(g: &Guest, b: &Bundle, snapshots: &Path, env: &[(&str, &str)]) -> Output {
    run_with(g, b, snapshots, env, &[])
}

/// [`run`] with more `run` options.
fn run_with(
    g: &Guest,
    b: &Bundle,
    snapshots: &Path,
    env: &[(&str, &str)],
    opts: &[&str],
) -> Output {
    let mut c = Command::new(ocix_bin());
    c.arg("--debug")
        .arg("--root")
        .arg(b.root())
        .args(["run", "--backend", "vm", "--arch", g.arch])
        .args(opts)
        .arg(b.dir())
        .env("OCIX_SNAPSHOTS", snapshots)
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("spawn ocix")
}

/// The run's UUID after checking its code, stderr and clock.
fn checked(out: &Output, what: &str) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{what}: {stderr}");
    assert!(stderr.lines().any(|l| l == "err"), "{what}: {stderr}");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let [uuid, clock] = lines[..] else {
        panic!("{what}: stdout {stdout:?}");
    };
    assert_eq!(uuid.len(), 36, "{what}: {stdout:?}");
    let guest: i64 = clock.parse().expect("date +%s");
    let host = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    // The host's clock as it answered the agent, run on since: never
    // ahead of the host's, and behind only by the run's end (and the
    // second `date +%s` truncates).
    assert!(
        host - 3 <= guest && guest <= host,
        "{what}: guest clock {guest}, host {host} after the run"
    );
    uuid.to_string()
}

/// The saved states under `snapshots`.
fn states(snapshots: &Path) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(snapshots) else {
        return Vec::new();
    };
    dir.flatten()
        .map(|e| e.path().join("state"))
        .filter(|p| p.is_file())
        .collect()
}

/// Boots and saves `g`, then restores it twice: three different kernel
/// UUIDs, each run with the host's clock, its code and both streams.
fn saved_guest_is_restored_fresh(test: &str, g: &Guest) {
    let Some(busybox) = ready(test, g) else {
        return;
    };
    let b = bundle(&busybox);
    let snapshots = b.tmp.path().join("snapshots");

    let first = run(g, &b, &snapshots, &[]);
    let stderr = text(&first.stderr);
    assert!(stderr.contains("saved the booted guest"), "{stderr}");
    assert!(!stderr.contains("restored in"), "{stderr}");
    let u1 = checked(&first, "booted run");
    let saved = states(&snapshots);
    assert_eq!(saved.len(), 1, "{saved:?}");

    let mut uuids = vec![u1];
    for i in 0..2 {
        let out = run(g, &b, &snapshots, &[]);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("restored in"), "restore {i}: {stderr}");
        assert!(!stderr.contains("saved the booted guest"), "{stderr}");
        uuids.push(checked(&out, "restored run"));
    }
    uuids.sort();
    uuids.dedup();
    assert_eq!(uuids.len(), 3, "restored guests repeat their randomness");
    assert_eq!(states(&snapshots), saved);
}

#[test]
fn vm_saved_guest_is_restored_fresh() {
    saved_guest_is_restored_fresh("vm_saved_guest_is_restored_fresh", &AARCH64);
}

#[test]
fn vm_saved_pseries_guest_is_restored_fresh() {
    saved_guest_is_restored_fresh("vm_saved_pseries_guest_is_restored_fresh", &PPC64LE);
}

/// Two-vCPU pseries guests do not reliably survive a restore: they boot
/// every time, with the bundle in the initramfs, and nothing is saved.
#[test]
fn vm_two_vcpu_pseries_guest_boots_unsaved() {
    let g = &PPC64LE;
    let Some(busybox) = ready("vm_two_vcpu_pseries_guest_boots_unsaved", g) else {
        return;
    };
    let b = bundle(&busybox);
    let snapshots = b.tmp.path().join("snapshots");
    let out = run_with(g, &b, &snapshots, &[], &["--cpus", "2"]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("ppc64le guests of 2 vCPUs are not saved: booting"),
        "{stderr}"
    );
    assert!(!stderr.contains("saved the booted guest"), "{stderr}");
    checked(&out, "two-vCPU run");
    assert!(!snapshots.exists(), "snapshots made for an unsaved guest");
}

#[test]
fn vm_unloadable_saved_guest_costs_a_boot() {
    let Some(busybox) = ready("vm_unloadable_saved_guest_costs_a_boot", &AARCH64) else {
        return;
    };
    let b = bundle(&busybox);
    let snapshots = b.tmp.path().join("snapshots");
    checked(&run(&AARCH64, &b, &snapshots, &[]), "first run");
    let [state] = &states(&snapshots)[..] else {
        panic!("no saved guest");
    };
    std::fs::write(state, b"not a migration stream").expect("spoil");

    let out = run(&AARCH64, &b, &snapshots, &[]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("booting and saving the guest again: cannot restore the saved guest"),
        "{stderr}"
    );
    checked(&out, "run after a spoilt state");
    assert!(std::fs::metadata(state).expect("state").len() > 1 << 20);
    let out = run(&AARCH64, &b, &snapshots, &[]);
    assert!(text(&out.stderr).contains("restored in"));
    checked(&out, "restored run");
}

#[test]
fn vm_snapshot_off_boots_with_the_bundle_in_the_initramfs() {
    let Some(busybox) = ready(
        "vm_snapshot_off_boots_with_the_bundle_in_the_initramfs",
        &AARCH64,
    ) else {
        return;
    };
    let b = bundle(&busybox);
    let snapshots = b.tmp.path().join("snapshots");
    let out = run(&AARCH64, &b, &snapshots, &[("OCIX_VM_SNAPSHOT", "off")]);
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("saved the booted guest"), "{stderr}");
    assert!(!stderr.contains("job and bundle received"), "{stderr}");
    checked(&out, "booted run");
    assert!(!snapshots.exists(), "snapshots made while off");
}

#[test]
fn vm_unusable_snapshot_dir_warns_and_boots() {
    let Some(busybox) = ready("vm_unusable_snapshot_dir_warns_and_boots", &AARCH64) else {
        return;
    };
    let b = bundle(&busybox);
    let not_a_dir = b.tmp.path().join("file");
    std::fs::write(&not_a_dir, b"").expect("write");
    let out = run(&AARCH64, &b, &not_a_dir, &[]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("booting, without saving the guest"),
        "{stderr}"
    );
    assert!(!stderr.contains("saved the booted guest"), "{stderr}");
    checked(&out, "booted run");
}
