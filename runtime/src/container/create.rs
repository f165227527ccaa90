//! `create`: everything up to a container whose init waits for `start`.

use super::backend::{self, Selected};
use super::context::{ChildContext, CreateOptions};
use super::{init, startsock, wait, ContainerError};
use crate::linux::channel::{self, Msg};
use crate::linux::namespaces::NsKind;
use crate::linux::rootfs::{DeviceMode, Enter};
use crate::linux::{hooks, idmap};
use crate::spec::{self, Spec};
use crate::state::{rfc3339_now, ContainerDir, ContainerState, Status, Store};
use nix::sched::CloneFlags;
use nix::unistd::{fork, ForkResult};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::Duration;

/// A created container.
#[derive(Debug)]
pub struct Created {
    pub state: ContainerState,
    /// The terminal's master when `foreground` asked for it.
    pub console_master: Option<OwnedFd>,
}

/// Loads the bundle and creates container `id`. On any error nothing is
/// left: no state directory, no process, no mount. With
/// `opts.verify_digest`, a bundle of another digest is refused before its
/// config is even read.
pub fn create(store: &Store, id: &str, opts: &CreateOptions) -> Result<Created, ContainerError> {
    if let Some(expected) = &opts.verify_digest {
        let found = crate::digest::verify(&opts.bundle, Some(expected), None, 0)?;
        log::debug!("bundle {} verified: {found}", opts.bundle.display());
    }
    let (spec, warnings) = spec::load_bundle(&opts.bundle)?;
    for w in warnings {
        log::warn!("{w}");
    }
    // The target is --arch, else the annotations, else the entrypoint's
    // own ELF: preflight found it, so `auto` can pick emulation for a
    // foreign bundle given without --arch.
    let pre = crate::arch::preflight::preflight_for_create(&spec, opts)?;
    let selected = backend::plan(&pre, opts.backend, opts.emulator.as_deref())?;
    create_from_spec(store, id, opts, spec, selected)
}

/// [`create`] with an already loaded and validated spec.
pub fn create_from_spec(
    store: &Store,
    id: &str,
    opts: &CreateOptions,
    spec: Spec,
    selected: Selected,
) -> Result<Created, ContainerError> {
    check_supported(&spec, opts)?;
    let dir = store.create(id)?;
    let mut guard = Cleanup {
        dir: Some(dir),
        pids: Vec::new(),
        poststop: None,
        cgroups: None,
    };
    let result = create_in(&mut guard, id, opts, spec, selected);
    if result.is_ok() {
        guard.dir = None;
        guard.pids.clear();
        guard.cgroups = None;
    }
    result
}

fn check_supported(spec: &Spec, opts: &CreateOptions) -> Result<(), ContainerError> {
    let process = spec.process.as_ref().ok_or_else(|| {
        ContainerError::Config("process: missing; create needs a process to run".into())
    })?;
    let namespaces = spec
        .linux
        .as_ref()
        .map(|l| l.namespaces.as_slice())
        .unwrap_or(&[]);
    if !namespaces.iter().any(|n| n.kind == "mount") {
        return Err(ContainerError::Config(
            "linux.namespaces: ocix needs a mount namespace (add {\"type\": \"mount\"})".into(),
        ));
    }
    if process.terminal && opts.console_socket.is_none() && !opts.foreground {
        return Err(ContainerError::Config(
            "process.terminal is true: pass --console-socket, or use `ocix run` in the foreground"
                .into(),
        ));
    }
    Ok(())
}

