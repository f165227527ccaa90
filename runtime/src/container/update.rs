//! `update`: change the resource limits of a live container. The cgroup
//! gets the new values first; then the config saved in the state directory
//! is rewritten so that it describes what the kernel now enforces.

use super::{cgroup, start::saved_spec, ContainerError};
use crate::linux::cgroups::CgroupError;
use crate::spec::Resources;
use crate::state::{Status, Store};

/// Applies what `changes` sets to container `id`; returns warnings.
pub fn update(store: &Store, id: &str, changes: &Resources) -> Result<Vec<String>, ContainerError> {
    let dir = store.open(id)?;
    let mut state = dir
        .load()?
        .ok_or_else(|| ContainerError::Other(format!("container {id:?} has no state yet")))?;
    state.refresh();
    if !matches!(
        state.status,
        Status::Created | Status::Running | Status::Paused
    ) {
        return Err(ContainerError::WrongStatus {
            id: id.into(),
            status: state.status,
            what: "only a live container can be updated",
        });
    }
    let mut warnings = Vec::new();
    let mut delta = changes.clone();
    if !delta.devices.is_empty() {
        warnings.push("linux.resources.devices: not changed by update (as runc)".into());
        delta.devices.clear();
    }
    let cg = cgroup::open_or_err(dir.path(), &state)?;
    // Bad values came from the caller, not from config.json.
    let set = cg.set(&delta).map_err(|e| match e {
        CgroupError::Config { .. } => ContainerError::Other(format!("update: {e}")),
        other => other.into(),
    })?;
    warnings.extend(set);
    let mut spec = saved_spec(&dir).ok_or_else(|| {
        ContainerError::Other(format!("container {id:?}: saved config.json is unreadable"))
    })?;
    let linux = spec.linux.get_or_insert_with(Default::default);
    linux
        .resources
        .get_or_insert_with(Resources::default)
        .merge(&delta);
    let bytes = serde_json::to_vec(&spec).map_err(|e| ContainerError::Other(e.to_string()))?;
    cgroup::write_atomic(&dir.path().join("config.json"), &bytes)?;
    Ok(warnings)
}

/// A size as runc's flags take it: `1024`, `64k`, `32m`, `1g`, `1.5GiB`;
/// `-1` means unlimited.
pub fn parse_size(s: &str) -> Result<i64, ContainerError> {
    let bad = || ContainerError::Other(format!("invalid size {s:?} (examples: 512m, 1g, -1)"));
    let t = s.trim();
    if t == "-1" {
        return Ok(-1);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let unit = unit.to_ascii_lowercase();
    let unit = unit.trim_end_matches("ib").trim_end_matches('b');
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        "p" => 50,
        _ => return Err(bad()),
    };
    let v = n * (1u64 << shift) as f64;
    if !v.is_finite() || v < 0.0 || v > i64::MAX as f64 {
        return Err(bad());
    }
    Ok(v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_as_runc_takes_them() {
        assert_eq!(parse_size("1024").ok(), Some(1024));
        assert_eq!(parse_size("64k").ok(), Some(64 << 10));
        assert_eq!(parse_size("32M").ok(), Some(32 << 20));
        assert_eq!(parse_size("1g").ok(), Some(1 << 30));
        assert_eq!(parse_size("1.5GiB").ok(), Some(3 << 29));
        assert_eq!(parse_size("2mb").ok(), Some(2 << 20));
        assert_eq!(parse_size("-1").ok(), Some(-1));
        for bad in ["", "m", "-2", "12x", "1e9", "99999999999p"] {
            assert!(parse_size(bad).is_err(), "{bad:?} accepted");
        }
    }
}
