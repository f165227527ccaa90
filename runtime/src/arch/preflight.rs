//! Preflight: before `create` makes anything, check that the bundle's
//! entrypoint is a binary for the target, and whether this host runs the
//! target natively.
//!
//! The target is `--arch`, else the annotations, else what the entrypoint's
//! ELF declares. The check reads a few KiB (the ELF headers and attribute
//! sections), a handful of `openat2` calls and one uname(2): well under a
//! millisecond (see the `preflight` bench).

use super::entry::{self, View};
use super::error::NotNative;
use super::native::{self, NativeCheck};
use super::target::{self, TargetSource};
use super::{machine, tools, PreflightError};
use crate::container::{Backend, CreateOptions};
use crate::spec::Spec;
use ocix_arch_matrix::{compat, Arch, ElfInfo};
use std::path::{Path, PathBuf};

/// A bundle that passed preflight.
#[derive(Clone, Debug)]
pub struct Preflight {
    /// What the container is to run as.
    pub target: Arch,
    pub target_source: TargetSource,
    /// Host path of the ELF checked (a `#!` script's interpreter).
    pub binary: PathBuf,
    /// Host path of `process.args[0]` when it is a `#!` script.
    pub script: Option<PathBuf>,
    pub elf: ElfInfo,
    /// This host's arch from `uname -m` (its family's baseline).
    pub host: Arch,
    /// Whether the host runs `target` natively.
    pub native: NativeCheck,
}

/// Checks the bundle at `bundle` (its rootfs and bind mounts) against the
/// target: `arch` (the `--arch` flag, any spelling), else the annotations,
/// else the entrypoint's ELF. Errors only for a bundle that cannot run as
/// asked; whether this host can run it is in [`Preflight::native`].
pub fn preflight(
    spec: &Spec,
    bundle: &Path,
    arch: Option<&str>,
) -> Result<Preflight, PreflightError> {
    let process = spec.process.as_ref().ok_or(PreflightError::NoProcess)?;
    let declared = target::declared(arch, &spec.annotations)?;
    // Not canonicalised: the files found are named by their descriptors'
    // paths anyway.
    let rootfs = spec.rootfs_in(bundle);
    let view = View::new(&rootfs, bundle, &spec.mounts);
    let entry = entry::find(&view, process)?;
    let (target, target_source) = match declared {
        Some(d) => d,
        None => {
            let implied =
                entry
                    .elf
                    .implied_arch()
                    .ok_or_else(|| PreflightError::UnknownMachine {
                        path: entry.binary.clone(),
                        elf: entry.elf.to_string(),
                    })?;
            (implied, TargetSource::Elf)
        }
    };
    compat::check(&target, &entry.elf).map_err(|mismatch| PreflightError::Mismatch {
        path: entry.binary.clone(),
        mismatch,
    })?;
    let (host, _) = machine::host_baseline().map_err(|e| PreflightError::Host(e.to_string()))?;
    let native = native::check_native(&host, &target);
    Ok(Preflight {
        target,
        target_source,
        binary: entry.binary,
        script: entry.script,
        elf: entry.elf,
        host,
        native,
    })
}

/// [`preflight`] as `create` needs it: the `--arch` flag from `opts`,
/// and an error when `--backend native` is asked of a target this host
/// does not run natively. Other backends get the answer in
/// [`Preflight::native`] and choose.
pub fn preflight_for_create(
    spec: &Spec,
    opts: &CreateOptions,
) -> Result<Preflight, PreflightError> {
    let started = std::time::Instant::now();
    let pre = preflight(spec, &opts.bundle, opts.arch.as_deref())?;
    log::debug!(
        "preflight: target {} from {:?}, binary {}, native {:?}, {} µs",
        pre.target,
        pre.target_source,
        pre.binary.display(),
        pre.native.verdict,
        started.elapsed().as_micros()
    );
    if opts.backend == Backend::Native && !pre.native.runs() {
        return Err(pre.not_native());
    }
    Ok(pre)
}

impl Preflight {
    /// The error for a target this host does not run natively, with what
    /// would make it run: the emulator or system emulator found here, or
    /// what to install.
    pub fn not_native(&self) -> PreflightError {
        let from = match self.target_source {
            TargetSource::Elf => format!("the ELF of {}", self.binary.display()),
            other => other.to_string(),
        };
        PreflightError::NotNative(Box::new(NotNative {
            target: self.target,
            from,
            host: self.host,
            why: self.native.evidence.clone(),
            hint: hint(&self.target),
        }))
    }
}

/// What would run `target` here.
fn hint(target: &Arch) -> String {
    let emulate = match (target.qemu_user_binary(), tools::emulator_for(target)) {
        (_, Some(t)) => format!("use --backend emulate ({} is installed)", t.path.display()),
        (Some(q), None) => {
            format!("install qemu-user-static (for {q}-static) and use --backend emulate")
        }
        (None, None) => format!("QEMU cannot emulate {target} in user mode"),
    };
    let vm = match tools::system_for(target) {
        Some(t) => format!("--backend vm ({} is installed)", t.path.display()),
        None => format!(
            "--backend vm once {} is installed",
            tools::qemu_system_binary(target)
        ),
    };
    format!("{emulate}, or {vm}")
}