fn create_in(
    guard: &mut Cleanup,
    id: &str,
    opts: &CreateOptions,
    spec: Spec,
    selected: Selected,
) -> Result<Created, ContainerError> {
    let dir = guard
        .dir
        .as_ref()
        .ok_or_else(|| ContainerError::Other("state dir vanished".into()))?;
    let rootfs = spec.rootfs_in(&opts.bundle);
    let rootfs = std::fs::canonicalize(&rootfs).unwrap_or(rootfs);
    let mut state = ContainerState {
        oci_version: spec.oci_version.clone(),
        id: id.to_string(),
        status: Status::Creating,
        pid: 0,
        bundle: opts.bundle.display().to_string(),
        rootfs: rootfs.display().to_string(),
        created: rfc3339_now(),
        owner: owner_name(dir.owner_uid()),
        annotations: spec.annotations.clone(),
        private: Default::default(),
    };
    state.private.creator_pid = std::process::id() as i32;
    state.private.backend = Some(selected.name().to_string());
    state.private.has_hooks = Some(spec.hooks.is_some());
    crate::fault::point("create:after-mkdir");
    dir.save(&state)?;
    save_config(dir, &spec)?;
    guard.poststop = spec.hooks.as_ref().map(|h| h.poststop.clone());

    let emulation = match selected {
        Selected::Emulate(e) => Some(e),
        Selected::Native => None,
    };
    let mut ctx_parts = plan_namespaces(&spec)?;
    if emulation.as_ref().is_some_and(|e| e.private) && !ctx_parts.in_userns {
        // binfmt_misc instances belong to user namespaces: give the
        // container one, mapping all ids to themselves.
        ctx_parts.new_user = true;
        ctx_parts.in_userns = true;
    }
    let listener = startsock::listen_in(dir.raw_fd())
        .map_err(ContainerError::io("cannot create start socket"))?;
    let (parent_chan, child_chan) = channel::pair().map_err(ContainerError::io("socketpair"))?;
    let (extra_fds, mut extra_env) = inherited_fds(opts.preserve_fds);
    if let Some(cpu) = emulation.as_ref().and_then(|e| e.cpu.as_ref()) {
        extra_env.push(format!("QEMU_CPU={cpu}"));
    }
    let userns_maps = spec
        .linux
        .as_ref()
        .map(|l| (l.uid_mappings.clone(), l.gid_mappings.clone()))
        .unwrap_or_default();
    let mut cgroup_plan = super::cgroup::Plan::new(&spec, id, dir.path(), opts.systemd_cgroup)?;
    let ctx = ChildContext {
        bundle: opts.bundle.clone(),
        rootfs,
        chan: child_chan,
        start_listener: listener,
        join: ctx_parts.join,
        new_user: ctx_parts.new_user,
        unshare: ctx_parts.unshare,
        devices: if ctx_parts.in_userns {
            DeviceMode::Bind
        } else {
            DeviceMode::Create
        },
        enter: if opts.no_pivot {
            Enter::Chroot
        } else {
            Enter::PivotRoot
        },
        console_socket: opts.console_socket.clone(),
        no_new_keyring: opts.no_new_keyring,
        extra_fds,
        extra_env,
        close_in_child: vec![dir.raw_fd()],
        emulation,
        spec,
    };
    let new_user = ctx.new_user;
    // SAFETY: ocix is single-threaded when it creates containers (no
    // thread is started before this point), so the child may run
    // arbitrary code until it execs or exits.
    let intermediate =
        match unsafe { fork() }.map_err(|e| ContainerError::io("cannot fork")(e.into()))? {
            ForkResult::Child => {
                drop(parent_chan);
                init::intermediate(ctx)
            }
            ForkResult::Parent { child } => child.as_raw(),
        };
    let hooks_spec = ctx.spec.hooks.clone();
    drop(ctx);
    guard.pids.push((intermediate, 0));
    crate::fault::point("create:after-fork");

    let mut console_master = None;
    // The intermediate process and init share the channel: init's
    // HooksReady or Created may overtake the intermediate's InitPid. Those
    // wait here until the pid is known.
    let mut deferred = std::collections::VecDeque::new();
    loop {
        let msg = match deferred.pop_front() {
            Some(m) if state.pid > 0 => Some((m, None)),
            other => {
                if let Some(m) = other {
                    deferred.push_front(m);
                }
                parent_chan
                    .recv()
                    .map_err(ContainerError::io("sync with init"))?
            }
        };
        match msg {
            Some((m @ (Msg::HooksReady | Msg::Created), _)) if state.pid == 0 => {
                deferred.push_back(m);
            }
            None => {
                return Err(ContainerError::Init(
                    "init exited before the container was created".into(),
                ))
            }
            Some((Msg::Spawned, _)) => {
                if new_user {
                    let (uids, gids) = &userns_maps;
                    let uids = if uids.is_empty() {
                        idmap::identity()
                    } else {
                        uids.clone()
                    };
                    let gids = if gids.is_empty() {
                        idmap::identity()
                    } else {
                        gids.clone()
                    };
                    idmap::write_maps(intermediate, &uids, &gids)
                        .map_err(ContainerError::io("id mapping"))?;
                }
                // Before init is forked and the cgroup namespace made.
                if let Some(plan) = cgroup_plan.take() {
                    plan.place(dir, &mut state, intermediate, &mut guard.cgroups)?;
                }
                parent_chan
                    .send(&Msg::Go)
                    .map_err(ContainerError::io("sync"))?;
            }
            Some((Msg::InitPid(pid), _)) => {
                wait::reap(intermediate);
                guard.pids.clear();
                let start = crate::process::start_time(pid);
                guard.pids.push((pid, start));
                state.pid = pid;
                state.private.pid_start = start;
                dir.save(&state)?;
                crate::fault::point("create:after-init-pid");
            }
            Some((Msg::ConsoleMaster, fd)) => console_master = fd,
            Some((Msg::HooksReady, _)) => {
                let json = serde_json::to_string(&state.to_spec_json()).unwrap_or_default();
                if let Some(h) = &hooks_spec {
                    hooks::run_hooks("prestart", &h.prestart, json.as_bytes())
                        .map_err(|e| ContainerError::Hook(e.to_string()))?;
                    hooks::run_hooks("createRuntime", &h.create_runtime, json.as_bytes())
                        .map_err(|e| ContainerError::Hook(e.to_string()))?;
                }
                parent_chan
                    .send(&Msg::State(json))
                    .map_err(ContainerError::io("sync"))?;
            }
            Some((Msg::Created, _)) => break,
            Some((Msg::Error(e), _)) => return Err(ContainerError::Init(e)),
            Some((other, _)) => {
                return Err(ContainerError::Init(format!(
                    "unexpected message {other:?}"
                )))
            }
        }
    }
    crate::fault::point("create:before-created");
    state.status = Status::Created;
    dir.save(&state)?;
    if let Some(f) = &opts.pid_file {
        write_pid_file(f, state.pid)?;
    }
    Ok(Created {
        state,
        console_master,
    })
}

