//! `ocix arch list|describe|inspect|host`: names, descriptions, real
//! binaries of each family, and the host report.

mod common;

use common::{cached_busybox, ocix_bin, text, BUSYBOX};
use serde_json::Value;
use std::process::{Command, Output};

fn ocix(args: &[&str]) -> Output {
    Command::new(ocix_bin())
        .args(args)
        .output()
        .expect("spawn ocix")
}

/// stdout of a command that must succeed.
fn ok(args: &[&str]) -> String {
    let out = ocix(args);
    assert!(out.status.success(), "ocix {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).expect("json output")
}

/// The value of `key:` in describe's text output.
fn field(out: &str, key: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {key:?} in {out}"))
}

struct Expect {
    name: &'static str,
    family: &'static str,
    bits: u64,
    byte_order: &'static str,
    abi: &'static str,
    float_abi: &'static str,
    isa: &'static str,
    qemu: &'static str,
    uname: &'static str,
    oci: Option<&'static str>,
    debian: Option<&'static str>,
}

const SAMPLES: [Expect; 3] = [
    Expect {
        name: "armv7ahf",
        family: "arm",
        bits: 32,
        byte_order: "little-endian",
        abi: "eabi",
        float_abi: "hard-float",
        isa: "armv7-a",
        qemu: "qemu-arm",
        uname: "armv7l",
        oci: Some("linux/arm/v7"),
        debian: Some("armhf"),
    },
    Expect {
        name: "ppc64p7",
        family: "powerpc64",
        bits: 64,
        byte_order: "big-endian",
        abi: "elfv1",
        float_abi: "hard-float",
        isa: "power7",
        qemu: "qemu-ppc64",
        uname: "ppc64",
        oci: Some("linux/ppc64"),
        debian: Some("ppc64"),
    },
    Expect {
        name: "mips64el-n32",
        family: "mips64",
        bits: 32,
        byte_order: "little-endian",
        abi: "n32",
        float_abi: "hard-float",
        isa: "mips64r2",
        qemu: "qemu-mipsn32el",
        uname: "mips64",
        oci: None,
        debian: None,
    },
];

#[test]
fn describe_samples_as_text() {
    for e in &SAMPLES {
        let out = ok(&["arch", "describe", e.name]);
        assert_eq!(field(&out, "canonical"), e.name);
        assert_eq!(field(&out, "family"), e.family, "{out}");
        assert_eq!(field(&out, "bits"), e.bits.to_string(), "{out}");
        assert_eq!(field(&out, "byte order"), e.byte_order, "{out}");
        assert_eq!(field(&out, "abi"), e.abi, "{out}");
        assert_eq!(field(&out, "float abi"), e.float_abi, "{out}");
        assert_eq!(field(&out, "isa"), e.isa, "{out}");
        assert_eq!(field(&out, "qemu user"), e.qemu, "{out}");
        assert_eq!(field(&out, "uname -m"), e.uname, "{out}");
        assert_eq!(field(&out, "oci platform"), e.oci.unwrap_or("-"), "{out}");
        assert_eq!(field(&out, "debian arch"), e.debian.unwrap_or("-"), "{out}");
    }
}

#[test]
fn describe_samples_as_json() {
    for e in &SAMPLES {
        let v = json(&["arch", "describe", e.name, "--format", "json"]);
        assert_eq!(v["canonical"], e.name);
        assert_eq!(v["family"], e.family, "{v}");
        assert_eq!(v["bits"], e.bits, "{v}");
        assert_eq!(v["byte_order"], e.byte_order, "{v}");
        assert_eq!(v["abi"], e.abi, "{v}");
        assert_eq!(v["float_abi"], e.float_abi, "{v}");
        assert_eq!(v["isa"], e.isa, "{v}");
        assert_eq!(v["qemu_user_binary"], e.qemu, "{v}");
        assert!(v["qemu_cpu"].is_string(), "{v}");
        assert_eq!(v["uname_machine"], e.uname, "{v}");
        assert_eq!(v["oci_platform"].as_str(), e.oci, "{v}");
        assert_eq!(v["debian_arch"].as_str(), e.debian, "{v}");
    }
    let v = json(&["arch", "describe", "armhf", "--format", "json"]);
    assert_eq!(v["name"], "armhf");
    assert_eq!(v["canonical"], "armv7ahf");
    assert_eq!(v["features"], serde_json::json!(["vfpv3d16"]));
}

#[test]
fn describe_of_an_unknown_name_fails_with_suggestions() {
    let out = ocix(&["arch", "describe", "armv7hf"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("unknown architecture \"armv7hf\""), "{err}");
    assert!(err.contains("armv7ahf"), "no suggestion: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn list_holds_every_oe_tune_with_its_canonical_form() {
    let tunes = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../arch-matrix/data/oe-tunes.txt"
    ))
    .expect("oe-tunes.txt");
    let listing = ok(&["arch", "list"]);
    let rows: Vec<(&str, &str)> = listing
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            Some((w.next()?, w.next()?))
        })
        .collect();
    assert_eq!(
        rows.len(),
        listing.lines().count(),
        "a line without two columns"
    );
    let mut n = 0;
    for tune in tunes.lines().map(str::trim).filter(|t| !t.is_empty()) {
        let (_, canonical) = rows
            .iter()
            .find(|(name, _)| *name == tune)
            .unwrap_or_else(|| panic!("{tune} missing from `ocix arch list`"));
        let v = json(&["arch", "describe", tune, "--format", "json"]);
        assert_eq!(v["canonical"], *canonical, "{tune}");
        n += 1;
    }
    assert_eq!(n, 172);
    for (name, canonical) in [("armhf", "armv7ahf"), ("arm64", "aarch64")] {
        assert!(rows.contains(&(name, canonical)), "{name} {canonical}");
    }
}

