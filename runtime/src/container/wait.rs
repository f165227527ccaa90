//! Waiting for processes that may not be our children.

use std::time::{Duration, Instant};

/// Waits until `pid` (started at `start` ticks) has exited, up to `limit`.
/// Uses a pidfd when the kernel has one, else polls `/proc`.
pub fn wait_gone(pid: i32, start: u64, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    // SAFETY: pidfd_open takes integers and returns a new fd or -1.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) } as i32;
    if pidfd >= 0 {
        let mut p = libc::pollfd {
            fd: pidfd,
            events: libc::POLLIN,
            revents: 0,
        };
        loop {
            if !crate::process::is_alive(pid, start) {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // SAFETY: `p` is one valid pollfd for the duration of the call.
            unsafe { libc::poll(&mut p, 1, left.as_millis().min(100) as i32) };
        }
        // SAFETY: closing the pidfd we opened above.
        unsafe { libc::close(pidfd) };
    } else {
        let mut nap = Duration::from_micros(200);
        while crate::process::is_alive(pid, start) && Instant::now() < deadline {
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(20));
        }
    }
    !crate::process::is_alive(pid, start)
}

/// Reaps `pid` if it is our child; ignores "not a child".
pub fn reap(pid: i32) -> Option<nix::sys::wait::WaitStatus> {
    nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid), None).ok()
}

/// The exit code a shell would report: the code, or 128+N for signal N.
pub fn exit_code(status: nix::sys::wait::WaitStatus) -> i32 {
    use nix::sys::wait::WaitStatus;
    match status {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        _ => 255,
    }
}
