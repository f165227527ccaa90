//! `--since`: reuse the content hashes of an earlier manifest for regular
//! files whose path, size and cache hint (device, inode, mtime, ctime) are
//! unchanged, so only changed files are read again.

use super::entry::Content;
use super::hash::{Algorithm, Digest};
use super::manifest::{CacheHint, Manifest};
use super::record::EntryType;
use super::walk::Entry;
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;

/// Known content hashes by path, with what must still match to use them.
pub(crate) struct KnownHashes<'a> {
    by_path: HashMap<&'a [u8], (u64, CacheHint, &'a Digest)>,
}

impl<'a> KnownHashes<'a> {
    /// Hashes from `manifest` usable for a digest with `algorithm`; none
    /// if the manifest used another algorithm.
    pub(crate) fn new(manifest: Option<&'a Manifest>, algorithm: Algorithm) -> Self {
        let by_path = manifest
            .filter(|m| m.algorithm == algorithm)
            .into_iter()
            .flat_map(|m| &m.entries)
            .filter(|e| e.record.kind == EntryType::File)
            .filter_map(|e| {
                let r = &e.record;
                Some((r.path.as_slice(), (r.size?, e.hint?, r.content.as_ref()?)))
            })
            .collect();
        KnownHashes { by_path }
    }

    /// How to get the content hash of the regular file `entry`.
    pub(crate) fn content(&self, entry: &Entry) -> Content {
        match self.by_path.get(entry.path.as_slice()) {
            Some((size, hint, digest))
                if *size == entry.meta.size() && *hint == CacheHint::of(&entry.meta) =>
            {
                Content::Known((*digest).clone())
            }
            _ => Content::Read,
        }
    }
}
