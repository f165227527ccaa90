//! Machine profiles: which QEMU machine runs a guest of each architecture,
//! with which CPU, console and protocol channel. Pure data plus a lookup.

use ocix_arch_matrix::{Arch, Endian, Family, Isa};

use crate::VmError;

/// The name of the agent's channel to the host, apart from the kernel
/// console: a `virtserialport` on the profile's [`Profile::channel`]
/// device. The guest finds it in `/sys/class/virtio-ports/*/name`.
///
/// A virtio port carries a bundle at MBs per second, where a second
/// serial port (the machines' other choice) moves a few KB: a guest can
/// then be saved once booted and sent every bundle after a restore.
pub const PORT_NAME: &str = "org.ocix.0";

/// A guest machine for one architecture family and byte order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Short name; also the kernel cache directory (`kernels/<key>/`) and
    /// what `images/kernels/fetch` takes.
    pub key: &'static str,
    /// The QEMU system emulator.
    pub qemu: &'static str,
    /// `-machine` value.
    pub machine: &'static str,
    /// `-cpu` value, chosen from the tune.
    pub cpu: &'static str,
    /// The kernel console device (`console=`).
    pub console: &'static str,
    /// The QEMU virtio-serial device that carries the agent's port
    /// ([`PORT_NAME`]): `virtio-serial-device` on virtio-mmio, or
    /// `virtio-serial-pci`.
    pub channel: &'static str,
    /// Kernel arguments besides `console=`.
    pub cmdline: &'static str,
    /// Default guest memory in MiB.
    pub memory_mib: u32,
    /// Rust target of the guest agent build.
    pub agent_target: &'static str,
    /// What `uname -m` prints in the guest.
    pub uname_machine: &'static str,
    /// Whether Debian ships a ready kernel for the guest, which
    /// `images/kernels/fetch` unpacks: a fallback to the small one
    /// `images/kernels/build` makes, which every guest has. Debian's boot
    /// slower and load virtio as modules.
    pub debian_kernel: bool,
    /// Which of its guests survive a save and restore under TCG; the
    /// others boot every time.
    pub saves: Saves,
    /// The most vCPUs its guests boot with, where that is fewer than
    /// QEMU accepts (QEMU refuses more than the machine has itself).
    pub max_cpus: Option<u32>,
}

/// Which guests of a machine can be saved and restored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saves {
    /// Any number of vCPUs.
    Any,
    /// One vCPU only. Two-vCPU pseries guests answered after only 2 of 5
    /// restores here (one vCPU: 5 of 5); malta boots one only.
    OneVcpu,
}

/// One family and byte order's profile, and how it picks its CPU: the
/// tune's core if `by_tune` maps it, else the first `by_isa` rule for the
/// tune's ISA, else the profile's `cpu`.
struct Row {
    family: Family,
    endian: Endian,
    profile: Profile,
    /// `(ISA, CPU)` rules.
    by_isa: &'static [(Isa, &'static str)],
    /// How a tune that names a core picks the CPU.
    by_tune: ByTune,
}

