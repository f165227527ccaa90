//! cgroup v2: one directory in the unified hierarchy. Controllers must be
//! enabled in every ancestor's `cgroup.subtree_control` before their files
//! appear in the container's directory.

use super::{devices, freezer, resources_v2, stats, CgroupError, CgroupFs, Record, Stats};
use crate::spec::Resources;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub struct V2 {
    fs: Rc<dyn CgroupFs>,
    dir: PathBuf,
    mount: PathBuf,
    /// Enable every available controller at create (pure v2, as runc);
    /// in hybrid mode only what a resource needs is enabled.
    enable_all: bool,
    created: Vec<PathBuf>,
}

impl V2 {
    pub fn new(fs: Rc<dyn CgroupFs>, dir: PathBuf, mount: PathBuf, enable_all: bool) -> Self {
        V2 {
            fs,
            dir,
            mount,
            enable_all,
            created: Vec::new(),
        }
    }

    pub fn with_created(mut self, created: Vec<PathBuf>) -> Self {
        self.created = created;
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The ancestors whose `subtree_control` governs our directory, top
    /// first (the mount itself included).
    fn ancestors(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = self
            .dir
            .ancestors()
            .skip(1)
            .take_while(|a| a.starts_with(&self.mount))
            .collect();
        out.reverse();
        out
    }

    /// Enables `controllers` down to our directory's parent.
    pub fn enable(&self, controllers: &[&str]) -> Result<(), CgroupError> {
        let fs = &*self.fs;
        for level in self.ancestors() {
            let have = super::read(fs, level, "cgroup.controllers")?;
            let on = super::read(fs, level, "cgroup.subtree_control")?;
            for c in controllers {
                if on.split_whitespace().any(|x| x == *c) {
                    continue;
                }
                if !have.split_whitespace().any(|x| x == *c) {
                    return Err(CgroupError::Unsupported(format!(
                        "the {c} controller is not available in the cgroup v2 hierarchy at {}",
                        level.display()
                    )));
                }
                super::write(fs, level, "cgroup.subtree_control", format!("+{c}"))?;
            }
        }
        Ok(())
    }

    /// Every controller the hierarchy offers, enabled where allowed: a
    /// parent that holds processes itself cannot delegate (EBUSY).
    fn enable_available(&self) {
        let avail = super::read(&*self.fs, &self.mount, "cgroup.controllers").unwrap_or_default();
        for c in avail.split_whitespace() {
            if let Err(e) = self.enable(&[c]) {
                log::debug!("cgroup v2: not enabling {c}: {e}");
            }
        }
    }
}

impl super::Cgroup for V2 {
    fn create(&mut self) -> Result<(), CgroupError> {
        let made = super::mkdir_all(&*self.fs, &self.dir)?;
        if made.last() == Some(&self.dir) {
            self.created.push(self.dir.clone());
        }
        if self.enable_all {
            self.enable_available();
        }
        Ok(())
    }

    fn add(&self, pid: i32) -> Result<(), CgroupError> {
        super::write(&*self.fs, &self.dir, "cgroup.procs", pid)
    }

    fn set(&self, r: &Resources) -> Result<Vec<String>, CgroupError> {
        let needed = resources_v2::controllers(r);
        self.enable(&needed.iter().map(String::as_str).collect::<Vec<_>>())?;
        resources_v2::set(&*self.fs, &self.dir, r)
    }

    fn set_devices(&self, rules: &[devices::Rule]) -> Result<(), CgroupError> {
        devices::apply_v2(&self.dir, rules)
    }

    fn pids(&self) -> Result<Vec<i32>, CgroupError> {
        super::procs(&*self.fs, &self.dir)
    }

    fn freeze(&self, frozen: bool) -> Result<(), CgroupError> {
        freezer::set_v2(&*self.fs, &self.dir, frozen)
    }

    fn stats(&self) -> Result<Stats, CgroupError> {
        Ok(stats::v2(&*self.fs, &self.dir, &stats::hugepage_sizes()))
    }

    fn oom_kills(&self) -> u64 {
        stats::v2_oom_kills(&*self.fs, &self.dir)
    }

    fn destroy(&self) -> Result<(), CgroupError> {
        for dir in &self.created {
            super::remove_tree(&*self.fs, dir)?;
        }
        Ok(())
    }

    fn record(&self) -> Record {
        Record {
            unified: Some(self.dir.clone()),
            unified_mount: Some(self.mount.clone()),
            created: self.created.clone(),
            ..Record::default()
        }
    }
}
