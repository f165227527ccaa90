//! seccomp: runtime-spec `linux.seccomp` compiled to a classic BPF filter
//! by ocix itself, from per-architecture system call tables generated from
//! the kernel's uapi headers (`tables/gen.sh`).
//!
//! Not libseccomp: ocix is cross-built statically for armv7, aarch64,
//! ppc64, ppc64le and mips guests, some through `-Zbuild-std`, and a C
//! library would need its own static cross build per target. What ocix
//! needs of it is small: name-to-number tables (data) and a compiler whose
//! output the tests run in a BPF interpreter for every ABI.
//!
//! Semantics follow runc with libseccomp: the native ABI is always covered
//! and `architectures` adds more; calls of any other ABI are killed; names
//! an ABI lacks are skipped there; ERRNO and TRACE default to EPERM;
//! rules whose action is the default are dropped; two comparisons of one
//! argument in a rule are ORed (one rule each), others ANDed. As in
//! libseccomp, a rule for a socket or System V IPC call also covers that
//! call made through `socketcall` or `ipc` on the ABIs that have them
//! (i386, ppc, ppc64, s390, s390x, MIPS o32).
//!
//! - `arch`: the ABIs, as data; `tables/`: their system call numbers.
//! - `profile`: names parsed and checked, errors with JSON paths.
//! - `bpf`: instructions and an assembler that handles long jumps.
//! - `compile`: profile to program; `load`: seccomp(2);
//!   `listener`: the notify fd to `listenerPath`.

mod arch;
mod bpf;
mod compile;
mod error;
mod listener;
mod load;
mod profile;
mod tables;

#[cfg(test)]
mod interp;
#[cfg(test)]
mod tests;

pub use arch::{AuditArch, UNSUPPORTED_NAMES, X32_SYSCALL_BIT};
pub use bpf::{SockFilter, MAX_INSNS};
pub use compile::compile;
pub use error::SeccompError;
pub use listener::{prepare_listener, process_state, set_listener_pid};
pub use load::supported_flags;
pub use profile::{ACTION_NAMES, FLAGS, OPERATOR_NAMES};

use crate::spec::Seccomp;
use profile::Profile;

/// Checks `seccomp` as [`install`] would, without loading anything: names,
/// values, and (on a supported host) that the native filter fits.
pub fn validate(seccomp: &Seccomp) -> Result<(), SeccompError> {
    match AuditArch::native() {
        Some(native) => compile(seccomp, native).map(|_| ()),
        None => Profile::parse(seccomp).map(|_| ()),
    }
}

/// Compiles `seccomp` for the native ABI and loads it into the calling
/// thread. With `SCMP_ACT_NOTIFY` rules, sends the listener fd over the
/// connection [`prepare_listener`] made.
///
/// Without no_new_privs the caller must hold CAP_SYS_ADMIN. The calls
/// made after loading (up to execve) are filtered too.
pub fn install(seccomp: &Seccomp) -> Result<(), SeccompError> {
    let native = AuditArch::native().ok_or(SeccompError::UnsupportedHost)?;
    let p = Profile::parse(seccomp)?;
    let prog = compile::generate(&p, native)?;
    let mut flags = p.flags;
    if p.notify {
        flags |= load::NEW_LISTENER;
        // TSYNC with a listener is refused unless failures say ESRCH.
        if flags & load::TSYNC != 0 {
            flags |= load::TSYNC_ESRCH;
        }
    } else {
        // Meaningful (and accepted) only with a listener, as in libseccomp.
        flags &= !load::WAIT_KILLABLE_RECV;
    }
    match load::load(&prog, flags).map_err(SeccompError::Load)? {
        Some(fd) => listener::send(fd, seccomp),
        None => Ok(()),
    }
}
