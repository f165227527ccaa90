//! The guest agent: this binary as the initramfs' `/init` (pid 1).
//!
//! It makes the initramfs a root that `pivot_root` accepts, mounts the
//! kernel filesystems, loads the channel's modules, then calls the
//! runtime core to create and start the container with its stdout and
//! stderr on pipes. Pid 1 stays single-threaded (the runtime core forks):
//! it pumps the pipes into frames on the channel, reaps every child,
//! deletes the container, sends the exit status and powers off. When the job
//! carries a digest, the bundle as unpacked here is digested first, the
//! result reported, and nothing runs on a mismatch.

use super::job::{Job, BUNDLE, JOB, MODULES};
use anyhow::Context;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::mount::{mount, MsFlags};
use nix::sys::wait::{waitpid, WaitStatus};
use nix::unistd::{chdir, chroot, dup2, pipe2, Pid};
use ocix_vm::protocol::{encode, encode_exit, Kind};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Runs the agent and powers off if this process is pid 1; returns at
/// once otherwise.
pub fn run_if_init() {
    if std::process::id() != 1 {
        return;
    }
    let mut port = None;
    let result = agent(&mut port);
    let mut frames = Vec::new();
    match result {
        Ok(Ended::Code(code)) => encode_exit(code, &mut frames),
        Ok(Ended::Reported) => {}
        Err(e) => {
            let msg = crate::describe(&e);
            eprintln!("ocix-agent: {msg}");
            encode(Kind::Error, msg.as_bytes(), &mut frames);
        }
    }
    if let Some(p) = port.as_mut() {
        let _ = send(p, &frames);
    }
    nix::unistd::sync();
    // SAFETY: reboot with a constant command; on success it does not return.
    unsafe { libc::reboot(libc::RB_POWER_OFF) };
    // Exiting pid 1 panics the kernel, which (`panic=-1`, `-no-reboot`)
    // ends QEMU as well.
    std::process::exit(1);
}

/// How the container's end reaches the host.
enum Ended {
    /// Its exit code, still to be sent.
    Code(i32),
    /// Already sent.
    Reported,
}

fn agent(port: &mut Option<File>) -> anyhow::Result<Ended> {
    let started = since_boot();
    make_pivotable_root()?;
    mount_kernel_filesystems()?;
    let mut job: Job = serde_json::from_slice(&std::fs::read(JOB).context(JOB)?)
        .with_context(|| format!("cannot parse {JOB}"))?;
    for m in &job.modules {
        load_module(&Path::new(MODULES).join(m))?;
    }
    let p = port.insert(open_port(ocix_vm::profile::PORT_NAME)?);
    // The boot's milestones, for `ocix --debug run --backend vm`.
    mark(p, started, "agent started");
    mark(p, since_boot(), "channel open");
    // A guest that waits is saved here and restored here, once per run.
    if let Some(received) = super::inbox::receive(p, job.wait)? {
        job = received;
        if job.debug {
            mark(p, since_boot(), "job and bundle received");
        }
    }
    super::inbox::refresh(&job)?;
    if let Some(expected) = &job.verify_digest {
        verify_bundle(expected, p)?;
    }
    let ended = run_container(&job, p)?;
    if job.debug {
        mark(p, since_boot(), "container ended");
        relay_runtime_log(p);
    }
    Ok(ended)
}

/// Where the runtime core logs under `--debug`.
const RUNTIME_LOG: &str = "/run/ocix-runtime.log";

/// The runtime core's debug log, line by line, as log frames.
fn relay_runtime_log(port: &mut File) {
    let text = std::fs::read_to_string(RUNTIME_LOG).unwrap_or_default();
    let mut frames = Vec::new();
    for line in text.lines() {
        encode(Kind::Log, line.as_bytes(), &mut frames);
    }
    let _ = send(port, &frames);
}

/// Seconds since the guest kernel booted (CLOCK_BOOTTIME).
fn since_boot() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into `t`, which we own.
    if unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut t) } != 0 {
        return 0.0;
    }
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Sends a log frame: `at` seconds since boot, `what` happened.
fn mark(port: &mut File, at: f64, what: &str) {
    let mut frames = Vec::new();
    encode(
        Kind::Log,
        format!("{at:.3} s: {what}").as_bytes(),
        &mut frames,
    );
    let _ = send(port, &frames);
}

