//! Saved guests on the host: which one a run can restore, and the boot
//! initramfs it was saved from.
//!
//! A guest is saved once its agent has booted and waits for a job, so
//! one saved guest serves every bundle. It is reusable only with the
//! very same machine: the key digests the QEMU command line (paths of
//! the per-run sockets left out) and the identity (path, size, mtime) of
//! the QEMU binary, kernel, agent and modules. Anything else is a new
//! key, so stale states are never restored; [`super::prune`] removes
//! those unused for a week.
//!
//! The bundle travels over the agent's virtio port.
//! `OCIX_VM_SNAPSHOT=off` turns saving off: the guest then boots every
//! time with the bundle in its initramfs. Saved guests live in
//! `$OCIX_SNAPSHOTS` (default `$OCIX_CACHE/snapshots`).

use super::host::supervise;
use super::job::{Job, BUNDLE};
use anyhow::Context;
use ocix_vm::initramfs::Cpio;
use ocix_vm::protocol::{encode, Kind};
use ocix_vm::qemu::QemuCommand;
use ocix_vm::snapshot::{Feed, Start};
use ocix_vm::VmError;
use sha2::Digest as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Bumped when what is saved changes meaning (the agent's wait protocol).
const FORMAT: &str = "ocix-snapshot 1";

/// A saved guest's files.
#[derive(Debug)]
pub struct Plan {
    /// The boot initramfs: agent, modules, boot job.
    pub initrd: PathBuf,
    /// The saved state, once it exists.
    pub state: PathBuf,
}

/// Whether runs use saved guests: unless `OCIX_VM_SNAPSHOT` says off.
pub fn wanted() -> bool {
    !std::env::var("OCIX_VM_SNAPSHOT")
        .is_ok_and(|v| matches!(v.as_str(), "0" | "off" | "no" | "false"))
}

/// Where saved guests live.
pub fn root() -> PathBuf {
    std::env::var_os("OCIX_SNAPSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| super::host::cache_dir().join("snapshots"))
}

/// The saved guest for `cmd` (its initrd and socket are set by the
/// caller later) under `root`, creating its boot initramfs (agent,
/// modules and a job that says wait) if it is missing.
pub fn plan(
    root: &Path,
    cmd: &QemuCommand,
    agent: &Path,
    modules: &[(String, PathBuf)],
) -> anyhow::Result<Plan> {
    let names = modules.iter().map(|(n, _)| n.clone()).collect();
    let mut boot = Job::new("", names);
    boot.wait = true;
    let key = key(cmd, agent, modules, &boot)?;
    let dir = root.join(format!("{}-{key}", cmd.profile.key));
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    super::prune::prune(root, cmd.profile.key, &dir, std::time::SystemTime::now());
    let initrd = dir.join("initrd");
    if !initrd.is_file() {
        write_boot_initramfs(&initrd, agent, modules, &boot)?;
    }
    Ok(Plan {
        initrd,
        state: dir.join("state"),
    })
}

fn key(
    cmd: &QemuCommand,
    agent: &Path,
    modules: &[(String, PathBuf)],
    boot: &Job,
) -> anyhow::Result<String> {
    let mut h = sha2::Sha256::new();
    h.update(FORMAT);
    let mut fixed = cmd.clone();
    fixed.initrd = PathBuf::from("-");
    fixed.channel_socket = PathBuf::from("-");
    for a in fixed.args() {
        h.update(a.as_encoded_bytes());
        h.update([0]);
    }
    h.update(serde_json::to_vec(boot)?);
    let qemu = ocix_runtime::arch::tools::which(cmd.program())
        .with_context(|| format!("{} not found in PATH or /usr/bin", cmd.program()))?;
    let mut files = vec![qemu, cmd.kernel.clone(), agent.to_path_buf()];
    files.extend(modules.iter().map(|(_, p)| p.clone()));
    for f in files {
        let m = std::fs::metadata(&f).with_context(|| format!("stat {}", f.display()))?;
        h.update(f.as_os_str().as_encoded_bytes());
        h.update(format!(
            "\0{}\0{}\0{}\0",
            m.len(),
            m.mtime(),
            m.mtime_nsec()
        ));
    }
    let digest = h.finalize();
    Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// The initramfs of a guest that waits for its job: the agent, its
/// modules and the boot job; no bundle. Written beside and renamed, so a
/// concurrent run never boots half of it.
fn write_boot_initramfs(
    path: &Path,
    agent: &Path,
    modules: &[(String, PathBuf)],
    boot: &Job,
) -> anyhow::Result<()> {
    let tmp = ocix_vm::snapshot::beside(path);
    let mut c = Cpio::new(Vec::new());
    super::host::pack_base(&mut c, agent, boot, modules)?;
    let bytes = c.finish().context("pack the boot initramfs")?;
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("write {}", path.display()))
}

/// Restores the guest saved at `state`, or boots and saves it there when
/// there is none or QEMU cannot restore it.
pub fn run_saved(
    cmd: &QemuCommand,
    state: &Path,
    timeout: Duration,
    expect_digest: Option<String>,
    qmp: &Path,
    frames: &[u8],
) -> Result<i32, VmError> {
    let with = |start: Start| Feed {
        qmp: qmp.to_path_buf(),
        frames: frames.to_vec(),
        start,
    };
    let boot = || Start::Boot(state.to_path_buf());
    if !state.is_file() {
        return supervise(cmd, timeout, expect_digest, Some(with(boot())));
    }
    let restore = Start::Restore(state.to_path_buf());
    match supervise(cmd, timeout, expect_digest.clone(), Some(with(restore))) {
        Err(e @ VmError::Restore { .. }) => {
            log::warn!("booting and saving the guest again: {e}");
            let _ = std::fs::remove_file(state);
            supervise(cmd, timeout, expect_digest, Some(with(boot())))
        }
        r => r,
    }
}

/// What a waiting agent is sent: the job, the bundle as a cpio stream,
/// the end.
pub fn feed_frames(job: &Job, bundle: &Path) -> anyhow::Result<Vec<u8>> {
    let mut c = Cpio::new(Vec::new());
    c.tree(bundle, BUNDLE)
        .with_context(|| format!("pack bundle {}", bundle.display()))?;
    let cpio = c.finish().context("pack bundle")?;
    let mut frames = Vec::with_capacity(cpio.len() + cpio.len() / 1024 + 1024);
    encode(Kind::Job, &serde_json::to_vec(job)?, &mut frames);
    encode(Kind::Bundle, &cpio, &mut frames);
    encode(Kind::End, b"", &mut frames);
    Ok(frames)
}
