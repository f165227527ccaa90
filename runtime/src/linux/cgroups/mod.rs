//! A container's cgroups: v1 (a directory per controller hierarchy), v2
//! (one directory in the unified hierarchy) and hybrid (v1 controllers plus
//! the cgroup2 `unified` mount), behind the [`Cgroup`] trait and chosen at
//! run time from the mounts ([`Layout`]).
//!
//! Files are reached through [`CgroupFs`] so that every layout's logic is
//! unit tested on any host. What a manager made is kept as a [`Record`] in
//! the state directory, so later commands (update, pause, delete) reopen
//! exactly those directories, and delete removes only what ocix made.

mod bpf;
pub mod devices;
mod freezer;
mod fs;
mod hybrid;
mod layout;
mod path;
mod resources_v1;
mod resources_v2;
pub mod stats;
mod v1;
mod v2;

pub use fs::{CgroupFs, RealFs};
pub use layout::{Hierarchy, Kind, Layout};
pub use path::CgroupsPath;
pub use stats::Stats;

use crate::spec::Resources;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("cannot write {value:?} to {}", file.display())]
    Write {
        file: PathBuf,
        value: String,
        source: io::Error,
    },
    #[error("cannot read {}", file.display())]
    Read { file: PathBuf, source: io::Error },
    #[error("cannot {what} {}", dir.display())]
    Dir {
        what: &'static str,
        dir: PathBuf,
        source: io::Error,
    },
    /// A config value that cannot be applied, with its JSON path.
    #[error("{field}: {msg}")]
    Config { field: String, msg: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Timeout(String),
}

/// A container's cgroup in one layout.
pub trait Cgroup {
    /// Makes the missing directories (remembering which) and prepares
    /// them for tasks.
    fn create(&mut self) -> Result<(), CgroupError>;
    /// Moves process `pid` in.
    fn add(&self, pid: i32) -> Result<(), CgroupError>;
    /// Applies what `r` sets (devices excepted); returns warnings about
    /// values the kernel no longer honours.
    fn set(&self, r: &Resources) -> Result<Vec<String>, CgroupError>;
    /// Installs the device access rules, in order.
    fn set_devices(&self, rules: &[devices::Rule]) -> Result<(), CgroupError>;
    /// Every process in the cgroup and its descendants.
    fn pids(&self) -> Result<Vec<i32>, CgroupError>;
    /// Freezes or thaws, waiting until the kernel reports it done.
    fn freeze(&self, frozen: bool) -> Result<(), CgroupError>;
    fn stats(&self) -> Result<Stats, CgroupError>;
    /// How many processes the OOM killer killed in here so far.
    fn oom_kills(&self) -> u64;
    /// Removes the directories this container made (not joined ones).
    fn destroy(&self) -> Result<(), CgroupError>;
    fn record(&self) -> Record;
}

/// The directories of a container's cgroup, as saved in its state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// v1 controller → directory (co-mounted controllers share one).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub v1: BTreeMap<String, PathBuf>,
    /// The directory in the cgroup2 hierarchy, and that hierarchy's mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_mount: Option<PathBuf>,
    /// Directories ocix made; only these are removed.
    #[serde(default)]
    pub created: Vec<PathBuf>,
}

impl Record {
    /// Every directory, each once.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for d in self.v1.values().chain(self.unified.iter()) {
            if !out.contains(d) {
                out.push(d.clone());
            }
        }
        out
    }
}

/// The manager for `path` on a host laid out as `layout`.
pub fn new_manager(
    layout: &Layout,
    path: &CgroupsPath,
    fs: Rc<dyn CgroupFs>,
) -> Result<Box<dyn Cgroup>, CgroupError> {
    let v1_dirs = || {
        layout
            .v1
            .iter()
            .map(|(c, h)| (c.clone(), path.dir_in(h)))
            .collect::<BTreeMap<_, _>>()
    };
    let unified = |all: bool| {
        layout
            .unified
            .as_ref()
            .map(|h| v2::V2::new(fs.clone(), path.dir_in(h), h.mount.clone(), all))
    };
    Ok(match (layout.kind(), unified(true)) {
        (Some(Kind::V2), Some(v2)) => Box::new(v2),
        (Some(Kind::Hybrid), Some(_)) => {
            let v2 = unified(false).ok_or_else(no_cgroups)?;
            Box::new(hybrid::Hybrid::new(v1::V1::new(fs.clone(), v1_dirs()), v2))
        }
        (Some(Kind::V1), _) => Box::new(v1::V1::new(fs.clone(), v1_dirs())),
        _ => return Err(no_cgroups()),
    })
}

