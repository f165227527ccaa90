//! `ocix images fetch|build` on a terminal: the recipe's step lines stay,
//! its other output goes to a log, a status line shows progress, and a
//! failure prints the end of the log. Off a terminal the output passes
//! through. The recipes are fakes (`OCIX_IMAGES`), the terminal is
//! util-linux's `script`.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

const FAKE_FETCH: &str = r#"#!/bin/sh
echo "fetch: $1: downloading"
i=0; while [ $i -lt 30 ]; do echo "noise line $i"; i=$((i+1)); done
sleep 0.3
echo "fetch: $1: unpacking" >&2
echo "more noise" >&2
[ -n "$FAIL" ] && { echo "E: it broke"; exit 3; }
echo "fetch: $1: done"
"#;

/// A recipes dir with the fake fetch, and a cache dir, under `dir`.
fn fake_images(dir: &Path) {
    let kernels = dir.join("images/kernels");
    std::fs::create_dir_all(&kernels).expect("mkdir");
    let fetch = kernels.join("fetch");
    std::fs::write(&fetch, FAKE_FETCH).expect("write fetch");
    std::fs::set_permissions(&fetch, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// `ocix images fetch armv7ahf`, on a terminal or not.
fn fetch(dir: &Path, terminal: bool, fail: bool) -> Output {
    let mut cmd = if terminal {
        let mut c = Command::new("script");
        c.args([
            "-qec",
            &format!("{} images fetch armv7ahf", common::ocix_bin()),
        ])
        .arg("/dev/null");
        c
    } else {
        let mut c = Command::new(common::ocix_bin());
        c.args(["images", "fetch", "armv7ahf"]);
        c
    };
    cmd.env("OCIX_IMAGES", dir.join("images"))
        .env("OCIX_CACHE", dir.join("cache"));
    if fail {
        cmd.env("FAIL", "1");
    }
    cmd.output().expect("run")
}

fn script_here(test: &str) -> bool {
    if Command::new("script").arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: needs util-linux's script, which CI must provide");
    }
    eprintln!("SKIPPED: {test} because util-linux's script is missing");
    false
}

#[test]
fn a_terminal_shows_steps_and_a_status_line_and_logs_the_rest() {
    if !script_here("a_terminal_shows_steps_and_a_status_line_and_logs_the_rest") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    fake_images(dir.path());
    let out = fetch(dir.path(), true, false);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for step in ["downloading", "unpacking", "done"] {
        assert!(text.contains(&format!("fetch: armv7: {step}")), "{text}");
    }
    assert!(text.contains("\r\x1b[2K"), "no status line redraw: {text}");
    assert!(text.contains("fetch armv7 · 0:0"), "no status line: {text}");
    assert!(text.contains("fetch armv7: done in 0:0"), "{text}");
    assert!(
        !text.contains("noise line"),
        "noise reached the terminal: {text}"
    );
    let log = dir.path().join("cache/logs/images-fetch-armv7.log");
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("noise line 29\n"), "{logged}");
    assert!(
        logged.contains("more noise\n"),
        "stderr not logged: {logged}"
    );
}

#[test]
fn a_failure_on_a_terminal_prints_the_end_of_the_log() {
    if !script_here("a_failure_on_a_terminal_prints_the_end_of_the_log") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    fake_images(dir.path());
    let out = fetch(dir.path(), true, true);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("fetch armv7: failed after 0:0"), "{text}");
    assert!(text.contains("  E: it broke"), "{text}");
    assert!(text.contains("  noise line 29"), "{text}");
    assert!(
        !text.contains("  noise line 0\r"),
        "more than the tail: {text}"
    );
    assert!(text.contains("images-fetch-armv7.log"), "{text}");
    assert!(text.contains("failed (exit status: 3)"), "{text}");
}

#[test]
fn off_a_terminal_the_output_passes_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    fake_images(dir.path());
    let out = fetch(dir.path(), false, false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("noise line 29\n"), "{stdout}");
    assert!(stderr.contains("fetch: armv7: unpacking\n"), "{stderr}");
    assert!(!stderr.contains("\x1b[2K"), "{stderr}");
    assert!(!dir.path().join("cache/logs").exists());
}

/// A guest as `images list` names it, or an arch in any spelling, picks
/// the recipe's key; an unknown name is refused with the nearest names.
#[test]
fn a_guest_is_named_as_listed_or_in_any_spelling() {
    let dir = tempfile::tempdir().expect("tempdir");
    fake_images(dir.path());
    for (name, key) in [
        ("armv7", "armv7"),
        ("armhf", "armv7"),
        ("mips", "mips"),
        ("mips32r2el-74kc", "mipsel"),
    ] {
        let out = Command::new(common::ocix_bin())
            .args(["images", "fetch", name])
            .env("OCIX_IMAGES", dir.path().join("images"))
            .env("OCIX_CACHE", dir.path().join("cache"))
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}");
        assert!(
            stdout.contains(&format!("fetch: {key}: done")),
            "{name}: {stdout}"
        );
    }
    let out = Command::new(common::ocix_bin())
        .args(["images", "fetch", "armv8"])
        .env("OCIX_IMAGES", dir.path().join("images"))
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unknown architecture \"armv8\"; did you mean armv8l"),
        "{stderr}"
    );
}
