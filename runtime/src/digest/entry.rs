//! Turning a walked entry into its record: type and attributes from the
//! one `lstat`, then xattrs, the symlink target and the content hash.

use super::hash::{hash_stream, Algorithm, Digest};
use super::record::{EntryType, Record};
use super::walk::{full_path, Entry};
use super::{xattr, DigestError};
use std::fs::{self, File, Metadata, OpenOptions};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::Path;

/// The type of an entry from its `lstat`; `None` for a kind Linux does not
/// have (never seen in practice).
pub(crate) fn entry_type(meta: &Metadata) -> Option<EntryType> {
    let t = meta.file_type();
    Some(if t.is_file() {
        EntryType::File
    } else if t.is_dir() {
        EntryType::Dir
    } else if t.is_symlink() {
        EntryType::Symlink
    } else if t.is_char_device() {
        EntryType::Char
    } else if t.is_block_device() {
        EntryType::Block
    } else if t.is_fifo() {
        EntryType::Fifo
    } else if t.is_socket() {
        EntryType::Socket
    } else {
        return None;
    })
}

/// Major number of a `dev_t`, as glibc's `major()` splits it.
pub(crate) fn major(dev: u64) -> u64 {
    ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0x0fff)
}

/// Minor number of a `dev_t`, as glibc's `minor()` splits it.
pub(crate) fn minor(dev: u64) -> u64 {
    ((dev >> 12) & 0xffff_ff00) | (dev & 0xff)
}

/// How the content of a regular file is obtained.
pub(crate) enum Content {
    /// Read and hash the file.
    Read,
    /// Reuse a hash whose cache hint still matches (`--since`).
    Known(Digest),
}

/// Builds the full record of an entry that is not a further hard link.
/// `buf` is the caller's read buffer; `content` applies to regular files.
pub(crate) fn record(
    bundle: &Path,
    entry: &Entry,
    algorithm: Algorithm,
    content: Content,
    buf: &mut [u8],
) -> Result<Record, DigestError> {
    let path = full_path(bundle, &entry.path);
    let meta = &entry.meta;
    let kind = entry_type(meta).ok_or_else(|| DigestError::Changed {
        path: path.clone(),
        what: "unknown file type",
    })?;
    let mut r = Record::new(entry.path.clone(), kind);
    r.uid = Some(meta.uid());
    r.gid = Some(meta.gid());
    if kind != EntryType::Symlink {
        r.mode = Some(meta.mode() & 0o7777);
    }
    let io_err = |source| DigestError::Io {
        path: path.clone(),
        source,
    };
    match kind {
        EntryType::File => {
            r.size = Some(meta.size());
            r.content = Some(match content {
                Content::Known(d) => d,
                Content::Read => hash_file(&path, meta.size(), algorithm, buf)?,
            });
        }
        EntryType::Symlink => {
            let target = fs::read_link(&path).map_err(io_err)?;
            r.target = Some(target.as_os_str().as_bytes().to_vec());
        }
        EntryType::Char | EntryType::Block => {
            r.device = Some((major(meta.rdev()), minor(meta.rdev())));
        }
        _ => {}
    }
    r.xattrs = xattr::read(&path).map_err(io_err)?;
    Ok(r)
}

/// Hashes a regular file's content, streaming it through `buf`. The size
/// from the walk's `lstat` doubles as a check that the file did not change
/// in between, so the file is not stat'ed a second time.
fn hash_file(
    path: &Path,
    size: u64,
    algorithm: Algorithm,
    buf: &mut [u8],
) -> Result<Digest, DigestError> {
    if size == 0 {
        return Ok(algorithm.hasher().finish_digest(algorithm));
    }
    let io_err = |source| DigestError::Io {
        path: path.to_path_buf(),
        source,
    };
    // O_NOFOLLOW and O_NONBLOCK: if the file was swapped for a symlink or
    // a fifo since the walk, fail or return at once instead of following
    // or blocking.
    let mut file: File = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(io_err)?;
    advise_sequential(&file);
    let (hash, read) = hash_stream(algorithm, &mut file, buf).map_err(io_err)?;
    if read != size {
        return Err(DigestError::Changed {
            path: path.to_path_buf(),
            what: "size changed while reading",
        });
    }
    Ok(Digest::from_parts(algorithm, hash))
}

/// Asks for aggressive readahead; only a hint, so failure is ignored.
fn advise_sequential(file: &File) {
    use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};
    use std::os::fd::AsRawFd;
    let _ = posix_fadvise(
        file.as_raw_fd(),
        0,
        0,
        PosixFadviseAdvice::POSIX_FADV_SEQUENTIAL,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_device_numbers_like_glibc() {
        for (maj, min) in [
            (1u32, 3u32),
            (8, 17),
            (259, 1_048_575),
            (4095, 255),
            (0xfff_ffff, 0xffff),
        ] {
            let dev = libc::makedev(maj, min);
            assert_eq!((major(dev), minor(dev)), (u64::from(maj), u64::from(min)));
        }
    }
}
