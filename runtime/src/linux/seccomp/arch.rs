//! The system call ABIs a filter can tell apart, as data: the kernel's
//! `AUDIT_ARCH_*` number in `seccomp_data.arch`, the runtime-spec name, the
//! byte order of `seccomp_data.args` and their width, and the table.

use super::tables;

/// `__AUDIT_ARCH_64BIT`, `__AUDIT_ARCH_LE` and the MIPS n32 convention bit.
const B64: u32 = 0x8000_0000;
const LE: u32 = 0x4000_0000;
const N32: u32 = 0x2000_0000;

/// x32 system calls arrive as `AUDIT_ARCH_X86_64` with this bit in `nr`.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// One system call ABI. x86_64 and x32 share an audit number; the filter
/// separates them by [`X32_SYSCALL_BIT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AuditArch {
    X86_64,
    X32,
    X86,
    Aarch64,
    /// ARM EABI, little-endian.
    Arm,
    Ppc,
    Ppc64,
    Ppc64le,
    /// o32, big- and little-endian.
    Mips,
    Mipsel,
    /// n64.
    Mips64,
    Mipsel64,
    Mips64n32,
    Mipsel64n32,
    /// 31-bit s390.
    S390,
    S390x,
    Riscv64,
}

struct Info {
    scmp: &'static str,
    audit: u32,
    little: bool,
    /// Arguments are 64 bits wide (else only the low half is compared).
    wide: bool,
    table: &'static [(&'static str, u32)],
}

/// `SCMP_ARCH_*` names valid in runtime-spec that no table here covers;
/// they are accepted and left out of the filter (their calls are then
/// refused as a foreign architecture's).
pub const UNSUPPORTED_NAMES: &[&str] = &[
    "SCMP_ARCH_PARISC",
    "SCMP_ARCH_PARISC64",
    "SCMP_ARCH_LOONGARCH64",
    "SCMP_ARCH_M68K",
    "SCMP_ARCH_SH",
    "SCMP_ARCH_SHEB",
    "SCMP_ARCH_RISCV32",
];

/// Calls that `socketcall(2)` multiplexes, by sub-call (linux/net.h).
const SOCKETCALLS: [(&str, u32); 20] = [
    ("socket", 1),
    ("bind", 2),
    ("connect", 3),
    ("listen", 4),
    ("accept", 5),
    ("getsockname", 6),
    ("getpeername", 7),
    ("socketpair", 8),
    ("send", 9),
    ("recv", 10),
    ("sendto", 11),
    ("recvfrom", 12),
    ("shutdown", 13),
    ("setsockopt", 14),
    ("getsockopt", 15),
    ("sendmsg", 16),
    ("recvmsg", 17),
    ("accept4", 18),
    ("recvmmsg", 19),
    ("sendmmsg", 20),
];

/// Calls that `ipc(2)` multiplexes, by sub-call (linux/ipc.h).
const IPC_CALLS: [(&str, u32); 12] = [
    ("semop", 1),
    ("semget", 2),
    ("semctl", 3),
    ("semtimedop", 4),
    ("msgsnd", 11),
    ("msgrcv", 12),
    ("msgget", 13),
    ("msgctl", 14),
    ("shmat", 21),
    ("shmdt", 22),
    ("shmget", 23),
    ("shmctl", 24),
];

/// A call reached through a multiplexer: `socketcall(2)` or `ipc(2)`
/// numbered `nr`, with the sub-call in argument 0, of which the kernel
/// reads the bits of `mask` (`ipc` keeps a version above them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multiplexed {
    pub nr: u32,
    pub call: u32,
    pub mask: u32,
}

impl AuditArch {
    pub const ALL: [AuditArch; 17] = [
        AuditArch::X86_64,
        AuditArch::X32,
        AuditArch::X86,
        AuditArch::Aarch64,
        AuditArch::Arm,
        AuditArch::Ppc,
        AuditArch::Ppc64,
        AuditArch::Ppc64le,
        AuditArch::Mips,
        AuditArch::Mipsel,
        AuditArch::Mips64,
        AuditArch::Mipsel64,
        AuditArch::Mips64n32,
        AuditArch::Mipsel64n32,
        AuditArch::S390,
        AuditArch::S390x,
        AuditArch::Riscv64,
    ];

