//! What an [`ElfInfo`] means in the model: its family, ABI, the arch it
//! implies, and a one-line description.

use std::fmt;

use super::ElfInfo;
use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{em, Abi, Arch, Endian, Family, FloatAbi};

const EF_PPC64_ABI: u32 = 3;
const EF_RISCV_FLOAT_ABI: u32 = 0x6;
const EF_LOONGARCH_ABI_MODIFIER: u32 = 0x7;

impl ElfInfo {
    /// The family of the binary's machine, if the model knows it.
    pub fn family(&self) -> Option<Family> {
        let b64 = self.bits == 64;
        Some(match self.machine {
            em::ARM if !b64 => Family::Arm,
            em::AARCH64 => Family::Aarch64,
            em::X86 if !b64 => Family::X86,
            em::X86_64 => Family::X86_64,
            em::MIPS if b64 || self.abi() == Some(Abi::N32) => Family::Mips64,
            em::MIPS => Family::Mips,
            em::PPC if !b64 => Family::PowerPc,
            em::PPC64 if b64 => Family::PowerPc64,
            em::S390 if b64 => Family::S390x,
            em::RISCV if b64 => Family::RiscV64,
            em::RISCV => Family::RiscV32,
            em::LOONGARCH if b64 => Family::LoongArch64,
            em::SH if !b64 => Family::Sh,
            _ => return None,
        })
    }

    /// The machine's name, as `file(1)` says it where it can.
    pub fn machine_name(&self) -> String {
        match self.machine {
            em::ARM => "ARM",
            em::AARCH64 => "ARM aarch64",
            em::X86 => "Intel 80386",
            em::X86_64 => "x86-64",
            em::MIPS => "MIPS",
            em::PPC => "PowerPC",
            em::PPC64 => "PowerPC64",
            em::S390 => "IBM S/390",
            em::RISCV => "RISC-V",
            em::LOONGARCH => "LoongArch",
            em::SH => "Renesas SH",
            other => return format!("machine {other:#x}"),
        }
        .to_owned()
    }

    /// The user-space ABI the binary uses, where it declares one.
    pub fn abi(&self) -> Option<Abi> {
        match self.machine {
            em::ARM => self
                .arm
                .as_ref()
                .filter(|a| a.eabi_version >= 4)
                .map(|_| Abi::Eabi),
            em::MIPS => self.mips.as_ref().map(|m| m.abi),
            em::PPC64 => match self.flags & EF_PPC64_ABI {
                1 => Some(Abi::ElfV1),
                2 => Some(Abi::ElfV2),
                _ => None,
            },
            em::X86_64 if self.bits == 32 => Some(Abi::X32),
            _ if self.bits == 64 => Some(Abi::Lp64),
            _ => Some(Abi::Ilp32),
        }
    }

    /// The float ABI the binary declares, if any.
    pub fn float_abi(&self) -> Option<FloatAbi> {
        match self.machine {
            em::ARM => self.arm.as_ref()?.float_abi(),
            em::MIPS => self.mips.as_ref()?.float_abi(),
            em::PPC | em::PPC64 => match (self.power_fp? & 3, self.power_vector) {
                (2, Some(3)) => Some(FloatAbi::SoftFp),
                (2, _) => Some(FloatAbi::Soft),
                (0, _) => None,
                _ => Some(FloatAbi::Hard),
            },
            em::RISCV if self.flags & EF_RISCV_FLOAT_ABI == 0 => Some(FloatAbi::Soft),
            em::LOONGARCH if self.flags & EF_LOONGARCH_ABI_MODIFIER == 1 => Some(FloatAbi::Soft),
            _ => None,
        }
    }

    /// The ISA level the binary declares it needs, if any.
    pub fn isa(&self) -> Option<Isa> {
        match self.machine {
            em::ARM => self.arm.as_ref()?.isa(),
            em::MIPS => self.mips.as_ref()?.isa,
            _ => None,
        }
    }

    /// The most specific [`Arch`] the binary declares: what it says, with
    /// the family's baseline for what it does not (armhf, armel, i686,
    /// POWER8 for little-endian PowerPC64).
    pub fn implied_arch(&self) -> Option<Arch> {
        let family = self.family()?;
        let mut arch = match family {
            Family::Arm => return self.implied_arm(),
            Family::Mips | Family::Mips64 => return self.implied_mips(family),
            Family::Aarch64 => Arch::base(family, Isa::Aarch64 { major: 8, minor: 0 }, self.endian),
            Family::X86 => Arch::base(family, Isa::I686, self.endian),
            Family::X86_64 => Arch::base(family, Isa::X86_64, self.endian),
            Family::PowerPc if self.power_vector == Some(3) => {
                Arch::base(family, Isa::E500v2, self.endian)
                    .with_float(FloatAbi::SoftFp)
                    .with(Feature::Spe)
            }
            Family::PowerPc => Arch::base(family, Isa::Powerpc, self.endian),
            Family::PowerPc64 if self.endian == Endian::Little => {
                Arch::base(family, Isa::Power8, self.endian).with(Feature::Altivec)
            }
            Family::PowerPc64 => Arch::base(family, Isa::Powerpc64, self.endian),
            Family::S390x => Arch::base(family, Isa::Z196, self.endian),
            Family::RiscV32 => Arch::base(family, Isa::Rv32gc, self.endian),
            Family::RiscV64 => Arch::base(family, Isa::Rv64gc, self.endian),
            Family::LoongArch64 => Arch::base(family, Isa::La64, self.endian),
            Family::Sh => Arch::base(family, Isa::Sh4, self.endian),
        };
        if let Some(abi) = self.abi() {
            arch.abi = abi;
        }
        if self.float_abi() == Some(FloatAbi::Soft) {
            arch.float_abi = FloatAbi::Soft;
        }
        normalised(arch)
    }

