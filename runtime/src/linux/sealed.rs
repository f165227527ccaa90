//! Running from a sealed copy of our own binary (CVE-2019-5736).
//!
//! A process inside a container can reach the runtime's binary through
//! `/proc/<pid>/exe` of any ocix process that enters the container (init
//! before it execs, exec's child) and, once no ocix runs it, reopen it for
//! writing and replace the host's `ocix`. Re-executing from a memfd copy
//! sealed against writes makes that handle point at the copy, which
//! cannot be changed.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd};

const SEALS: libc::c_int =
    libc::F_SEAL_SEAL | libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE;

/// Whether `f` is a memfd sealed against writes.
fn is_sealed(f: &File) -> bool {
    // SAFETY: fcntl(F_GET_SEALS) on a descriptor we own; no memory passed.
    let seals = unsafe { libc::fcntl(f.as_raw_fd(), libc::F_GET_SEALS) };
    seals >= 0 && seals & libc::F_SEAL_WRITE != 0
}

/// Re-execs the current command line from a sealed memfd copy, unless
/// already running from one. Returns only if that is not needed or not
/// possible (the error says why; callers may go on unprotected).
pub fn reexec_sealed() -> io::Result<()> {
    let mut exe = File::open("/proc/self/exe")?;
    if is_sealed(&exe) {
        return Ok(());
    }
    let name = c"ocix";
    // SAFETY: memfd_create with a valid C string; returns a new fd or -1.
    let fd =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: memfd_create just returned this descriptor; we own it.
    let mut copy = unsafe { File::from_raw_fd(fd) };
    io::copy(&mut exe, &mut copy)?;
    // SAFETY: fcntl(F_ADD_SEALS) with an integer argument on our fd.
    if unsafe { libc::fcntl(copy.as_raw_fd(), libc::F_ADD_SEALS, SEALS) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let args: Vec<CString> = std::env::args_os()
        .map(|a| CString::new(std::os::unix::ffi::OsStringExt::into_vec(a)))
        .collect::<Result<_, _>>()
        .map_err(io::Error::other)?;
    let env: Vec<CString> = std::env::vars_os()
        .map(|(k, v)| {
            let mut kv = std::os::unix::ffi::OsStringExt::into_vec(k);
            kv.push(b'=');
            kv.extend(std::os::unix::ffi::OsStringExt::into_vec(v));
            CString::new(kv)
        })
        .collect::<Result<_, _>>()
        .map_err(io::Error::other)?;
    let e = nix::unistd::fexecve(copy.as_raw_fd(), &args, &env);
    Err(match e {
        Err(err) => io::Error::from(err),
        Ok(never) => match never {},
    })
}
