//! The host's binfmt_misc, read only: whether this kernel can give a
//! container a private instance, and which host handler would run a
//! target when it cannot.

use std::path::{Path, PathBuf};

/// Private binfmt_misc instances arrived in Linux 6.7. `OCIX_BINFMT_PRIVATE=0`
/// forces the host-handler path (to exercise it on new kernels).
pub fn private_instances_supported() -> bool {
    if std::env::var("OCIX_BINFMT_PRIVATE").is_ok_and(|v| v == "0") {
        return false;
    }
    let Ok(uts) = nix::sys::utsname::uname() else {
        return false;
    };
    kernel_at_least(&uts.release().to_string_lossy(), 6, 7)
}

fn kernel_at_least(release: &str, major: u32, minor: u32) -> bool {
    let mut parts = release
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|p| p.parse::<u32>().ok());
    match (parts.next(), parts.next()) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

/// A registered host handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostHandler {
    pub name: String,
    pub interpreter: PathBuf,
    pub magic: Vec<u8>,
    pub mask: Vec<u8>,
}

/// Parses one handler file (`enabled`, `interpreter ...`, `magic <hex>`, ...).
pub fn parse_handler(name: &str, text: &str) -> Option<HostHandler> {
    let mut lines = text.lines();
    if lines.next()? != "enabled" {
        return None;
    }
    let (mut interp, mut magic, mut mask) = (None, None, None);
    for l in lines {
        if let Some(v) = l.strip_prefix("interpreter ") {
            interp = Some(PathBuf::from(v));
        } else if let Some(v) = l.strip_prefix("magic ") {
            magic = hex(v);
        } else if let Some(v) = l.strip_prefix("mask ") {
            mask = hex(v);
        }
    }
    let magic = magic?;
    let mask = mask.unwrap_or_else(|| vec![0xff; magic.len()]);
    Some(HostHandler {
        name: name.to_string(),
        interpreter: interp?,
        magic,
        mask,
    })
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A host handler whose magic and mask select the same ELF headers as
/// ours (`magic`/`mask` of the target).
pub fn find_matching(dir: &Path, magic: &[u8], mask: &[u8]) -> Option<HostHandler> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).ok()?;
            parse_handler(&name, &text)
        })
        .find(|h| selects_same(h, magic, mask))
}

/// Both sides agree on every byte both of them look at.
fn selects_same(h: &HostHandler, magic: &[u8], mask: &[u8]) -> bool {
    magic.iter().zip(mask).enumerate().all(|(i, (m, k))| {
        let hm = h.magic.get(i).copied().unwrap_or(0);
        let hk = h.mask.get(i).copied().unwrap_or(0);
        let both = k & hk;
        (m & both) == (hm & both)
    }) && h.magic.len() <= magic.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARM: &str =
        "enabled\ninterpreter /usr/libexec/qemu-binfmt/arm-binfmt-P\nflags: POCF\noffset 0\n\
                       magic 7f454c4601010100000000000000000002002800\n\
                       mask ffffffffffffff00fffffffffffffffffeffffff\n";

    #[test]
    fn parses_a_qemu_handler() {
        let h = parse_handler("qemu-arm", ARM).expect("handler");
        assert_eq!(
            h.interpreter,
            PathBuf::from("/usr/libexec/qemu-binfmt/arm-binfmt-P")
        );
        assert_eq!(h.magic.len(), 20);
        assert!(parse_handler("x", "disabled\ninterpreter /x\nmagic 00").is_none());
        assert!(parse_handler("x", "enabled\ninterpreter /x\nmagic 0").is_none());
    }

    #[test]
    fn matching_compares_masked_bytes() {
        let h = parse_handler("qemu-arm", ARM).expect("handler");
        assert!(selects_same(&h, &h.magic.clone(), &h.mask.clone()));
        let mut aarch64 = h.magic.clone();
        aarch64[4] = 2;
        aarch64[18] = 0xb7;
        assert!(!selects_same(&h, &aarch64, &h.mask.clone()));
    }

    #[test]
    fn kernel_versions() {
        assert!(kernel_at_least("6.18.44-fc-v657", 6, 7));
        assert!(kernel_at_least("6.7.0", 6, 7));
        assert!(!kernel_at_least("6.6.30-generic", 6, 7));
        assert!(!kernel_at_least("5.15.0", 6, 7));
        assert!(!kernel_at_least("garbage", 6, 7));
    }
}
