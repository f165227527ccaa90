//! `kill`: signal a container's process, or all of its processes.

use super::ContainerError;
use crate::state::{Status, Store};
use nix::sys::signal::{kill as send, Signal};
use nix::unistd::Pid;
use std::str::FromStr;

/// Parses `KILL`, `SIGKILL`, `kill` or `9`.
pub fn parse_signal(s: &str) -> Result<Signal, ContainerError> {
    if let Ok(n) = s.parse::<i32>() {
        return Signal::try_from(n).map_err(|_| ContainerError::Signal(s.into()));
    }
    let upper = s.to_ascii_uppercase();
    let name = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    Signal::from_str(&name).map_err(|_| ContainerError::Signal(s.into()))
}

/// Sends `sig` to the container's init, or with `all` to every process in
/// its pid namespace.
pub fn kill(store: &Store, id: &str, sig: Signal, all: bool) -> Result<(), ContainerError> {
    let s = super::query::state(store, id)?;
    if !matches!(s.status, Status::Created | Status::Running | Status::Paused) {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: s.status,
            what: "container not running",
        });
    }
    let own_pid_ns = std::fs::read_link(format!("/proc/{}/ns/pid", s.pid)).ok()
        != std::fs::read_link("/proc/self/ns/pid").ok();
    let in_cgroup = if all {
        super::cgroup::owned_procs(&store.root().join(id), &s)
    } else {
        Vec::new()
    };
    let targets = if !in_cgroup.is_empty() {
        in_cgroup
    } else if all && own_pid_ns {
        crate::process::pids_in_pid_ns(s.pid)
    } else {
        vec![s.pid]
    };
    for pid in targets {
        match send(Pid::from_raw(pid), sig) {
            // With --all, a listed process may have exited since.
            Err(nix::errno::Errno::ESRCH) if all => {}
            r => r.map_err(|e| ContainerError::Io {
                what: format!("kill {pid} {sig}"),
                source: e.into(),
            })?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_spellings() {
        for s in ["KILL", "SIGKILL", "kill", "9"] {
            assert_eq!(parse_signal(s).expect(s), Signal::SIGKILL);
        }
        assert!(parse_signal("NOPE").is_err());
        assert!(parse_signal("99").is_err());
    }
}
