//! The vm backend: the host side boots or restores a guest and hands it
//! the bundle ([`host`], [`snapshot`], [`prune`]); the same binary is the
//! guest's `/init` ([`agent`], [`inbox`]), which runs the container with
//! the runtime core and streams its output back. [`job`] is what passes
//! between them.

pub mod agent;
pub mod host;
mod inbox;
mod job;
mod prune;
mod snapshot;
