//! ELF inspection: in memory and from a file, on synthetic 1 MiB and
//! 20 MiB programs (headers at the start, section headers at the end) and
//! on real static busyboxes. `inspect_path` reads only what it needs, so
//! its cost should not grow with the file.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_arch_matrix::elf::{inspect, inspect_path};
use ocix_benches::elf::synthetic_elf;
use std::path::{Path, PathBuf};

fn bench_inspect(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, size) in [("1MiB", 1 << 20), ("20MiB", 20 << 20)] {
        let bytes = synthetic_elf(size);
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        c.bench_function(&format!("inspect/memory/{name}"), |b| {
            b.iter(|| inspect(black_box(&bytes)).expect("inspect"))
        });
        c.bench_function(&format!("inspect/path/{name}"), |b| {
            b.iter(|| inspect_path(black_box(&path)).expect("inspect"))
        });
    }
    for (name, path) in real_binaries() {
        c.bench_function(&format!("inspect/path/busybox-{name}"), |b| {
            b.iter(|| inspect_path(black_box(&path)).expect("inspect"))
        });
    }
}

/// The host's busybox and the cached armhf one (ARM build attributes).
fn real_binaries() -> Vec<(&'static str, PathBuf)> {
    let cache = std::env::var("OCIX_CACHE").unwrap_or_else(|_| "/var/cache/ocix".into());
    [
        ("host", PathBuf::from("/bin/busybox")),
        ("armhf", Path::new(&cache).join("busybox/armhf/busybox")),
    ]
    .into_iter()
    .filter(|(name, p)| {
        let ok = p.is_file();
        if !ok {
            eprintln!(
                "SKIPPED: inspect/path/busybox-{name} because {} is missing",
                p.display()
            );
        }
        ok
    })
    .collect()
}

criterion_group!(benches, bench_inspect);
criterion_main!(benches);
