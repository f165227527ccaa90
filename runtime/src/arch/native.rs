//! Whether this kernel and CPU run a target without emulation, with the
//! evidence.
//!
//! `ocix_arch_matrix::compat::host_runs_natively` says what the data
//! allows; where it answers "only if" ([`Probe`]), the running host is
//! checked here, each way chosen because it is cheap and decisive:
//!
//! - **ia32** (i386 on x86-64): `/proc/sys/abi/vsyscall32` exists only when
//!   the kernel is built with `CONFIG_IA32_EMULATION` (it is registered by
//!   the 32-bit vDSO set-up). Since 6.7 that can still be switched off:
//!   `ia32_emulation=` on the command line decides, else the build default
//!   `CONFIG_IA32_EMULATION_DEFAULT_DISABLED` from `/boot/config-RELEASE`.
//!   `/proc/config.gz` is not read (no gzip reader); without a readable
//!   config the default is taken as enabled, as every major distribution
//!   builds it.
//! - **x32**: an x32 system call (`__X32_SYSCALL_BIT | getpid`) returns
//!   our pid exactly when the kernel has the x32 ABI enabled, else ENOSYS.
//!   There is no `/proc/sys/abi/x32`.
//! - **AArch32** (arm on arm64): arm64 refuses `personality(PER_LINUX32)`
//!   with EINVAL unless every CPU runs AArch32 at EL0 and the kernel has
//!   `CONFIG_COMPAT`; the old personality is restored at once.
//! - **compat32** (ppc, mips o32/n32, riscv32 on their 64-bit kernels):
//!   the option in `/boot/config-RELEASE`; unknown without it.
//! - **cpu**: x86-64 levels from the first CPU's `/proc/cpuinfo` flags;
//!   other families are unknown (not read yet).
//!
//! Unknown is never taken as yes: a caller falls back to emulation.

use super::machine;
use ocix_arch_matrix::compat::{self, Native, Probe};
use ocix_arch_matrix::{Abi, Arch, Family};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Yes, no, or cannot tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Yes,
    No,
    Unknown,
}

/// A verdict and what it rests on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NativeCheck {
    pub verdict: Verdict,
    pub evidence: String,
}

impl NativeCheck {
    fn new(verdict: Verdict, evidence: impl Into<String>) -> NativeCheck {
        NativeCheck {
            verdict,
            evidence: evidence.into(),
        }
    }

    /// Whether the host is known to run the target natively.
    pub fn runs(&self) -> bool {
        self.verdict == Verdict::Yes
    }
}

/// Where kernel facts are read from, so tests can use a fake tree.
#[derive(Clone, Debug)]
pub struct KernelFiles {
    /// Normally `/proc`.
    pub proc: PathBuf,
    /// The kernel's build config, normally `/boot/config-RELEASE`.
    pub config: PathBuf,
}

impl KernelFiles {
    /// The running kernel's.
    pub fn host() -> KernelFiles {
        let release = machine::uname().map(|u| u.release).unwrap_or_default();
        KernelFiles {
            proc: PathBuf::from("/proc"),
            config: PathBuf::from(format!("/boot/config-{release}")),
        }
    }
}

/// Whether `host` runs `target` here without emulation.
pub fn check_native(host: &Arch, target: &Arch) -> NativeCheck {
    check_native_with(host, target, &KernelFiles::host())
}

/// [`check_native`] reading kernel facts from `k`.
pub fn check_native_with(host: &Arch, target: &Arch, k: &KernelFiles) -> NativeCheck {
    match compat::host_runs_natively(host, target) {
        Native::Yes => NativeCheck::new(Verdict::Yes, format!("{host} runs {target} code")),
        Native::No => NativeCheck::new(
            Verdict::No,
            format!("{host} CPUs cannot execute {target} code"),
        ),
        Native::Probe(probe) => resolve(probe, host, target, k),
    }
}

fn resolve(probe: Probe, host: &Arch, target: &Arch, k: &KernelFiles) -> NativeCheck {
    match probe {
        Probe::Ia32Emulation => ia32(k),
        Probe::X32Abi => x32(),
        Probe::Aarch32 => aarch32(),
        Probe::Compat32 => compat32(target, k),
        Probe::Cpu => cpu(host, target, k),
        other => NativeCheck::new(Verdict::Unknown, format!("not checked: {other}")),
    }
}

