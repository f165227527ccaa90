//! The runtime-spec lifecycle through the CLI: run, create/start/state/
//! kill/delete/list, exit codes.

mod common;

use common::{prerequisites, text, Bundle};
use std::time::{Duration, Instant};

#[test]
fn run_prints_output_and_exits_with_its_code() {
    if !prerequisites("run_prints_output_and_exits_with_its_code") {
        return;
    }
    let b = Bundle::sh("echo hello; echo oops >&2; exit 7");
    let out = b.run("exit7");
    assert_eq!(text(&out.stdout), "hello\n");
    assert_eq!(text(&out.stderr), "oops\n");
    assert_eq!(out.status.code(), Some(7));
    assert!(b.leftovers().is_empty(), "state left: {:?}", b.leftovers());
}

#[test]
fn run_reports_death_by_signal_as_128_plus_n() {
    if !prerequisites("run_reports_death_by_signal_as_128_plus_n") {
        return;
    }
    // pid 1 of a pid namespace cannot SIGKILL itself: kill from outside.
    let b = Bundle::sh("sleep 1000");
    let dir = b.dir();
    let mut run = std::process::Command::new(common::ocix_bin())
        .arg("--root")
        .arg(b.root())
        .args(["run", "--bundle", dir.to_str().expect("utf-8"), "killed"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn ocix run");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = b.ocix(&["state", "killed"]);
        if text(&out.stdout).contains("\"running\"") {
            break;
        }
        assert!(Instant::now() < deadline, "container never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = b.ocix(&["kill", "killed", "9"]);
    assert!(out.status.success(), "kill failed: {}", text(&out.stderr));
    let status = run.wait().expect("wait ocix run");
    assert_eq!(status.code(), Some(137));
    assert!(b.leftovers().is_empty(), "state left: {:?}", b.leftovers());
}

#[test]
fn run_accepts_a_bundle_directory_as_positional() {
    if !prerequisites("run_accepts_a_bundle_directory_as_positional") {
        return;
    }
    let b = Bundle::sh("echo from-bundle");
    let dir = b.dir();
    let out = b.ocix(&["run", dir.to_str().expect("utf-8")]);
    assert_eq!(
        text(&out.stdout),
        "from-bundle\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

fn state_of(b: &Bundle, id: &str) -> serde_json::Value {
    let out = b.ocix(&["state", id]);
    assert!(out.status.success(), "state failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("state JSON")
}

fn list_status(b: &Bundle, id: &str) -> String {
    let out = b.ocix(&["list", "--format", "json"]);
    assert!(out.status.success(), "list failed: {}", text(&out.stderr));
    let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("list JSON");
    v.iter()
        .find(|c| c["id"] == id)
        .map(|c| c["status"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| "absent".into())
}

#[test]
fn create_start_state_delete_walk_the_lifecycle() {
    if !prerequisites("create_start_state_delete_walk_the_lifecycle") {
        return;
    }
    let mut b = Bundle::sh("while [ ! -e /shared/go ]; do sleep 0.05; done");
    b.share();
    let dir = b.dir();
    let out = b.ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "life"]);
    assert!(out.status.success(), "create failed: {}", text(&out.stderr));

    let s = state_of(&b, "life");
    assert_eq!(s["status"], "created");
    assert_eq!(s["id"], "life");
    assert!(s["pid"].as_i64().unwrap_or(0) > 0, "no pid: {s}");
    assert_eq!(s["bundle"], dir.to_str().expect("utf-8"));
    assert!(s["created"].as_str().is_some_and(|c| c.ends_with('Z')));
    assert_eq!(list_status(&b, "life"), "created");

    // As runc, delete of a created container kills and removes it.
    let out = b.ocix(&["delete", "life"]);
    assert!(out.status.success(), "delete failed: {}", text(&out.stderr));
    assert_eq!(list_status(&b, "life"), "absent");
    let out = b.ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "life"]);
    assert!(out.status.success(), "create failed: {}", text(&out.stderr));

    let out = b.ocix(&["start", "life"]);
    assert!(out.status.success(), "start failed: {}", text(&out.stderr));
    assert_eq!(state_of(&b, "life")["status"], "running");
    assert_eq!(list_status(&b, "life"), "running");

    let out = b.ocix(&["delete", "life"]);
    assert!(
        !out.status.success(),
        "delete of a running container must fail"
    );
    assert!(
        text(&out.stderr).contains("running"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(b.shared().join("go"), "").expect("release the container");
    let deadline = Instant::now() + Duration::from_secs(30);
    while state_of(&b, "life")["status"] != "stopped" {
        assert!(Instant::now() < deadline, "container never stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(list_status(&b, "life"), "stopped");
    let out = b.ocix(&["delete", "life"]);
    assert!(out.status.success(), "delete failed: {}", text(&out.stderr));
    assert_eq!(list_status(&b, "life"), "absent");
    assert!(b.leftovers().is_empty());
}

#[test]
fn kill_stops_a_running_container() {
    if !prerequisites("kill_stops_a_running_container") {
        return;
    }
    let b = Bundle::sh("sleep 1000");
    let dir = b.dir();
    assert!(b
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "k"])
        .status
        .success());
    assert!(b.ocix(&["start", "k"]).status.success());
    let out = b.ocix(&["kill", "k", "KILL"]);
    assert!(out.status.success(), "kill failed: {}", text(&out.stderr));
    let deadline = Instant::now() + Duration::from_secs(30);
    while state_of(&b, "k")["status"] != "stopped" {
        assert!(Instant::now() < deadline, "container survived SIGKILL");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(b.ocix(&["delete", "k"]).status.success());
}

#[test]
fn pid_file_holds_the_container_pid() {
    if !prerequisites("pid_file_holds_the_container_pid") {
        return;
    }
    let b = Bundle::sh("true");
    let dir = b.dir();
    let pid_file = b.tmp.path().join("pid");
    let out = b.ocix(&[
        "create",
        "--bundle",
        dir.to_str().expect("utf-8"),
        "--pid-file",
        pid_file.to_str().expect("utf-8"),
        "p",
    ]);
    assert!(out.status.success(), "create failed: {}", text(&out.stderr));
    let pid: i64 = std::fs::read_to_string(&pid_file)
        .expect("pid file")
        .trim()
        .parse()
        .expect("number");
    assert_eq!(state_of(&b, "p")["pid"].as_i64(), Some(pid));
    assert!(b.ocix(&["delete", "--force", "p"]).status.success());
    assert!(b.leftovers().is_empty());
}

#[test]
fn version_names_runtime_and_spec() {
    let out = std::process::Command::new(common::ocix_bin())
        .arg("--version")
        .output()
        .expect("run");
    let t = text(&out.stdout);
    assert!(t.starts_with("ocix version "), "{t}");
    assert!(t.contains("\ncommit: "), "{t}");
    assert!(t.contains("\nspec: 1.2"), "{t}");
}
