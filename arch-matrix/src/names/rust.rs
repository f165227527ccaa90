//! Rust target triples (`armv7-unknown-linux-gnueabihf`) and GNU/Debian
//! multiarch tuples (`arm-linux-gnueabihf`, `mips64el-linux-gnuabi64`).
//!
//! Both spell `arm`, but they differ: Rust's `arm-unknown-linux-gnueabihf`
//! is ARMv6 with VFPv2, Debian's `arm-linux-gnueabihf` ARMv7-A. A vendor
//! field (`unknown`) marks the Rust meaning.

use crate::model::Arch;
use crate::names::oe;

/// Triples worth listing.
pub(crate) const TRIPLES: &[&str] = &[
    "aarch64-unknown-linux-gnu",
    "aarch64_be-unknown-linux-gnu",
    "arm-unknown-linux-gnueabi",
    "arm-unknown-linux-gnueabihf",
    "armv4t-unknown-linux-gnueabi",
    "armv5te-unknown-linux-gnueabi",
    "armv7-unknown-linux-gnueabi",
    "armv7-unknown-linux-gnueabihf",
    "thumbv7neon-unknown-linux-gnueabihf",
    "i586-unknown-linux-gnu",
    "i686-unknown-linux-gnu",
    "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-gnux32",
    "mips-unknown-linux-gnu",
    "mipsel-unknown-linux-gnu",
    "mips64-unknown-linux-gnuabi64",
    "mips64el-unknown-linux-gnuabi64",
    "mipsisa32r6el-unknown-linux-gnu",
    "mipsisa64r6el-unknown-linux-gnuabi64",
    "powerpc-unknown-linux-gnu",
    "powerpc-unknown-linux-gnuspe",
    "powerpc64-unknown-linux-gnu",
    "powerpc64-unknown-linux-musl",
    "powerpc64le-unknown-linux-gnu",
    "riscv64gc-unknown-linux-gnu",
    "s390x-unknown-linux-gnu",
    "loongarch64-unknown-linux-gnu",
    "arm-linux-gnueabi",
    "arm-linux-gnueabihf",
    "aarch64-linux-gnu",
    "i686-linux-gnu",
    "x86_64-linux-gnu",
    "x86_64-linux-gnux32",
    "mips-linux-gnu",
    "mipsel-linux-gnu",
    "mips64el-linux-gnuabi64",
    "mips64el-linux-gnuabin32",
    "powerpc64-linux-gnu",
    "powerpc64le-linux-gnu",
    "riscv64-linux-gnu",
    "s390x-linux-gnu",
    "sh4-linux-gnu",
];

/// Parses a triple with a `linux` component; `None` if it is not one.
pub(crate) fn parse(name: &str) -> Option<Arch> {
    let parts: Vec<&str> = name.split('-').collect();
    let linux = parts.iter().position(|p| *p == "linux")?;
    let (arch, vendor) = match parts.get(..linux)? {
        [arch] => (*arch, false),
        [arch, _vendor] => (*arch, true),
        _ => return None,
    };
    let env = match parts.get(linux + 1..)? {
        [] => "gnu",
        [env] => env,
        _ => return None,
    };
    let hf = env.ends_with("eabihf");
    let eabi = env.ends_with("eabi") || hf;
    let tune = match arch {
        "arm" if vendor && hf => "armv6hf",
        "arm" if vendor => "armv6-novfp",
        "arm" if hf => "armv7ahf",
        "arm" => "armv5te",
        "armeb" => "armv5teb",
        "armv4t" => "armv4t",
        "armv5te" if hf => "armv5tehf-vfp",
        "armv5te" => "armv5te",
        "armv6" if hf => "armv6hf",
        "armv6" => "armv6-novfp",
        "armv7" if hf => "armv7ahf",
        "armv7" => "armv7a-novfp",
        "thumbv7neon" if hf => "armv7athf-neon",
        "thumbv7neon" => "armv7at-neon",
        "i386" | "i486" | "i586" | "i686" | "aarch64" | "aarch64_be" | "s390x" | "loongarch64"
        | "sh4" | "riscv64" | "riscv32" => arch,
        "riscv64gc" => "riscv64",
        "riscv32gc" => "riscv32",
        "x86_64" if env.ends_with("x32") => "x86_64-x32",
        "x86_64" => "x86_64",
        "mips" | "mipsel" | "mipsisa32r6" | "mipsisa32r6el" => {
            // Rust's MIPS musl targets are soft-float.
            let soft = env.ends_with("sf") || (vendor && env.starts_with("musl"));
            return oe::parse(&format!("{arch}{}", if soft { "-nf" } else { "" }));
        }
        "mips64" | "mips64el" | "mipsisa64r6" | "mipsisa64r6el" => {
            let n32 = if env.ends_with("abin32") { "-n32" } else { "" };
            return oe::parse(&format!("{arch}{n32}"));
        }
        "powerpc" if env.ends_with("spe") => "ppce500v2",
        "powerpc" => "powerpc",
        // musl uses ELFv2 on big-endian too.
        "powerpc64" if env.starts_with("musl") => "powerpc64-elfv2",
        "powerpc64" => "powerpc64",
        "powerpc64le" => "powerpc64le",
        _ => return None,
    };
    if eabi != arch.starts_with("arm") && !arch.starts_with("thumb") {
        return None;
    }
    oe::parse(tune)
}
