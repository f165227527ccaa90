//! `run`: create, start, wait, delete; exit with the container's code.

use super::context::CreateOptions;
use super::create::{create, Created};
use super::{delete::delete, start::start, wait, ContainerError};
use crate::linux::console;
use crate::state::Store;
use nix::sys::signal::{SigSet, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use std::os::fd::{AsRawFd, OwnedFd};

/// What `run` should do after starting.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunMode {
    /// Return once started; the container outlives ocix.
    pub detach: bool,
    /// Keep the stopped container's state instead of deleting it.
    pub keep: bool,
}

/// Signals a foreground `run` passes on to the container.
pub(super) const FORWARDED: [Signal; 8] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
    Signal::SIGCONT,
];

/// Runs container `id`; returns its exit code (128+N for signal N).
pub fn run(
    store: &Store,
    id: &str,
    opts: &CreateOptions,
    mode: RunMode,
) -> Result<i32, ContainerError> {
    if mode.detach {
        let mut o = opts.clone();
        o.foreground = false;
        create(store, id, &o)?;
        return start_or_delete(store, id).map(|_| 0);
    }
    // Orphans of our children (the container's init, once the intermediate
    // process exits) are reparented to us so that we can wait for them.
    // SAFETY: prctl with integer arguments only.
    unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
    let mut mask = SigSet::empty();
    for s in FORWARDED {
        mask.add(s);
    }
    mask.add(Signal::SIGCHLD);
    mask.thread_block()?;
    let mut o = opts.clone();
    o.foreground = true;
    let Created {
        state,
        console_master,
    } = create(store, id, &o)?;
    start_or_delete(store, id)?;
    let status = supervise(state.pid, &mask, console_master)?;
    let _ = mask.thread_unblock();
    if !mode.keep {
        delete(store, id, true)?;
    }
    Ok(wait::exit_code(status))
}

fn start_or_delete(store: &Store, id: &str) -> Result<(), ContainerError> {
    if let Err(e) = start(store, id) {
        let _ = delete(store, id, true);
        return Err(e);
    }
    Ok(())
}

/// Forwards signals to `pid`, relays the terminal if there is one, and
/// reaps children until `pid` exits.
pub(super) fn supervise(
    pid: i32,
    mask: &SigSet,
    master: Option<OwnedFd>,
) -> Result<WaitStatus, ContainerError> {
    let sfd = SignalFd::with_flags(mask, SfdFlags::SFD_CLOEXEC)?;
    let mut relay = master
        .map(crate::linux::relay::Relay::new)
        .transpose()
        .map_err(ContainerError::io("terminal"))?;
    if let Some(r) = &relay {
        if let Some((rows, cols)) = console::get_size(0) {
            let _ = console::set_size(r.master_fd(), rows, cols);
        }
    }
    loop {
        if let Some(st) = reap_children(pid)? {
            if let Some(r) = relay.as_mut() {
                r.drain();
            }
            return Ok(st);
        }
        let mut fds = vec![libc::pollfd {
            fd: sfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if let Some(r) = &relay {
            fds.extend(r.pollfds());
        }
        // SAFETY: `fds` is a live, correctly sized array of pollfd.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
        if n < 0 {
            continue;
        }
        if fds[0].revents & libc::POLLIN != 0 {
            if let Ok(Some(info)) = sfd.read_signal() {
                let sig = info.ssi_signo as i32;
                if sig == libc::SIGWINCH {
                    if let (Some(r), Some((rows, cols))) = (&relay, console::get_size(0)) {
                        let _ = console::set_size(r.master_fd(), rows, cols);
                    }
                } else if sig != libc::SIGCHLD {
                    // SAFETY: kill with integer arguments only.
                    unsafe { libc::kill(pid, sig) };
                }
            }
        }
        if let Some(r) = relay.as_mut() {
            r.pump(&fds[1..]);
        }
    }
}

/// Reaps every exited child; returns the status of `pid` once it exited.
fn reap_children(pid: i32) -> Result<Option<WaitStatus>, ContainerError> {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return Ok(None),
            Ok(st) => {
                if st.pid() == Some(Pid::from_raw(pid)) {
                    return Ok(Some(st));
                }
            }
            Err(nix::errno::Errno::ECHILD) => {
                return Err(ContainerError::Other(format!(
                    "container process {pid} is not a child of ocix"
                )))
            }
            Err(nix::errno::Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
