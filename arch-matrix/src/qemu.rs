//! QEMU user-mode data for the emulate backend: which `qemu-<arch>` runs a
//! target, with which CPU model, and the binfmt_misc magic that selects it.
//!
//! CPU models are chosen so that code built for a newer CPU than the tune
//! fails as on the real board: no NEON where the tune has none (ARMv7
//! without NEON gets `cortex-r5f`, whose user-mode ISA is ARMv7 with
//! VFPv3-D16), `arm1176` for ARMv6, `arm926` for ARMv5TE. Names are those of
//! QEMU 7.2 (Debian 12's `qemu-user-static`).

use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{em, Abi, Arch, Endian, Family, FloatAbi};

impl Arch {
    /// The QEMU user-mode emulator for this arch (`qemu-arm`,
    /// `qemu-mipsn32el`), or `None` where QEMU has none (x32).
    pub fn qemu_user_binary(&self) -> Option<&'static str> {
        let le = self.endian == Endian::Little;
        let name = match self.family {
            Family::Arm if le => "qemu-arm",
            Family::Arm => "qemu-armeb",
            Family::Aarch64 if le => "qemu-aarch64",
            Family::Aarch64 => "qemu-aarch64_be",
            Family::X86 => "qemu-i386",
            Family::X86_64 if self.abi == Abi::X32 => return None,
            Family::X86_64 => "qemu-x86_64",
            Family::Mips if le => "qemu-mipsel",
            Family::Mips => "qemu-mips",
            Family::Mips64 => match (self.abi, le) {
                (Abi::N32, true) => "qemu-mipsn32el",
                (Abi::N32, false) => "qemu-mipsn32",
                (_, true) => "qemu-mips64el",
                (_, false) => "qemu-mips64",
            },
            Family::PowerPc if le => return None,
            Family::PowerPc => "qemu-ppc",
            Family::PowerPc64 if le => "qemu-ppc64le",
            Family::PowerPc64 => "qemu-ppc64",
            Family::S390x => "qemu-s390x",
            Family::RiscV32 => "qemu-riscv32",
            Family::RiscV64 => "qemu-riscv64",
            Family::LoongArch64 => "qemu-loongarch64",
            Family::Sh if le => "qemu-sh4",
            Family::Sh => "qemu-sh4eb",
        };
        Some(name)
    }

    /// The QEMU CPU model (`QEMU_CPU`) closest to the tune without
    /// exceeding it where QEMU allows; `None` leaves QEMU's default.
    pub fn qemu_cpu(&self) -> Option<&'static str> {
        match self.family {
            Family::Arm => arm_cpu(self),
            Family::Aarch64 => match self.isa {
                Isa::Aarch64 { major: 8, minor: 0 } => Some("cortex-a53"),
                Isa::Aarch64 {
                    major: 8,
                    minor: 1..=2,
                } => Some("cortex-a55"),
                Isa::Aarch64 {
                    major: 8,
                    minor: 3..=4,
                } => Some("neoverse-v1"),
                Isa::Aarch64 { major: 9, minor: 0 } => Some("cortex-a710"),
                _ => Some("max"),
            },
            Family::X86 => Some(match (self.cpu, self.isa) {
                (Some("core2"), _) => "core2duo",
                (Some("corei7"), _) => "Nehalem",
                (_, Isa::I486) => "486",
                (_, Isa::I586) => "pentium",
                _ => "coreduo",
            }),
            Family::X86_64 => Some(match (self.cpu, self.isa) {
                (Some("core2"), _) => "core2duo",
                (_, Isa::X86_64V2) => "Nehalem",
                (_, Isa::X86_64V3) => "Haswell-noTSX",
                (_, Isa::X86_64V4) => "Skylake-Server",
                _ => "qemu64",
            }),
            // QEMU has no 74Kc (the 74K without an FPU): a `74kc` tune
            // gets the 74Kf, whose FPU code that does not ask leaves alone.
            Family::Mips => Some(match (self.cpu, self.isa, self.float_abi) {
                (Some("24kc"), _, _) => "24Kc",
                (Some("24kec"), _, _) => "24KEc",
                (Some("74kc"), _, _) => "74Kf",
                (_, Isa::Mips32r6, _) => "mips32r6-generic",
                (_, Isa::Mips32r2, FloatAbi::Soft) => "24Kc",
                (_, _, FloatAbi::Soft) => "4Kc",
                _ => "24Kf",
            }),
            Family::Mips64 => Some(match (self.isa, self.float_abi) {
                (Isa::Mips64r6, _) => "I6400",
                (Isa::Mips64r2, FloatAbi::Soft) => "5KEc",
                (Isa::Mips64r2, _) => "MIPS64R2-generic",
                (_, FloatAbi::Soft) => "5Kc",
                _ => "5Kf",
            }),
            // qemu-ppc has no 64-bit cores: e500mc stands in for the
            // e5500/e6500 in 32-bit mode; POWER in 32-bit mode has none.
            Family::PowerPc => match self.isa {
                Isa::E5500 | Isa::E6500 => Some("e500mc"),
                Isa::Power5 | Isa::Power6 | Isa::Power7 | Isa::Power8 | Isa::Power9 => None,
                isa => ppc_cpu(isa),
            },
            Family::PowerPc64 => ppc_cpu(self.isa),
            Family::LoongArch64 => Some("la464"),
            Family::Sh => Some(match self.isa {
                Isa::Sh4a => "sh7785",
                _ => "sh7750r",
            }),
            Family::S390x | Family::RiscV32 | Family::RiscV64 => None,
        }
    }

    /// binfmt_misc `(magic, mask)` matching this arch's ELF executables
    /// and shared objects (`e_type` 2 or 3): class, byte order, version and
    /// machine; the OS/ABI byte is ignored. MIPS o32 and n32 share a
    /// machine and class, so their masks also cover the `EF_MIPS_ABI2`
    /// bit of `e_flags`, as QEMU's `qemu-binfmt-conf.sh` does.
    pub fn binfmt_magic_mask(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        let class = if self.elf_class64() { 2 } else { 1 };
        let data = if self.endian == Endian::Little { 1 } else { 2 };
        let mut magic = vec![0x7f, b'E', b'L', b'F', class, data, 1, 0];
        let mut mask = vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
        magic.extend([0; 8]);
        mask.extend([0xff; 8]);
        let machine = self.family.elf_machine();
        let (e_type, e_machine) = match self.endian {
            Endian::Little => ([2, 0], machine.to_le_bytes()),
            Endian::Big => ([0, 2], machine.to_be_bytes()),
        };
        magic.extend(e_type);
        magic.extend(e_machine);
        mask.extend(match self.endian {
            Endian::Little => [0xfe, 0xff],
            Endian::Big => [0xff, 0xfe],
        });
        mask.extend([0xff, 0xff]);
        if machine == em::MIPS && class == 1 {
            // e_version, e_entry, e_phoff, e_shoff: any; then e_flags.
            magic.extend([0; 16]);
            mask.extend([0; 16]);
            let abi2: u32 = if self.abi == Abi::N32 {
                EF_MIPS_ABI2
            } else {
                0
            };
            let (flag, flag_mask) = match self.endian {
                Endian::Little => (abi2.to_le_bytes(), EF_MIPS_ABI2.to_le_bytes()),
                Endian::Big => (abi2.to_be_bytes(), EF_MIPS_ABI2.to_be_bytes()),
            };
            magic.extend(flag);
            mask.extend(flag_mask);
        }
        Some((magic, mask))
    }

    /// Whether binaries for this arch are ELFCLASS64.
    pub(crate) fn elf_class64(&self) -> bool {
        self.bits() == 64
    }
}

