//! ISA levels and how they order within a family.

use std::fmt;

/// An instruction-set level: what a tune compiles for, or what a binary's
/// ELF header or build attributes say it needs.
///
/// Names follow GCC's `-march`/`-mcpu` spelling (`armv7-a`, `mips32r2`,
/// `power8`, `x86-64-v2`, `e500v2`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // each variant is its name
pub enum Isa {
    Armv4,
    Armv4t,
    Armv5,
    Armv5t,
    Armv5e,
    Armv5te,
    Armv6,
    Armv6m,
    Armv7a,
    Armv7r,
    Armv7m,
    Armv8a,
    /// AArch64 `armv{major}.{minor}-a`.
    Aarch64 {
        major: u8,
        minor: u8,
    },
    I486,
    I586,
    I686,
    X86_64,
    X86_64V2,
    X86_64V3,
    X86_64V4,
    Mips1,
    Mips2,
    Mips3,
    Mips4,
    Mips5,
    Mips32,
    Mips32r2,
    Mips32r6,
    Mips64,
    Mips64r2,
    Mips64r6,
    Powerpc,
    Ppc603e,
    Ppc7400,
    Ppc476,
    E300c2,
    E300c3,
    E500,
    E500v2,
    E500mc,
    E5500,
    E6500,
    Powerpc64,
    Power5,
    Power6,
    Power7,
    Power8,
    Power9,
    Power10,
    Z196,
    Rv32gc,
    Rv64gc,
    La64,
    Sh3,
    Sh4,
    Sh4a,
}

/// Where an ARM ISA sits: application/real-time or microcontroller profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArmProfile {
    /// A and R profiles (and everything before ARMv7).
    Classic,
    /// M profile: Thumb only.
    Micro,
}

impl Isa {
    /// GCC-style name.
    pub fn name(self) -> String {
        match self {
            Isa::Aarch64 { major, minor: 0 } => format!("armv{major}-a"),
            Isa::Aarch64 { major, minor } => format!("armv{major}.{minor}-a"),
            other => other.static_name().to_owned(),
        }
    }

