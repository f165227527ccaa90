//! `exec`: run another process in an existing container, in all of its
//! namespaces and cgroups, with the same security settings.

use super::run::{supervise, FORWARDED};
use super::{launch, query, wait, ContainerError};
use crate::linux::channel::{self, Channel, Msg};
use crate::linux::console;
use crate::linux::namespaces::NsKind;
use crate::spec::{Process, Spec};
use crate::state::{Status, Store};
use nix::sched::{setns, CloneFlags};
use nix::sys::signal::{SigSet, Signal};
use nix::unistd::{fork, ForkResult};
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct ExecOptions {
    pub process: Process,
    pub console_socket: Option<PathBuf>,
    pub detach: bool,
    pub pid_file: Option<PathBuf>,
    pub preserve_fds: u32,
}

/// Runs `opts.process` in container `id`; returns its exit code (0 at
/// once when detached).
pub fn exec(store: &Store, id: &str, opts: &ExecOptions) -> Result<i32, ContainerError> {
    let st = query::state(store, id)?;
    if !matches!(st.status, Status::Created | Status::Running) {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: st.status,
            what: "cannot exec in a container that is not created or running",
        });
    }
    let dir = store.root().join(id);
    let spec = std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Spec>(&b).ok())
        .unwrap_or_default();
    if opts.process.terminal && opts.console_socket.is_none() && opts.detach {
        return Err(ContainerError::Config(
            "--tty with --detach needs --console-socket".into(),
        ));
    }
    let join = namespaces_of(st.pid)?;
    // For a seccomp listener: the container as it is, as runc sends it.
    let state_json = serde_json::to_string(&st.to_spec_json()).unwrap_or_default();
    // Connected here: the socket's path is a host path, which the exec'd
    // process cannot see once it is in the container's mount namespace.
    let console = match (&opts.console_socket, opts.process.terminal) {
        (Some(path), true) => Some(console::connect_socket(path).map_err(ContainerError::io(
            format!("console socket {}", path.display()),
        ))?),
        _ => None,
    };
    let mask = if opts.detach {
        None
    } else {
        // SAFETY: prctl with integer arguments only.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        let mut m = SigSet::empty();
        for s in FORWARDED {
            m.add(s);
        }
        m.add(Signal::SIGCHLD);
        m.thread_block()?;
        Some(m)
    };
    let (parent_chan, child_chan) = channel::pair().map_err(ContainerError::io("socketpair"))?;
    // SAFETY: ocix is single-threaded here; the child only runs our code
    // until it execs or exits.
    let intermediate =
        match unsafe { fork() }.map_err(|e| ContainerError::io("cannot fork")(e.into()))? {
            ForkResult::Child => {
                drop(parent_chan);
                let ctx = ChildCtx {
                    chan: &child_chan,
                    join: &join,
                    spec: &spec,
                    opts,
                    console: console.as_ref(),
                    state_json: &state_json,
                };
                child(&ctx)
            }
            ForkResult::Parent { child } => child.as_raw(),
        };
    drop(child_chan);
    join_cgroups(&st.private.cgroups, intermediate);
    let mut pid = 0;
    let mut master = None;
    loop {
        match parent_chan
            .recv()
            .map_err(ContainerError::io("sync with exec"))?
        {
            None => break,
            Some((Msg::InitPid(p), _)) => {
                pid = p;
                wait::reap(intermediate);
            }
            Some((Msg::ConsoleMaster, fd)) => master = fd,
            Some((Msg::Error(e), _)) => {
                wait::reap(intermediate);
                if pid > 0 {
                    wait::reap(pid);
                }
                return Err(ContainerError::Init(e));
            }
            Some((other, _)) => {
                return Err(ContainerError::Init(format!(
                    "unexpected message {other:?}"
                )))
            }
        }
    }
    if pid <= 0 {
        wait::reap(intermediate);
        return Err(ContainerError::Init(
            "exec process ended before it started".into(),
        ));
    }
    if let Some(f) = &opts.pid_file {
        std::fs::write(f, pid.to_string())
            .map_err(ContainerError::io(format!("cannot write {}", f.display())))?;
    }
    let Some(mask) = mask else {
        return Ok(0);
    };
    let status = supervise(pid, &mask, master)?;
    let _ = mask.thread_unblock();
    Ok(wait::exit_code(status))
}

