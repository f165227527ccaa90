//! Paths inside a container's rootfs, resolved as if the rootfs were `/`.
//!
//! The rootfs is untrusted: `etc -> /../../host` or `passwd -> /etc/shadow`
//! must land inside it, never on the host. The kernel does this race-free
//! with openat2(2) `RESOLVE_IN_ROOT` (Linux 5.6). Older kernels get a
//! userspace walk that holds a descriptor for each directory it passes,
//! opens every component with `O_NOFOLLOW`, and restarts each symlink's
//! text from the root, so a component swapped mid-walk cannot redirect it.

use nix::fcntl::{fcntl, readlinkat, FcntlArg, OFlag};
use nix::sys::stat::{fstat, FileStat};
use std::ffi::{CStr, CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Symlinks followed before ELOOP, the kernel's `MAXSYMLINKS`.
const MAX_SYMLINKS: u32 = 40;

/// openat2(2) retries on EAGAIN, which it returns when a concurrent rename
/// could have let `..` escape the root.
const OPENAT2_RETRIES: u32 = 32;

/// The openat2(2) argument (`struct open_how`, version 0).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// Opens `path` read-only inside `root`: absolute symlinks restart at
/// `root`, `..` stops at it, magic links (`/proc/self/root`) are refused.
///
/// Only regular files and directories are opened; anything else (a fifo
/// that would block, a device) fails with `EINVAL` before it is opened for
/// reading. An empty `path` is `ENOENT`, as with open(2).
pub fn open_in_root(root: &Path, path: &str) -> io::Result<File> {
    if path.is_empty() {
        return Err(errno(libc::ENOENT));
    }
    let root_fd = open_dir(root)?;
    match open_kernel(root_fd.as_fd(), &cstring(path.as_bytes())?) {
        Err(e) if e.raw_os_error() == Some(libc::ENOSYS) => open_walk(root_fd.as_fd(), path),
        r => r,
    }
}

/// The host path that `path` names inside `root`, every symlink resolved
/// inside `root` and `..` clamped at it. Components that do not exist yet
/// are appended as they are, so the result can be created (mount targets).
///
/// The answer is only as current as the walk: a container that can write
/// the rootfs can change it afterwards, so use it before the container runs.
pub fn resolve_in_root(root: &Path, path: &str) -> io::Result<PathBuf> {
    let root_fd = open_dir(root)?;
    let stack = walk(root_fd.as_fd(), path.as_bytes())?;
    let mut out = root.to_path_buf();
    out.extend(stack.iter().map(|e| Path::new(&e.name)));
    Ok(out)
}

/// Opens through the kernel; `ENOSYS` when openat2(2) is missing.
fn open_kernel(root: BorrowedFd<'_>, path: &CStr) -> io::Result<File> {
    let probe = openat2(root, path, libc::O_PATH | libc::O_CLOEXEC)?;
    let want = check_openable(probe.as_fd())?;
    let fd = openat2(root, path, READ_FLAGS)?;
    finish_open(fd, &want)
}

/// Opens by walking the path in userspace (kernels before 5.6).
fn open_walk(root: BorrowedFd<'_>, path: &str) -> io::Result<File> {
    let stack = walk(root, path.as_bytes())?;
    let (target, parent, name) = match stack.as_slice() {
        [] => (root, root, OsStr::new(".")),
        [.., parent, last] => (last.fd()?, parent.fd()?, last.name.as_os_str()),
        [last] => (last.fd()?, root, last.name.as_os_str()),
    };
    let want = check_openable(target)?;
    let fd = openat(
        parent,
        &cstring(name.as_bytes())?,
        READ_FLAGS | libc::O_NOFOLLOW,
    )?;
    finish_open(fd, &want)
}

/// Non-blocking so that a file swapped for a fifo cannot hang the open.
const READ_FLAGS: libc::c_int =
    libc::O_RDONLY | libc::O_CLOEXEC | libc::O_NOCTTY | libc::O_NONBLOCK;

/// Refuses what reading could hang on or act on (fifos, devices, sockets).
fn check_openable(fd: BorrowedFd<'_>) -> io::Result<FileStat> {
    let st = fstat(fd.as_raw_fd())?;
    match st.st_mode & libc::S_IFMT {
        libc::S_IFREG | libc::S_IFDIR => Ok(st),
        _ => Err(errno(libc::EINVAL)),
    }
}

/// Checks that the file opened for reading is the one checked, then makes
/// it blocking again.
fn finish_open(fd: OwnedFd, want: &FileStat) -> io::Result<File> {
    let st = fstat(fd.as_raw_fd())?;
    if (st.st_dev, st.st_ino) != (want.st_dev, want.st_ino) {
        // Replaced between the two opens.
        return Err(errno(libc::EAGAIN));
    }
    let flags = OFlag::from_bits_retain(fcntl(fd.as_raw_fd(), FcntlArg::F_GETFL)?);
    fcntl(fd.as_raw_fd(), FcntlArg::F_SETFL(flags - OFlag::O_NONBLOCK))?;
    Ok(File::from(fd))
}

/// One resolved component of a walk.
struct Entry {
    name: OsString,
    /// An `O_PATH` descriptor of what `name` is; `None` if it does not exist.
    fd: Option<OwnedFd>,
    is_dir: bool,
}

impl Entry {
    fn fd(&self) -> io::Result<BorrowedFd<'_>> {
        self.fd
            .as_ref()
            .map(|f| f.as_fd())
            .ok_or(errno(libc::ENOENT))
    }
}

