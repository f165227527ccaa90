//! Bad bundles and ids: each fails with a message naming the problem and
//! leaves nothing under `--root`.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;

fn fails_cleanly(b: &Bundle, id: &str, needle: &str) {
    let out = b.run(id);
    let err = text(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{id}: should fail");
    assert!(
        err.contains(needle),
        "{id}: message {err:?} lacks {needle:?}"
    );
    assert!(b.leftovers().is_empty(), "{id}: left {:?}", b.leftovers());
}

#[test]
fn json_syntax_error_names_file_line_and_column() {
    if !prerequisites("json_syntax_error") {
        return;
    }
    let b = Bundle::sh("true");
    std::fs::write(
        b.dir().join("config.json"),
        "{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {,\n}\n",
    )
    .expect("write");
    fails_cleanly(&b, "syntax", "config.json:3:");
}

#[test]
fn missing_process_args_is_named() {
    if !prerequisites("missing_process_args") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["process"]
        .as_object_mut()
        .expect("process")
        .remove("args");
    b.save();
    fails_cleanly(&b, "noargs", "process.args");
}

#[test]
fn mount_without_destination_is_named() {
    if !prerequisites("mount_without_destination") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.add_mount(json!({"type": "tmpfs", "source": "tmpfs"}));
    let n = b.config["mounts"]
        .as_array()
        .map(|m| m.len() - 1)
        .unwrap_or(0);
    fails_cleanly(&b, "nodest", &format!("mounts[{n}]"));
    fails_cleanly(&b, "nodest", "destination");
}

#[test]
fn unsupported_major_version_is_refused() {
    if !prerequisites("unsupported_major_version") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["ociVersion"] = json!("2.0.0");
    b.save();
    fails_cleanly(&b, "v2", "ociVersion");
}

#[test]
fn nonexistent_root_path_is_named() {
    if !prerequisites("nonexistent_root_path") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["root"]["path"] = json!("no-such-rootfs");
    b.save();
    fails_cleanly(&b, "noroot", "root.path");
}

#[test]
fn id_with_a_slash_is_refused() {
    if !prerequisites("id_with_a_slash") {
        return;
    }
    let b = Bundle::sh("true");
    let dir = b.dir();
    let out = b.ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "a/b"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("a/b"), "{}", text(&out.stderr));
    assert!(b.leftovers().is_empty());
}

#[test]
fn duplicate_id_is_refused_and_the_first_survives() {
    if !prerequisites("duplicate_id") {
        return;
    }
    let b = Bundle::sh("sleep 100");
    let dir = b.dir();
    let dir = dir.to_str().expect("utf-8");
    assert!(b.ocix(&["create", "--bundle", dir, "dup"]).status.success());
    let out = b.ocix(&["create", "--bundle", dir, "dup"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already exists"),
        "{}",
        text(&out.stderr)
    );
    let st = b.ocix(&["state", "dup"]);
    assert!(
        text(&st.stdout).contains("\"created\""),
        "first container damaged"
    );
    assert!(b.ocix(&["delete", "--force", "dup"]).status.success());
    assert!(b.leftovers().is_empty());
}

#[test]
fn relative_mount_destination_is_accepted_with_a_warning() {
    if !prerequisites("relative_mount_destination") {
        return;
    }
    let mut b = Bundle::sh("grep -c ' /reltmp ' /proc/self/mounts");
    b.add_mount(json!({"destination": "reltmp", "type": "tmpfs", "source": "tmpfs"}));
    let out = b.run("rel");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1\n");
    assert!(
        text(&out.stderr).contains("relative"),
        "no warning: {}",
        text(&out.stderr)
    );
}

#[test]
fn failing_program_lookup_leaves_nothing() {
    if !prerequisites("failing_program_lookup") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["process"]["args"] = json!(["/no/such/program"]);
    b.save();
    fails_cleanly(&b, "noprog", "/no/such/program");
}
