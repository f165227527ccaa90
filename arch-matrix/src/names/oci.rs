//! OCI platforms (`linux/arm/v7`, `arm64/v8`, `amd64/v3`) and Go's
//! `GOARCH` with its variant variables, which OCI borrowed.
//!
//! Architecture spellings are normalised as containerd does (`armhf` is
//! `arm/v7`, `aarch64` `arm64`, `x86_64` `amd64`, `i386` `386`), except
//! `armel`: containerd makes it `arm/v6`, but Debian's armel is ARMv5TE
//! soft-float, and that is what its images need.

use crate::error::ArchError;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Endian, Family, FloatAbi};
use crate::names::oe;

/// Whose defaults apply when the variant is missing.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// OCI image platforms: the architecture's baseline.
    Oci,
    /// Go: its toolchain's defaults (`GOARM=7`, `GOPPC64=power8`).
    Go,
}

/// GOARCH (= OCI architecture) names, for listing.
pub(crate) const ARCHES: &[&str] = &[
    "386", "amd64", "arm", "arm64", "loong64", "mips", "mipsle", "mips64", "mips64le", "ppc64",
    "ppc64le", "riscv64", "s390x",
];

/// OCI platforms worth listing.
pub(crate) const PLATFORMS: &[&str] = &[
    "linux/386",
    "linux/amd64",
    "linux/amd64/v2",
    "linux/amd64/v3",
    "linux/amd64/v4",
    "linux/arm/v5",
    "linux/arm/v6",
    "linux/arm/v7",
    "linux/arm/v8",
    "linux/arm64",
    "linux/arm64/v8",
    "linux/arm64/v9",
    "linux/ppc64",
    "linux/ppc64le",
    "linux/mips",
    "linux/mipsle",
    "linux/mips64",
    "linux/mips64le",
    "linux/riscv64",
    "linux/s390x",
    "linux/loong64",
];

/// Parses `[os/]arch[/variant]`; `None` if it has no `/`.
pub(crate) fn parse_platform(name: &str) -> Option<Result<Arch, ArchError>> {
    let parts: Vec<&str> = name.split('/').collect();
    let (arch, variant) = match parts.as_slice() {
        [_] => return None,
        ["linux", arch] => (*arch, None),
        ["linux", arch, variant] => (*arch, Some(*variant)),
        [arch, variant] => (*arch, Some(*variant)),
        _ => return Some(Err(super::unknown(name))),
    };
    let (arch, variant) = match (arch, variant) {
        ("i386", v) => ("386", v),
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64", v) => ("arm64", v),
        ("armhf", None) => ("arm", Some("v7")),
        ("armel", None) => ("arm", Some("v5")),
        other => other,
    };
    Some(
        from_arch_variant(arch, variant, Dialect::Oci).map_err(|e| match e {
            ArchError::Unknown { .. } => super::unknown(name),
            other => other,
        }),
    )
}

/// An architecture from a GOARCH/OCI architecture and its variant.
pub(crate) fn from_arch_variant(
    arch: &str,
    variant: Option<&str>,
    dialect: Dialect,
) -> Result<Arch, ArchError> {
    let variant = variant.map(|v| v.trim().to_ascii_lowercase());
    let v = variant.as_deref().filter(|v| !v.is_empty());
    let bad = |expected: &'static str| ArchError::Variant {
        arch: arch.to_owned(),
        variant: v.unwrap_or_default().to_owned(),
        expected,
    };
    let tune = match arch {
        "386" => match v {
            None | Some("sse2" | "softfloat") => "i686".to_owned(),
            _ => return Err(bad("sse2 or softfloat")),
        },
        "amd64" => match v {
            None | Some("v1") => "x86_64".to_owned(),
            Some(l @ ("v2" | "v3" | "v4")) => format!("x86_64-{l}"),
            _ => return Err(bad("v1, v2, v3 or v4")),
        },
        "arm" => {
            arm(v).ok_or_else(|| bad("5, 6, 7 or 8, optionally with ,softfloat or ,hardfloat"))?
        }
        "arm64" => {
            let level = v.map(|v| v.split(',').next().unwrap_or(v));
            let isa = match level {
                None => Isa::Aarch64 { major: 8, minor: 0 },
                Some(l) => oe::aarch64_level(l)
                    .or_else(|| oe::aarch64_level(&format!("v{l}")))
                    .ok_or_else(|| bad("v8.0 to v8.9 or v9.0 to v9.5"))?,
            };
            return Ok(Arch::base(Family::Aarch64, isa, Endian::Little));
        }
        "mips" | "mipsle" | "mips64" | "mips64le" => {
            let base = match arch {
                "mips" => "mips",
                "mipsle" => "mipsel",
                "mips64" => "mips64",
                _ => "mips64el",
            };
            match v {
                None | Some("hardfloat") => base.to_owned(),
                Some("softfloat") => format!("{base}-nf"),
                _ => return Err(bad("hardfloat or softfloat")),
            }
        }
        "ppc64" | "ppc64le" => {
            let le = if arch == "ppc64le" { "le" } else { "" };
            match (v, dialect) {
                (None, Dialect::Oci) if le.is_empty() => "powerpc64".to_owned(),
                (None, _) | (Some("power8"), _) => format!("ppc64p8{le}"),
                (Some("power9"), _) => format!("ppc64p9{le}"),
                (Some("power10"), _) => format!("ppc64p10{le}"),
                _ => return Err(bad("power8, power9 or power10")),
            }
        }
        "riscv64" => match v {
            None | Some("rva20u64" | "rva22u64" | "rva23u64") => "riscv64".to_owned(),
            _ => return Err(bad("rva20u64, rva22u64 or rva23u64")),
        },
        "s390x" | "loong64" if v.is_none() => if arch == "s390x" {
            "s390x"
        } else {
            "loongarch64"
        }
        .to_owned(),
        "s390x" | "loong64" => return Err(bad("no variant")),
        _ => return Err(super::unknown(arch)),
    };
    oe::parse(&tune).ok_or_else(|| super::unknown(arch))
}

