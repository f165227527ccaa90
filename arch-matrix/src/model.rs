//! The architecture model: what a machine is, as plain data.

use std::fmt;

use crate::feature::{Feature, Features};
use crate::isa::Isa;

/// A processor family: one ELF machine at one register width.
///
/// 64-bit families running a 32-bit ABI (x32, MIPS n32, AArch64 ILP32)
/// stay in their 64-bit family; [`Arch::bits`] tells the pointer size.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// 32-bit ARM (AArch32).
    Arm,
    /// 64-bit ARM.
    Aarch64,
    /// 32-bit x86.
    X86,
    /// x86-64 (including the x32 ABI).
    X86_64,
    /// 32-bit MIPS (o32).
    Mips,
    /// 64-bit MIPS (n64, n32).
    Mips64,
    /// 32-bit PowerPC.
    PowerPc,
    /// 64-bit PowerPC.
    PowerPc64,
    /// IBM z/Architecture.
    S390x,
    /// 32-bit RISC-V.
    RiscV32,
    /// 64-bit RISC-V.
    RiscV64,
    /// 64-bit LoongArch.
    LoongArch64,
    /// SuperH.
    Sh,
}

/// ELF `e_machine` values of the families.
pub(crate) mod em {
    pub const SH: u16 = 42;
    pub const X86: u16 = 3;
    pub const MIPS: u16 = 8;
    pub const PPC: u16 = 20;
    pub const PPC64: u16 = 21;
    pub const S390: u16 = 22;
    pub const ARM: u16 = 40;
    pub const X86_64: u16 = 62;
    pub const AARCH64: u16 = 183;
    pub const RISCV: u16 = 243;
    pub const LOONGARCH: u16 = 258;
}

impl Family {
    /// Every family, in a stable order.
    pub const ALL: [Family; 13] = [
        Family::Arm,
        Family::Aarch64,
        Family::X86,
        Family::X86_64,
        Family::Mips,
        Family::Mips64,
        Family::PowerPc,
        Family::PowerPc64,
        Family::S390x,
        Family::RiscV32,
        Family::RiscV64,
        Family::LoongArch64,
        Family::Sh,
    ];

    /// Short lowercase name (`arm`, `aarch64`, `mips64`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Family::Arm => "arm",
            Family::Aarch64 => "aarch64",
            Family::X86 => "x86",
            Family::X86_64 => "x86_64",
            Family::Mips => "mips",
            Family::Mips64 => "mips64",
            Family::PowerPc => "powerpc",
            Family::PowerPc64 => "powerpc64",
            Family::S390x => "s390x",
            Family::RiscV32 => "riscv32",
            Family::RiscV64 => "riscv64",
            Family::LoongArch64 => "loongarch64",
            Family::Sh => "sh",
        }
    }

    /// The ELF `e_machine` of binaries for this family.
    pub fn elf_machine(self) -> u16 {
        match self {
            Family::Arm => em::ARM,
            Family::Aarch64 => em::AARCH64,
            Family::X86 => em::X86,
            Family::X86_64 => em::X86_64,
            Family::Mips | Family::Mips64 => em::MIPS,
            Family::PowerPc => em::PPC,
            Family::PowerPc64 => em::PPC64,
            Family::S390x => em::S390,
            Family::RiscV32 | Family::RiscV64 => em::RISCV,
            Family::LoongArch64 => em::LOONGARCH,
            Family::Sh => em::SH,
        }
    }

    /// Register width in bits.
    pub fn register_bits(self) -> u8 {
        match self {
            Family::Arm
            | Family::X86
            | Family::Mips
            | Family::PowerPc
            | Family::RiscV32
            | Family::Sh => 32,
            _ => 64,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endian {
    /// Least significant byte first.
    Little,
    /// Most significant byte first.
    Big,
}

impl fmt::Display for Endian {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endian::Little => "little-endian",
            Endian::Big => "big-endian",
        })
    }
}

/// The calling convention and data model of user space.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Abi {
    /// ARM EABI (version 5, as Linux uses).
    Eabi,
    /// MIPS o32.
    O32,
    /// MIPS n32 (32-bit pointers on MIPS64).
    N32,
    /// MIPS n64.
    N64,
    /// PowerPC64 ELF ABI v1 (function descriptors).
    ElfV1,
    /// PowerPC64 ELF ABI v2.
    ElfV2,
    /// x86-64 with 32-bit pointers.
    X32,
    /// The family's default 64-bit ABI.
    Lp64,
    /// The family's default 32-bit ABI.
    Ilp32,
}

