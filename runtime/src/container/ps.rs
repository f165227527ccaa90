//! `ps`: the host pids of a container's processes.

use super::{cgroup, query, ContainerError};
use crate::state::Store;

/// Every process of container `id`, sorted: those in its cgroup, else
/// those in its pid namespace.
pub fn pids(store: &Store, id: &str) -> Result<Vec<i32>, ContainerError> {
    let s = query::live_state(store, id)?;
    let mut pids = cgroup::all_procs(&s.private.cgroups);
    if pids.is_empty() {
        pids = crate::process::pids_in_pid_ns(s.pid);
        pids.sort_unstable();
    }
    Ok(pids)
}

/// Keeps the header and the lines of `ps` output whose PID column holds
/// one of `pids`, as runc does.
pub fn filter_ps_output(out: &str, pids: &[i32]) -> Result<String, ContainerError> {
    let mut lines = out.lines();
    let header = lines.next().unwrap_or_default();
    let col = header
        .split_whitespace()
        .position(|h| h == "PID")
        .ok_or_else(|| ContainerError::Other("ps output has no PID column".into()))?;
    let mut kept = format!("{header}\n");
    for l in lines {
        let pid = l.split_whitespace().nth(col).and_then(|p| p.parse().ok());
        if pid.is_some_and(|p| pids.contains(&p)) {
            kept.push_str(l);
            kept.push('\n');
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_header_and_listed_pids() {
        let out = "UID PID PPID CMD\nroot 1 0 init\nroot 42 1 sh\nroot 420 42 sleep\n";
        let kept = filter_ps_output(out, &[42, 7]).expect("filter");
        assert_eq!(kept, "UID PID PPID CMD\nroot 42 1 sh\n");
        assert!(filter_ps_output("USER CMD\n", &[1]).is_err());
    }
}
