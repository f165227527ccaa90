//! A progress display for a long child process on a terminal.
//!
//! The child's own step lines (those starting with `prefix`) stay on
//! screen; all it prints goes to a log file; one status line below them
//! shows the current step, the time taken and how much output came. When
//! the child fails, the end of the log is printed.

use anyhow::Context;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often the status line is redrawn while the child is quiet.
const TICK: Duration = Duration::from_millis(200);
/// Log lines shown when the child fails.
const TAIL: usize = 20;
const SPINNER: [char; 4] = ['|', '/', '-', '\\'];

/// Runs `cmd` with its output in `log`, showing progress on stderr.
pub fn run(mut cmd: Command, prefix: &str, title: &str, log: &Path) -> anyhow::Result<ExitStatus> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("mkdir {}", dir.display()))?;
    }
    let mut log_file =
        std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?;
    let (read, write) = nix::unistd::pipe().context("pipe")?;
    let write = std::fs::File::from(write);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(write.try_clone().context("dup")?))
        .stderr(Stdio::from(write));
    let mut child = cmd.spawn().context("spawn")?;
    // The command holds our copies of the pipe's write end: without
    // dropping it the reader would never see the end of the output.
    drop(cmd);
    let (tx, rx) = channel::<Vec<u8>>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(std::fs::File::from(read)).split(b'\n') {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut status = Status {
        title,
        step: String::new(),
        lines: 0,
        started: Instant::now(),
        drawn: 0,
        last: None,
    };
    let mut err = std::io::stderr().lock();
    loop {
        match rx.recv_timeout(TICK) {
            Ok(line) => {
                let _ = log_file.write_all(&line);
                let _ = log_file.write_all(b"\n");
                let text = String::from_utf8_lossy(&line);
                if let Some(step) = text.strip_prefix(prefix) {
                    // Steps stay on screen, above the status line.
                    let _ = write!(err, "\r\x1b[2K{text}\n");
                    status.step = step.trim().to_string();
                    status.last = None;
                } else {
                    status.lines += 1;
                }
            }
            Err(RecvTimeoutError::Timeout) => status.last = None,
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // At most every TICK while output streams in.
        if status.last.map_or(true, |t| t.elapsed() >= TICK) {
            status.draw(&mut err);
        }
    }
    let _ = reader.join();
    let result = child.wait().context("wait")?;
    let _ = write!(err, "\r\x1b[2K");
    let took = clock(status.started.elapsed());
    if result.success() {
        let _ = writeln!(err, "{title}: done in {took} (log: {})", log.display());
    } else {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(TAIL).collect();
        let _ = writeln!(err, "{title}: failed after {took}; the log ends:");
        for l in tail.iter().rev() {
            let _ = writeln!(err, "  {l}");
        }
        let _ = writeln!(err, "(whole log: {})", log.display());
    }
    Ok(result)
}

/// What the status line shows.
struct Status<'a> {
    title: &'a str,
    step: String,
    lines: u64,
    started: Instant,
    drawn: u64,
    /// When the line was last drawn; `None`: draw at the next chance.
    last: Option<Instant>,
}

impl Status<'_> {
    fn draw(&mut self, err: &mut impl Write) {
        let spin = SPINNER[(self.drawn % SPINNER.len() as u64) as usize];
        self.drawn += 1;
        self.last = Some(Instant::now());
        let mut line = format!(
            "{spin} {} · {} · {} · {} lines of output",
            self.title,
            clock(self.started.elapsed()),
            if self.step.is_empty() {
                "starting"
            } else {
                &self.step
            },
            self.lines
        );
        let width = ocix_runtime::linux::console::get_size(2)
            .map(|(_, cols)| usize::from(cols))
            .filter(|c| *c > 0)
            .unwrap_or(80);
        if line.chars().count() >= width {
            line = line.chars().take(width.saturating_sub(1)).collect();
        }
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
    }
}

/// `m:ss` of a duration.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}", s / 60, s % 60)
}
