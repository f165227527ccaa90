//! The QEMU command line for a guest: pure, so it is unit-tested without
//! QEMU.
//!
//! The kernel console goes to QEMU's stdout (`-chardev stdio`); the
//! agent's channel is a unix socket QEMU connects to at start-up, so the
//! host has it before the guest runs.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::profile::{Profile, PORT_NAME};

/// Accelerator for the guest's CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    /// Translation (any guest on any host).
    Tcg,
    /// KVM (guest arch = host arch, and a KVM that boots stock kernels).
    Kvm,
}

/// Everything that varies between guests of one profile.
#[derive(Debug, Clone)]
pub struct QemuCommand {
    /// The machine profile.
    pub profile: Profile,
    /// Kernel image (`-kernel`).
    pub kernel: PathBuf,
    /// Initramfs (`-initrd`).
    pub initrd: PathBuf,
    /// The unix socket the host listens on for the agent's channel.
    pub channel_socket: PathBuf,
    /// Guest memory in MiB.
    pub memory_mib: u32,
    /// Guest CPUs.
    pub cpus: u32,
    /// Accelerator.
    pub accel: Accel,
    /// Kernel arguments appended to the profile's.
    pub extra_cmdline: Option<String>,
}

impl QemuCommand {
    /// A command with the profile's defaults: its memory, one CPU, TCG.
    pub fn new(profile: Profile, kernel: PathBuf, initrd: PathBuf, socket: PathBuf) -> Self {
        QemuCommand {
            memory_mib: profile.memory_mib,
            profile,
            kernel,
            initrd,
            channel_socket: socket,
            cpus: 1,
            accel: Accel::Tcg,
            extra_cmdline: None,
        }
    }

    /// The program to run.
    pub fn program(&self) -> &'static str {
        self.profile.qemu
    }

    /// The arguments, in order.
    pub fn args(&self) -> Vec<OsString> {
        let mut cmdline = self.profile.kernel_cmdline();
        if let Some(extra) = &self.extra_cmdline {
            cmdline.push(' ');
            cmdline.push_str(extra);
        }
        let accel = match self.accel {
            // One translation thread per vCPU where there is more than one.
            Accel::Tcg if self.cpus > 1 => "tcg,thread=multi",
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        };
        let mut socket = OsString::from("socket,id=ocix,path=");
        socket.push(&self.channel_socket);
        let port = format!("virtserialport,chardev=ocix,name={PORT_NAME}");
        let memory = self.memory_mib.to_string();
        let cpus = self.cpus.to_string();
        let mut a: Vec<OsString> = [
            "-nodefaults",
            "-no-user-config",
            "-no-reboot",
            "-display",
            "none",
            "-monitor",
            "none",
            "-machine",
            self.profile.machine,
            "-cpu",
            self.profile.cpu,
            "-accel",
            accel,
            "-m",
            &memory,
            "-smp",
            &cpus,
            "-chardev",
            "stdio,id=con,signal=off",
            "-serial",
            "chardev:con",
            "-chardev",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        a.push(socket);
        let channel = ["-device", self.profile.channel, "-device", &port];
        a.extend(channel.iter().map(OsString::from));
        a.push("-kernel".into());
        a.push(self.kernel.clone().into_os_string());
        a.push("-initrd".into());
        a.push(self.initrd.clone().into_os_string());
        a.push("-append".into());
        a.push(cmdline.into());
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(key: &str) -> QemuCommand {
        let p = Profile::by_key(key).expect("profile");
        QemuCommand::new(p, "/k/kernel".into(), "/t/initrd".into(), "/t/s".into())
    }

    fn joined(c: &QemuCommand) -> String {
        c.args()
            .iter()
            .map(|s| s.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn aarch64_uses_a_virtio_port() {
        let s = joined(&cmd("aarch64"));
        assert!(s.contains("-machine virt -cpu cortex-a57 -accel tcg -m 512 -smp 1"));
        assert!(s.contains("-chardev socket,id=ocix,path=/t/s"));
        assert!(s.contains(
            "-device virtio-serial-device -device virtserialport,chardev=ocix,name=org.ocix.0"
        ));
        assert!(s.contains("-kernel /k/kernel -initrd /t/initrd"));
        assert!(s.ends_with("-append console=ttyAMA0 quiet loglevel=3 panic=-1 rdinit=/init"));
        assert!(s.starts_with("-nodefaults -no-user-config -no-reboot"));
    }

    #[test]
    fn malta_uses_a_virtio_pci_port() {
        let s = joined(&cmd("mips64el"));
        assert!(s.contains(
            "-device virtio-serial-pci -device virtserialport,chardev=ocix,name=org.ocix.0"
        ));
        assert!(!s.contains("-serial chardev:ocix"), "{s}");
    }

    #[test]
    fn overrides_and_multithreaded_tcg() {
        let mut c = cmd("ppc64");
        c.memory_mib = 1024;
        c.cpus = 2;
        c.extra_cmdline = Some("debug".into());
        let s = joined(&c);
        assert!(s.contains(
            "-machine pseries,x-vof=on -cpu POWER9 -accel tcg,thread=multi -m 1024 -smp 2"
        ));
        assert!(s.ends_with("rdinit=/init debug"), "{s}");
        assert_eq!(c.program(), "qemu-system-ppc64");
    }
}
