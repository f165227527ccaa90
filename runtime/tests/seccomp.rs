//! seccomp profiles applied to busybox containers: errno actions, a kill,
//! an argument comparison, a notify listener that answers for the
//! container, and the architecture checks (i386 on x86_64, emulation).

mod common;

use common::{cached_busybox, make_rootfs_from, prerequisites, text, Bundle};
use serde_json::{json, Value};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixListener;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// SIGSYS is 31 on x86, arm, ppc, s390 and riscv (12 on mips).
const SIGSYS_EXIT: i32 = 128 + libc::SIGSYS;

fn bundle(test: &str, script: &str, seccomp: Value) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    let mut b = Bundle::sh(script);
    b.config["linux"]["seccomp"] = seccomp;
    b.config["root"]["readonly"] = json!(false);
    // A SIGSYS death would otherwise try to dump core into the rootfs.
    b.config["process"]["rlimits"] = json!([
        {"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]);
    b.save();
    Some(b)
}

fn both(out: &Output) -> String {
    text(&out.stdout) + &text(&out.stderr)
}

fn errno_for(names: &[&str], errno: u32) -> Value {
    json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": names, "action": "SCMP_ACT_ERRNO", "errnoRet": errno}]})
}

const MKDIR_SCRIPT: &str = "mkdir /tmp/x; echo rc=$?; touch /tmp/y && echo touched; \
                            test -d /tmp/x || echo no-dir";

fn assert_mkdir_refused(test: &str, out: &Output, message: &str) {
    let all = both(out);
    assert_eq!(out.status.code(), Some(0), "{test}: {all}");
    assert!(all.contains(message), "{test}: {all}");
    assert!(all.contains("rc=1\ntouched\nno-dir\n"), "{test}: {all}");
}

#[test]
fn errno_eperm_refuses_mkdir_and_touch_still_works() {
    let test = "seccomp-eperm";
    let Some(b) = bundle(test, MKDIR_SCRIPT, errno_for(&["mkdir", "mkdirat"], 1)) else {
        return;
    };
    let out = b.run(test);
    assert_mkdir_refused(test, &out, "Operation not permitted");
    assert!(b.leftovers().is_empty());
}

/// Without no_new_privs the filter must be loaded while init still has
/// CAP_SYS_ADMIN: before it becomes an unprivileged user.
#[test]
fn without_no_new_privs_the_filter_is_loaded_before_dropping_privileges() {
    let test = "seccomp-nnp-off";
    let Some(mut b) = bundle(test, MKDIR_SCRIPT, errno_for(&["mkdir", "mkdirat"], 1)) else {
        return;
    };
    b.config["process"]["noNewPrivileges"] = json!(false);
    b.config["process"]["user"] = json!({"uid": 1000, "gid": 1000});
    b.save();
    std::fs::set_permissions(
        b.rootfs().join("tmp"),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .expect("chmod tmp");
    let out = b.run(test);
    assert_mkdir_refused(test, &out, "Operation not permitted");
}

#[test]
fn errno_ret_38_gives_function_not_implemented() {
    let test = "seccomp-enosys";
    let Some(b) = bundle(test, MKDIR_SCRIPT, errno_for(&["mkdir", "mkdirat"], 38)) else {
        return;
    };
    let out = b.run(test);
    assert_mkdir_refused(test, &out, "Function not implemented");
}

#[test]
fn kill_process_ends_the_caller_with_sigsys() {
    let test = "seccomp-kill";
    let profile = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"}]});
    // The shell survives its child's death, then becomes sync itself.
    let Some(b) = bundle(
        test,
        "sync; echo rc=$?; exec sync; echo not-reached",
        profile,
    ) else {
        return;
    };
    let out = b.run(test);
    let all = both(&out);
    assert!(all.contains(&format!("rc={SIGSYS_EXIT}\n")), "{all}");
    assert!(!all.contains("not-reached"), "{all}");
    assert_eq!(out.status.code(), Some(SIGSYS_EXIT), "{all}");
    assert!(b.leftovers().is_empty());
}

#[test]
fn an_argument_comparison_picks_one_personality() {
    let test = "seccomp-args";
    const PER_LINUX32: u64 = 8;
    let profile = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
         "args": [{"index": 0, "value": PER_LINUX32, "op": "SCMP_CMP_EQ"}]}]});
    let script = "linux32 true; echo rc32=$?; linux64 true; echo rc64=$?";
    let Some(b) = bundle(test, script, profile) else {
        return;
    };
    let out = b.run(test);
    let all = both(&out);
    assert!(all.contains("Operation not permitted"), "{all}");
    assert!(
        all.contains("rc32=1\n") && all.contains("rc64=0\n"),
        "{all}"
    );
}