    fn info(self) -> Info {
        use tables::*;
        let i = |scmp, audit, little, wide, table| Info {
            scmp,
            audit,
            little,
            wide,
            table,
        };
        // Audit numbers: ELF machine | 64-bit | little-endian (linux/audit.h).
        match self {
            Self::X86_64 => i("SCMP_ARCH_X86_64", 62 | B64 | LE, true, true, X86_64),
            Self::X32 => i("SCMP_ARCH_X32", 62 | B64 | LE, true, true, X32),
            Self::X86 => i("SCMP_ARCH_X86", 3 | LE, true, false, I386),
            Self::Aarch64 => i("SCMP_ARCH_AARCH64", 183 | B64 | LE, true, true, AARCH64),
            Self::Arm => i("SCMP_ARCH_ARM", 40 | LE, true, false, ARM),
            Self::Ppc => i("SCMP_ARCH_PPC", 20, false, false, PPC),
            Self::Ppc64 => i("SCMP_ARCH_PPC64", 21 | B64, false, true, PPC64),
            Self::Ppc64le => i("SCMP_ARCH_PPC64LE", 21 | B64 | LE, true, true, PPC64),
            Self::Mips => i("SCMP_ARCH_MIPS", 8, false, false, MIPS_O32),
            Self::Mipsel => i("SCMP_ARCH_MIPSEL", 8 | LE, true, false, MIPS_O32),
            Self::Mips64 => i("SCMP_ARCH_MIPS64", 8 | B64, false, true, MIPS_N64),
            Self::Mipsel64 => i("SCMP_ARCH_MIPSEL64", 8 | B64 | LE, true, true, MIPS_N64),
            Self::Mips64n32 => i("SCMP_ARCH_MIPS64N32", 8 | B64 | N32, false, true, MIPS_N32),
            Self::Mipsel64n32 => i(
                "SCMP_ARCH_MIPSEL64N32",
                8 | B64 | LE | N32,
                true,
                true,
                MIPS_N32,
            ),
            Self::S390 => i("SCMP_ARCH_S390", 22, false, false, S390),
            Self::S390x => i("SCMP_ARCH_S390X", 22 | B64, false, true, S390X),
            Self::Riscv64 => i("SCMP_ARCH_RISCV64", 243 | B64 | LE, true, true, RISCV64),
        }
    }

    /// The architecture from its runtime-spec name (`SCMP_ARCH_ARM`).
    pub fn from_scmp_name(name: &str) -> Option<AuditArch> {
        Self::ALL.into_iter().find(|a| a.scmp_name() == name)
    }

