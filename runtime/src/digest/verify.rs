//! Checking a bundle against an expected digest and/or manifest, and
//! saying exactly what differs when it does not match.

use super::compute::{digest_bundle, Options};
use super::diff::{diff, Mismatch};
use super::hash::Digest;
use super::manifest::{Manifest, BUNDLE_MANIFEST};
use super::walk::full_path;
use super::DigestError;
use std::path::Path;

/// Checks that `bundle` has the digest `expected` (`sha256:<hex>`), e.g.
/// before a container is created from it. On a mismatch the error
/// ([`DigestError::Mismatch`]) lists the added, removed and changed paths
/// if the bundle carries a manifest of the expected digest at
/// `signatures/ocix/manifest`.
pub fn verify_bundle(bundle: &Path, expected: &str) -> Result<(), DigestError> {
    let expected: Digest = expected.parse()?;
    verify(bundle, Some(&expected), None, 0).map(|_| ())
}

/// Checks `bundle` against a digest, a manifest, or both; with both, the
/// manifest must describe that digest. Returns the bundle's digest. With
/// a digest alone, the bundle's own manifest explains a mismatch if it
/// describes the expected digest. `threads` 0 means one per CPU.
pub fn verify(
    bundle: &Path,
    digest: Option<&Digest>,
    manifest: Option<&Manifest>,
    threads: usize,
) -> Result<Digest, DigestError> {
    let expected = match (digest, manifest) {
        (None, None) => return Err(DigestError::NothingToVerify),
        (Some(d), Some(m)) => {
            let described = m.digest();
            if described != *d {
                return Err(DigestError::ManifestDigest {
                    manifest: described,
                    expected: d.clone(),
                });
            }
            described
        }
        (Some(d), None) => d.clone(),
        (None, Some(m)) => m.digest(),
    };
    let options = Options {
        algorithm: expected.algorithm(),
        threads,
        since: None,
    };
    let found = digest_bundle(bundle, &options)?;
    if found.digest == expected {
        return Ok(found.digest);
    }
    let own;
    let reference = match manifest {
        Some(m) => Some(m),
        None => {
            own = bundle_manifest(bundle, &expected);
            own.as_ref()
        }
    };
    let differences = reference.map_or_else(Vec::new, |m| {
        diff(
            m.entries.iter().map(|e| &e.record),
            found.manifest.entries.iter().map(|e| &e.record),
        )
    });
    Err(DigestError::Mismatch(Box::new(Mismatch {
        expected,
        actual: found.digest,
        differences,
    })))
}

/// The bundle's own manifest, if present, well-formed and describing
/// `expected` (so that it can be trusted as far as the digest is).
fn bundle_manifest(bundle: &Path, expected: &Digest) -> Option<Manifest> {
    let m = Manifest::read_file(&full_path(bundle, BUNDLE_MANIFEST.as_bytes())).ok()?;
    (m.digest() == *expected).then_some(m)
}
