//! `run --backend vm --verify-digest`: the guest agent digests the bundle
//! as the kernel unpacked it from the initramfs, reports that digest to
//! the host, and runs nothing when it differs from the expected one.
//!
//! Needs the aarch64 kernel, guest agent and busybox in
//! `${OCIX_CACHE:-/var/cache/ocix}` (see tests/vm.rs); `OCIX_GUEST_AGENT`
//! points at another agent build. An agent built before digest reports
//! skips the test, except under `CI`, whose setup rebuilds the agents.

mod common;

use common::cache_dir as cache;

use common::{make_rootfs_from, ocix_bin, pieces_ready, prerequisites, text, Bundle};
use ocix_runtime::digest::{digest_bundle, Options};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

const TARGET: &str = "aarch64-unknown-linux-gnu";

/// The arm64 busybox if the aarch64 guest can boot here; else says why
/// the test is skipped (fails under CI, which provides aarch64).
fn ready(test: &str) -> Option<PathBuf> {
    if !prerequisites(test) {
        return None;
    }
    let c = cache();
    let agent = std::env::var_os("OCIX_GUEST_AGENT")
        .map(PathBuf::from)
        .unwrap_or_else(|| c.join("agents").join(TARGET).join("ocix"));
    let busybox = c.join("busybox/arm64/busybox");
    let pieces = [
        (
            c.join("kernels/aarch64/kernel"),
            "ocix images build aarch64".to_string(),
        ),
        (agent, format!("ci/build-guest-agents.sh {TARGET}")),
        (busybox.clone(), "ci/setup".to_string()),
        (
            PathBuf::from("/usr/bin/qemu-system-aarch64"),
            "ci/setup".to_string(),
        ),
    ];
    pieces_ready(test, &pieces, true).then_some(busybox)
}

/// An aarch64 busybox bundle running `script`, with what the initramfs
/// must carry faithfully for the digests to agree: a hard link, a
/// setuid file, a fifo and a socket.
fn bundle(busybox: &Path, script: &str) -> Bundle {
    let mut b = Bundle::sh(script);
    let rootfs = b.rootfs();
    make_rootfs_from(&rootfs, busybox);
    std::fs::hard_link(rootfs.join("etc/passwd"), rootfs.join("etc/passwd.link"))
        .expect("hard link");
    std::fs::write(rootfs.join("bin/suid"), b"#!/bin/sh\n").expect("write");
    std::fs::set_permissions(
        rootfs.join("bin/suid"),
        std::fs::Permissions::from_mode(0o4755),
    )
    .expect("chmod");
    let fifo = Command::new("mkfifo").arg(rootfs.join("tmp/fifo")).status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
    drop(std::os::unix::net::UnixListener::bind(rootfs.join("tmp/sock")).expect("socket"));
    b.config["hostname"] = json!("vmguest");
    b.save();
    b
}

/// `ocix --debug --log LOG run --backend vm --arch aarch64 --verify-digest
/// DIGEST BUNDLE`, TMPDIR private to the test; not waited for.
fn spawn_run(b: &Bundle, digest: &str, env: &[(&str, &Path)]) -> Child {
    let tmpdir = b.tmp.path().join("tmp");
    std::fs::create_dir_all(&tmpdir).expect("mkdir tmp");
    let mut c = Command::new(ocix_bin());
    c.args(["--debug", "--log"])
        .arg(log_path(b))
        .arg("--root")
        .arg(b.root())
        .args(["run", "--backend", "vm", "--arch", "aarch64"])
        .args(["--verify-digest", digest])
        .arg(b.dir())
        .env("TMPDIR", &tmpdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    c.spawn().expect("spawn ocix")
}

fn log_path(b: &Bundle) -> PathBuf {
    b.tmp.path().join("ocix.log")
}

fn digest_of(b: &Bundle) -> String {
    digest_bundle(&b.dir(), &Options::default())
        .expect("digest")
        .digest
        .to_string()
}

/// True (after saying so) when the agent ignored the request: it was
/// built before digest reports.
fn agent_too_old(test: &str, out: &Output) -> bool {
    let stderr = text(&out.stderr);
    if !stderr.contains("did not report the digest") {
        return false;
    }
    let why =
        format!("the guest agent predates digest reports (run ci/build-guest-agents.sh {TARGET})");
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}");
    }
    eprintln!("SKIPPED: {test} because {why}");
    true
}

