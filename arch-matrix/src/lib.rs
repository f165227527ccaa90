//! Architectures as data for ocix: a model of target machines, parsers for
//! every spelling of them, ELF inspection, and compatibility rules.
//!
//! Pure logic: nothing here spawns processes or probes the host.
//!
//! # The model
//!
//! An [`Arch`] is a [`Family`] (one ELF machine at one register width), a
//! byte order, an [`Abi`], a [`FloatAbi`], an [`Isa`] level, a set of
//! [`Feature`]s and, for CPU-specific tunes, a CPU.
//!
//! # Canonical names
//!
//! [`Arch`]'s `Display` (and serde form) is its canonical name. It follows
//! OpenEmbedded's tune names, so every OE tune in `data/oe-tunes.txt` is
//! its own canonical name except where noted, and extends them so that
//! every arch has exactly one spelling:
//!
//! - ARM: `BASE[t][e][hf][b][-TOKEN...]`. BASE is a CPU (`cortexa9`,
//!   `arm926ejs`) or an ISA (`armv4`, `armv5`, `armv6`, `armv7a`, `armv8a`).
//!   `t` Thumb, `e` ARMv5 DSP, `hf` hard-float, `b` big-endian. Tokens name
//!   the FPU where it differs from the base's default (none up to ARMv5,
//!   VFPv2 on ARMv6, VFPv3-D16 on ARMv7): `vfp`, `novfp`, `vfpv3d16`,
//!   `vfpv3`, `vfpv4`, `fparmv8`, and `neon`. Without `hf`, a tune with an
//!   FPU is softfp. Examples: `armv5te`, `armv7ahf-neon`, `armv7a-novfp`,
//!   `cortexa7thf-neon-vfpv4`, `xscale-be`.
//! - MIPS: `mips[64][el][-nf][-n32]`, where `mips`/`mips64` are release 2
//!   (Debian's baseline, so OE's `mips32r2el` is canonically `mipsel`);
//!   `mips32` and `mips64r1` are release 1, `mipsisa32r6`/`mipsisa64r6`
//!   release 6.
//! - PowerPC: `powerpc`, `powerpc64` (big-endian ELFv1), `ppcCPU`,
//!   `ppc64CPU[le]` with CPU a core (`e500v2`, `e6500`) or `pN` for POWER N;
//!   `-nf` soft-float, `-elfv2` on big-endian. Little-endian 64-bit is at
//!   least POWER8: `ppc64p8le`.
//! - x86: `i486`..`i686` (OE's `x86` and Debian's `i386` are `i686`), `c3`, `core2-32`,
//!   `corei7-32`, `i586-nlp-32`; `x86_64[-v2|-v3|-v4]` (OE's `x86-64`),
//!   `core2-64`, `corei7-64`; `-x32` for the x32 ABI.
//! - Others: `aarch64[_be][-vN.M]`, `sh3`, `sh4`, `sh4a` (+`eb`), `s390x`,
//!   `riscv64`, `riscv32`, `loongarch64` (+`-nf`).
//!
//! [`Arch::parse`] also takes OCI platforms, GOARCH values, `uname -m`
//! values, Debian architectures and Rust/GNU triples; each maps to the
//! baseline that spelling implies (Debian's `armhf` is `armv7ahf`).
#![deny(missing_docs)]

mod arch;
pub mod compat;
pub mod elf;
mod error;
mod feature;
mod isa;
pub mod matrix;
mod model;
mod names;
mod qemu;

pub use compat::{Mismatch, Native, Probe};
pub use elf::{ElfError, ElfInfo};
pub use error::ArchError;
pub use feature::{Feature, Features};
pub use isa::Isa;
pub use model::{Abi, Arch, Endian, Family, FloatAbi};