#[test]
fn an_invalid_profile_is_refused_with_its_json_path() {
    let test = "seccomp-invalid";
    let profile = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
        {"names": ["rmdir"], "action": "SCMP_ACT_EXPLODE"}]});
    let Some(b) = bundle(test, "true", profile) else {
        return;
    };
    let out = b.run(test);
    let all = both(&out);
    assert_ne!(out.status.code(), Some(0), "{all}");
    assert!(all.contains("linux.seccomp.syscalls[1].action"), "{all}");
    assert!(b.leftovers().is_empty());
}

/// The listener: accepts `conns` connections in turn, takes the state and
/// the notify fd each sends, then answers every notification on any of
/// them with EPERM until told to stop or no filter has tasks left.
struct Agent {
    states: Vec<Value>,
    answered: usize,
}

fn agent(listener: UnixListener, stop: Arc<AtomicBool>, conns: usize) -> Result<Agent, String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let (mut states, mut fds) = (Vec::new(), Vec::new());
    while fds.len() < conns {
        let conn = match listener.accept() {
            Ok((c, _)) => c,
            Err(_) if Instant::now() < deadline && !stop.load(Ordering::Relaxed) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
            Err(e) => return Err(format!("no connection {}: {e}", fds.len() + 1)),
        };
        conn.set_nonblocking(false).map_err(|e| e.to_string())?;
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let (data, fd) = recv_with_fd(conn.as_raw_fd())?;
        states.push(serde_json::from_slice(&data).map_err(|e| e.to_string())?);
        fds.push(fd);
    }
    let mut answered = 0;
    while !fds.is_empty() && !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        use nix::poll::{poll, PollFd, PollFlags};
        let mut pfds: Vec<PollFd> = fds
            .iter()
            .map(|f| PollFd::new(f.as_fd(), PollFlags::POLLIN))
            .collect();
        poll(&mut pfds, 100u16).map_err(|e| e.to_string())?;
        let revents: Vec<PollFlags> = pfds
            .iter()
            .map(|p| p.revents().unwrap_or(PollFlags::empty()))
            .collect();
        drop(pfds);
        let mut hung_up = Vec::new();
        for (i, r) in revents.iter().enumerate() {
            if r.contains(PollFlags::POLLIN) {
                if answer_eperm(&fds[i]).is_ok() {
                    answered += 1;
                }
            } else if !r.is_empty() {
                hung_up.push(i); // POLLHUP: the filter has no tasks left.
            }
        }
        for i in hung_up.into_iter().rev() {
            fds.remove(i);
        }
    }
    Ok(Agent { states, answered })
}

fn recv_with_fd(sock: RawFd) -> Result<(Vec<u8>, OwnedFd), String> {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    let mut buf = vec![0u8; 64 * 1024];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
    let mut space = nix::cmsg_space!([RawFd; 1]);
    let msg = recvmsg::<()>(sock, &mut iov, Some(&mut space), MsgFlags::empty())
        .map_err(|e| format!("recvmsg: {e}"))?;
    let mut fd = None;
    for c in msg.cmsgs().map_err(|e| e.to_string())? {
        if let ControlMessageOwned::ScmRights(fds) = c {
            // SAFETY: the kernel just gave us these descriptors.
            fd = fds.first().map(|f| unsafe { OwnedFd::from_raw_fd(*f) });
        }
    }
    let len = msg.bytes;
    let fd = fd.ok_or("no descriptor in the message")?;
    buf.truncate(len);
    Ok((buf, fd))
}

