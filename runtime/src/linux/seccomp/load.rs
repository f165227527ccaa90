//! Loading a filter into the calling thread with `seccomp(2)`, called
//! directly: the libc wrapper is missing from some C libraries ocix is
//! cross-built against.

use super::bpf::SockFilter;
use super::profile::FLAGS;
use std::io;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};

const SECCOMP_SET_MODE_FILTER: libc::c_uint = 1;

/// `SECCOMP_FILTER_FLAG_*` that ocix sets itself (linux/seccomp.h).
pub const TSYNC: u32 = 1;
pub const NEW_LISTENER: u32 = 8;
pub const TSYNC_ESRCH: u32 = 16;
pub const WAIT_KILLABLE_RECV: u32 = 32;

/// `struct sock_fprog`.
#[repr(C)]
struct SockFprog {
    len: libc::c_ushort,
    filter: *const SockFilter,
}

/// Loads `prog` with `flags`; with [`NEW_LISTENER`] returns the notify
/// listener fd (close-on-exec, as the kernel creates it).
pub fn load(prog: &[SockFilter], flags: u32) -> io::Result<Option<OwnedFd>> {
    let len = libc::c_ushort::try_from(prog.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "filter too long"))?;
    let fprog = SockFprog {
        len,
        filter: prog.as_ptr(),
    };
    // SAFETY: `fprog` points at `prog`, both alive for the call; the kernel
    // copies the program and keeps no pointer to our memory.
    let r = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            SECCOMP_SET_MODE_FILTER,
            flags,
            &fprog as *const SockFprog,
        )
    };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & NEW_LISTENER == 0 {
        return Ok(None);
    }
    let fd = RawFd::try_from(r).map_err(|_| io::Error::other("listener fd out of range"))?;
    // SAFETY: the kernel just created this descriptor for us; nothing else
    // owns it.
    Ok(Some(unsafe { OwnedFd::from_raw_fd(fd) }))
}

/// The profile flags the running kernel knows. Probed as libseccomp
/// does: with no program, a known flag set fails with EFAULT (copying the
/// program) and an unknown one with EINVAL, so nothing is loaded.
pub fn supported_flags() -> Vec<&'static str> {
    FLAGS
        .iter()
        .filter(|(_, bit)| {
            // The kernel takes WAIT_KILLABLE_RECV only with a listener.
            let bits = match *bit {
                WAIT_KILLABLE_RECV => bit | NEW_LISTENER,
                b => b,
            };
            // SAFETY: a null program is never dereferenced: the kernel
            // fails with EFAULT copying it from user memory.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_seccomp,
                    SECCOMP_SET_MODE_FILTER,
                    bits,
                    std::ptr::null::<SockFprog>(),
                )
            };
            r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EFAULT)
        })
        .map(|(name, _)| *name)
        .collect()
}
