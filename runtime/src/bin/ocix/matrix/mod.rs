//! `ocix matrix` machinery: host facts for the planner, one child
//! `ocix run` per cell with its own timeout, a worker pool, a progress
//! line and Ctrl-C handling. Planning and reports live in
//! `ocix_arch_matrix::matrix`.

pub mod cell;
pub mod host;
pub mod pool;
pub mod progress;
pub mod signals;
