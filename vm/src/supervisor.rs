//! Runs QEMU, relays the guest's frames to the host's stdout and stderr,
//! enforces a timeout and always stops and reaps QEMU: on success, on
//! error, on timeout and on SIGINT/SIGTERM.
//!
//! The exit frame is the guest's last word, so QEMU is killed as soon as
//! it arrives instead of waiting for the guest to power off.
//!
//! When the agent was asked for the digest of what it received
//! ([`Guest::expect_digest`]), nothing of the guest's output is relayed
//! until its digest frame has arrived and matched.
//!
//! A guest with a [`Feed`] gets its job and bundle over the channel: a
//! booted one once its agent says ready (after saving the guest, when
//! asked), a restored one once QEMU reports it running.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::os::unix::net::UnixListener;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::signal::unix::{signal, SignalKind};

use crate::protocol::{Decoder, Frame, Kind};
use crate::qmp::Qmp;
use crate::snapshot::{self, Feed, Start};
use crate::VmError;

/// Kernel console lines kept for error messages.
const CONSOLE_LINES: usize = 20;

/// A guest to run.
#[derive(Debug)]
pub struct Guest {
    /// The QEMU binary.
    pub program: OsString,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// Bound to the socket QEMU connects to for the agent's channel.
    pub listener: UnixListener,
    /// The whole run's limit, boot included.
    pub timeout: Duration,
    /// The digest the agent was asked to report (opaque text, compared
    /// byte for byte); `None` when it was not asked.
    pub expect_digest: Option<String>,
    /// The job and bundle for an agent that waits for them; `None`: the
    /// agent found both in its initramfs.
    pub feed: Option<Feed>,
}

/// The last lines QEMU printed on the kernel console.
#[derive(Debug, Clone, Default)]
struct Console(Arc<Mutex<VecDeque<String>>>);

impl Console {
    fn push(&self, line: String) {
        if let Ok(mut q) = self.0.lock() {
            if q.len() == CONSOLE_LINES {
                q.pop_front();
            }
            q.push_back(line);
        }
    }

    fn lines(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }
}

/// Runs `guest` on a new single-threaded tokio runtime, writing the
/// container's streams to this process's stdout and stderr; returns the
/// container's exit code.
pub fn run(guest: Guest) -> Result<i32, VmError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(VmError::io("cannot start the tokio runtime"))?;
    rt.block_on(async {
        let mut out = tokio::io::stdout();
        let mut err = tokio::io::stderr();
        supervise(guest, &mut out, &mut err).await
    })
}

/// Runs `guest`, relaying its stdout and stderr frames to `out` and `err`.
pub async fn supervise<O, E>(guest: Guest, out: &mut O, err: &mut E) -> Result<i32, VmError>
where
    O: AsyncWrite + Unpin,
    E: AsyncWrite + Unpin,
{
    guest
        .listener
        .set_nonblocking(true)
        .map_err(VmError::io("guest channel socket"))?;
    let listener = tokio::net::UnixListener::from_std(guest.listener)
        .map_err(VmError::io("guest channel socket"))?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(VmError::io("SIGINT handler"))?;
    let mut sigterm = signal(SignalKind::terminate()).map_err(VmError::io("SIGTERM handler"))?;
    let program = guest.program.to_string_lossy().into_owned();
    log::debug!("starting {program} {:?}", guest.args);
    let mut child = Command::new(&guest.program)
        .args(&guest.args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| VmError::Spawn { program, source })?;
    let console = Console::default();
    let check = DigestCheck::new(guest.expect_digest);
    let console_task = child
        .stdout
        .take()
        .map(|s| tokio::spawn(keep_lines(s, console.clone())));
    let stderr_task = child.stderr.take().map(|s| tokio::spawn(read_all(s)));

    let outcome = tokio::select! {
        r = tokio::time::timeout(guest.timeout, relay(&listener, &mut child, out, err, check, guest.feed)) => match r {
            Ok(r) => r,
            Err(_) => Err(VmError::Timeout { limit: guest.timeout, console: Vec::new() }),
        },
        _ = sigint.recv() => Err(VmError::Interrupted("SIGINT")),
        _ = sigterm.recv() => Err(VmError::Interrupted("SIGTERM")),
    };
    let status = stop(&mut child).await;
    // Once QEMU is gone its pipes close and the readers finish.
    if let Some(t) = console_task {
        let _ = tokio::time::timeout(Duration::from_secs(1), t).await;
    }
    let stderr = match stderr_task {
        Some(t) => tokio::time::timeout(Duration::from_secs(1), t)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default(),
        None => String::new(),
    };
    let lines = console.lines();
    match outcome {
        Ok(Some(code)) => Ok(code),
        Ok(None) => Err(VmError::NoExit {
            status: status.map_or_else(|| "not reaped".to_string(), |s| s.to_string()),
            stderr,
            console: lines,
        }),
        Err(VmError::Timeout { limit, .. }) => Err(VmError::Timeout {
            limit,
            console: lines,
        }),
        Err(VmError::Agent { message, .. }) => Err(VmError::Agent {
            message,
            console: lines,
        }),
        Err(VmError::Restore { .. }) => Err(VmError::Restore { stderr }),
        Err(e) => Err(e),
    }
}

