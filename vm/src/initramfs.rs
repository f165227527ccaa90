//! A cpio `newc` archive writer, the format the kernel unpacks as the
//! initramfs. Uncompressed: the kernel takes it as is, and TCG boots gain
//! nothing from decompressing in the guest.
//!
//! [`Cpio::tree`] keeps what newc can carry: names as raw bytes, modes
//! (setuid, setgid and sticky included), numeric owners, symlinks,
//! device numbers, fifos, sockets, and hard links between the tree's
//! regular files. It cannot carry extended attributes or times (mtimes
//! are written as 0); the kernel unpacks the rest as written.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// File type bits of `st_mode`.
mod ty {
    pub const DIR: u32 = 0o040000;
    pub const REG: u32 = 0o100000;
    pub const LNK: u32 = 0o120000;
    pub const CHR: u32 = 0o020000;
}

/// Writes entries to `W` in cpio `newc` format; [`Cpio::finish`] writes
/// the trailer.
pub struct Cpio<W: Write> {
    out: W,
    written: u64,
    next_ino: u32,
    /// Archive inode of each multiply-linked host file `(st_dev, st_ino)`
    /// met by [`Cpio::tree`].
    links: HashMap<(u64, u64), u32>,
}

/// One entry's header fields besides name and size.
#[derive(Debug, Clone, Copy)]
struct Header {
    mode: u32,
    uid: u32,
    gid: u32,
    rdev: (u32, u32),
    /// A hard-linked file's archive inode: every name of it is written
    /// with this inode and `nlink` 2, which is how the kernel (and GNU
    /// cpio) tell names of one file. `None`: a fresh inode, one link.
    link: Option<u32>,
}

impl<W: Write> Cpio<W> {
    /// A writer over `out`.
    pub fn new(out: W) -> Self {
        Cpio {
            out,
            written: 0,
            next_ino: 1,
            links: HashMap::new(),
        }
    }

    /// A directory, owned by root.
    pub fn dir(&mut self, path: &str, perm: u32) -> io::Result<()> {
        self.entry(path.as_bytes(), Self::root(ty::DIR | perm), &[])
    }

    /// A regular file, owned by root.
    pub fn file(&mut self, path: &str, perm: u32, data: &[u8]) -> io::Result<()> {
        self.entry(path.as_bytes(), Self::root(ty::REG | perm), data)
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        self.entry(
            path.as_bytes(),
            Self::root(ty::LNK | 0o777),
            target.as_bytes(),
        )
    }

    /// A character device node (`dev/console` is 5:1).
    pub fn char_dev(&mut self, path: &str, perm: u32, major: u32, minor: u32) -> io::Result<()> {
        let h = Header {
            rdev: (major, minor),
            ..Self::root(ty::CHR | perm)
        };
        self.entry(path.as_bytes(), h, &[])
    }

    /// Copies the host tree at `src` to `dest` in the archive (see the
    /// module's notes for what is kept).
    pub fn tree(&mut self, src: &Path, dest: &str) -> io::Result<()> {
        self.tree_at(src, dest.as_bytes())
    }

    fn tree_at(&mut self, src: &Path, dest: &[u8]) -> io::Result<()> {
        let meta = fs::symlink_metadata(src)?;
        let mut h = Header {
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            rdev: (major(meta.rdev()), minor(meta.rdev())),
            link: None,
        };
        let ft = meta.file_type();
        if ft.is_dir() {
            self.entry(dest, h, &[])?;
            let mut names: Vec<_> = fs::read_dir(src)?
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<_>>()?;
            names.sort();
            for name in names {
                let mut child = dest.to_vec();
                child.push(b'/');
                child.extend_from_slice(name.as_bytes());
                self.tree_at(&src.join(&name), &child)?;
            }
            Ok(())
        } else if ft.is_symlink() {
            let target = fs::read_link(src)?;
            self.entry(dest, h, target.as_os_str().as_bytes())
        } else if ft.is_file() && meta.nlink() > 1 {
            let key = (meta.dev(), meta.ino());
            if let Some(&ino) = self.links.get(&key) {
                // A further name: the kernel links it to the first, whose
                // entry carried the data.
                h.link = Some(ino);
                return self.entry(dest, h, &[]);
            }
            let ino = self.alloc_ino();
            self.links.insert(key, ino);
            h.link = Some(ino);
            self.entry(dest, h, &fs::read(src)?)
        } else if ft.is_file() {
            self.entry(dest, h, &fs::read(src)?)
        } else {
            // Devices, fifos and sockets: the kernel mknods them all.
            self.entry(dest, h, &[])
        }
    }

