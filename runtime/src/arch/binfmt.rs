//! The host's binfmt_misc handlers, read-only.
//!
//! Only reported: the emulate backend registers its own handler in a
//! container-private binfmt_misc instance, so host handlers are neither
//! needed nor changed. Reading never mounts anything; an unmounted
//! `/proc/sys/fs/binfmt_misc` is reported as such.

use ocix_arch_matrix::Arch;
use serde::Serialize;
use std::path::Path;

/// What `/proc/sys/fs/binfmt_misc` holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BinfmtInfo {
    /// Whether binfmt_misc is mounted there.
    pub mounted: bool,
    /// Its global `status` (`None` when not mounted).
    pub enabled: Option<bool>,
    /// Registered handlers, by name.
    pub handlers: Vec<Handler>,
}

/// One registered handler.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Handler {
    pub name: String,
    pub enabled: bool,
    pub interpreter: Option<String>,
    /// binfmt_misc flags (`F`, `P`, `O`, `C`).
    pub flags: String,
    #[serde(skip)]
    offset: usize,
    #[serde(skip)]
    magic: Vec<u8>,
    #[serde(skip)]
    mask: Vec<u8>,
}

impl Handler {
    /// Whether this handler would take a file starting with `header`.
    pub fn matches(&self, header: &[u8]) -> bool {
        if self.magic.is_empty() {
            return false;
        }
        self.magic.iter().enumerate().all(|(i, m)| {
            let mask = self.mask.get(i).copied().unwrap_or(0xff);
            header
                .get(self.offset + i)
                .is_some_and(|h| h & mask == m & mask)
        })
    }
}

impl BinfmtInfo {
    /// The enabled handler that runs `target`'s ELF executables, if any.
    pub fn handler_for(&self, target: &Arch) -> Option<&Handler> {
        let (header, _) = target.binfmt_magic_mask()?;
        self.handlers
            .iter()
            .find(|h| h.enabled && h.matches(&header))
    }
}

/// Reads the handlers under `dir` (normally `/proc/sys/fs/binfmt_misc`).
pub fn read(dir: &Path) -> BinfmtInfo {
    let Ok(status) = std::fs::read_to_string(dir.join("status")) else {
        return BinfmtInfo::default();
    };
    let mut handlers: Vec<Handler> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| !matches!(e.file_name().to_str(), Some("status" | "register")))
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            Some(parse_handler(&e.file_name().to_string_lossy(), &text))
        })
        .collect();
    handlers.sort_by(|a, b| a.name.cmp(&b.name));
    BinfmtInfo {
        mounted: true,
        enabled: Some(status.trim() == "enabled"),
        handlers,
    }
}

/// Parses one handler file (`enabled`, `interpreter ...`, `flags: ...`,
/// `offset N`, `magic HEX`, `mask HEX`).
pub fn parse_handler(name: &str, text: &str) -> Handler {
    let mut h = Handler {
        name: name.to_owned(),
        ..Handler::default()
    };
    for line in text.lines() {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "enabled" => h.enabled = true,
            "interpreter" => h.interpreter = Some(value.to_owned()),
            "flags:" => h.flags = value.trim().to_owned(),
            "offset" => h.offset = value.trim().parse().unwrap_or(0),
            "magic" => h.magic = hex(value.trim()),
            "mask" => h.mask = hex(value.trim()),
            _ => {}
        }
    }
    h
}

fn hex(s: &str) -> Vec<u8> {
    s.as_bytes()
        .chunks(2)
        .map_while(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const AARCH64: &str = "enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\noffset 0\n\
        magic 7f454c460201010000000000000000000200b700\n\
        mask ffffffffffffff00fffffffffffffffffeffffff\n";

    fn arch(n: &str) -> Arch {
        Arch::parse(n).expect(n)
    }

    #[test]
    fn parses_and_matches_a_qemu_handler() {
        let h = parse_handler("qemu-aarch64", AARCH64);
        assert!(h.enabled);
        assert_eq!(h.flags, "F");
        assert_eq!(
            h.interpreter.as_deref(),
            Some("/usr/bin/qemu-aarch64-static")
        );
        let info = BinfmtInfo {
            mounted: true,
            enabled: Some(true),
            handlers: vec![h],
        };
        assert!(info.handler_for(&arch("aarch64")).is_some());
        assert!(info.handler_for(&arch("armv7ahf")).is_none());
        assert!(info.handler_for(&arch("aarch64_be")).is_none());
    }

    #[test]
    fn reads_a_directory_and_ignores_register() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("status"), "enabled\n").expect("write");
        std::fs::write(dir.path().join("register"), "").expect("write");
        std::fs::write(dir.path().join("qemu-aarch64"), AARCH64).expect("write");
        std::fs::write(
            dir.path().join("off"),
            AARCH64.replace("enabled", "disabled"),
        )
        .expect("write");
        let info = read(dir.path());
        assert!(info.mounted);
        assert_eq!(info.enabled, Some(true));
        let names: Vec<&str> = info.handlers.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["off", "qemu-aarch64"]);
        assert_eq!(
            info.handler_for(&arch("aarch64")).map(|h| h.name.as_str()),
            Some("qemu-aarch64")
        );
        assert_eq!(read(&dir.path().join("absent")), BinfmtInfo::default());
    }
}
