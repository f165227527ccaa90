//! Parsing every OpenEmbedded tune name, and every name ocix knows.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_arch_matrix::Arch;

fn bench_names(c: &mut Criterion) {
    let tunes = include_str!("../../arch-matrix/data/oe-tunes.txt");
    let tunes: Vec<&str> = tunes
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    c.bench_function("names/parse_oe_tunes", |b| {
        b.iter(|| {
            for t in &tunes {
                black_box(Arch::parse(black_box(t)).expect("tune"));
            }
        })
    });
    let all: Vec<&str> = Arch::all_names().map(|(n, _)| n).collect();
    c.bench_function("names/parse_all_known", |b| {
        b.iter(|| {
            for n in &all {
                black_box(Arch::parse(black_box(n)).expect("name"));
            }
        })
    });
    c.bench_function("names/parse_one_armv7ahf-neon", |b| {
        b.iter(|| Arch::parse(black_box("armv7ahf-neon")).expect("parse"))
    });
}

criterion_group!(benches, bench_names);
criterion_main!(benches);
