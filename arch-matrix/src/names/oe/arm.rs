//! 32-bit ARM tunes: `BASE[t][e][hf][b][-TOKEN...]`.
//!
//! BASE is a CPU (`cortexa9`, `arm926ejs`) or an ISA (`armv5`, `armv7a`).
//! `t` is Thumb (for ARMv4/v5 it is part of the ISA: `armv5t`), `e` the
//! ARMv5 DSP extension, `hf` the hard-float ABI, `b` big-endian (BE8 on
//! ARMv6+). Tokens change the FPU from the base's default: `vfp`, `novfp`,
//! `vfpv3d16`, `vfpv3`, `vfpv4`, `fparmv8`, `neon`; `be` is `b` (OE's
//! `xscale-be`). Without `hf`, a tune with an FPU is `softfp` and one
//! without is soft-float.

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Arch, Endian, Family, FloatAbi};

struct Base {
    prefix: &'static str,
    /// The CPU, for CPU tunes.
    cpu: bool,
    isa: Isa,
    fpu: Option<Feature>,
    /// Whether the `t` letter may follow (and means Thumb).
    t_letter: bool,
}

const fn cpu(prefix: &'static str, isa: Isa, fpu: Option<Feature>, t_letter: bool) -> Base {
    Base {
        prefix,
        cpu: true,
        isa,
        fpu,
        t_letter,
    }
}

const fn gen(prefix: &'static str, isa: Isa, fpu: Option<Feature>, t_letter: bool) -> Base {
    Base {
        prefix,
        cpu: false,
        isa,
        fpu,
        t_letter,
    }
}

const V3D16: Option<Feature> = Some(Feature::Vfpv3d16);
const VFP: Option<Feature> = Some(Feature::Vfp);

const BASES: &[Base] = &[
    cpu("cortexa15", Isa::Armv7a, V3D16, true),
    cpu("cortexa5", Isa::Armv7a, V3D16, true),
    cpu("cortexa7", Isa::Armv7a, V3D16, true),
    cpu("cortexa8", Isa::Armv7a, V3D16, true),
    cpu("cortexa9", Isa::Armv7a, V3D16, true),
    cpu("cortexm1", Isa::Armv6m, None, false),
    cpu("cortexm3", Isa::Armv7m, None, false),
    cpu("cortexr4", Isa::Armv7r, None, true),
    cpu("arm1136jfs", Isa::Armv6, VFP, true),
    cpu("arm920t", Isa::Armv4t, None, false),
    cpu("arm926ejs", Isa::Armv5te, None, false),
    cpu("arm9tdmi", Isa::Armv4t, None, false),
    cpu("strongarm", Isa::Armv4, None, false),
    cpu("xscale", Isa::Armv5te, None, false),
    cpu("iwmmxt", Isa::Armv5te, None, false),
    cpu("ep9312", Isa::Armv4t, None, false),
    gen("armv8a", Isa::Armv8a, Some(Feature::FpArmv8), true),
    gen("armv7a", Isa::Armv7a, V3D16, true),
    gen("armv7r", Isa::Armv7r, V3D16, true),
    gen("armv7m", Isa::Armv7m, None, false),
    gen("armv6m", Isa::Armv6m, None, false),
    gen("armv6", Isa::Armv6, VFP, true),
    gen("armv5", Isa::Armv5, None, true),
    gen("armv4", Isa::Armv4, None, true),
];

