//! Bundle digest: a hash of an unpacked bundle that is stable across
//! machines and copy methods and strong enough to sign. The exact
//! definition, for reimplementers, is in `docs/bundle-digest.md`.
//!
//! Every entry becomes one [`Record`], hashed as a canonical text line in
//! lexical byte order of its path; a [`Manifest`] is those lines plus
//! cache hints; [`diff`] names what differs between two sets of records.

mod diff;
mod error;
mod escape;
mod hash;
mod manifest;
mod record;

pub use diff::{diff, Change, Difference, Mismatch};
pub use error::DigestError;
pub use hash::{Algorithm, Digest};
pub use manifest::{
    CacheHint, Manifest, ManifestEntry, BUNDLE_MANIFEST, DIGEST_PREAMBLE, MANIFEST_MAGIC,
};
pub use record::{EntryType, Record};