struct NsPlan {
    join: Vec<(CloneFlags, OwnedFd)>,
    new_user: bool,
    unshare: CloneFlags,
    in_userns: bool,
}

fn plan_namespaces(spec: &Spec) -> Result<NsPlan, ContainerError> {
    let list = spec
        .linux
        .as_ref()
        .map(|l| l.namespaces.as_slice())
        .unwrap_or(&[]);
    let mut plan = NsPlan {
        join: Vec::new(),
        new_user: false,
        unshare: CloneFlags::empty(),
        in_userns: false,
    };
    for kind in NsKind::JOIN_ORDER {
        let Some(ns) = list
            .iter()
            .find(|n| NsKind::from_name(&n.kind) == Some(kind))
        else {
            continue;
        };
        if kind == NsKind::User {
            plan.in_userns = true;
        }
        match ns.path.as_deref().filter(|p| !p.is_empty()) {
            Some(path) => {
                let f = std::fs::File::open(path).map_err(ContainerError::io(format!(
                    "linux.namespaces: cannot open {path}"
                )))?;
                plan.join.push((kind.flag(), f.into()));
            }
            None if kind == NsKind::User => plan.new_user = true,
            None => plan.unshare |= kind.flag(),
        }
    }
    Ok(plan)
}

/// Descriptors handed to the container beyond stdio: `--preserve-fds` and
/// systemd socket activation (`LISTEN_FDS`), as runc does.
fn inherited_fds(preserve: u32) -> (u32, Vec<String>) {
    let listen: u32 = std::env::var("LISTEN_FDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let env = if listen > 0 {
        vec![format!("LISTEN_FDS={listen}"), "LISTEN_PID=1".to_string()]
    } else {
        Vec::new()
    };
    (preserve + listen, env)
}

fn save_config(dir: &ContainerDir, spec: &Spec) -> Result<(), ContainerError> {
    let bytes = serde_json::to_vec(spec).map_err(|e| ContainerError::Other(e.to_string()))?;
    let path = dir.path().join("config.json");
    std::fs::write(&path, bytes).map_err(ContainerError::io(format!(
        "cannot write {}",
        path.display()
    )))
}

fn write_pid_file(path: &Path, pid: i32) -> Result<(), ContainerError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, pid.to_string()).map_err(ContainerError::io(format!(
        "cannot write {}",
        tmp.display()
    )))?;
    std::fs::rename(&tmp, path).map_err(ContainerError::io(format!(
        "cannot write {}",
        path.display()
    )))
}

fn owner_name(uid: u32) -> String {
    if uid == 0 {
        return String::new();
    }
    uid.to_string()
}

/// Undoes a failed create: kills what was started, runs poststop hooks if
/// any ran before, removes the state directory.
struct Cleanup {
    dir: Option<ContainerDir>,
    pids: Vec<(i32, u64)>,
    poststop: Option<Vec<crate::spec::Hook>>,
    cgroups: Option<Box<dyn crate::linux::cgroups::Cgroup>>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (pid, start) in self.pids.drain(..) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            // Our child (the intermediate, or init under `run`) is reaped;
            // an orphaned init is waited for through its pidfd.
            if nix::sys::wait::waitpid(
                nix::unistd::Pid::from_raw(pid),
                Some(nix::sys::wait::WaitPidFlag::WNOHANG),
            )
            .is_err()
            {
                wait::wait_gone(pid, start, Duration::from_secs(5));
            } else {
                wait::reap(pid);
            }
        }
        if let Some(cg) = self.cgroups.take() {
            super::cgroup::discard(cg, self.dir.as_ref().map(|d| d.path()));
        }
        if let Some(dir) = self.dir.take() {
            if let (Some(hooks_list), Ok(Some(state))) = (&self.poststop, dir.load()) {
                if state.pid > 0 && !hooks_list.is_empty() {
                    let mut s = state;
                    s.status = Status::Stopped;
                    let json = serde_json::to_vec(&s.to_spec_json()).unwrap_or_default();
                    hooks::run_hooks_best_effort("poststop", hooks_list, &json);
                }
            }
            let _ = dir.remove();
        }
    }
}
