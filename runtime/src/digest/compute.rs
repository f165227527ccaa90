//! Computing a bundle's records and digest: walk, resolve hard links in
//! path order, then build records in parallel.

use super::entry::{self, Content};
use super::hash::{Algorithm, Digest};
use super::manifest::{CacheHint, Manifest, ManifestEntry};
use super::record::{EntryType, Record};
use super::since::KnownHashes;
use super::walk::{walk, Entry};
use super::{pool, DigestError};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Size of each thread's read buffer.
const READ_BUF: usize = 256 * 1024;

/// How to digest a bundle.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Hash for contents and the digest.
    pub algorithm: Algorithm,
    /// Threads hashing files; 0 means one per CPU.
    pub threads: usize,
    /// An earlier manifest whose content hashes may be reused for files
    /// whose cache hints still match.
    pub since: Option<&'a Manifest>,
}

/// What digesting a bundle found.
#[derive(Debug, Clone)]
pub struct BundleDigest {
    /// The digest, e.g. `sha256:…`.
    pub digest: Digest,
    /// Every record, with cache hints for regular files.
    pub manifest: Manifest,
    /// How much work it took.
    pub stats: Stats,
}

/// Work counters of one digest run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Records written.
    pub entries: usize,
    /// Regular files read and hashed.
    pub files_hashed: usize,
    /// Regular files whose hash came from the `--since` manifest.
    pub files_reused: usize,
    /// Bytes read and hashed.
    pub bytes_hashed: u64,
}

/// What to do for one entry, decided before the parallel pass.
enum Job<'e> {
    /// Build the full record of `entry`.
    Full(&'e Entry, Option<CacheHint>),
    /// A further path of an inode first seen at `first`.
    HardLink(&'e Entry, &'e [u8]),
}

/// Digests the bundle directory `bundle`.
pub fn digest_bundle(bundle: &Path, options: &Options<'_>) -> Result<BundleDigest, DigestError> {
    let algorithm = options.algorithm;
    let entries = walk(bundle)?;
    let jobs = plan(&entries);
    let known = KnownHashes::new(options.since, algorithm);
    let threads = match options.threads {
        0 => pool::default_threads(),
        n => n,
    };
    let built = pool::map(
        &jobs,
        threads,
        || vec![0u8; READ_BUF],
        |buf, job| build(bundle, job, algorithm, &known, buf),
    )?;
    let mut stats = Stats {
        entries: built.len(),
        ..Stats::default()
    };
    let entries = built
        .into_iter()
        .map(|(entry, read)| {
            if let Some(size) = read {
                stats.files_hashed += 1;
                stats.bytes_hashed += size;
            } else if entry.record.kind == EntryType::File {
                stats.files_reused += 1;
            }
            entry
        })
        .collect();
    let manifest = Manifest { algorithm, entries };
    Ok(BundleDigest {
        digest: manifest.digest(),
        manifest,
        stats,
    })
}

/// Marks every regular file whose inode was already seen at an earlier
/// path (in path order) as a hard link to that path. Only regular files:
/// tar and others do not keep links between devices, fifos or sockets.
fn plan(entries: &[Entry]) -> Vec<Job<'_>> {
    let mut first: HashMap<(u64, u64), &[u8]> = HashMap::new();
    entries
        .iter()
        .map(|e| {
            let m = &e.meta;
            let is_file = m.file_type().is_file();
            let hint = is_file.then(|| CacheHint::of(m));
            if !is_file || m.nlink() < 2 {
                return Job::Full(e, hint);
            }
            match first.entry((m.dev(), m.ino())) {
                std::collections::hash_map::Entry::Occupied(o) => Job::HardLink(e, o.get()),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(&e.path);
                    Job::Full(e, hint)
                }
            }
        })
        .collect()
}

/// Builds one entry; the second value is the bytes read, if it was read.
fn build(
    bundle: &Path,
    job: &Job<'_>,
    algorithm: Algorithm,
    known: &KnownHashes<'_>,
    buf: &mut [u8],
) -> Result<(ManifestEntry, Option<u64>), DigestError> {
    match job {
        Job::HardLink(e, first) => {
            let mut record = Record::new(e.path.clone(), EntryType::HardLink);
            record.target = Some(first.to_vec());
            Ok((ManifestEntry { record, hint: None }, None))
        }
        Job::Full(e, hint) => {
            let content = if hint.is_some() {
                known.content(e)
            } else {
                Content::Read
            };
            let read = matches!(content, Content::Read) && hint.is_some();
            let record = entry::record(bundle, e, algorithm, content, buf)?;
            let read = read.then(|| e.meta.size());
            Ok((
                ManifestEntry {
                    record,
                    hint: *hint,
                },
                read,
            ))
        }
    }
}
