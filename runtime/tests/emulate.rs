//! The emulate backend: foreign busybox bundles under a container-private
//! binfmt_misc, run at the same time, leaving the host's binfmt_misc as it
//! was; a missing emulator is a clear error that leaves nothing.

mod common;

use common::cache_dir as cache;

use common::{make_rootfs_from, prerequisites, text, Bundle};

/// A bundle around the cached busybox of `debian_arch`, or `None` (after
/// saying why; failing under CI) when the cache lacks it.
fn foreign(test: &str, debian_arch: &str, script: &str) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    let busybox = cache().join("busybox").join(debian_arch).join("busybox");
    if !busybox.exists() {
        let why = format!("{} is missing (run ci/setup)", busybox.display());
        assert!(std::env::var_os("CI").is_none(), "{test}: {why}");
        eprintln!("SKIPPED: {test} because {why}");
        return None;
    }
    let mut b = Bundle::sh(script);
    make_rootfs_from(&b.rootfs(), &busybox);
    b.save();
    Some(b)
}

fn run_arch(b: &Bundle, arch: &str, id: &str) -> std::process::Output {
    let dir = b.dir();
    b.ocix(&[
        "run",
        "--arch",
        arch,
        "--bundle",
        dir.to_str().expect("utf-8"),
        id,
    ])
}

fn check(test: &str, debian_arch: &str, arch: &str, machine: &str) {
    let Some(b) = foreign(test, debian_arch, "uname -m; echo $((6*7)); exit 7") else {
        return;
    };
    let out = run_arch(&b, arch, test);
    assert_eq!(
        text(&out.stdout),
        format!("{machine}\n42\n"),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(7));
    assert!(b.leftovers().is_empty());
}

#[test]
fn armv7ahf_busybox_runs_emulated() {
    check("armv7ahf_busybox", "armhf", "armv7ahf", "armv7l");
}

#[test]
fn aarch64_busybox_runs_emulated() {
    check("aarch64_busybox", "arm64", "aarch64", "aarch64");
}

#[test]
fn ppc64le_busybox_runs_emulated() {
    check("ppc64le_busybox", "ppc64el", "ppc64le", "ppc64le");
}

#[test]
fn mips64el_busybox_runs_emulated() {
    // qemu-user reports the family name, as a mips64el kernel does.
    check("mips64el_busybox", "mips64el", "mips64el", "mips64");
}

#[test]
fn children_of_the_workload_are_emulated_too() {
    let Some(b) = foreign(
        "emulated_children",
        "armhf",
        "sh -c 'uname -m' | cat; echo $QEMU_CPU",
    ) else {
        return;
    };
    let out = run_arch(&b, "armv7ahf-neon", "children");
    let t = text(&out.stdout);
    assert!(t.starts_with("armv7l\n"), "{t} / {}", text(&out.stderr));
    assert!(t.contains("cortex-a"), "CPU model of the tune not set: {t}");
}

fn host_binfmt_listing() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir("/proc/sys/fs/binfmt_misc")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn two_arches_at_once_and_host_binfmt_untouched() {
    let before = host_binfmt_listing();
    let script = "while [ ! -e /shared/go ]; do sleep 0.05; done; uname -m";
    let (Some(mut arm), Some(mut a64)) = (
        foreign("two_arches_arm", "armhf", script),
        foreign("two_arches_a64", "arm64", script),
    ) else {
        return;
    };
    arm.share();
    a64.share();
    let spawn = |b: &Bundle, arch: &str, id: &str| {
        std::process::Command::new(common::ocix_bin())
            .arg("--root")
            .arg(b.root())
            .args([
                "run",
                "--arch",
                arch,
                "--bundle",
                b.dir().to_str().expect("utf-8"),
                id,
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let p1 = spawn(&arm, "armv7ahf", "arm");
    let p2 = spawn(&a64, "aarch64", "a64");
    // Both are running before either is released.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !(is_running(&arm, "arm") && is_running(&a64, "a64")) {
        assert!(
            std::time::Instant::now() < deadline,
            "containers did not both start"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        host_binfmt_listing(),
        before,
        "host binfmt_misc changed while running"
    );
    std::fs::write(arm.shared().join("go"), "").expect("release");
    std::fs::write(a64.shared().join("go"), "").expect("release");
    let (o1, o2) = (
        p1.wait_with_output().expect("wait"),
        p2.wait_with_output().expect("wait"),
    );
    assert_eq!(text(&o1.stdout), "armv7l\n", "{}", text(&o1.stderr));
    assert_eq!(text(&o2.stdout), "aarch64\n", "{}", text(&o2.stderr));
    assert_eq!(host_binfmt_listing(), before, "host binfmt_misc changed");
}

fn is_running(b: &Bundle, id: &str) -> bool {
    text(&b.ocix(&["state", id]).stdout).contains("\"running\"")
}

#[test]
fn missing_emulator_is_named_and_leaves_nothing() {
    let Some(b) = foreign("missing_emulator", "armhf", "true") else {
        return;
    };
    let dir = b.dir();
    // No guest either (an empty cache), or auto would boot one.
    let no_guests = b.tmp.path().join("empty-cache");
    let out = std::process::Command::new(common::ocix_bin())
        .env("OCIX_EMULATOR_PATH", "/nonexistent")
        .env("OCIX_CACHE", &no_guests)
        .arg("--root")
        .arg(b.root())
        .args([
            "run",
            "--arch",
            "armv7ahf",
            "--bundle",
            dir.to_str().expect("utf-8"),
            "noemu",
        ])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("qemu-arm"), "{err}");
    assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
}

#[test]
fn explicit_native_backend_refuses_a_foreign_target() {
    let Some(b) = foreign("native_refuses_foreign", "arm64", "true") else {
        return;
    };
    let dir = b.dir();
    let out = b.ocix(&[
        "run",
        "--backend",
        "native",
        "--arch",
        "aarch64",
        "--bundle",
        dir.to_str().expect("utf-8"),
        "nat",
    ]);
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(err.contains("aarch64") && err.contains("x86_64"), "{err}");
    assert!(b.leftovers().is_empty());
}

#[test]
fn without_private_binfmt_and_no_host_handler_the_error_says_what_to_do() {
    let Some(b) = foreign("no_private_binfmt", "armhf", "true") else {
        return;
    };
    if std::fs::read_dir("/proc/sys/fs/binfmt_misc").is_ok_and(|d| d.count() > 2) {
        eprintln!("SKIPPED: no_private_binfmt because the host has binfmt handlers registered");
        return;
    }
    let dir = b.dir();
    // Pretend the kernel is older than 6.7.
    let no_guests = b.tmp.path().join("empty-cache");
    let out = std::process::Command::new(common::ocix_bin())
        .env("OCIX_BINFMT_PRIVATE", "0")
        .env("OCIX_CACHE", &no_guests)
        .arg("--root")
        .arg(b.root())
        .args([
            "run",
            "--arch",
            "armv7ahf",
            "--bundle",
            dir.to_str().expect("utf-8"),
            "nopriv",
        ])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("6.7") && err.contains("qemu-user-binfmt"),
        "{err}"
    );
    assert!(b.leftovers().is_empty());
}
