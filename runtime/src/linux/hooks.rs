//! OCI hooks: programs the runtime runs at lifecycle points, each given
//! the container's state JSON on stdin.
//!
//! A hook runs as execve(2) would run it: `path` with `args` as the whole
//! argv (including argv[0]) and `env` as the whole environment. It gets its
//! own process group, so that a timeout kills what it started too. Its
//! stdin is fed without blocking, so a hook that never reads its stdin
//! still times out on time.

use crate::spec::Hook;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The longest sleep between polls of a running hook. Polls start at 1 ms
/// so that quick hooks cost little latency.
const MAX_NAP: Duration = Duration::from_millis(10);

/// A hook that could not run or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("hook {kind}[{index}] {path}: cannot start it")]
    Spawn {
        kind: String,
        index: usize,
        path: String,
        #[source]
        source: io::Error,
    },
    #[error("hook {kind}[{index}] {path} timed out after {secs}s")]
    Timeout {
        kind: String,
        index: usize,
        path: String,
        secs: i64,
    },
    #[error("hook {kind}[{index}] {path} failed: {status}")]
    Failed {
        kind: String,
        index: usize,
        path: String,
        status: ExitStatus,
    },
    #[error("hook {kind}[{index}] {path}: cannot feed or wait for it")]
    Supervise {
        kind: String,
        index: usize,
        path: String,
        #[source]
        source: io::Error,
    },
}

/// Runs `hooks` in order and stops at the first failure, for the kinds
/// whose failure fails the operation (prestart, createRuntime,
/// createContainer, startContainer). `kind` names them in errors.
pub fn run_hooks(kind: &str, hooks: &[Hook], state_json: &[u8]) -> Result<(), HookError> {
    for (index, hook) in hooks.iter().enumerate() {
        run_hook(kind, index, hook, state_json)?;
    }
    Ok(())
}

/// Runs every hook and only logs failures, for poststart and poststop,
/// whose failures the spec says must not stop the lifecycle.
pub fn run_hooks_best_effort(kind: &str, hooks: &[Hook], state_json: &[u8]) {
    for (index, hook) in hooks.iter().enumerate() {
        if let Err(e) = run_hook(kind, index, hook, state_json) {
            log::warn!("{}", with_sources(&e));
        }
    }
}

/// What a supervised hook came to.
enum Outcome {
    Exited(ExitStatus),
    TimedOut,
}

fn run_hook(kind: &str, index: usize, hook: &Hook, state_json: &[u8]) -> Result<(), HookError> {
    let (k, p) = (kind.to_string(), hook.path.clone());
    log::debug!("running hook {kind}[{index}] {}", hook.path);
    let mut child = spawn(hook).map_err(|source| HookError::Spawn {
        kind: k.clone(),
        index,
        path: p.clone(),
        source,
    })?;
    let secs = hook.timeout.filter(|t| *t > 0);
    let deadline = secs.map(|s| Instant::now() + Duration::from_secs(s.unsigned_abs()));
    let outcome = supervise(&mut child, state_json, deadline);
    if !matches!(outcome, Ok(Outcome::Exited(_))) {
        kill_group(&mut child);
    }
    match outcome {
        Ok(Outcome::Exited(status)) if status.success() => Ok(()),
        Ok(Outcome::Exited(status)) => Err(HookError::Failed {
            kind: k,
            index,
            path: p,
            status,
        }),
        Ok(Outcome::TimedOut) => Err(HookError::Timeout {
            kind: k,
            index,
            path: p,
            secs: secs.unwrap_or_default(),
        }),
        Err(source) => Err(HookError::Supervise {
            kind: k,
            index,
            path: p,
            source,
        }),
    }
}

fn spawn(hook: &Hook) -> io::Result<Child> {
    // Command searches PATH for a bare name; execve(2) would not.
    if !hook.path.starts_with('/') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the hook path is not absolute",
        ));
    }
    let arg0 = hook.args.first().unwrap_or(&hook.path);
    let mut cmd = Command::new(&hook.path);
    cmd.arg0(arg0)
        .args(hook.args.iter().skip(1))
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .process_group(0);
    for entry in &hook.env {
        match entry.split_once('=') {
            Some((key, value)) => cmd.env(key, value),
            None => {
                log::warn!(
                    "hook {}: env entry {entry:?} has no '=', skipped",
                    hook.path
                );
                continue;
            }
        };
    }
    cmd.spawn()
}