impl Abi {
    /// Short lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Abi::Eabi => "eabi",
            Abi::O32 => "o32",
            Abi::N32 => "n32",
            Abi::N64 => "n64",
            Abi::ElfV1 => "elfv1",
            Abi::ElfV2 => "elfv2",
            Abi::X32 => "x32",
            Abi::Lp64 => "lp64",
            Abi::Ilp32 => "ilp32",
        }
    }
}

impl fmt::Display for Abi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How floating-point values cross function calls.
///
/// Families whose ABI has no choice (x86, AArch64, s390x, ...) report
/// [`FloatAbi::Hard`]: their ABI always uses the FPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FloatAbi {
    /// Floats in FPU registers.
    Hard,
    /// FPU instructions, floats passed in integer registers (ARM
    /// `softfp`, PowerPC SPE); link-compatible with [`FloatAbi::Soft`].
    SoftFp,
    /// No FPU instructions at all.
    Soft,
}

impl FloatAbi {
    /// Whether binaries of the two ABIs can be linked and run together.
    pub fn links_with(self, other: FloatAbi) -> bool {
        (self == FloatAbi::Hard) == (other == FloatAbi::Hard)
    }
}

impl fmt::Display for FloatAbi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FloatAbi::Hard => "hard-float",
            FloatAbi::SoftFp => "softfp",
            FloatAbi::Soft => "soft-float",
        })
    }
}

/// One target architecture: family, byte order, ABI, float ABI, ISA level,
/// optional features and, for CPU-specific tunes, the CPU.
///
/// Build one with [`Arch::parse`]; its [`Display`](fmt::Display) is the
/// canonical name (see the crate docs), and serde uses that string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Arch {
    pub(crate) family: Family,
    pub(crate) endian: Endian,
    pub(crate) abi: Abi,
    pub(crate) float_abi: FloatAbi,
    pub(crate) isa: Isa,
    pub(crate) features: Features,
    pub(crate) cpu: Option<&'static str>,
}

impl Arch {
    /// A plain arch with the family's default ABI, hard float, no features
    /// and no CPU.
    pub(crate) fn base(family: Family, isa: Isa, endian: Endian) -> Arch {
        let abi = match family {
            Family::Arm => Abi::Eabi,
            Family::Mips => Abi::O32,
            Family::Mips64 => Abi::N64,
            Family::PowerPc64 if endian == Endian::Little => Abi::ElfV2,
            Family::PowerPc64 => Abi::ElfV1,
            f if f.register_bits() == 64 => Abi::Lp64,
            _ => Abi::Ilp32,
        };
        Arch {
            family,
            endian,
            abi,
            float_abi: FloatAbi::Hard,
            isa,
            features: Features::EMPTY,
            cpu: None,
        }
    }

    pub(crate) fn with_float(mut self, float_abi: FloatAbi) -> Arch {
        self.float_abi = float_abi;
        self
    }

    pub(crate) fn with(mut self, feature: Feature) -> Arch {
        self.features.insert(feature);
        self
    }

    pub(crate) fn with_cpu(mut self, cpu: &'static str) -> Arch {
        self.cpu = Some(cpu);
        self
    }

    /// Processor family.
    pub fn family(&self) -> Family {
        self.family
    }

    /// Pointer size in bits (32 for x32 and n32 on 64-bit families).
    pub fn bits(&self) -> u8 {
        match self.abi {
            Abi::X32 | Abi::N32 | Abi::Ilp32 | Abi::O32 | Abi::Eabi => 32,
            _ => 64,
        }
    }

    /// Byte order.
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// User-space ABI.
    pub fn abi(&self) -> Abi {
        self.abi
    }

    /// Float ABI.
    pub fn float_abi(&self) -> FloatAbi {
        self.float_abi
    }

    /// ISA level.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Optional features beyond the ISA level.
    pub fn features(&self) -> Features {
        self.features
    }

    /// The CPU a CPU-specific tune names (OpenEmbedded spelling, such as
    /// `cortexa9` or `core2`), if any.
    pub fn cpu(&self) -> Option<&'static str> {
        self.cpu
    }

    /// Whether the arch has `feature`.
    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(feature)
    }
}
