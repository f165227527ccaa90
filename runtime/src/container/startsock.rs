//! `start.sock`: the unix socket in the state directory on which a created
//! container's init waits. `start` connects and sends one byte; init
//! answers with an error text, or with EOF when its exec succeeded (the
//! connection is close-on-exec).

use nix::sys::socket::{
    accept4, bind, connect, listen, socket, AddressFamily, Backlog, SockFlag, SockType, UnixAddr,
};
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

pub const NAME: &str = "start.sock";

/// `dir_fd` is the locked state directory; going through
/// `/proc/self/fd/N/` keeps the socket path short whatever `--root` is.
fn addr(dir_fd: i32) -> io::Result<UnixAddr> {
    Ok(UnixAddr::new(
        format!("/proc/self/fd/{dir_fd}/{NAME}").as_str(),
    )?)
}

/// Creates the listening socket (parent side, before fork).
pub fn listen_in(dir_fd: i32) -> io::Result<OwnedFd> {
    let s = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    bind(s.as_raw_fd(), &addr(dir_fd)?)?;
    listen(&s, Backlog::new(1).map_err(io::Error::from)?)?;
    Ok(s)
}

/// Waits for `start` (init side). Retries on EINTR.
pub fn accept(listener: &OwnedFd) -> io::Result<File> {
    loop {
        match accept4(listener.as_raw_fd(), SockFlag::SOCK_CLOEXEC) {
            Ok(fd) => {
                let mut f = {
                    // SAFETY: accept4 returned a fresh descriptor we own.
                    unsafe { File::from_raw_fd(fd) }
                };
                let mut byte = [0u8; 1];
                f.read_exact(&mut byte)?;
                return Ok(f);
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Tells `start` why the container could not start.
pub fn report_failure(conn: &mut File, msg: &str) {
    let _ = conn.write_all(msg.as_bytes());
}

/// Releases a created container (start side); `Err` carries init's reason.
pub fn release(dir_fd: i32) -> io::Result<Result<(), String>> {
    let s = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    connect(s.as_raw_fd(), &addr(dir_fd)?)?;
    let mut f = File::from(s);
    f.write_all(b"s")?;
    let mut answer = String::new();
    f.read_to_string(&mut answer)?;
    Ok(if answer.is_empty() {
        Ok(())
    } else {
        Err(answer)
    })
}
