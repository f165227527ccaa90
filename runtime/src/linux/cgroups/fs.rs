//! File access under the cgroup mounts, behind a trait so that the v1 and
//! v2 logic is tested on any host against an in-memory fake.

use std::io;
use std::path::{Path, PathBuf};

/// The few operations cgroup management needs.
pub trait CgroupFs {
    fn read(&self, file: &Path) -> io::Result<String>;
    /// Writes `value` to an existing file (cgroup files are never created).
    fn write(&self, file: &Path, value: &str) -> io::Result<()>;
    /// Makes one directory; its parent must exist.
    fn mkdir(&self, dir: &Path) -> io::Result<()>;
    fn rmdir(&self, dir: &Path) -> io::Result<()>;
    fn exists(&self, path: &Path) -> bool;
    /// Directories directly under `dir` (child cgroups).
    fn subdirs(&self, dir: &Path) -> io::Result<Vec<PathBuf>>;
}

/// The real cgroup filesystems.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl CgroupFs for RealFs {
    fn read(&self, file: &Path) -> io::Result<String> {
        std::fs::read_to_string(file)
    }

    fn write(&self, file: &Path, value: &str) -> io::Result<()> {
        use std::io::Write;
        // One write(2) per value: the kernel parses each write on its own.
        let mut f = std::fs::OpenOptions::new().write(true).open(file)?;
        f.write_all(value.as_bytes())
    }

    fn mkdir(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir(dir)
    }

    fn rmdir(&self, dir: &Path) -> io::Result<()> {
        std::fs::remove_dir(dir)
    }

    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }

    fn subdirs(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            if e.file_type()?.is_dir() {
                out.push(e.path());
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
pub use fake::FakeFs;

#[cfg(test)]
mod fake {
    use super::*;
    use std::cell::RefCell;
    use std::collections::{BTreeMap, BTreeSet};

    /// An in-memory cgroup tree that records every write, in order.
    #[derive(Debug, Default)]
    pub struct FakeFs {
        files: RefCell<BTreeMap<PathBuf, String>>,
        dirs: RefCell<BTreeSet<PathBuf>>,
        writes: RefCell<Vec<(PathBuf, String)>>,
        failing: RefCell<BTreeMap<PathBuf, i32>>,
        /// Files every new directory gets, as the kernel's interface files.
        template: RefCell<Vec<(String, String)>>,
    }

    impl FakeFs {
        /// A tree holding `dirs` (and their ancestors) and `files`.
        pub fn with(dirs: &[&str], files: &[(&str, &str)]) -> FakeFs {
            let fs = FakeFs::default();
            for d in dirs {
                for a in Path::new(d).ancestors() {
                    fs.dirs.borrow_mut().insert(a.to_path_buf());
                }
            }
            for (f, v) in files {
                fs.files.borrow_mut().insert(f.into(), v.to_string());
            }
            fs
        }

        /// Gives every directory made from now on these files.
        pub fn on_mkdir(&self, files: &[(&str, &str)]) {
            *self.template.borrow_mut() = files
                .iter()
                .map(|(f, v)| (f.to_string(), v.to_string()))
                .collect();
        }

        /// Sets a file's content without recording a write.
        pub fn seed(&self, file: &str, value: &str) {
            self.files.borrow_mut().insert(file.into(), value.into());
        }

        /// Makes writes to `file` fail with `errno`.
        pub fn fail(&self, file: &str, errno: i32) {
            self.failing.borrow_mut().insert(file.into(), errno);
        }

        /// Every write so far as (path, value).
        pub fn writes(&self) -> Vec<(String, String)> {
            self.writes
                .borrow()
                .iter()
                .map(|(p, v)| (p.display().to_string(), v.clone()))
                .collect()
        }

        /// The last value written to (or seeded in) `file`.
        pub fn value(&self, file: &str) -> Option<String> {
            self.files.borrow().get(Path::new(file)).cloned()
        }

        pub fn has_dir(&self, dir: &str) -> bool {
            self.dirs.borrow().contains(Path::new(dir))
        }
    }

    fn parent_exists(fs: &FakeFs, p: &Path) -> bool {
        p.parent().is_some_and(|d| fs.dirs.borrow().contains(d))
    }

    impl CgroupFs for FakeFs {
        fn read(&self, file: &Path) -> io::Result<String> {
            self.files
                .borrow()
                .get(file)
                .cloned()
                .ok_or_else(|| io::ErrorKind::NotFound.into())
        }

        fn write(&self, file: &Path, value: &str) -> io::Result<()> {
            if let Some(e) = self.failing.borrow().get(file) {
                return Err(io::Error::from_raw_os_error(*e));
            }
            if !parent_exists(self, file) {
                return Err(io::ErrorKind::NotFound.into());
            }
            self.writes
                .borrow_mut()
                .push((file.to_path_buf(), value.to_string()));
            let mut files = self.files.borrow_mut();
            let stored = match value.strip_prefix('+') {
                // `+memory` adds to the list, as the kernel shows it.
                Some(c) if file.ends_with("cgroup.subtree_control") => {
                    let old = files.get(file).cloned().unwrap_or_default();
                    format!("{old} {c}").trim().to_string()
                }
                _ => value.to_string(),
            };
            files.insert(file.to_path_buf(), stored);
            Ok(())
        }

        fn mkdir(&self, dir: &Path) -> io::Result<()> {
            if self.dirs.borrow().contains(dir) {
                return Err(io::ErrorKind::AlreadyExists.into());
            }
            if !parent_exists(self, dir) {
                return Err(io::ErrorKind::NotFound.into());
            }
            self.dirs.borrow_mut().insert(dir.to_path_buf());
            for (f, v) in self.template.borrow().iter() {
                self.files.borrow_mut().insert(dir.join(f), v.clone());
            }
            Ok(())
        }

        fn rmdir(&self, dir: &Path) -> io::Result<()> {
            if !self.dirs.borrow().contains(dir) {
                return Err(io::ErrorKind::NotFound.into());
            }
            if !self.subdirs(dir)?.is_empty() {
                return Err(io::Error::from_raw_os_error(libc::EBUSY));
            }
            self.dirs.borrow_mut().remove(dir);
            self.files.borrow_mut().retain(|f, _| !f.starts_with(dir));
            Ok(())
        }

        fn exists(&self, path: &Path) -> bool {
            self.dirs.borrow().contains(path) || self.files.borrow().contains_key(path)
        }

        fn subdirs(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
            Ok(self
                .dirs
                .borrow()
                .iter()
                .filter(|d| d.parent() == Some(dir))
                .cloned()
                .collect())
        }
    }
}
