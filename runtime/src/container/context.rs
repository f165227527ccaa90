//! What `create` is asked to do, and what its child processes are given.

use crate::linux::channel::Channel;
use crate::linux::rootfs::{DeviceMode, Enter};
use crate::spec::Spec;
use std::os::fd::OwnedFd;
use std::path::PathBuf;

/// Options of `create` (and `run`), as the CLI gives them.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// Absolute bundle path.
    pub bundle: PathBuf,
    pub pid_file: Option<PathBuf>,
    pub console_socket: Option<PathBuf>,
    pub no_pivot: bool,
    pub no_new_keyring: bool,
    pub preserve_fds: u32,
    /// `run` in the foreground: a terminal's master comes back to the
    /// caller instead of going to a console socket.
    pub foreground: bool,
    /// `--arch`: the target architecture as the user spelled it.
    pub arch: Option<String>,
    /// `--backend`.
    pub backend: Backend,
    /// `--emulator`: an explicit qemu-user binary.
    pub emulator: Option<PathBuf>,
    /// `--systemd-cgroup`: refused, ocix has no systemd cgroup driver.
    pub systemd_cgroup: bool,
    /// `--verify-digest`: the bundle must have this digest (see
    /// `docs/bundle-digest.md`); checked before anything is created.
    pub verify_digest: Option<crate::digest::Digest>,
}

/// How a container's program is run (`--backend`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Backend {
    /// The first of native, emulate, vm that can run the target here.
    #[default]
    Auto,
    Native,
    Emulate,
    Vm,
}

/// Everything the intermediate and init processes need, built by the
/// parent before fork so the children only act.
pub(crate) struct ChildContext {
    pub spec: Spec,
    pub bundle: PathBuf,
    pub rootfs: PathBuf,
    pub chan: Channel,
    pub start_listener: OwnedFd,
    /// Namespaces to join: (clone flag, fd of the namespace file).
    pub join: Vec<(nix::sched::CloneFlags, OwnedFd)>,
    /// Namespaces to create.
    pub new_user: bool,
    pub unshare: nix::sched::CloneFlags,
    pub devices: DeviceMode,
    pub enter: Enter,
    pub console_socket: Option<PathBuf>,
    pub no_new_keyring: bool,
    /// Descriptors 3 .. 3+extra_fds stay open in the container.
    pub extra_fds: u32,
    /// Variables added to the process environment (LISTEN_FDS...).
    pub extra_env: Vec<String>,
    /// Container-private user-mode emulation (the emulate backend).
    pub emulation: Option<crate::linux::binfmt::Emulation>,
    /// Parent descriptors the children must close at once: the state
    /// directory's lock (a shared flock would otherwise outlive `create`).
    pub close_in_child: Vec<std::os::fd::RawFd>,
}
