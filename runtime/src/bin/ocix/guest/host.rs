//! `ocix run --backend vm`: boot the target's machine with the guest
//! agent and relay the container's streams and exit code. Guests are
//! saved once booted and restored after (see [`super::snapshot`]); they
//! get the job and bundle over the channel. With `OCIX_VM_SNAPSHOT=off`,
//! or vCPUs their machine cannot restore, they get them in their
//! initramfs and boot every time.

use super::job::{Job, BUNDLE, JOB, MODULES};
use super::snapshot;
use crate::cli::RunArgs;
use anyhow::Context;
use ocix_arch_matrix::Arch;
use ocix_runtime::digest::{digest_bundle, verify, Digest, Options};
use ocix_runtime::state::Store;
use ocix_vm::initramfs::Cpio;
use ocix_vm::qemu::QemuCommand;
use ocix_vm::snapshot::Feed;
use ocix_vm::{Profile, VmError};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Default limit of a whole guest run, boot included.
const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// The cache the image recipes and agent builds fill.
pub fn cache_dir() -> PathBuf {
    std::env::var_os("OCIX_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/ocix"))
}

/// Where `images/kernels/fetch` puts the kernel of `profile`.
pub fn kernel_dir(profile: &Profile) -> PathBuf {
    cache_dir().join("kernels").join(profile.key)
}

/// How to get `profile`'s kernel: build the small one, or fetch Debian's
/// where there is one (see [`Profile::debian_kernel`]).
pub fn kernel_recipe(profile: &Profile) -> String {
    let key = profile.key;
    let build = format!("run `ocix images build {key}` (about 5 minutes)");
    if profile.debian_kernel {
        format!("{build}, or `ocix images fetch {key}` for Debian's kernel (slower to boot)")
    } else {
        build
    }
}

/// The profile for `--arch` (required: a guest has no default arch).
fn profile_for(arch: Option<&str>) -> anyhow::Result<(Arch, Profile)> {
    let name = arch.context("the vm backend needs --arch (the guest's architecture)")?;
    let arch = Arch::parse(name).with_context(|| format!("--arch {name}"))?;
    let profile = Profile::for_arch(&arch)?;
    Ok((arch, profile))
}

/// Runs the bundle of `a` in a guest; returns the container's exit code.
pub fn run_vm(_store: &Store, a: &RunArgs) -> anyhow::Result<i32> {
    unsupported(a)?;
    let (arch, profile) = profile_for(a.opts.arch.as_deref())?;
    if let Some(c) = a.cpus {
        profile.check_cpus(c)?;
    }
    let (kernel, modules) = kernel_for(&arch, &profile, a.kernel.as_deref())?;
    let agent = agent_for(&profile)?;
    let (id, bundle) = bundle_of(a)?;
    let expect_digest = match &a.opts.verify_digest {
        Some(d) => Some(verify_on_host(&bundle, d)?.to_string()),
        None => None,
    };
    // Between the host's check and packing: the guest checks again.
    ocix_runtime::fault::point("run:vm-verified");
    let tmp = TempDir::new()?;
    let module_names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
    let mut job = Job::new(&id, module_names);
    job.verify_digest.clone_from(&expect_digest);
    job.debug = log::log_enabled!(log::Level::Debug);
    job.seed = Some(host_seed()?);
    let mut cmd = QemuCommand::new(
        profile.clone(),
        kernel,
        tmp.0.join("initrd"),
        tmp.0.join("channel.sock"),
    );
    if let Some(m) = a.memory {
        cmd.memory_mib = m;
    }
    if let Some(c) = a.cpus {
        cmd.cpus = c;
    }
    let timeout = Duration::from_secs(a.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS));
    let plan = if !snapshot::wanted() {
        None
    } else if !cmd.profile.can_save(cmd.cpus) {
        log::debug!(
            "{} guests of {} vCPUs are not saved: booting",
            cmd.profile.key,
            cmd.cpus
        );
        None
    } else {
        snapshot::plan(&snapshot::root(), &cmd, &agent, &modules)
            .map_err(|e| log::warn!("booting, without saving the guest: {e:#}"))
            .ok()
    };
    let code = if let Some(plan) = plan {
        cmd.initrd.clone_from(&plan.initrd);
        let frames = snapshot::feed_frames(&job, &bundle)?;
        let qmp = tmp.0.join("qmp.sock");
        snapshot::run_saved(&cmd, &plan.state, timeout, expect_digest, &qmp, &frames)?
    } else {
        write_initramfs(&cmd.initrd, &agent, &bundle, &job, &modules)?;
        supervise(&cmd, timeout, expect_digest, None)?
    };
    drop(tmp);
    Ok(code)
}

