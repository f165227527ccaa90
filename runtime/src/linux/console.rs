//! Terminals: a pty allocated in the container's devpts, its master handed
//! to the caller (console socket or the `run` relay), its slave made the
//! process's controlling terminal and stdio.

use crate::spec::ConsoleSize;
use nix::sys::socket::{sendmsg, ControlMessage, MsgFlags, UnixAddr};
use std::io::{self, IoSlice};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// A freshly allocated pty pair.
pub struct Pty {
    pub master: OwnedFd,
    pub slave: OwnedFd,
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// Opens `ptmx` (the container's `<rootfs>/dev/pts/ptmx`) and its peer.
pub fn open_pty(ptmx: &Path, size: Option<ConsoleSize>) -> io::Result<Pty> {
    let master = nix::fcntl::open(
        ptmx,
        nix::fcntl::OFlag::O_RDWR | nix::fcntl::OFlag::O_NOCTTY | nix::fcntl::OFlag::O_CLOEXEC,
        nix::sys::stat::Mode::empty(),
    )?;
    // SAFETY: `open` just returned this descriptor; we are its only owner.
    let master = unsafe { OwnedFd::from_raw_fd(master) };
    let unlock: libc::c_int = 0;
    // SAFETY: TIOCSPTLCK reads one int from the valid pointer we pass.
    cvt(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSPTLCK, &unlock) })?;
    // SAFETY: TIOCGPTPEER takes open flags by value and returns a new fd.
    let slave = cvt(unsafe {
        libc::ioctl(
            master.as_raw_fd(),
            libc::TIOCGPTPEER,
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: the ioctl returned a fresh descriptor that we now own.
    let slave = unsafe { OwnedFd::from_raw_fd(slave) };
    if let Some(s) = size {
        set_size(master.as_raw_fd(), s.height, s.width)?;
    }
    Ok(Pty { master, slave })
}

/// Sets a terminal's window size.
pub fn set_size(fd: RawFd, rows: u16, cols: u16) -> io::Result<()> {
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCSWINSZ reads a winsize from the valid pointer we pass.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) }).map(drop)
}

/// The window size of a terminal, if `fd` is one.
pub fn get_size(fd: RawFd) -> Option<(u16, u16)> {
    let mut ws = libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ writes a winsize into the valid pointer we pass.
    let r = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) };
    (r == 0).then_some((ws.ws_row, ws.ws_col))
}

/// Connects to a `--console-socket` listener.
pub fn connect_socket(socket: &Path) -> io::Result<OwnedFd> {
    let sock = nix::sys::socket::socket(
        nix::sys::socket::AddressFamily::Unix,
        nix::sys::socket::SockType::Stream,
        nix::sys::socket::SockFlag::SOCK_CLOEXEC,
        None,
    )?;
    let addr = UnixAddr::new(socket)?;
    nix::sys::socket::connect(sock.as_raw_fd(), &addr)?;
    Ok(sock)
}

/// Sends the master over a connected console socket, as runc does (the
/// message body names the terminal).
pub fn send_master(sock: &OwnedFd, master: RawFd) -> io::Result<()> {
    let name = b"/dev/ptmx";
    let fds = [master];
    sendmsg::<()>(
        sock.as_raw_fd(),
        &[IoSlice::new(name)],
        &[ControlMessage::ScmRights(&fds)],
        MsgFlags::empty(),
        None,
    )?;
    Ok(())
}

/// Connects to a `--console-socket` listener and sends the master.
pub fn send_to_socket(socket: &Path, master: RawFd) -> io::Result<()> {
    send_master(&connect_socket(socket)?, master)
}

/// Makes `slave` the controlling terminal and stdin/stdout/stderr.
/// The caller must be a session leader (setsid).
pub fn make_controlling(slave: &OwnedFd) -> io::Result<()> {
    let fd = slave.as_raw_fd();
    // SAFETY: TIOCSCTTY with an integer argument on a descriptor we own.
    cvt(unsafe { libc::ioctl(fd, libc::TIOCSCTTY, 0) })?;
    for target in 0..=2 {
        // SAFETY: dup2 onto the standard descriptors; `fd` stays valid.
        cvt(unsafe { libc::dup2(fd, target) })?;
    }
    Ok(())
}