/// The agent's digest report against what the host expects.
#[derive(Debug)]
struct DigestCheck {
    expected: Option<String>,
    reported: Option<String>,
}

impl DigestCheck {
    fn new(expected: Option<String>) -> Self {
        DigestCheck {
            expected,
            reported: None,
        }
    }

    /// Takes a digest frame: logs it and keeps it for [`Self::passed`].
    fn report(&mut self, f: &Frame) -> Result<(), VmError> {
        let text = f.digest()?;
        match &self.expected {
            Some(e) if e == text => log::debug!("guest: received {text}, as expected"),
            Some(e) => log::debug!("guest: received {text}, expected {e}"),
            None => log::debug!("guest: received {text}"),
        }
        self.reported = Some(text.to_string());
        Ok(())
    }

    /// Whether output may be relayed: nothing was asked, or the agent
    /// reported what was asked. `detail` is the agent's error, if any.
    fn passed(&self, detail: &str) -> Result<(), VmError> {
        let Some(expected) = &self.expected else {
            return Ok(());
        };
        match &self.reported {
            Some(r) if r == expected => Ok(()),
            Some(r) => Err(VmError::DigestMismatch {
                expected: expected.clone(),
                reported: r.clone(),
                detail: detail.to_string(),
            }),
            None => Err(VmError::NoDigest),
        }
    }
}

/// Relays frames until the exit frame (`Some(code)`) or until the stream
/// or QEMU ends without one (`None`).
async fn relay<O, E>(
    listener: &tokio::net::UnixListener,
    child: &mut Child,
    out: &mut O,
    err: &mut E,
    mut check: DigestCheck,
    mut feed: Option<Feed>,
) -> Result<Option<i32>, VmError>
where
    O: AsyncWrite + Unpin,
    E: AsyncWrite + Unpin,
{
    let mut stream = tokio::select! {
        r = listener.accept() => r.map_err(VmError::io("guest channel accept"))?.0,
        _ = child.wait() => return Ok(None),
    };
    if let Some(f) = feed.take_if(|f| matches!(f.start, Start::Restore(_))) {
        let started = std::time::Instant::now();
        tokio::select! {
            r = resumed(&f.qmp) => r?,
            _ = child.wait() => return Err(VmError::Restore { stderr: String::new() }),
        }
        log::debug!("restored in {:.3} s", started.elapsed().as_secs_f64());
        feed_agent(&mut stream, &f.frames).await?;
    }
    let mut dec = Decoder::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = stream
            .read(&mut buf)
            .await
            .map_err(VmError::io("guest channel read"))?;
        if n == 0 {
            return Ok(None);
        }
        dec.push(&buf[..n]);
        while let Some(f) = dec.next_frame()? {
            match f.kind {
                Kind::Stdout | Kind::Stderr | Kind::Exit => check.passed("")?,
                Kind::Error if check.reported.is_some() => {
                    check.passed(&String::from_utf8_lossy(&f.payload))?
                }
                _ => {}
            }
            match f.kind {
                Kind::Stdout => write(out, &f.payload, "stdout").await?,
                Kind::Stderr => write(err, &f.payload, "stderr").await?,
                Kind::Log => log::debug!("guest: {}", String::from_utf8_lossy(&f.payload)),
                Kind::Digest => check.report(&f)?,
                Kind::Exit => return f.exit_code().map(Some).map_err(VmError::from),
                Kind::Error => {
                    return Err(VmError::Agent {
                        message: String::from_utf8_lossy(&f.payload).into_owned(),
                        console: Vec::new(),
                    })
                }
                Kind::Ready => match feed.take() {
                    Some(f) => {
                        if let Start::Boot(dest) = &f.start {
                            save_ready_guest(&f.qmp, dest).await;
                        }
                        feed_agent(&mut stream, &f.frames).await?;
                    }
                    // Its job came in the initramfs: only the clock.
                    None => feed_agent(&mut stream, &[]).await?,
                },
                Kind::Job | Kind::Bundle | Kind::End | Kind::Clock => {
                    return Err(VmError::Agent {
                        message: format!("sent a {:?} frame, which only the host sends", f.kind),
                        console: Vec::new(),
                    })
                }
            }
        }
    }
}