/// Feeds the state and waits for the hook, until `deadline` if any.
fn supervise(child: &mut Child, state: &[u8], deadline: Option<Instant>) -> io::Result<Outcome> {
    let mut feed = Feed::new(child.stdin.take(), state)?;
    let mut nap = Duration::from_millis(1);
    loop {
        feed.pump()?;
        if let Some(status) = child.try_wait()? {
            return Ok(Outcome::Exited(status));
        }
        let mut sleep = nap;
        match deadline {
            None if feed.done() => return child.wait().map(Outcome::Exited),
            None => {}
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => sleep = sleep.min(left),
                _ => return Ok(Outcome::TimedOut),
            },
        }
        std::thread::sleep(sleep);
        nap = (nap * 2).min(MAX_NAP);
    }
}

/// SIGKILLs the hook's process group and reaps the hook.
fn kill_group(child: &mut Child) {
    let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
    if nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL).is_err() {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// The state JSON on its way into a hook's stdin, written without
/// blocking; the pipe is closed once all is written or the hook stops
/// reading (EPIPE), so the hook sees end of file.
struct Feed<'a> {
    pipe: Option<ChildStdin>,
    rest: &'a [u8],
}

impl<'a> Feed<'a> {
    fn new(pipe: Option<ChildStdin>, data: &'a [u8]) -> io::Result<Feed<'a>> {
        if let Some(p) = &pipe {
            use nix::fcntl::{fcntl, FcntlArg, OFlag};
            let flags = OFlag::from_bits_retain(fcntl(p.as_raw_fd(), FcntlArg::F_GETFL)?);
            fcntl(p.as_raw_fd(), FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
        }
        Ok(Feed { pipe, rest: data })
    }

    fn done(&self) -> bool {
        self.pipe.is_none()
    }

    fn pump(&mut self) -> io::Result<()> {
        let Some(pipe) = &mut self.pipe else {
            return Ok(());
        };
        while !self.rest.is_empty() {
            match pipe.write(self.rest) {
                Ok(n) => self.rest = &self.rest[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // The hook does not read its stdin; that is its right.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break,
                Err(e) => return Err(e),
            }
        }
        self.pipe = None;
        Ok(())
    }
}

/// `error: source: source`, for a log line that stands alone.
fn with_sources(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::ExitStatusExt;
    use std::path::{Path, PathBuf};

    /// Writes an executable `#!/bin/sh` script.
    fn script(dir: &Path, name: &str, body: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).expect("write script");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        p.to_string_lossy().into_owned()
    }

    fn hook(path: &str, args: &[&str], env: &[&str], timeout: Option<i64>) -> Hook {
        Hook {
            path: path.to_string(),
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|s| s.to_string()).collect(),
            timeout,
        }
    }

    /// `run_hooks`, retried while exec fails with ETXTBSY: another test
    /// thread may fork while this one still holds a script open for write.
    fn run(kind: &str, hooks: &[Hook], state: &[u8]) -> Result<(), HookError> {
        for _ in 0..100 {
            match run_hooks(kind, hooks, state) {
                Err(HookError::Spawn { ref source, .. })
                    if source.raw_os_error() == Some(libc::ETXTBSY) =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                r => return r,
            }
        }
        run_hooks(kind, hooks, state)
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_default()
    }

    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().expect("tempdir");
        let p = t.path().to_path_buf();
        (t, p)
    }

    #[test]
    fn runs_in_order_with_args() {
        let (_t, d) = tmp();
        let out = d.join("out");
        let body = format!("printf '%s|' \"$@\" >> {0}; echo >> {0}", out.display());
        let s = script(&d, "h", &body);
        let hooks = [
            hook(&s, &["first", "a b", "c"], &[], None),
            hook(&s, &[], &[], None),
            hook(&s, &["third", "3"], &[], Some(5)),
        ];
        run("prestart", &hooks, b"{}").expect("hooks run");
        assert_eq!(read(&out), "a b|c|\n|\n3|\n");
    }

    /// argv[0] as the hook sees it; a script would lose it to the kernel's
    /// `#!` handling, so `/bin/sh` itself is the hook.
    #[test]
    fn args_zero_is_argv_zero_and_defaults_to_path() {
        let (_t, d) = tmp();
        let out = d.join("out");
        let cmd = format!("tr '\\0' '|' < /proc/$$/cmdline > {}", out.display());
        let h = hook("/bin/sh", &["my-argv0", "-c", &cmd], &[], None);
        run("prestart", &[h], b"{}").expect("hook runs");
        assert_eq!(read(&out), format!("my-argv0|-c|{cmd}|"));
        // No args: argv is just the path, and sh runs its stdin.
        run(
            "prestart",
            &[hook("/bin/sh", &[], &[], None)],
            cmd.as_bytes(),
        )
        .expect("runs");
        assert_eq!(read(&out), "/bin/sh|");
    }

