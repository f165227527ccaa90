//! `pause`: freeze every process of a container (cgroup freezer).

use super::{cgroup, ContainerError};
use crate::state::{Status, Store};

pub fn pause(store: &Store, id: &str) -> Result<(), ContainerError> {
    let dir = store.open(id)?;
    let mut state = dir
        .load()?
        .ok_or_else(|| ContainerError::Other(format!("container {id:?} has no state yet")))?;
    state.refresh();
    if !matches!(state.status, Status::Running | Status::Created) {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: state.status,
            what: "only a running or created container can be paused",
        });
    }
    cgroup::open_or_err(dir.path(), &state)?.freeze(true)?;
    Ok(())
}
