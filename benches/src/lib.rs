//! ocix-benches: criterion benches of the launch path (`benches/`) and the
//! side-by-side runtime comparison script (`compare-runc.sh`).
//!
//! The library part only holds fixtures shared by the benches.

pub mod elf;

use std::path::Path;

/// Writes a bundle with the default `ocix spec` config and an empty
/// `rootfs/` directory (enough for loading and validation).
pub fn spec_only_bundle(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("rootfs"))?;
    let spec = ocix_runtime::spec::default_spec(false, 0, 0);
    let text = ocix_runtime::spec::to_json_pretty(&spec).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("config.json"), text)
}

/// Writes a bundle whose rootfs holds `busybox` and an `sh` link to it,
/// with the default config (`process.args` is `["sh"]`): what preflight
/// resolves and inspects on every `create`.
pub fn busybox_bundle(dir: &Path, busybox: &Path) -> std::io::Result<()> {
    spec_only_bundle(dir)?;
    let bin = dir.join("rootfs/bin");
    std::fs::create_dir_all(&bin)?;
    std::fs::copy(busybox, bin.join("busybox"))?;
    std::os::unix::fs::symlink("busybox", bin.join("sh"))
}
