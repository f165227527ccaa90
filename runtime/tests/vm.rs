//! The vm backend end to end: `ocix run --arch A --backend vm` boots a
//! guest of A under QEMU (TCG) and runs a foreign busybox bundle in it.
//!
//! Needs, per arch, the kernel (`images/kernels/fetch` or `build`), the agent
//! (`ci/build-guest-agents.sh`) and the busybox (`ci/setup`) in
//! `${OCIX_CACHE:-/var/cache/ocix}`. A missing piece skips that arch; under
//! `CI` it fails for the archs ci/setup provides.

mod common;

use common::cache_dir as cache;

use common::{
    guest_busybox, make_rootfs_from, ocix_bin, pieces_ready, prerequisites, text, Bundle,
};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A guest arch: `--arch` value, Debian arch of its busybox, its profile
/// key, what `uname -m` prints, byte order, bits, its seccomp
/// architecture name, and whether CI provides it.
struct Guest {
    arch: &'static str,
    debian: &'static str,
    key: &'static str,
    machine: &'static str,
    little: bool,
    bits: u8,
    scmp: &'static str,
    in_ci: bool,
}

const GUESTS: [Guest; 5] = [
    Guest {
        arch: "aarch64",
        debian: "arm64",
        key: "aarch64",
        machine: "aarch64",
        little: true,
        bits: 64,
        scmp: "SCMP_ARCH_AARCH64",
        in_ci: true,
    },
    Guest {
        arch: "armv7ahf",
        debian: "armhf",
        key: "armv7",
        machine: "armv7l",
        little: true,
        bits: 32,
        scmp: "SCMP_ARCH_ARM",
        in_ci: true,
    },
    Guest {
        arch: "ppc64le",
        debian: "ppc64el",
        key: "ppc64le",
        machine: "ppc64le",
        little: true,
        bits: 64,
        scmp: "SCMP_ARCH_PPC64LE",
        in_ci: true,
    },
    Guest {
        arch: "mips64el",
        debian: "mips64el",
        key: "mips64el",
        machine: "mips64",
        little: true,
        bits: 64,
        scmp: "SCMP_ARCH_MIPSEL64",
        in_ci: true,
    },
    Guest {
        arch: "mipsel",
        debian: "mipsel",
        key: "mipsel",
        machine: "mips",
        little: true,
        bits: 32,
        scmp: "SCMP_ARCH_MIPSEL",
        in_ci: true,
    },
];

/// The foreign busybox if every piece of `g` is cached; else says why
/// the test is skipped (fails under CI for the archs CI provides).
fn ready(test: &str, g: &Guest) -> Option<PathBuf> {
    guest_busybox(test, g.key, g.debian, g.in_ci)
}

/// A busybox bundle of `g`'s arch running `sh -c script`, hostname
/// `vmguest`.
fn bundle(busybox: &Path, script: &str) -> Bundle {
    let mut b = Bundle::sh(script);
    make_rootfs_from(&b.rootfs(), busybox);
    b.config["hostname"] = json!("vmguest");
    b.save();
    b
}

/// `ocix run --backend vm --arch A [extra] BUNDLE` with TMPDIR private to
/// this run, so its QEMU can be told apart from other tests'.
fn run_vm(b: &Bundle, arch: &str, extra: &[&str], env: &[(&str, &Path)]) -> Output {
    let tmpdir = b.tmp.path().join("tmp");
    std::fs::create_dir_all(&tmpdir).expect("mkdir tmp");
    let mut c = Command::new(ocix_bin());
    c.arg("--root")
        .arg(b.root())
        .args(["run", "--backend", "vm", "--arch", arch])
        .args(extra)
        .arg(b.dir())
        .env("TMPDIR", &tmpdir)
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("spawn ocix")
}

/// QEMU processes whose command line mentions `needle`.
fn qemu_left(needle: &Path) -> String {
    let out = Command::new("pgrep")
        .args(["-a", "-f"])
        .arg(format!("qemu-system.*{}", needle.display()))
        .output()
        .expect("pgrep");
    text(&out.stdout)
}

