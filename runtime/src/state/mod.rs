//! Container state under `--root`: one 0700 directory per container holding
//! `state.json` (written atomically) and used as the container's lock.

mod record;
mod store;
mod time;

pub use record::{ContainerState, Status};
pub use store::{validate_id, ContainerDir, StateError, Store};
pub use time::rfc3339_now;
