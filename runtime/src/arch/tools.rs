//! QEMU on this host: the user-mode emulators (`qemu-<arch>`) the emulate
//! backend needs and the system emulators (`qemu-system-*`) the vm
//! backend needs.
//!
//! Static builds are preferred: the emulate backend's binfmt handler is
//! opened on the host (flag F) but runs inside the container, where a
//! dynamic QEMU would not find its libraries.

use ocix_arch_matrix::{Arch, Endian, Family};
use serde::Serialize;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A program found on this host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    /// What was looked for (`qemu-aarch64`, `qemu-system-ppc64`).
    pub name: String,
    /// Where it is (`/usr/bin/qemu-aarch64-static`).
    pub path: PathBuf,
    /// Whether it is a static build (`-static` suffix).
    #[serde(rename = "static")]
    pub is_static: bool,
}

/// Directories searched: `$PATH`, then `/usr/bin` (ocix may run with a
/// minimal PATH under containerd).
fn search_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.retain(|d| d.is_absolute());
    let usr_bin = PathBuf::from("/usr/bin");
    if !dirs.contains(&usr_bin) {
        dirs.push(usr_bin);
    }
    dirs
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The first executable `name` in the search directories.
pub fn which(name: &str) -> Option<PathBuf> {
    search_dirs()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// The QEMU user emulator `name` (`qemu-arm`), `name-static` first.
pub fn find_qemu_user(name: &str) -> Option<Tool> {
    let found = |n: String, is_static: bool| {
        which(&n).map(|path| Tool {
            name: name.to_owned(),
            path,
            is_static,
        })
    };
    found(format!("{name}-static"), true).or_else(|| found(name.to_owned(), false))
}

/// The user emulator for `target`, if QEMU has one and it is installed.
pub fn emulator_for(target: &Arch) -> Option<Tool> {
    target.qemu_user_binary().and_then(find_qemu_user)
}

/// The `qemu-system-*` that boots a guest of `target`'s family.
pub fn qemu_system_binary(target: &Arch) -> &'static str {
    let le = target.endian() == Endian::Little;
    match target.family() {
        Family::Arm => "qemu-system-arm",
        Family::Aarch64 => "qemu-system-aarch64",
        Family::X86 => "qemu-system-i386",
        Family::X86_64 => "qemu-system-x86_64",
        Family::Mips if le => "qemu-system-mipsel",
        Family::Mips => "qemu-system-mips",
        Family::Mips64 if le => "qemu-system-mips64el",
        Family::Mips64 => "qemu-system-mips64",
        Family::PowerPc => "qemu-system-ppc",
        Family::PowerPc64 => "qemu-system-ppc64",
        Family::S390x => "qemu-system-s390x",
        Family::RiscV32 => "qemu-system-riscv32",
        Family::RiscV64 => "qemu-system-riscv64",
        Family::LoongArch64 => "qemu-system-loongarch64",
        Family::Sh if le => "qemu-system-sh4",
        Family::Sh => "qemu-system-sh4eb",
        _ => "qemu-system-unknown",
    }
}

/// The system emulator for `target`, if installed.
pub fn system_for(target: &Arch) -> Option<Tool> {
    let name = qemu_system_binary(target);
    which(name).map(|path| Tool {
        name: name.to_owned(),
        path,
        is_static: false,
    })
}

/// Every distinct user-emulator name the model knows, sorted.
pub fn qemu_user_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Arch::all_names()
        .filter_map(|(_, a)| a.qemu_user_binary())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Every distinct system-emulator name the model knows, sorted.
pub fn qemu_system_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Arch::all_names()
        .map(|(_, a)| qemu_system_binary(&a))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names_follow_family_and_byte_order() {
        let sys = |n: &str| qemu_system_binary(&Arch::parse(n).expect(n));
        assert_eq!(sys("armv7ahf"), "qemu-system-arm");
        assert_eq!(sys("mips64el-n32"), "qemu-system-mips64el");
        assert_eq!(sys("ppc64p8le"), "qemu-system-ppc64");
        assert_eq!(sys("sh4aeb"), "qemu-system-sh4eb");
        assert!(!qemu_system_names().contains(&"qemu-system-unknown"));
    }

    #[test]
    fn user_names_cover_both_mips_abis() {
        let names = qemu_user_names();
        for n in ["qemu-arm", "qemu-mipsn32el", "qemu-ppc64le", "qemu-x86_64"] {
            assert!(names.contains(&n), "{n} in {names:?}");
        }
    }

    #[test]
    fn which_finds_sh_and_not_nonsense() {
        assert!(which("sh").is_some());
        assert!(which("ocix-no-such-tool").is_none());
    }
}
