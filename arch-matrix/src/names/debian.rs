//! Debian architecture names (`dpkg --print-architecture`).
//!
//! Each maps to the architecture's baseline: armhf is ARMv7-A with
//! VFPv3-D16, armel ARMv5TE soft-float, mipsel MIPS32R2, ppc64el POWER8,
//! i386 i686.

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Endian, Family, FloatAbi};

/// Debian name and the canonical tune it means.
pub(crate) const NAMES: &[(&str, &str)] = &[
    ("amd64", "x86_64"),
    ("i386", "i686"),
    ("x32", "x86_64-x32"),
    ("arm64", "aarch64"),
    ("armhf", "armv7ahf"),
    ("armel", "armv5te"),
    ("ppc64el", "ppc64p8le"),
    ("ppc64", "powerpc64"),
    ("powerpc", "powerpc"),
    ("powerpcspe", "ppce500v2"),
    ("mips", "mips"),
    ("mipsel", "mipsel"),
    ("mips64el", "mips64el"),
    ("mipsr6el", "mipsisa32r6el"),
    ("mips64r6el", "mipsisa64r6el"),
    ("s390x", "s390x"),
    ("riscv64", "riscv64"),
    ("loong64", "loongarch64"),
    ("sh4", "sh4"),
];

/// The Debian architecture whose baseline `arch` meets, so that its
/// packages run there.
pub(crate) fn debian_arch(arch: &Arch) -> Option<&'static str> {
    let le = arch.endian == Endian::Little;
    let hard = arch.float_abi == FloatAbi::Hard;
    let at_least = |isa: Isa| arch.isa.runs(isa);
    let name = match arch.family {
        Family::X86_64 if arch.abi == Abi::X32 => "x32",
        Family::X86_64 => "amd64",
        Family::X86 if at_least(Isa::I686) => "i386",
        Family::Aarch64 if le => "arm64",
        Family::Arm if le && hard && at_least(Isa::Armv7a) && arm_fpu_at_least_v3d16(arch) => {
            "armhf"
        }
        Family::Arm if le && !hard && at_least(Isa::Armv5te) => "armel",
        Family::PowerPc64 if le => "ppc64el",
        Family::PowerPc64 if arch.abi == Abi::ElfV1 => "ppc64",
        Family::PowerPc if arch.has(Feature::Spe) => "powerpcspe",
        Family::PowerPc if hard => "powerpc",
        Family::Mips if hard && arch.isa.is_mips_r6() && le => "mipsr6el",
        Family::Mips if hard && at_least(Isa::Mips32r2) => {
            if le {
                "mipsel"
            } else {
                "mips"
            }
        }
        Family::Mips64 if hard && le && arch.abi == Abi::N64 && arch.isa.is_mips_r6() => {
            "mips64r6el"
        }
        Family::Mips64 if hard && le && arch.abi == Abi::N64 && at_least(Isa::Mips64r2) => {
            "mips64el"
        }
        Family::S390x => "s390x",
        Family::RiscV64 if hard => "riscv64",
        Family::LoongArch64 if hard => "loong64",
        Family::Sh if le && hard => "sh4",
        _ => return None,
    };
    Some(name)
}

fn arm_fpu_at_least_v3d16(arch: &Arch) -> bool {
    arch.features
        .arm_fpu()
        .is_some_and(|f| f >= Feature::Vfpv3d16)
}
