//! Parsing every spelling, the canonical form, and the names other tools
//! use.

use ocix_arch_matrix::{Abi, Arch, ArchError, Endian, Family, Feature, FloatAbi};

fn parse(name: &str) -> Arch {
    Arch::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn oe_tunes() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/oe-tunes.txt");
    let text = std::fs::read_to_string(path).expect("data/oe-tunes.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_oe_tune_parses_and_round_trips() {
    let tunes = oe_tunes();
    assert_eq!(tunes.len(), 172, "the seed's list has 172 tunes");
    for tune in &tunes {
        let arch = parse(tune);
        let canonical = arch.to_string();
        assert_eq!(parse(&canonical), arch, "{tune} -> {canonical}");
    }
}

#[test]
fn oe_tunes_are_their_own_canonical_names_except_documented_aliases() {
    let aliases = [
        ("mips32r2", "mips"),
        ("mips32r2el", "mipsel"),
        ("x86", "i686"),
        ("x86-64", "x86_64"),
        ("x86-64-x32", "x86_64-x32"),
    ];
    for tune in oe_tunes() {
        let expected = aliases
            .iter()
            .find(|(a, _)| *a == tune)
            .map_or(tune.as_str(), |(_, c)| c);
        assert_eq!(parse(&tune).to_string(), expected, "{tune}");
    }
}

#[test]
fn every_listed_name_round_trips_through_its_canonical_form() {
    let mut seen = std::collections::HashSet::new();
    let mut count = 0;
    for (name, arch) in Arch::all_names() {
        assert!(seen.insert(name), "{name} listed twice");
        assert_eq!(parse(&arch.to_string()), arch, "{name} -> {arch}");
        count += 1;
    }
    assert!(count > 250, "only {count} names");
}

struct Sample {
    name: &'static str,
    family: Family,
    bits: u8,
    endian: Endian,
    float: FloatAbi,
    isa: &'static str,
    features: &'static [Feature],
}

#[test]
fn describe_samples() {
    use Endian::{Big, Little};
    use FloatAbi::{Hard, Soft, SoftFp};
    let samples = [
        Sample {
            name: "armv7ahf",
            family: Family::Arm,
            bits: 32,
            endian: Little,
            float: Hard,
            isa: "armv7-a",
            features: &[Feature::Vfpv3d16],
        },
        Sample {
            name: "armv7athfb-neon",
            family: Family::Arm,
            bits: 32,
            endian: Big,
            float: Hard,
            isa: "armv7-a",
            features: &[Feature::Thumb, Feature::Vfpv3, Feature::Neon],
        },
        Sample {
            name: "armv5te",
            family: Family::Arm,
            bits: 32,
            endian: Little,
            float: Soft,
            isa: "armv5te",
            features: &[Feature::Thumb, Feature::Dsp],
        },
        Sample {
            name: "mips32r2el",
            family: Family::Mips,
            bits: 32,
            endian: Little,
            float: Hard,
            isa: "mips32r2",
            features: &[],
        },
        Sample {
            name: "mips64el-n32",
            family: Family::Mips64,
            bits: 32,
            endian: Little,
            float: Hard,
            isa: "mips64r2",
            features: &[],
        },
        Sample {
            name: "ppc64p7",
            family: Family::PowerPc64,
            bits: 64,
            endian: Big,
            float: Hard,
            isa: "power7",
            features: &[Feature::Altivec],
        },
        Sample {
            name: "ppce500v2",
            family: Family::PowerPc,
            bits: 32,
            endian: Big,
            float: SoftFp,
            isa: "e500v2",
            features: &[Feature::Spe],
        },
        Sample {
            name: "x86-64-x32",
            family: Family::X86_64,
            bits: 32,
            endian: Little,
            float: Hard,
            isa: "x86-64",
            features: &[],
        },
        Sample {
            name: "aarch64_be",
            family: Family::Aarch64,
            bits: 64,
            endian: Big,
            float: Hard,
            isa: "armv8-a",
            features: &[],
        },
        Sample {
            name: "sh4",
            family: Family::Sh,
            bits: 32,
            endian: Little,
            float: Hard,
            isa: "sh4",
            features: &[],
        },
    ];
    for s in samples {
        let a = parse(s.name);
        assert_eq!(a.family(), s.family, "{}", s.name);
        assert_eq!(a.bits(), s.bits, "{}", s.name);
        assert_eq!(a.endian(), s.endian, "{}", s.name);
        assert_eq!(a.float_abi(), s.float, "{}", s.name);
        assert_eq!(a.isa().to_string(), s.isa, "{}", s.name);
        assert_eq!(
            a.features().iter().collect::<Vec<_>>(),
            s.features,
            "{}",
            s.name
        );
    }
}

#[test]
fn abis_of_samples() {
    assert_eq!(parse("mips64el-n32").abi(), Abi::N32);
    assert_eq!(parse("mips64el").abi(), Abi::N64);
    assert_eq!(parse("mipsel").abi(), Abi::O32);
    assert_eq!(parse("ppc64p7").abi(), Abi::ElfV1);
    assert_eq!(parse("ppc64le").abi(), Abi::ElfV2);
    assert_eq!(parse("x86-64-x32").abi(), Abi::X32);
    assert_eq!(parse("armv7ahf").abi(), Abi::Eabi);
    assert_eq!(parse("aarch64").abi(), Abi::Lp64);
    assert_eq!(parse("cortexa9thf-neon").cpu(), Some("cortexa9"));
}

fn assert_spellings(pairs: &[(&str, &str)]) {
    for (spelling, canonical) in pairs {
        assert_eq!(parse(spelling).to_string(), *canonical, "{spelling}");
    }
}

#[test]
fn oci_platforms_with_containerd_normalisation() {
    assert_spellings(&[
        ("linux/arm/v7", "armv7ahf"),
        ("linux/arm/v6", "armv6hf"),
        ("linux/arm/v5", "armv5te"),
        ("arm64/v8", "aarch64"),
        ("linux/arm64/v8.2", "aarch64-v8.2"),
        ("ppc64le", "ppc64p8le"),
        ("linux/ppc64le/power9", "ppc64p9le"),
        ("mips64le", "mips64el"),
        ("amd64/v3", "x86_64-v3"),
        ("linux/amd64", "x86_64"),
        ("linux/armhf", "armv7ahf"),
        ("linux/aarch64", "aarch64"),
        ("linux/x86_64", "x86_64"),
        ("linux/i386", "i686"),
        ("linux/mips/softfloat", "mips-nf"),
    ]);
    assert!(matches!(
        Arch::parse("linux/arm/v9"),
        Err(ArchError::Variant { .. })
    ));
    assert!(matches!(
        Arch::parse("windows/amd64"),
        Err(ArchError::Unknown { .. })
    ));
}

#[test]
fn go_arch_and_variants() {
    let go = |a: &str, v: Option<&str>| Arch::from_go(a, v).map(|a| a.to_string());
    assert_eq!(go("arm", None).as_deref(), Ok("armv7ahf"));
    assert_eq!(go("arm", Some("5")).as_deref(), Ok("armv5te"));
    assert_eq!(go("arm", Some("6")).as_deref(), Ok("armv6hf"));
    assert_eq!(
        go("arm", Some("7,softfloat")).as_deref(),
        Ok("armv7a-novfp")
    );
    assert_eq!(go("amd64", Some("v2")).as_deref(), Ok("x86_64-v2"));
    assert_eq!(go("mipsle", Some("softfloat")).as_deref(), Ok("mipsel-nf"));
    assert_eq!(go("mips64", None).as_deref(), Ok("mips64"));
    assert_eq!(go("ppc64", None).as_deref(), Ok("ppc64p8"));
    assert_eq!(go("ppc64le", Some("power9")).as_deref(), Ok("ppc64p9le"));
    assert_eq!(go("arm64", Some("v8.2,lse")).as_deref(), Ok("aarch64-v8.2"));
    assert_eq!(go("386", Some("softfloat")).as_deref(), Ok("i686"));
    assert_eq!(go("riscv64", Some("rva22u64")).as_deref(), Ok("riscv64"));
    assert!(matches!(
        go("arm", Some("9")),
        Err(ArchError::Variant { .. })
    ));
    assert!(matches!(
        go("amd64", Some("v5")),
        Err(ArchError::Variant { .. })
    ));
    assert!(matches!(
        go("sparc64", None),
        Err(ArchError::Unknown { .. })
    ));
    assert_spellings(&[
        ("386", "i686"),
        ("mipsle", "mipsel"),
        ("loong64", "loongarch64"),
    ]);
}

#[test]
fn uname_machines() {
    assert_spellings(&[
        ("x86_64", "x86_64"),
        ("i686", "i686"),
        ("armv7l", "armv7ahf"),
        ("armv6l", "armv6hf"),
        ("armv5tel", "armv5te"),
        ("aarch64", "aarch64"),
        ("ppc64", "powerpc64"),
        ("ppc64le", "ppc64p8le"),
        ("mips", "mips"),
        ("mips64", "mips64"),
        ("s390x", "s390x"),
        ("riscv64", "riscv64"),
    ]);
    for (name, machine) in [
        ("armv7ahf", "armv7l"),
        ("armv5te", "armv5tel"),
        ("armv6hf", "armv6l"),
        ("aarch64", "aarch64"),
        ("ppc64p7", "ppc64"),
        ("ppc64le", "ppc64le"),
        ("mipsel", "mips"),
        ("mips64el-n32", "mips64"),
        ("x86-64-x32", "x86_64"),
        ("i586", "i686"),
    ] {
        assert_eq!(parse(name).uname_machine(), machine, "{name}");
    }
}

#[test]
fn debian_architectures() {
    assert_spellings(&[
        ("armhf", "armv7ahf"),
        ("armel", "armv5te"),
        ("arm64", "aarch64"),
        ("ppc64el", "ppc64p8le"),
        ("mips64el", "mips64el"),
        ("mipsel", "mipsel"),
        ("i386", "i686"),
        ("amd64", "x86_64"),
        ("s390x", "s390x"),
        ("riscv64", "riscv64"),
        ("powerpc", "powerpc"),
        ("ppc64", "powerpc64"),
    ]);
    for (name, debian) in [
        ("armv7ahf-neon", Some("armhf")),
        ("armv6hf", None),
        ("armv5te", Some("armel")),
        ("cortexa9-neon", Some("armel")),
        ("ppc64le", Some("ppc64el")),
        ("mips64el-n32", None),
        ("i586", None),
        ("core2-32", Some("i386")),
        ("aarch64_be", None),
    ] {
        assert_eq!(parse(name).debian_arch(), debian, "{name}");
    }
}

#[test]
fn i386_means_what_debian_and_docker_mean() {
    assert_eq!(parse("i386").isa().to_string(), "i686");
    assert_eq!(parse("i386").qemu_cpu(), Some("coreduo"));
}

#[test]
fn rust_triples_and_gnu_tuples() {
    assert_spellings(&[
        ("armv7-unknown-linux-gnueabihf", "armv7ahf"),
        ("arm-unknown-linux-gnueabihf", "armv6hf"),
        ("arm-linux-gnueabihf", "armv7ahf"),
        ("arm-linux-gnueabi", "armv5te"),
        ("thumbv7neon-unknown-linux-gnueabihf", "armv7athf-neon"),
        ("mips-unknown-linux-gnu", "mips"),
        ("mips64el-unknown-linux-gnuabi64", "mips64el"),
        ("mips64el-linux-gnuabin32", "mips64el-n32"),
        ("powerpc64-unknown-linux-gnu", "powerpc64"),
        ("powerpc64-unknown-linux-musl", "powerpc64-elfv2"),
        ("powerpc64le-unknown-linux-gnu", "ppc64p8le"),
        ("powerpc-unknown-linux-gnuspe", "ppce500v2"),
        ("x86_64-unknown-linux-gnux32", "x86_64-x32"),
        ("aarch64_be-unknown-linux-gnu", "aarch64_be"),
        ("riscv64gc-unknown-linux-gnu", "riscv64"),
        ("s390x-unknown-linux-gnu", "s390x"),
    ]);
    assert!(Arch::parse("armv7-unknown-linux-gnu").is_err());
    assert!(Arch::parse("x86_64-pc-windows-msvc").is_err());
}

#[test]
fn parsing_ignores_case_and_blanks() {
    assert_eq!(parse(" ArmV7AHF-Neon "), parse("armv7ahf-neon"));
}

#[test]
fn unknown_names_suggest_the_nearest() {
    let err = Arch::parse("armv7hf").expect_err("armv7hf is no tune");
    let ArchError::Unknown { name, suggestions } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(name, "armv7hf");
    assert!(
        suggestions.iter().any(|s| s == "armv7ahf"),
        "{suggestions:?}"
    );
    assert!(suggestions.len() <= 3);
    let text = err.to_string();
    assert!(
        text.contains("did you mean") && text.contains("armv7ahf"),
        "{text}"
    );

    let err = Arch::parse("mips64el-n23").expect_err("typo");
    assert!(err.to_string().contains("mips64el-n32"), "{err}");

    let err = Arch::parse("qqqqqqqqqqqqqqqq").expect_err("garbage");
    assert_eq!(err.to_string(), "unknown architecture \"qqqqqqqqqqqqqqqq\"");
}

#[test]
fn contradictory_tunes_are_refused() {
    for name in [
        "armv5hf",
        "armv6-neon",
        "armv7athfbx",
        "cortexm3t",
        "ppc64e300c2",
        "ppc7400le",
    ] {
        assert!(Arch::parse(name).is_err(), "{name} parsed");
    }
}

#[test]
fn mips_cpu_tunes_name_a_mips32r2_core() {
    use Endian::{Big, Little};
    use FloatAbi::{Hard, Soft};
    for (name, cpu, endian, float, canonical) in [
        ("mips32r2el-74kc", "74kc", Little, Hard, "mips32r2el-74kc"),
        ("mips32r2-24kc", "24kc", Big, Hard, "mips32r2-24kc"),
        (
            "mips32r2el-24kec-nf",
            "24kec",
            Little,
            Soft,
            "mips32r2el-24kec-nf",
        ),
        ("MIPS-74KC", "74kc", Big, Hard, "mips32r2-74kc"),
    ] {
        let arch = parse(name);
        assert_eq!(arch.cpu(), Some(cpu), "{name}");
        assert_eq!(arch.isa().to_string(), "mips32r2", "{name}");
        assert_eq!((arch.endian(), arch.float_abi()), (endian, float), "{name}");
        assert_eq!(arch.to_string(), canonical, "{name}");
    }
    // A core implements one release, and a tune names one core.
    for name in [
        "mips32-24kc",
        "mips64el-74kc",
        "mipsisa32r6el-74kc",
        "mips32r2el-74kc-24kc",
        "mips32r2el-4kc",
    ] {
        assert!(Arch::parse(name).is_err(), "{name} parsed");
    }
}

#[test]
fn serde_uses_the_canonical_name() {
    let arch = parse("cortexa7thf-neon-vfpv4");
    let json = serde_json::to_string(&arch).expect("serialize");
    assert_eq!(json, "\"cortexa7thf-neon-vfpv4\"");
    let back: Arch = serde_json::from_str("\"linux/arm/v7\"").expect("deserialize");
    assert_eq!(back.to_string(), "armv7ahf");
    assert!(serde_json::from_str::<Arch>("\"nonsense\"").is_err());
}

#[test]
fn oci_platforms_of_arches() {
    for (name, oci) in [
        ("armv7ahf-neon", Some("arm/v7")),
        ("armv6hf", Some("arm/v6")),
        ("armv5te", Some("arm/v5")),
        ("aarch64", Some("arm64")),
        ("aarch64-v8.2", Some("arm64/v8.2")),
        ("x86_64-v3", Some("amd64/v3")),
        ("i686", Some("386")),
        ("ppc64p7", Some("ppc64")),
        ("ppc64le", Some("ppc64le")),
        ("mips64el", Some("mips64le")),
        ("mipsel", Some("mipsle")),
        ("x86-64-x32", None),
        ("mips64el-n32", None),
        ("sh4", None),
        ("armv7ahfb", None),
    ] {
        assert_eq!(parse(name).oci_platform().as_deref(), oci, "{name}");
        if let Some(oci) = oci {
            let back = parse(oci);
            assert_eq!(back.family(), parse(name).family(), "{oci}");
        }
    }
}

#[test]
fn parsing_never_panics_on_odd_input() {
    let pieces = [
        "arm", "v7", "hf", "b", "-", "/", "neon", "mips", "64", "el", "ppc", "é", "\u{0}", "linux",
        "unknown", "x86", "_", "t", "e", "-nf", "n32", "", " ", "ß", "aarch64", "v8.", "9", ",",
    ];
    let mut state: u64 = 0x1234_5678_9abc_def1;
    for _ in 0..2_000 {
        let mut name = String::new();
        for _ in 0..(state % 6) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            name.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        if let Ok(arch) = Arch::parse(&name) {
            assert_eq!(parse(&arch.to_string()), arch, "{name:?}");
        }
        let _ = Arch::from_go(&name, Some(&name));
    }
}
