//! Preflight in create/run: the entrypoint is checked against the target
//! (`--arch`, annotations, or its own ELF) before any state exists, and a
//! mismatch names both sides.

mod common;

use common::{cached_busybox, make_rootfs_from, prerequisites, text, Bundle};
use ocix_runtime::arch::preflight::preflight;
use ocix_runtime::arch::target::{ARCH_ANNOTATION, VARIANT_ANNOTATION};
use ocix_runtime::arch::TargetSource;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;

fn host_machine() -> String {
    nix::sys::utsname::uname()
        .expect("uname")
        .machine()
        .to_string_lossy()
        .into_owned()
}

/// A busybox bundle running `script`, with the cached busybox of
/// `debian_arch` instead of the host's.
fn foreign(test: &str, debian_arch: &str, script: &str) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    let busybox = cached_busybox(test, debian_arch)?;
    let b = Bundle::sh(script);
    make_rootfs_from(&b.rootfs(), &busybox);
    Some(b)
}

/// `ocix run [extra...] --bundle B id`.
fn run(b: &Bundle, extra: &[&str], id: &str) -> Output {
    let dir = b.dir();
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    args.extend(["--bundle", dir.to_str().expect("utf-8"), id]);
    b.ocix(&args)
}

/// Fails, and the state root holds nothing (not even the container's
/// directory for a moment: preflight runs before it is made).
fn refused(b: &Bundle, out: &Output) -> String {
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "ran: {err}");
    let root = b.root();
    let left: Vec<_> = std::fs::read_dir(&root)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{} holds {left:?}", root.display());
    err
}

#[test]
fn foreign_entrypoint_is_refused_natively_before_any_state() {
    let Some(b) = foreign("foreign_native", "arm64", "true") else {
        return;
    };
    let out = run(&b, &["--backend", "native"], "fn");
    let err = refused(&b, &out);
    assert!(err.contains("aarch64"), "{err}");
    assert!(err.contains(&host_machine()), "{err}");
    assert!(err.contains("--backend emulate"), "no hint: {err}");
}

#[test]
fn soft_float_binary_is_refused_for_a_hard_float_target() {
    let Some(b) = foreign("soft_float", "armel", "true") else {
        return;
    };
    let out = run(&b, &["--arch", "armv7ahf"], "sf");
    let err = refused(&b, &out);
    let want = "ELF 32-bit ARM EABI5 soft-float (armv5te); target armv7ahf needs hard-float";
    assert!(err.contains(want), "{err}");
    assert!(
        err.contains(&b.rootfs().join("bin/busybox").display().to_string()),
        "{err}"
    );
}

