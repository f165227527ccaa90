//! Facts about host processes read from `/proc`.

use crate::state::ContainerState;
use std::fs;

/// Start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot) and
/// state letter of a process, or `None` if it does not exist.
pub fn stat(pid: i32) -> Option<(u64, char)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces or ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let state = fields.first()?.chars().next()?;
    let start = fields.get(19)?.parse().ok()?;
    Some((start, state))
}

/// Start time of `pid`, 0 if unknown.
pub fn start_time(pid: i32) -> u64 {
    stat(pid).map(|(s, _)| s).unwrap_or(0)
}

/// Whether `pid` still is the process that started at `start` and has not
/// exited (a zombie counts as exited).
pub fn is_alive(pid: i32, start: u64) -> bool {
    match stat(pid) {
        Some((s, state)) => (start == 0 || s == start) && state != 'Z' && state != 'X',
        None => false,
    }
}

/// Whether the container's cgroup freezer holds it frozen.
pub fn is_frozen(state: &ContainerState) -> bool {
    state.private.cgroups.iter().any(|dir| {
        let v2 = fs::read_to_string(format!("{dir}/cgroup.freeze"));
        let v1 = fs::read_to_string(format!("{dir}/freezer.state"));
        matches!(v2.as_deref().map(str::trim), Ok("1"))
            || matches!(v1.as_deref().map(str::trim), Ok("FROZEN") | Ok("FREEZING"))
    })
}

/// Pids of every process in the same pid namespace as `pid` (including it),
/// as seen from the host.
pub fn pids_in_pid_ns(pid: i32) -> Vec<i32> {
    let Ok(ns) = fs::read_link(format!("/proc/{pid}/ns/pid")) else {
        return Vec::new();
    };
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| fs::read_link(format!("/proc/{p}/ns/pid")).ok().as_ref() == Some(&ns))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_process_is_alive() {
        let me = std::process::id() as i32;
        let start = start_time(me);
        assert!(start > 0);
        assert!(is_alive(me, start));
        assert!(!is_alive(me, start + 1));
    }
}
