//! Real clients drive ocix as they drive runc: podman (through conmon)
//! and containerd (through its `io.containerd.runc.v2` shim).
//!
//! Each test uses private state only: podman gets its own storage root,
//! runroot, tmpdir and containers.conf in a temporary directory, and
//! containerd is started for the test on a socket, root and state in a
//! temporary directory, and stopped afterwards. Images are made locally
//! from the host's static busybox; no registry is needed.
//!
//! Tests need root, busybox-static, and podman or containerd (ci/setup
//! installs them). Without them a test prints why it is skipped; under CI
//! (`CI` set) it fails instead.

mod common;

use common::{make_rootfs, ocix_bin, text, BUSYBOX};
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Seconds any one client command may take before the test fails.
const STEP_SECS: u64 = 120;

/// True when `test` can run: root, busybox and every tool in `tools` on
/// PATH. Otherwise says why, or panics under CI.
fn prerequisites(test: &str, tools: &[&str]) -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_string());
    }
    if !Path::new(BUSYBOX).exists() {
        missing.push(format!("{BUSYBOX} (busybox-static)"));
    }
    for t in tools {
        if which(t).is_none() {
            missing.push(format!("`{t}`"));
        }
    }
    if missing.is_empty() {
        return true;
    }
    let why = format!("it needs {} (run ci/setup)", missing.join(", "));
    if std::env::var_os("CI").is_some() {
        panic!("{test}: {why}, which CI must provide");
    }
    eprintln!("SKIPPED: {test} because {why}");
    false
}

fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

/// Runs `cmd` in its own process group with stdin from `stdin` (or
/// nothing), output through files (a container may hold a pipe open long
/// after its client exits); kills the group and panics after `secs`
/// seconds.
fn bounded(cmd: Command, stdin: Option<&Path>, scratch: &Path, secs: u64) -> Output {
    try_bounded(cmd, stdin, scratch, secs).unwrap_or_else(|e| panic!("{e}"))
}

