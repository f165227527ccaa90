//! What `state.json` holds, and the status derived from it and the kernel.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// runtime-spec container status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Creating,
    Created,
    Running,
    Paused,
    Stopped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Creating => "creating",
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The persisted state. `status` is what was last written; the live status
/// comes from [`ContainerState::refresh`], which asks the kernel.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerState {
    pub oci_version: String,
    pub id: String,
    pub status: Status,
    /// Host pid of the container's init (0 before it exists).
    #[serde(default)]
    pub pid: i32,
    pub bundle: String,
    pub rootfs: String,
    pub created: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// ocix's own fields, not part of the spec's state.
    #[serde(default, rename = "ocix")]
    pub private: Private,
}

/// Fields ocix needs to recognise its container's process later.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Private {
    /// Start time of `pid` in clock ticks since boot (guards against pid reuse).
    #[serde(default)]
    pub pid_start: u64,
    /// `start` has run: the process is the user's program, not ocix's init.
    #[serde(default)]
    pub started: bool,
    /// Cgroup paths created for the container, removed on delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cgroups: Vec<String>,
    /// The `ocix create` process that made this state (to tell a create in
    /// progress from one that was killed).
    #[serde(default)]
    pub creator_pid: i32,
    /// Backend that runs the container (native, emulate, vm).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<String>,
    /// Whether the saved config has hooks, so that `start` and `delete`
    /// parse it only then. `None` (a state from before this field):
    /// look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_hooks: Option<bool>,
}

impl ContainerState {
    /// Derives the live status: a vanished or reused pid is `stopped`, and
    /// so is a create whose `ocix create` process died half-way.
    pub fn refresh(&mut self) {
        use crate::process::{is_alive, is_frozen};
        self.status = match self.status {
            Status::Stopped => Status::Stopped,
            Status::Creating if is_alive(self.private.creator_pid, 0) => Status::Creating,
            Status::Creating => Status::Stopped,
            _ if self.pid <= 0 || !is_alive(self.pid, self.private.pid_start) => Status::Stopped,
            _ if is_frozen(self) => Status::Paused,
            _ if self.private.started => Status::Running,
            _ => Status::Created,
        };
    }

    /// The runtime-spec state JSON as runc prints it (spec fields only).
    pub fn to_spec_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "ociVersion": self.oci_version,
            "id": self.id,
            "pid": if self.status == Status::Stopped { 0 } else { self.pid },
            "status": self.status,
            "bundle": self.bundle,
            "rootfs": self.rootfs,
            "created": self.created,
            "owner": self.owner,
        });
        if !self.annotations.is_empty() {
            v["annotations"] = serde_json::json!(self.annotations);
        }
        v
    }
}
