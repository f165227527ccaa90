//! Choosing how a target runs here (`--backend`), and finding what the
//! emulate backend needs.

use super::{Backend, ContainerError};
use crate::linux::binfmt::Emulation;
use crate::linux::binfmt_host;

const HOST_BINFMT: &str = "/proc/sys/fs/binfmt_misc";
use ocix_arch_matrix::Arch;
use std::path::{Path, PathBuf};

/// What `create` will do for the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    Native,
    Emulate(Emulation),
}

impl Selected {
    pub fn name(&self) -> &'static str {
        match self {
            Selected::Native => "native",
            Selected::Emulate(_) => "emulate",
        }
    }
}

/// Picks the backend for `target`; `native` says whether the host kernel
/// runs it directly.
pub fn select(
    backend: Backend,
    host: &Arch,
    target: &Arch,
    native: bool,
    emulator: Option<&Path>,
) -> Result<Selected, ContainerError> {
    match backend {
        Backend::Native if native => Ok(Selected::Native),
        Backend::Native => Err(ContainerError::Backend(format!(
            "this {host} host cannot run {target} natively; try --backend emulate or --backend vm"
        ))),
        Backend::Emulate => emulation(target, emulator).map(Selected::Emulate),
        Backend::Auto if native => Ok(Selected::Native),
        Backend::Auto => emulation(target, emulator)
            .map(Selected::Emulate)
            .map_err(|e| {
                ContainerError::Backend(format!(
                    "this {host} host cannot run {target} natively, and cannot emulate it: {e}; \
                 or boot a guest with --backend vm"
                ))
            }),
        Backend::Vm => Err(ContainerError::Backend(
            "the vm backend supports `ocix run` only".into(),
        )),
    }
}

/// The emulation of `target`: its qemu-user binary, ELF magic and CPU.
pub fn emulation(target: &Arch, explicit: Option<&Path>) -> Result<Emulation, ContainerError> {
    let qemu = target.qemu_user_binary().ok_or_else(|| {
        ContainerError::Backend(format!("QEMU has no user-mode emulator for {target}"))
    })?;
    let interpreter = match explicit {
        Some(p) if is_executable(p) => p.to_path_buf(),
        Some(p) => {
            return Err(ContainerError::Backend(format!(
                "--emulator {}: not an executable file",
                p.display()
            )))
        }
        None => find_emulator(qemu).ok_or_else(|| {
            ContainerError::Backend(format!(
                "no {qemu} (or {qemu}-static) on the emulator path ($OCIX_EMULATOR_PATH, \
                 else PATH); install Debian's qemu-user (ci/setup does) \
                 or pass --emulator PATH"
            ))
        })?,
    };
    let (magic, mask) = target.binfmt_magic_mask().ok_or_else(|| {
        ContainerError::Backend(format!("no binfmt_misc magic known for {target}"))
    })?;
    let mut e = Emulation {
        name: format!("ocix-{}", qemu.trim_start_matches("qemu-")),
        interpreter,
        magic,
        mask,
        cpu: target.qemu_cpu().map(String::from),
        private: true,
    };
    if !binfmt_host::private_instances_supported() {
        // Older kernels: use what the host registered, never change it.
        let host = binfmt_host::find_matching(Path::new(HOST_BINFMT), &e.magic, &e.mask)
            .ok_or_else(|| {
                ContainerError::Backend(format!(
                "this kernel cannot give a container its own binfmt_misc (Linux 6.7+ can), and no \
                 handler for {target} is registered in {HOST_BINFMT}; register one (Debian: \
                 qemu-user-binfmt) or use --backend vm"
            ))
            })?;
        e.name = host.name;
        e.interpreter = host.interpreter;
        e.private = false;
    }
    Ok(e)
}

/// `qemu-X-static` or `qemu-X` in `$OCIX_EMULATOR_PATH` (a colon list),
/// else on PATH, then in /usr/bin.
pub fn find_emulator(qemu: &str) -> Option<PathBuf> {
    let path = match std::env::var("OCIX_EMULATOR_PATH") {
        Ok(p) => p,
        Err(_) => std::env::var("PATH").unwrap_or_default() + ":/usr/bin",
    };
    let names = [format!("{qemu}-static"), qemu.to_string()];
    let found = path
        .split(':')
        .filter(|d| !d.is_empty())
        .flat_map(|d| names.iter().map(move |n| Path::new(d).join(n)))
        .find(|p| is_executable(p));
    found
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The host's own architecture (from `uname -m`).
pub fn host_arch() -> Result<Arch, ContainerError> {
    crate::arch::machine::host_baseline()
        .map(|(arch, _)| arch)
        .map_err(|e| ContainerError::Backend(format!("host architecture: {e}")))
}

/// Backend for preflight's target: `pre.native` is the probed answer
/// (an i386 bundle on x86-64 runs natively only when the kernel has ia32
/// emulation on, which the data alone cannot say).
pub fn plan(
    pre: &crate::arch::preflight::Preflight,
    backend: Backend,
    emulator: Option<&Path>,
) -> Result<Selected, ContainerError> {
    select(backend, &pre.host, &pre.target, pre.native.runs(), emulator)
}
