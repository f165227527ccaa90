use crate::cli::RunArgs;
use ocix_runtime::container::run::{run as run_container, RunMode};
use ocix_runtime::state::Store;
use std::path::Path;

/// `run ID` (bundle from --bundle or cwd) or `run BUNDLE/` (id generated).
pub fn run(store: &Store, a: &RunArgs) -> anyhow::Result<i32> {
    if a.opts.backend == crate::cli::Backend::Vm {
        return crate::guest::host::run_vm(store, a);
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
