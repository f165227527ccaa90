//! The command line, runc-compatible: global flags and one struct per verb.

use clap::{Args, Parser, Subcommand, ValueEnum};
use ocix_runtime::digest::Digest;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ocix",
    about = "An architecture-aware OCI container runtime",
    disable_version_flag = true
)]
pub struct Cli {
    /// Root directory for container state.
    #[arg(long, global = true, default_value = "/run/ocix")]
    pub root: PathBuf,
    /// Write logs to FILE instead of stderr.
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Log format.
    #[arg(long = "log-format", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Log debug messages.
    #[arg(long, global = true)]
    pub debug: bool,
    /// Use systemd to manage cgroups (ocix has no systemd driver: create refuses it).
    #[arg(long = "systemd-cgroup", global = true)]
    pub systemd_cgroup: bool,
    /// Rootless mode: "true", "false" or "auto" (runc's values).
    #[arg(long, value_name = "VALUE", num_args = 0..=1, default_missing_value = "true")]
    pub rootless: Option<String>,
    /// Print the version.
    #[arg(short = 'v', long)]
    pub version: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a container (its process waits for `start`).
    Create(CreateArgs),
    /// Start a created container's process.
    Start(IdArg),
    /// Print a container's state as JSON.
    State(IdArg),
    /// Send a signal to a container's process.
    Kill(KillArgs),
    /// Delete a container and what it holds.
    Delete(DeleteArgs),
    /// List containers.
    List(ListArgs),
    /// Create and start a container, wait for it and exit with its code.
    Run(RunArgs),
    /// Run another process in a running container.
    Exec(ExecArgs),
    /// Change a live container's resource limits.
    Update(UpdateArgs),
    /// Suspend every process of a container.
    Pause(IdArg),
    /// Resume a paused container.
    Resume(IdArg),
    /// List a container's processes.
    Ps(PsArgs),
    /// Print a container's OOM kills and resource usage as JSON events.
    Events(EventsArgs),
    /// Write a default config.json.
    Spec(SpecArgs),
    /// Print the runtime's features as JSON.
    Features,
    /// Print a bundle's digest (config.json and the rootfs, not signatures/).
    Digest(DigestArgs),
    /// Check a bundle against a digest or a manifest; list what differs.
    Verify(VerifyArgs),
    /// Architectures: list and describe names, inspect ELF files, probe the host.
    Arch(ArchArgs),
    /// Guest kernels for the vm backend: list them, fetch them.
    Images(ImagesArgs),
    /// Run a bundle on many architectures at once and report per arch.
    Matrix(MatrixArgs),
    /// Time create, start, exit and delete per run, against other runtimes.
    Bench(BenchArgs),
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// Container id.
    pub id: String,
}

#[derive(Debug, Args, Clone)]
pub struct CreateOpts {
    /// Bundle directory (default: current directory).
    #[arg(short, long)]
    pub bundle: Option<PathBuf>,
    /// Write the container process's pid to FILE.
    #[arg(long = "pid-file", value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Unix socket that receives the pty master when `process.terminal` is set.
    #[arg(long = "console-socket", value_name = "PATH")]
    pub console_socket: Option<PathBuf>,
    /// Use chroot instead of pivot_root.
    #[arg(long = "no-pivot")]
    pub no_pivot: bool,
    /// Do not create a new session keyring.
    #[arg(long = "no-new-keyring")]
    pub no_new_keyring: bool,
    /// Pass N extra file descriptors (3 .. 3+N-1) to the container.
    #[arg(long = "preserve-fds", default_value_t = 0)]
    pub preserve_fds: u32,
    /// Target architecture in any spelling (`armv7ahf-neon`, `linux/arm/v7`,
    /// `armhf`, `aarch64`...). Default: the bundle's annotations, else the
    /// entrypoint's ELF.
    #[arg(long)]
    pub arch: Option<String>,
    /// How to run the target: natively, under user-mode emulation, or in a
    /// guest VM; `auto` picks the first that works on this host.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// qemu-user binary to emulate with (default: found on PATH).
    #[arg(long, value_name = "PATH")]
    pub emulator: Option<PathBuf>,
    /// Refuse the bundle unless `ocix digest` of it is DIGEST
    /// (`sha256:<hex>` or `sha512:<hex>`); checked before anything is
    /// created, and again by the guest agent with `--backend vm`.
    #[arg(long = "verify-digest", value_name = "DIGEST")]
    pub verify_digest: Option<Digest>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    Auto,
    Native,
    Emulate,
    Vm,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    pub opts: CreateOpts,
    /// Container id.
    pub id: String,
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub opts: CreateOpts,
    /// Do not wait for the container; print nothing and exit 0 once started.
    #[arg(short, long)]
    pub detach: bool,
    /// Keep the container's state after it exits (runc's --keep).
    #[arg(long)]
    pub keep: bool,
    /// vm backend: kernel image (default: the cache's, see `ocix images`).
    #[arg(long, value_name = "PATH")]
    pub kernel: Option<PathBuf>,
    /// vm backend: guest memory in MiB (default: the machine profile's).
    #[arg(long, value_name = "MIB")]
    pub memory: Option<u32>,
    /// vm backend: guest CPUs (default: 1).
    #[arg(long, value_name = "N")]
    pub cpus: Option<u32>,
    /// vm backend: stop the guest after SECS seconds, boot included.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Container id, or a bundle directory holding config.json.
    pub id_or_bundle: String,
}

