//! Test harness: busybox bundles in temporary directories and the real
//! `ocix` binary run against a private `--root`.
//!
//! Tests need root and a static busybox (`ci/setup` installs
//! busybox-static). Without them a test prints why it is skipped; under CI
//! (`CI` set) a missing prerequisite fails instead, because CI always runs
//! the setup first.

#![allow(dead_code)]

use serde_json::{json, Value};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BUSYBOX: &str = "/bin/busybox";

static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Returns false (after saying why) when the test cannot run here.
pub fn prerequisites(test: &str) -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_string());
    }
    if !Path::new(BUSYBOX).exists() {
        missing.push(format!(
            "{BUSYBOX} (apt-get install busybox-static, or run ci/setup)"
        ));
    }
    if missing.is_empty() {
        return true;
    }
    let why = missing.join(", ");
    if std::env::var_os("CI").is_some() {
        panic!("{test}: needs {why}, which CI must provide");
    }
    eprintln!("SKIPPED: {test} because it needs {why}");
    false
}

/// Whether every file of `pieces` (path, the command that provides it)
/// exists; else says why `test` is skipped, or fails when `ci_provides`
/// them and this is CI.
pub fn pieces_ready(test: &str, pieces: &[(PathBuf, String)], ci_provides: bool) -> bool {
    let missing: Vec<String> = pieces
        .iter()
        .filter(|(p, _)| !p.is_file())
        .map(|(p, how)| format!("{} (run {how})", p.display()))
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!("it needs {}", missing.join(", "));
    if ci_provides && std::env::var_os("CI").is_some() {
        panic!("{test}: {why}, which CI must provide");
    }
    eprintln!("SKIPPED: {test} because {why}");
    false
}

/// A bundle with a busybox rootfs and a private state root.
pub struct Bundle {
    pub tmp: tempfile::TempDir,
    pub config: Value,
}

impl Bundle {
    /// A bundle whose process runs `sh -c script`; config from `ocix spec`.
    pub fn sh(script: &str) -> Bundle {
        let tmp = tempfile::Builder::new()
            .prefix("ocix-test-")
            .tempdir()
            .expect("tempdir");
        let bundle = tmp.path().join("bundle");
        fs::create_dir_all(&bundle).expect("mkdir bundle");
        make_rootfs(&bundle.join("rootfs"));
        let out = Command::new(ocix_bin())
            .args(["spec", "--bundle"])
            .arg(&bundle)
            .output()
            .expect("ocix spec");
        assert!(
            out.status.success(),
            "ocix spec failed: {}",
            text(&out.stderr)
        );
        let config: Value =
            serde_json::from_slice(&fs::read(bundle.join("config.json")).expect("read config"))
                .expect("parse config");
        let mut b = Bundle { tmp, config };
        b.config["process"]["args"] = json!(["sh", "-c", script]);
        b.save();
        b
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("bundle")
    }

    pub fn rootfs(&self) -> PathBuf {
        self.dir().join("rootfs")
    }

    pub fn root(&self) -> PathBuf {
        self.tmp.path().join("state")
    }

    /// Writes the (modified) config back.
    pub fn save(&mut self) {
        let text = serde_json::to_string_pretty(&self.config).expect("serialise");
        fs::write(self.dir().join("config.json"), text).expect("write config");
    }

    /// A host directory shared read-write with the container at `/shared`.
    pub fn shared(&self) -> PathBuf {
        self.tmp.path().join("shared")
    }

    /// Adds the `/shared` bind mount.
    pub fn share(&mut self) {
        fs::create_dir_all(self.shared()).expect("mkdir shared");
        let src = self.shared().display().to_string();
        self.add_mount(json!({"destination": "/shared", "type": "bind", "source": src, "options": ["rbind", "rw"]}));
    }

    /// Appends a mount entry and saves.
    pub fn add_mount(&mut self, m: Value) {
        if let Some(list) = self.config["mounts"].as_array_mut() {
            list.push(m);
        }
        self.save();
    }

    /// `ocix --root <private> ARGS...` with stdin closed. Output goes
    /// through files, not pipes: a created container inherits ocix's
    /// stdio and would keep a pipe open long after ocix exits.
    pub fn ocix(&self, args: &[&str]) -> Output {
        let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out_path = self.tmp.path().join(format!("ocix-{n}.out"));
        let err_path = self.tmp.path().join(format!("ocix-{n}.err"));
        let status = Command::new(ocix_bin())
            .arg("--root")
            .arg(self.root())
            .args(args)
            .stdin(Stdio::null())
            .stdout(fs::File::create(&out_path).expect("stdout file"))
            .stderr(fs::File::create(&err_path).expect("stderr file"))
            .status()
            .expect("spawn ocix");
        Output {
            status,
            stdout: fs::read(&out_path).unwrap_or_default(),
            stderr: fs::read(&err_path).unwrap_or_default(),
        }
    }

