//! Preflight of a busybox bundle, as every `create` runs it: resolve
//! `process.args[0]` on the container's PATH inside the rootfs, inspect
//! the ELF, check it against the target and the host.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_runtime::arch::preflight::preflight;
use ocix_runtime::arch::{native, HostInfo};
use std::path::Path;

fn bench_preflight(c: &mut Criterion) {
    let busybox = Path::new("/bin/busybox");
    if !busybox.is_file() {
        eprintln!("SKIPPED: preflight because /bin/busybox is missing (ci/setup)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    ocix_benches::busybox_bundle(dir.path(), busybox).expect("bundle");
    let (spec, _) = ocix_runtime::spec::load_bundle(dir.path()).expect("load");
    let machine = std::env::consts::ARCH;
    c.bench_function("preflight/busybox/elf_target", |b| {
        b.iter(|| preflight(black_box(&spec), dir.path(), None).expect("preflight"))
    });
    c.bench_function("preflight/busybox/arch_flag", |b| {
        b.iter(|| preflight(black_box(&spec), dir.path(), Some(machine)).expect("preflight"))
    });
    let host = ocix_arch_matrix::Arch::parse(machine).expect("host arch");
    let i386 = ocix_arch_matrix::Arch::parse("i686").expect("i686");
    c.bench_function("preflight/native_check/i686", |b| {
        b.iter(|| native::check_native(black_box(&host), black_box(&i386)))
    });
    c.bench_function("host/probe", |b| b.iter(HostInfo::probe));
}

criterion_group!(benches, bench_preflight);
criterion_main!(benches);
