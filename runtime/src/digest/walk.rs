//! The bundle walk: every entry below the bundle directory, stat'ed once
//! without following symlinks, in lexical byte order of its path.

use super::DigestError;
use std::ffi::OsStr;
use std::fs::{self, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The directory at the bundle root that the digest leaves out, so that
/// signatures (and a manifest) can be stored in the bundle they sign.
pub const SIGNATURES_DIR: &str = "signatures";

/// One entry: its bundle-relative path (raw bytes, `/`-separated, no
/// leading `./`) and its `lstat`.
pub(crate) struct Entry {
    pub path: Vec<u8>,
    pub meta: Metadata,
}

/// Lists every entry below `bundle` (not the bundle directory itself, and
/// not `signatures/` at its root), sorted by path bytes.
pub(crate) fn walk(bundle: &Path) -> Result<Vec<Entry>, DigestError> {
    let root = fs::metadata(bundle).map_err(|source| DigestError::Io {
        path: bundle.to_path_buf(),
        source,
    })?;
    if !root.is_dir() {
        return Err(DigestError::NotADirectory(bundle.to_path_buf()));
    }
    let mut entries = Vec::new();
    let mut dirs: Vec<(PathBuf, Vec<u8>)> = vec![(bundle.to_path_buf(), Vec::new())];
    while let Some((dir, rel)) = dirs.pop() {
        let io_err = |source| DigestError::Io {
            path: dir.clone(),
            source,
        };
        for dirent in fs::read_dir(&dir).map_err(io_err)? {
            let dirent = dirent.map_err(io_err)?;
            let name = dirent.file_name();
            // DirEntry::metadata is fstatat(AT_SYMLINK_NOFOLLOW): one stat.
            let meta = dirent.metadata().map_err(|source| DigestError::Io {
                path: dirent.path(),
                source,
            })?;
            if rel.is_empty() && name == OsStr::new(SIGNATURES_DIR) && meta.is_dir() {
                continue;
            }
            let path = child(&rel, name.as_bytes());
            if meta.is_dir() {
                dirs.push((dirent.path(), path.clone()));
            }
            entries.push(Entry { path, meta });
        }
    }
    entries.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    Ok(entries)
}

fn child(parent: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = Vec::with_capacity(parent.len() + 1 + name.len());
    if !parent.is_empty() {
        path.extend_from_slice(parent);
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

/// `bundle` joined with a bundle-relative path.
pub(crate) fn full_path(bundle: &Path, rel: &[u8]) -> PathBuf {
    bundle.join(OsStr::from_bytes(rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_whole_path_bytes_not_per_directory() {
        let dir = tempfile::tempdir().expect("tempdir");
        for d in ["a", "a-b", "signatures", "x/signatures"] {
            fs::create_dir_all(dir.path().join(d)).expect("mkdir");
        }
        fs::write(dir.path().join("a/z"), b"").expect("write");
        fs::write(dir.path().join("signatures/s"), b"").expect("write");
        let paths: Vec<Vec<u8>> = walk(dir.path())
            .expect("walk")
            .into_iter()
            .map(|e| e.path)
            .collect();
        // '-' (0x2d) sorts before '/' (0x2f).
        let want: [&[u8]; 5] = [b"a", b"a-b", b"a/z", b"x", b"x/signatures"];
        assert_eq!(paths, want.map(<[u8]>::to_vec));
    }

    #[test]
    fn refuses_a_file_as_bundle() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("f");
        fs::write(&f, b"").expect("write");
        assert!(matches!(walk(&f), Err(DigestError::NotADirectory(_))));
    }
}
