//! The tune grammar: OpenEmbedded tune names, extended so that every
//! [`Arch`] has one canonical spelling (see the crate docs).

mod arm;
mod mips;
mod misc;
mod ppc;
mod x86;

use crate::model::{Arch, Family};

pub(crate) use misc::aarch64_level;

/// Every OpenEmbedded tune name (`AVAILTUNES`) the project was asked for.
pub(crate) const OE_TUNES: &str = include_str!("../../../data/oe-tunes.txt");

/// Parses a name of the tune grammar.
pub(crate) fn parse(name: &str) -> Option<Arch> {
    arm::parse(name)
        .or_else(|| mips::parse(name))
        .or_else(|| ppc::parse(name))
        .or_else(|| x86::parse(name))
        .or_else(|| misc::parse(name))
}

/// The canonical name of `arch`.
pub(crate) fn format(arch: &Arch) -> String {
    match arch.family {
        Family::Arm => arm::format(arch),
        Family::Mips | Family::Mips64 => mips::format(arch),
        Family::PowerPc | Family::PowerPc64 => ppc::format(arch),
        Family::X86 | Family::X86_64 => x86::format(arch),
        _ => misc::format(arch),
    }
}

/// Canonical spellings beyond the OpenEmbedded list, so that
/// [`crate::Arch::all_names`] shows each level once.
pub(crate) const EXTRA: &[&str] = &[
    "i486",
    "i686",
    "x86_64",
    "x86_64-v2",
    "x86_64-v3",
    "x86_64-v4",
    "armv7a-novfp",
    "armv8ahf-neon",
    "aarch64-v8.2",
    "aarch64-v9.0",
    "mipsisa32r6el",
    "mipsisa64r6el",
    "mips64r1el",
    "mips32r2-24kc",
    "mips32r2el-24kc",
    "mips32r2-24kec",
    "mips32r2el-24kec",
    "mips32r2-74kc",
    "mips32r2el-74kc",
    "powerpc64le",
    "ppc64p8",
    "ppc64p8le",
    "ppc64p9le",
    "ppc64p10le",
    "powerpc64-elfv2",
    "riscv64",
    "riscv32",
    "loongarch64",
    "s390x",
];
