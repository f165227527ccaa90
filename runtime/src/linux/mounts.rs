//! Mount options of `mounts[].options`: flags, propagation and fs data.

use nix::mount::MsFlags;

/// A mount entry's options, split the way mount(2) takes them.
#[derive(Debug, Clone, PartialEq)]
pub struct MountOptions {
    /// Flags set by the options.
    pub flags: MsFlags,
    /// Flags explicitly cleared (`rw`, `suid`, ...), for bind remounts.
    pub cleared: MsFlags,
    /// Propagation changes applied after the mount, in order.
    pub propagation: Vec<MsFlags>,
    /// Everything mount(2) passes to the filesystem (`mode=755,size=64k`).
    pub data: String,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            flags: MsFlags::empty(),
            cleared: MsFlags::empty(),
            propagation: Vec::new(),
            data: String::new(),
        }
    }
}

impl MountOptions {
    pub fn is_bind(&self) -> bool {
        self.flags.contains(MsFlags::MS_BIND)
    }
    pub fn is_recursive(&self) -> bool {
        self.flags.contains(MsFlags::MS_REC)
    }
}

/// The option as (set?, flag), or `None` for filesystem data.
fn flag(opt: &str) -> Option<(bool, MsFlags)> {
    Some(match opt {
        "ro" => (true, MsFlags::MS_RDONLY),
        "rw" => (false, MsFlags::MS_RDONLY),
        "nosuid" => (true, MsFlags::MS_NOSUID),
        "suid" => (false, MsFlags::MS_NOSUID),
        "nodev" => (true, MsFlags::MS_NODEV),
        "dev" => (false, MsFlags::MS_NODEV),
        "noexec" => (true, MsFlags::MS_NOEXEC),
        "exec" => (false, MsFlags::MS_NOEXEC),
        "sync" => (true, MsFlags::MS_SYNCHRONOUS),
        "async" => (false, MsFlags::MS_SYNCHRONOUS),
        "dirsync" => (true, MsFlags::MS_DIRSYNC),
        "remount" => (true, MsFlags::MS_REMOUNT),
        "mand" => (true, MsFlags::MS_MANDLOCK),
        "nomand" => (false, MsFlags::MS_MANDLOCK),
        "noatime" => (true, MsFlags::MS_NOATIME),
        "atime" => (false, MsFlags::MS_NOATIME),
        "nodiratime" => (true, MsFlags::MS_NODIRATIME),
        "diratime" => (false, MsFlags::MS_NODIRATIME),
        "bind" => (true, MsFlags::MS_BIND),
        "rbind" => (true, MsFlags::MS_BIND | MsFlags::MS_REC),
        "relatime" => (true, MsFlags::MS_RELATIME),
        "norelatime" => (false, MsFlags::MS_RELATIME),
        "strictatime" => (true, MsFlags::MS_STRICTATIME),
        "nostrictatime" => (false, MsFlags::MS_STRICTATIME),
        "nosymfollow" => (true, MsFlags::from_bits_retain(libc::MS_NOSYMFOLLOW)),
        "symfollow" => (false, MsFlags::from_bits_retain(libc::MS_NOSYMFOLLOW)),
        "silent" => (true, MsFlags::MS_SILENT),
        "loud" => (false, MsFlags::MS_SILENT),
        _ => return None,
    })
}

/// The mount(2) propagation flags of a propagation name (`rslave`, ...).
pub fn propagation_flag(name: &str) -> Option<MsFlags> {
    Some(match name {
        "private" => MsFlags::MS_PRIVATE,
        "rprivate" => MsFlags::MS_PRIVATE | MsFlags::MS_REC,
        "shared" => MsFlags::MS_SHARED,
        "rshared" => MsFlags::MS_SHARED | MsFlags::MS_REC,
        "slave" => MsFlags::MS_SLAVE,
        "rslave" => MsFlags::MS_SLAVE | MsFlags::MS_REC,
        "unbindable" => MsFlags::MS_UNBINDABLE,
        "runbindable" => MsFlags::MS_UNBINDABLE | MsFlags::MS_REC,
        _ => return None,
    })
}

/// Every option `parse_options` turns into flags or propagation, for
/// `ocix features`. Keep in step with `flag` and `propagation_flag`; the
/// ignored extensions (`tmpcopyup`, `idmap`, `ridmap`) are not listed, as
/// ocix does not implement them.
pub fn known_option_names() -> Vec<&'static str> {
    vec![
        "ro",
        "rw",
        "nosuid",
        "suid",
        "nodev",
        "dev",
        "noexec",
        "exec",
        "sync",
        "async",
        "dirsync",
        "remount",
        "mand",
        "nomand",
        "noatime",
        "atime",
        "nodiratime",
        "diratime",
        "bind",
        "rbind",
        "relatime",
        "norelatime",
        "strictatime",
        "nostrictatime",
        "nosymfollow",
        "symfollow",
        "silent",
        "loud",
        "private",
        "rprivate",
        "shared",
        "rshared",
        "slave",
        "rslave",
        "unbindable",
        "runbindable",
    ]
}

/// Splits a mount's option list.
pub fn parse_options(options: &[String]) -> MountOptions {
    let mut out = MountOptions::default();
    let mut data = Vec::new();
    for opt in options {
        if let Some((set, f)) = flag(opt) {
            if set {
                out.flags |= f;
                out.cleared &= !f;
            } else {
                out.flags &= !f;
                out.cleared |= f;
            }
        } else if let Some(p) = propagation_flag(opt) {
            out.propagation.push(p);
        } else if opt == "tmpcopyup" || opt == "idmap" || opt == "ridmap" {
            // runc extensions that ocix does not implement; ignored as
            // crun does for unknown extensions rather than passed to the fs.
        } else {
            data.push(opt.as_str());
        }
    }
    out.data = data.join(",");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(list: &[&str]) -> MountOptions {
        parse_options(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn splits_flags_propagation_and_data() {
        let o = opts(&["nosuid", "rbind", "rslave", "mode=755", "size=64k", "ro"]);
        assert!(o.flags.contains(MsFlags::MS_NOSUID | MsFlags::MS_RDONLY));
        assert!(o.is_bind() && o.is_recursive());
        assert_eq!(o.propagation, vec![MsFlags::MS_SLAVE | MsFlags::MS_REC]);
        assert_eq!(o.data, "mode=755,size=64k");
    }

    #[test]
    fn later_option_wins() {
        let o = opts(&["ro", "rw"]);
        assert!(!o.flags.contains(MsFlags::MS_RDONLY));
        assert!(o.cleared.contains(MsFlags::MS_RDONLY));
    }
}
