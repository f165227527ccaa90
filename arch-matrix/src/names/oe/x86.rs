//! x86 tunes.
//!
//! 32-bit: `i486`..`i686` (`x86` and `i386` are `i686`), `i586-nlp-32` (no `lock`
//! prefix, Intel Quark), `c3`, `core2-32`, `corei7-32`.
//! 64-bit: `x86_64[-v2|-v3|-v4]` (OE spells it `x86-64`), `core2-64`,
//! `corei7-64`; `-x32` selects the x32 ABI.

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Endian, Family};

/// CPU tunes: name, 32-bit ISA, 64-bit ISA.
const CPUS: &[(&str, Isa, Isa)] = &[
    ("core2", Isa::I686, Isa::X86_64),
    ("corei7", Isa::I686, Isa::X86_64V2),
];

const LEVELS: &[(&str, Isa)] = &[
    ("", Isa::X86_64),
    ("-v1", Isa::X86_64),
    ("-v2", Isa::X86_64V2),
    ("-v3", Isa::X86_64V3),
    ("-v4", Isa::X86_64V4),
];

/// Parses an x86 tune, or `None` if `name` is not one.
pub(super) fn parse(name: &str) -> Option<Arch> {
    let x86 = |isa| Arch::base(Family::X86, isa, Endian::Little);
    match name {
        "i486" => return Some(x86(Isa::I486)),
        "i586" => return Some(x86(Isa::I586)),
        // `i386` as Debian and Docker mean it: i686 is their baseline.
        "i386" | "i686" | "x86" => return Some(x86(Isa::I686)),
        "i586-nlp-32" => return Some(x86(Isa::I586).with(Feature::NoLockPrefix)),
        "c3" => return Some(x86(Isa::I586).with_cpu("c3")),
        _ => {}
    }
    let (head, x32) = match name.strip_suffix("-x32") {
        Some(head) => (head, true),
        None => (name, false),
    };
    let mut arch = if let Some(level) = head
        .strip_prefix("x86_64")
        .or_else(|| head.strip_prefix("x86-64"))
    {
        let isa = LEVELS.iter().find(|(l, _)| *l == level)?.1;
        Arch::base(Family::X86_64, isa, Endian::Little)
    } else {
        let (cpu, bits) = head.rsplit_once('-')?;
        let &(cpu, isa32, isa64) = CPUS.iter().find(|c| c.0 == cpu)?;
        match bits {
            "32" if !x32 => return Some(x86(isa32).with_cpu(cpu)),
            "64" => Arch::base(Family::X86_64, isa64, Endian::Little).with_cpu(cpu),
            _ => return None,
        }
    };
    if x32 {
        arch.abi = Abi::X32;
    }
    Some(arch)
}

/// The canonical name of an x86 arch (inverse of [`parse`]).
pub(super) fn format(arch: &Arch) -> String {
    if arch.family == Family::X86 {
        return match arch.cpu {
            Some(cpu) if cpu == "c3" => cpu.to_owned(),
            Some(cpu) => format!("{cpu}-32"),
            None if arch.has(Feature::NoLockPrefix) => format!("{}-nlp-32", arch.isa),
            None => arch.isa.name(),
        };
    }
    let mut s = match arch.cpu {
        Some(cpu) => format!("{cpu}-64"),
        None => {
            let level = LEVELS.iter().skip(2).find(|(_, i)| *i == arch.isa);
            format!("x86_64{}", level.map_or("", |(l, _)| l))
        }
    };
    if arch.abi == Abi::X32 {
        s.push_str("-x32");
    }
    s
}
