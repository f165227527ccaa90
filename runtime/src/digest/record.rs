//! One entry's record and its canonical one-line text form, the unit that
//! the bundle digest hashes (see `docs/bundle-digest.md`).

use super::escape::{escape, unescape};
use super::hash::{hex, unhex, Algorithm, Digest};
use std::fmt::Write as _;

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryType {
    /// A regular file: the first path of its inode in path order.
    File,
    /// A directory.
    Dir,
    /// A symbolic link; its target is recorded, never followed.
    Symlink,
    /// A further path of a regular file's inode, recorded in full under
    /// its first path.
    HardLink,
    /// A character device.
    Char,
    /// A block device.
    Block,
    /// A named pipe.
    Fifo,
    /// A unix socket.
    Socket,
}

impl EntryType {
    const ALL: [EntryType; 8] = [
        EntryType::File,
        EntryType::Dir,
        EntryType::Symlink,
        EntryType::HardLink,
        EntryType::Char,
        EntryType::Block,
        EntryType::Fifo,
        EntryType::Socket,
    ];

    /// The name written after `type=`.
    pub fn name(self) -> &'static str {
        match self {
            EntryType::File => "file",
            EntryType::Dir => "dir",
            EntryType::Symlink => "symlink",
            EntryType::HardLink => "hardlink",
            EntryType::Char => "char",
            EntryType::Block => "block",
            EntryType::Fifo => "fifo",
            EntryType::Socket => "socket",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// Everything the digest fixes about one entry. Which fields are set
/// depends on the type; [`Record::encode`] writes exactly the set ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Path relative to the bundle, raw bytes, `/`-separated.
    pub path: Vec<u8>,
    /// The entry's type.
    pub kind: EntryType,
    /// `st_mode & 0o7777`; not for symlinks and hard links.
    pub mode: Option<u32>,
    /// Owner; not for hard links.
    pub uid: Option<u32>,
    /// Group; not for hard links.
    pub gid: Option<u32>,
    /// Size in bytes; regular files only.
    pub size: Option<u64>,
    /// Major and minor number; devices only.
    pub device: Option<(u64, u64)>,
    /// Symlink target, or for a hard link the first path of its inode.
    pub target: Option<Vec<u8>>,
    /// Content hash; regular files only.
    pub content: Option<Digest>,
    /// Extended attributes as (name, value), sorted by name bytes.
    pub xattrs: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Record {
    /// A record of `kind` at `path` with no attributes set yet.
    pub fn new(path: Vec<u8>, kind: EntryType) -> Self {
        Record {
            path,
            kind,
            mode: None,
            uid: None,
            gid: None,
            size: None,
            device: None,
            target: None,
            content: None,
            xattrs: Vec::new(),
        }
    }

    /// The canonical line, without its newline: the escaped path, then
    /// `key=value` fields in a fixed order, separated by single spaces.
    pub fn encode(&self) -> String {
        let mut s = escape(&self.path);
        // Writing to a String cannot fail.
        let _ = write!(s, " type={}", self.kind.name());
        if let Some(mode) = self.mode {
            let _ = write!(s, " mode={mode:04o}");
        }
        if let Some(uid) = self.uid {
            let _ = write!(s, " uid={uid}");
        }
        if let Some(gid) = self.gid {
            let _ = write!(s, " gid={gid}");
        }
        if let Some(size) = self.size {
            let _ = write!(s, " size={size}");
        }
        if let Some((major, minor)) = self.device {
            let _ = write!(s, " major={major} minor={minor}");
        }
        if let Some(target) = &self.target {
            let key = if self.kind == EntryType::HardLink {
                "link"
            } else {
                "target"
            };
            let _ = write!(s, " {key}={}", escape(target));
        }
        if let Some(content) = &self.content {
            let _ = write!(s, " {}={}", content.algorithm(), hex(content.bytes()));
        }
        for (name, value) in &self.xattrs {
            let _ = write!(s, " xattr.{}={}", escape(name), hex(value));
        }
        s
    }

    /// Parses a line written by [`Record::encode`]. Anything else, even a
    /// line meaning the same in another spelling, is refused.
    pub fn parse(line: &str) -> Result<Record, String> {
        let mut fields = line.split(' ');
        let path = fields.next().unwrap_or_default();
        let path = unescape(path).ok_or_else(|| format!("bad path {path:?}"))?;
        let (key, kind) = split_field(fields.next().unwrap_or_default())?;
        if key != "type" {
            return Err("the field after the path must be type=".into());
        }
        let kind = EntryType::from_name(kind).ok_or_else(|| format!("unknown type {kind:?}"))?;
        let mut r = Record::new(path, kind);
        let mut minor = None;
        for field in fields {
            let (key, value) = split_field(field)?;
            match key {
                "mode" => r.mode = Some(num(u32::from_str_radix(value, 8).ok(), field)?),
                "uid" => r.uid = Some(num(value.parse().ok(), field)?),
                "gid" => r.gid = Some(num(value.parse().ok(), field)?),
                "size" => r.size = Some(num(value.parse().ok(), field)?),
                "major" => r.device = Some((num(value.parse().ok(), field)?, 0)),
                "minor" => minor = Some(num(value.parse().ok(), field)?),
                "target" | "link" => {
                    r.target = Some(unescape(value).ok_or_else(|| format!("bad {field:?}"))?)
                }
                _ => {
                    if let Some(name) = key.strip_prefix("xattr.") {
                        let name = unescape(name).ok_or_else(|| format!("bad {field:?}"))?;
                        let value = unhex(value).ok_or_else(|| format!("bad {field:?}"))?;
                        r.xattrs.push((name, value));
                    } else if let Ok(algorithm) = key.parse::<Algorithm>() {
                        r.content = Some(
                            format!("{algorithm}:{value}")
                                .parse()
                                .map_err(|_| format!("bad content hash {field:?}"))?,
                        );
                    } else {
                        return Err(format!("unknown field {field:?}"));
                    }
                }
            }
        }
        if let (Some(dev), Some(minor)) = (&mut r.device, minor) {
            dev.1 = minor;
        }
        if r.encode() != line || !r.fields_fit_type() {
            return Err("record is not in canonical form".into());
        }
        Ok(r)
    }

    /// Whether exactly the fields that this type carries are set (xattrs
    /// are checked for order by the canonical-form comparison).
    fn fields_fit_type(&self) -> bool {
        use EntryType::*;
        let attrs = !matches!(self.kind, HardLink);
        let mode = !matches!(self.kind, HardLink | Symlink);
        let file = matches!(self.kind, File);
        let device = matches!(self.kind, Char | Block);
        let target = matches!(self.kind, Symlink | HardLink);
        self.mode.is_some() == mode
            && self.uid.is_some() == attrs
            && self.gid.is_some() == attrs
            && self.size.is_some() == file
            && self.content.is_some() == file
            && self.device.is_some() == device
            && self.target.is_some() == target
            && (attrs || self.xattrs.is_empty())
            && self.mode.map_or(true, |m| m <= 0o7777)
            && self.xattrs.windows(2).all(|w| w[0].0 < w[1].0)
    }
}

fn split_field(field: &str) -> Result<(&str, &str), String> {
    field
        .split_once('=')
        .ok_or_else(|| format!("field {field:?} is not key=value"))
}

fn num<T>(v: Option<T>, field: &str) -> Result<T, String> {
    v.ok_or_else(|| format!("bad number in {field:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Record {
        let mut r = Record::new(b"rootfs/a b\xff".to_vec(), EntryType::File);
        r.mode = Some(0o4755);
        r.uid = Some(0);
        r.gid = Some(1000);
        r.size = Some(3);
        r.content = Some(
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
                .parse()
                .expect("valid"),
        );
        r.xattrs = vec![
            (b"user.a".to_vec(), vec![0, 1]),
            (b"user.b=".to_vec(), vec![]),
        ];
        r
    }

    #[test]
    fn encodes_a_file_canonically() {
        assert_eq!(
            file().encode(),
            "rootfs/a%20b%FF type=file mode=4755 uid=0 gid=1000 size=3 \
             sha256=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad \
             xattr.user.a=0001 xattr.user.b%3D="
        );
    }

    #[test]
    fn parse_inverts_encode_for_every_type() {
        let mut dev = Record::new(b"rootfs/dev/null".to_vec(), EntryType::Char);
        dev.mode = Some(0o666);
        dev.uid = Some(0);
        dev.gid = Some(0);
        dev.device = Some((1, 3));
        let mut link = Record::new(b"l".to_vec(), EntryType::Symlink);
        link.uid = Some(1);
        link.gid = Some(2);
        link.target = Some(b"../x y".to_vec());
        let mut hard = Record::new(b"h".to_vec(), EntryType::HardLink);
        hard.target = Some(b"rootfs/a".to_vec());
        for r in [file(), dev, link, hard] {
            assert_eq!(Record::parse(&r.encode()), Ok(r.clone()));
        }
    }

    #[test]
    fn parse_refuses_other_spellings_and_missing_fields() {
        let good = file().encode();
        let bad = [
            good.replace("mode=4755", "mode=04755"),
            good.replace(" uid=0", ""),
            good.replace("type=file", "type=dir"),
            good.replace(
                "xattr.user.a=0001 xattr.user.b%3D=",
                "xattr.user.b%3D= xattr.user.a=0001",
            ),
            good.replace(' ', "  "),
            format!("{good} "),
            good.replace("size=3", "size=x"),
            "x type=fifo mode=0644 uid=0 gid=0 colour=red".into(),
        ];
        for line in bad {
            assert!(Record::parse(&line).is_err(), "{line}");
        }
    }
}
