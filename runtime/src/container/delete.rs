//! `delete`: remove a stopped container (or, forced, any container).

use super::{start::saved_hooks, wait, ContainerError};
use crate::linux::hooks;
use crate::state::{Status, Store};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::time::Duration;

pub fn delete(store: &Store, id: &str, force: bool) -> Result<(), ContainerError> {
    let dir = store.open(id)?;
    let Some(mut state) = dir.load()? else {
        // The create died before writing anything: just the directory.
        dir.remove()?;
        return Ok(());
    };
    state.refresh();
    let alive = state.pid > 0 && crate::process::is_alive(state.pid, state.private.pid_start);
    match state.status {
        Status::Running | Status::Paused if !force => {
            return Err(ContainerError::WrongStatus {
                id: id.into(),
                status: state.status,
                what: "cannot delete a container that is not stopped (use --force)",
            })
        }
        _ => {}
    }
    if alive {
        // A created container is killed too, as runc does: containerd
        // deletes containers whose start failed.
        let own_ns = std::fs::read_link(format!("/proc/{}/ns/pid", state.pid)).ok()
            != std::fs::read_link("/proc/self/ns/pid").ok();
        let pids = if own_ns {
            crate::process::pids_in_pid_ns(state.pid)
        } else {
            vec![state.pid]
        };
        let in_cgroup = super::cgroup::owned_procs(dir.path(), &state);
        for pid in pids.into_iter().chain(in_cgroup) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        // A frozen (v1) task takes its SIGKILL only once thawed.
        super::cgroup::thaw(dir.path(), &state);
        if !wait::wait_gone(state.pid, state.private.pid_start, Duration::from_secs(10)) {
            return Err(ContainerError::Other(format!(
                "container {id:?}: process {} did not exit after SIGKILL",
                state.pid
            )));
        }
    }
    crate::fault::point("delete:after-kill");
    state.status = Status::Stopped;
    if let Some(h) = saved_hooks(&dir, &state) {
        if state.private.started || !h.poststop.is_empty() {
            let json = serde_json::to_vec(&state.to_spec_json()).unwrap_or_default();
            hooks::run_hooks_best_effort("poststop", &h.poststop, &json);
        }
    }
    super::cgroup::remove(dir.path(), &state)?;
    dir.remove()?;
    Ok(())
}
