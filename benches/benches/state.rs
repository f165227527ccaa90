//! `state.json` through the store: every verb loads it, `create` and
//! `start` write it (create three times).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_runtime::state::{rfc3339_now, ContainerState, Status, Store};

fn sample(id: &str) -> ContainerState {
    let mut s = ContainerState {
        oci_version: "1.2.0".into(),
        id: id.into(),
        status: Status::Created,
        pid: 4242,
        bundle: "/var/lib/bundles/busybox".into(),
        rootfs: "/var/lib/bundles/busybox/rootfs".into(),
        created: rfc3339_now(),
        owner: String::new(),
        annotations: Default::default(),
        private: Default::default(),
    };
    s.annotations
        .insert("org.opencontainers.image.architecture".into(), "arm".into());
    s.private.pid_start = 123_456;
    s.private.creator_pid = 4240;
    s.private.backend = Some("native".into());
    s
}

fn bench_state(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = Store::new(tmp.path().join("root"));
    let dir = store.create("bench").expect("create state dir");
    let state = sample("bench");
    c.bench_function("state/save", |b| {
        b.iter(|| dir.save(black_box(&state)).expect("save"))
    });
    c.bench_function("state/load", |b| {
        b.iter(|| dir.load().expect("load").expect("state present"))
    });
    drop(dir);
    c.bench_function("state/open_lock_load", |b| {
        b.iter(|| {
            let d = store.open(black_box("bench")).expect("open");
            d.load().expect("load")
        })
    });
    let mut n = 0u64;
    c.bench_function("state/create_save_remove", |b| {
        b.iter(|| {
            n += 1;
            let id = format!("c{n}");
            let d = store.create(&id).expect("create");
            d.save(&sample(&id)).expect("save");
            d.remove().expect("remove");
        })
    });
}

criterion_group!(benches, bench_state);
criterion_main!(benches);
