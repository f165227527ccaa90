//! MIPS tunes: `BASE[el][-CPU][-nf][-n32][-nan2008]`.
//!
//! `mips` and `mips64` without a release mean the Debian baseline
//! (MIPS32R2, MIPS64R2). `mips64r1` is MIPS64 release 1. R6 is spelled
//! `mipsisa32r6`/`mipsisa64r6` as in GNU triplets; `mips32r6` is accepted.
//! CPU tunes name a MIPS32R2 core as OpenEmbedded's `tune-mips-24k.inc`
//! and `tune-mips-74k.inc` do: `mips32r2-24kc`, `mips32r2el-74kc`.

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Endian, Family, FloatAbi};

const BASES: &[(&str, Isa)] = &[
    ("mipsisa32r6", Isa::Mips32r6),
    ("mipsisa64r6", Isa::Mips64r6),
    ("mips32r6", Isa::Mips32r6),
    ("mips64r6", Isa::Mips64r6),
    ("mips32r2", Isa::Mips32r2),
    ("mips64r2", Isa::Mips64r2),
    ("mips64r1", Isa::Mips64),
    ("mips32", Isa::Mips32),
    ("mips64", Isa::Mips64r2),
    ("mips", Isa::Mips32r2),
];

/// The MIPS32R2 cores a tune can name.
const CPUS: &[&str] = &["24kc", "24kec", "74kc"];

/// Parses a MIPS tune, or `None` if `name` is not one.
pub(super) fn parse(name: &str) -> Option<Arch> {
    let (prefix, isa) = BASES
        .iter()
        .filter(|(p, _)| name.starts_with(p))
        .max_by_key(|(p, _)| p.len())?;
    let rest = name.strip_prefix(prefix)?;
    let (letters, tokens) = rest.split_once('-').unwrap_or((rest, ""));
    let endian = match letters {
        "" => Endian::Big,
        "el" => Endian::Little,
        _ => return None,
    };
    let family = if isa.is_mips64_isa() {
        Family::Mips64
    } else {
        Family::Mips
    };
    let mut arch = Arch::base(family, *isa, endian);
    if isa.is_mips_r6() {
        arch = arch.with(Feature::Nan2008);
    }
    for token in tokens.split('-').filter(|t| !t.is_empty()) {
        match token {
            "nf" => arch.float_abi = FloatAbi::Soft,
            "n32" if family == Family::Mips64 => arch.abi = Abi::N32,
            "n64" if family == Family::Mips64 => arch.abi = Abi::N64,
            "nan2008" => arch = arch.with(Feature::Nan2008),
            cpu if *isa == Isa::Mips32r2 && arch.cpu.is_none() => {
                arch = arch.with_cpu(CPUS.iter().find(|c| **c == cpu)?);
            }
            _ => return None,
        }
    }
    Some(arch)
}

/// The canonical name of a MIPS arch (inverse of [`parse`]).
pub(super) fn format(arch: &Arch) -> String {
    let mut s = match arch.isa {
        // A core is only named after the release it implements.
        Isa::Mips32r2 if arch.cpu.is_some() => "mips32r2",
        Isa::Mips32r6 => "mipsisa32r6",
        Isa::Mips64r6 => "mipsisa64r6",
        Isa::Mips32 => "mips32",
        Isa::Mips64 => "mips64r1",
        _ if arch.family == Family::Mips64 => "mips64",
        _ => "mips",
    }
    .to_owned();
    if arch.endian == Endian::Little {
        s.push_str("el");
    }
    if let Some(cpu) = arch.cpu {
        s.push('-');
        s.push_str(cpu);
    }
    if arch.float_abi != FloatAbi::Hard {
        s.push_str("-nf");
    }
    if arch.abi == Abi::N32 {
        s.push_str("-n32");
    }
    if arch.has(Feature::Nan2008) && !arch.isa.is_mips_r6() {
        s.push_str("-nan2008");
    }
    s
}
