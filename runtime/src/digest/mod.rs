//! Bundle digest: a hash of an unpacked bundle that is stable across
//! machines and copy methods (cp -a, tar, rsync, a guest's initramfs) and
//! strong enough to sign. The exact definition, for reimplementers, is in
//! `docs/bundle-digest.md`.
//!
//! Every entry below the bundle directory, except a `signatures/`
//! directory at its root, becomes one [`Record`] (type, path, mode, owner,
//! xattrs, device numbers, link target, size, content hash; never times or
//! inode numbers). Records are sorted by the raw bytes of their path and
//! hashed as canonical text lines; a [`Manifest`] is those lines plus
//! cache hints that let `--since` skip unchanged files.
//!
//! [`digest_bundle`] computes, [`verify_bundle`] and [`verify`] check,
//! [`diff`] names what differs. The pieces, in the order data flows:
//! `walk` (one `lstat` per entry, sorted), `compute` (hard links, then
//! records in parallel through `pool`), `entry` and `xattr` (one record),
//! `hash` (streaming content hashes), `record` and `escape` (canonical
//! text), `manifest` and `since` (the file and its reuse), `diff` and
//! `verify`.

mod compute;
mod diff;
mod entry;
mod error;
mod escape;
mod hash;
mod manifest;
mod pool;
mod record;
mod since;
mod verify;
mod walk;
mod xattr;

pub use compute::{digest_bundle, BundleDigest, Options, Stats};
pub use diff::{diff, Change, Difference, Mismatch};
pub use error::DigestError;
pub use hash::{Algorithm, Digest};
pub use manifest::{
    CacheHint, Manifest, ManifestEntry, BUNDLE_MANIFEST, DIGEST_PREAMBLE, MANIFEST_MAGIC,
};
pub use record::{EntryType, Record};
pub use verify::{verify, verify_bundle};
pub use walk::SIGNATURES_DIR;
