//! SIGKILL of ocix at any point of create, start or delete never leaves
//! what `delete --force` cannot clean; `list` shows the remains stopped.

mod common;

use common::{prerequisites, text, Bundle};
use std::process::{Command, Stdio};

fn ocix_with_fault(b: &Bundle, fault: &str, args: &[&str]) -> std::process::ExitStatus {
    Command::new(common::ocix_bin())
        .env("OCIX_FAULT", fault)
        .arg("--root")
        .arg(b.root())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn ocix")
}

fn list_status(b: &Bundle, id: &str) -> String {
    let v: Vec<serde_json::Value> =
        serde_json::from_slice(&b.ocix(&["list", "--format", "json"]).stdout).expect("list JSON");
    v.iter()
        .find(|c| c["id"] == id)
        .and_then(|c| c["status"].as_str().map(String::from))
        .unwrap_or_else(|| "absent".into())
}

/// Processes whose command line mentions `marker` (the container's own).
fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| {
                    std::fs::read(e.path().join("cmdline"))
                        .map(|c| String::from_utf8_lossy(&c).contains(marker))
                        .unwrap_or(false)
                })
                .count()
        })
        .unwrap_or(0)
}

fn crash_then_clean(fault: &str, verb: &str) {
    let marker = format!("sleep 4242{}", fault.len());
    let b = Bundle::sh(&format!("exec {marker}"));
    let dir = b.dir();
    let dir = dir.to_str().expect("utf-8");
    let id = "crashy";
    let status = match verb {
        "create" => ocix_with_fault(&b, fault, &["create", "--bundle", dir, id]),
        "start" => {
            assert!(b.ocix(&["create", "--bundle", dir, id]).status.success());
            ocix_with_fault(&b, fault, &["start", id])
        }
        _ => {
            assert!(b.ocix(&["create", "--bundle", dir, id]).status.success());
            assert!(b.ocix(&["start", id]).status.success());
            ocix_with_fault(&b, fault, &["delete", "--force", id])
        }
    };
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "{fault}: ocix did not die there");
    let st = list_status(&b, id);
    if verb == "create" {
        assert_eq!(st, "stopped", "{fault}: list shows {st}");
    }
    let out = b.ocix(&["delete", "--force", id]);
    assert!(
        out.status.success(),
        "{fault}: delete --force failed: {}",
        text(&out.stderr)
    );
    assert!(
        b.leftovers().is_empty(),
        "{fault}: left {:?}",
        b.leftovers()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while processes_with(&marker) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{fault}: container process survived"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn sigkill_during_create_start_delete_leaves_nothing_after_delete_force() {
    if !prerequisites("crash_safety") {
        return;
    }
    for fault in [
        "create:after-mkdir",
        "create:after-fork",
        "create:after-init-pid",
        "create:before-created",
    ] {
        crash_then_clean(fault, "create");
    }
    crash_then_clean("start:after-release", "start");
    crash_then_clean("delete:after-kill", "delete");
}
