//! `process.terminal`: the pty master goes to `--console-socket` with
//! SCM_RIGHTS; a foreground `run` on a terminal relays it itself.

mod common;

use common::{prerequisites, text, Bundle};
use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
use std::io::{IoSliceMut, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::time::{Duration, Instant};

fn receive_master(listener: &UnixListener) -> OwnedFd {
    let (conn, _) = listener.accept().expect("accept console socket");
    let mut buf = [0u8; 256];
    let mut iov = [IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = recvmsg::<()>(
        conn.as_raw_fd(),
        &mut iov,
        Some(&mut space),
        MsgFlags::empty(),
    )
    .expect("recvmsg");
    for c in msg.cmsgs().expect("cmsgs") {
        if let ControlMessageOwned::ScmRights(fds) = c {
            if let Some(fd) = fds.first() {
                // SAFETY: the kernel just gave us this descriptor.
                return unsafe { OwnedFd::from_raw_fd(*fd) };
            }
        }
    }
    panic!("no descriptor received on the console socket");
}

#[test]
fn console_socket_receives_a_working_pty_master() {
    if !prerequisites("console_socket") {
        return;
    }
    let mut b = Bundle::sh("tty; test -c /dev/console && echo console-ok; stty size");
    b.config["process"]["terminal"] = serde_json::json!(true);
    b.config["process"]["consoleSize"] = serde_json::json!({"height": 33, "width": 101});
    b.save();
    let sock = b.tmp.path().join("console.sock");
    let listener = UnixListener::bind(&sock).expect("bind");
    let dir = b.dir();
    let receiver = std::thread::spawn(move || receive_master(&listener));
    let out = b.ocix(&[
        "create",
        "--bundle",
        dir.to_str().expect("utf-8"),
        "--console-socket",
        sock.to_str().expect("utf-8"),
        "tty1",
    ]);
    assert!(out.status.success(), "create: {}", text(&out.stderr));
    let master = receiver.join().expect("receiver thread");
    assert!(b.ocix(&["start", "tty1"]).status.success());
    let mut f = std::fs::File::from(master);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(20);
    // Reading the master ends with EIO once the slave side is closed.
    while let Ok(n) = f.read(&mut buf) {
        if n == 0 || Instant::now() > deadline {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    let t = text(&got);
    assert!(t.contains("/dev/pts/0"), "{t:?}");
    assert!(t.contains("console-ok"), "{t:?}");
    assert!(t.contains("33 101"), "{t:?}");
    let _ = b.ocix(&["delete", "--force", "tty1"]);
    assert!(b.leftovers().is_empty());
}

#[test]
fn terminal_without_console_socket_is_refused_by_create() {
    if !prerequisites("terminal_without_console_socket") {
        return;
    }
    let mut b = Bundle::sh("true");
    b.config["process"]["terminal"] = serde_json::json!(true);
    b.save();
    let dir = b.dir();
    let out = b.ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "tty2"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("console-socket"),
        "{}",
        text(&out.stderr)
    );
    assert!(b.leftovers().is_empty());
}

#[test]
fn run_on_a_terminal_relays_the_pty() {
    if !prerequisites("run_on_a_terminal") {
        return;
    }
    if !std::path::Path::new("/usr/bin/script").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs util-linux's script"
        );
        eprintln!("SKIPPED: run_on_a_terminal because /usr/bin/script is missing");
        return;
    }
    let mut b = Bundle::sh("tty; echo typed=$(head -n1)");
    b.config["process"]["terminal"] = serde_json::json!(true);
    b.save();
    // `script` gives ocix a pty as its stdin/stdout, like a person's shell.
    let cmd = format!(
        "{} --root {} run --bundle {} ttyrun",
        common::ocix_bin(),
        b.root().display(),
        b.dir().display()
    );
    let out = std::process::Command::new("script")
        .args(["-qfec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            if let Some(mut i) = c.stdin.take() {
                i.write_all(b"hello-pty\n")?;
            }
            c.wait_with_output()
        })
        .expect("script");
    let t = text(&out.stdout);
    assert!(t.contains("/dev/pts/0"), "{t:?} {}", text(&out.stderr));
    assert!(t.contains("typed=hello-pty"), "{t:?}");
    assert_eq!(out.status.code(), Some(0));
    assert!(b.leftovers().is_empty());
}
