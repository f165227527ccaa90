//! Loading and validating a bundle's config.json (every `create` does it).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_runtime::spec;

fn bench_spec(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    ocix_benches::spec_only_bundle(dir.path()).expect("bundle");
    let bytes = std::fs::read(dir.path().join("config.json")).expect("read");
    c.bench_function("spec/parse", |b| {
        b.iter(|| spec::parse(black_box(&bytes), "config.json").expect("parse"))
    });
    c.bench_function("spec/load_and_validate", |b| {
        b.iter(|| spec::load_bundle(black_box(dir.path())).expect("load"))
    });
}

criterion_group!(benches, bench_spec);
criterion_main!(benches);
