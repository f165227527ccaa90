//! The vm backend: the host side boots a guest with the bundle in its
//! initramfs ([`host`]); the same binary is the guest's `/init`
//! ([`agent`]), which runs the container with the runtime core and
//! streams its output back. [`job`] is what passes between them.

pub mod agent;
pub mod host;
mod job;