/// The container's namespaces that differ from ours, in join order.
fn namespaces_of(pid: i32) -> Result<Vec<(CloneFlags, OwnedFd)>, ContainerError> {
    let mut out = Vec::new();
    for kind in NsKind::JOIN_ORDER {
        let theirs = format!("/proc/{pid}/ns/{}", kind.proc_name());
        let ours = format!("/proc/self/ns/{}", kind.proc_name());
        let (Ok(a), Ok(b)) = (std::fs::read_link(&theirs), std::fs::read_link(&ours)) else {
            continue;
        };
        if a != b {
            let f = std::fs::File::open(&theirs)
                .map_err(ContainerError::io(format!("cannot open {theirs}")))?;
            out.push((kind.flag(), f.into()));
        }
    }
    Ok(out)
}

/// Puts `pid` in every cgroup of the container (children inherit them).
fn join_cgroups(dirs: &[String], pid: i32) {
    for d in dirs {
        let _ = std::fs::write(Path::new(d).join("cgroup.procs"), pid.to_string());
    }
}

fn exit(code: i32) -> ! {
    // SAFETY: _exit ends the process at once.
    unsafe { libc::_exit(code) }
}

/// What the forked side works from.
struct ChildCtx<'a> {
    chan: &'a Channel,
    join: &'a [(CloneFlags, OwnedFd)],
    spec: &'a Spec,
    opts: &'a ExecOptions,
    console: Option<&'a OwnedFd>,
    state_json: &'a str,
}

/// The forked side: join, fork into the pid namespace, become the process.
fn child(ctx: &ChildCtx) -> ! {
    let chan = ctx.chan;
    let fail = |e: String| -> ! {
        let _ = chan.send(&Msg::Error(e));
        exit(1)
    };
    // listenerPath is a host path: connect before joining the container.
    let seccomp = ctx.spec.linux.as_ref().and_then(|l| l.seccomp.as_ref());
    let notify = match crate::linux::seccomp::prepare_listener(seccomp, ctx.state_json) {
        Ok(n) => n,
        Err(e) => fail(e.to_string()),
    };
    // The listener message names the process by its host pid, which only
    // this side learns (from fork); the process itself gets it by pipe.
    let pid_pipe = match notify.then(nix::unistd::pipe).transpose() {
        Ok(p) => p,
        Err(e) => fail(format!("pipe: {e}")),
    };
    for (flag, fd) in ctx.join {
        if let Err(e) = setns(fd, *flag) {
            fail(format!("cannot join namespace: {e}"));
        }
    }
    // SAFETY: single-threaded (forked from single-threaded ocix).
    match unsafe { fork() } {
        Ok(ForkResult::Parent { child }) => {
            let _ = chan.send(&Msg::InitPid(child.as_raw()));
            if let Some((_, w)) = pid_pipe {
                let _ = std::fs::File::from(w).write_all(&child.as_raw().to_le_bytes());
            }
            exit(0)
        }
        Ok(ForkResult::Child) => {
            if let Some((r, w)) = pid_pipe {
                drop(w);
                match read_pid(r) {
                    Ok(pid) => crate::linux::seccomp::set_listener_pid(pid),
                    Err(e) => fail(format!("cannot learn the host pid: {e}")),
                }
            }
            let e = become_process(chan, ctx.spec, ctx.opts, ctx.console);
            let _ = chan.send(&Msg::Error(e));
            exit(127)
        }
        Err(e) => fail(format!("cannot fork: {e}")),
    }
}

fn read_pid(r: OwnedFd) -> std::io::Result<u64> {
    let mut b = [0u8; 4];
    std::fs::File::from(r).read_exact(&mut b)?;
    u64::try_from(i32::from_le_bytes(b))
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "negative pid"))
}

fn become_process(
    chan: &Channel,
    spec: &Spec,
    opts: &ExecOptions,
    console_sock: Option<&OwnedFd>,
) -> String {
    let p = &opts.process;
    if p.terminal {
        let _ = nix::unistd::setsid();
        let pty = match console::open_pty(Path::new("/dev/pts/ptmx"), p.console_size) {
            Ok(pty) => pty,
            Err(e) => return format!("cannot open /dev/pts/ptmx: {e}"),
        };
        let sent = match console_sock {
            Some(sock) => console::send_master(sock, pty.master.as_raw_fd()),
            None => chan.send_with_fd(&Msg::ConsoleMaster, Some(pty.master.as_raw_fd())),
        };
        if let Err(e) = sent {
            return format!("cannot hand over the terminal: {e}");
        }
        if let Err(e) = console::make_controlling(&pty.slave) {
            return format!("cannot make the terminal controlling: {e}");
        }
    }
    if let Err(e) = crate::linux::rlimits::apply(&p.rlimits) {
        return e.to_string();
    }
    launch::launch(spec, p, &[], opts.preserve_fds)
}