    fn implied_arm(&self) -> Option<Arch> {
        let info = self.arm.as_ref()?;
        let float = info.float_abi();
        let isa = info.isa().unwrap_or(if float == Some(FloatAbi::Hard) {
            Isa::Armv7a
        } else {
            Isa::Armv5te
        });
        let mut arch = Arch::base(Family::Arm, isa, self.endian);
        let v7 = matches!(isa, Isa::Armv7a | Isa::Armv7r | Isa::Armv8a);
        let mut fpu = info.fpu();
        let micro = matches!(isa, Isa::Armv6m | Isa::Armv7m);
        if micro {
            fpu = None;
        } else if !v7 && fpu.is_some() {
            fpu = Some(Feature::Vfp);
        }
        if float == Some(FloatAbi::Hard) && fpu.is_none() {
            fpu = Some(match isa {
                Isa::Armv8a => Feature::FpArmv8,
                _ if v7 => Feature::Vfpv3d16,
                _ => Feature::Vfp,
            });
        }
        if v7 && info.neon() {
            arch = arch.with(Feature::Neon);
            if crate::feature::fpu_below(fpu, Feature::Vfpv3) {
                fpu = Some(Feature::Vfpv3);
            }
        }
        arch.features.set_arm_fpu(fpu);
        let thumb_inherent = matches!(isa, Isa::Armv4t | Isa::Armv5t | Isa::Armv5te) || micro;
        if thumb_inherent || (isa.level() >= 30 && info.thumb_isa_use.is_some_and(|t| t > 0)) {
            arch = arch.with(Feature::Thumb);
        }
        if matches!(isa, Isa::Armv5e | Isa::Armv5te) {
            arch = arch.with(Feature::Dsp);
        }
        arch.float_abi = match (float, fpu) {
            (Some(FloatAbi::Hard), _) => FloatAbi::Hard,
            (_, Some(_)) => FloatAbi::SoftFp,
            (_, None) => FloatAbi::Soft,
        };
        normalised(arch)
    }

    fn implied_mips(&self, family: Family) -> Option<Arch> {
        let info = self.mips.as_ref()?;
        let isa = info.isa.unwrap_or(Isa::Mips1);
        let isa = match (
            family,
            isa.is_mips_r6(),
            isa.level() >= Isa::Mips32r2.level(),
        ) {
            (Family::Mips, true, _) => Isa::Mips32r6,
            (Family::Mips, _, true) => Isa::Mips32r2,
            (Family::Mips, _, _) => Isa::Mips32,
            (_, true, _) => Isa::Mips64r6,
            (_, _, true) => Isa::Mips64r2,
            _ => Isa::Mips64,
        };
        let mut arch = Arch::base(family, isa, self.endian);
        arch.abi = info.abi;
        if info.float_abi() == Some(FloatAbi::Soft) {
            arch.float_abi = FloatAbi::Soft;
        }
        if info.nan2008 || isa.is_mips_r6() {
            arch = arch.with(Feature::Nan2008);
        }
        normalised(arch)
    }
}

/// The arch as its canonical name parses back, so that an implied arch
/// is always one a user could have written.
fn normalised(arch: Arch) -> Option<Arch> {
    Arch::parse(&arch.to_string()).ok()
}

impl fmt::Display for ElfInfo {
    /// `ELF 32-bit ARM EABI5 soft-float (armv5te)`,
    /// `ELF 64-bit PowerPC64 big-endian ELFv1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ELF {}-bit {}", self.bits, self.machine_name())?;
        let bi_endian = matches!(self.machine, em::MIPS | em::PPC | em::PPC64 | em::SH);
        if self.endian == Endian::Big || bi_endian {
            write!(f, " {}", self.endian)?;
        }
        if let Some(arm) = &self.arm {
            if arm.eabi_version > 0 {
                write!(f, " EABI{}", arm.eabi_version)?;
            }
        }
        match self.abi() {
            Some(abi @ (Abi::O32 | Abi::N32 | Abi::N64 | Abi::X32)) => write!(f, " {abi}")?,
            Some(Abi::ElfV1) => f.write_str(" ELFv1")?,
            Some(Abi::ElfV2) => f.write_str(" ELFv2")?,
            _ => {}
        }
        if let Some(float) = self.float_abi() {
            write!(f, " {float}")?;
        }
        let mut details: Vec<String> = Vec::new();
        if let Some(isa) = self.isa() {
            details.push(isa.name());
        }
        if let Some(arm) = &self.arm {
            details.extend(arm.fpu().map(|fpu| fpu.name().to_owned()));
            if arm.neon() {
                details.push("neon".to_owned());
            }
        }
        if self.mips.as_ref().is_some_and(|m| m.nan2008) {
            details.push("nan2008".to_owned());
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}