/// `bounded`, returning what went wrong instead of panicking (for Drop).
fn try_bounded(
    mut cmd: Command,
    stdin: Option<&Path>,
    scratch: &Path,
    secs: u64,
) -> Result<Output, String> {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let out_path = scratch.join(format!("cmd-{n}.out"));
    let err_path = scratch.join(format!("cmd-{n}.err"));
    let shown = format!("{cmd:?}");
    let file = |p: &Path, create: bool| {
        let f = if create {
            fs::File::create(p)
        } else {
            fs::File::open(p)
        };
        f.map_err(|e| format!("{}: {e}", p.display()))
    };
    cmd.stdin(match stdin {
        Some(p) => Stdio::from(file(p, false)?),
        None => Stdio::null(),
    })
    .stdout(file(&out_path, true)?)
    .stderr(file(&err_path, true)?)
    .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("spawn {shown}: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| format!("wait {shown}: {e}"))? {
            break s;
        }
        if Instant::now() > deadline {
            let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
            let _ = child.wait();
            return Err(format!(
                "timed out after {secs} s: {shown}\nstdout: {}\nstderr: {}",
                text(&fs::read(&out_path).unwrap_or_default()),
                text(&fs::read(&err_path).unwrap_or_default())
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: fs::read(&out_path).unwrap_or_default(),
        stderr: fs::read(&err_path).unwrap_or_default(),
    })
}

/// Polls `ready` every 100 ms until it holds; panics naming `what` after
/// `secs` seconds.
fn wait_until(what: &str, secs: u64, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn show(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\nstdout: {}\nstderr: {}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

#[track_caller]
fn ok(what: &str, out: Output) -> String {
    assert!(out.status.success(), "{}", show(what, &out));
    text(&out.stdout)
}

/// Lazily unmounts every mount under `dir`, deepest first, so a failed
/// test cannot leave mounts that keep its temporary directory alive.
fn unmount_under(dir: &Path) {
    let Ok(info) = fs::read_to_string("/proc/self/mountinfo") else {
        return;
    };
    let prefix = dir.display().to_string();
    let mut points: Vec<&str> = info
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .filter(|p| p.starts_with(&prefix))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in points {
        let _ = nix::mount::umount2(p, nix::mount::MntFlags::MNT_DETACH);
    }
}

/// Kills every process whose command line names `dir`, then force-deletes
/// whatever ocix still holds under state root `ocix_root`, and unmounts
/// what is left under `dir`: the last resort of a failed test's Drop.
fn clean_up(dir: &Path, ocix_root: &Path) {
    for pid in pids_with(&dir.display().to_string()) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let mut roots = vec![ocix_root.to_path_buf()];
    // containerd's shim adds the namespace to the root it is given.
    roots.extend(
        fs::read_dir(ocix_root)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path()),
    );
    for root in roots {
        for entry in fs::read_dir(&root).into_iter().flatten().flatten() {
            if !entry.path().join("state.json").exists() {
                continue;
            }
            let mut c = Command::new(ocix_bin());
            c.arg("--root")
                .arg(&root)
                .arg("delete")
                .arg("--force")
                .arg(entry.file_name());
            let _ = try_bounded(c, None, dir, 30);
        }
    }
    unmount_under(dir);
}

/// Pids whose command line contains `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let Ok(dir) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| text(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The busybox rootfs of the tests (with user `app`, 1000:1000).
fn busybox_rootfs(dir: &Path) -> PathBuf {
    let rootfs = dir.join("rootfs");
    make_rootfs(&rootfs);
    rootfs
}

/// The host's cgroup file `v1_ctrl/v1_file` (cgroup v1) or `v2_file`
/// (cgroup2) of process `pid`.
fn cgroup_file(pid: &str, v1_ctrl: &str, v1_file: &str, v2_file: &str) -> Option<String> {
    let cgroups = fs::read_to_string(format!("/proc/{pid}/cgroup")).ok()?;
    for line in cgroups.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
        let path = path.trim_start_matches('/');
        if ctrls.split(',').any(|c| c == v1_ctrl) {
            let file = Path::new("/sys/fs/cgroup")
                .join(v1_ctrl)
                .join(path)
                .join(v1_file);
            return fs::read_to_string(file).ok().map(|s| s.trim().to_string());
        }
    }
    // A pure cgroup2 host: the one "0::" line.
    let path = cgroups.lines().find_map(|l| l.strip_prefix("0::"))?;
    let file = Path::new("/sys/fs/cgroup")
        .join(path.trim_start_matches('/'))
        .join(v2_file);
    fs::read_to_string(file).ok().map(|s| s.trim().to_string())
}

// ---------------------------------------------------------------- podman

const IMAGE: &str = "localhost/ocix-busybox:latest";

/// podman with private storage and configuration, using ocix as its
/// runtime, and one image imported from a busybox rootfs. Dropping it
/// removes every container it made.
struct Podman {
    tmp: tempfile::TempDir,
}

impl Podman {
    fn new() -> Podman {
        let tmp = tempfile::Builder::new()
            .prefix("ocix-podman-")
            .tempdir()
            .expect("tempdir");
        // No systemd runs here; the machine's hard rlimits are below
        // podman's default nofile/nproc (runc fails with them too). The
        // tmp dir (exit codes, alive lock) and events log are ours too:
        // podman 4.3's --tmpdir does not move them all.
        let d = tmp.path().display();
        fs::write(
            tmp.path().join("containers.conf"),
            format!(
                "[containers]\n\
                 default_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n\
                 [engine]\n\
                 cgroup_manager = \"cgroupfs\"\n\
                 events_logger = \"file\"\n\
                 events_logfile_path = \"{d}/events.log\"\n\
                 tmp_dir = \"{d}/libpod\"\n"
            ),
        )
        .expect("write containers.conf");
        let p = Podman { tmp };
        let rootfs = busybox_rootfs(p.tmp.path());
        let tar = p.tmp.path().join("busybox.tar");
        let mut c = Command::new("tar");
        c.arg("-C").arg(&rootfs).arg("-cf").arg(&tar).arg(".");
        ok("tar rootfs", bounded(c, None, p.tmp.path(), STEP_SECS));
        let tar = tar.display().to_string();
        ok("podman import", p.run(&["import", &tar, IMAGE]));
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let d = self.tmp.path();
        let mut c = Command::new("podman");
        c.env("CONTAINERS_CONF", d.join("containers.conf"))
            .arg("--root")
            .arg(d.join("storage"))
            .arg("--runroot")
            .arg(d.join("run"))
            .arg("--tmpdir")
            .arg(d.join("libpod"))
            .args(["--storage-driver", "vfs"])
            .args(["--cgroup-manager", "cgroupfs"])
            .args(["--events-backend", "file"])
            .args(["--runtime", ocix_bin()])
            .arg("--runtime-flag")
            .arg(format!("root={}", self.ocix_root().display()))
            .args(args);
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        bounded(self.command(args), None, self.tmp.path(), STEP_SECS)
    }

    /// ocix's state root for podman's containers (`--runtime-flag`).
    fn ocix_root(&self) -> PathBuf {
        self.tmp.path().join("ocix")
    }

    /// `podman run ARGS...` for a container of the test image with no
    /// network: `pre` before the image, `cmd` after it.
    fn run_image(&self, pre: &[&str], cmd: &[&str]) -> Output {
        let mut args = vec!["run", "--network", "none"];
        args.extend(pre);
        args.push(IMAGE);
        args.extend(cmd);
        self.run(&args)
    }

    /// `podman ARGS...` under `script`, on a fresh pty, typing `input`.
    fn run_on_pty(&self, args: &[&str], input: &str) -> Output {
        let line = self.command(args);
        let mut words: Vec<String> = vec![line.get_program().to_string_lossy().into_owned()];
        words.extend(line.get_args().map(|a| a.to_string_lossy().into_owned()));
        assert!(
            words.iter().all(|w| !w.contains([' ', '\'', '"'])),
            "{words:?} needs no quoting"
        );
        let input_file = self.tmp.path().join("pty-input");
        fs::write(&input_file, input).expect("write pty input");
        let mut c = Command::new("script");
        c.env("CONTAINERS_CONF", self.tmp.path().join("containers.conf"))
            .args(["-qfec", &words.join(" "), "/dev/null"]);
        bounded(c, Some(&input_file), self.tmp.path(), STEP_SECS)
    }

    fn inspect(&self, name: &str, format: &str) -> String {
        ok(
            "podman inspect",
            self.run(&["inspect", "--format", format, name]),
        )
        .trim()
        .to_string()
    }

    fn containers(&self) -> String {
        ok("podman ps -a", self.run(&["ps", "-a", "-q"]))
    }
}

impl Drop for Podman {
    fn drop(&mut self) {
        let _ = try_bounded(
            self.command(&["rm", "--all", "--force", "--time", "0"]),
            None,
            self.tmp.path(),
            STEP_SECS,
        );
        // conmon outlives podman: after a failed rm, it and the
        // containers go by pid and by ocix's state.
        clean_up(self.tmp.path(), &self.ocix_root());
    }
}

#[test]
fn podman_run_rm() {
    if !prerequisites("podman_run_rm", &["podman", "conmon"]) {
        return;
    }
    let p = Podman::new();
    let out = p.run_image(
        &["--rm"],
        &["sh", "-c", "echo out-$((6*7)); echo err >&2; exit 3"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", show("podman run", &out));
    assert_eq!(
        text(&out.stdout),
        "out-42\n",
        "{}",
        show("podman run", &out)
    );
    assert!(
        text(&out.stderr).contains("err"),
        "{}",
        show("podman run", &out)
    );
    assert_eq!(p.containers(), "", "--rm left a container");

    // A program that is not there: podman reports the runtime's error
    // (from the JSON log) and cleans up with `delete --force`, which
    // succeeds on a container that is already gone, as runc's does.
    // runc fails in create and podman exits 127; an ocix that finds out
    // only at start makes it 126.
    let out = p.run_image(&["--rm"], &["/no/such/program"]);
    assert!(
        matches!(out.status.code(), Some(126 | 127)),
        "{}",
        show("podman run", &out)
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("/no/such/program"), "{stderr}");
    assert!(!stderr.contains("does not exist"), "{stderr}");
    assert_eq!(p.containers(), "", "a failed run left a container");
}

#[test]
fn podman_detach_exec_stop_rm() {
    if !prerequisites("podman_detach_exec_stop_rm", &["podman", "conmon"]) {
        return;
    }
    let p = Podman::new();
    let script = "trap 'exit 9' TERM; echo started; while :; do sleep 0.1; done";
    let id = ok(
        "podman run -d",
        p.run_image(&["-d", "--name", "det"], &["sh", "-c", script]),
    );
    assert_eq!(id.trim().len(), 64, "run -d prints the id: {id:?}");
    assert_eq!(p.inspect("det", "{{.State.Status}}"), "running");

    let out = p.run(&[
        "exec",
        "det",
        "sh",
        "-c",
        "echo exec-$((6*7)); cat /proc/1/cmdline; exit 5",
    ]);
    assert_eq!(out.status.code(), Some(5), "{}", show("podman exec", &out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("exec-42\n"),
        "{}",
        show("podman exec", &out)
    );
    assert!(
        stdout.contains("trap"),
        "exec joins the container's pid namespace: {stdout:?}"
    );

    let out = p.run(&[
        "exec",
        "-e",
        "X=from-exec",
        "-w",
        "/tmp",
        "det",
        "sh",
        "-c",
        "echo $X $PWD",
    ]);
    assert_eq!(ok("podman exec -e -w", out), "from-exec /tmp\n");

    ok("podman stop", p.run(&["stop", "--time", "10", "det"]));
    assert_eq!(p.inspect("det", "{{.State.Status}}"), "exited");
    assert_eq!(
        p.inspect("det", "{{.State.ExitCode}}"),
        "9",
        "SIGTERM reached the trap"
    );
    let logs = ok("podman logs", p.run(&["logs", "det"]));
    assert_eq!(logs, "started\n");

    ok("podman rm", p.run(&["rm", "det"]));
    assert_eq!(p.containers(), "", "rm left a container");
}

#[test]
fn podman_run_interactive_terminal() {
    if !prerequisites(
        "podman_run_interactive_terminal",
        &["podman", "conmon", "script"],
    ) {
        return;
    }
    let p = Podman::new();
    // The typed line is echoed back: only the shell's own output holds
    // the computed markers.
    let out = p.run_on_pty(
        &["run", "-it", "--rm", "--network", "none", IMAGE, "sh"],
        "tty; [ -t 0 ] && [ -t 1 ] && echo TTY-$((40+2)); exit 7\n",
    );
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        show("podman run -it", &out)
    );
    assert!(
        stdout.contains("/dev/pts/0"),
        "{}",
        show("podman run -it", &out)
    );
    assert!(
        stdout.contains("TTY-42"),
        "{}",
        show("podman run -it", &out)
    );
    assert_eq!(p.containers(), "", "--rm left a container");
}

#[test]
fn podman_limits_user_read_only_cap_drop() {
    if !prerequisites(
        "podman_limits_user_read_only_cap_drop",
        &["podman", "conmon"],
    ) {
        return;
    }
    let p = Podman::new();
    let script = "grep CapEff /proc/self/status; id -u; id -g; \
                  touch /ro-test 2>&1 && echo touched; \
                  cd /sys/fs/cgroup; \
                  echo mem=$(cat memory/memory.limit_in_bytes || cat memory.max); \
                  echo pids=$(cat pids/pids.max || cat pids.max); echo ready; \
                  trap 'exit 0' TERM; while :; do sleep 0.1; done";
    let opts = [
        "-d",
        "--name",
        "lim",
        "--memory",
        "64m",
        "--pids-limit",
        "50",
        "--user",
        "1000:1000",
        "--read-only",
        "--cap-drop",
        "ALL",
    ];
    ok(
        "podman run -d (limits)",
        p.run_image(&opts, &["sh", "-c", script]),
    );

    // What the container's own process saw.
    let mut logs = String::new();
    wait_until("the container's report", 30, || {
        logs = ok("podman logs", p.run(&["logs", "lim"]));
        logs.contains("ready")
    });
    let lines: Vec<&str> = logs.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("CapEff:\t0000000000000000"),
        "{logs}"
    );
    assert_eq!(lines.get(1..3), Some(&["1000", "1000"][..]), "{logs}");
    assert!(logs.contains("Read-only file system"), "{logs}");
    assert!(!logs.contains("touched"), "{logs}");
    // Its own limits at the top of /sys/fs/cgroup, as runc shows them.
    assert!(logs.contains("mem=67108864\n"), "{logs}");
    assert!(logs.contains("pids=50\n"), "{logs}");

    // An exec process gets the same user and capabilities.
    let out = p.run(&[
        "exec",
        "lim",
        "sh",
        "-c",
        "grep CapEff /proc/self/status; id -u; touch /ro-exec",
    ]);
    let stdout = text(&out.stdout);
    assert!(
        !out.status.success(),
        "touch on a read-only rootfs: {}",
        show("exec", &out)
    );
    assert_eq!(
        stdout,
        "CapEff:\t0000000000000000\n1000\n",
        "{}",
        show("exec", &out)
    );

    // The limits, as podman recorded them and as the kernel holds them.
    assert_eq!(p.inspect("lim", "{{.HostConfig.Memory}}"), "67108864");
    assert_eq!(p.inspect("lim", "{{.HostConfig.PidsLimit}}"), "50");
    let pid = p.inspect("lim", "{{.State.Pid}}");
    assert_eq!(
        cgroup_file(&pid, "memory", "memory.limit_in_bytes", "memory.max").as_deref(),
        Some("67108864"),
        "memory limit of pid {pid}"
    );
    assert_eq!(
        cgroup_file(&pid, "pids", "pids.max", "pids.max").as_deref(),
        Some("50"),
        "pids limit of pid {pid}"
    );

    ok("podman stop", p.run(&["stop", "--time", "10", "lim"]));
    ok("podman rm", p.run(&["rm", "lim"]));
    assert_eq!(p.containers(), "", "rm left a container");
}

// ------------------------------------------------------------ containerd

const NAMESPACE: &str = "ocix-test";

/// A containerd of our own on a private socket, root and state, stopped
/// (and its shims and containers killed) when dropped.
struct Containerd {
    tmp: tempfile::TempDir,
    daemon: std::process::Child,
}

impl Containerd {
    fn start() -> Containerd {
        let tmp = tempfile::Builder::new()
            .prefix("ocix-ctd-")
            .tempdir()
            .expect("tempdir");
        let d = tmp.path().display().to_string();
        let config = format!(
            "version = 2\n\
             root = \"{d}/root\"\n\
             state = \"{d}/state\"\n\
             disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
             [grpc]\n  address = \"{d}/containerd.sock\"\n\
             [ttrpc]\n  address = \"{d}/containerd.sock.ttrpc\"\n\
             [debug]\n  address = \"{d}/debug.sock\"\n\
             [metrics]\n  address = \"\"\n"
        );
        fs::write(tmp.path().join("config.toml"), config).expect("write config.toml");
        let log = fs::File::create(tmp.path().join("containerd.log")).expect("log file");
        let daemon = Command::new("containerd")
            .arg("--config")
            .arg(tmp.path().join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .expect("spawn containerd");
        let c = Containerd { tmp, daemon };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = c.ctr(&["version"]);
            if out.status.success() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "containerd did not come up: {}\nlog: {}",
                show("ctr version", &out),
                c.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        c
    }

    fn log(&self) -> String {
        text(&fs::read(self.tmp.path().join("containerd.log")).unwrap_or_default())
    }

    /// Where ctr makes the FIFOs of a task's stdio (default: /run).
    fn fifo_dir(&self) -> String {
        self.tmp.path().join("fifo").display().to_string()
    }

    /// Where the shim tells ocix to keep its state (`--runc-root`).
    fn runc_root(&self) -> PathBuf {
        self.tmp.path().join("runc")
    }

    fn ctr(&self, args: &[&str]) -> Output {
        self.try_ctr(args).unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_ctr(&self, args: &[&str]) -> Result<Output, String> {
        let mut c = Command::new("ctr");
        c.arg("--address")
            .arg(self.tmp.path().join("containerd.sock"))
            .args(["--namespace", NAMESPACE])
            .args(args);
        try_bounded(c, None, self.tmp.path(), STEP_SECS)
    }

    /// `ctr run` of the busybox rootfs with ocix as the shim's runc.
    fn run(&self, pre: &[&str], id: &str, cmd: &[&str]) -> Output {
        let rootfs = self.tmp.path().join("rootfs");
        if !rootfs.exists() {
            busybox_rootfs(self.tmp.path());
        }
        let runc_root = self.runc_root().display().to_string();
        let rootfs = rootfs.display().to_string();
        let fifos = self.fifo_dir();
        let mut args = vec![
            "run",
            "--fifo-dir",
            &fifos,
            "--runtime",
            "io.containerd.runc.v2",
            "--runc-binary",
            ocix_bin(),
            "--runc-root",
            &runc_root,
        ];
        args.extend(pre);
        args.extend(["--rootfs", &rootfs, id]);
        args.extend(cmd);
        self.ctr(&args)
    }

    /// The task's status column in `ctr task ls`, if it is listed.
    fn task_status(&self, id: &str) -> Option<String> {
        let out = ok("ctr task ls", self.ctr(&["task", "ls"]));
        out.lines().skip(1).find_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.first() == Some(&id)).then(|| f.get(2).unwrap_or(&"").to_string())
        })
    }

    /// `ocix state ID` in the state root the shim gave ocix.
    fn ocix_state(&self, id: &str) -> Output {
        let mut c = Command::new(ocix_bin());
        c.arg("--root")
            .arg(self.runc_root().join(NAMESPACE))
            .args(["state", id]);
        bounded(c, None, self.tmp.path(), STEP_SECS)
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        if let Ok(out) = self.try_ctr(&["task", "ls", "-q"]) {
            for id in text(&out.stdout).lines() {
                let _ = self.try_ctr(&["task", "kill", "--signal", "SIGKILL", id]);
                let _ = self.try_ctr(&["task", "delete", "--force", id]);
            }
        }
        if let Ok(out) = self.try_ctr(&["container", "ls", "-q"]) {
            for id in text(&out.stdout).lines() {
                let _ = self.try_ctr(&["container", "delete", id]);
            }
        }
        let pid = nix::unistd::Pid::from_raw(self.daemon.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.daemon.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        // Shims name our socket on their command line; after a failed
        // delete they and the containers go by pid and by ocix's state.
        clean_up(self.tmp.path(), &self.runc_root());
        // ctr puts tasks in cgroup /<namespace>/<id>: drop the (empty)
        // parent it leaves, in every hierarchy.
        for dir in fs::read_dir("/sys/fs/cgroup")
            .into_iter()
            .flatten()
            .flatten()
        {
            let _ = fs::remove_dir(dir.path().join(NAMESPACE));
        }
        let _ = fs::remove_dir(Path::new("/sys/fs/cgroup").join(NAMESPACE));
    }
}

#[test]
fn containerd_run_exec_kill_delete() {
    if !prerequisites(
        "containerd_run_exec_kill_delete",
        &["containerd", "ctr", "containerd-shim-runc-v2"],
    ) {
        return;
    }
    let c = Containerd::start();

    // Foreground: output and exit code come back through the shim.
    let out = c.run(
        &["--rm"],
        "fg",
        &["/bin/sh", "-c", "echo out-$((6*7)); exit 4"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", show("ctr run --rm", &out));
    assert_eq!(
        text(&out.stdout),
        "out-42\n",
        "{}",
        show("ctr run --rm", &out)
    );

    // Detached: a long-running task.
    let script = "trap 'exit 9' TERM; while :; do sleep 0.1; done";
    ok(
        "ctr run -d",
        c.run(&["-d"], "bg", &["/bin/sh", "-c", script]),
    );
    assert_eq!(c.task_status("bg").as_deref(), Some("RUNNING"));
    let state = ok("ocix state", c.ocix_state("bg"));
    assert!(state.contains("\"running\""), "ocix runs the task: {state}");

    let fifos = c.fifo_dir();
    let out = c.ctr(&[
        "task",
        "exec",
        "--fifo-dir",
        &fifos,
        "--exec-id",
        "e1",
        "bg",
        "/bin/sh",
        "-c",
        "echo exec-$((6*7)); cat /proc/1/cmdline; exit 6",
    ]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        show("ctr task exec", &out)
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("exec-42\n"),
        "{}",
        show("ctr task exec", &out)
    );
    assert!(
        stdout.contains("trap"),
        "exec joins the task's pid namespace: {stdout:?}"
    );

    ok("ctr task kill", c.ctr(&["task", "kill", "bg"]));
    wait_until("the task to stop after SIGTERM", 30, || {
        c.task_status("bg").as_deref() == Some("STOPPED")
    });
    let out = c.ctr(&["task", "delete", "bg"]);
    assert!(out.status.success(), "{}", show("ctr task delete", &out));
    assert!(
        text(&out.stderr).contains("exit code 9"),
        "the trap's exit code: {}",
        show("ctr task delete", &out)
    );
    assert_eq!(c.task_status("bg"), None, "task deleted");
    assert!(!c.ocix_state("bg").status.success(), "ocix's state is gone");

    ok(
        "ctr container delete",
        c.ctr(&["container", "delete", "bg"]),
    );
    let left = ok("ctr container ls", c.ctr(&["container", "ls", "-q"]));
    assert_eq!(left, "", "containers left");
}
