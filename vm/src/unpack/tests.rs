//! Tests of [`super::unpack`]: round trips through the writer, refusals,
//! and garbage that must not panic.
use super::*;
use crate::initramfs::Cpio;
use std::os::unix::fs::{FileTypeExt, MetadataExt};

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A header with `mode` and `namesize` (no data), then `name` and its
/// NUL, unpadded.
fn raw_header(mode: u32, namesize: u32, name: &[u8]) -> Vec<u8> {
    let fields = [1, mode, 0, 0, 1, 0, 0, 0, 0, 0, 0, namesize, 0];
    let hex: String = fields.iter().map(|f| format!("{f:08x}")).collect();
    [b"070701", hex.as_bytes(), name, b"\0"].concat()
}

fn err(archive: &[u8], dest: &Path) -> String {
    match unpack(archive, dest) {
        Ok(n) => panic!("unpacked {n} entries, expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn round_trips_a_tree() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (src, out) = (tmp.path().join("src"), tmp.path().join("out"));
    let perm = |p: &Path, m| fs::set_permissions(p, Permissions::from_mode(m)).expect("chmod");
    fs::create_dir_all(src.join("d")).expect("mkdir");
    fs::create_dir_all(src.join("ro")).expect("mkdir");
    fs::create_dir(&out).expect("mkdir");
    fs::write(src.join("d/suid"), b"#!/bin/sh\n").expect("write");
    perm(&src.join("d/suid"), 0o4755);
    std::os::unix::fs::symlink("suid", src.join("d/link")).expect("symlink");
    let fifo = std::process::Command::new("mkfifo")
        .arg(src.join("d/fifo"))
        .status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
    fs::write(src.join("d/h1"), b"shared").expect("write");
    fs::hard_link(src.join("d/h1"), src.join("d/h2")).expect("link");
    fs::write(src.join("ro/f"), b"inside").expect("write");
    perm(&src.join("ro"), 0o555);
    let mut c = Cpio::new(Vec::new());
    c.tree(&src, "/bundle").expect("tree");
    c.dir("/extra", 0o750).expect("dir");
    c.file("/extra/f", 0o640, b"x").expect("file");
    c.symlink("/extra/l", "/nowhere").expect("symlink");
    if is_root() {
        c.char_dev("/extra/null", 0o666, 1, 3).expect("node");
    }
    let archive = c.finish().expect("finish");

    let n = unpack(archive.as_slice(), &out).expect("unpack");
    assert_eq!(n, 9 + 3 + u64::from(is_root()));
    let meta = |p: &str| fs::symlink_metadata(out.join(p)).expect("stat");
    let mode = |p: &str| meta(p).mode() & 0o7777;
    let read = |p: &str| fs::read(out.join(p)).expect("read");
    let link = |p: &str| fs::read_link(out.join(p)).expect("readlink");
    assert_eq!(read("bundle/d/suid"), b"#!/bin/sh\n");
    assert_eq!(mode("bundle/d/suid"), 0o4755);
    assert_eq!(link("bundle/d/link"), Path::new("suid"));
    assert!(meta("bundle/d/fifo").file_type().is_fifo());
    assert_eq!(
        meta("bundle/d/h1").ino(),
        meta("bundle/d/h2").ino(),
        "one inode"
    );
    assert_eq!(read("bundle/d/h2"), b"shared");
    assert_eq!(
        (mode("bundle/ro"), read("bundle/ro/f")),
        (0o555, b"inside".to_vec())
    );
    assert_eq!((mode("extra"), mode("extra/f")), (0o750, 0o640));
    assert_eq!(link("extra/l"), Path::new("/nowhere"));
    if is_root() {
        let m = meta("extra/null");
        assert!(m.file_type().is_char_device());
        assert_eq!((m.rdev(), mode("extra/null")), (libc::makedev(1, 3), 0o666));
    } else {
        eprintln!("SKIPPED: the char device check needs root");
    }
    // Again over the result: files are replaced, the read-only
    // directory is filled again, hard links hold; what follows the
    // trailer is left unread.
    let mut more = io::Cursor::new([archive.as_slice(), b"next"].concat());
    assert_eq!(unpack(&mut more, &out).expect("again"), n);
    assert_eq!(more.position(), archive.len() as u64);
    assert_eq!(meta("bundle/d/h1").ino(), meta("bundle/d/h2").ino());
    perm(&src.join("ro"), 0o755);
    perm(&out.join("bundle/ro"), 0o755);
}

#[test]
fn refuses_escapes_and_bad_archives() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dest, outside) = (tmp.path().join("dest"), tmp.path().join("outside"));
    fs::create_dir(&dest).expect("mkdir");
    fs::create_dir(&outside).expect("mkdir");
    for name in ["../x", "a/../../x", "/../x"] {
        let mut c = Cpio::new(Vec::new());
        c.file(name, 0o644, b"x").expect("file");
        let e = err(&c.finish().expect("finish"), &dest);
        let want = format!(
            "cpio entry {:?}: path leaves the destination",
            name.trim_start_matches('/')
        );
        assert_eq!(e, want);
    }
    let mut c = Cpio::new(Vec::new());
    c.symlink("a", outside.to_str().expect("utf-8"))
        .expect("symlink");
    c.file("a/f", 0o644, b"escaped").expect("file");
    let e = err(&c.finish().expect("finish"), &dest);
    assert_eq!(e, r#"cpio entry "a/f": parent "a" is not a directory"#);
    assert!(!outside.join("f").exists(), "wrote through the symlink");

    let mut c = Cpio::new(Vec::new());
    c.file("f", 0o644, &[7u8; 100]).expect("file");
    let good = c.finish().expect("finish");
    let mut bad = good.clone();
    bad[214] = b'X'; // the trailer's magic
    assert_eq!(err(&bad[..], &dest), "cpio: bad magic at byte 212");
    let e = err(&good[..150], &dest);
    assert_eq!(e, "cpio: truncated archive in entry \"f\"");
    let no_trailer = &good[..good.len() - 124];
    assert_eq!(
        err(no_trailer, &dest),
        "cpio: truncated archive before the trailer"
    );
    let e = err(&[no_trailer, b"0707"].concat(), &dest);
    assert_eq!(e, "cpio: truncated archive before the trailer");
    let huge = raw_header(0o100644, u32::MAX, b"x");
    assert_eq!(
        err(&huge, &dest),
        "cpio: name size 4294967295 out of bounds at byte 0"
    );
    let empty = [raw_header(0o100644, 1, b""), vec![0; 3]].concat();
    assert_eq!(err(&empty, &dest), "cpio entry \"\": empty name");
    let odd = raw_header(0o170644, 2, b"u");
    assert!(err(&odd, &dest).contains("cpio entry \"u\": unknown file type"));
    let nonhex = [b"070701".as_slice(), &[b'g'; 104]].concat();
    assert!(err(&nonhex, &dest).contains("bad field \"gggggggg\" at byte 0"));
    let mut names: Vec<_> = fs::read_dir(&dest)
        .expect("ls")
        .map(|e| e.expect("entry").file_name())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "f"], "only what the archives held");
}

