//! Glue between the lifecycle verbs and `linux::cgroups`: placing a new
//! container, reopening its cgroup from the state directory, removing it.
//!
//! The cgroup's [`Record`] is saved as `cgroups.json` next to
//! `state.json` *before* any directory is made, so that `delete --force`
//! after a killed `create` knows what to remove; `state.private.cgroups`
//! lists the same directories for readers that take no lock.

use super::ContainerError;
use crate::linux::cgroups::{self, devices, Cgroup, CgroupError, CgroupFs, RealFs, Record};
use crate::spec::{Resources, Spec};
use crate::state::{ContainerDir, ContainerState};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

const RECORD: &str = "cgroups.json";

impl From<CgroupError> for ContainerError {
    fn from(e: CgroupError) -> Self {
        let what = e.to_string();
        match e {
            CgroupError::Write { source, .. }
            | CgroupError::Read { source, .. }
            | CgroupError::Dir { source, .. } => ContainerError::Io { what, source },
            CgroupError::Config { .. } => ContainerError::Config(what),
            _ => ContainerError::Other(what),
        }
    }
}

/// What `create` decided before forking: the cgroup to make and what to
/// put in it.
pub(crate) struct Plan {
    manager: Box<dyn Cgroup>,
    resources: Resources,
    devices: Vec<devices::Rule>,
}

impl Plan {
    /// Checks the config before anything runs; `state_dir` is the new
    /// container's directory. `None` when the container gets no cgroup:
    /// no hierarchy is mounted, or an unprivileged ocix with no limits to
    /// apply (as runc's rootless mode).
    pub fn new(
        spec: &Spec,
        id: &str,
        state_dir: &Path,
        systemd: bool,
    ) -> Result<Option<Plan>, ContainerError> {
        let linux = spec.linux.clone().unwrap_or_default();
        let resources = linux.resources.clone().unwrap_or_default();
        let scope = state_dir.parent().and_then(root_scope);
        let path = cgroups::CgroupsPath::from_spec(
            linux.cgroups_path.as_deref(),
            id,
            scope.as_deref(),
            systemd,
        )?;
        let devices = devices::effective(&resources.devices, &linux.devices)?;
        let layout = cgroups::Layout::probe()?;
        let wants_limits = resources != Resources::default();
        if layout.kind().is_none() && !wants_limits {
            log::debug!("no cgroup hierarchy mounted; container {id} gets no cgroup");
            return Ok(None);
        }
        if !nix::unistd::geteuid().is_root() && !wants_limits {
            return Ok(None);
        }
        let manager = cgroups::new_manager(&layout, &path, Rc::new(RealFs))?;
        Ok(Some(Plan {
            manager,
            resources,
            devices,
        }))
    }

    /// Makes the cgroup, applies the limits and moves `pid` in. The
    /// manager is handed to `guard` first so that a failure half-way (or a
    /// failure later in create) removes what was made.
    pub fn place(
        self,
        dir: &ContainerDir,
        state: &mut ContainerState,
        pid: i32,
        guard: &mut Option<Box<dyn Cgroup>>,
    ) -> Result<(), ContainerError> {
        let Plan {
            manager,
            resources,
            devices,
        } = self;
        let mut planned = manager.record();
        planned.created = planned
            .dirs()
            .into_iter()
            .filter(|d| !RealFs.exists(d))
            .collect();
        save_record(dir, state, &planned)?;
        let m = guard.insert(manager);
        m.create()?;
        save_record(dir, state, &m.record())?;
        for w in m.set(&resources)? {
            log::warn!("{w}");
        }
        m.set_devices(&devices)?;
        m.add(pid)?;
        Ok(())
    }
}

/// The default root keeps `/ocix/<id>`; any other `--root` gets its own
/// directory level, named by a digest of its path.
fn root_scope(root: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if root == Path::new(DEFAULT_ROOT) {
        return None;
    }
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    Some(digest[..4].iter().map(|b| format!("{b:02x}")).collect())
}

const DEFAULT_ROOT: &str = "/run/ocix";

fn save_record(
    dir: &ContainerDir,
    state: &mut ContainerState,
    rec: &Record,
) -> Result<(), ContainerError> {
    let bytes = serde_json::to_vec(rec).map_err(|e| ContainerError::Other(e.to_string()))?;
    write_atomic(&dir.path().join(RECORD), &bytes)?;
    state.private.cgroups = rec.dirs().iter().map(|d| d.display().to_string()).collect();
    dir.save(state)?;
    Ok(())
}

/// Replaces `path` with `bytes` through a temporary file and rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ContainerError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(ContainerError::io(format!(
            "cannot write {}",
            path.display()
        )))
}

