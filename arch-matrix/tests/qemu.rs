//! QEMU user-mode data: emulator, CPU model and binfmt_misc magic.

use ocix_arch_matrix::Arch;

fn arch(name: &str) -> Arch {
    Arch::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn emulators() {
    for (name, qemu) in [
        ("armv7ahf", Some("qemu-arm")),
        ("armv7ahfb", Some("qemu-armeb")),
        ("aarch64", Some("qemu-aarch64")),
        ("aarch64_be", Some("qemu-aarch64_be")),
        ("ppc64", Some("qemu-ppc64")),
        ("ppc64le", Some("qemu-ppc64le")),
        ("powerpc", Some("qemu-ppc")),
        ("mips", Some("qemu-mips")),
        ("mipsel", Some("qemu-mipsel")),
        ("mips64el-n32", Some("qemu-mipsn32el")),
        ("mips64-n32", Some("qemu-mipsn32")),
        ("mips64el", Some("qemu-mips64el")),
        ("sh4", Some("qemu-sh4")),
        ("sh4eb", Some("qemu-sh4eb")),
        ("s390x", Some("qemu-s390x")),
        ("riscv64", Some("qemu-riscv64")),
        ("i686", Some("qemu-i386")),
        ("x86_64", Some("qemu-x86_64")),
        ("x86-64-x32", None),
    ] {
        assert_eq!(arch(name).qemu_user_binary(), qemu, "{name}");
    }
}

#[test]
fn cpu_models_match_the_tune() {
    for (name, cpu) in [
        ("armv5te", Some("arm926")),
        ("armv6hf", Some("arm1176")),
        ("armv7ahf", Some("cortex-r5f")),
        ("armv7ahf-neon", Some("cortex-a8")),
        ("armv7ahf-neon-vfpv4", Some("cortex-a15")),
        ("cortexa7hf-neon-vfpv4", Some("cortex-a7")),
        ("cortexa9thf-neon", Some("cortex-a9")),
        ("xscale", Some("pxa255")),
        ("aarch64", Some("cortex-a53")),
        ("mipsel", Some("24Kf")),
        ("mips32el-nf", Some("4Kc")),
        ("mips32r2-24kc", Some("24Kc")),
        ("mips32r2el-24kec-nf", Some("24KEc")),
        ("mips32r2el-74kc", Some("74Kf")),
        ("mips64el", Some("MIPS64R2-generic")),
        ("ppc64p7", Some("power7")),
        ("ppc64le", Some("power8")),
        ("ppc64p9le", Some("power9")),
        ("ppce500v2", Some("e500v2")),
        ("ppcp7", None),
        ("sh4a", Some("sh7785")),
        ("i686", Some("coreduo")),
        ("corei7-64", Some("Nehalem")),
    ] {
        assert_eq!(arch(name).qemu_cpu(), cpu, "{name}");
    }
}

fn matches(header: &[u8], (magic, mask): &(Vec<u8>, Vec<u8>)) -> bool {
    assert_eq!(magic.len(), mask.len());
    header.len() >= magic.len()
        && magic
            .iter()
            .zip(mask)
            .zip(header)
            .all(|((m, k), b)| b & k == *m)
}

/// An ELF32 header: class 1, `data`, machine, `e_type` 3 (PIE), e_flags.
fn elf32_header(big: bool, machine: u16, flags: u32) -> Vec<u8> {
    let mut h = vec![0x7f, b'E', b'L', b'F', 1, if big { 2 } else { 1 }, 1, 3];
    h.resize(16, 0);
    let u16b = |v: u16| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    h.extend(u16b(3));
    h.extend(u16b(machine));
    h.extend(u32b(1));
    h.extend([0; 12]);
    h.extend(u32b(flags));
    h.resize(52, 0);
    h
}

#[test]
fn binfmt_tells_mips_o32_from_n32() {
    let o32 = arch("mipsel").binfmt_magic_mask().expect("o32");
    let n32 = arch("mips64el-n32").binfmt_magic_mask().expect("n32");
    let o32_bin = elf32_header(false, 8, 0x7000_1007);
    let n32_bin = elf32_header(false, 8, 0x8000_0027);
    assert!(matches(&o32_bin, &o32) && !matches(&o32_bin, &n32));
    assert!(matches(&n32_bin, &n32) && !matches(&n32_bin, &o32));
    let be_n32 = arch("mips64-n32").binfmt_magic_mask().expect("be n32");
    assert!(matches(&elf32_header(true, 8, 0x8000_0027), &be_n32));
    assert!(!matches(&n32_bin, &be_n32));
}

#[test]
fn binfmt_matches_class_byte_order_and_machine() {
    let arm = arch("armv7ahf").binfmt_magic_mask().expect("arm");
    assert_eq!(arm.0.len(), 20);
    assert!(matches(&elf32_header(false, 40, 0x0500_0400), &arm));
    assert!(!matches(&elf32_header(true, 40, 0), &arm), "armeb");
    assert!(!matches(&elf32_header(false, 3, 0), &arm), "i386");
    let mut static_exec = elf32_header(false, 40, 0);
    static_exec[16] = 2;
    static_exec[7] = 3; // ELFOSABI_GNU is ignored
    assert!(matches(&static_exec, &arm));
}