/// Digests the bundle as the kernel unpacked it, reports the digest to
/// the host, and fails unless it is `expected`. On one thread: pid 1
/// must stay single-threaded for the runtime core's forks.
fn verify_bundle(expected: &str, port: &mut File) -> anyhow::Result<()> {
    use ocix_runtime::digest::{verify, Digest, DigestError};
    let expected: Digest = expected
        .parse()
        .with_context(|| format!("{JOB}: verify_digest"))?;
    let (found, outcome) = match verify(Path::new(BUNDLE), Some(&expected), None, 1) {
        Ok(found) => (found, Ok(())),
        Err(DigestError::Mismatch(m)) => (m.actual.clone(), Err(anyhow::anyhow!("{m}"))),
        Err(e) => return Err(e).context("cannot digest the bundle in the guest"),
    };
    let mut frames = Vec::new();
    encode(Kind::Digest, found.to_string().as_bytes(), &mut frames);
    send(port, &frames).context("write to the host channel")?;
    outcome
}

/// The initramfs is the absolute root mount, which `pivot_root` refuses:
/// bind it onto a directory of itself and make that the root instead.
fn make_pivotable_root() -> anyhow::Result<()> {
    let new = Path::new("/newroot");
    std::fs::create_dir_all(new).context("mkdir /newroot")?;
    mount(Some("/"), new, None::<&str>, MsFlags::MS_BIND, None::<&str>)
        .context("bind / on /newroot")?;
    chdir(new).context("chdir /newroot")?;
    mount(Some("."), "/", None::<&str>, MsFlags::MS_MOVE, None::<&str>)
        .context("move /newroot to /")?;
    chroot(".").context("chroot")?;
    chdir("/").context("chdir /")?;
    Ok(())
}

fn mount_kernel_filesystems() -> anyhow::Result<()> {
    let table: [(&str, &str, &str, MsFlags); 6] = [
        ("devtmpfs", "/dev", "devtmpfs", MsFlags::MS_NOSUID),
        (
            "proc",
            "/proc",
            "proc",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        ),
        (
            "sysfs",
            "/sys",
            "sysfs",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        ),
        ("cgroup2", "/sys/fs/cgroup", "cgroup2", MsFlags::MS_NOSUID),
        (
            "tmpfs",
            "/tmp",
            "tmpfs",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        ),
        (
            "tmpfs",
            "/run",
            "tmpfs",
            MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        ),
    ];
    for (src, dst, fstype, flags) in table {
        std::fs::create_dir_all(dst).with_context(|| format!("mkdir {dst}"))?;
        mount(Some(src), dst, Some(fstype), flags, None::<&str>)
            .with_context(|| format!("mount {fstype} on {dst}"))?;
    }
    enable_controllers();
    Ok(())
}

/// Lets child cgroups use every controller the kernel has (best effort).
fn enable_controllers() {
    let root = Path::new("/sys/fs/cgroup");
    let Ok(list) = std::fs::read_to_string(root.join("cgroup.controllers")) else {
        return;
    };
    let want: Vec<String> = list.split_whitespace().map(|c| format!("+{c}")).collect();
    let _ = std::fs::write(root.join("cgroup.subtree_control"), want.join(" "));
}

fn load_module(path: &Path) -> anyhow::Result<()> {
    let f = File::open(path).with_context(|| format!("open {}", path.display()))?;
    // SAFETY: finit_module reads the open module file and a NUL-terminated
    // empty parameter string; both outlive the call.
    let rc = unsafe { libc::syscall(libc::SYS_finit_module, f.as_raw_fd(), c"".as_ptr(), 0) };
    let err = std::io::Error::last_os_error();
    if rc != 0 && err.raw_os_error() != Some(libc::EEXIST) {
        return Err(err).with_context(|| format!("load module {}", path.display()));
    }
    Ok(())
}

fn open_port(name: &str) -> anyhow::Result<File> {
    let dev = find_virtio_port(name)?;
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(&dev)
        .with_context(|| format!("open channel {}", dev.display()))
}

/// `/dev/vportNpM` whose sysfs name is `name`; the port appears shortly
/// after its module is loaded.
fn find_virtio_port(name: &str) -> anyhow::Result<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(dir) = std::fs::read_dir("/sys/class/virtio-ports") {
            for e in dir.flatten() {
                let n = std::fs::read_to_string(e.path().join("name")).unwrap_or_default();
                let dev = Path::new("/dev").join(e.file_name());
                if n.trim() == name && dev.exists() {
                    return Ok(dev);
                }
            }
        }
        if Instant::now() > deadline {
            anyhow::bail!("no virtio port named {name} after 10 s");
        }
        // Short: every sleep is boot time the user waits for.
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn send(port: &mut File, frames: &[u8]) -> std::io::Result<()> {
    port.write_all(frames)?;
    port.flush()
}

