//! `exec` joins a running container: same pid namespace, hostname, root;
//! exit codes come back; a terminal can go to a console socket.

mod common;

use common::{prerequisites, text, Bundle};
use std::time::{Duration, Instant};

/// A running container whose init is `sleep 1000`.
fn running(test: &str, id: &str) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    let mut b = Bundle::sh("exec sleep 1000");
    b.config["hostname"] = serde_json::json!("exec-box");
    b.save();
    let dir = b.dir();
    let out = b.ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), id]);
    assert!(out.status.success(), "create: {}", text(&out.stderr));
    assert!(b.ocix(&["start", id]).status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&b.ocix(&["state", id]).stdout).contains("\"running\"") {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(b)
}

#[test]
fn exec_sees_the_container_pid_namespace_and_hostname() {
    let Some(b) = running("exec_namespaces", "ex1") else {
        return;
    };
    let out = b.ocix(&[
        "exec",
        "ex1",
        "sh",
        "-c",
        "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let t = text(&out.stdout);
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.first(), Some(&"exec-box"), "{t}");
    assert_eq!(lines.get(1).map(|l| l.trim()), Some("sleep 1000"), "{t}");
    // Not pid 1: init is; a small pid in the container's namespace.
    let pid: i32 = lines.get(2).and_then(|l| l.parse().ok()).unwrap_or(0);
    assert!(pid > 1 && pid < 100, "{t}");
    assert!(b.ocix(&["delete", "--force", "ex1"]).status.success());
    assert!(b.leftovers().is_empty());
}

#[test]
fn exec_returns_the_exit_code_and_applies_flags() {
    let Some(b) = running("exec_flags", "ex2") else {
        return;
    };
    let out = b.ocix(&[
        "exec",
        "--user",
        "1000:1000",
        "--env",
        "X=y",
        "--cwd",
        "/tmp",
        "ex2",
        "sh",
        "-c",
        "id -u; echo $X; pwd; exit 9",
    ]);
    assert_eq!(out.status.code(), Some(9), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "1000\ny\n/tmp\n");
    assert!(b.ocix(&["delete", "--force", "ex2"]).status.success());
}

#[test]
fn exec_into_a_stopped_container_fails() {
    if !prerequisites("exec_stopped") {
        return;
    }
    let b = Bundle::sh("true");
    let dir = b.dir();
    assert!(b
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "ex3"])
        .status
        .success());
    assert!(b.ocix(&["start", "ex3"]).status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while !text(&b.ocix(&["state", "ex3"]).stdout).contains("\"stopped\"") {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = b.ocix(&["exec", "ex3", "true"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("stopped"),
        "{}",
        text(&out.stderr)
    );
    assert!(b.ocix(&["delete", "ex3"]).status.success());
}

#[test]
fn exec_with_process_file() {
    let Some(b) = running("exec_process_file", "ex4") else {
        return;
    };
    let file = b.tmp.path().join("process.json");
    std::fs::write(
        &file,
        r#"{"user":{"uid":0,"gid":0},"cwd":"/","env":["PATH=/bin","A=b"],"args":["sh","-c","echo $A"]}"#,
    )
    .expect("write");
    let out = b.ocix(&["exec", "--process", file.to_str().expect("utf-8"), "ex4"]);
    assert_eq!(text(&out.stdout), "b\n", "{}", text(&out.stderr));
    std::fs::write(&file, r#"{"user":{"uid":0,"gid":0},"cwd":"/","args":"sh"}"#).expect("write");
    let out = b.ocix(&["exec", "--process", file.to_str().expect("utf-8"), "ex4"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("args"), "{}", text(&out.stderr));
    assert!(b.ocix(&["delete", "--force", "ex4"]).status.success());
}

#[test]
fn exec_tty_goes_to_the_console_socket() {
    use std::io::Read;
    use std::os::unix::net::UnixListener;
    let Some(b) = running("exec_tty", "ex5") else {
        return;
    };
    let sock = b.tmp.path().join("exec-console.sock");
    let listener = UnixListener::bind(&sock).expect("bind");
    let receiver = std::thread::spawn(move || common::receive_fd(&listener));
    let out = b.ocix(&[
        "exec",
        "--tty",
        "--detach",
        "--console-socket",
        sock.to_str().expect("utf-8"),
        "ex5",
        "sh",
        "-c",
        "tty; echo tty-ok",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut master = std::fs::File::from(receiver.join().expect("receiver"));
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while let Ok(n) = master.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        if text(&got).contains("tty-ok") {
            break;
        }
    }
    let t = text(&got);
    assert!(t.contains("/dev/pts/") && t.contains("tty-ok"), "{t:?}");
    assert!(b.ocix(&["delete", "--force", "ex5"]).status.success());
}