/// `struct seccomp_notif` and `struct seccomp_notif_resp`.
#[repr(C)]
#[derive(Default)]
struct Notif {
    id: u64,
    pid: u32,
    flags: u32,
    nr: i32,
    arch: u32,
    ip: u64,
    args: [u64; 6],
}

#[repr(C)]
struct NotifResp {
    id: u64,
    val: i64,
    error: i32,
    flags: u32,
}

fn answer_eperm(fd: &OwnedFd) -> std::io::Result<()> {
    let recv = nix::request_code_readwrite!(b'!', 0, std::mem::size_of::<Notif>());
    let send = nix::request_code_readwrite!(b'!', 1, std::mem::size_of::<NotifResp>());
    let mut n = Notif::default();
    // SAFETY: NOTIF_RECV fills a zeroed `struct seccomp_notif` we own.
    if unsafe { libc::ioctl(fd.as_raw_fd(), recv as _, &mut n as *mut Notif) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let mut r = NotifResp {
        id: n.id,
        val: 0,
        error: -libc::EPERM,
        flags: 0,
    };
    // SAFETY: NOTIF_SEND reads the `struct seccomp_notif_resp` we own.
    if unsafe { libc::ioctl(fd.as_raw_fd(), send as _, &mut r as *mut NotifResp) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[test]
fn notify_hands_the_listener_fd_and_state_to_an_agent() {
    let test = "seccomp-notify";
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("agent.sock");
    let profile = json!({"defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": sock.to_str().expect("utf-8"), "listenerMetadata": "hello",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]});
    let Some(b) = bundle(test, MKDIR_SCRIPT, profile) else {
        return;
    };
    let listener = UnixListener::bind(&sock).expect("bind");
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = stop.clone();
        std::thread::spawn(move || agent(listener, stop, 1))
    };
    let out = b.run(test);
    stop.store(true, Ordering::Relaxed);
    let agent = thread.join().expect("agent thread").expect("agent");
    assert_mkdir_refused(test, &out, "Operation not permitted");
    assert!(agent.answered >= 1, "the agent answered nothing");
    let s = &agent.states[0];
    assert_eq!(s["fds"], json!(["seccompFd"]), "{s}");
    assert_eq!(s["metadata"], "hello", "{s}");
    assert!(s["pid"].as_i64().is_some_and(|p| p > 1), "{s}");
    assert_eq!(s["state"]["id"], test, "{s}");
    assert_eq!(s["state"]["status"], "creating", "{s}");
    assert_eq!(s["state"]["pid"], s["pid"], "{s}");
    assert!(
        s["ociVersion"]
            .as_str()
            .is_some_and(|v| v.starts_with("1.")),
        "{s}"
    );
}

/// exec loads the container's filter too: its process connects to the
/// listener before joining the container and sends its own notify fd,
/// with the running container's state and its own host pid.
#[test]
fn exec_hands_its_own_listener_fd_to_the_agent() {
    let test = "seccomp-notify-exec";
    let dir = tempfile::tempdir().expect("tempdir");
    let sock = dir.path().join("agent.sock");
    let profile = json!({"defaultAction": "SCMP_ACT_ALLOW",
        "listenerPath": sock.to_str().expect("utf-8"), "listenerMetadata": "hello",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]});
    let Some(b) = bundle(test, "exec sleep 1000", profile) else {
        return;
    };
    let listener = UnixListener::bind(&sock).expect("bind");
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = stop.clone();
        std::thread::spawn(move || agent(listener, stop, 2))
    };
    let bundle_dir = b.dir();
    let out = b.ocix(&[
        "create",
        "--bundle",
        bundle_dir.to_str().expect("utf-8"),
        test,
    ]);
    assert!(out.status.success(), "create: {}", both(&out));
    assert!(b.ocix(&["start", test]).status.success());
    let pid_file = dir.path().join("exec.pid");
    let pid_arg = pid_file.to_str().expect("utf-8");
    let out = b.ocix(&[
        "exec",
        "--pid-file",
        pid_arg,
        test,
        "sh",
        "-c",
        MKDIR_SCRIPT,
    ]);
    stop.store(true, Ordering::Relaxed);
    let agent = thread.join().expect("agent thread");
    assert!(b.ocix(&["delete", "--force", test]).status.success());
    // Allowed by default: only the agent's answer makes mkdir fail.
    assert_mkdir_refused(test, &out, "Operation not permitted");
    let agent = agent.expect("agent");
    assert!(agent.answered >= 1, "the agent answered nothing");
    let (init, s) = (&agent.states[0], &agent.states[1]);
    assert_eq!(s["fds"], json!(["seccompFd"]), "{s}");
    assert_eq!(s["metadata"], "hello", "{s}");
    assert_eq!(s["state"]["id"], test, "{s}");
    assert_eq!(s["state"]["status"], "running", "{s}");
    assert_eq!(s["state"]["pid"], init["pid"], "{s} vs {init}");
    let exec_pid: i64 = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_default();
    assert_eq!(s["pid"], json!(exec_pid), "{s}");
    assert_ne!(s["pid"], init["pid"], "{s}");
    assert!(b.leftovers().is_empty());
}

