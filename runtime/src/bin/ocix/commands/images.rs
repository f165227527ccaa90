//! `images list`, `images fetch ARCH` and `images build ARCH`: the guest
//! kernels of the vm backend, cached in `$OCIX_CACHE/kernels/<key>/`.

use crate::cli::{ImagesArgs, ImagesCommand};
use crate::guest::host::{cache_dir, kernel_dir, kernel_recipe};
use anyhow::Context;
use ocix_arch_matrix::Arch;
use ocix_vm::Profile;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::Command;

/// The recipes directory: `$OCIX_IMAGES`, else the checkout's `images/`.
fn images_dir() -> PathBuf {
    std::env::var_os("OCIX_IMAGES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../images")))
}

pub fn run(a: &ImagesArgs) -> anyhow::Result<i32> {
    match &a.command {
        ImagesCommand::List => list(),
        ImagesCommand::Fetch { arch } => recipe("fetch", arch),
        ImagesCommand::Build { arch } => recipe("build", arch),
    }
}

fn list() -> anyhow::Result<i32> {
    println!("{:<9} {:<8} {:<8} WHERE / HOW", "GUEST", "KERNEL", "AGENT");
    for key in Profile::keys() {
        let Some(p) = Profile::by_key(key) else {
            continue;
        };
        let dir = kernel_dir(&p);
        let kernel = dir.join("kernel").is_file();
        let agent = cache_dir()
            .join("agents")
            .join(p.agent_target)
            .join("ocix")
            .is_file();
        let how = if kernel {
            let version = std::fs::read_to_string(dir.join("version")).unwrap_or_default();
            let pkg = version.split_whitespace().next().unwrap_or("");
            format!("{} ({pkg})", dir.display())
        } else {
            kernel_recipe(&p)
        };
        let how = if agent {
            how
        } else {
            format!("{how}; run `ci/build-guest-agents.sh {}`", p.agent_target)
        };
        println!(
            "{:<9} {:<8} {:<8} {how}",
            key,
            yes_no(kernel),
            yes_no(agent)
        );
    }
    Ok(0)
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "missing"
    }
}

/// Runs `images/kernels/<verb> KEY` for ARCH's machine. On a terminal
/// with a progress display (its output then goes to
/// `$OCIX_CACHE/logs/images-<verb>-<key>.log`), else passed through.
/// ARCH is a guest as `images list` names it (`armv7`, `mips`) or an
/// architecture in any spelling.
fn recipe(verb: &str, arch: &str) -> anyhow::Result<i32> {
    let profile = match Profile::by_key(arch) {
        Some(p) => p,
        None => Profile::for_arch(&Arch::parse(arch)?)?,
    };
    let script = images_dir().join("kernels").join(verb);
    let mut cmd = Command::new(&script);
    cmd.arg(profile.key).env("OCIX_CACHE", cache_dir());
    let status = if std::io::stderr().is_terminal() {
        let log = cache_dir()
            .join("logs")
            .join(format!("images-{verb}-{}.log", profile.key));
        let title = format!("{verb} {}", profile.key);
        crate::progress::run(cmd, &format!("{verb}: "), &title, &log)
    } else {
        cmd.status().map_err(anyhow::Error::from)
    }
    .with_context(|| format!("cannot run {}", script.display()))?;
    if !status.success() {
        anyhow::bail!("{} {} failed ({status})", script.display(), profile.key);
    }
    Ok(0)
}