/// Runs QEMU for `cmd` under the supervisor.
pub(super) fn supervise(
    cmd: &QemuCommand,
    timeout: Duration,
    expect_digest: Option<String>,
    feed: Option<Feed>,
) -> Result<i32, VmError> {
    for p in [Some(&cmd.channel_socket), feed.as_ref().map(|f| &f.qmp)]
        .into_iter()
        .flatten()
    {
        let _ = std::fs::remove_file(p);
    }
    let listener = std::os::unix::net::UnixListener::bind(&cmd.channel_socket).map_err(
        VmError::io(format!("bind {}", cmd.channel_socket.display())),
    )?;
    let mut args = cmd.args();
    if let Some(f) = &feed {
        args.extend(ocix_vm::snapshot::qemu_args(&f.qmp, &f.start));
    }
    ocix_vm::supervisor::run(ocix_vm::supervisor::Guest {
        program: cmd.program().into(),
        args,
        listener,
        timeout,
        expect_digest,
        feed,
    })
}

/// 32 random bytes from the host.
fn host_seed() -> anyhow::Result<Vec<u8>> {
    let mut b = vec![0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b))
        .context("read /dev/urandom")?;
    Ok(b)
}

/// `--verify-digest` on the host, before anything is packed: the bundle
/// must match, and must hold nothing the initramfs cannot carry (see
/// `Cpio::tree`: extended attributes are lost), or the guest, which
/// checks again what it received, could never agree.
fn verify_on_host(bundle: &Path, expected: &Digest) -> anyhow::Result<Digest> {
    let options = Options {
        algorithm: expected.algorithm(),
        ..Options::default()
    };
    let found = digest_bundle(bundle, &options)?;
    if found.digest != *expected {
        // Again, for the error that names what differs.
        verify(bundle, Some(expected), None, 0)?;
        anyhow::bail!("bundle {} changed while it was verified", bundle.display());
    }
    if let Some(e) = found
        .manifest
        .entries
        .iter()
        .find(|e| !e.record.xattrs.is_empty())
    {
        let names: Vec<_> = e
            .record
            .xattrs
            .iter()
            .map(|(n, _)| String::from_utf8_lossy(n))
            .collect();
        anyhow::bail!(
            "--verify-digest with --backend vm: {} has extended attributes ({}), which \
             the guest's initramfs cannot carry, so the guest could not verify the bundle",
            String::from_utf8_lossy(&e.record.path),
            names.join(", ")
        );
    }
    log::debug!(
        "bundle {}: {} verified on the host",
        bundle.display(),
        found.digest
    );
    Ok(found.digest)
}

/// Refuses the `run` options a guest cannot honour.
fn unsupported(a: &RunArgs) -> anyhow::Result<()> {
    let o = &a.opts;
    let given = [
        (a.detach, "--detach (the guest lives only as long as ocix)"),
        (o.pid_file.is_some(), "--pid-file"),
        (o.console_socket.is_some(), "--console-socket"),
        (o.preserve_fds > 0, "--preserve-fds"),
    ];
    match given.iter().find(|(set, _)| *set) {
        Some((_, what)) => anyhow::bail!("the vm backend does not support {what}"),
        None => Ok(()),
    }
}

