//! `list`: every container under `--root`.

use super::ContainerError;
use crate::state::{ContainerState, Status, Store};

/// Live states of all containers, sorted by id.
pub fn list(store: &Store) -> Result<Vec<ContainerState>, ContainerError> {
    let ids = store.ids()?;
    Ok(ids
        .iter()
        .map(|id| super::query::state(store, id).unwrap_or_else(|_| remains(id)))
        .collect())
}

/// A directory whose state cannot be read: a create killed before it
/// wrote any. Shown as stopped so that `delete --force` can clear it.
fn remains(id: &str) -> ContainerState {
    ContainerState {
        oci_version: crate::spec::OCI_VERSION.into(),
        id: id.into(),
        status: Status::Stopped,
        pid: 0,
        bundle: String::new(),
        rootfs: String::new(),
        created: String::new(),
        owner: String::new(),
        annotations: Default::default(),
        private: Default::default(),
    }
}
