//! The child side of `create`: the intermediate process (namespaces) and
//! the container's init (rootfs, then wait for `start`, then exec).
//!
//! Both run right after fork in a single-threaded process and never
//! return: they end in `_exit` or `execve`.

use super::context::ChildContext;
use super::{launch, startsock};
use crate::linux::channel::Msg;
use crate::linux::rootfs::{self, Enter};
use crate::linux::{binfmt, console, hooks, rlimits};
use crate::spec::Spec;
use nix::sched::{setns, unshare, CloneFlags};
use nix::unistd::{fork, setresgid, setresuid, ForkResult, Gid, Uid};
use std::os::fd::AsRawFd;
use std::path::Path;

type Step<T> = Result<T, String>;

fn ctx_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn exit(code: i32) -> ! {
    // SAFETY: _exit ends the process at once; nothing of ours runs after.
    unsafe { libc::_exit(code) }
}

/// The intermediate process: join, create namespaces, fork init.
pub(super) fn intermediate(ctx: ChildContext) -> ! {
    for fd in &ctx.close_in_child {
        // SAFETY: these descriptors belong to the parent's objects, which
        // this process never uses; closing our copies is all we do.
        unsafe { libc::close(*fd) };
    }
    match intermediate_steps(&ctx) {
        Ok(ForkResult::Parent { child }) => {
            let _ = ctx.chan.send(&Msg::InitPid(child.as_raw()));
            exit(0)
        }
        Ok(ForkResult::Child) => init(ctx),
        Err(e) => {
            let _ = ctx.chan.send(&Msg::Error(e));
            exit(1)
        }
    }
}

fn intermediate_steps(ctx: &ChildContext) -> Step<ForkResult> {
    for (flag, fd) in &ctx.join {
        setns(fd, *flag).map_err(ctx_err("cannot join namespace"))?;
    }
    if ctx.new_user {
        unshare(CloneFlags::CLONE_NEWUSER).map_err(ctx_err("cannot create user namespace"))?;
    }
    // The parent writes our id maps (and places us in cgroups) now.
    ctx.chan.send(&Msg::Spawned).map_err(ctx_err("sync"))?;
    expect_go(ctx)?;
    if ctx.new_user
        || ctx
            .join
            .iter()
            .any(|(f, _)| *f == CloneFlags::CLONE_NEWUSER)
    {
        setresgid(Gid::from_raw(0), Gid::from_raw(0), Gid::from_raw(0))
            .map_err(ctx_err("setgid 0 in user namespace"))?;
        setresuid(Uid::from_raw(0), Uid::from_raw(0), Uid::from_raw(0))
            .map_err(ctx_err("setuid 0 in user namespace"))?;
    }
    unshare(ctx.unshare).map_err(ctx_err("cannot create namespaces"))?;
    if ctx
        .unshare
        .contains(crate::linux::namespaces::NsKind::Time.flag())
    {
        write_time_offsets(&ctx.spec)?;
    }
    // SAFETY: this process is single-threaded (forked from the
    // single-threaded ocix), so the child may run arbitrary code.
    unsafe { fork() }.map_err(ctx_err("cannot fork init"))
}

fn expect_go(ctx: &ChildContext) -> Step<()> {
    match ctx.chan.recv() {
        Ok(Some((Msg::Go, _))) => Ok(()),
        Ok(other) => Err(format!("unexpected sync message {other:?}")),
        Err(e) => Err(format!("sync: {e}")),
    }
}

fn write_time_offsets(spec: &Spec) -> Step<()> {
    let offsets = spec.linux.as_ref().and_then(|l| l.time_offsets.as_ref());
    let Some(offsets) = offsets else {
        return Ok(());
    };
    let text: String = offsets
        .iter()
        .map(|(clock, o)| format!("{clock} {} {}\n", o.secs, o.nanosecs))
        .collect();
    std::fs::write("/proc/self/timens_offsets", text).map_err(ctx_err("cannot set time offsets"))
}

