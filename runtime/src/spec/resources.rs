//! `linux.resources` (runtime-spec `config-linux.md`, LinuxResources):
//! what the cgroups of a container are set to, and what `update` changes.
//!
//! Every value is an `Option` so that "not set" (leave the kernel's value)
//! differs from zero; unknown keys are ignored as elsewhere in the spec.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `linux.resources`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pids: Option<Pids>,
    #[serde(default, rename = "blockIO", skip_serializing_if = "Option::is_none")]
    pub block_io: Option<BlockIo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hugepage_limits: Vec<HugepageLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Network>,
    /// Device name → limits.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rdma: BTreeMap<String, Rdma>,
    /// cgroup v2 file name → value, written as is.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unified: BTreeMap<String, String>,
}

/// One device cgroup rule; absent type, major or minor mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRule {
    pub allow: bool,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub major: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
}

/// Byte values; -1 means unlimited. `swap` is memory plus swap, as in v1.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Memory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reservation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<i64>,
    #[serde(default, rename = "kernelTCP", skip_serializing_if = "Option::is_none")]
    pub kernel_tcp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swappiness: Option<u64>,
    #[serde(
        default,
        rename = "disableOOMKiller",
        skip_serializing_if = "Option::is_none"
    )]
    pub disable_oom_killer: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_hierarchy: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_before_update: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shares: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realtime_runtime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realtime_period: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mems: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pids {
    /// 0 or less: no limit.
    #[serde(default)]
    pub limit: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockIo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle_read_bps_device: Vec<ThrottleDevice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub throttle_write_bps_device: Vec<ThrottleDevice>,
    #[serde(
        default,
        rename = "throttleReadIOPSDevice",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub throttle_read_iops_device: Vec<ThrottleDevice>,
    #[serde(
        default,
        rename = "throttleWriteIOPSDevice",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub throttle_write_iops_device: Vec<ThrottleDevice>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WeightDevice {
    pub major: i64,
    pub minor: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leaf_weight: Option<u16>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThrottleDevice {
    pub major: i64,
    pub minor: i64,
    pub rate: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HugepageLimit {
    /// `2MB`, `1GB`, `64KB`: the kernel's file name part.
    pub page_size: String,
    pub limit: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Network {
    #[serde(default, rename = "classID", skip_serializing_if = "Option::is_none")]
    pub class_id: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priorities: Vec<InterfacePriority>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InterfacePriority {
    pub name: String,
    pub priority: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rdma {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hca_handles: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hca_objects: Option<u32>,
}

impl Resources {
    /// Overlays the values `other` sets (as `update` does): scalars it
    /// sets replace ours, lists and maps it sets replace ours whole.
    pub fn merge(&mut self, other: &Resources) {
        if !other.devices.is_empty() {
            self.devices = other.devices.clone();
        }
        merge_opt(&mut self.memory, &other.memory, Memory::merge);
        merge_opt(&mut self.cpu, &other.cpu, Cpu::merge);
        if other.pids.is_some() {
            self.pids = other.pids.clone();
        }
        merge_opt(&mut self.block_io, &other.block_io, BlockIo::merge);
        if !other.hugepage_limits.is_empty() {
            self.hugepage_limits = other.hugepage_limits.clone();
        }
        if other.network.is_some() {
            self.network = other.network.clone();
        }
        self.rdma
            .extend(other.rdma.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.unified
            .extend(other.unified.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

fn merge_opt<T: Clone + Default>(a: &mut Option<T>, b: &Option<T>, f: fn(&mut T, &T)) {
    if let Some(b) = b {
        f(a.get_or_insert_with(T::default), b);
    }
}

/// `a = b` for each field that `b` sets.
macro_rules! overlay {
    ($a:ident, $b:ident, $($f:ident),*) => {
        $( if $b.$f.is_some() { $a.$f = $b.$f.clone(); } )*
    };
}

impl Memory {
    fn merge(&mut self, o: &Memory) {
        overlay!(
            self,
            o,
            limit,
            reservation,
            swap,
            kernel,
            kernel_tcp,
            swappiness,
            disable_oom_killer,
            use_hierarchy,
            check_before_update
        );
    }
}

impl Cpu {
    fn merge(&mut self, o: &Cpu) {
        overlay!(
            self,
            o,
            shares,
            quota,
            burst,
            period,
            realtime_runtime,
            realtime_period,
            cpus,
            mems,
            idle
        );
    }
}

impl BlockIo {
    fn merge(&mut self, o: &BlockIo) {
        overlay!(self, o, weight, leaf_weight);
        let lists = [
            (
                &mut self.throttle_read_bps_device,
                &o.throttle_read_bps_device,
            ),
            (
                &mut self.throttle_write_bps_device,
                &o.throttle_write_bps_device,
            ),
            (
                &mut self.throttle_read_iops_device,
                &o.throttle_read_iops_device,
            ),
            (
                &mut self.throttle_write_iops_device,
                &o.throttle_write_iops_device,
            ),
        ];
        for (mine, theirs) in lists {
            if !theirs.is_empty() {
                mine.clone_from(theirs);
            }
        }
        if !o.weight_device.is_empty() {
            self.weight_device.clone_from(&o.weight_device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example_and_ignores_unknown_keys() {
        let json = r#"{
            "devices": [{"allow": false, "access": "rwm"},
                        {"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rw"}],
            "memory": {"limit": 536870912, "reservation": 536870912, "swap": -1,
                       "kernel": -1, "kernelTCP": -1, "swappiness": 0,
                       "disableOOMKiller": false},
            "cpu": {"shares": 1024, "quota": 1000000, "period": 500000,
                    "realtimeRuntime": 950000, "realtimePeriod": 1000000,
                    "cpus": "2-3", "mems": "0-7", "idle": 0},
            "pids": {"limit": 32771},
            "blockIO": {"weight": 10, "leafWeight": 10,
                        "weightDevice": [{"major": 8, "minor": 0, "weight": 500}],
                        "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 600}],
                        "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 300}]},
            "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
            "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
            "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
            "unified": {"io.weight": "10"},
            "someFutureKey": {"x": 1}
        }"#;
        let r: Resources = serde_json::from_str(json).expect("parse");
        assert_eq!(r.devices.len(), 2);
        assert_eq!(r.devices[1].major, Some(10));
        let m = r.memory.as_ref().expect("memory");
        assert_eq!(
            (m.limit, m.swap, m.kernel_tcp),
            (Some(536870912), Some(-1), Some(-1))
        );
        assert_eq!(r.cpu.as_ref().and_then(|c| c.cpus.as_deref()), Some("2-3"));
        assert_eq!(r.pids.as_ref().map(|p| p.limit), Some(32771));
        let b = r.block_io.as_ref().expect("blockIO");
        assert_eq!(b.throttle_write_iops_device[0].rate, 300);
        assert_eq!(r.network.as_ref().and_then(|n| n.class_id), Some(1048577));
        assert_eq!(r.rdma["mlx5_1"].hca_objects, Some(10000));
        let back: Resources =
            serde_json::from_value(serde_json::to_value(&r).expect("ser")).expect("de");
        assert_eq!(back, r);
    }

    #[test]
    fn merge_keeps_what_the_update_does_not_set() {
        let mut base: Resources = serde_json::from_str(
            r#"{"memory": {"limit": 100, "swappiness": 5}, "pids": {"limit": 10},
                "cpu": {"shares": 2}}"#,
        )
        .expect("base");
        let upd: Resources =
            serde_json::from_str(r#"{"memory": {"limit": 200}, "cpu": {"quota": 5000}}"#)
                .expect("update");
        base.merge(&upd);
        let m = base.memory.as_ref().expect("memory");
        assert_eq!((m.limit, m.swappiness), (Some(200), Some(5)));
        let c = base.cpu.as_ref().expect("cpu");
        assert_eq!((c.shares, c.quota), (Some(2), Some(5000)));
        assert_eq!(base.pids.as_ref().map(|p| p.limit), Some(10));
    }
}
