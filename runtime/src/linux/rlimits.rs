//! Resource limits (`process.rlimits`).
//!
//! Set with the prlimit64 system call, which takes 64-bit limits on every
//! architecture: `rlim_t` is 32 bits on 32-bit glibc targets (armv7, mips,
//! ppc) and the resource type differs between glibc and musl, while the
//! spec's limits are u64 everywhere.

use crate::spec::Rlimit;
use std::io;

const RESOURCES: [(&str, libc::c_int); 16] = [
    ("RLIMIT_CPU", libc::RLIMIT_CPU as libc::c_int),
    ("RLIMIT_FSIZE", libc::RLIMIT_FSIZE as libc::c_int),
    ("RLIMIT_DATA", libc::RLIMIT_DATA as libc::c_int),
    ("RLIMIT_STACK", libc::RLIMIT_STACK as libc::c_int),
    ("RLIMIT_CORE", libc::RLIMIT_CORE as libc::c_int),
    ("RLIMIT_RSS", libc::RLIMIT_RSS as libc::c_int),
    ("RLIMIT_NPROC", libc::RLIMIT_NPROC as libc::c_int),
    ("RLIMIT_NOFILE", libc::RLIMIT_NOFILE as libc::c_int),
    ("RLIMIT_MEMLOCK", libc::RLIMIT_MEMLOCK as libc::c_int),
    ("RLIMIT_AS", libc::RLIMIT_AS as libc::c_int),
    ("RLIMIT_LOCKS", libc::RLIMIT_LOCKS as libc::c_int),
    ("RLIMIT_SIGPENDING", libc::RLIMIT_SIGPENDING as libc::c_int),
    ("RLIMIT_MSGQUEUE", libc::RLIMIT_MSGQUEUE as libc::c_int),
    ("RLIMIT_NICE", libc::RLIMIT_NICE as libc::c_int),
    ("RLIMIT_RTPRIO", libc::RLIMIT_RTPRIO as libc::c_int),
    ("RLIMIT_RTTIME", libc::RLIMIT_RTTIME as libc::c_int),
];

/// The kernel resource for a spec name such as `RLIMIT_NOFILE`.
pub fn resource_from_name(name: &str) -> Option<libc::c_int> {
    RESOURCES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// Applies every rlimit of the process (names were validated at load).
pub fn apply(limits: &[Rlimit]) -> io::Result<()> {
    for l in limits {
        let Some(res) = resource_from_name(&l.kind) else {
            continue;
        };
        // The kernel's `struct rlimit64`: two u64s on every architecture.
        let lim: [u64; 2] = [l.soft, l.hard];
        let none: *mut [u64; 2] = std::ptr::null_mut();
        // SAFETY: pid 0 is the caller; `lim` is a valid rlimit64 for the
        // duration of the call and the old limit is not asked for (null).
        if unsafe { libc::syscall(libc::SYS_prlimit64, 0, res, &lim, none) } != 0 {
            let e = io::Error::last_os_error();
            return Err(io::Error::new(
                e.kind(),
                format!("setrlimit {} {}/{}: {e}", l.kind, l.soft, l.hard),
            ));
        }
    }
    Ok(())
}