/// Creates and starts the container from pid 1 itself, relays its
/// output and returns its code. No runner process in between: every fork
/// of this binary costs tens of milliseconds under TCG.
fn run_container(job: &Job, port: &mut File) -> anyhow::Result<Ended> {
    use ocix_runtime::container::{create::create, delete::delete, exit_code, start::start};
    if job.debug {
        let _ = crate::logging::init(Some(Path::new(RUNTIME_LOG)), false, true);
    }
    let store = ocix_runtime::state::Store::new(Path::new("/run/ocix"));
    let opts = ocix_runtime::container::CreateOptions {
        bundle: PathBuf::from(BUNDLE),
        backend: ocix_runtime::container::Backend::Native,
        foreground: true,
        ..Default::default()
    };
    let (out_r, out_w) = pipe2(OFlag::O_CLOEXEC).context("pipe")?;
    let (err_r, err_w) = pipe2(OFlag::O_CLOEXEC).context("pipe")?;
    // The container inherits our stdio: point it at the pipes while
    // create forks, then take the console back.
    let created = with_stdio(&out_w, &err_w, || create(&store, &job.id, &opts))?;
    drop((out_w, err_w));
    let created = created?;
    if let Err(e) = start(&store, &job.id) {
        let _ = delete(&store, &job.id, true);
        return Err(e.into());
    }
    pump(port, out_r, err_r, created.console_master)?;
    let code = exit_code(reap(Pid::from_raw(created.state.pid))?);
    if created.state.private.has_hooks == Some(false) && !job.debug {
        // The host stops the guest once it has the exit code, and nothing
        // of the container outlives the guest: with no poststop hook to
        // wait for, report first and tidy up after (20 to 50 ms of
        // cgroup and state removal under TCG).
        let mut frames = Vec::new();
        encode_exit(code, &mut frames);
        send(port, &frames).context("write to the host channel")?;
        let _ = delete(&store, &job.id, true);
        return Ok(Ended::Reported);
    }
    delete(&store, &job.id, true)?;
    Ok(Ended::Code(code))
}

/// Runs `f` with stdin on /dev/null and stdout, stderr on `out`, `err`;
/// restores the console's descriptors after.
fn with_stdio<T>(out: &OwnedFd, err: &OwnedFd, f: impl FnOnce() -> T) -> anyhow::Result<T> {
    let null = File::open("/dev/null").context("open /dev/null")?;
    let saved: Vec<OwnedFd> = (0..3)
        .map(|fd| {
            fcntl(fd, FcntlArg::F_DUPFD_CLOEXEC(3)).map(|n| {
                // SAFETY: fcntl just returned this new descriptor; we own it.
                unsafe { OwnedFd::from_raw_fd(n) }
            })
        })
        .collect::<Result<_, _>>()
        .context("save stdio")?;
    let point = |fds: [i32; 3]| -> nix::Result<()> {
        for (target, fd) in fds.into_iter().enumerate() {
            dup2(fd, target as i32)?;
        }
        Ok(())
    };
    point([null.as_raw_fd(), out.as_raw_fd(), err.as_raw_fd()]).context("redirect stdio")?;
    let result = f();
    point([
        saved[0].as_raw_fd(),
        saved[1].as_raw_fd(),
        saved[2].as_raw_fd(),
    ])
    .context("restore stdio")?;
    Ok(result)
}

/// Copies the container's stdout and stderr (and its terminal, if it
/// has one, as stdout) into frames until all of them close.
fn pump(
    port: &mut File,
    out: OwnedFd,
    err: OwnedFd,
    terminal: Option<OwnedFd>,
) -> anyhow::Result<()> {
    let mut open = vec![
        (File::from(out), Kind::Stdout),
        (File::from(err), Kind::Stderr),
    ];
    if let Some(t) = terminal {
        open.push((File::from(t), Kind::Stdout));
    }
    let mut buf = vec![0u8; ocix_vm::protocol::MAX_PAYLOAD];
    let mut frames = Vec::new();
    while !open.is_empty() {
        let mut fds: Vec<libc::pollfd> = open
            .iter()
            .map(|(f, _)| libc::pollfd {
                fd: f.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `fds` is a live array of `fds.len()` pollfd entries.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if n < 0 {
            continue;
        }
        let mut closed = Vec::new();
        for (i, p) in fds.iter().enumerate() {
            if p.revents == 0 {
                continue;
            }
            let (f, kind) = &mut open[i];
            match f.read(&mut buf) {
                // A terminal's master reads EIO once its last slave closes.
                Ok(0) | Err(_) => closed.push(i),
                Ok(n) => {
                    frames.clear();
                    encode(*kind, &buf[..n], &mut frames);
                    send(port, &frames).context("write to the host channel")?;
                }
            }
        }
        for i in closed.into_iter().rev() {
            open.remove(i);
        }
    }
    Ok(())
}

/// Reaps children (pid 1 inherits orphans) until `pid` exits.
fn reap(pid: Pid) -> anyhow::Result<WaitStatus> {
    loop {
        match waitpid(None, None) {
            Ok(st) if st.pid() == Some(pid) => return Ok(st),
            Ok(_) | Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e).context("waitpid"),
        }
    }
}