fn ia32(k: &KernelFiles) -> NativeCheck {
    if !k.proc.join("sys/abi/vsyscall32").exists() {
        return NativeCheck::new(
            Verdict::No,
            "the kernel lacks CONFIG_IA32_EMULATION (no /proc/sys/abi/vsyscall32)",
        );
    }
    let cmdline = std::fs::read_to_string(k.proc.join("cmdline")).unwrap_or_default();
    match cmdline_bool(&cmdline, "ia32_emulation") {
        Some(true) => {
            return NativeCheck::new(Verdict::Yes, "ia32_emulation=1 on the kernel command line")
        }
        Some(false) => {
            return NativeCheck::new(Verdict::No, "ia32_emulation=0 on the kernel command line")
        }
        None => {}
    }
    if config_option(&k.config, "CONFIG_IA32_EMULATION_DEFAULT_DISABLED") == Some(true) {
        return NativeCheck::new(
            Verdict::No,
            "the kernel is built with CONFIG_IA32_EMULATION_DEFAULT_DISABLED \
             (boot with ia32_emulation=1)",
        );
    }
    NativeCheck::new(
        Verdict::Yes,
        "CONFIG_IA32_EMULATION (/proc/sys/abi/vsyscall32), not disabled",
    )
}

fn x32() -> NativeCheck {
    /// `__X32_SYSCALL_BIT | __NR_getpid` in x86-64 numbering.
    const X32_GETPID: libc::c_long = 0x4000_0000 | 39;
    // SAFETY: getpid takes no arguments and touches no memory; a kernel
    // without the x32 ABI returns ENOSYS. Only called on x86-64 hosts.
    let r = unsafe { libc::syscall(X32_GETPID) };
    if r == libc::c_long::from(std::process::id() as i32) {
        NativeCheck::new(Verdict::Yes, "the kernel answers x32 system calls")
    } else {
        NativeCheck::new(
            Verdict::No,
            "x32 system calls fail: the kernel lacks CONFIG_X86_X32_ABI \
             (Debian kernels need syscall.x32=y)",
        )
    }
}

fn aarch32() -> NativeCheck {
    const QUERY: libc::c_ulong = 0xffff_ffff;
    const PER_MASK: libc::c_ulong = 0xff;
    const PER_LINUX32: libc::c_ulong = 0x0008;
    // SAFETY: personality(2) takes an integer; QUERY changes nothing.
    let old = unsafe { libc::personality(QUERY) };
    if old < 0 {
        return NativeCheck::new(Verdict::Unknown, "personality(2) failed");
    }
    let old = old as libc::c_ulong;
    // SAFETY: as above; only the execution domain changes, and it is
    // restored before anything else runs.
    let r = unsafe { libc::personality((old & !PER_MASK) | PER_LINUX32) };
    // SAFETY: as above.
    unsafe { libc::personality(old) };
    if r < 0 {
        NativeCheck::new(
            Verdict::No,
            "the kernel refuses PER_LINUX32: no AArch32 at EL0 or no CONFIG_COMPAT",
        )
    } else {
        NativeCheck::new(Verdict::Yes, "the kernel accepts PER_LINUX32 (AArch32 EL0)")
    }
}

fn compat32(target: &Arch, k: &KernelFiles) -> NativeCheck {
    let option = match (target.family(), target.abi()) {
        (Family::Mips, _) => "CONFIG_MIPS32_O32",
        (Family::Mips64, Abi::N32) => "CONFIG_MIPS32_N32",
        _ => "CONFIG_COMPAT",
    };
    let config = k.config.display();
    match config_option(&k.config, option) {
        Some(true) => NativeCheck::new(Verdict::Yes, format!("{option}=y in {config}")),
        Some(false) => NativeCheck::new(Verdict::No, format!("{option} is not set in {config}")),
        None => NativeCheck::new(
            Verdict::Unknown,
            format!("cannot read {config} to check {option}"),
        ),
    }
}

fn cpu(host: &Arch, target: &Arch, k: &KernelFiles) -> NativeCheck {
    if host.family() == Family::Arm {
        return arm_cpu(target, k);
    }
    if host.family() != Family::X86_64 {
        return NativeCheck::new(
            Verdict::Unknown,
            format!(
                "ocix does not read {} CPU features yet; {}",
                host.family(),
                Probe::Cpu
            ),
        );
    }
    let Ok(flags) = machine::cpu_flags(&k.proc.join("cpuinfo")) else {
        return NativeCheck::new(Verdict::Unknown, "cannot read /proc/cpuinfo flags");
    };
    let level = machine::x86_64_level(&flags);
    let runs = Arch::parse(level)
        .map(|cpu| compat::host_runs_natively(&cpu, target) == Native::Yes)
        .unwrap_or(false);
    if runs {
        NativeCheck::new(Verdict::Yes, format!("the CPU's flags reach {level}"))
    } else {
        NativeCheck::new(
            Verdict::No,
            format!("the CPU's flags reach only {level}; {target} needs more"),
        )
    }
}