/// The saved record of a container, read without its lock; for older
/// states without one, built from `private.cgroups`.
fn record(state_dir: &Path, state: &ContainerState) -> Option<Record> {
    if let Ok(bytes) = std::fs::read(state_dir.join(RECORD)) {
        return serde_json::from_slice(&bytes).ok();
    }
    if state.private.cgroups.is_empty() {
        return None;
    }
    let layout = cgroups::Layout::probe().ok()?;
    let mut rec = Record::default();
    for d in &state.private.cgroups {
        let d = Path::new(d);
        for (c, h) in &layout.v1 {
            if d.starts_with(&h.mount) {
                rec.v1.insert(c.clone(), d.to_path_buf());
            }
        }
        if let Some(u) = layout.unified.as_ref().filter(|u| d.starts_with(&u.mount)) {
            rec.unified = Some(d.to_path_buf());
            rec.unified_mount = Some(u.mount.clone());
        }
        rec.created.push(d.to_path_buf());
    }
    Some(rec)
}

/// Reopens the cgroup of the container whose state directory is
/// `state_dir`; `None` if it has none.
pub(crate) fn open(state_dir: &Path, state: &ContainerState) -> Option<Box<dyn Cgroup>> {
    cgroups::from_record(&record(state_dir, state)?, Rc::new(RealFs))
}

/// Like [`open`], or an error naming the container.
pub(crate) fn open_or_err(
    state_dir: &Path,
    state: &ContainerState,
) -> Result<Box<dyn Cgroup>, ContainerError> {
    open(state_dir, state)
        .ok_or_else(|| ContainerError::Other(format!("container {:?} has no cgroup", state.id)))
}

/// Processes of the container's cgroup, for `kill --all` and delete.
/// Empty for a joined cgroup ocix did not make: it may hold processes
/// that are not the container's.
pub(crate) fn owned_procs(state_dir: &Path, state: &ContainerState) -> Vec<i32> {
    let Some(rec) = record(state_dir, state).filter(|r| !r.created.is_empty()) else {
        return Vec::new();
    };
    all_procs(&rec.dirs())
}

/// Every pid in the given cgroup directories, sorted, each once.
pub(crate) fn all_procs<P: AsRef<Path>>(dirs: &[P]) -> Vec<i32> {
    let mut pids: Vec<i32> = dirs
        .iter()
        .flat_map(|d| cgroups::procs(&RealFs, d.as_ref()).unwrap_or_default())
        .collect();
    pids.sort_unstable();
    pids.dedup();
    pids
}

/// Thaws a paused container so that a pending SIGKILL is delivered.
pub(crate) fn thaw(state_dir: &Path, state: &ContainerState) {
    if crate::process::is_frozen(state) {
        if let Some(m) = open(state_dir, state) {
            if let Err(e) = m.freeze(false) {
                log::warn!("cannot thaw container {}: {e}", state.id);
            }
        }
    }
}

/// Kills what is left in the container's cgroup and removes what ocix
/// made. Used by delete, also after a crash or a killed create.
pub(crate) fn remove(state_dir: &Path, state: &ContainerState) -> Result<(), ContainerError> {
    let Some(m) = open(state_dir, state) else {
        return Ok(());
    };
    if !m.record().created.is_empty() {
        kill_all(&*m, &state.id)?;
    }
    m.destroy()?;
    prune_scope(state_dir, &m.record());
    Ok(())
}

/// SIGKILLs the cgroup's processes (thawing it so that they die) until
/// it is empty.
fn kill_all(m: &dyn Cgroup, id: &str) -> Result<(), ContainerError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let pids = m.pids().unwrap_or_default();
        if pids.is_empty() {
            return Ok(());
        }
        for p in &pids {
            let _ = kill(Pid::from_raw(*p), Signal::SIGKILL);
        }
        let _ = m.freeze(false);
        if Instant::now() > deadline {
            return Err(ContainerError::Other(format!(
                "container {id:?}: processes {pids:?} survive SIGKILL in its cgroup"
            )));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Removes the `/ocix/<scope>` level of a non-default root once its last
/// container is gone; while others remain the kernel refuses (EBUSY).
fn prune_scope(state_dir: &Path, rec: &Record) {
    let Some(scope) = state_dir.parent().and_then(root_scope) else {
        return;
    };
    for d in &rec.created {
        if let Some(parent) = d
            .parent()
            .filter(|p| p.ends_with(Path::new("ocix").join(&scope)))
        {
            let _ = RealFs.rmdir(parent);
        }
    }
}

/// Discards the cgroup of a failed create (best effort).
pub(crate) fn discard(m: Box<dyn Cgroup>, state_dir: Option<&Path>) {
    for p in m.pids().unwrap_or_default() {
        let _ = kill(Pid::from_raw(p), Signal::SIGKILL);
    }
    let _ = m.freeze(false);
    match m.destroy() {
        Ok(()) => {
            if let Some(d) = state_dir {
                prune_scope(d, &m.record());
            }
        }
        Err(e) => log::warn!("cannot remove the cgroup of a failed create: {e}"),
    }
}
