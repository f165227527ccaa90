//! `start`: release a created container's init so it execs the program.

use super::{startsock, ContainerError};
use crate::linux::hooks;
use crate::spec::{Hooks, Spec};
use crate::state::{ContainerDir, ContainerState, Status, Store};

/// Starts container `id`; returns its state (running).
pub fn start(store: &Store, id: &str) -> Result<ContainerState, ContainerError> {
    let dir = store.open(id)?;
    let mut state = dir
        .load()?
        .ok_or_else(|| ContainerError::Other(format!("container {id:?} has no state yet")))?;
    state.refresh();
    if state.status != Status::Created {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: state.status,
            what: "only a created container can be started",
        });
    }
    let answer = startsock::release(dir.raw_fd())
        .map_err(ContainerError::io("cannot reach the container's init"))?;
    crate::fault::point("start:after-release");
    let _ = std::fs::remove_file(dir.path().join(startsock::NAME));
    if let Err(reason) = answer {
        return Err(ContainerError::Init(reason));
    }
    state.private.started = true;
    dir.save(&state)?;
    // The program may already have exited; poststart still sees the
    // container as started, i.e. running.
    state.status = Status::Running;
    if let Some(h) = saved_hooks(&dir, &state) {
        let json = serde_json::to_vec(&state.to_spec_json()).unwrap_or_default();
        hooks::run_hooks_best_effort("poststart", &h.poststart, &json);
    }
    Ok(state)
}

/// The hooks of the saved config, without parsing it when the state
/// says it has none.
pub(crate) fn saved_hooks(dir: &ContainerDir, state: &ContainerState) -> Option<Hooks> {
    if state.private.has_hooks == Some(false) {
        return None;
    }
    saved_spec(dir).and_then(|s| s.hooks)
}

/// The config saved at create time (the bundle may have changed since).
pub(crate) fn saved_spec(dir: &ContainerDir) -> Option<Spec> {
    let bytes = std::fs::read(dir.path().join("config.json")).ok()?;
    serde_json::from_slice(&bytes).ok()
}
