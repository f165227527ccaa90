//! The crate's error type.

use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong preparing, booting or supervising a guest.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// No machine profile for this architecture.
    #[error("no guest machine for {arch}: the vm backend supports {supported}")]
    NoProfile {
        /// The requested architecture's canonical name.
        arch: String,
        /// The architectures that have profiles.
        supported: String,
    },
    /// A vCPU count the guest's machine cannot boot.
    #[error("--cpus {asked}: {key} guests (QEMU's {machine}) boot with {}", vcpus(*.max))]
    Cpus {
        /// The profile's key.
        key: &'static str,
        /// The QEMU machine.
        machine: &'static str,
        /// The most it boots.
        max: u32,
        /// What was asked for.
        asked: u32,
    },
    /// A file the guest needs is missing.
    #[error("{what} not found at {}; {hint}", path.display())]
    Missing {
        /// What is missing (`kernel for aarch64`).
        what: String,
        /// Where it was looked for.
        path: PathBuf,
        /// How to get it.
        hint: String,
    },
    /// An I/O error, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The guest sent bytes that are not a valid frame.
    #[error("guest protocol: {0}")]
    Protocol(#[from] crate::protocol::ProtocolError),
    /// QEMU's monitor refused a command or could not be read.
    #[error("QEMU monitor: {0}")]
    Monitor(String),
    /// QEMU could not restore a saved guest.
    #[error("cannot restore the saved guest{}", qemu_stderr(.stderr))]
    Restore {
        /// QEMU's own stderr.
        stderr: String,
    },
    /// QEMU could not be started.
    #[error("cannot start {program}: {source}")]
    Spawn {
        /// The QEMU binary.
        program: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The guest did not finish in time.
    #[error("guest timed out after {}s{}", .limit.as_secs_f32(), console_tail(.console))]
    Timeout {
        /// The limit.
        limit: Duration,
        /// The last kernel console lines.
        console: Vec<String>,
    },
    /// QEMU ended without the guest reporting an exit status.
    #[error("guest ended without an exit status ({status}){}{}", qemu_stderr(.stderr), console_tail(.console))]
    NoExit {
        /// QEMU's exit status.
        status: String,
        /// QEMU's own stderr.
        stderr: String,
        /// The last kernel console lines.
        console: Vec<String>,
    },
    /// The guest agent reported an error.
    #[error("guest agent: {message}{}", console_tail(.console))]
    Agent {
        /// The agent's message.
        message: String,
        /// The last kernel console lines.
        console: Vec<String>,
    },
    /// The agent reported another digest of what it received than the
    /// host expected.
    #[error("the guest received {reported}, not the expected {expected}{}", agent_detail(.detail))]
    DigestMismatch {
        /// What the host asked for.
        expected: String,
        /// What the agent reported.
        reported: String,
        /// The agent's own message, if it sent one.
        detail: String,
    },
    /// The agent was asked for the digest of what it received and sent
    /// output (or its exit status) without reporting one.
    #[error(
        "the guest agent did not report the digest of what it received before its \
         output; an agent built before digest reports ignores the request: rebuild it"
    )]
    NoDigest,
    /// Interrupted by a signal (Ctrl-C); QEMU was stopped.
    #[error("interrupted by {0}; guest stopped")]
    Interrupted(&'static str),
}

impl VmError {
    /// An [`VmError::Io`] maker for `map_err`.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> VmError {
        let context = context.into();
        move |source| VmError::Io { context, source }
    }
}

/// The vCPU counts a machine boots with, `max` at most.
fn vcpus(max: u32) -> String {
    match max {
        1 => "1 vCPU only".into(),
        u32::MAX => "at least 1 vCPU".into(),
        n => format!("1 to {n} vCPUs"),
    }
}

fn console_tail(lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut s = String::from("\nlast kernel console lines:");
    for l in lines {
        s.push_str("\n  ");
        s.push_str(l);
    }
    s
}

fn qemu_stderr(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("\nqemu: {t}")
    }
}

fn agent_detail(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        String::new()
    } else {
        format!("\nguest agent: {t}")
    }
}