/// An i386 program on x86_64 makes i386 system calls: with SCMP_ARCH_X86
/// listed they are filtered by their own numbers; without, any of them is
/// a foreign architecture's and kills the process.
#[test]
fn i386_programs_are_filtered_by_their_own_numbers() {
    let test = "seccomp-i386";
    if !cfg!(target_arch = "x86_64") {
        eprintln!("SKIPPED: {test} because the host is not x86_64");
        return;
    }
    let Some(busybox) = cached_busybox(test, "i386") else {
        return;
    };
    let mut profile = errno_for(&["mkdir", "mkdirat"], 1);
    profile["architectures"] = json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]);
    let Some(b) = bundle(test, MKDIR_SCRIPT, profile) else {
        return;
    };
    make_rootfs_from(&b.rootfs(), &busybox);
    let out = b.run(test);
    assert_mkdir_refused(test, &out, "Operation not permitted");

    let test = "seccomp-i386-unlisted";
    let Some(b) = bundle(test, "echo hi", errno_for(&["mkdir"], 1)) else {
        return;
    };
    make_rootfs_from(&b.rootfs(), &busybox);
    let out = b.run(test);
    assert_eq!(out.status.code(), Some(SIGSYS_EXIT), "{}", both(&out));
    assert!(!text(&out.stdout).contains("hi"));
}

/// An emulated container's calls are made by the host's qemu-user, so
/// the host's numbers (the native block) apply to the guest's mkdir.
#[test]
fn emulated_containers_are_filtered_with_the_hosts_numbers() {
    let test = "seccomp-emulated";
    if !cfg!(target_arch = "x86_64") {
        eprintln!("SKIPPED: {test} because the host runs arm64 natively");
        return;
    }
    let qemu = ["/usr/bin/qemu-aarch64-static", "/usr/bin/qemu-aarch64"];
    if !qemu.iter().any(|q| std::path::Path::new(q).exists()) {
        eprintln!("SKIPPED: {test} because qemu-user-static is not installed");
        return;
    }
    let Some(busybox) = cached_busybox(test, "arm64") else {
        return;
    };
    let Some(mut b) = bundle(test, MKDIR_SCRIPT, errno_for(&["mkdir", "mkdirat"], 1)) else {
        return;
    };
    make_rootfs_from(&b.rootfs(), &busybox);
    b.save();
    let dir = b.dir();
    let out = b.ocix(&[
        "run",
        "--arch",
        "aarch64",
        "--backend",
        "emulate",
        "--bundle",
        dir.to_str().expect("utf-8"),
        test,
    ]);
    assert_mkdir_refused(test, &out, "Operation not permitted");
}