/// How a row maps the core a tune names (`cortexa7`, `74kc`) to a CPU.
enum ByTune {
    /// `(tune CPU prefix, CPU)` rules (`cortexa7` -> `cortex-a7`); the
    /// machine may not take every core arch-matrix knows.
    Rules(&'static [(&'static str, &'static str)]),
    /// The QEMU model arch-matrix gives the core (`74kc` -> `74Kf`),
    /// which the machine takes as qemu-user does.
    QemuModel,
}

/// The common kernel arguments as a literal, for `concat!`.
macro_rules! common_cmdline {
    () => {
        "quiet loglevel=3 panic=-1 rdinit=/init"
    };
}

/// Kernel arguments every guest gets: quiet boot, panics end QEMU at once
/// (with `-no-reboot`), the agent is the initramfs' `/init`.
const COMMON_CMDLINE: &str = common_cmdline!();

/// The malta kernels are built by images/kernels/build with
/// images/kernels/patches/mips/malta-hpt-hz.patch, which takes the CP0
/// count rate from `malta_hpt_hz=` instead of calibrating it against the
/// RTC (up to 2 s of busy-waiting). QEMU's malta clocks the CPU at
/// 320 MHz and the count at half that, whatever the CPU model.
const MALTA_BUILT_CMDLINE: &str = concat!(common_cmdline!(), " malta_hpt_hz=160000000");

/// pseries guests get a POWER9 even for POWER8 (and older) code, which
/// it runs too: a POWER9 guest's interrupts go through XIVE, which
/// survives a save and restore under TCG. A restored POWER8 guest (XICS)
/// never sees another device interrupt: its virtio and hvc ports go
/// silent, so it could not be saved.
const PSERIES_CPU: &str = "POWER9";

const VIRTIO_MMIO: &str = "virtio-serial-device";

/// Built into images/' kernels; Debian's have virtio-pci and
/// virtio-console as modules, which images/kernels/fetch unpacks.
const VIRTIO_PCI: &str = "virtio-serial-pci";

fn table() -> [Row; 7] {
    [
        Row {
            family: Family::Aarch64,
            endian: Endian::Little,
            profile: Profile {
                key: "aarch64",
                qemu: "qemu-system-aarch64",
                machine: "virt",
                cpu: "cortex-a57",
                console: "ttyAMA0",
                channel: VIRTIO_MMIO,
                cmdline: COMMON_CMDLINE,
                memory_mib: 512,
                agent_target: "aarch64-unknown-linux-gnu",
                uname_machine: "aarch64",
                debian_kernel: true,
                saves: Saves::Any,
                max_cpus: None,
            },
            by_isa: &[],
            by_tune: ByTune::Rules(&[("cortexa72", "cortex-a72"), ("cortexa53", "cortex-a53")]),
        },
        Row {
            family: Family::Arm,
            endian: Endian::Little,
            profile: Profile {
                key: "armv7",
                qemu: "qemu-system-arm",
                machine: "virt",
                cpu: "cortex-a15",
                console: "ttyAMA0",
                channel: VIRTIO_MMIO,
                cmdline: COMMON_CMDLINE,
                memory_mib: 512,
                agent_target: "armv7-unknown-linux-gnueabihf",
                uname_machine: "armv7l",
                debian_kernel: true,
                saves: Saves::Any,
                max_cpus: None,
            },
            by_isa: &[],
            by_tune: ByTune::Rules(&[("cortexa7", "cortex-a7")]),
        },
        Row {
            family: Family::PowerPc64,
            endian: Endian::Big,
            profile: Profile {
                key: "ppc64",
                qemu: "qemu-system-ppc64",
                machine: "pseries,x-vof=on",
                cpu: PSERIES_CPU,
                console: "hvc0",
                channel: VIRTIO_PCI,
                cmdline: COMMON_CMDLINE,
                memory_mib: 512,
                agent_target: "powerpc64-unknown-linux-gnu",
                uname_machine: "ppc64",
                debian_kernel: false,
                saves: Saves::OneVcpu,
                max_cpus: None,
            },
            by_isa: &[(Isa::Power10, "POWER10")],
            by_tune: ByTune::Rules(&[]),
        },
        Row {
            family: Family::PowerPc64,
            endian: Endian::Little,
            profile: Profile {
                key: "ppc64le",
                qemu: "qemu-system-ppc64",
                machine: "pseries,x-vof=on",
                cpu: PSERIES_CPU,
                console: "hvc0",
                channel: VIRTIO_PCI,
                cmdline: COMMON_CMDLINE,
                memory_mib: 512,
                agent_target: "powerpc64le-unknown-linux-gnu",
                uname_machine: "ppc64le",
                debian_kernel: true,
                saves: Saves::OneVcpu,
                max_cpus: None,
            },
            by_isa: &[(Isa::Power10, "POWER10")],
            by_tune: ByTune::Rules(&[]),
        },
        Row {
            family: Family::Mips,
            endian: Endian::Big,
            profile: mips_malta("mips", "qemu-system-mips", "mips-unknown-linux-gnu", "mips"),
            by_isa: &[],
            by_tune: ByTune::QemuModel,
        },
        Row {
            family: Family::Mips,
            endian: Endian::Little,
            // Not Debian's 4kc-malta kernel: it boots in 6 s, and most of
            // its guests, once restored, stall about 20 s while the
            // container is created (images/kernels/README.md).
            profile: mips_malta(
                "mipsel",
                "qemu-system-mipsel",
                "mipsel-unknown-linux-gnu",
                "mips",
            ),
            by_isa: &[],
            by_tune: ByTune::QemuModel,
        },
        Row {
            family: Family::Mips64,
            endian: Endian::Little,
            profile: Profile {
                cpu: "MIPS64R2-generic",
                debian_kernel: true,
                ..mips_malta(
                    "mips64el",
                    "qemu-system-mips64el",
                    "mips64el-unknown-linux-gnuabi64",
                    "mips64",
                )
            },
            by_isa: &[(Isa::Mips64, "5KEf")],
            by_tune: ByTune::Rules(&[]),
        },
    ]
}

fn mips_malta(
    key: &'static str,
    qemu: &'static str,
    agent_target: &'static str,
    uname_machine: &'static str,
) -> Profile {
    Profile {
        key,
        qemu,
        machine: "malta",
        cpu: "24Kf",
        console: "ttyS0",
        channel: VIRTIO_PCI,
        cmdline: MALTA_BUILT_CMDLINE,
        memory_mib: 256,
        agent_target,
        uname_machine,
        debian_kernel: false,
        saves: Saves::OneVcpu,
        // QEMU's malta given -smp 2 boots no built kernel here (not a
        // console line in 30 s, with one TCG thread or several), and a
        // two-vCPU run of Debian's SMP 5kc-malta did not end in 120 s.
        max_cpus: Some(1),
    }
}

impl Profile {
    /// The profile for `arch`, its CPU matched to the tune.
    pub fn for_arch(arch: &Arch) -> Result<Profile, VmError> {
        let rows = table();
        let row = rows
            .iter()
            .find(|r| r.family == arch.family() && r.endian == arch.endian())
            .ok_or_else(|| VmError::NoProfile {
                arch: arch.to_string(),
                supported: Profile::keys().join(", "),
            })?;
        let mut p = row.profile.clone();
        let by_tune = match (arch.cpu(), &row.by_tune) {
            (Some(tune), ByTune::Rules(rules)) => rules
                .iter()
                .find(|(t, _)| tune.starts_with(t))
                .map(|(_, cpu)| *cpu),
            (Some(_), ByTune::QemuModel) => arch.qemu_cpu(),
            (None, _) => None,
        };
        if let Some(cpu) = by_tune {
            p.cpu = cpu;
        } else if let Some((_, cpu)) = row.by_isa.iter().find(|(i, _)| *i == arch.isa()) {
            p.cpu = cpu;
        }
        Ok(p)
    }