/// One boot: uname, byte order, word size, pid, hostname, both streams
/// and a non-zero code; a second boot for code 0.
fn check_guest(g: &Guest) {
    let test = format!("vm_{}", g.arch);
    let Some(busybox) = ready(&test, g) else {
        return;
    };
    let script = "echo machine=$(uname -m); \
        echo order=$(printf '\\001\\000' | od -An -tu2 | tr -d ' '); \
        echo class=$(od -An -tu1 -j4 -N1 /bin/busybox | tr -d ' '); \
        echo pid=$$; echo host=$(hostname); echo to-stderr >&2; exit 7";
    let b = bundle(&busybox, script);
    let t0 = std::time::Instant::now();
    let out = run_vm(&b, g.arch, &[], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    eprintln!("{test}: exit 7 run took {:.2}s", t0.elapsed().as_secs_f32());
    let order = if g.little { 1 } else { 256 };
    let class = if g.bits == 64 { 2 } else { 1 };
    let want = format!(
        "machine={}\norder={order}\nclass={class}\npid=1\nhost=vmguest\n",
        g.machine
    );
    assert_eq!(stdout, want, "{test}: stderr: {stderr}");
    assert_eq!(stderr, "to-stderr\n", "{test}");
    assert_eq!(out.status.code(), Some(7), "{test}: {stderr}");

    // Code 0, and stdout byte for byte: binary bytes and more than one
    // frame's worth (64 KiB) of lines.
    let b = bundle(&busybox, "printf 'a\\000b\\r\\n\\377'; seq 1 20000");
    let out = run_vm(&b, g.arch, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{test}: {}", text(&out.stderr));
    let mut want = b"a\0b\r\n\xff".to_vec();
    for i in 1..=20000 {
        want.extend_from_slice(format!("{i}\n").as_bytes());
    }
    assert!(
        out.stdout == want,
        "{test}: stdout differs ({} bytes)",
        out.stdout.len()
    );
    assert_eq!(out.stderr, b"", "{test}");
}

#[test]
fn vm_aarch64() {
    check_guest(&GUESTS[0]);
}

#[test]
fn vm_armv7ahf() {
    check_guest(&GUESTS[1]);
}

#[test]
fn vm_ppc64le() {
    check_guest(&GUESTS[2]);
}

#[test]
fn vm_mips64el() {
    check_guest(&GUESTS[3]);
}

#[test]
fn vm_mipsel() {
    check_guest(&GUESTS[4]);
}

/// Debian's ready kernel, the fallback `ocix images fetch` unpacks
/// (ci/setup puts aarch64's in `$OCIX_CACHE/debian/`): its virtio drivers
/// are modules, which the agent loads before it opens its channel.
#[test]
fn vm_debian_kernel_loads_its_modules() {
    let test = "vm_debian_kernel_loads_its_modules";
    let g = &GUESTS[0];
    let Some(busybox) = ready(test, g) else {
        return;
    };
    let kernel = cache().join("debian/kernels/aarch64/kernel");
    let how = "ci/setup, or OCIX_CACHE=$OCIX_CACHE/debian images/kernels/fetch aarch64";
    if !pieces_ready(test, &[(kernel.clone(), how.to_string())], true) {
        return;
    }
    let b = bundle(
        &busybox,
        "uname -r; cut -d' ' -f1 /proc/modules | sort; exit 3",
    );
    let k = kernel.to_str().expect("UTF-8 cache path");
    let off = [("OCIX_VM_SNAPSHOT", Path::new("off"))];
    let out = run_vm(&b, g.arch, &["--kernel", k], &off);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].ends_with("-arm64"),
        "not Debian's kernel: {stdout}"
    );
    assert_eq!(lines[1..], ["virtio_console", "virtio_mmio"], "{stdout}");
}

/// A guest that boots with its job in the initramfs gets the host's
/// clock as its agent starts, not as ocix started. By the guest's own
/// clock, it booted (its time less its uptime) after ocix started, and
/// its time is not past ocix's end. With the clock ocix read before
/// QEMU started, the guest seemed to boot before ocix did, by the
/// agent's start time (0.4 s and more here).
#[test]
fn vm_booted_guest_has_the_hosts_clock() {
    let g = &GUESTS[3];
    let Some(busybox) = ready("vm_booted_guest_has_the_hosts_clock", g) else {
        return;
    };
    // Uptime first: read later, it would move the boot earlier.
    let b = bundle(
        &busybox,
        "cut -d' ' -f1 /proc/uptime; adjtimex | sed -n 's/.*tv_sec: *//p; s/.*tv_usec: *//p'",
    );
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64()
    };
    let before = now();
    let out = run_vm(&b, g.arch, &[], &[("OCIX_VM_SNAPSHOT", Path::new("off"))]);
    let after = now();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Vec<f64> = stdout
        .lines()
        .map(|l| l.trim().parse().expect("a number"))
        .collect();
    let [uptime, secs, micros] = v[..] else {
        panic!("uptime, seconds, microseconds: {stdout}");
    };
    let guest = secs + micros / 1e6;
    let booted = guest - uptime;
    assert!(
        before <= booted,
        "by its clock the guest booted at {booted:.3}, before ocix started ({before:.3})"
    );
    assert!(
        guest <= after,
        "guest clock {guest:.3} past ocix's end {after:.3}"
    );
}

