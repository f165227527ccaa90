//! Compatibility rules on hand-built `ElfInfo`s, and native host data.

use ocix_arch_matrix::compat::{self, host_runs_natively, native_targets, Native, Probe, Reason};
use ocix_arch_matrix::elf::{ArmInfo, ElfInfo, MipsInfo};
use ocix_arch_matrix::{Abi, Arch, Endian, FloatAbi};

fn arch(name: &str) -> Arch {
    Arch::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn elf(machine: u16, bits: u8, endian: Endian, flags: u32) -> ElfInfo {
    ElfInfo {
        bits,
        endian,
        machine,
        os_abi: 0,
        elf_type: 2,
        flags,
        interpreter: None,
        arm: None,
        mips: None,
        power_fp: None,
        power_vector: None,
    }
}

/// An EABI5 ARM binary with build attributes.
fn arm(cpu_arch: u8, fp_arch: u8, simd: u8, hard: bool) -> ElfInfo {
    let mut info = elf(
        40,
        32,
        Endian::Little,
        0x0500_0000 | if hard { 0x400 } else { 0x200 },
    );
    info.arm = Some(ArmInfo {
        eabi_version: 5,
        flags_float_abi: Some(if hard { FloatAbi::Hard } else { FloatAbi::Soft }),
        cpu_arch: Some(cpu_arch),
        cpu_arch_profile: Some(b'A'),
        fp_arch: (fp_arch > 0).then_some(fp_arch),
        simd_arch: (simd > 0).then_some(simd),
        vfp_args: Some(u8::from(hard)),
        has_attributes: true,
        ..ArmInfo::default()
    });
    info
}

fn mips(bits: u8, endian: Endian, abi: Abi, nan2008: bool, fp_abi: u8) -> ElfInfo {
    let mut info = elf(8, bits, endian, 0);
    info.mips = Some(MipsInfo {
        abi,
        isa: Some(ocix_arch_matrix::Isa::Mips32r2),
        nan2008,
        fp_abi: Some(fp_abi),
    });
    info
}

fn reason(target: &str, bin: &ElfInfo) -> Option<Reason> {
    compat::check(&arch(target), bin).err().map(|m| m.reason)
}

#[test]
fn armv7ahf_neon_runs_armv7ahf_but_armv6hf_does_not() {
    let armv7ahf_bin = arm(10, 4, 0, true);
    assert_eq!(reason("armv7ahf-neon", &armv7ahf_bin), None);
    assert_eq!(reason("armv7ahf", &armv7ahf_bin), None);
    assert_eq!(
        reason("armv6hf", &armv7ahf_bin),
        Some(Reason::Isa(ocix_arch_matrix::Isa::Armv7a))
    );
}

#[test]
fn armv6hf_refuses_neon_even_in_an_armv6_binary() {
    let neon_v6 = arm(6, 3, 1, true);
    assert_eq!(reason("armv6hf", &neon_v6), Some(Reason::Neon));
    let text = compat::check(&arch("armv6hf"), &neon_v6)
        .expect_err("neon")
        .to_string();
    assert!(text.ends_with("target armv6hf lacks NEON"), "{text}");
}

#[test]
fn float_abi_must_link() {
    let soft = arm(4, 0, 0, false);
    assert_eq!(reason("armv7ahf", &soft), Some(Reason::FloatAbi));
    assert_eq!(reason("armv7a", &soft), None, "soft and softfp link");
    assert_eq!(reason("armv5te", &soft), None);
    let hard = arm(10, 4, 0, true);
    assert_eq!(reason("armv7a", &hard), Some(Reason::FloatAbi));
}

#[test]
fn fpu_version_is_enforced() {
    let vfpv4 = arm(10, 5, 2, true);
    assert_eq!(
        reason("armv7ahf-neon", &vfpv4),
        Some(Reason::Fpu(Some(ocix_arch_matrix::Feature::Vfpv4)))
    );
    assert_eq!(reason("armv7ahf-neon-vfpv4", &vfpv4), None);
    let softfp_vfp = arm(4, 2, 0, false);
    assert_eq!(reason("armv5te", &softfp_vfp), Some(Reason::Fpu(None)));
    assert_eq!(reason("armv5te-vfp", &softfp_vfp), None);
}

#[test]
fn big_and_little_endian_powerpc64_differ() {
    let be = elf(21, 64, Endian::Big, 1);
    let le = elf(21, 64, Endian::Little, 2);
    assert_eq!(reason("ppc64", &be), None);
    assert_eq!(reason("ppc64le", &be), Some(Reason::Endian));
    assert_eq!(reason("ppc64", &le), Some(Reason::Endian));
    assert_eq!(reason("powerpc64-elfv2", &be), Some(Reason::Abi));
    assert_eq!(reason("ppc64le", &le), None);
}

#[test]
fn mips_abi_nan_and_float() {
    let o32 = mips(32, Endian::Little, Abi::O32, false, 1);
    let n32 = mips(32, Endian::Little, Abi::N32, false, 1);
    let n64 = mips(64, Endian::Little, Abi::N64, false, 1);
    assert_eq!(reason("mipsel", &o32), None);
    assert_eq!(reason("mips64el-n32", &o32), Some(Reason::Abi));
    assert_eq!(reason("mips64el-n32", &n32), None);
    assert_eq!(reason("mips64el", &n32), Some(Reason::Abi));
    assert_eq!(reason("mips64el", &n64), None);
    let nan2008 = mips(32, Endian::Little, Abi::O32, true, 1);
    assert_eq!(reason("mipsel", &nan2008), Some(Reason::Nan));
    assert_eq!(reason("mipsel-nan2008", &nan2008), None);
    let soft = mips(32, Endian::Little, Abi::O32, false, 3);
    assert_eq!(reason("mipsel", &soft), Some(Reason::FloatAbi));
    assert_eq!(reason("mipsel-nf", &soft), None);
}

#[test]
fn x32_is_not_x86_64() {
    let x32 = elf(62, 32, Endian::Little, 0);
    let x86_64 = elf(62, 64, Endian::Little, 0);
    assert_eq!(reason("x86_64", &x32), Some(Reason::Abi));
    assert_eq!(reason("x86-64-x32", &x32), None);
    assert_eq!(reason("x86-64-x32", &x86_64), Some(Reason::Abi));
    assert_eq!(reason("i686", &x32), Some(Reason::Machine));
}

#[test]
fn spe_binaries_need_spe() {
    let mut spe = elf(20, 32, Endian::Big, 0);
    spe.power_fp = Some(2);
    spe.power_vector = Some(3);
    assert_eq!(reason("ppce500v2", &spe), None);
    assert_eq!(reason("powerpc", &spe), Some(Reason::FloatAbi));
    assert_eq!(reason("powerpc-nf", &spe), Some(Reason::Spe));
}

#[test]
fn mismatch_names_both_sides() {
    let aarch64 = elf(183, 64, Endian::Little, 0);
    let text = compat::check(&arch("x86_64"), &aarch64)
        .expect_err("machine")
        .to_string();
    assert_eq!(
        text,
        "ELF 64-bit ARM aarch64; target x86_64 is a different machine"
    );
}

#[test]
fn hosts_run_their_own_and_compat_targets() {
    let x86_64 = arch("x86_64");
    assert_eq!(host_runs_natively(&x86_64, &arch("x86_64")), Native::Yes);
    assert_eq!(
        host_runs_natively(&x86_64, &arch("i686")),
        Native::Probe(Probe::Ia32Emulation)
    );
    assert_eq!(
        host_runs_natively(&x86_64, &arch("x86-64-x32")),
        Native::Probe(Probe::X32Abi)
    );
    assert_eq!(
        host_runs_natively(&x86_64, &arch("x86_64-v3")),
        Native::Probe(Probe::Cpu)
    );
    assert_eq!(host_runs_natively(&x86_64, &arch("aarch64")), Native::No);
    let aarch64 = arch("aarch64");
    assert_eq!(
        host_runs_natively(&aarch64, &arch("armv7ahf")),
        Native::Probe(Probe::Aarch32)
    );
    assert_eq!(host_runs_natively(&aarch64, &arch("armv7ahfb")), Native::No);
    assert_eq!(host_runs_natively(&aarch64, &arch("cortexm3")), Native::No);
    assert_eq!(
        host_runs_natively(&arch("armv7ahf"), &arch("armv5te")),
        Native::Yes
    );
    assert_eq!(
        host_runs_natively(&arch("armv7ahf"), &arch("armv7ahf-neon")),
        Native::Probe(Probe::Cpu)
    );
    assert_eq!(
        host_runs_natively(&arch("ppc64"), &arch("powerpc")),
        Native::Probe(Probe::Compat32)
    );
    assert_eq!(
        host_runs_natively(&arch("ppc64le"), &arch("ppc64")),
        Native::No
    );
    assert_eq!(
        host_runs_natively(&arch("mips64el"), &arch("mips64el-n32")),
        Native::Probe(Probe::Compat32)
    );
}

#[test]
fn native_targets_of_x86_64() {
    let targets = native_targets(&arch("x86_64"));
    let find = |name: &str| {
        targets
            .iter()
            .find(|(a, _)| *a == arch(name))
            .map(|(_, n)| *n)
    };
    assert_eq!(find("x86_64"), Some(Native::Yes));
    assert_eq!(find("i686"), Some(Native::Probe(Probe::Ia32Emulation)));
    assert_eq!(find("x86-64-x32"), Some(Native::Probe(Probe::X32Abi)));
    assert_eq!(find("aarch64"), None);
    assert!(targets.iter().all(|(a, _)| matches!(
        a.family(),
        ocix_arch_matrix::Family::X86 | ocix_arch_matrix::Family::X86_64
    )));
}
