//! One cell: `ocix --root <private> run --arch A --backend B --bundle P ID`
//! as a child in its own process group, output to files, cut at its
//! timeout or on Ctrl-C, and cleaned so that nothing of it is left.

use super::signals;
use ocix_arch_matrix::matrix::{Backend, Cell, CellResult, Status};
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// After SIGTERM, how long a vm cell's `ocix run` may take to stop its
/// guest before SIGKILL (other cells get SIGKILL at once).
const GRACE: Duration = Duration::from_secs(3);
/// How often a waiting worker looks at the clock and for Ctrl-C.
const TICK: Duration = Duration::from_millis(50);
/// Captured output kept per stream; the tail is kept.
const MAX_OUTPUT: u64 = 1 << 20;

/// Runs `cell` with `dir` as its scratch directory (created, and removed
/// when nothing is left in it).
pub fn run(cell: &Cell, dir: &Path, timeout: Duration) -> CellResult {
    let started = Instant::now();
    let outcome = run_in(cell, dir, timeout);
    let wall = started.elapsed();
    let (status, exit_code, stdout, mut stderr) = match outcome {
        Ok(o) => o,
        Err(e) => (
            Status::Failed {
                reason: format!("{e:#}"),
            },
            None,
            Vec::new(),
            Vec::new(),
        ),
    };
    if let Some(left) = cleanup(cell, dir) {
        stderr.extend_from_slice(format!("ocix matrix: {left}\n").as_bytes());
    }
    CellResult {
        cell: cell.clone(),
        status,
        exit_code,
        wall,
        stdout,
        stderr,
    }
}

type Outcome = (Status, Option<i32>, Vec<u8>, Vec<u8>);

fn run_in(cell: &Cell, dir: &Path, timeout: Duration) -> anyhow::Result<Outcome> {
    let root = dir.join("root");
    fs::create_dir_all(&root)?;
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg("--root").arg(&root).arg("run");
    cmd.args(["--arch", &cell.arch.to_string()]);
    cmd.args(["--backend", cell.backend.name()]);
    if cell.backend == Backend::Vm {
        // A backstop only: the matrix cuts the cell first.
        let secs = timeout.as_secs() + 2 * GRACE.as_secs();
        cmd.args(["--timeout", &secs.to_string()]);
    }
    cmd.arg("--bundle")
        .arg(&cell.bundle)
        .arg(cell.container_id());
    cmd.stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .process_group(0);
    let child = cmd.spawn()?;
    let pgid = child.id() as i32;
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let mut child = child;
        let _ = tx.send(child.wait());
    });
    let deadline = Instant::now() + timeout;
    let mut cut: Option<Status> = None;
    let exit = loop {
        let now = Instant::now();
        if let Some(sig) = signals::received() {
            cut = Some(Status::Failed {
                reason: format!("cancelled by signal {sig}"),
            });
        } else if now >= deadline {
            cut = Some(Status::TimedOut { after: timeout });
        }
        if cut.is_some() {
            let grace = if cell.backend == Backend::Vm {
                GRACE
            } else {
                Duration::ZERO
            };
            break stop(pgid, grace, &rx);
        }
        match rx.recv_timeout(TICK.min(deadline - now)) {
            Ok(r) => break r.ok(),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break None,
        }
    };
    let _ = waiter.join();
    if cut.is_some() {
        force_delete(&root, &cell.container_id());
    }
    let stdout = read_tail(&out_path);
    let stderr = read_tail(&err_path);
    let code = exit.map(exit_code);
    let status = match (cut, code) {
        (Some(s), _) => s,
        (None, Some(0)) => Status::Passed,
        (None, Some(c)) => Status::Failed {
            reason: failure(c, &stderr),
        },
        (None, None) => Status::Failed {
            reason: "ocix run could not be waited for".into(),
        },
    };
    Ok((status, code, stdout, stderr))
}

/// SIGTERM to the cell's process group (a vm cell's `ocix run` stops its
/// QEMU), SIGKILL after `grace`; returns how it exited. The container
/// itself is not in the group: `force_delete` stops it.
fn stop(
    pgid: i32,
    grace: Duration,
    rx: &mpsc::Receiver<std::io::Result<ExitStatus>>,
) -> Option<ExitStatus> {
    if !grace.is_zero() {
        kill_group(pgid, libc::SIGTERM);
        if let Ok(r) = rx.recv_timeout(grace) {
            kill_group(pgid, libc::SIGKILL);
            return r.ok();
        }
    }
    kill_group(pgid, libc::SIGKILL);
    rx.recv().ok().and_then(Result::ok)
}

fn kill_group(pgid: i32, sig: libc::c_int) {
    // SAFETY: kill(2) with a negative pid signals that process group; the
    // group is the cell's child's own (process_group(0)), not ours.
    unsafe { libc::kill(-pgid, sig) };
}

/// `ocix --root ROOT delete --force ID`, output ignored.
fn force_delete(root: &Path, id: &str) {
    let _ = Command::new("/proc/self/exe")
        .arg("--root")
        .arg(root)
        .args(["delete", "--force", id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Force-deletes whatever containers are left in the cell's root, then
/// removes its directory; says what could not be removed.
fn cleanup(cell: &Cell, dir: &Path) -> Option<String> {
    let root = dir.join("root");
    for id in entries(&root) {
        force_delete(&root, &id);
    }
    let _ = fs::remove_file(dir.join("stdout"));
    let _ = fs::remove_file(dir.join("stderr"));
    let _ = fs::remove_dir(&root);
    match fs::remove_dir(dir) {
        Ok(()) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => Some(format!(
            "{}: state left in {} ({})",
            cell.name(),
            root.display(),
            entries(&root).join(", ")
        )),
    }
}

fn entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn exit_code(s: ExitStatus) -> i32 {
    s.code()
        .or_else(|| s.signal().map(|n| 128 + n))
        .unwrap_or(-1)
}

/// `exit code N: <ocix's last message>`, else the last line of stderr.
fn failure(code: i32, stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let line = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("ocix:"))
        .or(lines.last());
    match line {
        Some(l) => format!("exit code {code}: {l}"),
        None => format!("exit code {code}"),
    }
}

/// The file's last `MAX_OUTPUT` bytes, noting what was cut.
fn read_tail(path: &Path) -> Vec<u8> {
    let Ok(mut f) = File::open(path) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut out = Vec::new();
    if len > MAX_OUTPUT {
        out.extend(format!("[ocix matrix: {} bytes cut]\n", len - MAX_OUTPUT).into_bytes());
        let _ = f.seek(SeekFrom::Start(len - MAX_OUTPUT));
    }
    let _ = f.take(MAX_OUTPUT).read_to_end(&mut out);
    out
}