/// A tune that names a core gets that core: OE's `mips32r2el-74kc` boots
/// a 74Kf, where `mipsel` boots the default 24Kf.
#[test]
fn vm_tune_picks_the_guest_cpu() {
    let g = &GUESTS[4];
    let Some(busybox) = ready("vm_tune_picks_the_guest_cpu", g) else {
        return;
    };
    let b = bundle(&busybox, "grep -m1 'cpu model' /proc/cpuinfo; uname -m");
    let out = run_vm(&b, "mips32r2el-74kc", &[], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let mut lines = stdout.lines();
    let model = lines.next().unwrap_or_default();
    // The kernel calls every 74K core "MIPS 74Kc".
    assert!(model.contains("MIPS 74K"), "cpu model: {stdout}");
    assert_eq!(lines.next(), Some(g.machine), "{stdout}");
}

/// mkdir refused, touch allowed: what the seccomp profiles below expect.
const MKDIR_SCRIPT: &str = "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched; \
                            test -d /tmp/x || echo no-dir";

/// The seccomp acceptance inside a guest: the filter is compiled
/// by the guest's agent for the guest's ABI, so a mkdir refused with
/// EPERM shows its tables are right (aarch64 has no `mkdir`, only
/// `mkdirat`, numbered unlike x86_64's). Twice: with the native ABI
/// implied, then with `architectures` naming the guest's.
fn check_seccomp(g: &Guest) {
    let test = format!("vm_seccomp_{}", g.arch);
    let Some(busybox) = ready(&test, g) else {
        return;
    };
    for archs in [json!(null), json!([g.scmp])] {
        let mut b = bundle(&busybox, MKDIR_SCRIPT);
        let mut profile = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]});
        if !archs.is_null() {
            profile["architectures"] = archs.clone();
        }
        b.config["linux"]["seccomp"] = profile;
        b.config["root"]["readonly"] = json!(false);
        b.save();
        let out = run_vm(&b, g.arch, &[], &[]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        let what = format!("{test} (architectures {archs})");
        assert_eq!(out.status.code(), Some(0), "{what}: {stdout}{stderr}");
        assert_eq!(stdout, "rc=1\ntouched\nno-dir\n", "{what}: {stderr}");
        assert!(
            stderr.contains("Operation not permitted"),
            "{what}: {stderr}"
        );
    }
}

#[test]
fn vm_seccomp_aarch64() {
    check_seccomp(&GUESTS[0]);
}

#[test]
fn vm_seccomp_ppc64le() {
    check_seccomp(&GUESTS[2]);
}

