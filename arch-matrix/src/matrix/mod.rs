//! Matrix runs: one program proven on many architectures.
//!
//! [`plan`] turns the requested arches, a [`Backend`] and a
//! [`BundleSource`] into [`Cell`]s, using [`HostFacts`] the caller
//! gathered; a cell that cannot run on this host is kept, marked skipped
//! with the reason. The caller runs the cells and renders their
//! [`CellResult`]s with [`table`], [`json`] or [`junit`]; [`github_actions`]
//! spreads the cells over CI runners instead.
//!
//! Nothing here spawns a process or probes the host.

mod bundles;
mod cell;
mod error;
mod github;
mod junit;
mod plan;
mod report;
mod result;

pub use bundles::{parse_arch_list, BundleSource};
pub use cell::{Backend, Cell};
pub use error::MatrixError;
pub use github::{github_actions, EmitOptions};
pub use junit::junit;
pub use plan::{plan, HostFacts, PlannedCell};
pub use report::{json, table};
pub use result::{CellResult, Status, Summary};