/// Garbage, mutations and truncations of a valid archive end in `Ok`
/// or `Err`, never a panic, and never write beside the destination.
#[test]
fn survives_garbage() {
    let mut c = Cpio::new(Vec::new());
    c.dir("/t", 0o755).expect("dir");
    c.file("/t/f", 0o600, &[1u8; 37]).expect("file");
    c.symlink("/t/l", "f").expect("symlink");
    let good = c.finish().expect("finish");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let tmp = tempfile::tempdir().expect("tmp");
    for i in 0..300usize {
        let input: Vec<u8> = match i % 3 {
            0 => good[..i * good.len() / 300].to_vec(),
            1 => (0..next() % 400).map(|_| next() as u8).collect(),
            _ => {
                let mut b = good.clone();
                for _ in 0..1 + next() % 4 {
                    let at = (next() % b.len() as u64) as usize;
                    b[at] = b"0123456789abcdef/.\0"[(next() % 19) as usize];
                }
                b
            }
        };
        let dest = tmp.path().join(format!("{i}/in"));
        fs::create_dir_all(&dest).expect("mkdir");
        let _ = unpack(input.as_slice(), &dest);
        let beside = fs::read_dir(dest.parent().expect("parent"))
            .expect("ls")
            .count();
        assert_eq!(beside, 1, "input {i} wrote beside the destination");
    }
}
