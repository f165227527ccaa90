//! `create`/`run --verify-digest`: a bundle of the expected digest runs;
//! any other is refused before anything is created, with both digests
//! named; a malformed value is a usage error naming the flag.

mod common;

use common::{prerequisites, text, Bundle};
use ocix_runtime::digest::{digest_bundle, Algorithm, Options, BUNDLE_MANIFEST};
use std::fs;

fn digest_of(b: &Bundle, algorithm: Algorithm) -> String {
    let options = Options {
        algorithm,
        ..Options::default()
    };
    digest_bundle(&b.dir(), &options)
        .expect("digest")
        .digest
        .to_string()
}

fn dir(b: &Bundle) -> String {
    b.dir().to_str().expect("utf-8 path").to_string()
}

/// No container listed and nothing under the state root.
fn assert_no_state(b: &Bundle, what: &str) {
    let out = b.ocix(&["list", "-q"]);
    assert!(out.status.success(), "{what}: list: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "{what}: containers listed");
    assert_eq!(b.leftovers(), Vec::<String>::new(), "{what}: state left");
}

/// Changes one byte of `path` in place: same size, other content.
fn flip_one_byte(path: &std::path::Path) {
    let mut bytes = fs::read(path).expect("read");
    let last = bytes.last_mut().expect("a non-empty file");
    *last ^= 0x20;
    fs::write(path, bytes).expect("write");
}

#[test]
fn run_verify_digest_runs_a_matching_bundle() {
    if !prerequisites("run_verify_digest_runs_a_matching_bundle") {
        return;
    }
    let b = Bundle::sh("echo verified-run");
    let digest = digest_of(&b, Algorithm::Sha256);
    let out = b.ocix(&[
        "run",
        "--verify-digest",
        &digest,
        "--bundle",
        &dir(&b),
        "ok",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "verified-run\n");
    assert_no_state(&b, "after run");

    // create takes it too, and sha512.
    let digest = digest_of(&b, Algorithm::Sha512);
    let out = b.ocix(&[
        "create",
        "--verify-digest",
        &digest,
        "--bundle",
        &dir(&b),
        "c",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = b.ocix(&["list", "-q"]);
    assert_eq!(text(&out.stdout), "c\n");
    let out = b.ocix(&["delete", "--force", "c"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn run_verify_digest_refuses_a_tampered_bundle_and_leaves_no_state() {
    if !prerequisites("run_verify_digest_refuses_a_tampered_bundle_and_leaves_no_state") {
        return;
    }
    let b = Bundle::sh("echo must-not-run");
    let expected = digest_of(&b, Algorithm::Sha256);
    flip_one_byte(&b.rootfs().join("etc/passwd"));
    let actual = digest_of(&b, Algorithm::Sha256);
    assert_ne!(expected, actual);
    for verb in ["run", "create"] {
        let out = b.ocix(&[
            verb,
            "--verify-digest",
            &expected,
            "--bundle",
            &dir(&b),
            "t",
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{verb}: {stderr}");
        assert_eq!(text(&out.stdout), "", "{verb}: the container ran");
        assert!(
            stderr.contains(&format!("expected {expected}, found {actual}")),
            "{verb}: {stderr}"
        );
        assert_no_state(&b, verb);
    }

    // With the bundle's own manifest of the expected digest, the error
    // also names the path and the attribute that differ.
    let c = Bundle::sh("true");
    let manifest = c.dir().join(BUNDLE_MANIFEST);
    fs::create_dir_all(manifest.parent().expect("parent")).expect("mkdir");
    let found = digest_bundle(&c.dir(), &Options::default()).expect("digest");
    found
        .manifest
        .write_file(&manifest)
        .expect("write manifest");
    flip_one_byte(&c.rootfs().join("etc/group"));
    let out = c.ocix(&[
        "run",
        "--verify-digest",
        &found.digest.to_string(),
        "--bundle",
        &dir(&c),
        "t",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("changed rootfs/etc/group: content"),
        "{stderr}"
    );
    assert_no_state(&c, "with a manifest");
}

#[test]
fn malformed_verify_digest_names_the_flag() {
    if !prerequisites("malformed_verify_digest_names_the_flag") {
        return;
    }
    let b = Bundle::sh("true");
    for (value, says) in [
        ("sha256:zz", "malformed digest"),
        ("abc", "malformed digest"),
        (
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            "unsupported digest algorithm",
        ),
    ] {
        let out = b.ocix(&["run", "--verify-digest", value, "--bundle", &dir(&b), "m"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {stderr}");
        assert!(
            stderr.contains("--verify-digest") && stderr.contains(says),
            "{value}: {stderr}"
        );
        assert_no_state(&b, value);
    }
}