    #[test]
    fn state_arrives_on_stdin() {
        let (_t, d) = tmp();
        let out = d.join("out");
        let s = script(&d, "h", &format!("cat > {}", out.display()));
        let state = br#"{"ociVersion":"1.2.0","id":"x","status":"creating"}"#;
        run("createRuntime", &[hook(&s, &[], &[], None)], state).expect("hook runs");
        assert_eq!(read(&out).as_bytes(), state);

        // Larger than a pipe's buffer, so it takes several writes.
        let big = vec![b'x'; 1 << 20];
        run("createRuntime", &[hook(&s, &[], &[], Some(10))], &big).expect("hook runs");
        assert_eq!(read(&out).len(), big.len());
    }

    #[test]
    fn env_is_exactly_the_hooks() {
        let (_t, d) = tmp();
        let out = d.join("out");
        let s = script(&d, "h", &format!("export -p > {}", out.display()));
        let env = ["FOO=1", "BAR=two words", "EMPTY=", "NOEQUALS"];
        run("prestart", &[hook(&s, &[], &env, None)], b"{}").expect("hook runs");
        let mut names: Vec<String> = read(&out)
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .map(|l| l.split('=').next().unwrap_or_default().to_string())
            .filter(|n| n != "PWD") // set by the shell itself
            .collect();
        names.sort();
        assert_eq!(names, ["BAR", "EMPTY", "FOO"]);
        assert!(read(&out).contains("BAR='two words'"));
    }

    #[test]
    fn failure_names_the_hook_and_stops_the_rest() {
        let (_t, d) = tmp();
        let marker = d.join("ran");
        let bad = script(&d, "bad", "exit 3");
        let later = script(&d, "later", &format!("touch {}", marker.display()));
        let hooks = [
            hook(&later, &[], &[], None),
            hook(&bad, &[], &[], None),
            hook(&later, &[], &[], None),
        ];
        std::fs::remove_file(&marker).ok();
        let e = run("createContainer", &hooks, b"{}").expect_err("must fail");
        match &e {
            HookError::Failed {
                index: 1, status, ..
            } => assert_eq!(status.code(), Some(3)),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(
            e.to_string(),
            format!("hook createContainer[1] {bad} failed: exit status: 3")
        );
        assert!(marker.exists(), "hook 0 ran");
        std::fs::remove_file(&marker).expect("rm");
        run_hooks_best_effort("poststop", &hooks[1..], b"{}");
        assert!(marker.exists(), "best effort continues after a failure");
    }

    #[test]
    fn signal_is_a_failure() {
        let (_t, d) = tmp();
        let s = script(&d, "h", "kill -9 $$");
        match run("startContainer", &[hook(&s, &[], &[], None)], b"{}") {
            Err(HookError::Failed { status, .. }) => assert_eq!(status.signal(), Some(9)),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn missing_or_relative_path_fails_to_spawn() {
        for path in ["/nonexistent/hook", "relative/hook", "sh"] {
            let e = run("prestart", &[hook(path, &[], &[], None)], b"{}").expect_err(path);
            assert!(
                matches!(e, HookError::Spawn { index: 0, .. }),
                "{path}: {e:?}"
            );
        }
    }

    /// Whether `pid` still runs (a zombie awaiting its reaper does not).
    fn alive(pid: i32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                !s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
            .unwrap_or(false)
    }

    #[test]
    fn timeout_kills_the_hook_and_its_children_promptly() {
        let (_t, d) = tmp();
        let pidfile = d.join("pid");
        let body = format!("sleep 30 & echo $! > {}; wait", pidfile.display());
        let s = script(&d, "h", &body);
        let start = Instant::now();
        let e = run("prestart", &[hook(&s, &[], &[], Some(1))], b"{}").expect_err("times out");
        let took = start.elapsed();
        assert!(matches!(e, HookError::Timeout { secs: 1, .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("hook prestart[0] {s} timed out after 1s")
        );
        assert!(
            took >= Duration::from_secs(1) && took < Duration::from_secs(5),
            "{took:?}"
        );
        let pid: i32 = read(&pidfile).trim().parse().expect("sleep's pid");
        let gone = (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(10));
            !alive(pid)
        });
        assert!(gone, "the hook's child {pid} survived");
    }

    #[test]
    fn timeout_holds_when_the_hook_never_reads_stdin() {
        let (_t, d) = tmp();
        let s = script(&d, "h", "sleep 30");
        let big = vec![b'x'; 4 << 20];
        let start = Instant::now();
        let e = run("prestart", &[hook(&s, &[], &[], Some(1))], &big).expect_err("times out");
        assert!(matches!(e, HookError::Timeout { .. }), "{e:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        // Not reading and exiting at once is fine (EPIPE is ignored).
        let quick = script(&d, "q", "exit 0");
        run("prestart", &[hook(&quick, &[], &[], None)], &big).expect("EPIPE is not an error");
    }
}