    fn static_name(self) -> &'static str {
        match self {
            Isa::Armv4 => "armv4",
            Isa::Armv4t => "armv4t",
            Isa::Armv5 => "armv5",
            Isa::Armv5t => "armv5t",
            Isa::Armv5e => "armv5e",
            Isa::Armv5te => "armv5te",
            Isa::Armv6 => "armv6",
            Isa::Armv6m => "armv6-m",
            Isa::Armv7a => "armv7-a",
            Isa::Armv7r => "armv7-r",
            Isa::Armv7m => "armv7-m",
            Isa::Armv8a => "armv8-a",
            Isa::Aarch64 { .. } => "armv8-a",
            Isa::I486 => "i486",
            Isa::I586 => "i586",
            Isa::I686 => "i686",
            Isa::X86_64 => "x86-64",
            Isa::X86_64V2 => "x86-64-v2",
            Isa::X86_64V3 => "x86-64-v3",
            Isa::X86_64V4 => "x86-64-v4",
            Isa::Mips1 => "mips1",
            Isa::Mips2 => "mips2",
            Isa::Mips3 => "mips3",
            Isa::Mips4 => "mips4",
            Isa::Mips5 => "mips5",
            Isa::Mips32 => "mips32",
            Isa::Mips32r2 => "mips32r2",
            Isa::Mips32r6 => "mips32r6",
            Isa::Mips64 => "mips64",
            Isa::Mips64r2 => "mips64r2",
            Isa::Mips64r6 => "mips64r6",
            Isa::Powerpc => "powerpc",
            Isa::Ppc603e => "603e",
            Isa::Ppc7400 => "7400",
            Isa::Ppc476 => "476",
            Isa::E300c2 => "e300c2",
            Isa::E300c3 => "e300c3",
            Isa::E500 => "e500",
            Isa::E500v2 => "e500v2",
            Isa::E500mc => "e500mc",
            Isa::E5500 => "e5500",
            Isa::E6500 => "e6500",
            Isa::Powerpc64 => "powerpc64",
            Isa::Power5 => "power5",
            Isa::Power6 => "power6",
            Isa::Power7 => "power7",
            Isa::Power8 => "power8",
            Isa::Power9 => "power9",
            Isa::Power10 => "power10",
            Isa::Z196 => "z196",
            Isa::Rv32gc => "rv32gc",
            Isa::Rv64gc => "rv64gc",
            Isa::La64 => "la64",
            Isa::Sh3 => "sh3",
            Isa::Sh4 => "sh4",
            Isa::Sh4a => "sh4a",
        }
    }

    /// Position in the family's upward-compatible line: a CPU at level `n`
    /// runs code for every level `<= n` of the same line.
    ///
    /// ARMv6 variants share a level: v6K/v6KZ binaries (Alpine, Raspbian)
    /// are meant to run on every ARMv6 board still in use.
    pub(crate) fn level(self) -> u16 {
        match self {
            Isa::Armv4 => 10,
            Isa::Armv4t => 11,
            Isa::Armv5 => 20,
            Isa::Armv5t => 21,
            Isa::Armv5e => 22,
            Isa::Armv5te => 23,
            Isa::Armv6 => 30,
            Isa::Armv6m => 5,
            Isa::Armv7a | Isa::Armv7r => 40,
            Isa::Armv7m => 6,
            Isa::Armv8a => 50,
            Isa::Aarch64 { major, minor } => u16::from(major) * 100 + u16::from(minor),
            Isa::I486 => 2,
            Isa::I586 => 3,
            Isa::I686 => 4,
            Isa::X86_64 => 1,
            Isa::X86_64V2 => 2,
            Isa::X86_64V3 => 3,
            Isa::X86_64V4 => 4,
            Isa::Mips1 => 1,
            Isa::Mips2 => 2,
            Isa::Mips3 => 3,
            Isa::Mips4 => 4,
            Isa::Mips5 | Isa::Mips32 | Isa::Mips64 => 5,
            Isa::Mips32r2 | Isa::Mips64r2 => 6,
            Isa::Mips32r6 | Isa::Mips64r6 => 8,
            Isa::Powerpc64 => 1,
            Isa::Power5 => 5,
            Isa::Power6 => 6,
            Isa::Power7 => 7,
            Isa::Power8 => 8,
            Isa::Power9 => 9,
            Isa::Power10 => 10,
            // Embedded PowerPC cores are not a line; they only meet the
            // generic level.
            Isa::Powerpc => 1,
            Isa::Sh3 => 1,
            Isa::Sh4 => 2,
            Isa::Sh4a => 3,
            _ => 2,
        }
    }

    /// ARM profile, for ARM ISAs.
    pub(crate) fn arm_profile(self) -> Option<ArmProfile> {
        match self {
            Isa::Armv6m | Isa::Armv7m => Some(ArmProfile::Micro),
            Isa::Armv4
            | Isa::Armv4t
            | Isa::Armv5
            | Isa::Armv5t
            | Isa::Armv5e
            | Isa::Armv5te
            | Isa::Armv6
            | Isa::Armv7a
            | Isa::Armv7r
            | Isa::Armv8a => Some(ArmProfile::Classic),
            _ => None,
        }
    }

    /// Whether this is an ARM A/R-profile (or pre-ARMv7) ISA.
    pub(crate) fn arm_profile_classic(self) -> bool {
        self.arm_profile() == Some(ArmProfile::Classic)
    }

    /// MIPS: release 6 changed encodings, so it neither runs nor is run by
    /// earlier releases.
    pub(crate) fn is_mips_r6(self) -> bool {
        matches!(self, Isa::Mips32r6 | Isa::Mips64r6)
    }

    /// MIPS: needs a 64-bit CPU.
    pub(crate) fn is_mips64_isa(self) -> bool {
        matches!(
            self,
            Isa::Mips3 | Isa::Mips4 | Isa::Mips5 | Isa::Mips64 | Isa::Mips64r2 | Isa::Mips64r6
        )
    }

    /// Whether a CPU of level `self` runs code built for `needed`, both of
    /// one family.
    pub(crate) fn runs(self, needed: Isa) -> bool {
        if let (Some(have), Some(need)) = (self.arm_profile(), needed.arm_profile()) {
            // M-profile code is Thumb-2 subset code: A/R cores from v7 run it.
            return match (have, need) {
                (ArmProfile::Micro, ArmProfile::Classic) => false,
                (ArmProfile::Classic, ArmProfile::Micro) => self.level() >= Isa::Armv7a.level(),
                _ => self.level() >= needed.level(),
            };
        }
        if self.is_mips_r6() != needed.is_mips_r6() {
            return false;
        }
        if needed.is_mips64_isa() && !self.is_mips64_isa() {
            return false;
        }
        self.level() >= needed.level()
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}
