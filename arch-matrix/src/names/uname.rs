//! `uname -m` machine names.
//!
//! `uname -m` names the CPU, not the user space: `armv7l` is taken as
//! hard-float ARMv7-A (what nearly every armv7l system runs), `mips` as
//! big-endian (Linux prints `mips` for both byte orders).

use crate::isa::Isa;
use crate::model::{Arch, Endian, Family};

/// Machine name and the canonical tune it means.
pub(crate) const NAMES: &[(&str, &str)] = &[
    ("x86_64", "x86_64"),
    ("i386", "i686"),
    ("i486", "i486"),
    ("i586", "i586"),
    ("i686", "i686"),
    ("armv4l", "armv4"),
    ("armv4tl", "armv4t"),
    ("armv5l", "armv5t"),
    ("armv5tel", "armv5te"),
    ("armv5tejl", "armv5te"),
    ("armv6l", "armv6hf"),
    ("armv7l", "armv7ahf"),
    ("armv8l", "armv8ahf-neon"),
    ("armv5teb", "armv5teb"),
    ("armv6b", "armv6hfb"),
    ("armv7b", "armv7ahfb"),
    ("aarch64", "aarch64"),
    ("aarch64_be", "aarch64_be"),
    ("ppc", "powerpc"),
    ("ppc64", "powerpc64"),
    ("ppc64le", "ppc64p8le"),
    ("mips", "mips"),
    ("mips64", "mips64"),
    ("s390x", "s390x"),
    ("riscv32", "riscv32"),
    ("riscv64", "riscv64"),
    ("loongarch64", "loongarch64"),
    ("sh3", "sh3"),
    ("sh4", "sh4"),
    ("sh4a", "sh4a"),
];

/// What `uname -m` prints on a kernel (or under qemu-user) running `arch`.
pub(crate) fn uname_machine(arch: &Arch) -> &'static str {
    let be = arch.endian == Endian::Big;
    match arch.family {
        Family::Arm => match (arch.isa, be) {
            (Isa::Armv4, false) => "armv4l",
            (Isa::Armv4, true) => "armv4b",
            (Isa::Armv4t, false) => "armv4tl",
            (Isa::Armv4t, true) => "armv4tb",
            (Isa::Armv5 | Isa::Armv5t | Isa::Armv5e | Isa::Armv5te, false) => "armv5tel",
            (Isa::Armv5 | Isa::Armv5t | Isa::Armv5e | Isa::Armv5te, true) => "armv5teb",
            (Isa::Armv6 | Isa::Armv6m, false) => "armv6l",
            (Isa::Armv6 | Isa::Armv6m, true) => "armv6b",
            (Isa::Armv8a, false) => "armv8l",
            (Isa::Armv8a, true) => "armv8b",
            (_, false) => "armv7l",
            (_, true) => "armv7b",
        },
        Family::Aarch64 if be => "aarch64_be",
        Family::Aarch64 => "aarch64",
        Family::X86 => "i686",
        Family::X86_64 => "x86_64",
        Family::Mips => "mips",
        Family::Mips64 => "mips64",
        Family::PowerPc => "ppc",
        Family::PowerPc64 if be => "ppc64",
        Family::PowerPc64 => "ppc64le",
        Family::S390x => "s390x",
        Family::RiscV32 => "riscv32",
        Family::RiscV64 => "riscv64",
        Family::LoongArch64 => "loongarch64",
        Family::Sh => match (arch.isa, be) {
            (Isa::Sh3, false) => "sh3",
            (Isa::Sh3, true) => "sh3eb",
            (Isa::Sh4a, false) => "sh4a",
            (Isa::Sh4a, true) => "sh4aeb",
            (_, false) => "sh4",
            (_, true) => "sh4eb",
        },
    }
}
