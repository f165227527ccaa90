//! Extended attributes of an entry, read without following symlinks.
//!
//! The only unsafe code of the digest: `llistxattr` and `lgetxattr`.

use std::ffi::{CStr, CString};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Attributes left out of records: `security.selinux` is assigned by the
/// receiving host's policy when files are copied, so it differs between
/// machines holding the same bundle.
pub(crate) const EXCLUDED: &[&[u8]] = &[b"security.selinux"];

/// The entry's xattrs as (name, value), sorted by name, without
/// [`EXCLUDED`] ones. A filesystem without xattr support has none.
pub(crate) fn read(path: &Path) -> io::Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let cpath = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL byte"))?;
    let names = match list(&cpath) {
        Ok(names) => names,
        Err(e) if is_unsupported(&e) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        if EXCLUDED.contains(&name) {
            continue;
        }
        let cname = CString::new(name)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "xattr name holds NUL"))?;
        out.push((name.to_vec(), get(&cpath, &cname)?));
    }
    out.sort();
    Ok(out)
}

fn is_unsupported(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOTSUP) || e.raw_os_error() == Some(libc::EOPNOTSUPP)
}

/// The NUL-separated list of names.
fn list(path: &CStr) -> io::Result<Vec<u8>> {
    sized_read(|buf| {
        // SAFETY: `path` is a NUL-terminated string that outlives the call,
        // and `buf` is valid for writes of `buf.len()` bytes (a null
        // pointer with length 0 asks only for the size).
        unsafe { libc::llistxattr(path.as_ptr(), buf_ptr(buf), buf.len()) }
    })
}

/// The value of attribute `name`.
fn get(path: &CStr, name: &CStr) -> io::Result<Vec<u8>> {
    sized_read(|buf| {
        // SAFETY: `path` and `name` are NUL-terminated strings that
        // outlive the call, and `buf` is valid for writes of `buf.len()`
        // bytes (a null pointer with length 0 asks only for the size).
        unsafe { libc::lgetxattr(path.as_ptr(), name.as_ptr(), buf_ptr(buf).cast(), buf.len()) }
    })
}

fn buf_ptr(buf: &mut [u8]) -> *mut libc::c_char {
    if buf.is_empty() {
        std::ptr::null_mut()
    } else {
        buf.as_mut_ptr().cast()
    }
}

/// Runs a size-query-then-read call, retrying if the data grew between
/// the two (`ERANGE`).
fn sized_read(mut call: impl FnMut(&mut [u8]) -> libc::ssize_t) -> io::Result<Vec<u8>> {
    loop {
        let size = call(&mut []);
        let size = usize::try_from(size).map_err(|_| io::Error::last_os_error())?;
        if size == 0 {
            return Ok(Vec::new());
        }
        let mut buf = vec![0u8; size];
        let got = call(&mut buf);
        match usize::try_from(got) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(buf);
            }
            Err(_) => {
                let e = io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::ERANGE) {
                    return Err(e);
                }
            }
        }
    }
}
