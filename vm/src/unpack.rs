//! A cpio `newc` archive reader, the counterpart of [`crate::initramfs`]:
//! the guest agent receives a bundle as a cpio stream and unpacks it.
//!
//! [`unpack`] streams: file data goes to disk in chunks, nothing is sized
//! by the archive's word. It keeps what the writer carries (modes with
//! setuid, setgid and sticky, numeric owners, symlinks, devices, fifos,
//! sockets, hard links) and ignores times. Names stay under the
//! destination: `..` is refused, and no entry is created through a
//! symlink or anything else that is not a real directory.

use std::collections::HashMap;
use std::ffi::{CString, OsStr};
use std::fs::{self, OpenOptions, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Longest name accepted, its trailing NUL included (`PATH_MAX`).
const MAX_NAME: u32 = 4096;
/// Longest symlink target accepted.
const MAX_TARGET: u32 = 4096;

/// What can go wrong unpacking an archive.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    /// The stream is not a well-formed archive: bad magic, a header field
    /// that is not hex, a name size out of bounds or a name not ending
    /// in its only NUL.
    #[error("cpio: {what} at byte {at}")]
    Malformed {
        /// What is wrong.
        what: String,
        /// Where the header starts.
        at: u64,
    },
    /// The stream ended before the trailer; in this entry, if its name
    /// was read.
    #[error("cpio: truncated archive {}", .0.as_ref().map_or("before the trailer".into(), |e| format!("in entry {e:?}")))]
    Truncated(Option<String>),
    /// Reading the stream failed.
    #[error("cpio: read error: {0}")]
    Read(#[source] io::Error),
    /// An entry is refused: it would leave the destination, or something
    /// is in its way.
    #[error("cpio entry {entry:?}: {what}")]
    Refused {
        /// The entry's archive name.
        entry: String,
        /// Why.
        what: String,
    },
    /// Creating an entry failed.
    #[error("cpio entry {entry:?}: {what}: {source}")]
    Io {
        /// The entry's archive name.
        entry: String,
        /// What was being done.
        what: &'static str,
        /// The underlying error.
        source: io::Error,
    },
}

/// Unpacks a cpio newc stream from `r` under `dest`; returns the number of entries.
///
/// Every entry before the trailer counts, `.` (`dest` itself, skipped)
/// included. Missing parent directories are created. Directories stay
/// `rwx` for their owner while being filled and get their archive modes
/// last, deepest first, so a read-only one still receives its contents.
/// Owners that cannot be set for lack of privilege (`EPERM`) are left.
/// Reading stops after the trailer's name: what follows stays in `r`.
pub fn unpack<R: Read>(r: R, dest: &Path) -> Result<u64, UnpackError> {
    let mut r = Stream { r, at: 0 };
    let mut links = HashMap::new();
    let mut dirs = Vec::new();
    let mut count = 0u64;
    loop {
        let h = read_header(&mut r)?;
        let raw = read_name(&mut r, h.namesize)?;
        let name = String::from_utf8_lossy(&raw).into_owned();
        r.pad(&name)?;
        if raw == b"TRAILER!!!" {
            break;
        }
        count = count.saturating_add(1);
        let refuse = |what: &str| refused(&name, what);
        let comps = components(&raw).ok_or_else(|| refuse("path leaves the destination"))?;
        if comps.is_empty() && raw.is_empty() {
            return Err(refuse("empty name"));
        }
        let path = parents(dest, &comps, &name)?;
        let e = Entry {
            h,
            path,
            name: &name,
        };
        match h.mode & 0o170000 {
            _ if comps.is_empty() => r.skip(h.size, &name)?, // `.`
            0o040000 => {
                e.dir()?;
                r.skip(h.size, &name)?;
                dirs.push((comps.len(), e.path, h.mode & 0o7777, name.clone()));
            }
            0o100000 => e.file(&mut r, &mut links)?,
            0o120000 => e.symlink(&mut r)?,
            0o020000 | 0o060000 | 0o010000 | 0o140000 => {
                e.node()?;
                r.skip(h.size, &name)?;
            }
            _ => return Err(refuse(&format!("unknown file type in mode {:o}", h.mode))),
        }
        r.pad(&name)?;
    }
    dirs.sort_by_key(|d| std::cmp::Reverse(d.0));
    for (_, path, mode, name) in dirs {
        chmod(&path, mode).map_err(io_err(&name, "cannot set mode"))?;
    }
    Ok(count)
}

/// The header fields the reader uses.
#[derive(Debug, Clone, Copy)]
struct Header {
    ino: u32,
    mode: u32,
    uid: u32,
    gid: u32,
    nlink: u32,
    size: u64,
    dev: (u32, u32),
    rdev: (u32, u32),
    namesize: u32,
}

/// The archive stream and how many bytes of it were read, for padding
/// and errors.
struct Stream<R> {
    r: R,
    at: u64,
}

impl<R: Read> Stream<R> {
    /// Fills `buf`; an early end is [`UnpackError::Truncated`].
    fn fill(&mut self, buf: &mut [u8], entry: Option<&str>) -> Result<(), UnpackError> {
        self.r.read_exact(buf).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => UnpackError::Truncated(entry.map(str::to_owned)),
            _ => UnpackError::Read(e),
        })?;
        self.at = self.at.saturating_add(buf.len() as u64);
        Ok(())
    }

    /// Copies exactly `n` bytes to `out`, in chunks.
    fn copy(&mut self, n: u64, out: &mut impl Write, entry: &str) -> Result<(), UnpackError> {
        let mut buf = [0u8; 8192];
        let mut left = n;
        while left > 0 {
            let chunk = buf.get_mut(..usize::try_from(left).unwrap_or(8192).min(8192));
            let chunk = chunk.unwrap_or_default();
            self.fill(chunk, Some(entry))?;
            out.write_all(chunk)
                .map_err(io_err(entry, "cannot write"))?;
            left = left.saturating_sub(chunk.len() as u64);
        }
        Ok(())
    }

    fn skip(&mut self, n: u64, entry: &str) -> Result<(), UnpackError> {
        self.copy(n, &mut io::sink(), entry)
    }

    /// Skips to the next multiple of 4.
    fn pad(&mut self, entry: &str) -> Result<(), UnpackError> {
        self.skip((4 - self.at % 4) % 4, entry)
    }
}

