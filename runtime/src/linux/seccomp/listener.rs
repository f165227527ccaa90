//! `SCMP_ACT_NOTIFY`: the listener fd goes to the unix socket at
//! `listenerPath` in one message (SCM_RIGHTS) with runtime-spec's
//! `containerProcessState` JSON, as runc sends it.
//!
//! `listenerPath` is a host path, but the filter is loaded inside the
//! container, after pivot_root (or setns, for exec). So the caller
//! connects while the host's tree is still in view ([`prepare_listener`])
//! and [`send`] uses that connection once the filter exists: the listener
//! sees a connection at create and the fd at start. The process doing this
//! is a single-threaded child of its own, so one process-wide slot is all
//! the state needed.

use super::SeccompError;
use crate::spec::{Seccomp, OCI_VERSION};
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags};
use serde_json::{json, Value};
use std::io::{self, IoSlice, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, PoisonError};

/// The connection to `listenerPath` and the message to send on it.
static PREPARED: Mutex<Option<(UnixStream, String)>> = Mutex::new(None);

fn listener_err(s: &Seccomp) -> impl Fn(io::Error) -> SeccompError + '_ {
    move |source| SeccompError::Listener {
        path: s.listener_path.clone().unwrap_or_default(),
        source,
    }
}

/// If `seccomp` notifies, connects to its `listenerPath` and composes the
/// message with the container state `state_json`. Call it while the path
/// is reachable, before the process enters the container's mounts.
pub fn prepare_listener(seccomp: Option<&Seccomp>, state_json: &str) -> Result<(), SeccompError> {
    let Some(s) = seccomp.filter(|s| s.syscalls.iter().any(|r| r.action == "SCMP_ACT_NOTIFY"))
    else {
        return Ok(());
    };
    let msg = process_state(s, state_json, own_pid())?;
    let path = s.listener_path.as_deref().unwrap_or_default();
    let stream = UnixStream::connect(path).map_err(listener_err(s))?;
    *PREPARED.lock().unwrap_or_else(PoisonError::into_inner) = Some((stream, msg));
    Ok(())
}

/// Our pid as the host sees it: before pivot_root, `/proc` is still the
/// host's procfs, whose `self` names us in the host's pid namespace.
fn own_pid() -> Option<u64> {
    let link = std::fs::read_link("/proc/self").ok()?;
    link.to_str()?.parse().ok()
}

/// runtime-spec `containerProcessState`; `state` is the container state
/// (status `creating`, as runc sends it). A state still without the pid
/// (0) gets `pid`, the process's own.
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
    let mut msg = json!({
        "ociVersion": OCI_VERSION,
        "fds": ["seccompFd"],
        "pid": state["pid"],
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
    let prepared = PREPARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    let (mut stream, msg) = prepared.ok_or_else(|| {
        err(io::Error::other(
            "no connection was prepared before entering the container",
        ))
    })?;
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
        let built = process_state(&s, state, Some(7)).expect("builds");
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
    }
}