    /// `ocix run --bundle B ID`.
    pub fn run(&self, id: &str) -> Output {
        let dir = self.dir();
        self.ocix(&["run", "--bundle", dir.to_str().expect("utf-8 path"), id])
    }

    /// Entries left under the state root.
    pub fn leftovers(&self) -> Vec<String> {
        match fs::read_dir(self.root()) {
            Ok(d) => d
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

pub fn ocix_bin() -> &'static str {
    env!("CARGO_BIN_EXE_ocix")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// busybox, one link per applet, /etc/passwd and /etc/group with a user
/// `app` (1000:1000) that exists only in the rootfs.
pub fn make_rootfs(rootfs: &Path) {
    for d in [
        "bin", "etc", "proc", "sys", "dev", "tmp", "home/app", "root",
    ] {
        fs::create_dir_all(rootfs.join(d)).expect("mkdir rootfs");
    }
    fs::copy(BUSYBOX, rootfs.join("bin/busybox")).expect("copy busybox");
    let list = Command::new(BUSYBOX)
        .arg("--list")
        .output()
        .expect("busybox --list");
    for applet in text(&list.stdout).lines() {
        let link = rootfs.join("bin").join(applet);
        if applet != "busybox" && !link.exists() {
            symlink("busybox", &link).expect("applet link");
        }
    }
    fs::write(
        rootfs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
    )
    .expect("passwd");
    fs::write(
        rootfs.join("etc/group"),
        "root:x:0:\napp:x:1000:\nextra:x:2000:app\n",
    )
    .expect("group");
}

/// Replaces the rootfs's busybox with `busybox` (a foreign one); the
/// applet links stay valid.
pub fn make_rootfs_from(rootfs: &Path, busybox: &Path) {
    let dst = rootfs.join("bin/busybox");
    fs::remove_file(&dst).expect("remove host busybox");
    fs::copy(busybox, &dst).expect("copy foreign busybox");
}

/// Accepts one connection on `listener` and returns the descriptor it
/// carries (SCM_RIGHTS), as a console-socket peer does.
pub fn receive_fd(listener: &std::os::unix::net::UnixListener) -> std::os::fd::OwnedFd {
    use nix::sys::socket::{recvmsg, ControlMessageOwned, MsgFlags};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    let (conn, _) = listener.accept().expect("accept");
    let mut buf = [0u8; 256];
    let mut iov = [std::io::IoSliceMut::new(&mut buf)];
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
    panic!("no descriptor received");
}

impl Bundle {
    /// `ocix --root <private> ARGS...` with `input` on stdin.
    pub fn ocix_stdin(&self, args: &[&str], input: &[u8]) -> Output {
        use std::io::Write;
        let mut child = Command::new(ocix_bin())
            .arg("--root")
            .arg(self.root())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn ocix");
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(input).expect("write stdin");
        }
        child.wait_with_output().expect("wait ocix")
    }
}

/// Polls `ready` every 20 ms until it holds; panics naming `what` after
/// `secs` seconds.
pub fn wait_until(what: &str, secs: u64, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// ci/setup's cache: `${OCIX_CACHE:-/var/cache/ocix}`.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("OCIX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/ocix"))
}

/// The busybox of `debian` if a guest of profile `key` can boot here:
/// its kernel, its agent, the busybox and its QEMU (target, QEMU and
/// kernel recipe come from the vm crate's profile). Else says why `test`
/// is skipped; under CI, when `ci_provides`, a missing piece fails.
pub fn guest_busybox(test: &str, key: &str, debian: &str, ci_provides: bool) -> Option<PathBuf> {
    if !prerequisites(test) {
        return None;
    }
    let p = ocix_vm::Profile::by_key(key).unwrap_or_else(|| panic!("no profile {key}"));
    let c = cache_dir();
    let busybox = c.join("busybox").join(debian).join("busybox");
    let pieces = [
        (
            c.join("kernels").join(key).join("kernel"),
            format!("ocix images build {key}"),
        ),
        (
            c.join("agents").join(p.agent_target).join("ocix"),
            format!("ci/build-guest-agents.sh {}", p.agent_target),
        ),
        (busybox.clone(), "ci/setup".to_string()),
        (Path::new("/usr/bin").join(p.qemu), "ci/setup".to_string()),
    ];
    pieces_ready(test, &pieces, ci_provides).then_some(busybox)
}

/// The busybox of `debian_arch` that ci/setup caches under
/// `${OCIX_CACHE:-/var/cache/ocix}/busybox/`, or `None` after saying why
/// the test is skipped; under CI a missing fixture fails instead.
pub fn cached_busybox(test: &str, debian_arch: &str) -> Option<PathBuf> {
    let path = cache_dir()
        .join("busybox")
        .join(debian_arch)
        .join("busybox");
    if path.is_file() {
        return Some(path);
    }
    let why = format!("{} is missing (run ci/setup)", path.display());
    if std::env::var_os("CI").is_some() {
        panic!("{test}: needs {why}, which CI must provide");
    }
    eprintln!("SKIPPED: {test} because {why}");
    None
}
