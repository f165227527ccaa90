//! `events`: a container's OOM kills as they happen and its resource
//! usage at an interval, as the JSON objects runc prints, one per line.

use super::{cgroup, query, ContainerError};
use crate::linux::cgroups::Stats;
use crate::state::{Status, Store};
use serde::Serialize;
use std::time::{Duration, Instant};

/// runc's event shape: `{"type": "stats"|"oom", "id": ..., "data": ...}`.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Stats>,
}

/// One `stats` event of container `id`.
pub fn stats(store: &Store, id: &str) -> Result<Event, ContainerError> {
    let s = query::live_state(store, id)?;
    let cg = cgroup::open_or_err(&store.root().join(id), &s)?;
    Ok(Event {
        kind: "stats",
        id: id.into(),
        data: Some(cg.stats()?),
    })
}

/// How often the OOM counter is read between stats.
const OOM_POLL: Duration = Duration::from_millis(100);

/// Emits stats every `interval` and an `oom` event for each OOM kill,
/// until the container stops or `emit` fails (the reader went away).
pub fn watch(
    store: &Store,
    id: &str,
    interval: Duration,
    mut emit: impl FnMut(&Event) -> std::io::Result<()>,
) -> Result<(), ContainerError> {
    let s = query::live_state(store, id)?;
    let cg = cgroup::open_or_err(&store.root().join(id), &s)?;
    let mut ooms = cg.oom_kills();
    let mut next_stats = Instant::now();
    let gone = |e: std::io::Error| ContainerError::io("cannot write event")(e);
    loop {
        let now = Instant::now();
        if now >= next_stats {
            let data = Some(cg.stats()?);
            emit(&Event {
                kind: "stats",
                id: id.into(),
                data,
            })
            .map_err(gone)?;
            next_stats = now + interval;
        }
        let k = cg.oom_kills();
        if k > ooms {
            ooms = k;
            emit(&Event {
                kind: "oom",
                id: id.into(),
                data: None,
            })
            .map_err(gone)?;
        }
        if query::state(store, id).map_or(true, |s| s.status == Status::Stopped) {
            return Ok(());
        }
        std::thread::sleep(OOM_POLL.min(next_stats.saturating_duration_since(Instant::now())));
    }
}

/// A Go duration as containerd passes `--interval`: `5s`, `500ms`,
/// `1m30s`, `1.5h`.
pub fn parse_duration(s: &str) -> Result<Duration, ContainerError> {
    let bad = |why: &str| ContainerError::Other(format!("invalid duration {s:?}: {why}"));
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad("empty"));
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| bad("missing unit (s, ms, m, h...)"))?;
        let value: f64 = rest[..n].parse().map_err(|_| bad("not a number"))?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad("unknown unit")),
        };
        total += value * scale;
        rest = &rest[u..];
    }
    if !total.is_finite() || total <= 0.0 || total > 1e9 {
        return Err(bad("must be greater than zero"));
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        let d = |s| parse_duration(s).ok();
        assert_eq!(d("5s"), Some(Duration::from_secs(5)));
        assert_eq!(d("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(d("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(d("1.5h"), Some(Duration::from_secs(5400)));
        assert_eq!(d("250us"), Some(Duration::from_micros(250)));
        for bad in ["", "5", "0s", "s", "5x", "-1s", "1..5s"] {
            assert!(parse_duration(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn events_have_runc_shape() {
        let oom = Event {
            kind: "oom",
            id: "c".into(),
            data: None,
        };
        assert_eq!(
            serde_json::to_string(&oom).expect("json"),
            r#"{"type":"oom","id":"c"}"#
        );
        let stats = Event {
            kind: "stats",
            id: "c".into(),
            data: Some(Stats::default()),
        };
        let v = serde_json::to_value(&stats).expect("json");
        assert_eq!(v["type"], "stats");
        assert!(v["data"]["memory"]["usage"].get("limit").is_some());
        assert!(v["data"]["cpu"]["usage"].get("total").is_some());
    }
}
