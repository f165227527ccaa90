//! Resource limits, update, pause/resume, ps and events through the CLI,
//! on this host's real cgroups (v1, hybrid or v2, whichever it mounts).
//! Ids carry the test's pid: cgroup paths are shared by the whole host.

mod common;

use common::{prerequisites, text, wait_until, Bundle};
use serde_json::{json, Value};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Skips (or, under CI, fails) when the host mounts no cgroups.
fn ready(test: &str) -> bool {
    if !prerequisites(test) {
        return false;
    }
    let mounted = fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .lines()
        .any(|l| l.contains(" - cgroup"));
    if !mounted && std::env::var_os("CI").is_some() {
        panic!("{test}: needs mounted cgroups, which CI must provide");
    }
    if !mounted {
        eprintln!("SKIPPED: {test} because no cgroup hierarchy is mounted");
    }
    mounted
}

fn uid(name: &str) -> String {
    format!("cg-{name}-{}", std::process::id())
}

fn with_resources(script: &str, resources: Value) -> Bundle {
    let mut b = Bundle::sh(script);
    b.config["linux"]["resources"] = resources;
    b.share();
    b
}

fn state(b: &Bundle, id: &str) -> Value {
    let out = b.ocix(&["state", id]);
    assert!(out.status.success(), "state: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("state JSON")
}

/// The cgroup directories ocix recorded for `id`.
fn cgroup_dirs(b: &Bundle, id: &str) -> Vec<PathBuf> {
    let raw = fs::read(b.root().join(id).join("state.json")).expect("state.json");
    let v: Value = serde_json::from_slice(&raw).expect("state.json JSON");
    v["ocix"]["cgroups"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(PathBuf::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The recorded directory of one v1 controller, or the v2 one.
fn dir_of(dirs: &[PathBuf], controller: &str) -> PathBuf {
    dirs.iter()
        .find(|d| d.components().any(|c| c.as_os_str() == controller))
        .or_else(|| dirs.iter().find(|d| d.join("cgroup.controllers").exists()))
        .cloned()
        .unwrap_or_else(|| panic!("no cgroup for {controller} in {dirs:?}"))
}

/// `run -d`, with a guard that force-deletes the container.
fn start<'a>(b: &'a Bundle, id: &'a str) -> Running<'a> {
    let dir = b.dir();
    let out = b.ocix(&["run", "-d", "--bundle", dir.to_str().expect("utf-8"), id]);
    assert!(out.status.success(), "run -d: {}", text(&out.stderr));
    Running { b, id }
}

struct Running<'a> {
    b: &'a Bundle,
    id: &'a str,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        let _ = self.b.ocix(&["delete", "--force", self.id]);
    }
}

fn stats(b: &Bundle, id: &str) -> Value {
    let out = b.ocix(&["events", "--stats", id]);
    assert!(
        out.status.success(),
        "events --stats: {}",
        text(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("stats JSON");
    assert_eq!(v["type"], "stats");
    assert_eq!(v["id"], id);
    v["data"].clone()
}

fn assert_gone(dirs: &[PathBuf]) {
    assert!(!dirs.is_empty(), "the container had no cgroup");
    for d in dirs {
        assert!(!d.exists(), "cgroup {} left behind", d.display());
    }
}

const MIB: u64 = 1 << 20;

/// 32 MiB of memory and no swap (memory+swap = memory).
fn memory_32m() -> Value {
    json!({"memory": {"limit": 32 * MIB, "swap": 32 * MIB}})
}

#[test]
fn memory_limit_oom_kills_and_the_exit_code_says_so() {
    if !ready("memory_limit_oom_kills_and_the_exit_code_says_so") {
        return;
    }
    // busybox tail holds the whole (newline-free) input in memory.
    let b = with_resources("head -c 64m /dev/zero | tail", memory_32m());
    let out = b.run(&uid("oom"));
    assert_eq!(
        out.status.code(),
        Some(137),
        "stderr: {}",
        text(&out.stderr)
    );
    let ok = with_resources(
        "head -c 8m /dev/zero | tail >/dev/null; echo fits",
        memory_32m(),
    );
    let out = ok.run(&uid("fits"));
    assert_eq!(text(&out.stdout), "fits\n", "stderr: {}", text(&out.stderr));
}

#[test]
fn events_report_an_oom_kill() {
    if !ready("events_report_an_oom_kill") {
        return;
    }
    let b = with_resources(
        // The pipeline asks to be the OOM killer's first choice: under
        // load a second OOM (the shell's own write) could otherwise take
        // the shell before it records the code.
        "while [ ! -e /shared/go ]; do sleep 0.05; done; \
         (echo 1000 > /proc/self/oom_score_adj; head -c 64m /dev/zero | tail); \
         echo $? > /shared/rc; sleep 1000",
        memory_32m(),
    );
    let id = uid("events");
    let _c = start(&b, &id);
    let log = b.tmp.path().join("events.out");
    let mut events = Command::new(common::ocix_bin())
        .arg("--root")
        .arg(b.root())
        .args(["events", "--interval", "1s", &id])
        .stdin(Stdio::null())
        .stdout(fs::File::create(&log).expect("events log"))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn events");
    let lines = || fs::read_to_string(&log).unwrap_or_default();
    wait_until("first stats event", 30, || lines().contains("\"stats\""));
    fs::write(b.shared().join("go"), "").expect("go");
    let found = Instant::now() + Duration::from_secs(30);
    while !lines().contains(r#"{"type":"oom","id":""#) && Instant::now() < found {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = events.kill();
    let _ = events.wait();
    assert!(
        lines().contains(&format!(r#"{{"type":"oom","id":"{id}"}}"#)),
        "events:\n{}",
        lines()
    );
    let rc = || fs::read_to_string(b.shared().join("rc")).unwrap_or_default();
    wait_until("the allocation's exit code", 30, || !rc().is_empty());
    assert_eq!(rc().trim(), "137");
    let mem = &stats(&b, &id)["memory"];
    assert!(mem["oomKill"].as_u64().unwrap_or(0) >= 1, "{mem}");
    assert_eq!(mem["usage"]["limit"].as_u64(), Some(32 * MIB), "{mem}");
}

#[test]
fn pids_limit_stops_the_eleventh_task() {
    if !ready("pids_limit_stops_the_eleventh_task") {
        return;
    }
    // Builtins only, so that every fork is a `sleep &`; busybox sh exits
    // at the first fork that fails.
    let script = "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); echo $i > /shared/n; done";
    let b = with_resources(script, json!({"pids": {"limit": 10}}));
    let out = b.run(&uid("pids"));
    let forked = fs::read_to_string(b.shared().join("n")).unwrap_or_default();
    // The shell and 9 sleeps are 10 tasks: the 10th sleep is refused.
    assert_eq!(forked.trim(), "9", "stderr: {}", text(&out.stderr));
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("fork"), "{}", text(&out.stderr));
}

/// CPU time used per second of wall time, measured over `wall`.
fn cpu_ratio(b: &Bundle, id: &str, wall: Duration) -> f64 {
    let usage = |b: &Bundle| stats(b, id)["cpu"]["usage"]["total"].as_u64().unwrap_or(0);
    let (u0, t0) = (usage(b), Instant::now());
    std::thread::sleep(wall);
    let (u1, t1) = (usage(b), Instant::now());
    (u1.saturating_sub(u0)) as f64 / (t1 - t0).as_nanos() as f64
}

#[test]
fn cpu_quota_limits_a_busy_loop() {
    if !ready("cpu_quota_limits_a_busy_loop") {
        return;
    }
    let b = with_resources(
        "while :; do :; done",
        json!({"cpu": {"quota": 20000, "period": 100000}}),
    );
    let id = uid("cpu");
    let _c = start(&b, &id);
    std::thread::sleep(Duration::from_millis(300));
    let limited = cpu_ratio(&b, &id, Duration::from_secs(2));
    assert!(limited < 0.5, "20% quota, yet {limited:.2} CPU used");
    let throttled = || {
        stats(&b, &id)["cpu"]["throttling"]["throttledPeriods"]
            .as_u64()
            .unwrap_or(0)
    };
    // Under a load that leaves the loop less than its quota anyway, the
    // kernel has nothing to throttle.
    let first = throttled();
    assert!(
        first > 0 || limited < 0.18,
        "{limited:.2} CPU used, yet never throttled"
    );
    // Lifting the quota stops the throttling (a CPU-time ratio would
    // depend on the host's load).
    let out = b.ocix(&["update", "--cpu-quota", "-1", &id]);
    assert!(out.status.success(), "update: {}", text(&out.stderr));
    let before = throttled();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        throttled(),
        before,
        "still throttled after the quota was lifted"
    );
}

#[test]
fn update_raises_the_memory_limit_of_a_running_container() {
    if !ready("update_raises_the_memory_limit_of_a_running_container") {
        return;
    }
    let script = "while :; do if [ -e /shared/go ]; then rm /shared/go; \
                  head -c 48m /dev/zero | tail >/dev/null; echo $? >> /shared/rc; fi; sleep 0.05; done";
    let b = with_resources(script, memory_32m());
    let id = uid("update");
    let _c = start(&b, &id);
    let rc = || fs::read_to_string(b.shared().join("rc")).unwrap_or_default();
    let allocate = |runs: usize| {
        fs::write(b.shared().join("go"), "").expect("go");
        wait_until("allocation result", 30, || rc().lines().count() == runs);
    };
    allocate(1);
    assert_eq!(rc(), "137\n", "48 MiB must not fit in 32 MiB");
    let raise = json!({"memory": {"limit": 128 * MIB, "swap": 128 * MIB}});
    let out = b.ocix_stdin(
        &["update", "--resources", "-", &id],
        raise.to_string().as_bytes(),
    );
    assert!(out.status.success(), "update: {}", text(&out.stderr));
    allocate(2);
    assert_eq!(rc(), "137\n0\n", "48 MiB must fit in 128 MiB");
    let saved: Value = serde_json::from_slice(
        &fs::read(b.root().join(&id).join("config.json")).expect("saved config"),
    )
    .expect("config JSON");
    assert_eq!(saved["linux"]["resources"]["memory"]["limit"], 128 * MIB);
    assert_eq!(state(&b, &id)["status"], "running");
    assert_eq!(stats(&b, &id)["memory"]["usage"]["limit"], 128 * MIB);
    let out = b.ocix(&["update", "--pids-limit", "50", "--memory", "96m", &id]);
    assert!(out.status.success(), "update flags: {}", text(&out.stderr));
    let data = stats(&b, &id);
    assert_eq!(data["pids"]["limit"], 50);
    assert_eq!(data["memory"]["usage"]["limit"], 96 * MIB);
}

#[test]
fn pause_freezes_and_resume_thaws() {
    if !ready("pause_freezes_and_resume_thaws") {
        return;
    }
    let b = with_resources(
        "i=0; while :; do i=$((i+1)); echo $i > /shared/count; sleep 0.02; done",
        json!({}),
    );
    let id = uid("pause");
    let _c = start(&b, &id);
    let count = || {
        fs::read_to_string(b.shared().join("count"))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    wait_until("the counter runs", 30, || count() > 2);
    let out = b.ocix(&["pause", &id]);
    assert!(out.status.success(), "pause: {}", text(&out.stderr));
    assert_eq!(state(&b, &id)["status"], "paused");
    let frozen_at = count();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(), frozen_at, "a paused container made progress");
    let out = b.ocix(&["pause", &id]);
    assert!(!out.status.success(), "pausing twice must fail");
    let out = b.ocix(&["resume", &id]);
    assert!(out.status.success(), "resume: {}", text(&out.stderr));
    assert_eq!(state(&b, &id)["status"], "running");
    wait_until("the counter runs again", 10, || count() > frozen_at + 2);
    // A paused container is deleted (thawed, killed) by delete --force.
    assert!(b.ocix(&["pause", &id]).status.success());
    let dirs = cgroup_dirs(&b, &id);
    let out = b.ocix(&["delete", "--force", &id]);
    assert!(out.status.success(), "delete: {}", text(&out.stderr));
    assert_gone(&dirs);
}

#[test]
fn ps_lists_the_container_processes() {
    if !ready("ps_lists_the_container_processes") {
        return;
    }
    let b = with_resources("sleep 100 & sleep 200", json!({}));
    let id = uid("ps");
    let _c = start(&b, &id);
    let pid = state(&b, &id)["pid"].as_i64().expect("pid");
    wait_until("two processes", 30, || {
        let out = b.ocix(&["ps", "--format", "json", &id]);
        serde_json::from_slice::<Vec<i64>>(&out.stdout).is_ok_and(|p| p.len() == 2)
    });
    let out = b.ocix(&["ps", "--format", "json", &id]);
    let pids: Vec<i64> = serde_json::from_slice(&out.stdout).expect("pid list");
    assert!(pids.contains(&pid), "{pids:?} lacks init {pid}");
    let out = b.ocix(&["ps", &id]);
    let table = text(&out.stdout);
    assert!(table.starts_with("UID"), "{table}");
    assert!(
        table.contains("sleep 100") && table.contains("sleep 200"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 3, "{table}");
    let out = b.ocix(&["ps", &id, "--", "-o", "pid,comm"]);
    assert_eq!(
        text(&out.stdout).lines().count(),
        3,
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn every_hierarchy_holds_the_container() {
    if !ready("every_hierarchy_holds_the_container") {
        return;
    }
    let b = with_resources(
        "cat /proc/self/cgroup > /shared/inside; sleep 100",
        json!({}),
    );
    let id = uid("place");
    let _c = start(&b, &id);
    let pid = state(&b, &id)["pid"].as_i64().expect("pid");
    let host = fs::read_to_string(format!("/proc/{pid}/cgroup")).expect("cgroup file");
    // v1 controllers, named hierarchies and (hybrid, v2) the unified one.
    for line in host.lines() {
        assert!(line.ends_with(&format!("/{id}")), "{host}");
    }
    let dirs = cgroup_dirs(&b, &id);
    let unified = fs::read_to_string("/proc/self/mountinfo")
        .unwrap_or_default()
        .contains(" - cgroup2 ");
    assert_eq!(
        host.lines().any(|l| l.starts_with("0::")),
        unified,
        "{host}"
    );
    // The cgroup namespace is rooted at the container's cgroup.
    wait_until("inside view", 30, || b.shared().join("inside").exists());
    let inside = fs::read_to_string(b.shared().join("inside")).expect("inside");
    for line in inside.lines() {
        assert!(line.ends_with(":/"), "{inside}");
    }
    let out = b.ocix(&["delete", "--force", &id]);
    assert!(out.status.success(), "delete: {}", text(&out.stderr));
    assert_gone(&dirs);
}

/// On a hybrid host hugetlb lives only in the unified (v2) hierarchy: a
/// real v2 write on this machine.
#[test]
fn hugepage_limit_goes_to_the_hierarchy_that_has_hugetlb() {
    if !ready("hugepage_limit_goes_to_the_hierarchy_that_has_hugetlb") {
        return;
    }
    if !Path::new("/sys/kernel/mm/hugepages/hugepages-2048kB").exists() {
        eprintln!("SKIPPED: no 2 MB huge pages");
        return;
    }
    let root_ctl = Path::new("/sys/fs/cgroup/unified/cgroup.subtree_control");
    let was_on = fs::read_to_string(root_ctl)
        .unwrap_or_default()
        .contains("hugetlb");
    let b = with_resources(
        "sleep 100",
        json!({"hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MIB}]}),
    );
    let id = uid("huge");
    let c = start(&b, &id);
    let dirs = cgroup_dirs(&b, &id);
    let file = dirs
        .iter()
        .map(|d| d.join("hugetlb.2MB.max"))
        .chain(dirs.iter().map(|d| d.join("hugetlb.2MB.limit_in_bytes")))
        .find(|f| f.exists())
        .unwrap_or_else(|| panic!("no hugetlb file in {dirs:?}"));
    assert_eq!(
        fs::read_to_string(&file).unwrap_or_default().trim(),
        (4 * MIB).to_string()
    );
    drop(c);
    assert_gone(&dirs);
    if !was_on && file.ends_with("hugetlb.2MB.max") {
        // Undo what the test enabled (our /ocix level first).
        for d in ["/sys/fs/cgroup/unified/ocix", "/sys/fs/cgroup/unified"] {
            let _ = fs::write(Path::new(d).join("cgroup.subtree_control"), "-hugetlb");
        }
    }
}

#[test]
fn killed_create_then_delete_force_leaves_nothing() {
    if !ready("killed_create_then_delete_force_leaves_nothing") {
        return;
    }
    let mut b = with_resources("true", memory_32m());
    let hook = b.tmp.path().join("hook");
    let hook_pid = b.tmp.path().join("hook.pid");
    fs::write(
        &hook,
        format!(
            "#!/bin/sh\necho $$ > {}\nexec sleep 60\n",
            hook_pid.display()
        ),
    )
    .expect("hook");
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o755)).expect("chmod");
    b.config["hooks"] = json!({"createRuntime": [{"path": hook.display().to_string()}]});
    b.save();
    let id = uid("killed");
    let mut create = Command::new(common::ocix_bin())
        .arg("--root")
        .arg(b.root())
        .args(["create", "--bundle", b.dir().to_str().expect("utf-8"), &id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn create");
    wait_until("the hook runs", 30, || hook_pid.exists());
    let dirs = cgroup_dirs(&b, &id);
    assert!(dirs.iter().all(|d| d.exists()), "no cgroup yet: {dirs:?}");
    let _ = create.kill();
    let _ = create.wait();
    if let Ok(p) = fs::read_to_string(&hook_pid) {
        let _ = Command::new("kill").arg(p.trim()).status();
    }
    assert_eq!(state(&b, &id)["status"], "stopped");
    let out = b.ocix(&["delete", "--force", &id]);
    assert!(out.status.success(), "delete: {}", text(&out.stderr));
    assert_gone(&dirs);
    assert!(b.leftovers().is_empty(), "state left: {:?}", b.leftovers());
}

#[test]
fn systemd_cgroups_are_refused_clearly() {
    if !ready("systemd_cgroups_are_refused_clearly") {
        return;
    }
    let mut b = Bundle::sh("true");
    let dir = b.dir();
    let out = b.ocix(&[
        "--systemd-cgroup",
        "run",
        "--bundle",
        dir.to_str().expect("utf-8"),
        "sd",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no systemd cgroup driver"),
        "{}",
        text(&out.stderr)
    );
    b.config["linux"]["cgroupsPath"] = json!("system.slice:ocix:sd");
    b.save();
    let out = b.run("sd");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("linux.cgroupsPath") && err.contains("systemd"),
        "{err}"
    );
    assert!(b.leftovers().is_empty(), "state left: {:?}", b.leftovers());
}

#[test]
fn an_explicit_cgroups_path_is_used_and_removed() {
    if !ready("an_explicit_cgroups_path_is_used_and_removed") {
        return;
    }
    let mut b = Bundle::sh("sleep 100");
    let id = uid("path");
    let path = format!("/ocix-test/{id}");
    b.config["linux"]["cgroupsPath"] = json!(path);
    b.config["linux"]["resources"] = json!({"pids": {"limit": 30}});
    b.save();
    let c = start(&b, &id);
    let dirs = cgroup_dirs(&b, &id);
    assert!(
        dirs.iter()
            .all(|d| d.ends_with(path.trim_start_matches('/'))),
        "{dirs:?}"
    );
    let pids = dir_of(&dirs, "pids");
    let max = fs::read_to_string(pids.join("pids.max")).unwrap_or_default();
    assert_eq!(max.trim(), "30");
    drop(c);
    assert_gone(&dirs);
    for d in &dirs {
        if let Some(parent) = d.parent() {
            let _ = fs::remove_dir(parent);
        }
    }
}

/// A host device bound into the container cannot be opened when the
/// device rules do not list it; the default devices stay usable.
#[test]
fn device_rules_deny_unlisted_devices() {
    if !ready("device_rules_deny_unlisted_devices") {
        return;
    }
    // A readable device that needs no capability: 4 bytes, the latency.
    let dev = "/dev/cpu_dma_latency";
    if !Path::new(dev).exists() {
        eprintln!("SKIPPED: no {dev} on this host");
        return;
    }
    let script = "head -c4 /dev/lat 2>&1 | wc -c; head -c4 /dev/lat 2>&1 >/dev/null; \
                  head -c1 /dev/zero | wc -c";
    let read = |devices: Value| {
        let mut b = with_resources(script, json!({ "devices": devices }));
        b.add_mount(
            json!({"destination": "/dev/lat", "type": "bind", "source": dev,
                           "options": ["bind"]}),
        );
        let out = b.run(&uid("dev"));
        assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let denied = read(json!([{"allow": false, "access": "rwm"}]));
    assert!(denied.contains("Operation not permitted"), "{denied}");
    assert!(denied.ends_with("1\n"), "/dev/zero stays usable: {denied}");
    let allowed = read(json!([]));
    assert!(allowed.starts_with("4\n"), "{allowed}");
}