    pub fn scmp_name(self) -> &'static str {
        self.info().scmp
    }

    /// The `AUDIT_ARCH_*` value the kernel puts in `seccomp_data.arch`.
    pub fn audit(self) -> u32 {
        self.info().audit
    }

    /// Byte order of the 64-bit `seccomp_data.args` words.
    pub fn is_little_endian(self) -> bool {
        self.info().little
    }

    /// Whether arguments carry 64 bits; 32-bit ABIs compare the low half.
    pub fn has_wide_args(self) -> bool {
        self.info().wide
    }

    /// The system call number of `name` in this ABI, if it has that call.
    pub fn syscall(self, name: &str) -> Option<u32> {
        let table = self.info().table;
        table
            .binary_search_by(|(n, _)| (*n).cmp(name))
            .ok()
            .and_then(|i| table.get(i))
            .map(|(_, nr)| *nr)
    }

    /// How `name` is also made through a multiplexer on this ABI: the
    /// ABIs whose table has `socketcall` or `ipc` (i386, ppc, ppc64, s390,
    /// s390x, MIPS o32: libseccomp's list) take socket and System V IPC
    /// calls either way, and C libraries may use either.
    pub fn multiplexed(self, name: &str) -> Option<Multiplexed> {
        let find = |calls: &[(&str, u32)]| calls.iter().find(|(n, _)| *n == name).map(|c| c.1);
        let (mux, call, mask) = match (find(&SOCKETCALLS), find(&IPC_CALLS)) {
            (Some(call), _) => ("socketcall", call, u32::MAX),
            (None, Some(call)) => ("ipc", call, 0xffff),
            (None, None) => return None,
        };
        Some(Multiplexed {
            nr: self.syscall(mux)?,
            call,
            mask,
        })
    }

    #[cfg(test)]
    pub(super) fn table(self) -> &'static [(&'static str, u32)] {
        self.info().table
    }

    /// The ABI ocix itself was built for: the one its kernel runs it as.
    /// Emulated containers make their calls through a qemu-user of this
    /// ABI, so the filter's native block is right for them too.
    pub const fn native() -> Option<AuditArch> {
        let little = cfg!(target_endian = "little");
        let p64 = cfg!(target_pointer_width = "64");
        if cfg!(target_arch = "x86_64") {
            Some(if p64 { Self::X86_64 } else { Self::X32 })
        } else if cfg!(target_arch = "x86") {
            Some(Self::X86)
        } else if cfg!(target_arch = "aarch64") && little {
            Some(Self::Aarch64)
        } else if cfg!(target_arch = "arm") && little {
            Some(Self::Arm)
        } else if cfg!(target_arch = "powerpc") {
            Some(Self::Ppc)
        } else if cfg!(target_arch = "powerpc64") {
            Some(if little { Self::Ppc64le } else { Self::Ppc64 })
        } else if cfg!(any(target_arch = "mips", target_arch = "mips32r6")) {
            Some(if little { Self::Mipsel } else { Self::Mips })
        } else if cfg!(any(target_arch = "mips64", target_arch = "mips64r6")) {
            Some(match (p64, little) {
                (true, true) => Self::Mipsel64,
                (true, false) => Self::Mips64,
                (false, true) => Self::Mipsel64n32,
                (false, false) => Self::Mips64n32,
            })
        } else if cfg!(target_arch = "s390x") {
            Some(Self::S390x)
        } else if cfg!(target_arch = "riscv64") {
            Some(Self::Riscv64)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_audit_numbers_match_the_kernel() {
        for a in AuditArch::ALL {
            assert_eq!(AuditArch::from_scmp_name(a.scmp_name()), Some(a));
        }
        // Values from linux/audit.h.
        assert_eq!(AuditArch::X86_64.audit(), 0xc000_003e);
        assert_eq!(AuditArch::X86.audit(), 0x4000_0003);
        assert_eq!(AuditArch::Aarch64.audit(), 0xc000_00b7);
        assert_eq!(AuditArch::Arm.audit(), 0x4000_0028);
        assert_eq!(AuditArch::Ppc64.audit(), 0x8000_0015);
        assert_eq!(AuditArch::Ppc64le.audit(), 0xc000_0015);
        assert_eq!(AuditArch::Mips64n32.audit(), 0xa000_0008);
        assert_eq!(AuditArch::Mipsel64n32.audit(), 0xe000_0008);
        assert_eq!(AuditArch::S390x.audit(), 0x8000_0016);
        assert_eq!(AuditArch::Riscv64.audit(), 0xc000_00f3);
    }

    #[test]
    fn tables_hold_the_kernels_numbers() {
        let cases = [
            (AuditArch::X86_64, "mkdir", 83),
            (AuditArch::X32, "mkdir", X32_SYSCALL_BIT | 83),
            (AuditArch::X86, "mkdir", 39),
            (AuditArch::Aarch64, "mkdirat", 34),
            (AuditArch::Arm, "set_tls", 0x0f0005),
            (AuditArch::Ppc64le, "mkdir", 39),
            (AuditArch::Mips, "mkdir", 4039),
            (AuditArch::Mipsel64, "mkdir", 5081),
            (AuditArch::Mips64n32, "mkdir", 6081),
            (AuditArch::S390x, "mkdir", 39),
            (AuditArch::Riscv64, "riscv_flush_icache", 259),
        ];
        for (arch, name, nr) in cases {
            assert_eq!(arch.syscall(name), Some(nr), "{arch:?} {name}");
        }
        assert_eq!(AuditArch::Aarch64.syscall("mkdir"), None);
        assert_eq!(AuditArch::X86_64.syscall("no_such_call"), None);
    }

    #[test]
    fn tables_are_sorted_by_name_for_binary_search() {
        for a in AuditArch::ALL {
            let t = a.table();
            assert!(t.len() > 250, "{a:?}: only {} calls", t.len());
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{a:?}: unsorted");
        }
    }

    #[test]
    fn native_is_known_on_the_build_host() {
        let n = AuditArch::native().expect("a supported host");
        assert_eq!(n.is_little_endian(), cfg!(target_endian = "little"));
    }
}
