//! Hooks run at their points, in order, with the state on stdin; failing
//! create-time hooks fail create and leave nothing behind.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A hook script that appends "<name> <status>" (status parsed from the
/// state on stdin) to `log`.
fn write_hook(path: &Path, name: &str, log: &str) {
    let script = format!(
        "#!/bin/sh\nstatus=$(cat | sed -n 's/.*\"status\": *\"\\([a-z]*\\)\".*/\\1/p')\necho \"{name} $status\" >> {log}\n"
    );
    fs::write(path, script).expect("write hook");
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod hook");
}

#[test]
fn every_hook_kind_runs_in_order_with_the_state() {
    if !prerequisites("every_hook_kind_runs_in_order") {
        return;
    }
    let mut b = Bundle::sh("echo main >> /shared/log");
    b.share();
    let host_log = b.shared().join("log");
    let host_log_s = host_log.display().to_string();
    let hooks_dir = b.tmp.path().join("hooks");
    fs::create_dir_all(&hooks_dir).expect("mkdir");
    let mut hooks = serde_json::Map::new();
    for kind in [
        "prestart",
        "createRuntime",
        "createContainer",
        "poststart",
        "poststop",
    ] {
        let p = hooks_dir.join(kind);
        write_hook(&p, kind, &host_log_s);
        hooks.insert(kind.into(), json!([{"path": p.display().to_string()}]));
    }
    // startContainer runs inside the container: its path and log are
    // container paths.
    write_hook(
        &b.rootfs().join("start-hook"),
        "startContainer",
        "/shared/log",
    );
    hooks.insert("startContainer".into(), json!([{"path": "/start-hook"}]));
    b.config["hooks"] = serde_json::Value::Object(hooks);
    b.save();
    let out = b.run("hooked");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = fs::read_to_string(&host_log).expect("hook log");
    let want = "prestart creating\ncreateRuntime creating\ncreateContainer creating\n\
                startContainer creating\nmain\npoststart running\npoststop stopped\n";
    // poststart runs after the program started, concurrently with it.
    let mut got: Vec<&str> = log.lines().collect();
    let mut expected: Vec<&str> = want.lines().collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "log:\n{log}");
    let order: Vec<&str> = log
        .lines()
        .filter(|l| *l != "main" && !l.starts_with("poststart"))
        .collect();
    assert_eq!(
        order,
        [
            "prestart creating",
            "createRuntime creating",
            "createContainer creating",
            "startContainer creating",
            "poststop stopped"
        ]
    );
}

#[test]
fn hook_args_and_env_are_passed() {
    if !prerequisites("hook_args_and_env_are_passed") {
        return;
    }
    let mut b = Bundle::sh("true");
    let log = b.tmp.path().join("args.log");
    b.config["hooks"] = json!({"createRuntime": [{
        "path": "/bin/sh",
        "args": ["sh", "-c", format!("echo \"$0|$1|$HOOKVAR|$HOME\" > {}", log.display()), "zero", "one"],
        "env": ["HOOKVAR=set"]
    }]});
    b.save();
    assert_eq!(b.run("args").status.code(), Some(0));
    // Only the hook's own env: ocix's HOME does not leak in.
    assert_eq!(fs::read_to_string(&log).expect("log"), "zero|one|set|\n");
}

fn failing_hook_leaves_nothing(kind: &str) {
    let mut b = Bundle::sh("echo should-not-run");
    let marker = b.tmp.path().join("poststop-ran");
    b.config["hooks"] = json!({
        kind: [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}],
        "poststop": [{"path": "/bin/sh", "args": ["sh", "-c", format!("touch {}", marker.display())]}]
    });
    b.save();
    let out = b.run("failhook");
    assert_ne!(out.status.code(), Some(0));
    assert!(!text(&out.stdout).contains("should-not-run"));
    assert!(text(&out.stderr).contains(kind), "{}", text(&out.stderr));
    assert!(b.leftovers().is_empty(), "left {:?}", b.leftovers());
}

#[test]
fn failing_prestart_hook_fails_create_and_leaves_nothing() {
    if prerequisites("failing_prestart_hook") {
        failing_hook_leaves_nothing("prestart");
    }
}

#[test]
fn failing_create_runtime_hook_fails_create_and_leaves_nothing() {
    if prerequisites("failing_create_runtime_hook") {
        failing_hook_leaves_nothing("createRuntime");
    }
}

#[test]
fn hook_timeout_fails_create() {
    if !prerequisites("hook_timeout_fails_create") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["hooks"] = json!({"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "sleep 60"], "timeout": 1}]});
    b.save();
    let out = b.run("slowhook");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("timed out"),
        "{}",
        text(&out.stderr)
    );
    assert!(b.leftovers().is_empty());
}
