//! Compatibility: can a target run a binary, and which targets does a host
//! run without emulation.
//!
//! ARM build attributes are the maximum over every object linked in, so a
//! statically linked glibc declares NEON and 32 VFP registers for its
//! ifunc variants even when the program runs without them (Debian's armhf
//! busybox does). NEON and the register count are therefore enforced only
//! on targets below ARMv7, which never have NEON; the VFP version is always
//! enforced.

use std::fmt;

use thiserror::Error;

use crate::elf::ElfInfo;
use crate::feature::Feature;
use crate::isa::Isa;
use crate::model::{Abi, Arch, Family, FloatAbi};

/// Why a target cannot run a binary.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Different ELF machine.
    Machine,
    /// Different ELF class.
    Class,
    /// Different byte order.
    Endian,
    /// Different ABI (o32/n32/n64, ELFv1/v2, x32, old ARM ABI).
    Abi,
    /// Float ABIs that do not link (hard vs soft/softfp).
    FloatAbi,
    /// The binary needs a newer ISA.
    Isa(Isa),
    /// The binary needs an FPU the target lacks (`None`: any FPU).
    Fpu(Option<Feature>),
    /// The binary needs NEON.
    Neon,
    /// MIPS NaN encodings differ.
    Nan,
    /// MIPS: the binary needs 64-bit FPU registers.
    Fp64,
    /// PowerPC: the binary uses the SPE vector ABI.
    Spe,
}

/// A target that cannot run a binary, naming both and the reason:
/// `ELF 32-bit ARM EABI5 soft-float (armv5te); target armv7ahf needs
/// hard-float`.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub struct Mismatch {
    /// The binary's description (`ElfInfo`'s Display).
    pub binary: String,
    /// The target.
    pub target: Arch,
    /// Why.
    pub reason: Reason,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.target;
        write!(f, "{}; target {t} ", self.binary)?;
        match self.reason {
            Reason::Machine => write!(f, "is a different machine"),
            Reason::Class => write!(f, "is {}-bit", t.bits()),
            Reason::Endian => write!(f, "is {}", t.endian),
            Reason::Abi => write!(f, "uses the {} ABI", t.abi),
            Reason::FloatAbi => write!(f, "needs {}", t.float_abi),
            Reason::Isa(isa) => write!(f, "lacks {isa}"),
            Reason::Fpu(None) => write!(f, "has no FPU"),
            Reason::Fpu(Some(fpu)) => write!(f, "lacks {fpu}"),
            Reason::Neon => write!(f, "lacks NEON"),
            Reason::Nan if t.has(Feature::Nan2008) => write!(f, "uses NaN2008 encoding"),
            Reason::Nan => write!(f, "uses legacy NaN encoding"),
            Reason::Fp64 => write!(f, "lacks 64-bit FPU registers (FR=1)"),
            Reason::Spe => write!(f, "lacks SPE"),
        }
    }
}

/// Whether `target` can run `bin`; the first rule it breaks otherwise.
pub fn check(target: &Arch, bin: &ElfInfo) -> Result<(), Mismatch> {
    reason(target, bin).map_or(Ok(()), |reason| {
        Err(Mismatch {
            binary: bin.to_string(),
            target: *target,
            reason,
        })
    })
}

fn reason(t: &Arch, bin: &ElfInfo) -> Option<Reason> {
    if t.family.elf_machine() != bin.machine {
        return Some(Reason::Machine);
    }
    if t.endian != bin.endian {
        return Some(Reason::Endian);
    }
    if let Some(abi) = bin.abi() {
        let differs = match abi {
            Abi::ElfV1 | Abi::ElfV2 | Abi::O32 | Abi::N32 | Abi::N64 | Abi::X32 => abi != t.abi,
            Abi::Lp64 => t.abi == Abi::X32,
            _ => false,
        };
        if differs {
            return Some(Reason::Abi);
        }
    }
    if t.family == Family::Arm && bin.arm.as_ref().is_some_and(|a| a.eabi_version < 4) {
        return Some(Reason::Abi);
    }
    if t.bits() != bin.bits {
        return Some(Reason::Class);
    }
    if bin.float_abi().is_some_and(|f| !f.links_with(t.float_abi)) {
        return Some(Reason::FloatAbi);
    }
    if let Some(need) = bin.isa() {
        if !t.isa.runs(need) {
            return Some(Reason::Isa(need));
        }
    }
    if let Some(arm) = &bin.arm {
        if let Some(r) = arm_fpu_reason(t, arm) {
            return Some(r);
        }
    }
    if let Some(mips) = &bin.mips {
        let uses_fpu = mips.float_abi() != Some(FloatAbi::Soft);
        if uses_fpu && mips.nan2008 != t.has(Feature::Nan2008) {
            return Some(Reason::Nan);
        }
        if mips.fp64() && t.isa.level() < Isa::Mips32r2.level() {
            return Some(Reason::Fp64);
        }
    }
    if bin.power_vector == Some(3) && !t.has(Feature::Spe) {
        return Some(Reason::Spe);
    }
    None
}

