//! The host facts the planner needs: the host arch, which qemu-user
//! emulators exist, and which guests the vm backend can boot.

use crate::guest::host::{cache_dir, kernel_dir};
use ocix_arch_matrix::matrix::HostFacts;
use ocix_arch_matrix::Arch;
use ocix_runtime::container::backend::{find_emulator, host_arch};
use ocix_vm::Profile;

/// Facts about this host for `arches`.
pub fn facts(arches: &[Arch]) -> anyhow::Result<HostFacts> {
    let mut f = HostFacts {
        arch: host_arch()?,
        emulators: Default::default(),
        vm: Default::default(),
    };
    for arch in arches {
        if let Some(q) = arch.qemu_user_binary() {
            if find_emulator(q).is_some() {
                f.emulators.insert(q.to_string());
            }
        }
        if let Ok(p) = Profile::for_arch(arch) {
            f.vm.insert(*arch, vm_ready(arch, &p));
        }
    }
    Ok(f)
}

/// Whether the vm backend has QEMU, a kernel and a guest agent for `arch`.
fn vm_ready(arch: &Arch, p: &Profile) -> Result<(), String> {
    let mut missing = Vec::new();
    if ocix_runtime::arch::tools::which(p.qemu).is_none() {
        missing.push(format!("{} (install qemu-system)", p.qemu));
    }
    let kernel = kernel_dir(p).join("kernel");
    if !kernel.is_file() {
        missing.push(format!(
            "a {} kernel at {} (see `ocix images list`)",
            p.key,
            kernel.display()
        ));
    }
    let agent = match std::env::var_os("OCIX_GUEST_AGENT") {
        Some(a) => a.into(),
        None => cache_dir().join("agents").join(p.agent_target).join("ocix"),
    };
    if !agent.is_file() {
        missing.push(format!(
            "a guest agent at {} (ci/build-guest-agents.sh {})",
            agent.display(),
            p.agent_target
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the vm backend for {arch} lacks {}",
            missing.join("; ")
        ))
    }
}