/// Sends a waiting agent the clock as it is now (a booted guest's
/// starts at 1970, a restored one's where it was saved), then `frames`:
/// its job and bundle, or nothing for an agent whose job it has.
async fn feed_agent(stream: &mut tokio::net::UnixStream, frames: &[u8]) -> Result<(), VmError> {
    let started = std::time::Instant::now();
    let mut clock = Vec::new();
    crate::protocol::encode_clock(std::time::SystemTime::now(), &mut clock);
    for bytes in [&clock[..], frames] {
        stream
            .write_all(bytes)
            .await
            .map_err(VmError::io("guest channel write"))?;
    }
    if !frames.is_empty() {
        log::debug!(
            "sent the job and bundle ({} bytes) in {:.3} s",
            frames.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Connects to QEMU's monitor and waits until the restored guest runs.
/// Any failure is QEMU's restore failing.
async fn resumed(qmp: &std::path::Path) -> Result<(), VmError> {
    let r = async {
        let mut q = Qmp::connect(qmp).await?;
        snapshot::wait_resumed(&mut q).await
    };
    r.await.map_err(|e| {
        log::debug!("restore: {e}");
        VmError::Restore {
            stderr: String::new(),
        }
    })
}

/// Saves the guest whose agent just said ready; a failure costs only
/// the next run's boot, so it is a warning.
async fn save_ready_guest(qmp: &std::path::Path, dest: &std::path::Path) {
    let started = std::time::Instant::now();
    let r = async {
        let mut q = Qmp::connect(qmp).await?;
        snapshot::save(&mut q, dest).await
    };
    match r.await {
        Ok(()) => log::debug!(
            "saved the booted guest to {} in {:.3} s",
            dest.display(),
            started.elapsed().as_secs_f64()
        ),
        Err(e) => log::warn!("cannot save the booted guest (the next run boots): {e}"),
    }
}

async fn write<W: AsyncWrite + Unpin>(w: &mut W, b: &[u8], what: &str) -> Result<(), VmError> {
    w.write_all(b).await.map_err(VmError::io(what))?;
    w.flush().await.map_err(VmError::io(what))
}

/// Kills QEMU if it still runs and reaps it.
async fn stop(child: &mut Child) -> Option<ExitStatus> {
    if let Ok(Some(st)) = child.try_wait() {
        return Some(st);
    }
    let _ = child.start_kill();
    child.wait().await.ok()
}

async fn keep_lines<R: AsyncRead + Unpin>(r: R, console: Console) {
    let mut r = BufReader::new(r);
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end();
                log::debug!("console: {text}");
                if !text.is_empty() {
                    console.push(text.to_string());
                }
            }
        }
    }
}