/// The kernel image and the modules (name, path) to load, in order.
fn kernel_for(
    arch: &Arch,
    profile: &Profile,
    explicit: Option<&Path>,
) -> anyhow::Result<(PathBuf, Vec<(String, PathBuf)>)> {
    let (kernel, dir) = match explicit {
        Some(k) => (
            k.to_path_buf(),
            k.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None => (kernel_dir(profile).join("kernel"), kernel_dir(profile)),
    };
    if !kernel.is_file() {
        return Err(VmError::Missing {
            what: format!("kernel for {arch}"),
            path: kernel,
            hint: format!("{} (or pass --kernel)", kernel_recipe(profile)),
        }
        .into());
    }
    let order = dir.join("modules/order");
    let list = std::fs::read_to_string(&order).unwrap_or_default();
    let modules = list
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| (l.trim().to_string(), dir.join("modules").join(l.trim())))
        .collect();
    Ok((kernel, modules))
}

/// Whether a guest of `profile` can boot here: its kernel and agent are
/// in the cache.
pub fn guest_ready(profile: &Profile) -> bool {
    kernel_dir(profile).join("kernel").is_file() && agent_for(profile).is_ok()
}

/// The guest agent build for the profile's target.
fn agent_for(profile: &Profile) -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os("OCIX_GUEST_AGENT") {
        Some(p) => PathBuf::from(p),
        None => cache_dir()
            .join("agents")
            .join(profile.agent_target)
            .join("ocix"),
    };
    if !path.is_file() {
        return Err(VmError::Missing {
            what: format!("guest agent for {}", profile.agent_target),
            path,
            hint: format!("run `ci/build-guest-agents.sh {}`", profile.agent_target),
        }
        .into());
    }
    Ok(path)
}

/// `run BUNDLE/` (id generated) or `run ID` with --bundle or the cwd.
fn bundle_of(a: &RunArgs) -> anyhow::Result<(String, PathBuf)> {
    let bundle = crate::commands::run::bundle_dir(a)?;
    let id = match crate::commands::run::positional_bundle(a) {
        Some(_) => "ocix-vm".to_string(),
        None => a.id_or_bundle.clone(),
    };
    if !bundle.join("config.json").is_file() {
        anyhow::bail!("bundle {}: no config.json", bundle.display());
    }
    Ok((id, bundle))
}

fn write_initramfs(
    path: &Path,
    agent: &Path,
    bundle: &Path,
    job: &Job,
    modules: &[(String, PathBuf)],
) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("create {}", path.display()))?;
    let mut c = Cpio::new(BufWriter::new(file));
    pack_base(&mut c, agent, job, modules)?;
    c.tree(bundle, BUNDLE)
        .with_context(|| format!("pack bundle {}", bundle.display()))?;
    c.finish()
        .with_context(|| format!("write {}", path.display()))?;
    Ok(())
}

/// What every guest's initramfs holds: the directories the agent mounts
/// on, the console and null nodes, the agent as `/init`, the job and the
/// modules.
pub fn pack_base<W: std::io::Write>(
    c: &mut Cpio<W>,
    agent: &Path,
    job: &Job,
    modules: &[(String, PathBuf)],
) -> anyhow::Result<()> {
    for d in ["/dev", "/proc", "/sys", "/tmp", "/run", "/ocix", MODULES] {
        c.dir(d, 0o755)?;
    }
    c.char_dev("/dev/console", 0o600, 5, 1)?;
    c.char_dev("/dev/null", 0o666, 1, 3)?;
    let agent_bytes = std::fs::read(agent).with_context(|| format!("read {}", agent.display()))?;
    c.file("/init", 0o755, &agent_bytes)?;
    c.file(JOB, 0o644, &serde_json::to_vec(job)?)?;
    for (name, p) in modules {
        let b = std::fs::read(p).with_context(|| format!("read module {}", p.display()))?;
        c.file(&format!("{MODULES}/{name}"), 0o644, &b)?;
    }
    Ok(())
}

/// A private temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let base = std::env::temp_dir().join("ocix-vm-XXXXXX");
        let p = nix::unistd::mkdtemp(&base).context("create a temporary directory")?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