const EF_MIPS_ABI2: u32 = 0x20;

fn arm_cpu(arch: &Arch) -> Option<&'static str> {
    let by_cpu = match arch.cpu {
        Some("cortexa7") => Some("cortex-a7"),
        Some("cortexa8") => Some("cortex-a8"),
        Some("cortexa9") => Some("cortex-a9"),
        Some("cortexa15") => Some("cortex-a15"),
        Some("cortexm1") => Some("cortex-m0"),
        Some("cortexm3") => Some("cortex-m3"),
        Some("cortexr4") => Some("cortex-r5"),
        Some("arm1136jfs") => Some("arm1136"),
        Some("xscale") => Some("pxa255"),
        Some("iwmmxt") => Some("pxa270"),
        Some("strongarm") => Some("sa1100"),
        Some("arm920t" | "arm9tdmi" | "ep9312") => Some("ti925t"),
        _ => None,
    };
    if by_cpu.is_some() {
        return by_cpu;
    }
    let neon = arch.has(Feature::Neon);
    let fpu = arch.features.arm_fpu();
    Some(match arch.isa {
        Isa::Armv4 => "sa1100",
        Isa::Armv4t => "ti925t",
        Isa::Armv5 | Isa::Armv5t | Isa::Armv5e | Isa::Armv5te => "arm926",
        Isa::Armv6 => "arm1176",
        Isa::Armv6m => "cortex-m0",
        Isa::Armv7m => "cortex-m3",
        Isa::Armv7a | Isa::Armv7r if neon && fpu == Some(Feature::Vfpv4) => "cortex-a15",
        Isa::Armv7a | Isa::Armv7r if neon => "cortex-a8",
        Isa::Armv7a | Isa::Armv7r if fpu.is_some() => "cortex-r5f",
        Isa::Armv7a | Isa::Armv7r => "cortex-r5",
        _ => "max",
    })
}

fn ppc_cpu(isa: Isa) -> Option<&'static str> {
    Some(match isa {
        Isa::Powerpc => "750",
        Isa::Ppc603e => "603e",
        Isa::Ppc7400 => "7400",
        Isa::E300c2 => "e300c2",
        Isa::E300c3 => "e300c3",
        Isa::E500 => "e500v1",
        Isa::E500v2 => "e500v2",
        Isa::E500mc => "e500mc",
        Isa::E5500 => "e5500",
        Isa::E6500 => "e6500",
        Isa::Powerpc64 => "970",
        Isa::Power5 => "power5+",
        Isa::Power6 | Isa::Power7 => "power7",
        Isa::Power8 => "power8",
        Isa::Power9 => "power9",
        Isa::Power10 => "power10",
        _ => return None,
    })
}
