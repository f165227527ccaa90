//! PowerPC tunes: `powerpc`, `powerpc64`, `ppcCPU`, `ppc64CPU[le]`, with
//! tokens `-nf` (soft-float), `-elfv1`, `-elfv2`.
//!
//! CPU is a core (`e500v2`, `7400`) or `pN` for POWER N. Generic
//! little-endian 64-bit PowerPC is POWER8 (`ppc64p8le`), the first POWER
//! that runs Linux little-endian.

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Endian, Family, FloatAbi};

struct Cpu {
    name: &'static str,
    isa: Isa,
    float: FloatAbi,
    feature: Option<Feature>,
    /// Has a 64-bit mode (`ppc64` prefix allowed).
    bits64: bool,
}

const fn c(
    name: &'static str,
    isa: Isa,
    float: FloatAbi,
    feature: Option<Feature>,
    bits64: bool,
) -> Cpu {
    Cpu {
        name,
        isa,
        float,
        feature,
        bits64,
    }
}

const H: FloatAbi = FloatAbi::Hard;
const AV: Option<Feature> = Some(Feature::Altivec);
const SPE: Option<Feature> = Some(Feature::Spe);

const CPUS: &[Cpu] = &[
    c("476", Isa::Ppc476, H, None, false),
    c("603e", Isa::Ppc603e, H, None, false),
    c("7400", Isa::Ppc7400, H, AV, false),
    c("e300c2", Isa::E300c2, FloatAbi::Soft, None, false),
    c("e300c3", Isa::E300c3, H, None, false),
    c("e500v2", Isa::E500v2, FloatAbi::SoftFp, SPE, false),
    c("e500mc", Isa::E500mc, H, None, false),
    c("e500", Isa::E500, FloatAbi::SoftFp, SPE, false),
    c("e5500", Isa::E5500, H, None, true),
    c("e6500", Isa::E6500, H, AV, true),
    c("p5", Isa::Power5, H, None, true),
    c("p6", Isa::Power6, H, AV, true),
    c("p7", Isa::Power7, H, AV, true),
    c("p8", Isa::Power8, H, AV, true),
    c("p9", Isa::Power9, H, AV, true),
    c("p10", Isa::Power10, H, AV, true),
];

/// Parses a PowerPC tune, or `None` if `name` is not one.
pub(super) fn parse(name: &str) -> Option<Arch> {
    let (head, tokens) = name.split_once('-').unwrap_or((name, ""));
    let mut arch = match head {
        "powerpc" => Arch::base(Family::PowerPc, Isa::Powerpc, Endian::Big),
        "powerpc64" => Arch::base(Family::PowerPc64, Isa::Powerpc64, Endian::Big),
        "powerpc64le" => generic_le(),
        _ => cpu_tune(head)?,
    };
    for token in tokens.split('-').filter(|t| !t.is_empty()) {
        match token {
            "nf" => {
                arch.float_abi = FloatAbi::Soft;
                arch.features.remove(Feature::Spe);
            }
            "elfv1" if arch.family == Family::PowerPc64 => arch.abi = Abi::ElfV1,
            "elfv2" if arch.family == Family::PowerPc64 => arch.abi = Abi::ElfV2,
            _ => return None,
        }
    }
    Some(arch)
}

/// Little-endian 64-bit PowerPC at its lowest level.
fn generic_le() -> Arch {
    Arch::base(Family::PowerPc64, Isa::Power8, Endian::Little).with(Feature::Altivec)
}

fn cpu_tune(head: &str) -> Option<Arch> {
    let (family, rest) = match head.strip_prefix("ppc64") {
        Some(rest) => (Family::PowerPc64, rest),
        None => (Family::PowerPc, head.strip_prefix("ppc")?),
    };
    let (cpu_name, endian) = match rest.strip_suffix("le") {
        Some(cpu) if family == Family::PowerPc64 => (cpu, Endian::Little),
        _ => (rest, Endian::Big),
    };
    let cpu = CPUS.iter().find(|c| c.name == cpu_name)?;
    if family == Family::PowerPc64 && !cpu.bits64 {
        return None;
    }
    if endian == Endian::Little && cpu.isa.level() < Isa::Power8.level() {
        return None;
    }
    let mut arch = Arch::base(family, cpu.isa, endian).with_float(cpu.float);
    if let Some(f) = cpu.feature {
        arch = arch.with(f);
    }
    Some(arch)
}

/// The canonical name of a PowerPC arch (inverse of [`parse`]).
pub(super) fn format(arch: &Arch) -> String {
    let mut s = match (arch.family, arch.isa) {
        (Family::PowerPc, Isa::Powerpc) => "powerpc".to_owned(),
        (Family::PowerPc64, Isa::Powerpc64) => "powerpc64".to_owned(),
        (family, isa) => {
            let cpu = CPUS.iter().find(|c| c.isa == isa).map_or("", |c| c.name);
            let prefix = if family == Family::PowerPc64 {
                "ppc64"
            } else {
                "ppc"
            };
            let le = if arch.endian == Endian::Little {
                "le"
            } else {
                ""
            };
            format!("{prefix}{cpu}{le}")
        }
    };
    let default_float = CPUS
        .iter()
        .find(|c| c.isa == arch.isa)
        .map_or(FloatAbi::Hard, |c| c.float);
    if arch.float_abi == FloatAbi::Soft && default_float != FloatAbi::Soft {
        s.push_str("-nf");
    }
    let default_abi = if arch.endian == Endian::Little {
        Abi::ElfV2
    } else {
        Abi::ElfV1
    };
    if arch.family == Family::PowerPc64 && arch.abi != default_abi {
        s.push('-');
        s.push_str(arch.abi.name());
    }
    s
}