/// The description, arch, ABI, float ABI, ISA of a cached busybox.
struct Binary {
    debian: &'static str,
    description: &'static str,
    arch: &'static str,
    bits: u64,
    byte_order: &'static str,
    abi: Option<&'static str>,
    float_abi: Option<&'static str>,
    isa: Option<&'static str>,
}

const FOREIGN: [Binary; 7] = [
    Binary {
        debian: "arm64",
        description: "ELF 64-bit ARM aarch64",
        arch: "aarch64",
        bits: 64,
        byte_order: "little-endian",
        abi: Some("lp64"),
        float_abi: None,
        isa: None,
    },
    Binary {
        debian: "armhf",
        description: "ELF 32-bit ARM EABI5 hard-float (armv7-a, vfpv3, neon)",
        arch: "armv7athf-neon",
        bits: 32,
        byte_order: "little-endian",
        abi: Some("eabi"),
        float_abi: Some("hard-float"),
        isa: Some("armv7-a"),
    },
    Binary {
        debian: "armel",
        description: "ELF 32-bit ARM EABI5 soft-float (armv5te)",
        arch: "armv5te",
        bits: 32,
        byte_order: "little-endian",
        abi: Some("eabi"),
        float_abi: Some("soft-float"),
        isa: Some("armv5te"),
    },
    Binary {
        debian: "ppc64el",
        description: "ELF 64-bit PowerPC64 little-endian ELFv2 hard-float",
        arch: "ppc64p8le",
        bits: 64,
        byte_order: "little-endian",
        abi: Some("elfv2"),
        float_abi: Some("hard-float"),
        isa: None,
    },
    Binary {
        debian: "mips64el",
        description: "ELF 64-bit MIPS little-endian n64 hard-float (mips64r2)",
        arch: "mips64el",
        bits: 64,
        byte_order: "little-endian",
        abi: Some("n64"),
        float_abi: Some("hard-float"),
        isa: Some("mips64r2"),
    },
    Binary {
        debian: "mipsel",
        description: "ELF 32-bit MIPS little-endian o32 hard-float (mips32r2)",
        arch: "mipsel",
        bits: 32,
        byte_order: "little-endian",
        abi: Some("o32"),
        float_abi: Some("hard-float"),
        isa: Some("mips32r2"),
    },
    Binary {
        debian: "i386",
        description: "ELF 32-bit Intel 80386",
        arch: "i686",
        bits: 32,
        byte_order: "little-endian",
        abi: Some("ilp32"),
        float_abi: None,
        isa: None,
    },
];

