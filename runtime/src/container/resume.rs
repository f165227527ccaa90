//! `resume`: thaw a paused container.

use super::{cgroup, ContainerError};
use crate::state::{Status, Store};

pub fn resume(store: &Store, id: &str) -> Result<(), ContainerError> {
    let dir = store.open(id)?;
    let mut state = dir
        .load()?
        .ok_or_else(|| ContainerError::Other(format!("container {id:?} has no state yet")))?;
    state.refresh();
    if state.status != Status::Paused {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: state.status,
            what: "only a paused container can be resumed",
        });
    }
    cgroup::open_or_err(dir.path(), &state)?.freeze(false)?;
    Ok(())
}
