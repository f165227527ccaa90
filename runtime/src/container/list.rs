//! `list`: every container under `--root`.

use super::ContainerError;
use crate::state::{ContainerState, Store};

/// Live states of all containers, sorted by id. Containers whose state
/// cannot be read are skipped (a create may be writing it).
pub fn list(store: &Store) -> Result<Vec<ContainerState>, ContainerError> {
    let ids = store.ids()?;
    Ok(ids
        .iter()
        .filter_map(|id| super::query::state(store, id).ok())
        .collect())
}