/// `ocix matrix`: one cell per architecture, run concurrently.
#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Architectures, comma-separated, any spelling; repeatable.
    #[arg(long, value_name = "ARCH,...")]
    pub arch: Vec<String>,
    /// File of architectures: one per line, `#` starts a comment.
    #[arg(long = "arch-file", value_name = "FILE")]
    pub arch_file: Option<PathBuf>,
    /// Backend of every cell; `auto` picks per cell (native, else
    /// emulate, else vm).
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub backend: Backend,
    /// Cells run at once (default: the number of CPUs).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Seconds each cell may take, boot included (default: 300).
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = MatrixFormat::Table)]
    pub format: MatrixFormat,
    /// Write the report to FILE (the table still goes to stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Bundle for one architecture; repeatable.
    #[arg(long = "bundle-for", value_name = "ARCH=PATH")]
    pub bundle_for: Vec<String>,
    /// Print the cells as a CI matrix instead of running them.
    #[arg(long, value_enum, value_name = "CI")]
    pub emit: Option<EmitTarget>,
    /// Bundle for every architecture, or a directory of bundles named by
    /// architecture (`bundles/armv7ahf/`).
    pub bundle: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatrixFormat {
    Table,
    Json,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitTarget {
    GithubActions,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Send the signal to every process of the container.
    #[arg(short, long)]
    pub all: bool,
    /// Container id.
    pub id: String,
    /// Signal name (`KILL`, `SIGKILL`) or number.
    #[arg(default_value = "TERM")]
    pub signal: String,
}

#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// Kill a running container before deleting it.
    #[arg(short, long)]
    pub force: bool,
    /// Container id.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Print only the ids.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// Bundle directory to write config.json into.
    #[arg(short, long)]
    pub bundle: Option<PathBuf>,
    /// Write a config for rootless containers.
    #[arg(long)]
    pub rootless: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DigestAlgorithm {
    Sha256,
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Hash for file contents and the digest.
    #[arg(long, value_enum, default_value_t = DigestAlgorithm::Sha256)]
    pub algorithm: DigestAlgorithm,
    /// Also write the per-entry records to FILE (see docs/bundle-digest.md).
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Reuse content hashes from MANIFEST for files whose inode, size,
    /// mtime and ctime are unchanged.
    #[arg(long, value_name = "MANIFEST")]
    pub since: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Threads hashing files (0: one per CPU).
    #[arg(short, long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Bundle directory.
    pub bundle: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Expected digest (`sha256:<hex>`).
    #[arg(long, value_name = "DIGEST", required_unless_present = "manifest")]
    pub digest: Option<String>,
    /// Expected records, from `ocix digest --manifest`; with --digest, the
    /// manifest must describe that digest.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Threads hashing files (0: one per CPU).
    #[arg(short, long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Bundle directory.
    pub bundle: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// JSON file holding the process (runtime-spec `process` object).
    #[arg(short, long, value_name = "FILE")]
    pub process: Option<PathBuf>,
    /// Allocate a terminal.
    #[arg(short, long)]
    pub tty: bool,
    /// Unix socket that receives the pty master.
    #[arg(long = "console-socket", value_name = "PATH")]
    pub console_socket: Option<PathBuf>,
    /// Do not wait for the process.
    #[arg(short, long)]
    pub detach: bool,
    /// Write the process's pid to FILE.
    #[arg(long = "pid-file", value_name = "FILE")]
    pub pid_file: Option<PathBuf>,
    /// Working directory in the container.
    #[arg(long)]
    pub cwd: Option<String>,
    /// Set an environment variable (KEY=value); repeatable.
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// uid[:gid] to run as.
    #[arg(short, long)]
    pub user: Option<String>,
    /// Additional gids; repeatable.
    #[arg(short = 'g', long = "additional-gids")]
    pub additional_gids: Vec<u32>,
    /// Add a capability; repeatable.
    #[arg(short, long = "cap")]
    pub cap: Vec<String>,
    /// Set no_new_privileges.
    #[arg(long = "no-new-privs")]
    pub no_new_privs: bool,
    /// Pass N extra file descriptors (3 .. 3+N-1).
    #[arg(long = "preserve-fds", default_value_t = 0)]
    pub preserve_fds: u32,
    /// Container id.
    pub id: String,
    /// Command and arguments (unless --process is given).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    #[command(subcommand)]
    pub command: ImagesCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Per guest architecture: is a kernel cached, where, how to get it.
    List,
    /// Fetch Debian's ready-made kernel for ARCH into the cache.
    Fetch {
        /// A guest as `images list` names it (`armv7`), or an architecture
        /// in any spelling (`armhf`, `ppc64le`).
        arch: String,
    },
    /// Build a small kernel for ARCH from Debian's linux-source-6.1.
    Build {
        /// A guest as `images list` names it (`mips`), or an architecture in
        /// any spelling (`ppc64`, `aarch64`).
        arch: String,
    },
}

/// `ocix bench`: state roots are private temporary directories (the
/// global `--root` is not used); the bundle is not modified.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Measured runs per runtime.
    #[arg(long, default_value_t = 20)]
    pub runs: usize,
    /// Unrecorded runs per runtime before the measured ones.
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Passed to ocix's `create --arch`.
    #[arg(long)]
    pub arch: Option<String>,
    /// Passed to ocix's `create --backend`.
    #[arg(long, value_enum)]
    pub backend: Option<Backend>,
    /// Other runtimes to run alike (names on PATH or paths), e.g.
    /// `runc,crun,youki`; missing ones are skipped.
    #[arg(long, value_delimiter = ',', value_name = "RUNTIMES")]
    pub compare: Vec<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Also write the distributions as an SVG chart to FILE.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Bundle directory (its process should exit at once, e.g. /bin/true).
    pub bundle: PathBuf,
}