/// The container's init. Errors before `Created` go to the parent; later
/// ones to whoever runs `start`.
fn init(ctx: ChildContext) -> ! {
    match init_until_created(&ctx) {
        Ok(state_json) => {
            let _ = ctx.chan.send(&Msg::Created);
            wait_and_exec(&ctx, &state_json)
        }
        Err(e) => {
            let _ = ctx.chan.send(&Msg::Error(e));
            exit(1)
        }
    }
}

fn init_until_created(ctx: &ChildContext) -> Step<String> {
    nix::unistd::setsid().map_err(ctx_err("setsid"))?;
    let spec = &ctx.spec;
    let process = spec.process.as_ref().ok_or("config.json has no process")?;
    rootfs::prepare(spec, &ctx.bundle, &ctx.rootfs, ctx.devices).map_err(|e| e.to_string())?;
    if let Some(e) = ctx.emulation.as_ref().filter(|e| e.private) {
        binfmt::register_in_container(&ctx.rootfs, e).map_err(|e| e.to_string())?;
    }
    if process.terminal {
        setup_terminal(ctx, process.console_size)?;
    }
    if let Some(h) = spec.hostname.as_deref().filter(|h| !h.is_empty()) {
        nix::unistd::sethostname(h).map_err(ctx_err("sethostname"))?;
    }
    if let Some(d) = spec.domainname.as_deref().filter(|d| !d.is_empty()) {
        // SAFETY: the pointer and length describe a live byte slice.
        if unsafe { libc::setdomainname(d.as_ptr().cast(), d.len()) } != 0 {
            return Err(format!(
                "setdomainname: {}",
                std::io::Error::last_os_error()
            ));
        }
    }
    if let Some(l) = &spec.linux {
        for (key, value) in &l.sysctl {
            let file = format!("/proc/sys/{}", key.replace('.', "/"));
            std::fs::write(&file, value).map_err(|e| format!("sysctl {key}={value}: {e}"))?;
        }
    }
    if !ctx.no_new_keyring {
        join_new_session_keyring();
    }
    ctx.chan.send(&Msg::HooksReady).map_err(ctx_err("sync"))?;
    let state_json = match ctx.chan.recv() {
        Ok(Some((Msg::State(s), _))) => s,
        Ok(other) => return Err(format!("unexpected sync message {other:?}")),
        Err(e) => return Err(format!("sync: {e}")),
    };
    if let Some(h) = &spec.hooks {
        hooks::run_hooks(
            "createContainer",
            &h.create_container,
            state_json.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    }
    rootfs::make_dir(&ctx.rootfs, &process.cwd).map_err(|e| format!("process.cwd: {e}"))?;
    // listenerPath is a host path: connect while it is still in view.
    let seccomp = spec.linux.as_ref().and_then(|l| l.seccomp.as_ref());
    crate::linux::seccomp::prepare_listener(seccomp, &state_json).map_err(|e| e.to_string())?;
    let enter = if ctx.enter == Enter::Chroot {
        Enter::Chroot
    } else {
        Enter::PivotRoot
    };
    rootfs::enter(&ctx.rootfs, enter).map_err(|e| e.to_string())?;
    if let Some(l) = &spec.linux {
        rootfs::mask_paths(&l.masked_paths).map_err(|e| e.to_string())?;
        rootfs::readonly_paths(&l.readonly_paths).map_err(|e| e.to_string())?;
    }
    if spec.root.as_ref().is_some_and(|r| r.readonly) {
        rootfs::remount_root_readonly().map_err(|e| e.to_string())?;
    }
    if let Some(adj) = process.oom_score_adj {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string())
            .map_err(ctx_err("oom_score_adj"))?;
    }
    rlimits::apply(&process.rlimits).map_err(|e| e.to_string())?;
    Ok(state_json)
}

