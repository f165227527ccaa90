//! Attacks on the runtime from inside a container, and what stops them.

mod common;

use common::{prerequisites, text, Bundle};
use std::os::unix::fs::MetadataExt;

/// CVE-2019-5736: a container reaching the runtime's binary through
/// /proc/<pid>/exe of an ocix process in its namespaces must find a sealed
/// copy, not the host's file.
#[test]
fn runtime_binary_is_not_reachable_through_proc_exe() {
    if !prerequisites("runtime_binary_sealed") {
        return;
    }
    let b = Bundle::sh("sleep 100");
    let dir = b.dir();
    assert!(b
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "sealed"])
        .status
        .success());
    let st: serde_json::Value =
        serde_json::from_slice(&b.ocix(&["state", "sealed"]).stdout).expect("state");
    let pid = st["pid"].as_i64().expect("pid");
    // The container's init is still ocix until `start`.
    let exe = format!("/proc/{pid}/exe");
    let host = std::fs::metadata(common::ocix_bin()).expect("host binary");
    let seen = std::fs::metadata(&exe).expect("init exe");
    assert!(
        (seen.dev(), seen.ino()) != (host.dev(), host.ino()),
        "init runs the host's ocix binary itself ({})",
        std::fs::read_link(&exe)
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    );
    // And the copy refuses writes.
    let w = std::fs::OpenOptions::new()
        .write(true)
        .open(&exe)
        .and_then(|mut f| {
            use std::io::Write;
            f.write_all(b"pwned")
        });
    assert!(w.is_err(), "wrote into the runtime's binary through {exe}");
    assert!(b.ocix(&["delete", "--force", "sealed"]).status.success());
}

/// CVE-2024-21626: a cwd naming a descriptor that ocix inherited must not
/// put the process outside its rootfs.
#[test]
fn cwd_through_a_leaked_descriptor_is_refused() {
    use std::os::unix::process::CommandExt;
    if !prerequisites("cwd_leaked_fd") {
        return;
    }
    let mut b = Bundle::sh("pwd; ls /proc/self/cwd/ | head -3");
    b.config["process"]["cwd"] = serde_json::json!("/proc/self/fd/7");
    b.save();
    let host_dir = std::fs::File::open("/etc").expect("open /etc");
    let fd = std::os::fd::AsRawFd::as_raw_fd(&host_dir);
    let mut cmd = std::process::Command::new(common::ocix_bin());
    cmd.arg("--root").arg(b.root()).args([
        "run",
        "--bundle",
        b.dir().to_str().expect("utf-8"),
        "cwdleak",
    ]);
    // SAFETY: dup2 in the child before exec; async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            // dup2 onto itself would keep close-on-exec: clear it.
            let r = if fd == 7 {
                libc::fcntl(fd, libc::F_SETFD, 0)
            } else {
                libc::dup2(fd, 7)
            };
            if r < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("run");
    assert_ne!(
        out.status.code(),
        Some(0),
        "started in a host directory: {}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stdout).contains("passwd"),
        "{}",
        text(&out.stdout)
    );
    assert!(b.leftovers().is_empty());
}

#[test]
fn state_root_that_is_a_symlink_is_refused() {
    if !prerequisites("state_root_symlink") {
        return;
    }
    let b = Bundle::sh("true");
    let elsewhere = b.tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).expect("mkdir");
    std::os::unix::fs::symlink(&elsewhere, b.root()).expect("symlink");
    let out = b.run("viasymlink");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains("symlink"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(&elsewhere).expect("read").count(), 0);
}

#[test]
fn state_directories_are_private() {
    use std::os::unix::fs::PermissionsExt;
    if !prerequisites("state_dirs_0700") {
        return;
    }
    let b = Bundle::sh("sleep 100");
    let dir = b.dir();
    assert!(b
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "priv"])
        .status
        .success());
    for p in [b.root(), b.root().join("priv")] {
        let mode = std::fs::metadata(&p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", p.display());
    }
    assert!(b.ocix(&["delete", "--force", "priv"]).status.success());
}