fn read_header<R: Read>(r: &mut Stream<R>) -> Result<Header, UnpackError> {
    let at = r.at;
    let mut buf = [0u8; 110];
    r.fill(&mut buf, None)?;
    let (magic, rest) = buf.split_at(6);
    let malformed = |what: String| UnpackError::Malformed { what, at };
    if magic != b"070701" {
        return Err(malformed("bad magic".into()));
    }
    let mut f = [0u32; 13];
    for (slot, hex) in f.iter_mut().zip(rest.chunks_exact(8)) {
        let bad = || malformed(format!("bad field {:?}", String::from_utf8_lossy(hex)));
        *slot = parse_hex(hex).ok_or_else(bad)?;
    }
    let [ino, mode, uid, gid, nlink, _mtime, size, dmaj, dmin, rmaj, rmin, namesize, _] = f;
    if namesize == 0 || namesize > MAX_NAME + 1 {
        return Err(malformed(format!("name size {namesize} out of bounds")));
    }
    let (size, dev, rdev) = (u64::from(size), (dmaj, dmin), (rmaj, rmin));
    Ok(Header {
        ino,
        mode,
        uid,
        gid,
        nlink,
        size,
        dev,
        rdev,
        namesize,
    })
}

fn parse_hex(b: &[u8]) -> Option<u32> {
    b.iter()
        .try_fold(0u32, |n, &c| Some(n << 4 | (c as char).to_digit(16)?))
}

/// The name, `namesize` bytes with the trailing NUL, without it.
fn read_name<R: Read>(r: &mut Stream<R>, namesize: u32) -> Result<Vec<u8>, UnpackError> {
    let at = r.at;
    let mut name = vec![0u8; namesize as usize];
    r.fill(&mut name, None)?;
    if name.pop() != Some(0) || name.contains(&0) {
        let what = "name not NUL-terminated or holding a NUL".into();
        return Err(UnpackError::Malformed { what, at });
    }
    Ok(name)
}

/// The name's components, empty and `.` ones (so leading `/` and `./`)
/// dropped; `None` if one is `..`.
fn components(raw: &[u8]) -> Option<Vec<&OsStr>> {
    raw.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(|c| (c != b"..").then(|| OsStr::from_bytes(c)))
        .collect()
}

/// Joins `comps` under `dest`, checking each parent is a real directory
/// (not a symlink) and creating the missing ones.
fn parents(dest: &Path, comps: &[&OsStr], name: &str) -> Result<PathBuf, UnpackError> {
    let mut path = dest.to_path_buf();
    for (i, c) in comps.iter().enumerate() {
        path.push(c);
        if i + 1 == comps.len() {
            break;
        }
        match fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                let parent = path.strip_prefix(dest).unwrap_or(&path).display();
                return Err(refused(
                    name,
                    &format!("parent {parent:?} is not a directory"),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&path).map_err(io_err(name, "cannot create parent directory"))?
            }
            Err(e) => return Err(io_err(name, "cannot inspect parent")(e)),
        }
    }
    Ok(path)
}

