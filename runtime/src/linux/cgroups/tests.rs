//! The managers against the in-memory [`FakeFs`]: v2 (which this hybrid
//! host cannot exercise for real), v1 and hybrid writes, records.

use super::fs::FakeFs;
use super::*;
use crate::spec::Resources;
use std::rc::Rc;

const ROOT: &str = "/sys/fs/cgroup";
const CTRLS: &str = "cpuset cpu io memory hugetlb pids rdma";

/// A pure v2 host whose directories get the usual interface files.
fn v2_host() -> Rc<FakeFs> {
    let fs = FakeFs::with(
        &[ROOT],
        &[
            ("/sys/fs/cgroup/cgroup.controllers", CTRLS),
            ("/sys/fs/cgroup/cgroup.subtree_control", ""),
        ],
    );
    fs.on_mkdir(&[
        ("cgroup.controllers", CTRLS),
        ("cgroup.subtree_control", ""),
        ("cgroup.procs", ""),
        ("cgroup.freeze", "0"),
        ("cgroup.events", "populated 0\nfrozen 0"),
        ("memory.max", "max"),
        ("memory.swap.max", "max"),
        ("memory.high", "max"),
        ("cpu.max", "max 100000"),
        ("io.weight", "default 100"),
    ]);
    Rc::new(fs)
}

fn v2_manager(fs: &Rc<FakeFs>, path: &str) -> Box<dyn Cgroup> {
    let layout = Layout::parse(
        "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
        "0::/\n",
    );
    let p = CgroupsPath::from_spec(Some(path), "c1", None, false).expect("path");
    new_manager(&layout, &p, fs.clone()).expect("manager")
}

fn res(json: &str) -> Resources {
    serde_json::from_str(json).expect("resources json")
}

fn writes_to(fs: &FakeFs, file: &str) -> Vec<String> {
    fs.writes()
        .into_iter()
        .filter(|(p, _)| p == file)
        .map(|(_, v)| v)
        .collect()
}

#[test]
fn v2_create_enables_controllers_and_places_the_pid() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    m.add(4242).expect("add");
    assert!(fs.has_dir("/sys/fs/cgroup/ocix/c1"));
    for level in ["/sys/fs/cgroup", "/sys/fs/cgroup/ocix"] {
        let on = fs
            .value(&format!("{level}/cgroup.subtree_control"))
            .expect("subtree_control");
        assert_eq!(on, CTRLS, "{level}");
    }
    assert_eq!(
        writes_to(&fs, "/sys/fs/cgroup/ocix/c1/cgroup.procs"),
        ["4242"]
    );
    let rec = m.record();
    assert_eq!(rec.created, [PathBuf::from("/sys/fs/cgroup/ocix/c1")]);
    assert_eq!(rec.unified_mount, Some(PathBuf::from(ROOT)));
}

#[test]
fn v2_resources_are_converted_as_runc_does() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    let r = res(r#"{
        "memory": {"limit": 33554432, "swap": 67108864, "reservation": 1048576},
        "cpu": {"shares": 1024, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"},
        "pids": {"limit": 10},
        "blockIO": {"weight": 500,
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1000}]},
        "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
        "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 1000}},
        "unified": {"memory.high": "30000000"}
    }"#);
    let warnings = m.set(&r).expect("set");
    assert!(warnings.is_empty(), "{warnings:?}");
    let d = "/sys/fs/cgroup/ocix/c1";
    let v = |f: &str| fs.value(&format!("{d}/{f}")).unwrap_or_default();
    assert_eq!(v("memory.max"), "33554432");
    assert_eq!(v("memory.swap.max"), "33554432");
    assert_eq!(v("memory.low"), "1048576");
    assert_eq!(v("cpu.weight"), "39");
    assert_eq!(v("cpu.max"), "20000 100000");
    assert_eq!(
        (v("cpuset.cpus"), v("cpuset.mems")),
        ("0".into(), "0".into())
    );
    assert_eq!(v("pids.max"), "10");
    assert_eq!(v("io.weight"), "4950");
    assert_eq!(v("io.max"), "8:0 rbps=1000");
    assert_eq!(v("hugetlb.2MB.max"), "4194304");
    assert_eq!(v("rdma.max"), "mlx5_1 hca_handle=3 hca_object=1000");
    assert_eq!(v("memory.high"), "30000000");
}