/// GOARM (`7`, `v7`, `6,softfloat`) to a tune.
fn arm(v: Option<&str>) -> Option<String> {
    let v = v.unwrap_or("7");
    let (level, float) = v.split_once(',').unwrap_or((v, ""));
    let tune = match (level.trim_start_matches('v'), float) {
        ("5", "" | "softfloat") => "armv5te",
        ("6", "" | "hardfloat") => "armv6hf",
        ("6", "softfloat") => "armv6-novfp",
        ("7", "" | "hardfloat") => "armv7ahf",
        ("7", "softfloat") => "armv7a-novfp",
        ("8", "" | "hardfloat") => "armv8ahf-neon",
        _ => return None,
    };
    Some(tune.to_owned())
}

/// The OCI platform `arch/variant` of `arch`, or `None` where OCI has no
/// name for it (x32, n32, SuperH, 32-bit PowerPC).
pub(crate) fn oci_platform(arch: &Arch) -> Option<String> {
    let le = arch.endian == Endian::Little;
    let s = match arch.family {
        Family::X86 => "386".to_owned(),
        Family::X86_64 if arch.abi == Abi::X32 => return None,
        Family::X86_64 => match arch.isa {
            Isa::X86_64V2 => "amd64/v2".to_owned(),
            Isa::X86_64V3 => "amd64/v3".to_owned(),
            Isa::X86_64V4 => "amd64/v4".to_owned(),
            _ => "amd64".to_owned(),
        },
        Family::Aarch64 if !le => return None,
        Family::Aarch64 => match arch.isa {
            Isa::Aarch64 { major: 8, minor: 0 } => "arm64".to_owned(),
            Isa::Aarch64 { major, minor: 0 } => format!("arm64/v{major}"),
            Isa::Aarch64 { major, minor } => format!("arm64/v{major}.{minor}"),
            _ => "arm64".to_owned(),
        },
        Family::Arm if !le => return None,
        Family::Arm => match arch.isa {
            Isa::Armv8a => "arm/v8",
            Isa::Armv7a | Isa::Armv7r => "arm/v7",
            Isa::Armv6 => "arm/v6",
            Isa::Armv5 | Isa::Armv5t | Isa::Armv5e | Isa::Armv5te => "arm/v5",
            _ => return None,
        }
        .to_owned(),
        Family::Mips if arch.abi == Abi::O32 => if le { "mipsle" } else { "mips" }.to_owned(),
        Family::Mips64 if arch.abi == Abi::N64 => if le { "mips64le" } else { "mips64" }.to_owned(),
        Family::PowerPc64 if le => "ppc64le".to_owned(),
        Family::PowerPc64 => "ppc64".to_owned(),
        Family::S390x => "s390x".to_owned(),
        Family::RiscV64 if arch.float_abi == FloatAbi::Hard => "riscv64".to_owned(),
        Family::LoongArch64 => "loong64".to_owned(),
        _ => return None,
    };
    Some(s)
}
