//! The foreground `run` side of a container terminal: our stdin goes to
//! the pty master, the master's output to our stdout; our own terminal is
//! raw meanwhile and restored afterwards.

use nix::sys::termios::{cfmakeraw, tcgetattr, tcsetattr, SetArg, Termios};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};

pub struct Relay {
    master: OwnedFd,
    saved: Option<Termios>,
    stdin_open: bool,
}

impl Relay {
    pub fn new(master: OwnedFd) -> io::Result<Self> {
        // SAFETY: fd 0 stays open for the life of the process.
        let stdin = unsafe { BorrowedFd::borrow_raw(0) };
        let saved = tcgetattr(stdin).ok();
        if let Some(t) = &saved {
            let mut raw = t.clone();
            cfmakeraw(&mut raw);
            tcsetattr(stdin, SetArg::TCSANOW, &raw)?;
        }
        Ok(Relay {
            master,
            saved,
            stdin_open: true,
        })
    }

    pub fn master_fd(&self) -> RawFd {
        self.master.as_raw_fd()
    }

    /// pollfds for stdin (while open) and the master, in that order.
    pub fn pollfds(&self) -> Vec<libc::pollfd> {
        let fd = |fd, on: bool| libc::pollfd {
            fd: if on { fd } else { -1 },
            events: libc::POLLIN,
            revents: 0,
        };
        vec![fd(0, self.stdin_open), fd(self.master.as_raw_fd(), true)]
    }

    /// Moves whatever `poll` said is readable.
    pub fn pump(&mut self, fds: &[libc::pollfd]) {
        let ready = |i: usize| {
            fds.get(i)
                .is_some_and(|p| p.revents & (libc::POLLIN | libc::POLLHUP) != 0)
        };
        if ready(0) && !copy(0, self.master.as_raw_fd()) {
            self.stdin_open = false;
        }
        if ready(1) {
            copy(self.master.as_raw_fd(), 1);
        }
    }

    /// Copies what the master still holds after the process exited.
    pub fn drain(&mut self) {
        let fd = self.master.as_raw_fd();
        loop {
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd, zero timeout.
            if unsafe { libc::poll(&mut p, 1, 0) } <= 0 || p.revents & libc::POLLIN == 0 {
                break;
            }
            if !copy(fd, 1) {
                break;
            }
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(t) = &self.saved {
            // SAFETY: fd 0 stays open for the life of the process.
            let stdin = unsafe { BorrowedFd::borrow_raw(0) };
            let _ = tcsetattr(stdin, SetArg::TCSANOW, t);
        }
    }
}

/// One read and write; false at EOF or error.
fn copy(from: RawFd, to: RawFd) -> bool {
    let mut buf = [0u8; 8192];
    // SAFETY: reading into a live buffer of the stated length.
    let n = unsafe { libc::read(from, buf.as_mut_ptr().cast(), buf.len()) };
    if n <= 0 {
        return false;
    }
    let data = &buf[..n as usize];
    if to == 1 {
        let mut out = io::stdout().lock();
        return out.write_all(data).and_then(|_| out.flush()).is_ok();
    }
    let mut off = 0;
    while off < data.len() {
        // SAFETY: writing from a live buffer of the stated length.
        let w = unsafe { libc::write(to, data[off..].as_ptr().cast(), data.len() - off) };
        if w <= 0 {
            return false;
        }
        off += w as usize;
    }
    true
}
