//! Assembling a vm-backend initramfs (cpio newc): directories, device
//! nodes, the agent as `/init` and a busybox bundle, as `ocix run
//! --backend vm` does before every boot.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ocix_vm::initramfs::Cpio;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Stand-in for the guest agent: about the size of a static release
/// `ocix` (the real one is cross-built per architecture).
const AGENT_BYTES: usize = 3 << 20;

fn assemble<W: Write>(out: W, agent: &[u8], bundle: &Path) -> std::io::Result<W> {
    let mut c = Cpio::new(out);
    for d in ["/dev", "/proc", "/sys", "/tmp", "/run", "/ocix"] {
        c.dir(d, 0o755)?;
    }
    c.char_dev("/dev/console", 0o600, 5, 1)?;
    c.char_dev("/dev/null", 0o666, 1, 3)?;
    c.file("/init", 0o755, agent)?;
    c.file(
        "/ocix/job.json",
        0o644,
        br#"{"id":"bench","args":["/bin/true"]}"#,
    )?;
    c.tree(bundle, "/ocix/bundle")?;
    c.finish()
}

fn bench_initramfs(c: &mut Criterion) {
    let busybox = Path::new("/bin/busybox");
    let tmp = tempfile::tempdir().expect("tempdir");
    let bundle = tmp.path().join("bundle");
    std::fs::create_dir_all(bundle.join("rootfs/bin")).expect("mkdir");
    let spec = ocix_runtime::spec::default_spec(false, 0, 0);
    let json = ocix_runtime::spec::to_json_pretty(&spec).expect("spec");
    std::fs::write(bundle.join("config.json"), json).expect("config");
    if busybox.is_file() {
        std::fs::copy(busybox, bundle.join("rootfs/bin/busybox")).expect("copy busybox");
        for applet in ["sh", "true", "ls", "cat", "echo"] {
            std::os::unix::fs::symlink("busybox", bundle.join("rootfs/bin").join(applet))
                .expect("link");
        }
    } else {
        println!(
            "note: no {} here; the bundle holds only config.json",
            busybox.display()
        );
    }
    let agent = vec![0x7fu8; AGENT_BYTES];
    let mut buf = Vec::with_capacity(AGENT_BYTES * 2);
    c.bench_function("initramfs/to_memory", |b| {
        b.iter(|| {
            buf.clear();
            assemble(&mut buf, black_box(&agent), &bundle).expect("cpio");
        })
    });
    let out = tmp.path().join("initrd.cpio");
    c.bench_function("initramfs/to_file", |b| {
        b.iter(|| {
            let f = std::fs::File::create(&out).expect("create");
            assemble(BufWriter::new(f), black_box(&agent), &bundle).expect("cpio");
        })
    });
}

criterion_group!(benches, bench_initramfs);
criterion_main!(benches);
