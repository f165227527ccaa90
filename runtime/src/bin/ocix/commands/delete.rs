use crate::cli::DeleteArgs;
use ocix_runtime::container::delete::delete;
use ocix_runtime::container::ContainerError;
use ocix_runtime::state::{StateError, Store};

pub fn run(store: &Store, a: &DeleteArgs) -> anyhow::Result<i32> {
    match delete(store, &a.id, a.force) {
        // As runc: a forced delete of a container that is already gone
        // succeeds (podman and containerd clean up after a failed create).
        Err(ContainerError::State(StateError::NotFound(_))) if a.force => Ok(0),
        r => r.map(|()| 0).map_err(Into::into),
    }
}
