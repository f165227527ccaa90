use crate::cli::{Backend, RunArgs};
use ocix_runtime::arch::preflight::preflight;
use ocix_runtime::container::backend::emulation;
use ocix_runtime::container::run::{run as run_container, RunMode};
use ocix_runtime::container::ContainerError;
use ocix_runtime::state::Store;
use std::path::{Path, PathBuf};

/// `run ID` (bundle from --bundle or cwd) or `run BUNDLE/` (id generated).
pub fn run(store: &Store, a: &RunArgs) -> anyhow::Result<i32> {
    if a.opts.backend == Backend::Vm {
        return crate::guest::host::run_vm(store, a);
    }
    let bundle = positional_bundle(a);
    let id = match bundle {
        Some(_) => generated_id(),
        None => a.id_or_bundle.clone(),
    };
    let opts = super::create_options(&a.opts, bundle)?;
    let mode = RunMode {
        detach: a.detach,
        keep: a.keep,
    };
    match run_container(store, &id, &opts, mode) {
        // Create refuses a target it can neither run nor emulate before
        // it makes anything; under auto a cached guest may still run it.
        Err(ContainerError::Backend(why)) if a.opts.backend == Backend::Auto => {
            match guest_fallback(a) {
                Some(target) => {
                    log::debug!("auto: {why}; booting a {target} guest");
                    let mut vm = a.clone();
                    vm.opts.arch = Some(target);
                    vm.opts.backend = Backend::Vm;
                    crate::guest::host::run_vm(store, &vm)
                }
                None => Err(ContainerError::Backend(why).into()),
            }
        }
        other => Ok(other?),
    }
}

/// The positional argument when it is a bundle (holds config.json), as
/// in `run BUNDLE/`; `None` when it is a container id.
pub fn positional_bundle(a: &RunArgs) -> Option<&Path> {
    let positional = Path::new(&a.id_or_bundle);
    positional
        .join("config.json")
        .is_file()
        .then_some(positional)
}

/// The bundle directory of `run`: the positional argument when it is a
/// bundle, else --bundle, else the working directory.
pub fn bundle_dir(a: &RunArgs) -> std::io::Result<PathBuf> {
    match positional_bundle(a).or(a.opts.bundle.as_deref()) {
        Some(b) => Ok(b.to_path_buf()),
        None => std::env::current_dir(),
    }
}

/// The target when only a guest can run the bundle: not native here, no
/// emulator, and a guest whose kernel and agent are cached. Asked only
/// after create refused the target, so `ocix run`'s usual path pays
/// nothing for it.
fn guest_fallback(a: &RunArgs) -> Option<String> {
    let bundle = bundle_dir(a).ok()?;
    let (spec, _) = ocix_runtime::spec::load_bundle(&bundle).ok()?;
    let pre = preflight(&spec, &bundle, a.opts.arch.as_deref()).ok()?;
    if pre.native.runs() || emulation(&pre.target, a.opts.emulator.as_deref()).is_ok() {
        return None;
    }
    let profile = ocix_vm::Profile::for_arch(&pre.target).ok()?;
    crate::guest::host::guest_ready(&profile).then(|| pre.target.to_string())
}

fn generated_id() -> String {
    let mut b = [0u8; 6];
    // SAFETY: getrandom writes at most b.len() bytes into the live buffer.
    let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) };
    if n != b.len() as isize {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b.copy_from_slice(&(t as u64 ^ std::process::id() as u64).to_le_bytes()[..6]);
    }
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("ocix-{hex}")
}
