//! Global CLI behaviour: logs in runc's formats, features, spec, list.

mod common;

use common::{prerequisites, text, Bundle};

#[test]
fn json_log_records_errors_in_runc_shape() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let log = tmp.path().join("log.json");
    let out = std::process::Command::new(common::ocix_bin())
        .args(["--root", tmp.path().join("root").to_str().expect("utf-8")])
        .args([
            "--log",
            log.to_str().expect("utf-8"),
            "--log-format",
            "json",
            "state",
            "nope",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let line = std::fs::read_to_string(&log).expect("log written");
    let v: serde_json::Value =
        serde_json::from_str(line.lines().last().unwrap_or("")).expect("JSON line");
    assert_eq!(v["level"], "error");
    assert!(v["msg"].as_str().unwrap_or("").contains("nope"), "{v}");
    assert!(v["time"].as_str().is_some_and(|t| t.ends_with('Z')), "{v}");
}

#[test]
fn features_is_runtime_spec_json() {
    let out = std::process::Command::new(common::ocix_bin())
        .arg("features")
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["ociVersionMin"], "1.0.0");
    assert!(v["ociVersionMax"]
        .as_str()
        .is_some_and(|s| s.starts_with("1.2")));
    let ns = v["linux"]["namespaces"].as_array().expect("namespaces");
    assert!(ns.iter().any(|n| n == "time"), "{ns:?}");
    assert!(v["mountOptions"]
        .as_array()
        .is_some_and(|m| m.iter().any(|o| o == "rbind")));
}

#[test]
fn spec_refuses_to_overwrite_and_rootless_maps_the_caller() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().to_str().expect("utf-8");
    let ocix = || std::process::Command::new(common::ocix_bin());
    assert!(ocix()
        .args(["spec", "--rootless", "--bundle", dir])
        .status()
        .expect("run")
        .success());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("config.json")).expect("read"))
            .expect("JSON");
    let uid = nix::unistd::geteuid().as_raw();
    assert_eq!(v["linux"]["uidMappings"][0]["hostID"], uid);
    assert!(v["linux"]["namespaces"]
        .as_array()
        .expect("ns")
        .iter()
        .any(|n| n["type"] == "user"));
    let again = ocix()
        .args(["spec", "--bundle", dir])
        .output()
        .expect("run");
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("exists"));
}

#[test]
fn list_quiet_and_table_show_containers() {
    if !prerequisites("list_formats") {
        return;
    }
    let b = Bundle::sh("sleep 100");
    let dir = b.dir();
    assert!(b
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "listed"])
        .status
        .success());
    assert_eq!(text(&b.ocix(&["list", "-q"]).stdout), "listed\n");
    let table = text(&b.ocix(&["list"]).stdout);
    let mut lines = table.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("ID") && h.contains("STATUS")),
        "{table}"
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("listed") && l.contains("created")),
        "{table}"
    );
    assert!(b.ocix(&["delete", "--force", "listed"]).status.success());
}