#[test]
fn inspect_foreign_busyboxes() {
    for b in &FOREIGN {
        let Some(path) = cached_busybox("inspect_foreign_busyboxes", b.debian) else {
            continue;
        };
        let p = path.to_str().expect("utf-8 path");
        let out = ok(&["arch", "inspect", p]);
        assert!(
            out.starts_with(&format!("{p}: {}\n", b.description)),
            "{}: {out}",
            b.debian
        );
        assert_eq!(
            field(out.lines().nth(1).unwrap_or("").trim(), "arch"),
            b.arch
        );
        let v = json(&["arch", "inspect", p, "--format", "json"]);
        let s = &v[0];
        assert_eq!(s["path"], p);
        assert_eq!(s["description"], b.description, "{s}");
        assert_eq!(s["arch"], b.arch, "{s}");
        assert_eq!(s["bits"], b.bits, "{s}");
        assert_eq!(s["byte_order"], b.byte_order, "{s}");
        assert_eq!(s["abi"].as_str(), b.abi, "{s}");
        assert_eq!(s["float_abi"].as_str(), b.float_abi, "{s}");
        assert_eq!(s["isa"].as_str(), b.isa, "{s}");
        assert!(
            s["interpreter"].is_null(),
            "busybox-static has no loader: {s}"
        );
    }
}

#[test]
fn inspect_host_busybox_matches_the_host() {
    if !std::path::Path::new(BUSYBOX).exists() {
        common::prerequisites("inspect_host_busybox");
        return;
    }
    let v = json(&["arch", "inspect", BUSYBOX, "--format", "json"]);
    let arch = v[0]["arch"].as_str().expect("arch").to_owned();
    let machine = nix::sys::utsname::uname().expect("uname");
    let machine = machine.machine().to_string_lossy().into_owned();
    let family =
        |name: &str| json(&["arch", "describe", name, "--format", "json"])["family"].clone();
    assert_eq!(family(&arch), family(&machine), "{v}");
    assert!(v[0]["interpreter"].is_null());
}

#[test]
fn inspect_reports_each_bad_file_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "hello").expect("write");
    let truncated = dir.path().join("trunc");
    std::fs::write(&truncated, b"\x7fELF\x02\x01\x01").expect("write");
    let t = text_file.to_str().expect("utf-8");
    let tr = truncated.to_str().expect("utf-8");
    let out = ocix(&["arch", "inspect", t, tr, "/no/such/file"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains(&format!("{t}: not an ELF file")), "{err}");
    assert!(err.contains(&format!("{tr}: malformed ELF")), "{err}");
    assert!(err.contains("/no/such/file"), "{err}");
    let out = ocix(&["arch", "inspect", t, "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v[0]["error"], "not an ELF file");
}

#[test]
fn host_reports_every_route() {
    let v = json(&["arch", "host", "--format", "json"]);
    let host = v["host"]["arch"].as_str().expect("host arch").to_owned();
    let routes = v["routes"].as_array().expect("routes");
    assert_eq!(routes[0]["target"], host.as_str());
    assert_eq!(routes[0]["native"]["verdict"], "yes", "{}", routes[0]);
    let arm64 = routes
        .iter()
        .find(|r| r["target"] == "aarch64")
        .expect("aarch64 route");
    assert_eq!(arm64["emulate"]["emulator"], "qemu-aarch64");
    assert_eq!(arm64["vm"]["qemu"], "qemu-system-aarch64");
    for key in ["present", "boots_stock_kernel", "note"] {
        assert!(!v["host"]["kvm"][key].is_null(), "kvm.{key}: {v}");
    }
    assert!(v["host"]["binfmt"]["mounted"].is_boolean());
    let out = ok(&["arch", "host"]);
    assert!(out.starts_with("host:"), "{out}");
    assert!(out.contains("TARGET") && out.contains("NATIVE") && out.contains("EMULATE"));
    assert!(
        out.lines().any(|l| l.starts_with(&format!("{host} "))),
        "{out}"
    );
}

#[test]
fn a_closed_stdout_ends_output_quietly() {
    // The reader is gone before ocix writes, as with `ocix arch list | head`.
    let mut child = Command::new(ocix_bin())
        .args(["arch", "list"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