/// A 32-bit arm CPU: its `CPU architecture` and `Features` make a tune,
/// which must run the target's.
fn arm_cpu(target: &Arch, k: &KernelFiles) -> NativeCheck {
    let cpuinfo = k.proc.join("cpuinfo");
    let (Ok(features), Ok(level)) = (
        machine::cpu_flags(&cpuinfo),
        machine::cpu_architecture(&cpuinfo),
    ) else {
        return NativeCheck::new(
            Verdict::Unknown,
            "cannot read Features and CPU architecture from /proc/cpuinfo",
        );
    };
    let hard_float = target.float_abi() == ocix_arch_matrix::FloatAbi::Hard;
    let tune = machine::arm_tune(&features, level, hard_float);
    let runs = tune
        .as_deref()
        .and_then(|t| Arch::parse(t).ok())
        .is_some_and(|cpu| compat::host_runs_natively(&cpu, target) == Native::Yes);
    let seen = format!("ARMv{level} with {}", features.join(" "));
    match (runs, tune) {
        (true, Some(t)) => NativeCheck::new(Verdict::Yes, format!("the CPU ({seen}) runs {t}")),
        _ => NativeCheck::new(
            Verdict::No,
            format!("the CPU ({seen}) lacks what {target} needs"),
        ),
    }
}

/// A boolean kernel parameter as kstrtobool reads it; the last one wins.
pub fn cmdline_bool(cmdline: &str, key: &str) -> Option<bool> {
    cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .filter_map(|w| w.strip_prefix(key)?.strip_prefix('='))
        .filter_map(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "y" | "yes" | "on" | "true" => Some(true),
            "0" | "n" | "no" | "off" | "false" => Some(false),
            _ => None,
        })
        .last()
}