/// Parses an ARM tune, or `None` if `name` is not one.
pub(super) fn parse(name: &str) -> Option<Arch> {
    let base = BASES
        .iter()
        .filter(|b| name.starts_with(b.prefix))
        .max_by_key(|b| b.prefix.len())?;
    let rest = name.strip_prefix(base.prefix)?;
    let (letters, tokens) = rest.split_once('-').unwrap_or((rest, ""));
    let (t, letters) = strip(letters, "t");
    let (e, letters) = strip(letters, "e");
    let (hf, letters) = strip(letters, "hf");
    let (b, letters) = strip(letters, "b");
    if !letters.is_empty() || (t && !base.t_letter) {
        return None;
    }
    let isa = isa_with_letters(base, t, e)?;
    let mut arch = Arch::base(
        Family::Arm,
        isa,
        if b { Endian::Big } else { Endian::Little },
    );
    if base.cpu {
        arch = arch.with_cpu(base.prefix);
    }
    if base.prefix == "iwmmxt" {
        arch = arch.with(Feature::Iwmmxt);
    }
    if t || matches!(
        isa,
        Isa::Armv4t | Isa::Armv5t | Isa::Armv5te | Isa::Armv6m | Isa::Armv7m
    ) {
        arch = arch.with(Feature::Thumb);
    }
    if matches!(isa, Isa::Armv5e | Isa::Armv5te) {
        arch = arch.with(Feature::Dsp);
    }
    let mut fpu = base.fpu;
    let mut neon = false;
    for token in tokens.split('-').filter(|t| !t.is_empty()) {
        match token {
            "vfp" => fpu = Some(Feature::Vfp),
            "novfp" => fpu = None,
            "vfpv3d16" => fpu = Some(Feature::Vfpv3d16),
            "vfpv3" => fpu = Some(Feature::Vfpv3),
            "vfpv4" => fpu = Some(Feature::Vfpv4),
            "fparmv8" => fpu = Some(Feature::FpArmv8),
            "neon" => neon = true,
            "be" => arch.endian = Endian::Big,
            _ => return None,
        }
    }
    if neon {
        if !matches!(isa, Isa::Armv7a | Isa::Armv7r | Isa::Armv8a) {
            return None;
        }
        if crate::feature::fpu_below(fpu, Feature::Vfpv3) {
            fpu = Some(Feature::Vfpv3);
        }
        arch = arch.with(Feature::Neon);
    }
    arch.features.set_arm_fpu(fpu);
    arch.float_abi = match (hf, fpu) {
        (true, None) => return None,
        (true, Some(_)) => FloatAbi::Hard,
        (false, Some(_)) => FloatAbi::SoftFp,
        (false, None) => FloatAbi::Soft,
    };
    Some(arch)
}

fn strip<'a>(s: &'a str, prefix: &str) -> (bool, &'a str) {
    match s.strip_prefix(prefix) {
        Some(rest) => (true, rest),
        None => (false, s),
    }
}

/// The ISA once the `t`/`e` letters of ARMv4/v5 bases are applied.
fn isa_with_letters(base: &Base, t: bool, e: bool) -> Option<Isa> {
    match (base.isa, t, e) {
        (Isa::Armv4, true, false) => Some(Isa::Armv4t),
        (Isa::Armv5, true, false) => Some(Isa::Armv5t),
        (Isa::Armv5, false, true) => Some(Isa::Armv5e),
        (Isa::Armv5, true, true) => Some(Isa::Armv5te),
        (isa, _, false) => Some(isa),
        _ => None,
    }
}

/// The canonical name of an ARM arch (inverse of [`parse`]).
pub(super) fn format(arch: &Arch) -> String {
    let base = match arch.cpu {
        Some(cpu) => BASES.iter().find(|b| b.cpu && b.prefix == cpu),
        None => BASES
            .iter()
            .find(|b| !b.cpu && root(b.isa) == root(arch.isa)),
    };
    let Some(base) = base else {
        return format!("arm-{}", arch.isa);
    };
    let mut s = base.prefix.to_owned();
    let t_in_isa = !base.cpu && matches!(arch.isa, Isa::Armv4t | Isa::Armv5t | Isa::Armv5te);
    if base.t_letter && (t_in_isa || (arch.has(Feature::Thumb) && base.isa.level() >= 30)) {
        s.push('t');
    }
    if !base.cpu && matches!(arch.isa, Isa::Armv5e | Isa::Armv5te) {
        s.push('e');
    }
    if arch.float_abi == FloatAbi::Hard {
        s.push_str("hf");
    }
    let xscale_be = base.prefix == "xscale";
    if arch.endian == Endian::Big && !xscale_be {
        s.push('b');
    }
    let neon = arch.has(Feature::Neon);
    if neon {
        s.push_str("-neon");
    }
    let fpu = arch.features.arm_fpu();
    let token = match fpu {
        None => "novfp",
        Some(Feature::Vfp) => "vfp",
        Some(Feature::Vfpv3d16) => "vfpv3d16",
        Some(Feature::Vfpv3) if neon => "",
        Some(Feature::Vfpv3) => "vfpv3",
        Some(Feature::Vfpv4) => "vfpv4",
        Some(_) => "fparmv8",
    };
    if fpu != base.fpu && !token.is_empty() {
        s.push('-');
        s.push_str(token);
    }
    if arch.endian == Endian::Big && xscale_be {
        s.push_str("-be");
    }
    s
}

/// ISAs that share a generic base.
fn root(isa: Isa) -> Isa {
    match isa {
        Isa::Armv4t => Isa::Armv4,
        Isa::Armv5t | Isa::Armv5e | Isa::Armv5te => Isa::Armv5,
        other => other,
    }
}