    /// Every profile's key, in table order.
    pub fn keys() -> Vec<&'static str> {
        table().iter().map(|r| r.profile.key).collect()
    }

    /// The profile whose key is `key`, with its default CPU.
    pub fn by_key(key: &str) -> Option<Profile> {
        table()
            .into_iter()
            .map(|r| r.profile)
            .find(|p| p.key == key)
    }

    /// Whether a guest of `cpus` vCPUs boots on this machine.
    pub fn check_cpus(&self, cpus: u32) -> Result<(), VmError> {
        let max = self.max_cpus.unwrap_or(u32::MAX);
        if (1..=max).contains(&cpus) {
            return Ok(());
        }
        Err(VmError::Cpus {
            key: self.key,
            machine: self.machine,
            max,
            asked: cpus,
        })
    }

    /// Whether a guest of `cpus` vCPUs can be saved and restored.
    pub fn can_save(&self, cpus: u32) -> bool {
        match self.saves {
            Saves::Any => true,
            Saves::OneVcpu => cpus <= 1,
        }
    }

    /// The full kernel command line.
    pub fn kernel_cmdline(&self) -> String {
        format!("console={} {}", self.console, self.cmdline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> Profile {
        let arch = Arch::parse(name).expect("known arch");
        Profile::for_arch(&arch).expect("has a profile")
    }

    #[test]
    fn picks_machine_and_cpu_per_tune() {
        let cases = [
            ("aarch64", "aarch64", "virt", "cortex-a57"),
            ("armv7ahf", "armv7", "virt", "cortex-a15"),
            ("cortexa7thf-neon-vfpv4", "armv7", "virt", "cortex-a7"),
            ("ppc64", "ppc64", "pseries,x-vof=on", "POWER9"),
            ("ppc64p8", "ppc64", "pseries,x-vof=on", "POWER9"),
            ("ppc64le", "ppc64le", "pseries,x-vof=on", "POWER9"),
            ("ppc64p9le", "ppc64le", "pseries,x-vof=on", "POWER9"),
            ("ppc64p10le", "ppc64le", "pseries,x-vof=on", "POWER10"),
            ("mips", "mips", "malta", "24Kf"),
            ("mipsel", "mipsel", "malta", "24Kf"),
            ("mips32r2-74kc", "mips", "malta", "74Kf"),
            ("mips32r2el-24kc", "mipsel", "malta", "24Kc"),
            ("mips32r2el-24kec-nf", "mipsel", "malta", "24KEc"),
            ("mips64el", "mips64el", "malta", "MIPS64R2-generic"),
        ];
        for (name, key, machine, cpu) in cases {
            let p = profile(name);
            assert_eq!((p.key, p.machine, p.cpu), (key, machine, cpu), "{name}");
        }
    }

    #[test]
    fn never_uses_max_cpu() {
        for key in Profile::keys() {
            let p = Profile::by_key(key).expect("listed key");
            assert_ne!(p.cpu, "max", "{key}");
        }
    }

    /// `virt` has no PCI here: its port hangs off virtio-mmio. pseries
    /// and malta use PCI, which their kernels drive (built in, or modules
    /// the fetch recipe unpacks).
    #[test]
    fn virtio_port_on_mmio_for_virt_else_pci() {
        for key in Profile::keys() {
            let p = Profile::by_key(key).expect("listed key");
            let want = if p.machine == "virt" {
                VIRTIO_MMIO
            } else {
                VIRTIO_PCI
            };
            assert_eq!(p.channel, want, "{key}");
            assert!(p
                .kernel_cmdline()
                .contains(&format!("console={}", p.console)));
        }
    }

    #[test]
    fn which_guests_are_saved() {
        let saved = |cpus| -> Vec<&str> {
            Profile::keys()
                .into_iter()
                .filter(|k| Profile::by_key(k).is_some_and(|p| p.can_save(cpus)))
                .collect()
        };
        let one = [
            "aarch64", "armv7", "ppc64", "ppc64le", "mips", "mipsel", "mips64el",
        ];
        assert_eq!(saved(1), one);
        assert_eq!(saved(2), ["aarch64", "armv7"]);
    }

    #[test]
    fn malta_guests_boot_one_vcpu() {
        for key in ["mips", "mipsel", "mips64el"] {
            let p = Profile::by_key(key).expect("listed key");
            assert!(p.check_cpus(1).is_ok(), "{key}");
            let e = p.check_cpus(2).expect_err("two vCPUs on malta");
            assert_eq!(
                e.to_string(),
                format!("--cpus 2: {key} guests (QEMU's malta) boot with 1 vCPU only")
            );
        }
        for key in ["aarch64", "armv7", "ppc64", "ppc64le"] {
            let p = Profile::by_key(key).expect("listed key");
            assert!(p.check_cpus(4).is_ok(), "{key}");
            let e = p.check_cpus(0).expect_err("no vCPU");
            assert!(e.to_string().ends_with("boot with at least 1 vCPU"), "{e}");
        }
    }

    /// Every guest has a build recipe, and Debian's kernel is offered
    /// exactly where images/kernels/fetch has one.
    #[test]
    fn kernel_recipes_match_the_scripts() {
        let keys = |script: &'static str| -> Vec<&'static str> {
            script
                .lines()
                .filter_map(|l| l.trim().strip_prefix('[')?.split_once("]=\""))
                .map(|(key, _)| key)
                .collect()
        };
        let built = keys(include_str!("../../images/kernels/build"));
        let fetched = keys(include_str!("../../images/kernels/fetch"));
        assert_eq!(built.len(), Profile::keys().len(), "{built:?}");
        for key in Profile::keys() {
            let p = Profile::by_key(key).expect("listed key");
            assert!(built.contains(&key), "no build recipe for {key}");
            assert_eq!(fetched.contains(&key), p.debian_kernel, "{key}");
        }
    }

    #[test]
    fn unknown_family_is_an_error() {
        let arch = Arch::parse("s390x").expect("known arch");
        let e = Profile::for_arch(&arch).expect_err("no s390x machine");
        assert!(e.to_string().contains("aarch64"), "{e}");
    }
}
