//! `inspect` never panics: every prefix of real ELF files, random bytes,
//! mutations, and the fuzz corpus.

use std::path::{Path, PathBuf};

use ocix_arch_matrix::elf::{inspect, inspect_path, ElfError};

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/inspect")
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir())
        .expect("fuzz/corpus/inspect")
        .map(|e| {
            let path = e.expect("dir entry").path();
            let bytes = std::fs::read(&path).expect("read seed");
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 8, "corpus has {} seeds", files.len());
    files
}

#[test]
fn corpus_seeds_inspect_without_panic() {
    let mut parsed = 0;
    for (name, bytes) in corpus() {
        match inspect(&bytes) {
            Ok(info) => {
                parsed += 1;
                let _ = info.implied_arch();
                let _ = info.to_string();
            }
            Err(e) => assert!(
                name.contains("short") || name.contains("truncated"),
                "{name}: {e}"
            ),
        }
    }
    assert!(parsed >= 8);
}

#[test]
fn corpus_seeds_declare_what_they_were_built_for() {
    let want = [
        (
            "arm-hf-neon.o",
            "ELF 32-bit ARM EABI5 hard-float (armv7-a, vfpv3, neon)",
        ),
        ("arm-soft.o", "ELF 32-bit ARM EABI5 soft-float (armv5te)"),
        (
            "mips-o32.o",
            "ELF 32-bit MIPS big-endian o32 hard-float (mips32r2)",
        ),
        (
            "mips64el-n32",
            "ELF 32-bit MIPS little-endian n32 hard-float (mips64r2)",
        ),
        // Objects leave the ELFv1 flag to the linker.
        (
            "ppc64-elfv1.o",
            "ELF 64-bit PowerPC64 big-endian hard-float",
        ),
        (
            "ppc64le-elfv2.o",
            "ELF 64-bit PowerPC64 little-endian ELFv2 hard-float",
        ),
        ("x32", "ELF 32-bit x86-64 x32"),
        ("aarch64.o", "ELF 64-bit ARM aarch64"),
    ];
    for (file, display) in want {
        let bytes = std::fs::read(corpus_dir().join(file)).expect("seed");
        let info = inspect(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(info.to_string(), display, "{file}");
    }
}

#[test]
fn every_prefix_of_real_elf_files_is_an_error_or_a_result() {
    for (name, bytes) in corpus() {
        for len in 0..bytes.len() {
            let _ = inspect(&bytes[..len]);
        }
        assert!(
            matches!(inspect(&bytes[..3]), Err(ElfError::NotElf)),
            "{name}"
        );
    }
}

#[test]
fn prefixes_of_a_large_binary() {
    let exe = std::env::current_exe().expect("test binary");
    let bytes = std::fs::read(exe).expect("read test binary");
    assert!(inspect(&bytes).is_ok());
    let step = (bytes.len() / 2000).max(1);
    let mut len = 0;
    while len < bytes.len() {
        let _ = inspect(&bytes[..len]);
        len += if len < 8192 { 1 } else { step };
    }
}

#[test]
fn random_bytes_behind_an_elf_magic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..5000 {
        let len = rng.below(512);
        let mut bytes: Vec<u8> = (0..len).map(|_| (rng.next() >> 24) as u8).collect();
        if i % 2 == 0 && bytes.len() >= 6 {
            bytes[..4].copy_from_slice(b"\x7fELF");
            bytes[4] = 1 + (i % 4 == 0) as u8;
            bytes[5] = 1 + (i % 3 == 0) as u8;
        }
        let _ = inspect(&bytes);
    }
}

#[test]
fn mutated_seeds() {
    let mut rng = Rng(42);
    for (_, seed) in corpus() {
        if seed.len() < 64 {
            continue;
        }
        for _ in 0..400 {
            let mut bytes = seed.clone();
            for _ in 0..1 + rng.below(8) {
                // Mostly the headers, where offsets and counts live.
                let at = if rng.below(4) == 0 {
                    rng.below(bytes.len())
                } else {
                    rng.below(bytes.len().min(256))
                };
                bytes[at] = (rng.next() >> 32) as u8;
            }
            let cut = bytes.len() - rng.below(bytes.len() / 2);
            if let Ok(info) = inspect(&bytes[..cut]) {
                let _ = info.implied_arch();
                let _ = info.to_string();
            }
        }
    }
}

#[test]
fn inspect_path_agrees_with_inspect_on_truncated_files() {
    let dir = std::env::temp_dir().join(format!("ocix-elf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, bytes) in corpus() {
        for len in [0, 3, 4, 16, 52, 64, 100, bytes.len() / 2, bytes.len()] {
            let len = len.min(bytes.len());
            let path = dir.join("prefix");
            std::fs::write(&path, &bytes[..len]).expect("write prefix");
            let from_file = inspect_path(&path).map_err(|e| e.to_string());
            let in_memory = inspect(&bytes[..len]).map_err(|e| e.to_string());
            assert_eq!(from_file.is_ok(), in_memory.is_ok(), "{name}[..{len}]");
            if let (Ok(a), Ok(b)) = (from_file, in_memory) {
                assert_eq!(a, b, "{name}[..{len}]");
            }
        }
    }
    assert!(matches!(
        inspect_path(&dir.join("missing")),
        Err(ElfError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).expect("clean up");
}
