//! `ocix bench` against runc: the table, the JSON and the SVG chart.
//! No timing thresholds: only the shape of the output is checked.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::{json, Value};
use std::path::Path;

/// A `/bin/true` bundle, or `None` (after saying why) when root, busybox
/// or runc is missing; under CI a missing runc fails.
fn setup(test: &str) -> Option<Bundle> {
    if !prerequisites(test) {
        return None;
    }
    if !on_path("runc") {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: needs runc (apt-get install runc), which CI must provide");
        }
        eprintln!("SKIPPED: {test} because runc is missing");
        return None;
    }
    let mut b = Bundle::sh("true");
    b.config["process"]["args"] = json!(["/bin/true"]);
    b.save();
    Some(b)
}

fn bench(b: &Bundle, extra: &[&str]) -> String {
    let dir = b.dir();
    let mut args = vec!["bench", "--runs", "3", "--warmup", "0", "--compare", "runc"];
    args.extend(extra);
    args.push(dir.to_str().expect("utf-8 path"));
    let out = b.ocix(&args);
    assert!(
        out.status.success(),
        "ocix bench failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn bench_prints_phases_of_both_runtimes_and_the_ratio() {
    let Some(b) = setup("bench_prints_phases_of_both_runtimes_and_the_ratio") else {
        return;
    };
    let out = bench(&b, &["--compare", "crun,youki"]);
    for word in [
        "create", "start", "exit", "delete", "total", "median", "p95",
    ] {
        assert!(out.contains(word), "{word} missing:\n{out}");
    }
    let rows = |rt: &str| out.lines().filter(|l| l.starts_with(rt)).count();
    assert_eq!(
        (rows("ocix "), rows("runc ")),
        (1, 1),
        "one block each:\n{out}"
    );
    assert!(out.contains("ratio ocix/runc (total): median "), "{out}");
    for missing in ["crun", "youki"] {
        if !on_path(missing) {
            assert!(
                out.contains(&format!("{missing}: not found, skipped")),
                "{out}"
            );
        }
    }
    assert!(b.leftovers().is_empty(), "bench used the global --root");
}

#[test]
fn bench_json_has_every_sample() {
    let Some(b) = setup("bench_json_has_every_sample") else {
        return;
    };
    let out = bench(&b, &["--format", "json"]);
    let v: Value = serde_json::from_str(&out).expect("bench JSON parses");
    let names: Vec<&str> = v["runtimes"]
        .as_array()
        .expect("runtimes")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["ocix", "runc"]);
    for rt in v["runtimes"].as_array().expect("runtimes") {
        for phase in ["create", "start", "exit", "delete", "total"] {
            let p = &rt["phases"][phase];
            assert_eq!(
                p["samples"].as_array().map(Vec::len),
                Some(3),
                "{phase}: {p}"
            );
            assert!(p["median"].as_f64().is_some_and(|m| m >= 0.0), "{p}");
        }
    }
    assert!(v["ratios"][0]["mean"].as_f64().is_some_and(|r| r > 0.0));
}

#[test]
fn bench_plot_is_well_formed_svg_with_both_runtimes() {
    let Some(b) = setup("bench_plot_is_well_formed_svg_with_both_runtimes") else {
        return;
    };
    let svg = b.tmp.path().join("bench.svg");
    bench(&b, &["--plot", svg.to_str().expect("utf-8 path")]);
    let doc = std::fs::read_to_string(&svg).expect("SVG written");
    assert!(doc.contains("<svg") && doc.contains(">ocix<") && doc.contains(">runc<"));
    check_xml(&svg);
}

/// Parses the file with python3's XML parser when there is one, else
/// checks that every element is closed.
fn check_xml(path: &Path) {
    let parse = "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])";
    match std::process::Command::new("python3")
        .args(["-c", parse])
        .arg(path)
        .output()
    {
        Ok(out) => assert!(out.status.success(), "not XML: {}", text(&out.stderr)),
        Err(_) => {
            eprintln!("python3 missing: checking the SVG's tags only");
            let doc = std::fs::read_to_string(path).expect("read SVG");
            let opened = doc.matches("<svg").count() + doc.matches("<text").count();
            let closed = doc.matches("</svg>").count() + doc.matches("</text>").count();
            assert_eq!(opened, closed, "unclosed elements");
        }
    }
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}
