//! ARM: EABI version and float ABI from `e_flags`, and the build
//! attributes of `.ARM.attributes` (ARM IHI 0045, "Addenda to the ABI").

use object::read::elf::{AttributesSection, FileHeader};

use super::attrs::{self, Value};
use super::ElfError;
use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::FloatAbi;

const EF_ARM_EABIMASK: u32 = 0xff00_0000;
const EF_ARM_ABI_FLOAT_SOFT: u32 = 0x200;
const EF_ARM_ABI_FLOAT_HARD: u32 = 0x400;

/// What an ARM binary declares about the machine it needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArmInfo {
    /// EABI version from `e_flags` (5 on Linux; 0 for the old ABI).
    pub eabi_version: u8,
    /// Float ABI bit of `e_flags` (EABI5 only).
    pub flags_float_abi: Option<FloatAbi>,
    /// `Tag_CPU_name`.
    pub cpu_name: Option<String>,
    /// `Tag_CPU_arch` (4 = v5TE, 10 = v7, 14 = v8, ...).
    pub cpu_arch: Option<u8>,
    /// `Tag_CPU_arch_profile` (`b'A'`, `b'R'`, `b'M'`, `b'S'`).
    pub cpu_arch_profile: Option<u8>,
    /// `Tag_THUMB_ISA_use` (1 Thumb-1, 2 Thumb-2).
    pub thumb_isa_use: Option<u8>,
    /// `Tag_FP_arch` (2 VFPv2, 3 VFPv3, 4 VFPv3-D16, 5 VFPv4, ...).
    pub fp_arch: Option<u8>,
    /// `Tag_Advanced_SIMD_arch` (1 NEON, 2 NEON with FMA, ...).
    pub simd_arch: Option<u8>,
    /// `Tag_ABI_VFP_args` (0 base/soft, 1 VFP registers, 3 no floats).
    pub vfp_args: Option<u8>,
    /// Whether the binary has `aeabi` build attributes (absent tags then
    /// mean 0).
    pub has_attributes: bool,
}

const TAG_CPU_RAW_NAME: u64 = 4;
const TAG_CPU_NAME: u64 = 5;
const TAG_CPU_ARCH: u64 = 6;
const TAG_CPU_ARCH_PROFILE: u64 = 7;
const TAG_THUMB_ISA_USE: u64 = 9;
const TAG_FP_ARCH: u64 = 10;
const TAG_ADVANCED_SIMD_ARCH: u64 = 12;
const TAG_ABI_VFP_ARGS: u64 = 28;

impl ArmInfo {
    /// Reads `e_flags`.
    pub(super) fn from_flags(flags: u32) -> ArmInfo {
        let eabi_version = attrs::byte(u64::from((flags & EF_ARM_EABIMASK) >> 24));
        let flags_float_abi = if eabi_version < 5 {
            None
        } else if flags & EF_ARM_ABI_FLOAT_HARD != 0 {
            Some(FloatAbi::Hard)
        } else if flags & EF_ARM_ABI_FLOAT_SOFT != 0 {
            Some(FloatAbi::Soft)
        } else {
            None
        };
        ArmInfo {
            eabi_version,
            flags_float_abi,
            ..ArmInfo::default()
        }
    }

    /// Reads the `aeabi` attributes.
    pub(super) fn read_attributes<H: FileHeader>(
        &mut self,
        section: &AttributesSection<'_, H>,
    ) -> Result<(), ElfError> {
        self.has_attributes = true;
        let is_string =
            |tag| matches!(tag, TAG_CPU_RAW_NAME | TAG_CPU_NAME) || (tag > 32 && tag % 2 == 1);
        attrs::for_each(section, b"aeabi", is_string, |tag, value| {
            match (tag, value) {
                (TAG_CPU_NAME, Value::Str(s)) => {
                    self.cpu_name = Some(String::from_utf8_lossy(s).into_owned());
                }
                (TAG_CPU_ARCH, Value::Int(v)) => self.cpu_arch = Some(attrs::byte(v)),
                (TAG_CPU_ARCH_PROFILE, Value::Int(v)) => {
                    self.cpu_arch_profile = Some(attrs::byte(v))
                }
                (TAG_THUMB_ISA_USE, Value::Int(v)) => self.thumb_isa_use = Some(attrs::byte(v)),
                (TAG_FP_ARCH, Value::Int(v)) => self.fp_arch = Some(attrs::byte(v)),
                (TAG_ADVANCED_SIMD_ARCH, Value::Int(v)) => self.simd_arch = Some(attrs::byte(v)),
                (TAG_ABI_VFP_ARGS, Value::Int(v)) => self.vfp_args = Some(attrs::byte(v)),
                _ => {}
            }
        })
    }

