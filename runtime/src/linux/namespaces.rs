//! Namespace kinds and their clone flags.

use nix::sched::CloneFlags;

/// A Linux namespace kind as named in `linux.namespaces[].type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NsKind {
    Pid,
    Network,
    Mount,
    Ipc,
    Uts,
    User,
    Cgroup,
    Time,
}

impl NsKind {
    /// Every kind, in the order namespaces are joined: user first so that
    /// the others are joined with the user namespace's privileges.
    pub const JOIN_ORDER: [NsKind; 8] = [
        NsKind::User,
        NsKind::Ipc,
        NsKind::Uts,
        NsKind::Network,
        NsKind::Pid,
        NsKind::Time,
        NsKind::Cgroup,
        NsKind::Mount,
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "pid" => NsKind::Pid,
            "network" => NsKind::Network,
            "mount" => NsKind::Mount,
            "ipc" => NsKind::Ipc,
            "uts" => NsKind::Uts,
            "user" => NsKind::User,
            "cgroup" => NsKind::Cgroup,
            "time" => NsKind::Time,
            _ => return None,
        })
    }

    /// The spec's name for the kind.
    pub fn name(self) -> &'static str {
        match self {
            NsKind::Pid => "pid",
            NsKind::Network => "network",
            NsKind::Mount => "mount",
            NsKind::Ipc => "ipc",
            NsKind::Uts => "uts",
            NsKind::User => "user",
            NsKind::Cgroup => "cgroup",
            NsKind::Time => "time",
        }
    }

    /// The file name under `/proc/<pid>/ns/`.
    pub fn proc_name(self) -> &'static str {
        match self {
            NsKind::Network => "net",
            NsKind::Mount => "mnt",
            k => k.name(),
        }
    }

    pub fn flag(self) -> CloneFlags {
        match self {
            NsKind::Pid => CloneFlags::CLONE_NEWPID,
            NsKind::Network => CloneFlags::CLONE_NEWNET,
            NsKind::Mount => CloneFlags::CLONE_NEWNS,
            NsKind::Ipc => CloneFlags::CLONE_NEWIPC,
            NsKind::Uts => CloneFlags::CLONE_NEWUTS,
            NsKind::User => CloneFlags::CLONE_NEWUSER,
            NsKind::Cgroup => CloneFlags::CLONE_NEWCGROUP,
            NsKind::Time => CloneFlags::from_bits_retain(libc::CLONE_NEWTIME),
        }
    }
}