/// Resolves `path` under `root` one component at a time. Returns the chain
/// of components from the root to the target, none of them a symlink.
fn walk(root: BorrowedFd<'_>, path: &[u8]) -> io::Result<Vec<Entry>> {
    let mut todo = components(path);
    todo.reverse(); // popped from the end
    let mut stack: Vec<Entry> = Vec::new();
    let mut links = 0;
    while let Some(name) = todo.pop() {
        if let Some(last) = stack.last() {
            if last.fd.is_some() && !last.is_dir {
                return Err(errno(libc::ENOTDIR));
            }
        }
        if name == ".." {
            stack.pop();
            continue;
        }
        let parent = match stack.last() {
            None => root,
            Some(Entry { fd: Some(fd), .. }) => fd.as_fd(),
            Some(Entry { fd: None, .. }) => {
                stack.push(Entry {
                    name,
                    fd: None,
                    is_dir: false,
                });
                continue;
            }
        };
        let fd = match openat(
            parent,
            &cstring(name.as_bytes())?,
            libc::O_PATH | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        ) {
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                stack.push(Entry {
                    name,
                    fd: None,
                    is_dir: false,
                });
                continue;
            }
            r => r?,
        };
        let mode = fstat(fd.as_raw_fd())?.st_mode & libc::S_IFMT;
        if mode != libc::S_IFLNK {
            let is_dir = mode == libc::S_IFDIR;
            stack.push(Entry {
                name,
                fd: Some(fd),
                is_dir,
            });
            continue;
        }
        links += 1;
        if links > MAX_SYMLINKS {
            return Err(errno(libc::ELOOP));
        }
        let target = readlinkat(Some(fd.as_raw_fd()), "")?;
        let target = target.as_bytes();
        if target.is_empty() {
            return Err(errno(libc::ENOENT));
        }
        if target.starts_with(b"/") {
            stack.clear();
        }
        todo.extend(components(target).into_iter().rev());
    }
    Ok(stack)
}

/// The components of a path, without empty ones and `.`.
fn components(path: &[u8]) -> Vec<OsString> {
    path.split(|b| *b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(|c| OsStr::from_bytes(c).to_os_string())
        .collect()
}

fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    let flags = libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC;
    openat(cwd(), &cstring(path.as_os_str().as_bytes())?, flags)
}

fn cwd() -> BorrowedFd<'static> {
    // SAFETY: AT_FDCWD is a constant the *at calls accept as a directory;
    // it is never closed.
    unsafe { BorrowedFd::borrow_raw(libc::AT_FDCWD) }
}

fn openat(dir: BorrowedFd<'_>, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `name` is a NUL-terminated string alive for the call; `dir`
    // is a valid descriptor borrowed for the call.
    let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
    owned(fd as libc::c_long)
}

fn openat2(dir: BorrowedFd<'_>, path: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    let how = OpenHow {
        flags: flags as u64,
        mode: 0,
        resolve: libc::RESOLVE_IN_ROOT | libc::RESOLVE_NO_MAGICLINKS,
    };
    let mut tries = 0;
    loop {
        // SAFETY: `path` is NUL-terminated and `how` is a repr(C) open_how
        // whose size is passed along; both outlive the call, which only
        // reads them. `dir` is a valid borrowed descriptor.
        let r = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir.as_raw_fd(),
                path.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        match owned(r) {
            Err(e) if e.raw_os_error() == Some(libc::EAGAIN) && tries < OPENAT2_RETRIES => {
                tries += 1;
            }
            r => return r,
        }
    }
}

/// Takes ownership of the descriptor a syscall returned, or its error.
fn owned(r: libc::c_long) -> io::Result<OwnedFd> {
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the syscall just returned this descriptor; nothing else owns
    // it, and a descriptor always fits in a RawFd.
    Ok(unsafe { OwnedFd::from_raw_fd(r as RawFd) })
}