    /// The float ABI: `Tag_ABI_VFP_args` first, else `e_flags`, else the
    /// attributes' default (base, soft); soft code that uses the FPU is
    /// softfp. `None` when undeclared or when the binary passes no floats
    /// (`Tag_ABI_VFP_args` = 3).
    pub fn float_abi(&self) -> Option<FloatAbi> {
        let declared = match self.vfp_args {
            Some(1) => Some(FloatAbi::Hard),
            Some(0) => Some(FloatAbi::Soft),
            Some(_) => None,
            None if self.flags_float_abi.is_some() => self.flags_float_abi,
            None if self.has_attributes => Some(FloatAbi::Soft),
            None => None,
        }?;
        Some(match declared {
            FloatAbi::Soft if self.fpu().is_some() => FloatAbi::SoftFp,
            other => other,
        })
    }

    /// The ISA `Tag_CPU_arch` names (ARMv6 variants as `armv6`).
    pub fn isa(&self) -> Option<Isa> {
        let profile = self.cpu_arch_profile.unwrap_or(b'A');
        Some(match self.cpu_arch? {
            1 => Isa::Armv4,
            2 => Isa::Armv4t,
            3 => Isa::Armv5t,
            4 | 5 => Isa::Armv5te,
            6..=9 => Isa::Armv6,
            10 if profile == b'M' => Isa::Armv7m,
            10 if profile == b'R' => Isa::Armv7r,
            10 => Isa::Armv7a,
            11 | 12 => Isa::Armv6m,
            13 | 16 | 17 | 21 => Isa::Armv7m,
            14 | 15 | 18..=20 | 22.. => Isa::Armv8a,
            _ => return None,
        })
    }

    /// `Tag_CPU_arch` as readelf spells it (`v5TE`, `v7`, `v6KZ`).
    pub fn cpu_arch_name(&self) -> Option<&'static str> {
        const NAMES: [&str; 23] = [
            "pre-v4",
            "v4",
            "v4T",
            "v5T",
            "v5TE",
            "v5TEJ",
            "v6",
            "v6KZ",
            "v6T2",
            "v6K",
            "v7",
            "v6-M",
            "v6S-M",
            "v7E-M",
            "v8",
            "v8-R",
            "v8-M.base",
            "v8-M.main",
            "v8.1-A",
            "v8.2-A",
            "v8.3-A",
            "v8.1-M.main",
            "v9",
        ];
        NAMES.get(usize::from(self.cpu_arch?)).copied()
    }

    /// The FPU level `Tag_FP_arch` needs, as a feature.
    pub fn fpu(&self) -> Option<Feature> {
        Some(match self.fp_arch? {
            0 => return None,
            1 | 2 => Feature::Vfp,
            3 => Feature::Vfpv3,
            4 => Feature::Vfpv3d16,
            5 | 6 => Feature::Vfpv4,
            _ => Feature::FpArmv8,
        })
    }

    /// Whether `Tag_FP_arch` needs 32 double registers.
    pub fn fpu_d32(&self) -> bool {
        matches!(self.fp_arch, Some(3 | 5 | 7))
    }

    /// Whether `Tag_Advanced_SIMD_arch` declares NEON.
    pub fn neon(&self) -> bool {
        self.simd_arch.is_some_and(|v| v > 0)
    }
}
