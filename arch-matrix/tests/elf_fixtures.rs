//! ELF inspection and compatibility on real binaries: Debian's
//! busybox-static and cross-compiled test programs that
//! `ci/fixtures-elf.sh` puts in `${OCIX_CACHE:-/var/cache/ocix}/elf/`.
//!
//! A missing fixture skips its test loudly, but fails it under `CI`,
//! which always runs the script first. Fixtures the script itself may not
//! be able to make (s390x, bare n32 and x32 programs) only skip.

use std::path::PathBuf;

use ocix_arch_matrix::compat::{self, Reason};
use ocix_arch_matrix::elf::{self, ElfInfo};
use ocix_arch_matrix::{Arch, Endian, FloatAbi};

fn cache_dir() -> PathBuf {
    let root = std::env::var_os("OCIX_CACHE").unwrap_or_else(|| "/var/cache/ocix".into());
    PathBuf::from(root).join("elf")
}

/// The fixture, or `None` after saying why the test is skipped.
fn fixture(test: &str, name: &str, optional: bool) -> Option<ElfInfo> {
    let path = cache_dir().join(name);
    if !path.exists() {
        if std::env::var_os("CI").is_some() && !optional {
            panic!(
                "{test}: {} is missing; CI must run ci/fixtures-elf.sh first",
                path.display()
            );
        }
        let line = format!(
            "SKIPPED: {test} because {} is missing; run ci/fixtures-elf.sh",
            path.display()
        );
        println!("{line}");
        eprintln!("{line}");
        return None;
    }
    Some(elf::inspect_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

struct Expect {
    file: &'static str,
    optional: bool,
    display: &'static str,
    bits: u8,
    endian: Endian,
    float: Option<FloatAbi>,
    interpreter: Option<&'static str>,
    implied: &'static str,
    runs_on: &'static [&'static str],
    refused_by: &'static [(&'static str, &'static str)],
}

const L: Endian = Endian::Little;
const B: Endian = Endian::Big;

const EXPECTED: &[Expect] = &[
    Expect {
        file: "busybox-arm64",
        optional: false,
        display: "ELF 64-bit ARM aarch64",
        bits: 64,
        endian: L,
        float: None,
        interpreter: None,
        implied: "aarch64",
        runs_on: &["aarch64", "arm64", "linux/arm64/v8"],
        refused_by: &[
            ("x86_64", "is a different machine"),
            ("aarch64_be", "is big-endian"),
        ],
    },
    Expect {
        file: "busybox-armhf",
        optional: false,
        display: "ELF 32-bit ARM EABI5 hard-float (armv7-a, vfpv3, neon)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: None,
        implied: "armv7athf-neon",
        runs_on: &[
            "armv7ahf",
            "armhf",
            "linux/arm/v7",
            "armv7ahf-neon",
            "cortexa15thf-neon",
        ],
        refused_by: &[
            ("armv6hf", "lacks armv7-a"),
            ("armv7a", "needs softfp"),
            ("armel", "needs soft-float"),
            ("aarch64", "is a different machine"),
        ],
    },
    Expect {
        file: "busybox-armel",
        optional: false,
        display: "ELF 32-bit ARM EABI5 soft-float (armv5te)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Soft),
        interpreter: None,
        implied: "armv5te",
        runs_on: &["armv5te", "armel", "armv7a", "armv6", "arm926ejs"],
        refused_by: &[
            ("armv7ahf", "needs hard-float"),
            ("armv4t", "lacks armv5te"),
        ],
    },
    Expect {
        file: "busybox-ppc64el",
        optional: false,
        display: "ELF 64-bit PowerPC64 little-endian ELFv2 hard-float",
        bits: 64,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: None,
        implied: "ppc64p8le",
        runs_on: &["ppc64le", "ppc64el", "linux/ppc64le"],
        refused_by: &[("ppc64", "is big-endian"), ("ppc64p7", "is big-endian")],
    },
    Expect {
        file: "busybox-mips64el",
        optional: false,
        display: "ELF 64-bit MIPS little-endian n64 hard-float (mips64r2)",
        bits: 64,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: None,
        implied: "mips64el",
        runs_on: &["mips64el", "mips64le", "mips64el-linux-gnuabi64"],
        refused_by: &[
            ("mips64el-n32", "uses the n32 ABI"),
            ("mipsel", "uses the o32 ABI"),
            ("mips64el-nf", "needs soft-float"),
            ("mips64r1el", "lacks mips64r2"),
            ("mips64", "is big-endian"),
            ("mipsisa64r6el", "lacks mips64r2"),
        ],
    },
    Expect {
        file: "busybox-mipsel",
        optional: false,
        display: "ELF 32-bit MIPS little-endian o32 hard-float (mips32r2)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: None,
        implied: "mipsel",
        runs_on: &["mipsel", "mips32r2el", "linux/mipsle"],
        refused_by: &[
            ("mips32el", "lacks mips32r2"),
            ("mipsel-nf", "needs soft-float"),
            ("mipsisa32r6el", "lacks mips32r2"),
        ],
    },
    Expect {
        file: "busybox-i386",
        optional: false,
        display: "ELF 32-bit Intel 80386",
        bits: 32,
        endian: L,
        float: None,
        interpreter: None,
        implied: "i686",
        runs_on: &["i386", "i686", "386"],
        refused_by: &[("x86_64", "is a different machine")],
    },
    Expect {
        file: "busybox-s390x",
        optional: true,
        display: "ELF 64-bit IBM S/390 big-endian",
        bits: 64,
        endian: B,
        float: None,
        interpreter: None,
        implied: "s390x",
        runs_on: &["s390x"],
        refused_by: &[("ppc64", "is a different machine")],
    },
    Expect {
        file: "hello-armv5te-soft",
        optional: false,
        display: "ELF 32-bit ARM EABI5 soft-float (armv5te)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Soft),
        interpreter: Some("/lib/ld-linux.so.3"),
        implied: "armv5te",
        runs_on: &["armv5te", "armel"],
        refused_by: &[("armv7ahf", "needs hard-float")],
    },
    Expect {
        file: "hello-armv7a-hf-neon",
        optional: false,
        display: "ELF 32-bit ARM EABI5 hard-float (armv7-a, vfpv3, neon)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: Some("/lib/ld-linux-armhf.so.3"),
        implied: "armv7athf-neon",
        runs_on: &["armv7ahf-neon", "armv7ahf-neon-vfpv4", "armhf"],
        refused_by: &[
            ("armv6hf", "lacks armv7-a"),
            ("armv7ahfb-neon", "is big-endian"),
        ],
    },
    Expect {
        file: "hello-aarch64",
        optional: false,
        display: "ELF 64-bit ARM aarch64",
        bits: 64,
        endian: L,
        float: None,
        interpreter: Some("/lib/ld-linux-aarch64.so.1"),
        implied: "aarch64",
        runs_on: &["aarch64"],
        refused_by: &[("armv7ahf", "is a different machine")],
    },
    Expect {
        file: "hello-ppc64-elfv1",
        optional: false,
        display: "ELF 64-bit PowerPC64 big-endian ELFv1",
        bits: 64,
        endian: B,
        float: None,
        interpreter: Some("/lib64/ld64.so.1"),
        implied: "powerpc64",
        runs_on: &["ppc64", "powerpc64", "ppc64p7", "linux/ppc64"],
        refused_by: &[
            ("powerpc64-elfv2", "uses the elfv2 ABI"),
            ("ppc64le", "is little-endian"),
        ],
    },
    Expect {
        file: "hello-ppc64le-elfv2",
        optional: false,
        display: "ELF 64-bit PowerPC64 little-endian ELFv2",
        bits: 64,
        endian: L,
        float: None,
        interpreter: Some("/lib64/ld64.so.2"),
        implied: "ppc64p8le",
        runs_on: &["ppc64le"],
        refused_by: &[("ppc64", "is big-endian")],
    },
    Expect {
        file: "hello-mips-o32",
        optional: false,
        display: "ELF 32-bit MIPS big-endian o32 hard-float (mips32r2)",
        bits: 32,
        endian: B,
        float: Some(FloatAbi::Hard),
        interpreter: Some("/lib/ld.so.1"),
        implied: "mips",
        runs_on: &["mips", "mips-unknown-linux-gnu", "linux/mips"],
        refused_by: &[
            ("mipsel", "is little-endian"),
            ("mips64", "uses the n64 ABI"),
        ],
    },
    Expect {
        file: "hello-mipsel-o32",
        optional: false,
        display: "ELF 32-bit MIPS little-endian o32 hard-float (mips32r2)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: Some("/lib/ld.so.1"),
        implied: "mipsel",
        runs_on: &["mipsel"],
        refused_by: &[("mips", "is big-endian")],
    },
    Expect {
        file: "hello-mips64el-n64",
        optional: false,
        display: "ELF 64-bit MIPS little-endian n64 hard-float (mips64r2)",
        bits: 64,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: Some("/lib64/ld.so.1"),
        implied: "mips64el",
        runs_on: &["mips64el"],
        refused_by: &[("mips64el-n32", "uses the n32 ABI")],
    },
    Expect {
        file: "bare-mips64el-n32",
        optional: true,
        display: "ELF 32-bit MIPS little-endian n32 hard-float (mips64r2)",
        bits: 32,
        endian: L,
        float: Some(FloatAbi::Hard),
        interpreter: None,
        implied: "mips64el-n32",
        runs_on: &["mips64el-n32", "mips64el-linux-gnuabin32"],
        refused_by: &[
            ("mips64el", "uses the n64 ABI"),
            ("mipsel", "uses the o32 ABI"),
        ],
    },
    Expect {
        file: "bare-x32",
        optional: true,
        display: "ELF 32-bit x86-64 x32",
        bits: 32,
        endian: L,
        float: None,
        interpreter: None,
        implied: "x86_64-x32",
        runs_on: &["x86-64-x32", "x32", "corei7-64-x32"],
        refused_by: &[
            ("x86_64", "uses the lp64 ABI"),
            ("i686", "is a different machine"),
        ],
    },
];

fn check_one(e: &Expect) {
    let test = format!("elf_fixtures::{}", e.file);
    let Some(info) = fixture(&test, e.file, e.optional) else {
        return;
    };
    assert_eq!(info.to_string(), e.display, "{}", e.file);
    assert_eq!(info.bits, e.bits, "{}", e.file);
    assert_eq!(info.endian, e.endian, "{}", e.file);
    assert_eq!(info.float_abi(), e.float, "{}", e.file);
    assert_eq!(info.interpreter.as_deref(), e.interpreter, "{}", e.file);
    let implied = info
        .implied_arch()
        .unwrap_or_else(|| panic!("{}: no arch", e.file));
    assert_eq!(implied.to_string(), e.implied, "{}", e.file);
    compat::check(&implied, &info).unwrap_or_else(|m| panic!("implied arch refused: {m}"));
    for target in e.runs_on {
        let arch = Arch::parse(target).unwrap_or_else(|err| panic!("{target}: {err}"));
        if let Err(m) = compat::check(&arch, &info) {
            panic!("{target} should run {}: {m}", e.file);
        }
    }
    for (target, why) in e.refused_by {
        let arch = Arch::parse(target).unwrap_or_else(|err| panic!("{target}: {err}"));
        let m = compat::check(&arch, &info)
            .err()
            .unwrap_or_else(|| panic!("{target} should refuse {}", e.file));
        let text = m.to_string();
        assert!(text.starts_with(e.display), "{text}");
        assert!(
            text.contains(&format!("target {arch} {why}")),
            "{target}: {text}"
        );
    }
    let path = cache_dir().join(e.file);
    let head = std::fs::read(&path).expect("read fixture");
    assert_eq!(
        elf::inspect(&head).ok(),
        Some(info.clone()),
        "{}: in memory",
        e.file
    );
    let (magic, mask) = implied.binfmt_magic_mask().expect("binfmt data");
    let matches = |magic: &[u8], mask: &[u8]| {
        head.len() >= magic.len()
            && magic
                .iter()
                .zip(mask)
                .zip(&head)
                .all(|((m, k), b)| b & k == *m)
    };
    assert!(
        matches(&magic, &mask),
        "{}: own binfmt magic does not match",
        e.file
    );
    for other in [
        "aarch64",
        "armv7ahf",
        "mips",
        "mipsel",
        "mips64el",
        "mips64el-n32",
        "ppc64",
        "ppc64le",
        "i686",
        "x86_64",
        "x86_64-x32",
        "s390x",
    ] {
        let other = Arch::parse(other).expect("known");
        let same_handler = other.qemu_user_binary() == implied.qemu_user_binary()
            && other.bits() == implied.bits();
        if let (false, Some((m, k))) = (same_handler, other.binfmt_magic_mask()) {
            assert!(
                !matches(&m, &k),
                "{}: {other}'s binfmt magic matches too",
                e.file
            );
        }
    }
}

#[test]
fn real_binaries_inspect_and_check() {
    for e in EXPECTED {
        check_one(e);
    }
}

#[test]
fn refusal_message_names_float_abi_for_soft_float_on_armv7ahf() {
    let Some(info) = fixture(
        "refusal_message_names_float_abi",
        "hello-armv5te-soft",
        false,
    ) else {
        return;
    };
    let target = Arch::parse("armv7ahf").expect("known");
    let m = compat::check(&target, &info).expect_err("soft-float on armv7ahf");
    assert_eq!(m.reason, Reason::FloatAbi);
    assert_eq!(
        m.to_string(),
        "ELF 32-bit ARM EABI5 soft-float (armv5te); target armv7ahf needs hard-float"
    );
}

#[test]
fn arm64_binary_on_x86_64_names_both() {
    let Some(info) = fixture("arm64_binary_on_x86_64_names_both", "busybox-arm64", false) else {
        return;
    };
    let m = compat::check(&Arch::parse("x86_64").expect("known"), &info).expect_err("arm64");
    let text = m.to_string();
    assert!(
        text.contains("aarch64") && text.contains("x86_64"),
        "{text}"
    );
}
