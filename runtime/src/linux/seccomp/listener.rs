//! `SCMP_ACT_NOTIFY`: the listener fd goes to the unix socket at
//! `listenerPath` in one message (SCM_RIGHTS) with runtime-spec's
//! `containerProcessState` JSON, as runc sends it.
//!
//! `listenerPath` is a host path, but the filter is loaded inside the
//! container, after pivot_root (or setns, for exec). So the caller
//! connects while the host's tree is still in view ([`prepare_listener`])
//! and [`send`] uses that connection once the filter exists: the listener
//! sees a connection at create (or exec) and the fd at start. The process
//! doing this is a single-threaded child of its own, so one process-wide
//! slot is all the state needed; a fork inherits it.

use super::SeccompError;
use crate::spec::{Seccomp, OCI_VERSION};
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
use serde_json::{json, Value};
use std::io::{self, IoSlice, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, PoisonError};

/// The connection to `listenerPath`, the container state to send on it
/// and the pid (host's view) of the process that loads the filter.
struct Prepared {
    stream: UnixStream,
    state: String,
    pid: Option<u64>,
}

static PREPARED: Mutex<Option<Prepared>> = Mutex::new(None);

fn listener_err(s: &Seccomp) -> impl Fn(io::Error) -> SeccompError + '_ {
    move |source| SeccompError::Listener {
        path: s.listener_path.clone().unwrap_or_default(),
        source,
    }
}

/// If `seccomp` notifies, connects to its `listenerPath` and keeps the
/// container state `state_json` for the message; returns whether it did.
/// Call it while the path is reachable, before the process enters the
/// container's mounts.
pub fn prepare_listener(seccomp: Option<&Seccomp>, state_json: &str) -> Result<bool, SeccompError> {
    let Some(s) = seccomp.filter(|s| s.syscalls.iter().any(|r| r.action == "SCMP_ACT_NOTIFY"))
    else {
        return Ok(false);
    };
    let pid = own_pid();
    // A state that cannot make a message fails here, not in the container.
    process_state(s, state_json, pid)?;
    let path = s.listener_path.as_deref().unwrap_or_default();
    let stream = UnixStream::connect(path).map_err(listener_err(s))?;
    *slot() = Some(Prepared {
        stream,
        state: state_json.to_string(),
        pid,
    });
    Ok(true)
}

/// Names `pid` (as the host sees it) as the process the message is for:
/// exec's process is forked into the container's pid namespace after
/// [`prepare_listener`] ran in its parent, and cannot see its host pid.
pub fn set_listener_pid(pid: u64) {
    if let Some(p) = slot().as_mut() {
        p.pid = Some(pid);
    }
}

fn slot() -> std::sync::MutexGuard<'static, Option<Prepared>> {
    PREPARED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Our pid as the host sees it: before pivot_root, `/proc` is still the
/// host's procfs, whose `self` names us in the host's pid namespace.
fn own_pid() -> Option<u64> {
    let link = std::fs::read_link("/proc/self").ok()?;
    link.to_str()?.parse().ok()
}

/// runtime-spec `containerProcessState` for the process `pid` (host's
/// view; else the state's pid); `state` is the container state (status
/// `creating` at create, `running` at exec, as runc sends them). A state
/// still without the pid (0) gets `pid`.
pub fn process_state(
    seccomp: &Seccomp,
    state_json: &str,
    pid: Option<u64>,
) -> Result<String, SeccompError> {
    let mut state: Value = serde_json::from_str(state_json).map_err(|e| {
        listener_err(seccomp)(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("container state: {e}"),
        ))
    })?;
    if let (Some(pid), 0) = (pid, state["pid"].as_u64().unwrap_or_default()) {
        state["pid"] = json!(pid);
    }
    let process_pid = pid.map_or_else(|| state["pid"].clone(), |p| json!(p));
    let mut msg = json!({
        "ociVersion": OCI_VERSION,
        "fds": ["seccompFd"],
        "pid": process_pid,
        "state": state,
    });
    if let Some(m) = seccomp
        .listener_metadata
        .as_deref()
        .filter(|m| !m.is_empty())
    {
        msg["metadata"] = json!(m);
    }
    Ok(msg.to_string())
}

/// Sends `listener` over the prepared connection, then closes both here.
pub fn send(listener: OwnedFd, seccomp: &Seccomp) -> Result<(), SeccompError> {
    let err = listener_err(seccomp);
    let prepared = slot().take().ok_or_else(|| {
        err(io::Error::other(
            "no connection was prepared before entering the container",
        ))
    })?;
    let msg = process_state(seccomp, &prepared.state, prepared.pid)?;
    let mut stream = prepared.stream;
    let fds = [listener.as_raw_fd()];
    let sent = sendmsg::<()>(
        stream.as_raw_fd(),
        &[IoSlice::new(msg.as_bytes())],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )
    .map_err(|e| err(e.into()))?;
    // A stream socket may take less; the fd went with the first byte.
    stream
        .write_all(msg.as_bytes().get(sent..).unwrap_or_default())
        .map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_a_container_process_state() {
        let s: Seccomp = serde_json::from_value(json!({"defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": "/a", "listenerMetadata": "meta"}))
        .expect("profile");
        let state = r#"{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":4242}"#;
        let built = process_state(&s, state, Some(4242)).expect("builds");
        let msg: Value = serde_json::from_str(&built).expect("json");
        assert_eq!(msg["fds"], json!(["seccompFd"]));
        assert_eq!(msg["pid"], 4242);
        assert_eq!(msg["state"]["pid"], 4242);
        assert_eq!(msg["metadata"], "meta");
        assert_eq!(msg["state"]["id"], "c1");
        assert_eq!(msg["ociVersion"], OCI_VERSION);
        let no_pid = r#"{"id":"c1","status":"creating","pid":0}"#;
        let built = process_state(&s, no_pid, Some(7)).expect("builds");
        let msg: Value = serde_json::from_str(&built).expect("json");
        assert_eq!((&msg["pid"], &msg["state"]["pid"]), (&json!(7), &json!(7)));
        // exec: the message names the exec'd process, the state the init.
        let running = r#"{"id":"c1","status":"running","pid":4242}"#;
        let built = process_state(&s, running, Some(4300)).expect("builds");
        let msg: Value = serde_json::from_str(&built).expect("json");
        assert_eq!(
            (&msg["pid"], &msg["state"]["pid"]),
            (&json!(4300), &json!(4242))
        );
        let built = process_state(&s, running, None).expect("builds");
        let msg: Value = serde_json::from_str(&built).expect("json");
        assert_eq!(msg["pid"], 4242);
    }
}