async fn read_all<R: AsyncRead + Unpin>(mut r: R) -> String {
    let mut b = Vec::new();
    let _ = r.read_to_end(&mut b).await;
    String::from_utf8_lossy(&b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{encode, encode_exit};
    use std::io::Write as _;

    /// A fake QEMU: a shell script prints the console; the test's own
    /// thread plays the guest on the socket.
    fn sh(script: &str, listener: UnixListener, timeout: Duration) -> Guest {
        Guest {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            listener,
            timeout,
            expect_digest: None,
            feed: None,
        }
    }

    fn bound() -> (tempfile::TempDir, std::path::PathBuf, UnixListener) {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("s");
        let l = UnixListener::bind(&path).expect("bind");
        (tmp, path, l)
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
    }

    #[test]
    fn relays_frames_and_exit_code() {
        let (_tmp, path, l) = bound();
        let mut frames = Vec::new();
        encode(Kind::Stdout, b"out\n", &mut frames);
        encode(Kind::Stderr, b"err\n", &mut frames);
        encode(Kind::Log, b"note", &mut frames);
        encode_exit(7, &mut frames);
        let guest_side = std::thread::spawn(move || {
            let mut s = std::os::unix::net::UnixStream::connect(path).expect("connect");
            s.write_all(&frames).expect("write");
            // Keep the stream open: the exit frame alone must end the run.
            std::thread::sleep(Duration::from_millis(300));
        });
        let g = sh("echo booting; sleep 30", l, Duration::from_secs(20));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = rt()
            .block_on(supervise(g, &mut out, &mut err))
            .expect("runs");
        guest_side.join().expect("guest thread");
        assert_eq!(
            (code, out.as_slice(), err.as_slice()),
            (7, &b"out\n"[..], &b"err\n"[..])
        );
    }

    #[test]
    fn timeout_kills_qemu_and_shows_console() {
        let (_tmp, _path, l) = bound();
        let pidfile = _tmp.path().join("pid");
        let script = format!(
            "echo $$ > {}; echo last-line; exec sleep 30",
            pidfile.display()
        );
        let g = sh(&script, l, Duration::from_millis(700));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let e = rt()
            .block_on(supervise(g, &mut out, &mut err))
            .expect_err("times out");
        let msg = e.to_string();
        assert!(msg.contains("timed out after 0.7s"), "{msg}");
        assert!(msg.contains("last-line"), "{msg}");
        let pid: i32 = std::fs::read_to_string(&pidfile)
            .expect("pid")
            .trim()
            .parse()
            .expect("number");
        // SAFETY: kill with signal 0 only probes for the process.
        let alive = unsafe { libc::kill(pid, 0) } == 0;
        assert!(!alive, "fake QEMU {pid} still alive");
    }

    #[test]
    fn qemu_dying_early_is_reported_with_its_stderr() {
        let (_tmp, _path, l) = bound();
        let g = sh(
            "echo 'no such machine' >&2; exit 1",
            l,
            Duration::from_secs(10),
        );
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let e = rt()
            .block_on(supervise(g, &mut out, &mut err))
            .expect_err("fails");
        let msg = e.to_string();
        assert!(msg.contains("without an exit status"), "{msg}");
        assert!(msg.contains("no such machine"), "{msg}");
    }

    #[test]
    fn agent_error_and_garbage_are_errors() {
        for (bytes, want) in [
            (
                {
                    let mut v = Vec::new();
                    encode(Kind::Error, b"no bundle", &mut v);
                    v
                },
                "guest agent: no bundle",
            ),
            (vec![0xff, 0, 0, 0, 0], "unknown frame kind"),
        ] {
            let (_tmp, path, l) = bound();
            let t = std::thread::spawn(move || {
                let mut s = std::os::unix::net::UnixStream::connect(path).expect("connect");
                s.write_all(&bytes).expect("write");
                std::thread::sleep(Duration::from_millis(200));
            });
            let g = sh("sleep 30", l, Duration::from_secs(20));
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let e = rt()
                .block_on(supervise(g, &mut out, &mut err))
                .expect_err("fails");
            t.join().expect("thread");
            assert!(e.to_string().contains(want), "{e}");
        }
    }

    /// An agent whose job came in the initramfs says ready and gets the
    /// host's clock as it is when answered, nothing more.
    #[test]
    fn a_ready_agent_is_sent_the_clock() {
        use std::io::Read as _;
        let (_tmp, path, l) = bound();
        let t = std::thread::spawn(move || {
            let mut s = std::os::unix::net::UnixStream::connect(path).expect("connect");
            let mut ready = Vec::new();
            encode(Kind::Ready, b"", &mut ready);
            s.write_all(&ready).expect("write");
            let mut got = [0u8; crate::protocol::HEADER_LEN + 12];
            s.read_exact(&mut got).expect("a clock frame");
            let after = std::time::SystemTime::now();
            let mut exit = Vec::new();
            encode_exit(0, &mut exit);
            s.write_all(&exit).expect("write");
            (got, after)
        });
        let g = sh("sleep 30", l, Duration::from_secs(20));
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let sent_after = std::time::SystemTime::now();
        let r = rt().block_on(supervise(g, &mut out, &mut err));
        let (got, received) = t.join().expect("thread");
        assert_eq!(r.expect("runs"), 0);
        let mut d = Decoder::new();
        d.push(&got);
        let f = d.next_frame().expect("valid").expect("a frame");
        assert_eq!(f.kind, Kind::Clock);
        let (secs, nanos) = f.clock().expect("a time");
        let at = std::time::UNIX_EPOCH + Duration::new(secs as u64, nanos);
        assert!(sent_after <= at && at <= received, "{at:?}");
    }

    /// Plays `frames` as the guest to a supervisor that expects
    /// `expect`; returns the outcome and what reached stdout.
    fn feed(frames: Vec<u8>, expect: Option<&str>) -> (Result<i32, VmError>, Vec<u8>) {
        let (_tmp, path, l) = bound();
        let t = std::thread::spawn(move || {
            let mut s = std::os::unix::net::UnixStream::connect(path).expect("connect");
            s.write_all(&frames).expect("write");
            std::thread::sleep(Duration::from_millis(200));
        });
        let mut g = sh("sleep 30", l, Duration::from_secs(20));
        g.expect_digest = expect.map(str::to_string);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = rt().block_on(supervise(g, &mut out, &mut err));
        t.join().expect("thread");
        (r, out)
    }

    #[test]
    fn a_matching_digest_lets_output_through() {
        let mut frames = Vec::new();
        encode(Kind::Log, b"verifying", &mut frames);
        encode(Kind::Digest, b"sha256:00aa", &mut frames);
        encode(Kind::Stdout, b"ran\n", &mut frames);
        encode_exit(3, &mut frames);
        let (r, out) = feed(frames.clone(), Some("sha256:00aa"));
        assert_eq!((r.expect("runs"), out.as_slice()), (3, &b"ran\n"[..]));
        // Reported unasked (a host that did not expect it): only logged.
        let (r, _) = feed(frames, None);
        assert_eq!(r.expect("runs"), 3);
    }

    #[test]
    fn a_wrong_or_missing_digest_stops_before_any_output() {
        let digest_then = |d: &[u8], kind: Kind, payload: &[u8]| {
            let mut v = Vec::new();
            encode(Kind::Digest, d, &mut v);
            encode(kind, payload, &mut v);
            v
        };
        let cases = [
            (
                digest_then(b"sha256:bb", Kind::Error, b"bundle digest mismatch"),
                "the guest received sha256:bb, not the expected sha256:aa\n\
                 guest agent: bundle digest mismatch",
            ),
            (
                digest_then(b"sha256:bb", Kind::Stdout, b"leak"),
                "the guest received sha256:bb, not the expected sha256:aa",
            ),
            (
                {
                    let mut v = Vec::new();
                    encode(Kind::Stdout, b"leak", &mut v);
                    v
                },
                "did not report the digest",
            ),
            (
                {
                    let mut v = Vec::new();
                    encode_exit(0, &mut v);
                    v
                },
                "did not report the digest",
            ),
            (
                digest_then(b"sha256 aa", Kind::Stdout, b"leak"),
                "malformed digest frame",
            ),
        ];
        for (frames, want) in cases {
            let (r, out) = feed(frames, Some("sha256:aa"));
            let e = r.expect_err("refused");
            assert!(e.to_string().contains(want), "{e}");
            assert_eq!(out, b"", "{want}: output relayed");
        }
    }
}
