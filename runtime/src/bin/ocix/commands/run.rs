use crate::cli::{Backend, RunArgs};
use ocix_runtime::arch::preflight::preflight;
use ocix_runtime::container::backend::emulation;
use ocix_runtime::container::run::{run as run_container, RunMode};
use ocix_runtime::state::Store;
use std::path::Path;

/// `run ID` (bundle from --bundle or cwd) or `run BUNDLE/` (id generated).
pub fn run(store: &Store, a: &RunArgs) -> anyhow::Result<i32> {
    if a.opts.backend == Backend::Vm {
        return crate::guest::host::run_vm(store, a);
    }
    if a.opts.backend == Backend::Auto {
        if let Some(target) = guest_fallback(a) {
            log::debug!("auto: {target} neither runs natively nor is emulated here: a guest");
            let mut vm = a.clone();
            vm.opts.arch = Some(target);
            vm.opts.backend = Backend::Vm;
            return crate::guest::host::run_vm(store, &vm);
        }
    }
    let positional = Path::new(&a.id_or_bundle);
    let (id, bundle) = if positional.join("config.json").is_file() {
        (generated_id(), Some(positional))
    } else {
        (a.id_or_bundle.clone(), None)
    };
    let opts = super::create_options(&a.opts, bundle)?;
    let mode = RunMode {
        detach: a.detach,
        keep: a.keep,
    };
    Ok(run_container(store, &id, &opts, mode)?)
}

/// Under `auto`, the target when only a guest can run the bundle: not
/// native here, no emulator, and a guest whose kernel and agent are
/// cached (else create's error says what to install). Any error
/// (bad config, wrong binary) is left for create to report as usual.
fn guest_fallback(a: &RunArgs) -> Option<String> {
    let positional = Path::new(&a.id_or_bundle);
    let bundle = if positional.join("config.json").is_file() {
        positional.to_path_buf()
    } else {
        a.opts
            .bundle
            .clone()
            .or_else(|| std::env::current_dir().ok())?
    };
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
