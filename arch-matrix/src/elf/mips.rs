//! MIPS: ISA, ABI and NaN encoding from `e_flags`, and the FP ABI from
//! `.MIPS.abiflags` (or `.gnu.attributes` for older binaries).

use crate::isa::Isa;
use crate::model::{Abi, FloatAbi};

const EF_MIPS_ABI2: u32 = 0x20;
const EF_MIPS_NAN2008: u32 = 0x400;
const EF_MIPS_ARCH: u32 = 0xf000_0000;

/// What a MIPS binary declares about the machine it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MipsInfo {
    /// o32, n32 or n64.
    pub abi: Abi,
    /// ISA from `.MIPS.abiflags`, else `EF_MIPS_ARCH`.
    pub isa: Option<Isa>,
    /// IEEE 754-2008 NaN encoding (`EF_MIPS_NAN2008`).
    pub nan2008: bool,
    /// `Val_GNU_MIPS_ABI_FP_*`: 0 any, 1 double, 2 single, 3 soft, 4 old
    /// 64-bit, 5 fpxx, 6 fp64, 7 fp64a.
    pub fp_abi: Option<u8>,
}

impl MipsInfo {
    /// Reads `e_flags` of a binary of ELF class `bits`.
    pub(super) fn from_flags(flags: u32, bits: u8) -> MipsInfo {
        let abi = if bits == 64 {
            Abi::N64
        } else if flags & EF_MIPS_ABI2 != 0 {
            Abi::N32
        } else {
            Abi::O32
        };
        let isa = match (flags & EF_MIPS_ARCH) >> 28 {
            0 => Some(Isa::Mips1),
            1 => Some(Isa::Mips2),
            2 => Some(Isa::Mips3),
            3 => Some(Isa::Mips4),
            4 => Some(Isa::Mips5),
            5 => Some(Isa::Mips32),
            6 => Some(Isa::Mips64),
            7 => Some(Isa::Mips32r2),
            8 => Some(Isa::Mips64r2),
            9 => Some(Isa::Mips32r6),
            10 => Some(Isa::Mips64r6),
            _ => None,
        };
        MipsInfo {
            abi,
            isa,
            nan2008: flags & EF_MIPS_NAN2008 != 0,
            fp_abi: None,
        }
    }

    /// Reads `Elf_MIPS_ABIFlags_v0`: version (2 bytes), isa_level,
    /// isa_rev, gpr_size, cpr1_size, cpr2_size, fp_abi, ...
    pub(super) fn read_abiflags(&mut self, data: &[u8]) {
        let (Some(&level), Some(&rev), Some(&fp_abi)) = (data.get(2), data.get(3), data.get(7))
        else {
            return;
        };
        let isa = match (level, rev) {
            (1, _) => Some(Isa::Mips1),
            (2, _) => Some(Isa::Mips2),
            (3, _) => Some(Isa::Mips3),
            (4, _) => Some(Isa::Mips4),
            (5, _) => Some(Isa::Mips5),
            (32, 1) => Some(Isa::Mips32),
            (32, 2..=5) => Some(Isa::Mips32r2),
            (32, 6) => Some(Isa::Mips32r6),
            (64, 1) => Some(Isa::Mips64),
            (64, 2..=5) => Some(Isa::Mips64r2),
            (64, 6) => Some(Isa::Mips64r6),
            _ => None,
        };
        if isa.is_some() {
            self.isa = isa;
        }
        self.fp_abi = Some(fp_abi);
    }

    /// The float ABI `fp_abi` declares; `None` for "any" or undeclared.
    pub fn float_abi(&self) -> Option<FloatAbi> {
        match self.fp_abi? {
            0 => None,
            3 => Some(FloatAbi::Soft),
            _ => Some(FloatAbi::Hard),
        }
    }

    /// Whether the binary needs 64-bit FPU registers (FR=1): fp64/fp64a.
    pub fn fp64(&self) -> bool {
        matches!(self.fp_abi, Some(6 | 7))
    }
}
