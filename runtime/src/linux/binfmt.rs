//! Container-private user-mode emulation: a binfmt_misc instance of the
//! container's own user namespace (Linux 6.7+), holding one handler that
//! runs the target's qemu-user.
//!
//! The instance lives as long as it is mounted, so it is mounted inside
//! the container's tree at `/proc/sys/fs/binfmt_misc` (where a system
//! keeps it anyway) before the switch into the rootfs. The handler has
//! flag `F`: the kernel opens the interpreter at registration, from the
//! host, so it need not exist in the rootfs; flag `P` passes the program's
//! own argv[0] (multi-call binaries such as busybox dispatch on it, and
//! QEMU recognises the flag). Nothing on the host changes.

use super::rootfs::{self, RootfsError};
use nix::mount::{mount, MsFlags};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One emulated target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emulation {
    /// Handler name (`ocix-arm`).
    pub name: String,
    /// Host path of a static qemu-user binary.
    pub interpreter: PathBuf,
    /// ELF header bytes and mask that select the target's binaries.
    pub magic: Vec<u8>,
    pub mask: Vec<u8>,
    /// QEMU CPU model matching the tune (`QEMU_CPU`).
    pub cpu: Option<String>,
    /// Register in a private instance; false when a host handler (named
    /// here for messages) does the work on kernels without private ones.
    pub private: bool,
}

impl Emulation {
    /// The line written to `register`.
    pub fn register_line(&self) -> String {
        let hex = |bytes: &[u8]| {
            bytes.iter().fold(String::new(), |mut s, b| {
                let _ = write!(s, "\\x{b:02x}");
                s
            })
        };
        format!(
            ":{}:M::{}:{}:{}:FP",
            self.name,
            hex(&self.magic),
            hex(&self.mask),
            self.interpreter.display()
        )
    }
}

/// Mounts the user namespace's binfmt_misc at the container's
/// `/proc/sys/fs/binfmt_misc` (the spec's `/proc` must be mounted by now)
/// and registers `e`.
pub fn register_in_container(rootfs: &Path, e: &Emulation) -> Result<(), RootfsError> {
    let procfs = rootfs::resolve(rootfs, "/proc/sys/fs")?;
    if !procfs.is_dir() {
        return Err(RootfsError {
            what: "the emulate backend needs a /proc mount in config.json; missing".into(),
            path: procfs.display().to_string(),
            source: std::io::Error::from_raw_os_error(libc::ENOENT),
        });
    }
    let dir = procfs.join("binfmt_misc");
    mount(
        Some("binfmt_misc"),
        &dir,
        Some("binfmt_misc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(|e| RootfsError {
        what: "cannot mount a private binfmt_misc (needs Linux 6.7+ and a user namespace) on"
            .into(),
        path: dir.display().to_string(),
        source: e.into(),
    })?;
    let register = dir.join("register");
    std::fs::write(&register, e.register_line()).map_err(|err| RootfsError {
        what: format!("cannot register {} with", e.interpreter.display()),
        path: register.display().to_string(),
        source: err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_line_escapes_every_byte() {
        let e = Emulation {
            name: "ocix-arm".into(),
            interpreter: "/usr/bin/qemu-arm".into(),
            magic: vec![0x7f, b'E', b':'],
            mask: vec![0xff, 0xff, 0xfe],
            cpu: None,
            private: true,
        };
        assert_eq!(
            e.register_line(),
            ":ocix-arm:M::\\x7f\\x45\\x3a:\\xff\\xff\\xfe:/usr/bin/qemu-arm:FP"
        );
    }
}