    /// Writes the trailer and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.entry(b"TRAILER!!!", Self::root(0), &[])?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn root(mode: u32) -> Header {
        Header {
            mode,
            uid: 0,
            gid: 0,
            rdev: (0, 0),
            link: None,
        }
    }

    fn alloc_ino(&mut self) -> u32 {
        let ino = self.next_ino;
        self.next_ino += 1;
        ino
    }

    fn entry(&mut self, path: &[u8], h: Header, data: &[u8]) -> io::Result<()> {
        let start = path.iter().position(|&b| b != b'/').unwrap_or(path.len());
        let name = match &path[start..] {
            [] => &b"."[..],
            n => n,
        };
        if name.contains(&0) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "name holds a NUL byte",
            ));
        }
        let size = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "file over 4 GiB"))?;
        let (ino, nlink) = match h.link {
            Some(ino) => (ino, 2),
            None if h.mode & 0o170000 == ty::DIR => (self.alloc_ino(), 2),
            None => (self.alloc_ino(), 1),
        };
        let fields = [
            ino,
            h.mode,
            h.uid,
            h.gid,
            nlink,
            0, // mtime: fixed, so archives are reproducible
            size,
            0,
            0,
            h.rdev.0,
            h.rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        let mut header = String::with_capacity(110);
        header.push_str("070701");
        for f in fields {
            header.push_str(&format!("{f:08x}"));
        }
        self.write(header.as_bytes())?;
        self.write(name)?;
        self.write(&[0])?;
        self.pad()?;
        self.write(data)?;
        self.pad()
    }

    fn write(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.written += b.len() as u64;
        Ok(())
    }

    fn pad(&mut self) -> io::Result<()> {
        let n = (4 - (self.written % 4) as usize) % 4;
        self.write(&[0u8; 3][..n])
    }
}

fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}

fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// `(name, mode, rdev, data)` of one entry.
    type Entry = (String, u32, (u32, u32), Vec<u8>);

    /// One entry as written: raw name, the 13 header fields, data.
    struct Raw {
        name: Vec<u8>,
        fields: [u32; 13],
        data: Vec<u8>,
    }

    impl Raw {
        fn ino(&self) -> u32 {
            self.fields[0]
        }
        fn mode(&self) -> u32 {
            self.fields[1]
        }
        fn uid(&self) -> u32 {
            self.fields[2]
        }
        fn nlink(&self) -> u32 {
            self.fields[4]
        }
    }

    /// Parses an archive back into its entries, names as bytes.
    fn parse_raw(mut b: &[u8]) -> Vec<Raw> {
        let mut out = Vec::new();
        let mut off = 0usize;
        loop {
            assert_eq!(&b[..6], b"070701");
            let mut fields = [0u32; 13];
            for (i, f) in fields.iter_mut().enumerate() {
                let s = std::str::from_utf8(&b[6 + i * 8..14 + i * 8]).expect("ascii");
                *f = u32::from_str_radix(s, 16).expect("hex");
            }
            let (size, namesize) = (fields[6] as usize, fields[11] as usize);
            let name = b[110..110 + namesize - 1].to_vec();
            let data_at = (off + 110 + namesize).next_multiple_of(4) - off;
            let data = b[data_at..data_at + size].to_vec();
            let next = (off + data_at + size).next_multiple_of(4) - off;
            if name == b"TRAILER!!!" {
                assert_eq!(next, b.len());
                return out;
            }
            out.push(Raw { name, fields, data });
            off += next;
            b = &b[next..];
        }
    }

    /// Parses an archive of UTF-8 names back into its entries.
    fn parse(b: &[u8]) -> Vec<Entry> {
        parse_raw(b)
            .into_iter()
            .map(|r| {
                let name = String::from_utf8(r.name.clone()).expect("utf-8");
                (name, r.mode(), (r.fields[9], r.fields[10]), r.data)
            })
            .collect()
    }

    #[test]
    fn writes_every_kind_of_entry() {
        let mut c = Cpio::new(Vec::new());
        c.dir("/dev", 0o755).expect("dir");
        c.char_dev("/dev/console", 0o600, 5, 1).expect("node");
        c.file("/init", 0o755, b"#!/bin/sh\n").expect("file");
        c.symlink("/bin/sh", "busybox").expect("link");
        let b = c.finish().expect("finish");
        let e = parse(&b);
        assert_eq!(e[0].0, "dev");
        assert_eq!(e[0].1, 0o040755);
        assert_eq!(
            (e[1].0.as_str(), e[1].1, e[1].2),
            ("dev/console", 0o020600, (5, 1))
        );
        assert_eq!((e[2].1, e[2].3.as_slice()), (0o100755, &b"#!/bin/sh\n"[..]));
        assert_eq!((e[3].1, e[3].3.as_slice()), (0o120777, &b"busybox"[..]));
    }

    #[test]
    fn copies_a_tree() {
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path();
        fs::create_dir_all(root.join("a/b")).expect("mkdir");
        fs::write(root.join("a/b/f"), b"12345").expect("write");
        std::os::unix::fs::symlink("b/f", root.join("a/l")).expect("symlink");
        let mut c = Cpio::new(Vec::new());
        c.tree(&root.join("a"), "/x").expect("tree");
        let e = parse(&c.finish().expect("finish"));
        let names: Vec<_> = e.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["x", "x/b", "x/b/f", "x/l"]);
        assert_eq!(e[2].3, b"12345");
        assert_eq!(e[3].3, b"b/f");
    }

    /// What the bundle digest records survives: hard links (one inode,
    /// data once), sockets and fifos, raw-byte names, setuid and owners.
    #[test]
    fn keeps_links_sockets_and_raw_names() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tmp");
        let root = tmp.path().join("t");
        fs::create_dir_all(&root).expect("mkdir");
        fs::write(root.join("a"), b"shared").expect("write");
        fs::hard_link(root.join("a"), root.join("b")).expect("link");
        fs::write(root.join("c"), b"alone").expect("write");
        fs::set_permissions(root.join("c"), fs::Permissions::from_mode(0o4755)).expect("chmod");
        fs::write(root.join(std::ffi::OsStr::from_bytes(b"n\xffme")), b"").expect("write");
        let _sock = std::os::unix::net::UnixListener::bind(root.join("s")).expect("bind");
        let fifo = Command::new("mkfifo").arg(root.join("p")).status();
        assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
        let mut c = Cpio::new(Vec::new());
        c.tree(&root, "/x").expect("tree");
        let e = parse_raw(&c.finish().expect("finish"));
        let by = |n: &[u8]| {
            e.iter()
                .find(|r| r.name == n)
                .unwrap_or_else(|| panic!("{} missing", String::from_utf8_lossy(n)))
        };
        let (a, b, c) = (by(b"x/a"), by(b"x/b"), by(b"x/c"));
        assert_eq!(
            (a.ino(), a.nlink(), b.nlink()),
            (b.ino(), 2, 2),
            "one inode"
        );
        assert_eq!(
            (a.data.as_slice(), b.data.as_slice()),
            (&b"shared"[..], &b""[..])
        );
        assert!(c.ino() != a.ino() && c.nlink() == 1);
        assert_eq!(c.mode(), 0o104755, "setuid kept");
        let uid = fs::metadata(root.join("c")).expect("stat").uid();
        assert_eq!(c.uid(), uid);
        assert_eq!(by(b"x/n\xffme").data, b"");
        assert_eq!(by(b"x/s").mode() & 0o170000, 0o140000, "a socket");
        assert_eq!(by(b"x/p").mode() & 0o170000, 0o010000, "a fifo");
    }

    /// GNU cpio, where installed, reads what we write.
    #[test]
    fn gnu_cpio_lists_it() {
        let mut c = Cpio::new(Vec::new());
        c.dir("/d", 0o755).expect("dir");
        c.file("/d/odd", 0o644, b"abc").expect("file");
        let b = c.finish().expect("finish");
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("a.cpio");
        fs::write(&path, b).expect("write");
        let Ok(out) = Command::new("cpio").args(["-t", "-F"]).arg(&path).output() else {
            eprintln!("SKIPPED: gnu_cpio_lists_it because cpio is not installed");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "d\nd/odd\n");
    }
}