/// A fresh session keyring so containers do not share the host's keys.
fn join_new_session_keyring() {
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    // SAFETY: keyctl(JOIN_SESSION_KEYRING, NULL) takes no buffer; errors
    // (keyrings disabled, quota) are ignored as runc does.
    unsafe { libc::syscall(libc::SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0usize) };
}

fn setup_terminal(ctx: &ChildContext, size: Option<crate::spec::ConsoleSize>) -> Step<()> {
    let ptmx = ctx.rootfs.join("dev/pts/ptmx");
    let pty = console::open_pty(&ptmx, size)
        .map_err(|e| format!("cannot open {}: {e}", ptmx.display()))?;
    match &ctx.console_socket {
        Some(sock) => console::send_to_socket(sock, pty.master.as_raw_fd())
            .map_err(|e| format!("console socket {}: {e}", sock.display()))?,
        None => ctx
            .chan
            .send_with_fd(&Msg::ConsoleMaster, Some(pty.master.as_raw_fd()))
            .map_err(ctx_err("sending the terminal"))?,
    }
    let slave_path = format!("/proc/self/fd/{}", pty.slave.as_raw_fd());
    rootfs::bind_console(&ctx.rootfs, Path::new(&slave_path)).map_err(|e| e.to_string())?;
    console::make_controlling(&pty.slave)
        .map_err(ctx_err("cannot make the terminal controlling"))?;
    Ok(())
}

fn wait_and_exec(ctx: &ChildContext, state_json: &str) -> ! {
    let mut conn = match startsock::accept(&ctx.start_listener) {
        Ok(c) => c,
        Err(_) => exit(1),
    };
    if ctx.emulation.is_some() {
        reap_as_pid1(conn, || final_steps(ctx, state_json))
    }
    let err = final_steps(ctx, state_json);
    startsock::report_failure(&mut conn, &err);
    exit(127)
}

/// Under emulation the program would be QEMU as pid 1 of the pid
/// namespace, and a namespace's init cannot kill itself with a signal:
/// QEMU re-raising a guest's SIGILL or SIGSEGV would hang forever. So ocix
/// stays pid 1, runs the program as its child, passes signals on, reaps
/// orphans, and exits with the program's code (128+N for signal N).
fn reap_as_pid1(mut conn: std::fs::File, launch: impl FnOnce() -> String) -> ! {
    use nix::sys::signal::{SigSet, Signal};
    let mut mask = SigSet::empty();
    for s in super::run::FORWARDED {
        mask.add(s);
    }
    mask.add(Signal::SIGCHLD);
    if mask.thread_block().is_err() {
        exit(1);
    }
    // SAFETY: single-threaded; the child only runs our code until exec.
    match unsafe { fork() } {
        Ok(ForkResult::Child) => {
            let err = launch();
            startsock::report_failure(&mut conn, &err);
            exit(127)
        }
        Ok(ForkResult::Parent { child }) => {
            // Our copy of the connection must go: `start` waits for EOF.
            drop(conn);
            match super::run::supervise(child.as_raw(), &mask, None) {
                Ok(status) => exit(super::wait::exit_code(status)),
                Err(_) => exit(255),
            }
        }
        Err(e) => {
            startsock::report_failure(&mut conn, &format!("cannot fork: {e}"));
            exit(1)
        }
    }
}

/// Runs the startContainer hooks, then becomes the program.
/// Returns only the reason it could not.
fn final_steps(ctx: &ChildContext, state_json: &str) -> String {
    let spec = &ctx.spec;
    let Some(process) = spec.process.as_ref() else {
        return "config.json has no process".into();
    };
    if let Some(h) = &spec.hooks {
        if let Err(e) =
            hooks::run_hooks("startContainer", &h.start_container, state_json.as_bytes())
        {
            return e.to_string();
        }
    }
    launch::launch(spec, process, &ctx.extra_env, ctx.extra_fds)
}
