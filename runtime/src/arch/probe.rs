//! Everything this host offers for running other architectures, in one
//! report: its own arch, what its kernel runs natively, the QEMU emulators
//! installed, binfmt_misc handlers, and KVM.
//!
//! Probing reads files and asks a few syscalls; it never changes host
//! state. It costs a few milliseconds (one `stat` per emulator and search
//! directory), so `create` does not call it: preflight asks only
//! [`native::check_native`].

use super::binfmt::{self, BinfmtInfo};
use super::kvm::{self, KvmInfo};
use super::machine;
use super::native::{self, NativeCheck};
use super::tools::{self, Tool};
use ocix_arch_matrix::{compat, Arch};
use serde::Serialize;
use std::path::Path;

/// The Debian architectures (plus x32): the targets people ask about,
/// one per distinct user space, for [`HostInfo::routes`].
const COMMON_TARGETS: &[&str] = &[
    "amd64", "i386", "x32", "arm64", "armhf", "armel", "ppc64el", "ppc64", "powerpc", "mips64el",
    "mipsel", "mips", "mips64", "s390x", "riscv64", "loong64", "sh4",
];

/// What this host is and can run.
#[derive(Clone, Debug, Serialize)]
pub struct HostInfo {
    /// The host's arch at its CPU's level (`x86_64-v3`); `None` when the
    /// machine is unknown to the model.
    pub arch: Option<Arch>,
    /// `uname -m`.
    pub uname_machine: String,
    /// `uname -r`.
    pub kernel_release: String,
    /// Every known target the model says may run natively, checked.
    pub native: Vec<NativeTarget>,
    /// Installed QEMU user emulators (`qemu-<arch>[-static]`).
    pub emulators: Vec<Tool>,
    /// Installed `qemu-system-*`.
    pub system_emulators: Vec<Tool>,
    /// The host's binfmt_misc handlers.
    pub binfmt: BinfmtInfo,
    /// `/dev/kvm`.
    pub kvm: KvmInfo,
}

/// A target and whether the host runs it natively.
#[derive(Clone, Debug, Serialize)]
pub struct NativeTarget {
    pub arch: Arch,
    #[serde(flatten)]
    pub check: NativeCheck,
}

/// The ways this host can run one target.
#[derive(Clone, Debug, Serialize)]
pub struct Route {
    pub target: Arch,
    pub native: NativeCheck,
    pub emulate: EmulateRoute,
    pub vm: VmRoute,
}

/// User-mode emulation of a target.
#[derive(Clone, Debug, Serialize)]
pub struct EmulateRoute {
    /// The QEMU user binary the target needs (`None`: QEMU has none).
    pub emulator: Option<&'static str>,
    /// The installed one, if any.
    pub found: Option<Tool>,
    /// `QEMU_CPU` for the tune.
    pub cpu: Option<&'static str>,
    /// A host binfmt_misc handler already covering the target (informative:
    /// the emulate backend registers its own, container-private one).
    pub host_handler: Option<String>,
}

/// A guest VM of the target.
#[derive(Clone, Debug, Serialize)]
pub struct VmRoute {
    pub qemu: &'static str,
    pub found: Option<Tool>,
    /// Whether KVM can accelerate it (same architecture, KVM boots stock
    /// kernels); otherwise QEMU emulates (TCG).
    pub kvm: bool,
}

impl HostInfo {
    /// Probes this host.
    pub fn probe() -> HostInfo {
        let uname = machine::uname().unwrap_or(machine::Uname {
            machine: std::env::consts::ARCH.to_owned(),
            release: String::new(),
        });
        let arch = machine::arch_of_machine(&uname.machine).map(machine::refine);
        let native = arch.as_ref().map(native_targets).unwrap_or_default();
        let emulators = tools::qemu_user_names()
            .into_iter()
            .filter_map(tools::find_qemu_user)
            .collect();
        let system_emulators = tools::qemu_system_names()
            .into_iter()
            .filter_map(|n| {
                tools::which(n).map(|path| Tool {
                    name: n.to_owned(),
                    path,
                    is_static: false,
                })
            })
            .collect();
        let kvm = match &arch {
            Some(a) => kvm::probe(a),
            None => KvmInfo::absent("unknown host machine".into()),
        };
        HostInfo {
            arch,
            uname_machine: uname.machine,
            kernel_release: uname.release,
            native,
            emulators,
            system_emulators,
            binfmt: binfmt::read(Path::new("/proc/sys/fs/binfmt_misc")),
            kvm,
        }
    }

    /// How this host can run `target`.
    pub fn route(&self, target: &Arch) -> Route {
        let native = match &self.arch {
            Some(host) => native::check_native(host, target),
            None => NativeCheck {
                verdict: native::Verdict::Unknown,
                evidence: format!("unknown host machine {:?}", self.uname_machine),
            },
        };
        let emulator = target.qemu_user_binary();
        let qemu = tools::qemu_system_binary(target);
        let same_arch = self
            .arch
            .is_some_and(|h| h.family() == target.family() && h.endian() == target.endian());
        Route {
            target: *target,
            native,
            emulate: EmulateRoute {
                emulator,
                found: emulator.and_then(|e| find(&self.emulators, e)),
                cpu: target.qemu_cpu(),
                host_handler: self.binfmt.handler_for(target).map(|h| h.name.clone()),
            },
            vm: VmRoute {
                qemu,
                found: find(&self.system_emulators, qemu),
                kvm: same_arch && self.kvm.boots_stock_kernel,
            },
        }
    }

    /// [`route`](Self::route) for the host's own arch and each Debian
    /// architecture.
    pub fn routes(&self) -> Vec<Route> {
        let mut targets: Vec<Arch> = self.arch.into_iter().collect();
        for name in COMMON_TARGETS {
            if let Ok(a) = Arch::parse(name) {
                if !targets.contains(&a) {
                    targets.push(a);
                }
            }
        }
        targets.iter().map(|t| self.route(t)).collect()
    }
}

fn find(tools: &[Tool], name: &str) -> Option<Tool> {
    tools.iter().find(|t| t.name == name).cloned()
}

fn native_targets(host: &Arch) -> Vec<NativeTarget> {
    compat::native_targets(host)
        .into_iter()
        .map(|(arch, _)| NativeTarget {
            arch,
            check: native::check_native(host, &arch),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_reports_this_host() {
        let info = HostInfo::probe();
        let host = info.arch.expect("known host");
        assert!(info.native.iter().any(|n| n.arch == host && n.check.runs()));
        let routes = info.routes();
        assert_eq!(routes.first().map(|r| r.target), Some(host));
        assert!(routes.len() >= COMMON_TARGETS.len());
        let json = serde_json::to_value(&info).expect("json");
        assert!(json["kvm"]["note"].is_string(), "{json}");
        assert_eq!(json["arch"], host.to_string());
    }

    #[test]
    fn foreign_targets_route_to_qemu_binaries() {
        let info = HostInfo::probe();
        let arm = Arch::parse("armel").expect("armel");
        let r = info.route(&arm);
        assert_eq!(r.emulate.emulator, Some("qemu-arm"));
        assert_eq!(r.emulate.cpu, Some("arm926"));
        assert_eq!(r.vm.qemu, "qemu-system-arm");
    }
}
