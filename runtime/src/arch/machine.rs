//! The host's own architecture: `uname -m`, and for x86-64 the ISA level
//! the CPU's flags reach.

use ocix_arch_matrix::Arch;
use std::io::{self, BufRead};
use std::path::Path;

/// What uname(2) says about the running kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Uname {
    /// `uname -m`.
    pub machine: String,
    /// `uname -r`.
    pub release: String,
}

/// uname(2).
pub fn uname() -> io::Result<Uname> {
    // SAFETY: utsname is plain bytes, for which all-zero is valid.
    let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: uname writes NUL-terminated strings into the struct we own.
    if unsafe { libc::uname(&mut uts) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Uname {
        machine: field(&uts.machine),
        release: field(&uts.release),
    })
}

fn field(chars: &[libc::c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|c| **c != 0)
        .map(|c| *c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The baseline arch of a `uname -m` value (`x86_64`, `armv7l`), falling
/// back to the arch ocix was built for when the kernel's name is unknown.
///
/// MIPS kernels print `mips` or `mips64` in either byte order. The kernel
/// runs this very binary, so its byte order is ocix's own.
pub fn arch_of_machine(machine: &str) -> Option<Arch> {
    let machine = match machine {
        "mips" | "mips64" if cfg!(target_endian = "little") => format!("{machine}el"),
        m => m.to_string(),
    };
    Arch::parse(&machine)
        .or_else(|_| Arch::parse(std::env::consts::ARCH))
        .ok()
}

/// The host's arch from `uname -m` alone: cheap (one syscall), the
/// baseline of its family. See [`refine`] for the CPU's real level.
pub fn host_baseline() -> io::Result<(Arch, Uname)> {
    let u = uname()?;
    let arch = arch_of_machine(&u.machine).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::Unsupported,
            format!("unknown machine {:?} (uname -m)", u.machine),
        )
    })?;
    Ok((arch, u))
}

/// `host` at the ISA level its CPU reaches, where ocix can read it: the
/// x86-64 micro-architecture level from `/proc/cpuinfo` flags. Other
/// families stay at their baseline.
pub fn refine(host: Arch) -> Arch {
    if host.family() != ocix_arch_matrix::Family::X86_64 || host.bits() != 64 {
        return host;
    }
    match cpu_flags(Path::new("/proc/cpuinfo")) {
        Ok(flags) => Arch::parse(x86_64_level(&flags)).unwrap_or(host),
        Err(_) => host,
    }
}

/// The flags of the first CPU in a `/proc/cpuinfo` (x86 says `flags`,
/// arm `Features`).
pub fn cpu_flags(cpuinfo: &Path) -> io::Result<Vec<String>> {
    let value = first_cpu_field(cpuinfo, &["flags", "Features"])?;
    Ok(value.split_whitespace().map(str::to_owned).collect())
}

/// The value of the first of `keys` in a `/proc/cpuinfo`. Reading stops
/// there: the kernel formats one CPU at a time, so the rest is never
/// generated.
fn first_cpu_field(cpuinfo: &Path, keys: &[&str]) -> io::Result<String> {
    let file = std::fs::File::open(cpuinfo)?;
    for line in io::BufReader::new(file).lines() {
        let line = line?;
        if let Some((key, value)) = line.split_once(':') {
            if keys.contains(&key.trim()) {
                return Ok(value.trim().to_owned());
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        format!("no {} line", keys.join(" or ")),
    ))
}

/// The x86-64 psABI level (`x86_64`, `x86_64-v2`...) the flags reach.
/// `pni` is the kernel's name for SSE3 and `abm` covers LZCNT.
pub fn x86_64_level(flags: &[String]) -> &'static str {
    const V2: &[&str] = &[
        "cx16", "lahf_lm", "popcnt", "pni", "sse4_1", "sse4_2", "ssse3",
    ];
    const V3: &[&str] = &[
        "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave",
    ];
    const V4: &[&str] = &["avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"];
    let has = |set: &[&str]| set.iter().all(|f| flags.iter().any(|g| g == f));
    match (has(V2), has(V3), has(V4)) {
        (true, true, true) => "x86_64-v4",
        (true, true, false) => "x86_64-v3",
        (true, false, _) => "x86_64-v2",
        _ => "x86_64",
    }
}

