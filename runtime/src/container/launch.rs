//! The last step of init and of exec: become the configured user with
//! the configured privileges, in the configured directory, and execve.

use crate::linux::{exec, identity, lsm, sched, seccomp, user};
use crate::spec::{Process, Spec};
use std::path::Path;

type Step<T> = Result<T, String>;

/// Becomes `process` and execs it; returns only the reason it could not.
/// `spec` is the container's whole config (for its security settings).
pub(super) fn launch(
    spec: &Spec,
    process: &Process,
    extra_env: &[String],
    extra_fds: u32,
) -> String {
    if let Err(e) = scheduling(spec, process) {
        return e.to_string();
    }
    let profile = spec.linux.as_ref().and_then(|l| l.seccomp.as_ref());
    match try_launch(process, profile, extra_env, extra_fds) {
        Err(e) => e,
        Ok(never) => match never {},
    }
}

/// Personality, scheduler, I/O priority, memory policy, CPU affinity and
/// LSM labels: before the seccomp filter (which may forbid these calls)
/// and while the process still has the privileges some of them need.
fn scheduling(spec: &Spec, p: &Process) -> std::io::Result<()> {
    if let Some(pers) = spec.linux.as_ref().and_then(|l| l.personality.as_ref()) {
        sched::apply_personality(pers)?;
    }
    if let Some(s) = &p.scheduler {
        sched::apply_scheduler(s)?;
    }
    if let Some(io) = &p.io_priority {
        sched::apply_io_priority(io)?;
    }
    if let Some(m) = spec.linux.as_ref().and_then(|l| l.memory_policy.as_ref()) {
        sched::apply_memory_policy(m)?;
    }
    if let Some(a) = &p.exec_cpu_affinity {
        sched::apply_cpu_affinity(a)?;
    }
    lsm::apply_on_exec(p.apparmor_profile.as_deref(), p.selinux_label.as_deref())
}

fn try_launch(
    process: &Process,
    profile: Option<&crate::spec::Seccomp>,
    extra_env: &[String],
    extra_fds: u32,
) -> Step<std::convert::Infallible> {
    let (ident, home) = resolve_identity(process)?;
    let mut env = process.env.clone();
    env.extend(extra_env.iter().cloned());
    if !env.iter().any(|e| e.starts_with("HOME=")) {
        env.push(format!("HOME={}", home.unwrap_or_else(|| "/".into())));
    }
    // cwd before dropping privileges (it may be root-only), as runc.
    nix::unistd::chdir(process.cwd.as_str())
        .map_err(|e| format!("cannot chdir to {}: {e}", process.cwd))?;
    // A cwd reached through a descriptor ocix inherited (/proc/self/fd/N)
    // may lie outside the root: the kernel then has no path for it
    // (CVE-2024-21626).
    nix::unistd::getcwd().map_err(|_| {
        format!(
            "process.cwd {:?} lies outside the container's root",
            process.cwd
        )
    })?;
    let setgroups_allowed = std::fs::read_to_string("/proc/self/setgroups")
        .map(|s| s.trim() != "deny")
        .unwrap_or(true);
    // Loading a filter needs no_new_privs or CAP_SYS_ADMIN: without the
    // former, load it before privileges go; else as late as possible, so
    // fewer of our own calls must pass it (runc's order).
    let load_filter = || profile.map_or(Ok(()), seccomp::install);
    if !process.no_new_privileges {
        load_filter().map_err(|e| format!("seccomp: {e}"))?;
    }
    identity::switch(&ident, process.capabilities.as_ref(), setgroups_allowed)
        .map_err(|e| e.to_string())?;
    if process.no_new_privileges {
        identity::set_no_new_privs().map_err(|e| format!("no_new_privs: {e}"))?;
    }
    if let Some(mask) = process.user.umask {
        nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(mask));
    }
    let args: Vec<String> = process.args.clone();
    let prog_name = args.first().ok_or("process.args is empty")?;
    let program = exec::find_program(prog_name, &env)
        .ok_or_else(|| format!("exec {prog_name:?}: executable file not found in $PATH"))?;
    if process.no_new_privileges {
        load_filter().map_err(|e| format!("seccomp: {e}"))?;
    }
    exec::reset_signals();
    exec::cloexec_from(3 + extra_fds).map_err(|e| format!("close_range: {e}"))?;
    let e = exec::exec(&program, &args, &env);
    Err(format!("exec {}: {e}", program.display()))
}

/// uid, gid and groups of the process; `user.username` is looked up in
/// the container's own `/etc/passwd` (we are inside the rootfs by now).
fn resolve_identity(p: &crate::spec::Process) -> Step<(identity::Identity, Option<String>)> {
    let root = Path::new("/");
    let u = &p.user;
    let (uid, gid, name) = match u.username.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => {
            let e = user::lookup_user(root, n).map_err(|e| e.to_string())?;
            (e.uid, e.gid, Some(e.name))
        }
        None => (u.uid, u.gid, None),
    };
    let mut groups = u.additional_gids.clone();
    if let Some(n) = &name {
        for g in user::supplementary_groups(root, n, gid) {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    }
    let home = user::home_of(root, uid);
    Ok((identity::Identity { uid, gid, groups }, home))
}