/// `Some(true)` for `NAME=y`/`=m`, `Some(false)` for `# NAME is not set`
/// or absence from a readable config, `None` if it cannot be read.
pub fn config_option(config: &Path, name: &str) -> Option<bool> {
    let text = std::fs::read_to_string(config).ok()?;
    let set = text.lines().any(|l| {
        l.strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('='))
            .is_some_and(|v| v == "y" || v == "m")
    });
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fake {
        dir: tempfile::TempDir,
    }

    impl Fake {
        fn new(vsyscall32: bool, cmdline: &str, config: Option<&str>) -> Fake {
            let dir = tempfile::tempdir().expect("tempdir");
            let abi = dir.path().join("proc/sys/abi");
            std::fs::create_dir_all(&abi).expect("mkdir");
            if vsyscall32 {
                std::fs::write(abi.join("vsyscall32"), "1\n").expect("write");
            }
            std::fs::write(dir.path().join("proc/cmdline"), cmdline).expect("write");
            if let Some(c) = config {
                std::fs::write(dir.path().join("config"), c).expect("write");
            }
            Fake { dir }
        }
        fn files(&self) -> KernelFiles {
            KernelFiles {
                proc: self.dir.path().join("proc"),
                config: self.dir.path().join("config"),
            }
        }
    }

    fn arch(name: &str) -> Arch {
        Arch::parse(name).expect(name)
    }

    fn i386_on(fake: &Fake) -> Verdict {
        check_native_with(&arch("x86_64"), &arch("i686"), &fake.files()).verdict
    }

    #[test]
    fn ia32_follows_vsyscall32_cmdline_and_config() {
        assert_eq!(i386_on(&Fake::new(false, "", None)), Verdict::No);
        assert_eq!(i386_on(&Fake::new(true, "quiet", None)), Verdict::Yes);
        assert_eq!(
            i386_on(&Fake::new(true, "ia32_emulation=0", None)),
            Verdict::No
        );
        let disabled = "CONFIG_IA32_EMULATION=y\nCONFIG_IA32_EMULATION_DEFAULT_DISABLED=y\n";
        assert_eq!(i386_on(&Fake::new(true, "", Some(disabled))), Verdict::No);
        assert_eq!(
            i386_on(&Fake::new(true, "ia32_emulation=on", Some(disabled))),
            Verdict::Yes
        );
    }

    #[test]
    fn compat32_reads_the_option_for_the_abi() {
        let fake = Fake::new(false, "", Some("CONFIG_MIPS32_O32=y\n"));
        let k = fake.files();
        let host = arch("mips64el");
        assert_eq!(
            check_native_with(&host, &arch("mipsel"), &k).verdict,
            Verdict::Yes
        );
        let n32 = check_native_with(&host, &arch("mips64el-n32"), &k);
        assert_eq!(n32.verdict, Verdict::No, "{n32:?}");
        assert!(n32.evidence.contains("CONFIG_MIPS32_N32"));
        let none = Fake::new(false, "", None);
        assert_eq!(
            check_native_with(&host, &arch("mipsel"), &none.files()).verdict,
            Verdict::Unknown
        );
    }

    #[test]
    fn foreign_machines_are_no_and_same_are_yes() {
        let fake = Fake::new(true, "", None);
        let k = fake.files();
        let host = arch("x86_64");
        assert_eq!(
            check_native_with(&host, &arch("aarch64"), &k).verdict,
            Verdict::No
        );
        assert_eq!(check_native_with(&host, &host, &k).verdict, Verdict::Yes);
    }

    #[test]
    fn cpu_level_comes_from_cpuinfo() {
        let fake = Fake::new(true, "", None);
        let v2 = "cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3";
        std::fs::write(
            fake.dir.path().join("proc/cpuinfo"),
            format!("processor : 0\nflags : {v2}\n"),
        )
        .expect("write");
        let k = fake.files();
        let host = arch("x86_64");
        assert_eq!(
            check_native_with(&host, &arch("x86_64-v2"), &k).verdict,
            Verdict::Yes
        );
        let v3 = check_native_with(&host, &arch("x86_64-v3"), &k);
        assert_eq!(v3.verdict, Verdict::No, "{v3:?}");
        assert!(v3.evidence.contains("x86_64-v2"), "{v3:?}");
    }

    /// A Cortex-A15 guest's cpuinfo (QEMU virt), as the armv7 guest reads.
    const A15: &str = "processor\t: 0\nmodel name\t: ARMv7 Processor rev 3 (v7l)\n\
        Features\t: half thumb fastmult vfp edsp thumbee neon vfpv3 tls vfpv4 idiva idivt \
        vfpd32 lpae evtstrm\nCPU architecture: 7\n";

    #[test]
    fn arm_hosts_read_the_cpus_features() {
        let fake = Fake::new(false, "", None);
        std::fs::write(fake.dir.path().join("proc/cpuinfo"), A15).expect("write");
        let on = |t: &str| check_native_with(&arch("armv7ahf"), &arch(t), &fake.files());
        let neon = on("armv7athf-neon");
        assert_eq!(neon.verdict, Verdict::Yes, "{neon:?}");
        assert!(neon.evidence.contains("armv7athf-neon-vfpv4"), "{neon:?}");
        let no_neon = A15.replace(" neon", "");
        std::fs::write(fake.dir.path().join("proc/cpuinfo"), no_neon).expect("write");
        let refused = on("armv7athf-neon");
        assert_eq!(refused.verdict, Verdict::No, "{refused:?}");
        assert!(refused.evidence.contains("lacks"), "{refused:?}");
        std::fs::remove_file(fake.dir.path().join("proc/cpuinfo")).expect("rm");
        assert_eq!(on("armv7athf-neon").verdict, Verdict::Unknown);
    }

    #[test]
    fn cmdline_bool_reads_kstrtobool_values() {
        assert_eq!(
            cmdline_bool("a ia32_emulation=0 b", "ia32_emulation"),
            Some(false)
        );
        assert_eq!(
            cmdline_bool("ia32_emulation=Y", "ia32_emulation"),
            Some(true)
        );
        assert_eq!(cmdline_bool("xia32_emulation=1", "ia32_emulation"), None);
        assert_eq!(cmdline_bool("-- ia32_emulation=1", "ia32_emulation"), None);
        assert_eq!(cmdline_bool("ia32_emulation", "ia32_emulation"), None);
    }

    #[test]
    fn this_host_answers_its_own_probes() {
        let (host, _) = machine::host_baseline().expect("host");
        assert!(check_native(&host, &host).runs());
        if host.family() == Family::X86_64 {
            // Decisive either way: never unknown on x86-64.
            let x32 = check_native(&host, &arch("x86_64-x32"));
            assert_ne!(x32.verdict, Verdict::Unknown, "{x32:?}");
            let i386 = check_native(&host, &arch("i686"));
            assert_ne!(i386.verdict, Verdict::Unknown, "{i386:?}");
        }
    }
}