/// The 32-bit arm tune a CPU with these `Features` runs, for a target
/// of `hard_float` ABI: ARMv7-A (every ARMv7-A has Thumb-2; an ARMv8 in
/// AArch32 runs all of it too), with NEON and VFPv4 when listed. `None`
/// without VFP for a hard-float target, or before ARMv7.
pub fn arm_tune(features: &[String], cpu_architecture: u32, hard_float: bool) -> Option<String> {
    let has = |f: &str| features.iter().any(|g| g == f);
    if cpu_architecture < 7 || (hard_float && !has("vfp")) {
        return None;
    }
    let mut tune = String::from("armv7at");
    if hard_float {
        tune.push_str("hf");
    }
    if has("neon") {
        tune.push_str("-neon");
    }
    if has("vfpv4") {
        tune.push_str("-vfpv4");
    }
    Some(tune)
}

/// The `CPU architecture` of the first CPU in an arm `/proc/cpuinfo`
/// (`7`; `8` for an ARMv8 core, also shown as `AArch64`).
pub fn cpu_architecture(cpuinfo: &Path) -> io::Result<u32> {
    let v = first_cpu_field(cpuinfo, &["CPU architecture"])?;
    Ok(if v == "AArch64" {
        8
    } else {
        v.parse().unwrap_or(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arm_tunes_follow_the_features() {
        let a15 = flags("half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt lpae");
        assert_eq!(
            arm_tune(&a15, 7, true).as_deref(),
            Some("armv7athf-neon-vfpv4")
        );
        assert_eq!(
            arm_tune(&a15, 7, false).as_deref(),
            Some("armv7at-neon-vfpv4")
        );
        let no_neon = flags("half thumb fastmult vfp edsp vfpv3 tls");
        assert_eq!(arm_tune(&no_neon, 7, true).as_deref(), Some("armv7athf"));
        assert_eq!(arm_tune(&flags("half thumb"), 7, true), None);
        assert_eq!(arm_tune(&a15, 6, true), None);
        for t in [&a15, &no_neon] {
            let tune = arm_tune(t, 7, true).unwrap_or_default();
            assert!(Arch::parse(&tune).is_ok(), "{tune}");
        }
    }

    #[test]
    fn mips_machines_take_our_byte_order() {
        let ours = if cfg!(target_endian = "little") {
            ocix_arch_matrix::Endian::Little
        } else {
            ocix_arch_matrix::Endian::Big
        };
        for m in ["mips", "mips64"] {
            let a = arch_of_machine(m).expect(m);
            assert_eq!(a.endian(), ours, "{m}: {a}");
        }
        assert_eq!(
            arch_of_machine("ppc64").map(|a| a.endian()),
            Some(ocix_arch_matrix::Endian::Big)
        );
    }

    #[test]
    fn x86_levels_need_every_flag() {
        let v2 = "cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3";
        let v3 = format!("{v2} avx avx2 bmi1 bmi2 f16c fma abm movbe xsave");
        let v4 = format!("{v3} avx512f avx512bw avx512cd avx512dq avx512vl");
        assert_eq!(x86_64_level(&flags("fpu sse sse2")), "x86_64");
        assert_eq!(x86_64_level(&flags(v2)), "x86_64-v2");
        assert_eq!(x86_64_level(&flags(&v3)), "x86_64-v3");
        assert_eq!(x86_64_level(&flags(&v4)), "x86_64-v4");
        let no_movbe = v3.replace("movbe", "");
        assert_eq!(x86_64_level(&flags(&no_movbe)), "x86_64-v2");
    }

    #[test]
    fn cpu_flags_reads_the_first_cpu() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("cpuinfo");
        std::fs::write(
            &p,
            "processor\t: 0\nflags\t\t: fpu sse2\n\nprocessor\t: 1\nflags\t\t: other\n",
        )
        .expect("write");
        assert_eq!(cpu_flags(&p).expect("flags"), flags("fpu sse2"));
        std::fs::write(&p, "processor\t: 0\n").expect("write");
        assert!(cpu_flags(&p).is_err());
    }

    #[test]
    fn uname_names_a_known_machine() {
        let u = uname().expect("uname");
        assert!(!u.machine.is_empty() && !u.release.is_empty());
        assert!(arch_of_machine(&u.machine).is_some(), "{}", u.machine);
    }
}