fn cstring(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

fn errno(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::fs::symlink;

    /// A rootfs at `<tmp>/a/b/rootfs`, so that three or four `..` from it
    /// reach files planted outside that must never be read.
    struct Tree {
        tmp: tempfile::TempDir,
    }

    impl Tree {
        fn new() -> Tree {
            let tree = Tree {
                tmp: tempfile::tempdir().expect("tempdir"),
            };
            std::fs::create_dir_all(tree.root()).expect("mkdir rootfs");
            tree
        }
        fn root(&self) -> PathBuf {
            self.tmp.path().join("a/b/rootfs")
        }
        /// Writes a file at `rel` under the tempdir (outside the rootfs
        /// unless `rel` starts with `a/b/rootfs`).
        fn outside(&self, rel: &str, body: &str) {
            let p = self.tmp.path().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, body).expect("write");
        }
        fn file(&self, rel: &str, body: &str) {
            self.outside(&format!("a/b/rootfs/{rel}"), body);
        }
        fn dir(&self, rel: &str) {
            std::fs::create_dir_all(self.root().join(rel)).expect("mkdir");
        }
        fn link(&self, rel: &str, target: &str) {
            let p = self.root().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            symlink(target, p).expect("symlink");
        }
        /// The host kernel's own view, to prove a fixture is hostile.
        fn naive_read(&self, rel: &str) -> Option<String> {
            std::fs::read_to_string(self.root().join(rel)).ok()
        }
        /// Reads `path` through both implementations, which must agree.
        fn read(&self, path: &str) -> Result<String, i32> {
            let root_fd = open_dir(&self.root()).expect("open root");
            let c = cstring(path.as_bytes()).expect("cstring");
            let kernel = read_all(open_kernel(root_fd.as_fd(), &c));
            let user = read_all(open_walk(root_fd.as_fd(), path));
            assert_eq!(kernel, user, "openat2 and the walk disagree on {path:?}");
            assert_eq!(read_all(open_in_root(&self.root(), path)), kernel);
            kernel
        }
        fn resolve(&self, path: &str) -> Result<PathBuf, i32> {
            resolve_in_root(&self.root(), path).map_err(code)
        }
    }

    fn code(e: io::Error) -> i32 {
        e.raw_os_error().unwrap_or(-1)
    }

    fn read_all(f: io::Result<File>) -> Result<String, i32> {
        let mut s = String::new();
        f.map_err(code)?.read_to_string(&mut s).map_err(code)?;
        Ok(s)
    }

    #[test]
    fn reads_plain_file() {
        let t = Tree::new();
        t.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n");
        assert_eq!(
            t.read("/etc/passwd"),
            Ok("root:x:0:0::/root:/bin/sh\n".into())
        );
        assert_eq!(
            t.read("etc/passwd"),
            Ok("root:x:0:0::/root:/bin/sh\n".into())
        );
        assert_eq!(t.read("/etc/nope"), Err(libc::ENOENT));
        assert_eq!(
            open_in_root(&t.root(), "").map_err(code).err(),
            Some(libc::ENOENT)
        );
    }

    #[test]
    fn absolute_dir_symlink_stays_inside() {
        let t = Tree::new();
        t.link("etc", "/../../../");
        t.file("passwd", "inside");
        assert_eq!(t.read("/etc/passwd"), Ok("inside".into()));
        assert_eq!(t.read("/etc/etc/etc/passwd"), Ok("inside".into()));
    }

    #[test]
    fn relative_dir_symlink_cannot_climb_out() {
        let t = Tree::new();
        t.outside("a/b/secret", "HOST");
        t.link("etc", "../");
        assert_eq!(t.naive_read("etc/secret").as_deref(), Some("HOST"));
        assert_eq!(t.read("/etc/secret"), Err(libc::ENOENT));
    }

    #[test]
    fn file_symlink_to_shadow_reads_the_rootfs_shadow() {
        let t = Tree::new();
        t.outside("etc/shadow", "HOST");
        t.file("etc/shadow", "inside");
        t.link("etc/passwd", "../../../../etc/shadow");
        t.link("etc/group", "/etc/shadow");
        assert_eq!(t.naive_read("etc/passwd").as_deref(), Some("HOST"));
        assert_eq!(t.read("/etc/passwd"), Ok("inside".into()));
        assert_eq!(t.read("/etc/group"), Ok("inside".into()));
    }

    #[test]
    fn dotdot_in_the_path_is_clamped() {
        let t = Tree::new();
        t.outside("a/b/etc/passwd", "HOST");
        t.file("etc/passwd", "inside");
        assert_eq!(t.read("../../../../etc/passwd"), Ok("inside".into()));
        assert_eq!(t.read("/etc/../../etc/passwd"), Ok("inside".into()));
    }

    #[test]
    fn magic_link_text_is_resolved_in_the_root() {
        let t = Tree::new();
        t.link("etc/passwd", "/proc/self/root/etc/passwd");
        assert!(t.naive_read("etc/passwd").is_some());
        assert_eq!(t.read("/etc/passwd"), Err(libc::ENOENT));
    }

    #[test]
    fn symlink_loops_are_eloop() {
        let t = Tree::new();
        t.link("loop1", "loop2");
        t.link("loop2", "/loop1");
        t.link("self", "self");
        t.link("d/x", "../d/x");
        for p in ["/loop1", "/self", "/d/x", "/loop2/more"] {
            assert_eq!(t.read(p), Err(libc::ELOOP), "{p}");
            assert_eq!(t.resolve(p), Err(libc::ELOOP), "{p}");
        }
    }

    /// `l0 -> l1 -> ... -> l{n-1} -> target`: n links to follow.
    fn chain(t: &Tree, n: usize) {
        for i in 0..n {
            let next = if i + 1 == n {
                "target".to_string()
            } else {
                format!("l{}", i + 1)
            };
            t.link(&format!("l{i}"), &next);
        }
    }

    #[test]
    fn forty_links_resolve_and_forty_one_do_not() {
        let t = Tree::new();
        t.file("target", "end");
        chain(&t, 40);
        assert_eq!(t.read("/l0"), Ok("end".into()));
        assert_eq!(t.resolve("/l0"), Ok(t.root().join("target")));
        let t = Tree::new();
        t.file("target", "end");
        chain(&t, 41);
        assert_eq!(t.read("/l0"), Err(libc::ELOOP));
        assert_eq!(t.resolve("/l0"), Err(libc::ELOOP));
    }

    #[test]
    fn fifo_is_refused_without_blocking() {
        let t = Tree::new();
        t.dir("etc");
        nix::unistd::mkfifo(
            &t.root().join("etc/passwd"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .expect("mkfifo");
        assert_eq!(t.read("/etc/passwd"), Err(libc::EINVAL));
    }

    #[test]
    fn opens_directories_and_the_root() {
        let t = Tree::new();
        t.dir("etc");
        assert!(open_in_root(&t.root(), "/etc").is_ok());
        let root_fd = open_dir(&t.root()).expect("open root");
        for p in ["/", "/..", "."] {
            let k =
                open_kernel(root_fd.as_fd(), &cstring(p.as_bytes()).expect("c")).expect("kernel");
            let u = open_walk(root_fd.as_fd(), p).expect("walk");
            let (ks, us) = (
                fstat(k.as_raw_fd()).expect("st"),
                fstat(u.as_raw_fd()).expect("st"),
            );
            let rs = fstat(root_fd.as_raw_fd()).expect("st");
            assert_eq!((ks.st_ino, us.st_ino), (rs.st_ino, rs.st_ino), "{p}");
        }
    }

    #[test]
    fn resolve_follows_symlinks_inside_the_root() {
        let t = Tree::new();
        t.dir("usr/lib");
        t.link("lib", "usr/lib");
        t.link("usr/lib/up", "../../opt");
        t.link("etc", "/../../../");
        t.link("dangling", "/does/not/exist");
        let r = t.root();
        assert_eq!(t.resolve("/lib/modules"), Ok(r.join("usr/lib/modules")));
        assert_eq!(t.resolve("/lib"), Ok(r.join("usr/lib")));
        assert_eq!(t.resolve("/lib/up/x"), Ok(r.join("opt/x")));
        assert_eq!(t.resolve("/etc/x/y"), Ok(r.join("x/y")));
        assert_eq!(t.resolve("/dangling"), Ok(r.join("does/not/exist")));
        assert_eq!(t.resolve("/"), Ok(r.clone()));
        assert_eq!(t.resolve("relative/./dir/"), Ok(r.join("relative/dir")));
    }

    #[test]
    fn resolve_clamps_dotdot_and_keeps_missing_tails() {
        let t = Tree::new();
        t.link("etc", "/../../../");
        t.file("file", "");
        let r = t.root();
        assert_eq!(t.resolve("/a/../../../b"), Ok(r.join("b")));
        assert_eq!(t.resolve("/missing/a/b"), Ok(r.join("missing/a/b")));
        assert_eq!(t.resolve("/missing/../../../x"), Ok(r.join("x")));
        // Back out of a missing directory into a symlink: still followed.
        assert_eq!(t.resolve("/nope/../etc/z"), Ok(r.join("z")));
        assert_eq!(t.resolve("/file/x"), Err(libc::ENOTDIR));
        assert_eq!(t.resolve("/file/.."), Err(libc::ENOTDIR));
    }
}
