//! One handler per verb: translate CLI arguments to library calls and
//! print what runc would print.

pub mod arch;
pub mod bench;
pub mod create;
pub mod delete;
pub mod digest;
pub mod events;
pub mod exec;
pub mod features;
pub mod images;
pub mod kill;
pub mod list;
pub mod matrix;
pub mod pause;
pub mod ps;
pub mod resume;
pub mod run;
pub mod spec;
pub mod start;
pub mod state;
pub mod update;
pub mod verify;

use crate::cli::{self, CreateOpts};
use ocix_runtime::container::{Backend, CreateOptions};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The global `--systemd-cgroup`, for the create options.
static SYSTEMD_CGROUP: AtomicBool = AtomicBool::new(false);

pub fn set_systemd_cgroup(on: bool) {
    SYSTEMD_CGROUP.store(on, Ordering::Relaxed);
}

/// The library's create options from the CLI's, with an absolute bundle.
pub fn create_options(o: &CreateOpts, bundle: Option<&Path>) -> anyhow::Result<CreateOptions> {
    let bundle = match bundle.or(o.bundle.as_deref()) {
        Some(b) => b.to_path_buf(),
        None => std::env::current_dir()?,
    };
    let bundle = std::fs::canonicalize(&bundle)
        .map_err(|e| anyhow::anyhow!("bundle {}: {e}", bundle.display()))?;
    Ok(CreateOptions {
        bundle,
        pid_file: o.pid_file.as_ref().map(|p| absolute(p)),
        console_socket: o.console_socket.as_ref().map(|p| absolute(p)),
        no_pivot: o.no_pivot,
        no_new_keyring: o.no_new_keyring,
        preserve_fds: o.preserve_fds,
        foreground: false,
        arch: o.arch.clone(),
        backend: match o.backend {
            cli::Backend::Auto => Backend::Auto,
            cli::Backend::Native => Backend::Native,
            cli::Backend::Emulate => Backend::Emulate,
            cli::Backend::Vm => Backend::Vm,
        },
        emulator: o.emulator.as_ref().map(|p| absolute(p)),
        systemd_cgroup: SYSTEMD_CGROUP.load(Ordering::Relaxed),
        verify_digest: o.verify_digest.clone(),
    })
}

fn absolute(p: &Path) -> std::path::PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    }
}
