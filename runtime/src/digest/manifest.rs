//! The manifest: a header line naming the bundle digest, then one record
//! per line, each optionally followed by ` # ` and cache hints (inode,
//! times) that `--since` uses and the digest never includes.

use super::hash::{Algorithm, Digest};
use super::record::Record;
use super::DigestError;
use std::fmt::Write as _;
use std::fs::{self, Metadata};
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// First line of the bytes the bundle digest hashes.
pub const DIGEST_PREAMBLE: &[u8] = b"ocix-bundle-digest/1\n";

/// First word of a manifest's header line.
pub const MANIFEST_MAGIC: &str = "ocix-manifest/1";

/// Where a bundle may carry its own manifest: inside the excluded
/// `signatures/` directory, so writing it leaves the digest unchanged.
pub const BUNDLE_MANIFEST: &str = "signatures/ocix/manifest";

/// Metadata that, when unchanged, lets `--since` reuse a content hash.
/// `ctime` cannot be set from user space, so any write, chmod, chown or
/// xattr change since the manifest was written shows here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheHint {
    /// Device of the filesystem holding the file.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Modification time, seconds and nanoseconds.
    pub mtime: (i64, i64),
    /// Status change time, seconds and nanoseconds.
    pub ctime: (i64, i64),
}

impl CacheHint {
    /// The hint for a file's current `lstat`.
    pub fn of(meta: &Metadata) -> Self {
        CacheHint {
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        }
    }

    fn encode(&self) -> String {
        format!(
            "dev={} ino={} mtime={}.{:09} ctime={}.{:09}",
            self.dev, self.ino, self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1
        )
    }

    /// Parses hints; `None` if any is missing or malformed (hints are only
    /// a cache, so a bad one just means the file is read again).
    fn parse(s: &str) -> Option<Self> {
        let (mut dev, mut ino, mut mtime, mut ctime) = (None, None, None, None);
        for field in s.split(' ') {
            let (key, value) = field.split_once('=')?;
            match key {
                "dev" => dev = value.parse().ok(),
                "ino" => ino = value.parse().ok(),
                "mtime" => mtime = time(value),
                "ctime" => ctime = time(value),
                _ => {}
            }
        }
        Some(CacheHint {
            dev: dev?,
            ino: ino?,
            mtime: mtime?,
            ctime: ctime?,
        })
    }
}

fn time(s: &str) -> Option<(i64, i64)> {
    let (secs, nanos) = s.split_once('.')?;
    Some((secs.parse().ok()?, nanos.parse().ok()?))
}

/// One manifest line: a record and, for regular files, its cache hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// What the digest fixes.
    pub record: Record,
    /// What `--since` compares; not part of the digest.
    pub hint: Option<CacheHint>,
}

/// Every record of a bundle, sorted by path, with the algorithm used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Algorithm of the content hashes and of the digest.
    pub algorithm: Algorithm,
    /// Entries in lexical byte order of their paths.
    pub entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// The bundle digest these records hash to.
    pub fn digest(&self) -> Digest {
        let mut h = self.algorithm.hasher();
        h.update(DIGEST_PREAMBLE);
        for e in &self.entries {
            h.update(e.record.encode().as_bytes());
            h.update(b"\n");
        }
        h.finish_digest(self.algorithm)
    }

    /// Writes the manifest text.
    pub fn write_to(&self, mut w: impl Write) -> io::Result<()> {
        let mut out = format!("{MANIFEST_MAGIC} {}\n", self.digest());
        for e in &self.entries {
            out.push_str(&e.record.encode());
            if let Some(hint) = &e.hint {
                let _ = write!(out, " # {}", hint.encode());
            }
            out.push('\n');
            if out.len() >= 1 << 16 {
                w.write_all(out.as_bytes())?;
                out.clear();
            }
        }
        w.write_all(out.as_bytes())?;
        w.flush()
    }

    /// Writes the manifest to `path` atomically (temporary file, rename).
    pub fn write_file(&self, path: &Path) -> Result<(), DigestError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp);
        let io_err = |source| DigestError::Io {
            path: path.to_path_buf(),
            source,
        };
        let result = fs::File::create(&tmp)
            .and_then(|f| self.write_to(io::BufWriter::new(f)))
            .and_then(|()| fs::rename(&tmp, path));
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io_err)
    }

    /// Reads and checks a manifest file.
    pub fn read_file(path: &Path) -> Result<Self, DigestError> {
        let text = fs::read(path).map_err(|source| DigestError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses manifest text; `source` names it in errors. The records must
    /// be canonical, sorted and unique, and must hash to the digest in the
    /// header, so a truncated or edited manifest is refused.
    pub fn parse(text: &[u8], source: &str) -> Result<Self, DigestError> {
        let err = |line: usize, reason: String| DigestError::Manifest {
            file: source.to_string(),
            line,
            reason,
        };
        let text = std::str::from_utf8(text).map_err(|_| err(0, "not ASCII text".into()))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| err(0, "does not end with a newline".into()))?;
        let mut lines = body.split('\n');
        let header = lines.next().unwrap_or_default();
        let claimed: Digest = header
            .strip_prefix(MANIFEST_MAGIC)
            .and_then(|rest| rest.strip_prefix(' '))
            .ok_or_else(|| err(1, format!("header is not \"{MANIFEST_MAGIC} <digest>\"")))?
            .parse()
            .map_err(|e: DigestError| err(1, e.to_string()))?;
        let algorithm = claimed.algorithm();
        let mut entries: Vec<ManifestEntry> = Vec::new();
        for (i, line) in lines.enumerate() {
            let n = i + 2;
            let (rec, hint) = match line.split_once(" # ") {
                Some((rec, hint)) => (rec, CacheHint::parse(hint)),
                None => (line, None),
            };
            let record = Record::parse(rec).map_err(|reason| err(n, reason))?;
            if record
                .content
                .as_ref()
                .is_some_and(|c| c.algorithm() != algorithm)
            {
                return Err(err(n, format!("content hash is not {algorithm}")));
            }
            if entries.last().is_some_and(|p| p.record.path >= record.path) {
                return Err(err(n, "paths are not sorted and unique".into()));
            }
            entries.push(ManifestEntry { record, hint });
        }
        let manifest = Manifest { algorithm, entries };
        let actual = manifest.digest();
        if actual != claimed {
            return Err(err(
                1,
                format!("records hash to {actual}, not to the header's {claimed}"),
            ));
        }
        Ok(manifest)
    }
}
