//! Writing a user namespace's uid and gid maps from the parent side.

use crate::spec::IdMapping;
use std::fs;
use std::io;

fn render(maps: &[IdMapping]) -> String {
    maps.iter()
        .map(|m| format!("{} {} {}\n", m.container_id, m.host_id, m.size))
        .collect()
}

/// Writes `/proc/<pid>/{uid,gid}_map`. An unprivileged caller may only map
/// itself, which needs `setgroups` denied first.
pub fn write_maps(pid: i32, uids: &[IdMapping], gids: &[IdMapping]) -> io::Result<()> {
    let with =
        |file: &str, e: io::Error| io::Error::new(e.kind(), format!("/proc/{pid}/{file}: {e}"));
    if !nix::unistd::geteuid().is_root() {
        fs::write(format!("/proc/{pid}/setgroups"), "deny").map_err(|e| with("setgroups", e))?;
    }
    if !uids.is_empty() {
        fs::write(format!("/proc/{pid}/uid_map"), render(uids)).map_err(|e| with("uid_map", e))?;
    }
    if !gids.is_empty() {
        fs::write(format!("/proc/{pid}/gid_map"), render(gids)).map_err(|e| with("gid_map", e))?;
    }
    Ok(())
}

/// The identity mapping of the whole id range (root on the host stays root,
/// file ownership is unchanged).
pub fn identity() -> Vec<IdMapping> {
    vec![IdMapping {
        container_id: 0,
        host_id: 0,
        size: u32::MAX,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_one_line_per_mapping() {
        let m = [
            IdMapping {
                container_id: 0,
                host_id: 1000,
                size: 1,
            },
            IdMapping {
                container_id: 1,
                host_id: 100000,
                size: 65536,
            },
        ];
        assert_eq!(render(&m), "0 1000 1\n1 100000 65536\n");
    }
}