#[test]
fn matching_arch_flag_runs_the_host_bundle() {
    if !prerequisites("matching_arch") {
        return;
    }
    let b = Bundle::sh("echo ok");
    let machine = host_machine();
    let out = run(&b, &["--arch", &machine, "--backend", "native"], "ok");
    assert_eq!(text(&out.stdout), "ok\n", "{}", text(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn a_foreign_arch_flag_is_refused_for_a_host_binary() {
    if !prerequisites("foreign_flag") {
        return;
    }
    let b = Bundle::sh("true");
    let out = run(&b, &["--arch", "linux/arm64"], "ff");
    let err = refused(&b, &out);
    assert!(
        err.contains("target aarch64 is a different machine"),
        "{err}"
    );
}

/// The host arch in OCI spelling: `(architecture, variant)`.
fn host_oci() -> (String, Option<String>) {
    let a = ocix_arch_matrix_platform(&host_machine());
    let mut parts = a.splitn(2, '/');
    let arch = parts.next().unwrap_or_default().to_owned();
    (arch, parts.next().map(str::to_owned))
}

fn ocix_arch_matrix_platform(name: &str) -> String {
    let out = std::process::Command::new(common::ocix_bin())
        .args(["arch", "describe", name, "--format", "json"])
        .output()
        .expect("describe");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    v["oci_platform"]
        .as_str()
        .and_then(|p| p.strip_prefix("linux/"))
        .expect("host has an OCI platform")
        .to_owned()
}

#[test]
fn annotations_are_honoured() {
    if !prerequisites("annotations") {
        return;
    }
    let mut b = Bundle::sh("echo annotated");
    b.config["annotations"] = json!({ ARCH_ANNOTATION: "arm64" });
    b.save();
    let err = refused(&b, &run(&b, &[], "an1"));
    assert!(
        err.contains("target aarch64 is a different machine"),
        "{err}"
    );
    // The flag wins over the annotations.
    let machine = host_machine();
    let out = run(&b, &["--arch", &machine], "an2");
    assert_eq!(text(&out.stdout), "annotated\n", "{}", text(&out.stderr));
    let (arch, variant) = host_oci();
    b.config["annotations"] = json!({ ARCH_ANNOTATION: arch });
    if let Some(v) = variant {
        b.config["annotations"][VARIANT_ANNOTATION] = json!(v);
    }
    b.save();
    let out = run(&b, &["--backend", "native"], "an3");
    assert_eq!(text(&out.stdout), "annotated\n", "{}", text(&out.stderr));
}

#[test]
fn annotation_variants_use_oci_spelling() {
    let Some(mut b) = foreign("annotation_variant", "armel", "true") else {
        return;
    };
    b.config["annotations"] = json!({ ARCH_ANNOTATION: "arm", VARIANT_ANNOTATION: "v7" });
    b.save();
    let err = refused(&b, &run(&b, &[], "av1"));
    assert!(err.contains("target armv7ahf needs hard-float"), "{err}");
    b.config["annotations"][VARIANT_ANNOTATION] = json!("v5");
    b.save();
    let err = refused(&b, &run(&b, &["--backend", "native"], "av2"));
    assert!(err.contains("from the bundle's annotations"), "{err}");
    assert!(err.contains("does not run it natively"), "{err}");
}

fn write_exe(path: &std::path::Path, body: &[u8]) {
    std::fs::write(path, body).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn scripts_are_checked_through_their_interpreter() {
    if !prerequisites("scripts") {
        return;
    }
    let mut b = Bundle::sh("unused");
    write_exe(&b.rootfs().join("app.sh"), b"#!/bin/sh\necho script\n");
    b.config["process"]["args"] = json!(["/app.sh"]);
    b.save();
    let out = run(&b, &["--backend", "native"], "sc1");
    assert_eq!(text(&out.stdout), "script\n", "{}", text(&out.stderr));
    write_exe(&b.rootfs().join("app.sh"), b"#!/bin/python3\nprint(1)\n");
    let err = refused(&b, &run(&b, &[], "sc2"));
    assert!(err.contains("interpreter /bin/python3"), "{err}");
    let Some(busybox) = cached_busybox("scripts_foreign", "arm64") else {
        return;
    };
    write_exe(&b.rootfs().join("app.sh"), b"#!/bin/sh\necho script\n");
    make_rootfs_from(&b.rootfs(), &busybox);
    let err = refused(&b, &run(&b, &["--backend", "native"], "sc3"));
    assert!(err.contains("needs aarch64"), "{err}");
}

#[test]
fn a_missing_dynamic_loader_is_named() {
    if !prerequisites("missing_loader") {
        return;
    }
    let host_true = std::path::Path::new("/bin/true");
    let elf = ocix_arch_matrix::elf::inspect_path(host_true).expect("inspect /bin/true");
    let Some(loader) = elf.interpreter else {
        eprintln!("SKIPPED: missing_loader because /bin/true is static here");
        return;
    };
    let mut b = Bundle::sh("unused");
    std::fs::copy(host_true, b.rootfs().join("bin/dyn")).expect("copy");
    b.config["process"]["args"] = json!(["/bin/dyn"]);
    b.save();
    let err = refused(&b, &run(&b, &[], "ld"));
    assert!(err.contains(&loader) && err.contains("lacks"), "{err}");
}

#[test]
fn the_library_reports_where_the_target_came_from() {
    if !prerequisites("preflight_sources") {
        return;
    }
    let mut b = Bundle::sh("true");
    let dir = b.dir();
    let (spec, _) = ocix_runtime::spec::load_bundle(&dir).expect("load");
    let p = preflight(&spec, &dir, None).expect("preflight");
    assert_eq!(p.target_source, TargetSource::Elf);
    assert_eq!(p.binary, b.rootfs().join("bin/busybox"));
    assert!(p.native.runs(), "{:?}", p.native);
    assert!(p.script.is_none());
    let p = preflight(&spec, &dir, Some(&host_machine())).expect("preflight");
    assert_eq!(p.target_source, TargetSource::Flag);
    b.config["annotations"] = json!({ ARCH_ANNOTATION: host_oci().0 });
    b.save();
    let (spec, _) = ocix_runtime::spec::load_bundle(&dir).expect("load");
    let p = preflight(&spec, &dir, None).expect("preflight");
    assert_eq!(p.target_source, TargetSource::Annotation);
}
