//! `state`: what a container is doing now.

use super::ContainerError;
use crate::state::{ContainerState, StateError, Store};

/// The live state of `id`, read without taking the container's lock so
/// that it answers while a `create` is in progress.
pub fn state(store: &Store, id: &str) -> Result<ContainerState, ContainerError> {
    crate::state::validate_id(id)?;
    let file = store.root().join(id).join("state.json");
    let bytes = std::fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ContainerError::State(StateError::NotFound(id.into())),
        _ => ContainerError::Io {
            what: format!("cannot read {}", file.display()),
            source: e,
        },
    })?;
    let mut s: ContainerState =
        serde_json::from_slice(&bytes).map_err(|source| StateError::Corrupt {
            path: file.display().to_string(),
            source,
        })?;
    s.refresh();
    Ok(s)
}

/// [`state`], refused with `WrongStatus` once the container has stopped:
/// for the verbs that need its processes (`ps`, `events`).
pub fn live_state(store: &Store, id: &str) -> Result<ContainerState, ContainerError> {
    let s = state(store, id)?;
    if s.status == crate::state::Status::Stopped {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: s.status,
            what: "container not running",
        });
    }
    Ok(s)
}
