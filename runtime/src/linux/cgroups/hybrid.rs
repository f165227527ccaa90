//! Hybrid hosts: controllers on v1 hierarchies plus a cgroup2 mount
//! (`/sys/fs/cgroup/unified`). The container is placed in both; limits go
//! to v1, except for controllers v1 lacks (`hugetlb` here) and `unified`
//! keys, which go to v2. Device rules and the freezer use v1.

use super::v1::V1;
use super::v2::V2;
use super::{devices, Cgroup, CgroupError, Record, Stats};
use crate::spec::Resources;
use std::path::PathBuf;

pub struct Hybrid {
    v1: V1,
    v2: V2,
}

impl Hybrid {
    pub fn new(v1: V1, v2: V2) -> Self {
        Hybrid { v1, v2 }
    }

    pub fn with_created(self, created: Vec<PathBuf>) -> Self {
        let (c2, c1): (Vec<PathBuf>, Vec<PathBuf>) = created
            .into_iter()
            .partition(|d| d.as_path() == self.v2.dir());
        Hybrid {
            v1: self.v1.with_created(c1),
            v2: self.v2.with_created(c2),
        }
    }

    /// The part of `r` that v2 handles here, and the rest.
    fn split(&self, r: &Resources) -> (Resources, Resources) {
        let mut v1 = r.clone();
        let mut v2 = Resources {
            unified: std::mem::take(&mut v1.unified),
            ..Resources::default()
        };
        if !self.v1.has("hugetlb") {
            v2.hugepage_limits = std::mem::take(&mut v1.hugepage_limits);
        }
        if !self.v1.has("rdma") {
            v2.rdma = std::mem::take(&mut v1.rdma);
        }
        (v1, v2)
    }
}

impl Cgroup for Hybrid {
    fn create(&mut self) -> Result<(), CgroupError> {
        self.v1.create()?;
        self.v2.create()
    }

    fn add(&self, pid: i32) -> Result<(), CgroupError> {
        self.v1.add(pid)?;
        self.v2.add(pid)
    }

    fn set(&self, r: &Resources) -> Result<Vec<String>, CgroupError> {
        let (r1, r2) = self.split(r);
        let mut warnings = self.v1.set(&r1)?;
        if r2 != Resources::default() {
            warnings.extend(self.v2.set(&r2)?);
        }
        Ok(warnings)
    }

    fn set_devices(&self, rules: &[devices::Rule]) -> Result<(), CgroupError> {
        self.v1.set_devices(rules)
    }

    fn pids(&self) -> Result<Vec<i32>, CgroupError> {
        self.v1.pids()
    }

    fn freeze(&self, frozen: bool) -> Result<(), CgroupError> {
        if self.v1.has("freezer") {
            self.v1.freeze(frozen)
        } else {
            self.v2.freeze(frozen)
        }
    }

    fn stats(&self) -> Result<Stats, CgroupError> {
        let mut s = self.v1.stats()?;
        if !self.v1.has("hugetlb") {
            s.hugetlb = self.v2.stats()?.hugetlb;
        }
        Ok(s)
    }

    fn oom_kills(&self) -> u64 {
        self.v1.oom_kills()
    }

    fn destroy(&self) -> Result<(), CgroupError> {
        let first = self.v1.destroy();
        self.v2.destroy()?;
        first
    }

    fn record(&self) -> Record {
        let mut r = self.v1.record();
        let u = self.v2.record();
        r.unified = u.unified;
        r.unified_mount = u.unified_mount;
        r.created.extend(u.created);
        r
    }
}