/// The guest's cgroup2 hierarchy enforces limits: with pids.max 10 the
/// shell and 9 sleeps fill the cgroup and the 10th sleep's fork fails
/// (busybox sh then exits).
fn check_pids_limit(g: &Guest) {
    let test = format!("vm_pids_limit_{}", g.arch);
    let Some(busybox) = ready(&test, g) else {
        return;
    };
    let script = "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); echo $i; done";
    let mut b = bundle(&busybox, script);
    b.config["linux"]["resources"] = json!({"pids": {"limit": 10}});
    b.save();
    let out = run_vm(&b, g.arch, &[], &[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout.lines().last(), Some("9"), "{test}: {stdout}{stderr}");
    assert!(stderr.contains("fork"), "{test}: {stderr}");
    assert_ne!(out.status.code(), Some(0), "{test}: {stderr}");
}

#[test]
fn vm_pids_limit_aarch64() {
    check_pids_limit(&GUESTS[0]);
}

#[test]
fn vm_pids_limit_ppc64le() {
    check_pids_limit(&GUESTS[2]);
}

/// A big-endian guest Debian has neither kernel nor busybox for: the
/// kernel is built by images/kernels/build and the bundle runs
/// images/testprog (machine, byte order and word size as it sees them).
fn check_big_endian(arch: &str, key: &str, target: &str, machine: &str, bits: u8) {
    let test = format!("vm_{arch}_big_endian");
    if !prerequisites(&test) {
        return;
    }
    let c = cache();
    let testprog = c.join("testprog").join(target).join("testprog");
    let pieces = [
        (
            c.join("kernels").join(key).join("kernel"),
            format!("ocix images build {key}"),
        ),
        (
            c.join("agents").join(target).join("ocix"),
            format!("ci/build-guest-agents.sh {target}"),
        ),
        (testprog.clone(), "images/testprog/build".to_string()),
    ];
    if !pieces_ready(&test, &pieces, true) {
        return;
    }
    let mut b = Bundle::sh("true");
    std::fs::copy(&testprog, b.rootfs().join("testprog")).expect("copy testprog");
    b.config["process"]["args"] = json!(["/testprog", "7", "x"]);
    b.config["hostname"] = json!("vmguest");
    b.save();
    let t0 = std::time::Instant::now();
    let out = run_vm(&b, arch, &[], &[]);
    eprintln!("{test}: run took {:.2}s", t0.elapsed().as_secs_f32());
    let stderr = text(&out.stderr);
    assert_eq!(
        text(&out.stdout),
        format!("machine={machine}\nendian=big\nbits={bits}\nargs=7 x\n"),
        "{stderr}"
    );
    assert_eq!(stderr, "testprog: stderr ok\n");
    assert_eq!(out.status.code(), Some(7));

    // And code 0.
    b.config["process"]["args"] = json!(["/testprog", "0"]);
    b.save();
    let out = run_vm(&b, arch, &[], &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{test}: {stderr}");
    assert!(text(&out.stdout).ends_with("args=0\n"), "{test}: {stderr}");
}

#[test]
fn vm_ppc64_big_endian() {
    check_big_endian("ppc64", "ppc64", "powerpc64-unknown-linux-gnu", "ppc64", 64);
}

#[test]
fn vm_mips_big_endian() {
    check_big_endian("mips", "mips", "mips-unknown-linux-gnu", "mips", 32);
}

/// `--backend auto` (the default) boots a guest when the target neither
/// runs natively nor has an emulator here (none on the emulator path).
#[test]
fn vm_auto_falls_back_to_a_guest() {
    let g = &GUESTS[0];
    let Some(busybox) = ready("vm_auto_falls_back_to_a_guest", g) else {
        return;
    };
    let b = bundle(&busybox, "echo machine=$(uname -m); exit 3");
    let none = b.tmp.path().join("no-emulators");
    std::fs::create_dir_all(&none).expect("mkdir");
    let out = Command::new(ocix_bin())
        .arg("--root")
        .arg(b.root())
        .arg("run")
        .arg(b.dir())
        .env("OCIX_EMULATOR_PATH", &none)
        .env("TMPDIR", b.tmp.path())
        .stdin(Stdio::null())
        .output()
        .expect("spawn ocix");
    let stderr = text(&out.stderr);
    assert_eq!(text(&out.stdout), "machine=aarch64\n", "{stderr}");
    assert_eq!(out.status.code(), Some(3), "{stderr}");
}

/// Past `--timeout`, ocix fails with a clear message and leaves no QEMU.
#[test]
fn vm_timeout_stops_qemu() {
    let g = &GUESTS[0];
    let Some(busybox) = ready("vm_timeout_stops_qemu", g) else {
        return;
    };
    let b = bundle(&busybox, "sleep 60");
    let t0 = std::time::Instant::now();
    let out = run_vm(&b, g.arch, &["--timeout", "5"], &[]);
    let took = t0.elapsed();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("guest timed out after 5s"), "{stderr}");
    assert!(took.as_secs() < 15, "took {took:?}");
    let left = qemu_left(&b.tmp.path().join("tmp"));
    assert!(left.is_empty(), "QEMU left running: {left}");
    let tmp_left: Vec<_> = std::fs::read_dir(b.tmp.path().join("tmp"))
        .expect("read tmp")
        .collect();
    assert!(tmp_left.is_empty(), "temporary files left: {tmp_left:?}");
}

/// Without a kernel in the cache, the error says how to get one; options
/// a guest cannot honour are refused before anything boots.
#[test]
fn vm_missing_kernel_names_the_build_and_fetch_commands() {
    if !prerequisites("vm_missing_kernel_names_the_build_and_fetch_commands") {
        return;
    }
    let b = Bundle::sh("true");
    let empty = b.tmp.path().join("empty-cache");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let out = run_vm(&b, "ppc64", &[], &[("OCIX_CACHE", &empty)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("kernel for"), "{stderr}");
    assert!(stderr.contains("`ocix images build ppc64`"), "{stderr}");
    // Debian has a kernel for armv7 (none for big-endian ppc64).
    assert!(!stderr.contains("images fetch"), "{stderr}");
    let out = run_vm(&b, "armv7ahf", &[], &[("OCIX_CACHE", &empty)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("`ocix images build armv7`"), "{stderr}");
    assert!(stderr.contains("`ocix images fetch armv7`"), "{stderr}");
    // malta boots no kernel with two vCPUs: refused, not left to hang.
    let out = run_vm(&b, "mipsel", &["--cpus", "2"], &[("OCIX_CACHE", &empty)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--cpus 2: mipsel guests (QEMU's malta) boot with 1 vCPU only"),
        "{stderr}"
    );
    let out = run_vm(&b, "aarch64", &["--detach"], &[("OCIX_CACHE", &empty)]);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("vm backend does not support --detach"),
        "{stderr}"
    );
}
