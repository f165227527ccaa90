//! Process settings beyond the basics, as the process sees them, and the
//! clear refusals of what this host cannot do.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;

fn run_with(
    test: &str,
    script: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Option<(String, String, i32)> {
    if !prerequisites(test) {
        return None;
    }
    let mut b = Bundle::sh(script);
    edit(&mut b.config);
    b.save();
    let out = b.run(test);
    assert!(b.leftovers().is_empty(), "{test}: state left behind");
    Some((
        text(&out.stdout),
        text(&out.stderr),
        out.status.code().unwrap_or(-1),
    ))
}

#[test]
fn linux32_personality_reports_a_32_bit_machine() {
    let Some((out, err, _)) = run_with("personality", "uname -m", |c| {
        c["linux"]["personality"] = json!({"domain": "LINUX32"});
    }) else {
        return;
    };
    if std::env::consts::ARCH == "x86_64" {
        assert_eq!(out, "i686\n", "{err}");
    }
}

#[test]
fn scheduler_io_priority_affinity_and_memory_policy_apply() {
    let script =
        "grep -E '^policy' /proc/self/sched | tr -s ' '; cut -d' ' -f19 /proc/self/stat; ionice; \
                  grep Cpus_allowed_list /proc/self/status; grep -c bind:0 /proc/self/numa_maps";
    let Some((out, err, code)) = run_with("sched", script, |c| {
        c["process"]["scheduler"] = json!({"policy": "SCHED_BATCH", "nice": 5});
        c["process"]["ioPriority"] = json!({"class": "IOPRIO_CLASS_IDLE", "priority": 0});
        c["process"]["execCPUAffinity"] = json!({"final": "0"});
        c["linux"]["memoryPolicy"] = json!({"mode": "MPOL_BIND", "nodes": "0"});
    }) else {
        return;
    };
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"policy : 3"), "{out}");
    assert_eq!(lines.get(1), Some(&"5"), "{out}");
    assert_eq!(lines.get(2), Some(&"idle"), "{out}");
    assert_eq!(
        lines.get(3).map(|l| l.split_whitespace().last()),
        Some(Some("0")),
        "{out}"
    );
    assert!(
        lines
            .get(4)
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| n > 0),
        "{out}"
    );
}

#[test]
fn bad_scheduler_policy_names_its_path() {
    let Some((_, err, code)) = run_with("badsched", "true", |c| {
        c["process"]["scheduler"] = json!({"policy": "SCHED_FAST"});
    }) else {
        return;
    };
    assert_ne!(code, 0);
    assert!(err.contains("process.scheduler.policy"), "{err}");
}

#[test]
fn unavailable_features_are_refused_clearly() {
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.trim() == "Y");
    if !apparmor {
        let Some((_, err, code)) = run_with("apparmor", "true", |c| {
            c["process"]["apparmorProfile"] = json!("ocix-test");
        }) else {
            return;
        };
        assert_ne!(code, 0);
        assert!(err.contains("AppArmor is not enabled"), "{err}");
    }
    let Some((_, err, code)) = run_with("intelrdt", "true", |c| {
        c["linux"]["intelRdt"] = json!({"closID": "x"});
    }) else {
        return;
    };
    assert_ne!(code, 0);
    assert!(err.contains("linux.intelRdt"), "{err}");
}
