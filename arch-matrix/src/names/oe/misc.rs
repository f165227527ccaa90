//! Families with few variants: AArch64, SuperH, RISC-V, LoongArch, s390x.
//!
//! `aarch64[_be][-vMAJOR.MINOR]` (`-v8.0` is the default), `sh3`, `sh4`,
//! `sh4a` with `eb` for big-endian, `riscv64`, `riscv32`, `loongarch64`
//! and `s390x`; `-nf` makes RISC-V and LoongArch soft-float.

use crate::isa::Isa;
use crate::model::{Arch, Endian, Family, FloatAbi};

/// Parses one of these tunes, or `None`.
pub(super) fn parse(name: &str) -> Option<Arch> {
    let (head, token) = name.split_once('-').unwrap_or((name, ""));
    if let Some(rest) = head.strip_prefix("aarch64") {
        let endian = match rest {
            "" => Endian::Little,
            "_be" => Endian::Big,
            _ => return None,
        };
        let isa = if token.is_empty() {
            Isa::Aarch64 { major: 8, minor: 0 }
        } else {
            aarch64_level(token)?
        };
        return Some(Arch::base(Family::Aarch64, isa, endian));
    }
    let arch = match head {
        "sh3" => Arch::base(Family::Sh, Isa::Sh3, Endian::Little).with_float(FloatAbi::Soft),
        "sh3eb" => Arch::base(Family::Sh, Isa::Sh3, Endian::Big).with_float(FloatAbi::Soft),
        "sh4" => Arch::base(Family::Sh, Isa::Sh4, Endian::Little),
        "sh4eb" => Arch::base(Family::Sh, Isa::Sh4, Endian::Big),
        "sh4a" => Arch::base(Family::Sh, Isa::Sh4a, Endian::Little),
        "sh4aeb" => Arch::base(Family::Sh, Isa::Sh4a, Endian::Big),
        "riscv64" => Arch::base(Family::RiscV64, Isa::Rv64gc, Endian::Little),
        "riscv32" => Arch::base(Family::RiscV32, Isa::Rv32gc, Endian::Little),
        "loongarch64" => Arch::base(Family::LoongArch64, Isa::La64, Endian::Little),
        "s390x" => Arch::base(Family::S390x, Isa::Z196, Endian::Big),
        _ => return None,
    };
    let soft_ok = matches!(
        arch.family,
        Family::RiscV64 | Family::RiscV32 | Family::LoongArch64
    );
    match token {
        "" => Some(arch),
        "nf" if soft_ok => Some(arch.with_float(FloatAbi::Soft)),
        _ => None,
    }
}

/// `v8.2` / `armv8.2a` / `armv8.2-a` / `v9` into an AArch64 ISA.
pub(crate) fn aarch64_level(s: &str) -> Option<Isa> {
    let s = s.strip_prefix("arm").unwrap_or(s);
    let s = s.strip_prefix('v')?;
    let s = s
        .strip_suffix("-a")
        .or_else(|| s.strip_suffix('a'))
        .unwrap_or(s);
    let (major, minor) = s.split_once('.').unwrap_or((s, "0"));
    let major: u8 = major.parse().ok()?;
    let minor: u8 = minor.parse().ok()?;
    let known = match major {
        8 => minor <= 9,
        9 => minor <= 5,
        _ => false,
    };
    known.then_some(Isa::Aarch64 { major, minor })
}

/// The canonical name of one of these arches (inverse of [`parse`]).
pub(super) fn format(arch: &Arch) -> String {
    let be = arch.endian == Endian::Big;
    let mut s = match arch.family {
        Family::Aarch64 => {
            let mut s = if be { "aarch64_be" } else { "aarch64" }.to_owned();
            if let Isa::Aarch64 { major, minor } = arch.isa {
                if (major, minor) != (8, 0) {
                    s.push_str(&format!("-v{major}.{minor}"));
                }
            }
            return s;
        }
        Family::Sh => format!("{}{}", arch.isa, if be { "eb" } else { "" }),
        other => other.name().to_owned(),
    };
    if arch.float_abi == FloatAbi::Soft && arch.family != Family::Sh {
        s.push_str("-nf");
    }
    s
}
