//! Process and Linux settings beyond the basics: scheduler, I/O priority,
//! personality, NUMA memory policy, CPU affinity.

use serde::{Deserialize, Serialize};

/// `process.scheduler` (sched_setattr(2)).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scheduler {
    pub policy: String,
    #[serde(default)]
    pub nice: i32,
    #[serde(default)]
    pub priority: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(default)]
    pub runtime: u64,
    #[serde(default)]
    pub deadline: u64,
    #[serde(default)]
    pub period: u64,
}

/// `process.ioPriority` (ioprio_set(2)).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IoPriority {
    pub class: String,
    #[serde(default)]
    pub priority: u32,
}

/// `linux.personality`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Personality {
    pub domain: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

/// `linux.memoryPolicy` (set_mempolicy(2)).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemoryPolicy {
    pub mode: String,
    #[serde(default)]
    pub nodes: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
}

/// `process.execCPUAffinity`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CpuAffinity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<String>,
    #[serde(default, rename = "final", skip_serializing_if = "Option::is_none")]
    pub final_: Option<String>,
}
