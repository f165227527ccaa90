//! cgroup v1: one directory per mounted hierarchy.

use super::{devices, freezer, resources_v1, stats, CgroupError, CgroupFs, Record, Stats};
use crate::spec::Resources;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub struct V1 {
    fs: Rc<dyn CgroupFs>,
    /// Controller (`memory`, `name=systemd`) → directory.
    dirs: BTreeMap<String, PathBuf>,
    created: Vec<PathBuf>,
}

impl V1 {
    pub fn new(fs: Rc<dyn CgroupFs>, dirs: BTreeMap<String, PathBuf>) -> Self {
        V1 {
            fs,
            dirs,
            created: Vec::new(),
        }
    }

    pub fn with_created(mut self, created: Vec<PathBuf>) -> Self {
        self.created = created;
        self
    }

    pub fn has(&self, controller: &str) -> bool {
        self.dirs.contains_key(controller)
    }

    fn unique_dirs(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        for d in self.dirs.values() {
            if !out.contains(&d.as_path()) {
                out.push(d);
            }
        }
        out
    }

    /// The directory whose `cgroup.procs` lists the container's tasks.
    fn procs_dir(&self) -> Option<&Path> {
        ["pids", "freezer", "memory", "cpu", "devices"]
            .iter()
            .find_map(|c| self.dirs.get(*c))
            .or_else(|| self.dirs.values().next())
            .map(PathBuf::as_path)
    }

    /// A new cpuset starts empty and refuses tasks: inherit the parent's.
    fn init_cpuset(&self, made: &[PathBuf]) -> Result<(), CgroupError> {
        let fs = &*self.fs;
        for dir in made {
            let parent = dir.parent().unwrap_or(dir);
            for file in ["cpuset.cpus", "cpuset.mems"] {
                if super::read(fs, dir, file)?.is_empty() {
                    super::write(fs, dir, file, super::read(fs, parent, file)?)?;
                }
            }
        }
        Ok(())
    }
}

impl super::Cgroup for V1 {
    fn create(&mut self) -> Result<(), CgroupError> {
        let cpuset = self.dirs.get("cpuset").cloned();
        for dir in self
            .unique_dirs()
            .into_iter()
            .map(Path::to_path_buf)
            .collect::<Vec<_>>()
        {
            let made = super::mkdir_all(&*self.fs, &dir)?;
            if made.last() == Some(&dir) {
                self.created.push(dir.clone());
            }
            if cpuset.as_ref() == Some(&dir) {
                self.init_cpuset(&made)?;
            }
        }
        Ok(())
    }

    fn add(&self, pid: i32) -> Result<(), CgroupError> {
        for dir in self.unique_dirs() {
            super::write(&*self.fs, dir, "cgroup.procs", pid)?;
        }
        Ok(())
    }

    fn set(&self, r: &Resources) -> Result<Vec<String>, CgroupError> {
        resources_v1::set(&*self.fs, &self.dirs, r)
    }

    fn set_devices(&self, rules: &[devices::Rule]) -> Result<(), CgroupError> {
        match self.dirs.get("devices") {
            Some(dir) => devices::apply_v1(&*self.fs, dir, rules),
            None if rules.is_empty() => Ok(()),
            None => Err(CgroupError::Unsupported(
                "linux.resources.devices: the devices controller is not mounted".into(),
            )),
        }
    }

    fn pids(&self) -> Result<Vec<i32>, CgroupError> {
        match self.procs_dir() {
            Some(d) => super::procs(&*self.fs, d),
            None => Ok(Vec::new()),
        }
    }

    fn freeze(&self, frozen: bool) -> Result<(), CgroupError> {
        let dir = self.dirs.get("freezer").ok_or_else(|| {
            CgroupError::Unsupported(
                "pause needs the freezer controller, which is not mounted".into(),
            )
        })?;
        freezer::set_v1(&*self.fs, dir, frozen)
    }

    fn stats(&self) -> Result<Stats, CgroupError> {
        Ok(stats::v1(&*self.fs, &self.dirs, &stats::hugepage_sizes()))
    }

    fn oom_kills(&self) -> u64 {
        self.dirs
            .get("memory")
            .map(|d| stats::v1_oom_kills(&*self.fs, d))
            .unwrap_or(0)
    }

    fn destroy(&self) -> Result<(), CgroupError> {
        for dir in &self.created {
            super::remove_tree(&*self.fs, dir)?;
        }
        Ok(())
    }

    fn record(&self) -> Record {
        Record {
            v1: self.dirs.clone(),
            created: self.created.clone(),
            ..Record::default()
        }
    }
}