/// Reopens the cgroup described by `rec`; `None` if it has none.
pub fn from_record(rec: &Record, fs: Rc<dyn CgroupFs>) -> Option<Box<dyn Cgroup>> {
    let v2 = match (&rec.unified, &rec.unified_mount) {
        (Some(d), Some(m)) => Some(v2::V2::new(fs.clone(), d.clone(), m.clone(), false)),
        _ => None,
    };
    let v1 = (!rec.v1.is_empty()).then(|| v1::V1::new(fs.clone(), rec.v1.clone()));
    let created = rec.created.clone();
    Some(match (v1, v2) {
        (Some(v1), Some(v2)) => Box::new(hybrid::Hybrid::new(v1, v2).with_created(created)),
        (Some(v1), None) => Box::new(v1.with_created(created)),
        (None, Some(v2)) => Box::new(v2.with_created(created)),
        (None, None) => return None,
    })
}

/// `linux.cgroup` of `ocix features`: what this build implements (not
/// what the host mounts). No systemd driver; RDMA limits are written.
pub fn features() -> serde_json::Value {
    serde_json::json!({
        "v1": true,
        "v2": true,
        "systemd": false,
        "systemdUser": false,
        "rdma": true,
    })
}

fn no_cgroups() -> CgroupError {
    CgroupError::Unsupported(
        "no cgroup hierarchy is mounted (neither cgroup v1 controllers nor cgroup2)".into(),
    )
}

/// Writes `value` to `dir/file`.
pub(crate) fn write(
    fs: &dyn CgroupFs,
    dir: &Path,
    file: &str,
    value: impl Display,
) -> Result<(), CgroupError> {
    let file = dir.join(file);
    let value = value.to_string();
    fs.write(&file, &value)
        .map_err(|source| CgroupError::Write {
            file,
            value,
            source,
        })
}

/// Reads `dir/file`, trimmed.
pub(crate) fn read(fs: &dyn CgroupFs, dir: &Path, file: &str) -> Result<String, CgroupError> {
    let file = dir.join(file);
    fs.read(&file)
        .map(|s| s.trim().to_string())
        .map_err(|source| CgroupError::Read { file, source })
}

/// Makes `dir` and its missing ancestors; returns those made, top first.
/// Another container may make (or prune) a shared parent meanwhile: an
/// existing directory is fine, a vanished parent is made again.
pub(crate) fn mkdir_all(fs: &dyn CgroupFs, dir: &Path) -> Result<Vec<PathBuf>, CgroupError> {
    let mut made = Vec::new();
    let mut tries = 0;
    'again: loop {
        let missing: Vec<&Path> = dir.ancestors().take_while(|a| !fs.exists(a)).collect();
        for d in missing.into_iter().rev() {
            match fs.mkdir(d) {
                Ok(()) => made.push(d.to_path_buf()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound && tries < 3 => {
                    tries += 1;
                    continue 'again;
                }
                Err(source) => {
                    return Err(CgroupError::Dir {
                        what: "create",
                        dir: d.to_path_buf(),
                        source,
                    })
                }
            }
        }
        return Ok(made);
    }
}

/// Removes `dir` and the cgroups under it. Exited tasks leave a cgroup
/// a moment after they die, so EBUSY is retried for a short while.
pub(crate) fn remove_tree(fs: &dyn CgroupFs, dir: &Path) -> Result<(), CgroupError> {
    if !fs.exists(dir) {
        return Ok(());
    }
    let subs = fs.subdirs(dir).unwrap_or_default();
    for s in subs {
        remove_tree(fs, &s)?;
    }
    let mut nap = Duration::from_millis(5);
    let mut tries = 0;
    loop {
        match fs.rmdir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) && tries < 40 => {
                tries += 1;
                std::thread::sleep(nap);
                nap = (nap * 2).min(Duration::from_millis(100));
            }
            Err(source) => {
                return Err(CgroupError::Dir {
                    what: "remove",
                    dir: dir.to_path_buf(),
                    source,
                })
            }
        }
    }
}

/// Pids listed in `dir/cgroup.procs` and in every cgroup below it.
pub fn procs(fs: &dyn CgroupFs, dir: &Path) -> Result<Vec<i32>, CgroupError> {
    let mut out: Vec<i32> = match read(fs, dir, "cgroup.procs") {
        Ok(text) => text.lines().filter_map(|l| l.trim().parse().ok()).collect(),
        Err(CgroupError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(e),
    };
    for s in fs.subdirs(dir).unwrap_or_default() {
        out.extend(procs(fs, &s)?);
    }
    Ok(out)
}

/// "max" for a non-positive limit, as cgroup files spell "unlimited".
pub(crate) fn max_or(v: i64) -> String {
    if v < 0 {
        "max".into()
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests;