fn arm_fpu_reason(t: &Arch, arm: &crate::elf::ArmInfo) -> Option<Reason> {
    let below_v7 = t.isa.level() < Isa::Armv7a.level();
    if arm.neon() && below_v7 && !t.has(Feature::Neon) {
        return Some(Reason::Neon);
    }
    let need = arm.fpu()?;
    let Some(have) = t.features.arm_fpu() else {
        return Some(Reason::Fpu(None));
    };
    if fpu_version(have) < fpu_version(need) || (below_v7 && arm.fpu_d32() && have < Feature::Vfpv3)
    {
        return Some(Reason::Fpu(Some(need)));
    }
    None
}

/// VFP architecture version, ignoring the register count.
fn fpu_version(fpu: Feature) -> u8 {
    match fpu {
        Feature::Vfp => 2,
        Feature::Vfpv3d16 | Feature::Vfpv3 => 3,
        Feature::Vfpv4 => 4,
        _ => 8,
    }
}

/// Whether a host runs a target without emulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Native {
    /// Yes.
    Yes,
    /// Only if the host passes the probe (kernel option, CPU feature).
    Probe(Probe),
    /// No: the target needs emulation or a VM.
    No,
}

/// What the runtime must check on the host before running natively.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    /// x86-64 kernel running i386 binaries.
    Ia32Emulation,
    /// x86-64 kernel running x32 binaries.
    X32Abi,
    /// 64-bit ARM CPU and kernel running 32-bit ARM binaries.
    Aarch32,
    /// 64-bit kernel running its family's 32-bit binaries (PowerPC, MIPS
    /// o32/n32, RISC-V).
    Compat32,
    /// The host CPU must implement the target's ISA level and features,
    /// beyond what the host's own arch declares.
    Cpu,
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Probe::Ia32Emulation => {
                "the kernel must run i386 binaries (CONFIG_IA32_EMULATION, not ia32_emulation=0)"
            }
            Probe::X32Abi => {
                "the kernel must run x32 binaries (CONFIG_X86_X32_ABI; Debian kernels need syscall.x32=y)"
            }
            Probe::Aarch32 => {
                "the CPU must implement AArch32 at EL0 and the kernel CONFIG_COMPAT"
            }
            Probe::Compat32 => "the kernel must run 32-bit binaries of its family (CONFIG_COMPAT)",
            Probe::Cpu => "the CPU must implement the target's ISA level and features",
        })
    }
}

/// Whether `host` runs `target` without emulation, as far as data tells.
pub fn host_runs_natively(host: &Arch, target: &Arch) -> Native {
    if host.endian != target.endian {
        return Native::No;
    }
    if host.family == target.family {
        return same_family(host, target);
    }
    let probe = match (host.family, target.family) {
        (Family::X86_64, Family::X86) if host.abi != Abi::X32 => Probe::Ia32Emulation,
        (Family::Aarch64, Family::Arm) if target.isa.arm_profile_classic() => Probe::Aarch32,
        (Family::PowerPc64, Family::PowerPc)
        | (Family::Mips64, Family::Mips)
        | (Family::RiscV64, Family::RiscV32) => Probe::Compat32,
        _ => return Native::No,
    };
    Native::Probe(probe)
}

fn same_family(host: &Arch, target: &Arch) -> Native {
    if host.abi != target.abi {
        let probe = match (host.family, target.abi) {
            (Family::X86_64, Abi::X32) => Probe::X32Abi,
            (Family::X86_64, _) => return Native::No,
            (Family::PowerPc64, _) => return cpu(host, target),
            _ => Probe::Compat32,
        };
        return Native::Probe(probe);
    }
    cpu(host, target)
}

fn cpu(host: &Arch, target: &Arch) -> Native {
    const CPU_FEATURES: [Feature; 6] = [
        Feature::Neon,
        Feature::Vfpv4,
        Feature::FpArmv8,
        Feature::Iwmmxt,
        Feature::Altivec,
        Feature::Spe,
    ];
    let lacks_feature = CPU_FEATURES.iter().any(|f| target.has(*f) && !host.has(*f));
    if host.isa.runs(target.isa) && !lacks_feature {
        Native::Yes
    } else {
        Native::Probe(Probe::Cpu)
    }
}

/// Every known target `host` may run natively, with how sure that is.
pub fn native_targets(host: &Arch) -> Vec<(Arch, Native)> {
    let mut out: Vec<(Arch, Native)> = Vec::new();
    for (_, arch) in Arch::all_names() {
        if out.iter().any(|(a, _)| *a == arch) {
            continue;
        }
        match host_runs_natively(host, &arch) {
            Native::No => {}
            native => out.push((arch, native)),
        }
    }
    out
}
