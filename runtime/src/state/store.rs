//! The state directory tree: `--root/<id>/state.json`.

use super::ContainerState;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::fs;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("invalid container id {0:?}: {1}")]
    InvalidId(String, &'static str),
    #[error("container {0:?} already exists")]
    Exists(String),
    #[error("container {0:?} does not exist")]
    NotFound(String),
    #[error("state root {path}: {msg}")]
    Root { path: String, msg: String },
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: io::Error,
    },
    #[error("state of {path} is corrupt: {source}")]
    Corrupt {
        path: String,
        source: serde_json::Error,
    },
}

fn io_err<'a>(what: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StateError + 'a {
    move |source| StateError::Io {
        what,
        path: path.display().to_string(),
        source,
    }
}

/// Checks an id as runc does: non-empty, no path separators, no `..`.
pub fn validate_id(id: &str) -> Result<(), StateError> {
    let bad = |why| Err(StateError::InvalidId(id.to_string(), why));
    if id.is_empty() {
        return bad("must not be empty");
    }
    if id == "." || id == ".." || id.contains("..") {
        return bad("must not contain \"..\"");
    }
    if id.contains('/') {
        return bad("must not contain \"/\"");
    }
    if id.len() > 1024 {
        return bad("is longer than 1024 bytes");
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-' | b'.'))
    {
        return bad("may contain only letters, digits and _+-.");
    }
    Ok(())
}

/// The `--root` directory.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Store { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates the root (0700) when missing; refuses a symlink or a
    /// directory writable by others.
    fn ensure_root(&self) -> Result<(), StateError> {
        match fs::symlink_metadata(&self.root) {
            Ok(m) if m.file_type().is_symlink() => Err(StateError::Root {
                path: self.root.display().to_string(),
                msg: "is a symlink; refusing to follow it".into(),
            }),
            Ok(m) if !m.is_dir() => Err(StateError::Root {
                path: self.root.display().to_string(),
                msg: "is not a directory".into(),
            }),
            Ok(_) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.root)
                .map_err(io_err("cannot create state root", &self.root)),
            Err(e) => Err(io_err("cannot stat state root", &self.root)(e)),
        }
    }

    /// Makes the directory of a new container; fails if the id is taken.
    pub fn create(&self, id: &str) -> Result<ContainerDir, StateError> {
        validate_id(id)?;
        self.ensure_root()?;
        let path = self.root.join(id);
        match fs::DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(StateError::Exists(id.to_string()))
            }
            Err(e) => return Err(io_err("cannot create state dir", &path)(e)),
        }
        ContainerDir::open_locked(id, path)
    }

    /// Opens an existing container's directory and takes its lock.
    pub fn open(&self, id: &str) -> Result<ContainerDir, StateError> {
        validate_id(id)?;
        let path = self.root.join(id);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => ContainerDir::open_locked(id, path),
            Ok(_) => Err(StateError::NotFound(id.to_string())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(StateError::NotFound(id.to_string()))
            }
            Err(e) => Err(io_err("cannot stat state dir", &path)(e)),
        }
    }

    /// Ids of every container, sorted.
    pub fn ids(&self) -> Result<Vec<String>, StateError> {
        let entries = match fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("cannot list", &self.root)(e)),
        };
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().into_string().ok())
            .filter(|id| validate_id(id).is_ok())
            .collect();
        ids.sort();
        Ok(ids)
    }
}

/// One container's directory, locked for as long as this value lives.
#[derive(Debug)]
pub struct ContainerDir {
    id: String,
    path: PathBuf,
    lock: OwnedFd,
}

impl ContainerDir {
    fn open_locked(id: &str, path: PathBuf) -> Result<Self, StateError> {
        let fd = nix::fcntl::open(
            &path,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| io_err("cannot open state dir", &path)(e.into()))?;
        // SAFETY: `open` returned a fresh descriptor that nothing else owns.
        let lock = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        // SAFETY: flock on a descriptor we own; no memory is passed.
        if unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(io_err("cannot lock state dir", &path)(
                io::Error::last_os_error(),
            ));
        }
        Ok(ContainerDir {
            id: id.to_string(),
            path,
            lock,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Raw fd of the locked directory (for `/proc/self/fd/N/...` paths).
    pub fn raw_fd(&self) -> i32 {
        self.lock.as_raw_fd()
    }

    /// Writes `state.json` atomically (temp file, fsync-free rename).
    pub fn save(&self, state: &ContainerState) -> Result<(), StateError> {
        let tmp = self.path.join(".state.json.tmp");
        let dst = self.path.join("state.json");
        let bytes = serde_json::to_vec(state).map_err(|source| StateError::Corrupt {
            path: dst.display().to_string(),
            source,
        })?;
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
            .map_err(io_err("cannot write", &tmp))?;
        f.write_all(&bytes).map_err(io_err("cannot write", &tmp))?;
        fs::rename(&tmp, &dst).map_err(io_err("cannot rename", &dst))
    }

    /// Reads `state.json`; `None` when the container never got that far.
    pub fn load(&self) -> Result<Option<ContainerState>, StateError> {
        let file = self.path.join("state.json");
        match fs::read(&file) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| StateError::Corrupt {
                        path: file.display().to_string(),
                        source,
                    })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("cannot read", &file)(e)),
        }
    }

    /// Removes the directory and everything in it (never following links).
    pub fn remove(self) -> Result<(), StateError> {
        fs::remove_dir_all(&self.path).map_err(io_err("cannot remove", &self.path))
    }

    /// Owner uid of the directory (for `state`'s `owner`).
    pub fn owner_uid(&self) -> u32 {
        fs::metadata(&self.path).map(|m| m.uid()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(validate_id("abc-1.2_x").is_ok());
        for bad in ["", "a/b", "..", "a..b", "a b", "/"] {
            assert!(validate_id(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn create_twice_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::new(dir.path().join("root"));
        let c = store.create("x").expect("first create");
        drop(c);
        assert!(matches!(store.create("x"), Err(StateError::Exists(_))));
        assert_eq!(store.ids().expect("ids"), vec!["x".to_string()]);
    }
}