fn refused(name: &str, what: &str) -> UnpackError {
    let (entry, what) = (name.to_owned(), what.to_owned());
    UnpackError::Refused { entry, what }
}

fn io_err<'a>(name: &'a str, what: &'static str) -> impl Fn(io::Error) -> UnpackError + 'a {
    move |source| UnpackError::Io {
        entry: name.to_owned(),
        what,
        source,
    }
}

fn chmod(path: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(path, Permissions::from_mode(mode))
}

/// One entry being created at `path`.
struct Entry<'a> {
    h: Header,
    path: PathBuf,
    name: &'a str,
}

impl Entry<'_> {
    fn dir(&self) -> Result<(), UnpackError> {
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => chmod(&self.path, 0o700),
            Ok(_) => return Err(refused(self.name, "exists and is not a directory")),
            Err(_) => fs::DirBuilder::new().mode(0o700).create(&self.path),
        }
        .map_err(io_err(self.name, "cannot create directory"))?;
        self.chown()
    }

    /// A regular file, or a further name of a hard-linked one.
    fn file<R: Read>(&self, r: &mut Stream<R>, links: &mut Links) -> Result<(), UnpackError> {
        self.clear()?;
        let key = (self.h.ino, self.h.dev);
        if self.h.nlink > 1 {
            if let Some(first) = links.get(&key) {
                fs::hard_link(first, &self.path)
                    .map_err(io_err(self.name, "cannot create hard link"))?;
                return r.skip(self.h.size, self.name);
            }
            links.insert(key, self.path.clone());
        }
        let mut opts = OpenOptions::new();
        let opts = opts.write(true).create_new(true).mode(0o600);
        let mut f = opts
            .open(&self.path)
            .map_err(io_err(self.name, "cannot create file"))?;
        r.copy(self.h.size, &mut f, self.name)?;
        self.chown()?;
        self.chmod()
    }

    fn symlink<R: Read>(&self, r: &mut Stream<R>) -> Result<(), UnpackError> {
        if self.h.size > u64::from(MAX_TARGET) {
            return Err(refused(self.name, "symlink target too long"));
        }
        let mut target = Vec::new();
        r.copy(self.h.size, &mut target, self.name)?;
        self.clear()?;
        std::os::unix::fs::symlink(OsStr::from_bytes(&target), &self.path)
            .map_err(io_err(self.name, "cannot create symlink"))?;
        self.chown()
    }

    /// A device, fifo or socket.
    fn node(&self) -> Result<(), UnpackError> {
        self.clear()?;
        let path = CString::new(self.path.as_os_str().as_bytes())
            .map_err(|_| refused(self.name, "path holds a NUL byte"))?;
        let kind = (self.h.mode & 0o170000) as libc::mode_t;
        let dev = libc::makedev(self.h.rdev.0, self.h.rdev.1);
        // SAFETY: `path` is a NUL-terminated string that outlives the call;
        // mknod reads no other memory.
        if unsafe { libc::mknod(path.as_ptr(), kind | 0o600, dev) } != 0 {
            let e = io::Error::last_os_error();
            return Err(io_err(self.name, "cannot create node")(e));
        }
        self.chown()?;
        self.chmod()
    }

    /// Removes what is at the path, unless it is a directory.
    fn clear(&self) -> Result<(), UnpackError> {
        match fs::symlink_metadata(&self.path) {
            Ok(m) if m.is_dir() => Err(refused(self.name, "a directory is in the way")),
            Ok(_) => fs::remove_file(&self.path).map_err(io_err(self.name, "cannot replace")),
            Err(_) => Ok(()),
        }
    }

    fn chown(&self) -> Result<(), UnpackError> {
        match std::os::unix::fs::lchown(&self.path, Some(self.h.uid), Some(self.h.gid)) {
            Err(e) if e.raw_os_error() != Some(libc::EPERM) => {
                Err(io_err(self.name, "cannot set owner")(e))
            }
            _ => Ok(()),
        }
    }

    /// Sets the permission bits; after [`Entry::chown`], which clears
    /// setuid and setgid.
    fn chmod(&self) -> Result<(), UnpackError> {
        chmod(&self.path, self.h.mode & 0o7777).map_err(io_err(self.name, "cannot set mode"))
    }
}

/// The first name of each hard-linked file, by `(ino, (devmajor, devminor))`.
type Links = HashMap<(u32, (u32, u32)), PathBuf>;

#[cfg(test)]
mod tests;