#[test]
fn v2_partial_cpu_and_swap_rules() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    let d = "/sys/fs/cgroup/ocix/c1";
    fs.seed(&format!("{d}/cpu.max"), "50000 100000");
    m.set(&res(r#"{"cpu": {"period": 200000}}"#))
        .expect("period");
    assert_eq!(
        fs.value(&format!("{d}/cpu.max")).as_deref(),
        Some("50000 200000")
    );
    m.set(&res(r#"{"cpu": {"quota": -1}}"#)).expect("quota");
    assert_eq!(
        fs.value(&format!("{d}/cpu.max")).as_deref(),
        Some("max 200000")
    );
    m.set(&res(r#"{"memory": {"limit": -1}}"#))
        .expect("unlimited");
    assert_eq!(
        fs.value(&format!("{d}/memory.swap.max")).as_deref(),
        Some("max")
    );
    let e = m
        .set(&res(r#"{"memory": {"swap": 100}}"#))
        .expect_err("no limit");
    assert!(e.to_string().contains("linux.resources.memory.swap"), "{e}");
    let e = m
        .set(&res(r#"{"memory": {"limit": 200, "swap": 100}}"#))
        .expect_err("swap below limit");
    assert!(e.to_string().contains("at least"), "{e}");
    let w = m
        .set(&res(r#"{"memory": {"kernel": 1000, "swappiness": 10}}"#))
        .expect("ignored");
    assert_eq!(w.len(), 2, "{w:?}");
}

#[test]
fn v2_unified_keys_are_checked() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    for bad in ["../../etc/passwd", "", ".hidden"] {
        let r = Resources {
            unified: [(bad.to_string(), "1".to_string())].into(),
            ..Resources::default()
        };
        let e = m.set(&r).expect_err(bad).to_string();
        assert!(e.contains("unified"), "{e}");
    }
    let e = m
        .set(&res(r#"{"unified": {"memory.nosuch": "1"}}"#))
        .expect_err("missing file")
        .to_string();
    assert!(e.contains("no such file"), "{e}");
    let e = m
        .set(&res(r#"{"unified": {"misc.max": "1"}}"#))
        .expect_err("no misc controller")
        .to_string();
    assert!(e.contains("misc controller is not available"), "{e}");
    let e = m
        .set(&res(r#"{"network": {"classID": 1}}"#))
        .expect_err("no net_cls")
        .to_string();
    assert!(e.contains("net_cls"), "{e}");
}

#[test]
fn v2_freeze_waits_for_the_kernel() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    let d = "/sys/fs/cgroup/ocix/c1";
    fs.seed(&format!("{d}/cgroup.events"), "populated 1\nfrozen 1\n");
    m.freeze(true).expect("freeze");
    assert_eq!(writes_to(&fs, &format!("{d}/cgroup.freeze")), ["1"]);
}

#[test]
fn v2_joined_cgroup_is_not_removed() {
    let fs = v2_host();
    let mut made = v2_manager(&fs, "/ocix/c1");
    made.create().expect("create");
    let mut joined = v2_manager(&fs, "/ocix/c1");
    joined.create().expect("join");
    assert!(joined.record().created.is_empty());
    joined.destroy().expect("destroy joined");
    assert!(fs.has_dir("/sys/fs/cgroup/ocix/c1"));
    fs.mkdir(Path::new("/sys/fs/cgroup/ocix/c1/sub"))
        .expect("child");
    made.destroy().expect("destroy made");
    assert!(!fs.has_dir("/sys/fs/cgroup/ocix/c1"));
    assert!(fs.has_dir("/sys/fs/cgroup/ocix"), "shared parent stays");
}

#[test]
fn v2_stats_are_read() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    let d = "/sys/fs/cgroup/ocix/c1";
    for (f, v) in [
        ("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 4\nnr_throttled 2\nthrottled_usec 7\n"),
        ("memory.current", "4096"),
        ("memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n"),
        ("memory.stat", "anon 100\nfile 200\n"),
        ("pids.current", "3"),
        ("pids.max", "max"),
    ] {
        fs.seed(&format!("{d}/{f}"), v);
    }
    let s = m.stats().expect("stats");
    assert_eq!(s.cpu.usage.total, 1_500_000);
    assert_eq!(s.cpu.throttling.throttled_time, 7000);
    assert_eq!(s.memory.usage.usage, 4096);
    assert_eq!(s.memory.usage.limit, u64::MAX);
    assert_eq!((s.memory.usage.failcnt, s.memory.oom_kill), (3, 1));
    assert_eq!(s.memory.cache, 200);
    assert_eq!((s.pids.current, s.pids.limit), (3, 0));
    assert_eq!(m.oom_kills(), 1);
}

/// A v1 host with memory (swap accounting), cpuset, pids, freezer,
/// devices, a co-mounted cpu,cpuacct and a named hierarchy.
fn v1_fs() -> Rc<FakeFs> {
    let fs = FakeFs::with(
        &[
            "/cg/memory",
            "/cg/cpuset",
            "/cg/pids",
            "/cg/freezer",
            "/cg/devices",
            "/cg/cpu,cpuacct",
            "/cg/systemd",
        ],
        &[
            ("/cg/cpuset/cpuset.cpus", "0-3"),
            ("/cg/cpuset/cpuset.mems", "0"),
        ],
    );
    fs.on_mkdir(&[
        ("cgroup.procs", ""),
        ("cpuset.cpus", ""),
        ("cpuset.mems", ""),
        ("memory.limit_in_bytes", "9223372036854771712"),
        ("memory.memsw.limit_in_bytes", "9223372036854771712"),
        ("cpu.shares", "1024"),
        ("cpu.cfs_quota_us", "-1"),
        ("cpu.cfs_period_us", "100000"),
        ("freezer.state", "THAWED"),
    ]);
    Rc::new(fs)
}

const V1_MOUNTS: &str = "\
35 31 0:32 / /cg/memory rw - cgroup cgroup rw,memory
36 31 0:33 / /cg/cpuset rw - cgroup cgroup rw,cpuset
37 31 0:34 / /cg/pids rw - cgroup cgroup rw,pids
38 31 0:35 / /cg/freezer rw - cgroup cgroup rw,freezer
39 31 0:36 / /cg/devices rw - cgroup cgroup rw,devices
40 31 0:37 / /cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
41 31 0:38 / /cg/systemd rw - cgroup cgroup rw,xattr,name=systemd
";

fn v1_manager(fs: &Rc<FakeFs>, mounts: &str) -> Box<dyn Cgroup> {
    let layout = Layout::parse(mounts, "");
    let p = CgroupsPath::from_spec(None, "c1", None, false).expect("path");
    new_manager(&layout, &p, fs.clone()).expect("manager")
}

#[test]
fn v1_create_places_in_every_hierarchy_and_fills_cpuset() {
    let fs = v1_fs();
    let mut m = v1_manager(&fs, V1_MOUNTS);
    m.create().expect("create");
    m.add(77).expect("add");
    for h in [
        "memory",
        "cpuset",
        "pids",
        "freezer",
        "devices",
        "cpu,cpuacct",
        "systemd",
    ] {
        let procs = format!("/cg/{h}/ocix/c1/cgroup.procs");
        assert_eq!(writes_to(&fs, &procs), ["77"], "{h}");
    }
    for d in ["/cg/cpuset/ocix", "/cg/cpuset/ocix/c1"] {
        assert_eq!(
            fs.value(&format!("{d}/cpuset.cpus")).as_deref(),
            Some("0-3")
        );
        assert_eq!(fs.value(&format!("{d}/cpuset.mems")).as_deref(), Some("0"));
    }
    assert_eq!(m.record().created.len(), 7);
    assert_eq!(m.record().dirs().len(), 7, "cpu and cpuacct share a dir");
}

#[test]
fn v1_memory_and_swap_are_written_in_a_valid_order() {
    let fs = v1_fs();
    let mut m = v1_manager(&fs, V1_MOUNTS);
    m.create().expect("create");
    let d = "/cg/memory/ocix/c1";
    let order = |fs: &FakeFs| -> Vec<String> {
        fs.writes()
            .into_iter()
            .filter(|(p, _)| p.starts_with(d) && p.contains("limit_in_bytes"))
            .map(|(p, v)| format!("{}={v}", p.rsplit('/').next().unwrap_or_default()))
            .collect()
    };
    // Lowering from unlimited: the memory limit first.
    m.set(&res(r#"{"memory": {"limit": 33554432, "swap": 33554432}}"#))
        .expect("lower");
    assert_eq!(
        order(&fs),
        [
            "memory.limit_in_bytes=33554432",
            "memory.memsw.limit_in_bytes=33554432"
        ]
    );
    // Raising: memsw first, or the kernel refuses limit > memsw.
    let fs2 = v1_fs();
    let mut m2 = v1_manager(&fs2, V1_MOUNTS);
    m2.create().expect("create");
    fs2.seed(&format!("{d}/memory.limit_in_bytes"), "33554432");
    m2.set(&res(
        r#"{"memory": {"limit": 134217728, "swap": 134217728}}"#,
    ))
    .expect("raise");
    assert_eq!(
        order(&fs2),
        [
            "memory.memsw.limit_in_bytes=134217728",
            "memory.limit_in_bytes=134217728"
        ]
    );
}

#[test]
fn v1_writes_each_controller() {
    let fs = v1_fs();
    let mut m = v1_manager(&fs, V1_MOUNTS);
    m.create().expect("create");
    m.set(&res(r#"{
        "memory": {"reservation": 1000, "swappiness": 10, "disableOOMKiller": true},
        "cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "1"},
        "pids": {"limit": -1}
    }"#))
        .expect("set");
    let v = |f: &str| fs.value(f).unwrap_or_default();
    assert_eq!(v("/cg/memory/ocix/c1/memory.soft_limit_in_bytes"), "1000");
    assert_eq!(v("/cg/memory/ocix/c1/memory.swappiness"), "10");
    assert_eq!(v("/cg/memory/ocix/c1/memory.oom_control"), "1");
    assert_eq!(v("/cg/cpu,cpuacct/ocix/c1/cpu.shares"), "512");
    assert_eq!(v("/cg/cpu,cpuacct/ocix/c1/cpu.cfs_quota_us"), "20000");
    assert_eq!(v("/cg/cpuset/ocix/c1/cpuset.cpus"), "1");
    assert_eq!(v("/cg/pids/ocix/c1/pids.max"), "max");
    let e = m
        .set(&res(r#"{"memory": {"swappiness": 101}}"#))
        .expect_err("swappiness")
        .to_string();
    assert!(e.contains("swappiness"), "{e}");
    let e = m
        .set(&res(r#"{"cpu": {"realtimeRuntime": 5}}"#))
        .expect_err("no rt file")
        .to_string();
    assert!(e.contains("cpu.rt_runtime_us"), "{e}");
    let e = m
        .set(&res(
            r#"{"hugepageLimits": [{"pageSize": "2MB", "limit": 1}]}"#,
        ))
        .expect_err("no hugetlb")
        .to_string();
    assert!(
        e.contains("hugetlb cgroup controller is not mounted"),
        "{e}"
    );
    let e = m
        .set(&res(r#"{"unified": {"memory.high": "1"}}"#))
        .expect_err("no v2")
        .to_string();
    assert!(e.contains("needs cgroup v2"), "{e}");
}

#[test]
fn v1_device_rules_go_to_allow_and_deny() {
    let fs = v1_fs();
    let mut m = v1_manager(&fs, V1_MOUNTS);
    m.create().expect("create");
    let spec_rules: Resources = res(r#"{"devices": [
        {"allow": false, "access": "rwm"},
        {"allow": true, "type": "b", "major": 8, "minor": -1, "access": "r"}
    ]}"#);
    let created = [crate::spec::Device {
        kind: "c".into(),
        path: "/dev/fuse".into(),
        major: 10,
        minor: 229,
        ..Default::default()
    }];
    let rules = devices::effective(&spec_rules.devices, &created).expect("rules");
    m.set_devices(&rules).expect("devices");
    let d = "/cg/devices/ocix/c1";
    assert_eq!(writes_to(&fs, &format!("{d}/devices.deny")), ["a"]);
    let allowed = writes_to(&fs, &format!("{d}/devices.allow"));
    assert_eq!(allowed[0], "b 8:* r");
    assert!(allowed.contains(&"c 1:3 rwm".to_string()), "{allowed:?}");
    assert!(allowed.contains(&"c 136:* rwm".to_string()), "{allowed:?}");
    assert_eq!(allowed.last().map(String::as_str), Some("c 10:229 rwm"));
    let none = devices::effective(&[], &created).expect("none");
    assert!(none.is_empty(), "no rules: the inherited policy stays");
    let bad = res(r#"{"devices": [{"allow": true, "type": "p"}]}"#);
    assert!(devices::effective(&bad.devices, &[]).is_err());
}

#[test]
fn v1_freezer_and_missing_controllers() {
    let fs = v1_fs();
    let mut m = v1_manager(&fs, V1_MOUNTS);
    m.create().expect("create");
    m.freeze(true).expect("freeze");
    assert_eq!(
        fs.value("/cg/freezer/ocix/c1/freezer.state").as_deref(),
        Some("FROZEN")
    );
    let only_mem = "35 31 0:32 / /cg/memory rw - cgroup cgroup rw,memory\n";
    let mut bare = v1_manager(&fs, only_mem);
    bare.create().expect("create");
    let e = bare.freeze(true).expect_err("no freezer").to_string();
    assert!(e.contains("freezer"), "{e}");
    let e = bare
        .set(&res(r#"{"pids": {"limit": 10}}"#))
        .expect_err("no pids")
        .to_string();
    assert_eq!(
        e,
        "linux.resources.pids: the pids cgroup controller is not mounted on this host"
    );
}

#[test]
fn hybrid_sends_what_v1_lacks_to_the_unified_hierarchy() {
    let fs = v1_fs();
    fs.mkdir(Path::new("/cg/unified")).expect("unified");
    fs.seed("/cg/unified/cgroup.controllers", "hugetlb");
    fs.seed("/cg/unified/cgroup.subtree_control", "");
    let mounts = format!("{V1_MOUNTS}42 31 0:39 / /cg/unified rw - cgroup2 cgroup2 rw\n");
    let mut m = v1_manager(&fs, &mounts);
    let before = fs.writes().len();
    m.create().expect("create");
    assert_eq!(
        fs.writes()[before..]
            .iter()
            .filter(|(p, _)| p.ends_with("subtree_control"))
            .count(),
        0,
        "hybrid enables nothing it does not need"
    );
    fs.seed("/cg/unified/ocix/cgroup.controllers", "hugetlb");
    fs.seed("/cg/unified/ocix/cgroup.subtree_control", "");
    m.set(&res(r#"{"memory": {"limit": 1048576},
                   "hugepageLimits": [{"pageSize": "2MB", "limit": 0}]}"#))
        .expect("set");
    assert_eq!(
        fs.value("/cg/memory/ocix/c1/memory.limit_in_bytes")
            .as_deref(),
        Some("1048576")
    );
    assert_eq!(
        fs.value("/cg/unified/ocix/c1/hugetlb.2MB.max").as_deref(),
        Some("0")
    );
    assert_eq!(
        writes_to(&fs, "/cg/unified/cgroup.subtree_control"),
        ["+hugetlb"]
    );
    let rec = m.record();
    assert_eq!(rec.unified, Some(PathBuf::from("/cg/unified/ocix/c1")));
    assert_eq!(rec.created.len(), 8);
    let again = from_record(&rec, fs.clone()).expect("reopen");
    assert_eq!(again.record(), rec);
    m.freeze(true).expect("freeze");
    assert_eq!(
        fs.value("/cg/freezer/ocix/c1/freezer.state").as_deref(),
        Some("FROZEN")
    );
    again.destroy().expect("destroy");
    assert!(!fs.has_dir("/cg/unified/ocix/c1") && !fs.has_dir("/cg/memory/ocix/c1"));
}

#[test]
fn remove_tree_retries_busy_then_fails() {
    let fs = v2_host();
    let mut m = v2_manager(&fs, "/ocix/c1");
    m.create().expect("create");
    fs.fail("/sys/fs/cgroup/ocix/c1/cgroup.procs", libc::EINVAL);
    let e = m.add(1).expect_err("add");
    assert!(
        e.to_string()
            .starts_with("cannot write \"1\" to /sys/fs/cgroup/ocix/c1/cgroup.procs"),
        "{e}"
    );
}

#[test]
fn record_lists_each_dir_once() {
    let rec = Record {
        v1: [
            ("cpu".to_string(), PathBuf::from("/a")),
            ("cpuacct".to_string(), PathBuf::from("/a")),
        ]
        .into(),
        unified: Some("/u".into()),
        unified_mount: Some("/".into()),
        created: vec![],
    };
    assert_eq!(rec.dirs(), [PathBuf::from("/a"), PathBuf::from("/u")]);
    let json = serde_json::to_string(&rec).expect("ser");
    assert_eq!(serde_json::from_str::<Record>(&json).expect("de"), rec);
}

#[test]
fn features_claim_no_systemd() {
    let f = features();
    assert_eq!(f["v1"], true);
    assert_eq!(f["v2"], true);
    assert_eq!(f["systemd"], false);
}