fn assert_nothing_left(b: &Bundle, what: &str) {
    let tmp: Vec<_> = std::fs::read_dir(b.tmp.path().join("tmp"))
        .expect("read tmp")
        .collect();
    assert!(tmp.is_empty(), "{what}: temporary files left: {tmp:?}");
    assert_eq!(b.leftovers(), Vec::<String>::new(), "{what}: state left");
}

#[test]
fn vm_guest_reports_the_digest_it_received() {
    let test = "vm_guest_reports_the_digest_it_received";
    let Some(busybox) = ready(test) else {
        return;
    };
    let b = bundle(&busybox, "echo in-guest; cat /etc/passwd.link | head -1");
    let digest = digest_of(&b);
    let out = spawn_run(&b, &digest, &[])
        .wait_with_output()
        .expect("wait ocix");
    if agent_too_old(test, &out) {
        return;
    }
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        text(&out.stdout),
        "in-guest\nroot:x:0:0:root:/root:/bin/sh\n"
    );
    assert_eq!(
        stderr, "",
        "logs go to --log, the streams are the container's"
    );
    let log = std::fs::read_to_string(log_path(&b)).expect("read log");
    assert!(
        log.contains(&format!("guest: received {digest}, as expected")),
        "{log}"
    );
    assert_nothing_left(&b, "after a verified run");

    // Tampered before the run: refused on the host, nothing boots.
    let mut bytes = std::fs::read(b.rootfs().join("etc/group")).expect("read");
    bytes[0] ^= 0x20;
    std::fs::write(b.rootfs().join("etc/group"), bytes).expect("write");
    std::fs::remove_file(log_path(&b)).expect("remove log");
    let out = spawn_run(&b, &digest, &[])
        .wait_with_output()
        .expect("wait ocix");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("expected {digest}, found {}", digest_of(&b))),
        "{stderr}"
    );
    let log = std::fs::read_to_string(log_path(&b)).expect("read log");
    let booted = log
        .lines()
        .any(|l| l.contains("starting") && l.contains("qemu-system"));
    assert!(!booted, "QEMU started: {log}");
    assert_nothing_left(&b, "after a host refusal");
}

/// The bundle changes after the host verified it and before it is
/// packed (the host pauses at a fault point): the guest sees another
/// digest, reports it, and runs nothing.
#[test]
fn vm_guest_refuses_a_bundle_changed_after_the_host_check() {
    let test = "vm_guest_refuses_a_bundle_changed_after_the_host_check";
    let Some(busybox) = ready(test) else {
        return;
    };
    let b = bundle(&busybox, "echo must-not-run");
    let digest = digest_of(&b);
    let pause = b.tmp.path().join("pause");
    std::fs::create_dir_all(&pause).expect("mkdir");
    let point = Path::new("run:vm-verified");
    let mut child = spawn_run(
        &b,
        &digest,
        &[("OCIX_FAULT", point), ("OCIX_FAULT_PAUSE", &pause)],
    );
    common::wait_until("ocix pauses after the host check", 30, || {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("ocix ended ({st}) at {point:?} instead of pausing there (OCIX_FAULT_PAUSE)");
        }
        pause.join("paused").exists()
    });
    std::fs::write(b.rootfs().join("etc/motd"), b"changed\n").expect("write");
    let changed = digest_of(&b);
    std::fs::write(pause.join("resume"), b"").expect("resume");
    let out = child.wait_with_output().expect("wait ocix");
    if agent_too_old(test, &out) {
        return;
    }
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(text(&out.stdout), "", "the container ran: {stderr}");
    assert!(
        stderr.contains(&format!(
            "the guest received {changed}, not the expected {digest}"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("guest agent: bundle digest mismatch"),
        "{stderr}"
    );
    assert_nothing_left(&b, "after a guest refusal");
}