/// runc's `update` flags; sizes take suffixes (`512m`, `1g`), -1 is unlimited.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// JSON of linux.resources to apply (`-`: read it from stdin).
    #[arg(short, long, value_name = "FILE")]
    pub resources: Option<PathBuf>,
    /// Memory limit.
    #[arg(long, value_name = "SIZE", allow_negative_numbers = true)]
    pub memory: Option<String>,
    /// Memory soft limit.
    #[arg(
        long = "memory-reservation",
        value_name = "SIZE",
        allow_negative_numbers = true
    )]
    pub memory_reservation: Option<String>,
    /// Memory plus swap limit.
    #[arg(
        long = "memory-swap",
        value_name = "SIZE",
        allow_negative_numbers = true
    )]
    pub memory_swap: Option<String>,
    /// Kernel memory limit (ignored by current kernels).
    #[arg(
        long = "kernel-memory",
        value_name = "SIZE",
        allow_negative_numbers = true
    )]
    pub kernel_memory: Option<String>,
    /// Kernel TCP buffer limit (cgroup v1).
    #[arg(
        long = "kernel-memory-tcp",
        value_name = "SIZE",
        allow_negative_numbers = true
    )]
    pub kernel_memory_tcp: Option<String>,
    /// CPU shares (relative weight).
    #[arg(long = "cpu-shares", visible_alias = "cpu-share")]
    pub cpu_shares: Option<u64>,
    /// CPU CFS quota in microseconds per period (-1: none).
    #[arg(long = "cpu-quota", allow_negative_numbers = true)]
    pub cpu_quota: Option<i64>,
    /// CPU CFS period in microseconds.
    #[arg(long = "cpu-period")]
    pub cpu_period: Option<u64>,
    /// Real-time period in microseconds.
    #[arg(long = "cpu-rt-period")]
    pub cpu_rt_period: Option<u64>,
    /// Real-time runtime in microseconds.
    #[arg(long = "cpu-rt-runtime", allow_negative_numbers = true)]
    pub cpu_rt_runtime: Option<i64>,
    /// CPUs the container may use (`0-3`, `0,1`).
    #[arg(long = "cpuset-cpus")]
    pub cpuset_cpus: Option<String>,
    /// Memory nodes the container may use.
    #[arg(long = "cpuset-mems")]
    pub cpuset_mems: Option<String>,
    /// Maximum number of tasks (-1: none).
    #[arg(long = "pids-limit", allow_negative_numbers = true)]
    pub pids_limit: Option<i64>,
    /// Block I/O weight (10..1000).
    #[arg(long = "blkio-weight")]
    pub blkio_weight: Option<u16>,
    /// Container id.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// `table` runs ps(1) and keeps the container's lines; `json` prints
    /// the pids.
    #[arg(short, long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
    /// Container id.
    pub id: String,
    /// Options for ps(1) (default `-ef`), after the id or `--`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub ps_args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Print one stats event and exit.
    #[arg(long)]
    pub stats: bool,
    /// Time between stats events (`5s`, `500ms`, `1m`).
    #[arg(long, default_value = "5s")]
    pub interval: String,
    /// Container id.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct ArchArgs {
    #[command(subcommand)]
    pub command: ArchCommand,
}

#[derive(Debug, Subcommand)]
pub enum ArchCommand {
    /// Every known architecture name, with its canonical form.
    List,
    /// What an architecture is: family, bits, byte order, ABIs, ISA, QEMU.
    Describe {
        /// Any spelling: `armv7ahf-neon`, `linux/arm/v7`, `armhf`, `ppc64le`...
        name: String,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// What machine ELF files need.
    Inspect {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
    /// What this host runs, and how: native, emulate or vm.
    Host {
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}
