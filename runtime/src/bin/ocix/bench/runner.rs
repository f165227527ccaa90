//! Spawning and timing the verbs. The bench process is a child subreaper,
//! so the container's init, orphaned when `create` exits, becomes its
//! child and its exit is observed with a blocking `waitpid` (no polling).

use super::{Phase, Plan, Runtime, Series};
use anyhow::{bail, Context};
use nix::errno::Errno;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `plan`: warm-up runs first (not recorded), then each run once per
/// runtime in turn (A B A B) so that drift hits every runtime alike.
pub fn run(plan: &Plan) -> anyhow::Result<Vec<Series>> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        bail!(
            "cannot become a child subreaper: {}",
            std::io::Error::last_os_error()
        );
    }
    let work = WorkDir::new()?;
    let mut series: Vec<Series> = plan.runtimes.iter().cloned().map(Series::new).collect();
    let slots = (0..series.len())
        .map(|k| Slot::new(&work.0, k))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for i in 0..plan.warmup + plan.runs {
        for (k, (s, slot)) in series.iter_mut().zip(&slots).enumerate() {
            let id = format!("ocix-bench-{}-{k}-{i}", std::process::id());
            let (ms, code) = once(&s.runtime, &plan.bundle, slot, &id)?;
            if i < plan.warmup {
                continue;
            }
            for p in Phase::ALL {
                s.ms[p as usize].push(ms[p as usize]);
            }
            if code != 0 {
                s.failed_exits += 1;
            }
        }
    }
    Ok(series)
}

/// Per-runtime paths under the work directory.
struct Slot {
    root: PathBuf,
    pid_file: PathBuf,
    stderr: PathBuf,
}

impl Slot {
    fn new(work: &Path, k: usize) -> anyhow::Result<Slot> {
        let root = work.join(format!("root-{k}"));
        std::fs::create_dir_all(&root).with_context(|| format!("mkdir {}", root.display()))?;
        Ok(Slot {
            root,
            pid_file: work.join(format!("{k}.pid")),
            stderr: work.join(format!("{k}.err")),
        })
    }
}

/// One create → start → exit → delete; the milliseconds per phase and the
/// container's exit code.
fn once(rt: &Runtime, bundle: &Path, slot: &Slot, id: &str) -> anyhow::Result<([f64; 5], i32)> {
    let _ = std::fs::remove_file(&slot.pid_file);
    let mut create = vec![
        OsStr::new("create"),
        OsStr::new("--bundle"),
        bundle.as_os_str(),
        OsStr::new("--pid-file"),
        slot.pid_file.as_os_str(),
    ];
    create.extend(rt.create_flags.iter().map(OsStr::new));
    create.push(OsStr::new(id));

    let t0 = Instant::now();
    verb(rt, slot, &create)?;
    let t1 = Instant::now();
    let guard = Leftover { rt, slot, id };
    let pid = read_pid(&slot.pid_file)?;
    verb(rt, slot, &[OsStr::new("start"), OsStr::new(id)])?;
    let t2 = Instant::now();
    let code = wait_exit(pid)?;
    let t3 = Instant::now();
    verb(rt, slot, &[OsStr::new("delete"), OsStr::new(id)])?;
    let t4 = Instant::now();
    std::mem::forget(guard);
    reap_strays();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    Ok((
        [ms(t0, t1), ms(t1, t2), ms(t2, t3), ms(t3, t4), ms(t0, t4)],
        code,
    ))
}

/// `<rt> --root <slot> ARGS`, stdin and stdout on /dev/null, stderr kept
/// for the error message (the container inherits all three).
fn verb(rt: &Runtime, slot: &Slot, args: &[&OsStr]) -> anyhow::Result<()> {
    let err =
        File::create(&slot.stderr).with_context(|| format!("create {}", slot.stderr.display()))?;
    let status = Command::new(&rt.path)
        .arg("--root")
        .arg(&slot.root)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .status()
        .with_context(|| format!("cannot run {}", rt.path.display()))?;
    if !status.success() {
        let msg = std::fs::read_to_string(&slot.stderr).unwrap_or_default();
        let verb = args
            .first()
            .map(|a| a.to_string_lossy())
            .unwrap_or_default();
        bail!("{} {verb} failed ({status}): {}", rt.name, msg.trim());
    }
    Ok(())
}

fn read_pid(path: &Path) -> anyhow::Result<i32> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("create wrote no pid file {}", path.display()))?;
    match text.trim().parse::<i32>() {
        Ok(pid) if pid > 0 => Ok(pid),
        _ => bail!("pid file {}: bad pid {:?}", path.display(), text.trim()),
    }
}

/// Blocks until `pid` exits; its exit code (128+N for signal N).
fn wait_exit(pid: i32) -> anyhow::Result<i32> {
    loop {
        match waitpid(Pid::from_raw(pid), None) {
            Ok(WaitStatus::Exited(_, code)) => return Ok(code),
            Ok(WaitStatus::Signaled(_, sig, _)) => return Ok(128 + sig as i32),
            Ok(_) | Err(Errno::EINTR) => continue,
            Err(Errno::ECHILD) => return wait_foreign(pid),
            Err(e) => bail!("waitpid {pid}: {e}"),
        }
    }
}

/// A runtime that keeps the process under a shim of its own: wait on a
/// pidfd instead (exit code unknown, reported as 0).
fn wait_foreign(pid: i32) -> anyhow::Result<i32> {
    // SAFETY: pidfd_open takes integers and returns a new fd or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() == Some(libc::ESRCH) {
            return Ok(0);
        }
        bail!("container process {pid} is not our child and pidfd_open failed: {e}");
    }
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one valid pollfd for the duration of the call.
    while unsafe { libc::poll(&mut p, 1, -1) } < 0 {
        if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            break;
        }
    }
    // SAFETY: closing the pidfd opened above.
    unsafe { libc::close(fd) };
    Ok(0)
}

/// Reaps other orphans reparented to us (a runtime's helpers).
fn reap_strays() {
    while let Ok(st) = waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
        if st == WaitStatus::StillAlive {
            break;
        }
    }
}

/// Force-deletes a container whose run failed half-way.
struct Leftover<'a> {
    rt: &'a Runtime,
    slot: &'a Slot,
    id: &'a str,
}

impl Drop for Leftover<'_> {
    fn drop(&mut self) {
        let _ = Command::new(&self.rt.path)
            .arg("--root")
            .arg(&self.slot.root)
            .args(["delete", "--force", self.id])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        reap_strays();
    }
}

/// A private temporary directory for state roots and pid files.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> anyhow::Result<WorkDir> {
        let base = std::env::temp_dir().join("ocix-bench-XXXXXX");
        let p = nix::unistd::mkdtemp(&base).context("create a temporary directory")?;
        Ok(WorkDir(p))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
