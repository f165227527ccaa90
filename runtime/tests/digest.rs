//! Bundle digest: stability across copies, sensitivity to every recorded
//! attribute, `verify` reports, `--since` reuse and every entry type.
//!
//! Test bundles are built by hand in temporary directories. Owners and
//! device nodes need root (as in CI); without it those entries are left
//! out and the tests that change them are skipped with a message.

use ocix_runtime::digest::{
    digest_bundle, verify, verify_bundle, Algorithm, BundleDigest, Change, Difference, DigestError,
    EntryType, Manifest, Options, Record, BUNDLE_MANIFEST,
};
use std::ffi::{CString, OsStr};
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIG: usize = 1024 * 1024 + 7;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn write(path: &Path, data: &[u8]) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("mkdir -p");
    }
    fs::write(path, data).expect("write");
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn set_xattr(path: &Path, name: &str, value: &[u8]) {
    let p = CString::new(path.as_os_str().as_bytes()).expect("no NUL in path");
    let n = CString::new(name).expect("no NUL in name");
    // SAFETY: both strings are NUL-terminated and live across the call;
    // `value` is valid for reads of `value.len()` bytes.
    let rc = unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    assert_eq!(
        rc,
        0,
        "lsetxattr {name} on {}: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
}

fn mknod(path: &Path, kind: nix::sys::stat::SFlag, major: u64, minor: u64) {
    use nix::sys::stat::{makedev, Mode};
    let mode = Mode::from_bits_truncate(0o660);
    nix::sys::stat::mknod(path, kind, mode, makedev(major, minor)).expect("mknod");
}

fn sh(cmd: &str, args: &[&OsStr]) {
    let out = Command::new(cmd).args(args).output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds a bundle with every entry type and attribute at `b`. `outside`
/// is a directory that a symlink in the bundle points to.
fn make_bundle(b: &Path, outside: &Path, with_socket: bool) {
    let r = b.join("rootfs");
    write(
        &b.join("config.json"),
        br#"{"ociVersion":"1.0.2","root":{"path":"rootfs"}}"#,
    );
    let big: Vec<u8> = (0..BIG).map(|i| (i * 7 % 253) as u8).collect();
    write(&r.join("bin/sh"), &big);
    chmod(&r.join("bin/sh"), 0o755);
    // Three names of one inode; "rootfs/aaa" sorts first.
    fs::create_dir_all(r.join("usr/bin")).expect("mkdir");
    fs::hard_link(r.join("bin/sh"), r.join("usr/bin/sh2")).expect("link");
    fs::hard_link(r.join("bin/sh"), r.join("aaa")).expect("link");
    write(&r.join("bin/su"), b"su");
    chmod(&r.join("bin/su"), 0o4755);
    fs::create_dir_all(r.join("tmp")).expect("mkdir");
    chmod(&r.join("tmp"), 0o1777);
    fs::create_dir_all(r.join("srv")).expect("mkdir");
    chmod(&r.join("srv"), 0o2775);
    write(&r.join("etc/hosts"), b"127.0.0.1 localhost\n");
    set_xattr(&r.join("etc/hosts"), "user.origin", b"test\0bin\xff");
    set_xattr(&r.join("etc/hosts"), "user.a", b"");
    set_xattr(&r.join("etc"), "user.dir", b"d");
    write(&r.join("empty"), b"");
    fs::create_dir_all(r.join("lib")).expect("mkdir");
    std::os::unix::fs::symlink("../bin/sh", r.join("lib/link")).expect("symlink");
    std::os::unix::fs::symlink("/nonexistent/target", r.join("abs")).expect("symlink");
    std::os::unix::fs::symlink(outside, r.join("outside")).expect("symlink");
    fs::create_dir_all(r.join("run")).expect("mkdir");
    nix::unistd::mkfifo(
        &r.join("run/fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .expect("mkfifo");
    if with_socket {
        drop(UnixListener::bind(r.join("run/sock")).expect("bind"));
    }
    let odd = r.join("odd");
    fs::create_dir_all(&odd).expect("mkdir");
    for name in [&b"caf\xe9"[..], b"a b", b"new\nline", b"#hash=eq%", b"a-b"] {
        write(&odd.join(OsStr::from_bytes(name)), name);
    }
    write(&odd.join("a/b"), b"sorts after a-b");
    if is_root() {
        use nix::sys::stat::SFlag;
        fs::create_dir_all(r.join("dev")).expect("mkdir");
        mknod(&r.join("dev/null"), SFlag::S_IFCHR, 1, 3);
        mknod(&r.join("dev/loop0"), SFlag::S_IFBLK, 7, 0);
        write(&r.join("home/u/file"), b"mine");
        std::os::unix::fs::chown(r.join("home/u/file"), Some(1234), Some(5678)).expect("chown");
        std::os::unix::fs::lchown(r.join("abs"), Some(1), Some(2)).expect("lchown");
    }
    write(&b.join("signatures/gpg/signature.asc"), b"sig");
    write(&outside.join("target"), b"outside the bundle");
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    bundle: PathBuf,
    outside: PathBuf,
}

fn fixture(with_socket: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    let bundle = root.join("bundle");
    let outside = root.join("outside");
    fs::create_dir_all(&bundle).expect("mkdir");
    fs::create_dir_all(&outside).expect("mkdir");
    make_bundle(&bundle, &outside, with_socket);
    Fixture {
        _dir: dir,
        root,
        bundle,
        outside,
    }
}

fn compute(bundle: &Path) -> BundleDigest {
    digest_bundle(bundle, &Options::default()).expect("digest")
}

fn digest(bundle: &Path) -> String {
    compute(bundle).digest.to_string()
}

fn cp_a(from: &Path, to: &Path) {
    sh("cp", &[OsStr::new("-a"), from.as_os_str(), to.as_os_str()]);
}

fn records(d: &BundleDigest) -> Vec<&Record> {
    d.manifest.entries.iter().map(|e| &e.record).collect()
}

fn record<'a>(d: &'a BundleDigest, path: &[u8]) -> &'a Record {
    records(d)
        .into_iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no record of {}", String::from_utf8_lossy(path)))
}

fn differences(bundle: &Path, expected: &Manifest) -> Vec<Difference> {
    match verify(bundle, None, Some(expected), 0) {
        Ok(d) => panic!("verify passed with {d}"),
        Err(DigestError::Mismatch(m)) => m.differences,
        Err(e) => panic!("verify failed otherwise: {e}"),
    }
}

fn diff(path: &[u8], change: Change, attributes: &[&str]) -> Difference {
    Difference {
        path: path.to_vec(),
        change,
        attributes: attributes.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn cp_a_keeps_the_digest() {
    let f = fixture(true);
    let copy = f.root.join("copy");
    cp_a(&f.bundle, &copy);
    assert_eq!(digest(&copy), digest(&f.bundle));
}

#[test]
fn tar_round_trip_keeps_the_digest() {
    // GNU tar does not archive sockets, so this bundle has none.
    let f = fixture(false);
    let tar = f.root.join("b.tar");
    let out = f.root.join("untarred");
    fs::create_dir(&out).expect("mkdir");
    let x = OsStr::new;
    sh(
        "tar",
        &[
            x("--xattrs"),
            x("--xattrs-include=*"),
            x("--numeric-owner"),
            x("-cpf"),
            tar.as_os_str(),
            x("-C"),
            f.bundle.as_os_str(),
            x("."),
        ],
    );
    sh(
        "tar",
        &[
            x("--xattrs"),
            x("--xattrs-include=*"),
            x("--numeric-owner"),
            x("-xpf"),
            tar.as_os_str(),
            x("-C"),
            out.as_os_str(),
        ],
    );
    assert_eq!(digest(&out), digest(&f.bundle));
}

#[test]
fn rsync_keeps_the_digest() {
    if !have("rsync") {
        eprintln!("SKIP rsync_keeps_the_digest: rsync is not installed");
        return;
    }
    let f = fixture(true);
    let out = f.root.join("rsynced");
    let mut src = f.bundle.clone().into_os_string();
    src.push("/");
    sh("rsync", &[OsStr::new("-aHAX"), &src, out.as_os_str()]);
    assert_eq!(digest(&out), digest(&f.bundle));
}

#[test]
fn touching_times_keeps_the_digest() {
    let f = fixture(true);
    let before = digest(&f.bundle);
    let x = OsStr::new;
    sh(
        "find",
        &[
            f.bundle.as_os_str(),
            x("-exec"),
            x("touch"),
            x("-h"),
            x("-d"),
            x("2001-02-03 04:05:06"),
            x("{}"),
            x("+"),
        ],
    );
    assert_eq!(digest(&f.bundle), before);
}

#[test]
fn threads_do_not_change_the_digest() {
    let f = fixture(true);
    let one = digest_bundle(
        &f.bundle,
        &Options {
            threads: 1,
            ..Options::default()
        },
    );
    let four = digest_bundle(
        &f.bundle,
        &Options {
            threads: 4,
            ..Options::default()
        },
    );
    assert_eq!(
        one.expect("digest").manifest,
        four.expect("digest").manifest
    );
}

type Mutation = (&'static str, fn(&Path), Vec<Difference>);

fn mutations() -> Vec<Mutation> {
    let mut m: Vec<Mutation> = vec![
        (
            "one byte of a hard-linked file",
            |b| {
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .open(b.join("rootfs/usr/bin/sh2"))
                    .expect("open");
                file.seek(SeekFrom::Start(500_000)).expect("seek");
                file.write_all(b"\xee").expect("write");
            },
            vec![diff(b"rootfs/aaa", Change::Changed, &["content"])],
        ),
        (
            "one byte of config.json",
            |b| {
                let p = b.join("config.json");
                let mut data = fs::read(&p).expect("read");
                data[2] ^= 1;
                fs::write(&p, data).expect("write");
            },
            vec![diff(b"config.json", Change::Changed, &["content"])],
        ),
        (
            "setuid bit",
            |b| chmod(&b.join("rootfs/bin/su"), 0o755),
            vec![diff(b"rootfs/bin/su", Change::Changed, &["mode"])],
        ),
        (
            "sticky bit",
            |b| chmod(&b.join("rootfs/tmp"), 0o777),
            vec![diff(b"rootfs/tmp", Change::Changed, &["mode"])],
        ),
        (
            "xattr value",
            |b| set_xattr(&b.join("rootfs/etc/hosts"), "user.origin", b"other"),
            vec![diff(
                b"rootfs/etc/hosts",
                Change::Changed,
                &["xattr user.origin"],
            )],
        ),
        (
            "new xattr on a directory",
            |b| set_xattr(&b.join("rootfs/etc"), "user.new", b"1"),
            vec![diff(b"rootfs/etc", Change::Changed, &["xattr user.new"])],
        ),
        (
            "symlink target",
            |b| {
                fs::remove_file(b.join("rootfs/lib/link")).expect("rm");
                std::os::unix::fs::symlink("../bin/su", b.join("rootfs/lib/link"))
                    .expect("symlink");
            },
            vec![diff(b"rootfs/lib/link", Change::Changed, &["target"])],
        ),
        (
            "added empty file",
            |b| write(&b.join("rootfs/new"), b""),
            vec![diff(b"rootfs/new", Change::Added, &[])],
        ),
        (
            "removed file",
            |b| fs::remove_file(b.join("rootfs/empty")).expect("rm"),
            vec![diff(b"rootfs/empty", Change::Removed, &[])],
        ),
        (
            "appended byte in a non-UTF-8 name",
            |b| {
                let p = b.join(OsStr::from_bytes(b"rootfs/odd/caf\xe9"));
                fs::OpenOptions::new()
                    .append(true)
                    .open(p)
                    .expect("open")
                    .write_all(b"!")
                    .expect("write");
            },
            vec![diff(
                b"rootfs/odd/caf\xe9",
                Change::Changed,
                &["size", "content"],
            )],
        ),
        (
            "fifo replaced by an empty file",
            |b| {
                fs::remove_file(b.join("rootfs/run/fifo")).expect("rm");
                write(&b.join("rootfs/run/fifo"), b"");
                chmod(&b.join("rootfs/run/fifo"), 0o600);
            },
            vec![diff(
                b"rootfs/run/fifo",
                Change::Changed,
                &["type", "size", "content"],
            )],
        ),
        (
            "hard link broken into a copy",
            |b| {
                let p = b.join("rootfs/usr/bin/sh2");
                let data = fs::read(&p).expect("read");
                fs::remove_file(&p).expect("rm");
                write(&p, &data);
                chmod(&p, 0o755);
            },
            vec![diff(
                b"rootfs/usr/bin/sh2",
                Change::Changed,
                &["type", "mode", "uid", "gid", "size", "link", "content"],
            )],
        ),
    ];
    if is_root() {
        m.push((
            "owner",
            |b| std::os::unix::fs::chown(b.join("rootfs/etc/hosts"), Some(1), None).expect("chown"),
            vec![diff(b"rootfs/etc/hosts", Change::Changed, &["uid"])],
        ));
        m.push((
            "group of a symlink",
            |b| std::os::unix::fs::lchown(b.join("rootfs/abs"), None, Some(3)).expect("lchown"),
            vec![diff(b"rootfs/abs", Change::Changed, &["gid"])],
        ));
        m.push((
            "device minor",
            |b| {
                fs::remove_file(b.join("rootfs/dev/null")).expect("rm");
                mknod(
                    &b.join("rootfs/dev/null"),
                    nix::sys::stat::SFlag::S_IFCHR,
                    1,
                    5,
                );
            },
            vec![diff(b"rootfs/dev/null", Change::Changed, &["device"])],
        ));
    } else {
        eprintln!("SKIP owner and device mutations: not root");
    }
    m
}

#[test]
fn every_change_changes_the_digest_and_verify_names_it() {
    let f = fixture(true);
    let base = compute(&f.bundle);
    for (i, (what, mutate, want)) in mutations().into_iter().enumerate() {
        let copy = f.root.join(format!("m{i}"));
        cp_a(&f.bundle, &copy);
        assert_eq!(
            compute(&copy).digest,
            base.digest,
            "{what}: copy differs before the change"
        );
        mutate(&copy);
        assert_ne!(
            compute(&copy).digest,
            base.digest,
            "{what}: digest unchanged"
        );
        assert_eq!(differences(&copy, &base.manifest), want, "{what}");
        fs::remove_dir_all(&copy).expect("rm -r");
    }
}

#[test]
fn signatures_at_the_root_are_excluded_elsewhere_not() {
    let f = fixture(true);
    let before = digest(&f.bundle);
    write(
        &f.bundle.join("signatures/gpg/signature.asc"),
        b"another signature",
    );
    write(&f.bundle.join("signatures/new"), b"x");
    chmod(&f.bundle.join("signatures"), 0o700);
    assert_eq!(digest(&f.bundle), before);
    fs::remove_dir_all(f.bundle.join("signatures")).expect("rm -r");
    assert_eq!(digest(&f.bundle), before);
    write(&f.bundle.join("rootfs/signatures/x"), b"");
    assert_ne!(
        digest(&f.bundle),
        before,
        "only the bundle root's signatures/ is left out"
    );
}

#[test]
fn symlinks_are_never_followed() {
    let f = fixture(true);
    let before = compute(&f.bundle);
    write(&f.outside.join("target"), b"changed outside");
    write(&f.outside.join("more"), b"");
    assert_eq!(compute(&f.bundle).digest, before.digest);
    assert!(records(&before)
        .iter()
        .all(|r| !r.path.starts_with(b"rootfs/outside/")));
    assert_eq!(record(&before, b"rootfs/outside").kind, EntryType::Symlink);
}

#[test]
fn records_cover_every_entry_type_and_attribute() {
    let f = fixture(true);
    let d = compute(&f.bundle);
    let first = record(&d, b"rootfs/aaa");
    assert_eq!(
        (first.kind, first.size, first.mode),
        (EntryType::File, Some(BIG as u64), Some(0o755))
    );
    for link in [&b"rootfs/bin/sh"[..], b"rootfs/usr/bin/sh2"] {
        let r = record(&d, link);
        assert_eq!(
            (r.kind, r.target.as_deref()),
            (EntryType::HardLink, Some(&b"rootfs/aaa"[..]))
        );
    }
    assert_eq!(record(&d, b"rootfs/bin/su").mode, Some(0o4755));
    assert_eq!(record(&d, b"rootfs/tmp").mode, Some(0o1777));
    assert_eq!(record(&d, b"rootfs/srv").mode, Some(0o2775));
    let hosts = record(&d, b"rootfs/etc/hosts");
    let want: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"user.a".to_vec(), vec![]),
        (b"user.origin".to_vec(), b"test\0bin\xff".to_vec()),
    ];
    assert_eq!(hosts.xattrs, want);
    assert_eq!(
        record(&d, b"rootfs/lib/link").target.as_deref(),
        Some(&b"../bin/sh"[..])
    );
    assert_eq!(record(&d, b"rootfs/run/fifo").kind, EntryType::Fifo);
    assert_eq!(record(&d, b"rootfs/run/sock").kind, EntryType::Socket);
    assert_eq!(record(&d, b"rootfs/odd/caf\xe9").size, Some(4));
    if is_root() {
        let null = record(&d, b"rootfs/dev/null");
        assert_eq!((null.kind, null.device), (EntryType::Char, Some((1, 3))));
        let lo = record(&d, b"rootfs/dev/loop0");
        assert_eq!((lo.kind, lo.device), (EntryType::Block, Some((7, 0))));
        let mine = record(&d, b"rootfs/home/u/file");
        assert_eq!((mine.uid, mine.gid), (Some(1234), Some(5678)));
    }
    // Lexical byte order of whole paths: ' ' (0x20) < '-' (0x2d) < '/' (0x2f).
    let odd: Vec<&[u8]> = records(&d)
        .into_iter()
        .map(|r| &r.path[..])
        .filter(|p| p.starts_with(b"rootfs/odd/"))
        .collect();
    let want: [&[u8]; 7] = [
        b"rootfs/odd/#hash=eq%",
        b"rootfs/odd/a",
        b"rootfs/odd/a b",
        b"rootfs/odd/a-b",
        b"rootfs/odd/a/b",
        b"rootfs/odd/caf\xe9",
        b"rootfs/odd/new\nline",
    ];
    assert_eq!(odd, want);
    // Each inode is read once: the three names of bin/sh count once.
    let files = records(&d)
        .iter()
        .filter(|r| r.kind == EntryType::File)
        .count();
    assert_eq!(d.stats.files_hashed, files);
    assert!(!records(&d)
        .iter()
        .any(|r| r.path.starts_with(b"signatures")));
}

#[test]
fn sha512_digests_and_verifies() {
    let f = fixture(true);
    let opts = Options {
        algorithm: Algorithm::Sha512,
        ..Options::default()
    };
    let d = digest_bundle(&f.bundle, &opts).expect("digest");
    let s = d.digest.to_string();
    assert!(s.starts_with("sha512:") && s.len() == 7 + 128, "{s}");
    assert_ne!(s, digest(&f.bundle));
    assert!(record(&d, b"config.json")
        .content
        .as_ref()
        .is_some_and(|c| c.algorithm() == Algorithm::Sha512));
    verify_bundle(&f.bundle, &s).expect("verifies");
    assert_eq!(
        verify(&f.bundle, None, Some(&d.manifest), 1).expect("verifies"),
        d.digest
    );
}

#[test]
fn manifest_round_trips_and_refuses_edits() {
    let f = fixture(true);
    let d = compute(&f.bundle);
    let path = f.root.join("manifest");
    d.manifest.write_file(&path).expect("write");
    let read = Manifest::read_file(&path).expect("read");
    assert_eq!(read, d.manifest);
    assert_eq!(read.digest(), d.digest);
    let text = fs::read_to_string(&path).expect("read");
    assert!(text.starts_with(&format!("ocix-manifest/1 {}\n", d.digest)));
    assert!(
        text.contains("\nrootfs/odd/caf%E9 type=file mode=0644 "),
        "{text}"
    );
    let edited = text.replace(" mode=4755 ", " mode=0755 ");
    assert_ne!(edited, text);
    let err = Manifest::parse(edited.as_bytes(), "edited").expect_err("refused");
    assert!(
        err.to_string().contains("edited:1: records hash to"),
        "{err}"
    );
    let truncated = &text[..text.len() - 1];
    assert!(Manifest::parse(truncated.as_bytes(), "t").is_err());
}

#[test]
fn since_reuses_unchanged_hashes_and_matches_a_full_run() {
    let f = fixture(true);
    let old = compute(&f.bundle);
    let files = old.stats.files_hashed;
    // Same size and mtime, new content: only ctime tells.
    let p = f.bundle.join("rootfs/bin/su");
    let mtime = fs::metadata(&p).expect("stat").modified().expect("mtime");
    fs::write(&p, b"SU").expect("write");
    fs::File::options()
        .write(true)
        .open(&p)
        .expect("open")
        .set_modified(mtime)
        .expect("utimes");
    write(&f.bundle.join("rootfs/new"), b"new");
    fs::remove_file(f.bundle.join("rootfs/empty")).expect("rm");

    let opts = Options {
        since: Some(&old.manifest),
        ..Options::default()
    };
    let fast = digest_bundle(&f.bundle, &opts).expect("digest");
    let full = compute(&f.bundle);
    assert_eq!(fast.digest, full.digest);
    assert_ne!(fast.digest, old.digest);
    assert_eq!(fast.manifest, full.manifest);
    assert_eq!(
        (fast.stats.files_hashed, fast.stats.files_reused),
        (2, files - 2)
    );

    // The reused hashes really come from the manifest: a forged one shows.
    let mut forged = full.manifest.clone();
    let entry = forged
        .entries
        .iter_mut()
        .find(|e| e.record.path == b"config.json")
        .expect("config");
    entry.record.content = record(&old, b"rootfs/bin/su").content.clone();
    let opts = Options {
        since: Some(&forged),
        ..Options::default()
    };
    assert_ne!(
        digest_bundle(&f.bundle, &opts).expect("digest").digest,
        full.digest
    );

    // A copy has other inodes: nothing is reused, the digest is the same.
    let copy = f.root.join("copy");
    cp_a(&f.bundle, &copy);
    let opts = Options {
        since: Some(&full.manifest),
        ..Options::default()
    };
    let d = digest_bundle(&copy, &opts).expect("digest");
    assert_eq!((d.digest, d.stats.files_reused), (full.digest, 0));
}

#[test]
fn verify_bundle_explains_with_the_bundles_own_manifest() {
    let f = fixture(true);
    let d = compute(&f.bundle);
    let expected = d.digest.to_string();
    verify_bundle(&f.bundle, &expected).expect("matches");

    chmod(&f.bundle.join("rootfs/bin/su"), 0o755);
    let err = verify_bundle(&f.bundle, &expected).expect_err("tampered");
    let DigestError::Mismatch(m) = &err else {
        panic!("{err}")
    };
    assert!(m.differences.is_empty());
    assert!(err.to_string().contains("no manifest"), "{err}");

    let own = f.bundle.join(BUNDLE_MANIFEST);
    fs::create_dir_all(own.parent().expect("parent")).expect("mkdir");
    d.manifest.write_file(&own).expect("write");
    let err = verify_bundle(&f.bundle, &expected).expect_err("tampered");
    assert!(
        err.to_string().contains("\n  changed rootfs/bin/su: mode"),
        "{err}"
    );

    // Restored, with the manifest inside signatures/: matches again.
    chmod(&f.bundle.join("rootfs/bin/su"), 0o4755);
    verify_bundle(&f.bundle, &expected).expect("restored");
    assert!(matches!(
        verify_bundle(&f.bundle, "sha256:1234"),
        Err(DigestError::BadDigest(_))
    ));
    assert!(matches!(
        verify_bundle(&f.bundle, "md5:00"),
        Err(DigestError::Algorithm(_))
    ));
}

#[test]
fn verify_with_digest_and_manifest_needs_them_to_agree() {
    let f = fixture(true);
    let d = compute(&f.bundle);
    let mut other = d.manifest.clone();
    other.entries.pop();
    let err = verify(&f.bundle, Some(&d.digest), Some(&other), 0).expect_err("disagree");
    assert!(matches!(err, DigestError::ManifestDigest { .. }), "{err}");
    assert!(matches!(
        verify(&f.bundle, None, None, 0),
        Err(DigestError::NothingToVerify)
    ));
    assert_eq!(
        verify(&f.bundle, Some(&d.digest), Some(&d.manifest), 0).expect("agree"),
        d.digest
    );
}

#[test]
fn a_file_as_bundle_is_an_error() {
    let f = fixture(false);
    let err = digest_bundle(&f.bundle.join("config.json"), &Options::default()).expect_err("file");
    assert!(matches!(err, DigestError::NotADirectory(_)), "{err}");
}

fn ocix(args: &[&OsStr]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ocix"))
        .args(args)
        .output()
        .expect("run ocix");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_digest_prints_the_digest_and_writes_the_manifest() {
    let f = fixture(true);
    let want = compute(&f.bundle);
    let m = f.root.join("m");
    let x = OsStr::new;
    let (code, out, err) = ocix(&[
        x("digest"),
        x("--manifest"),
        m.as_os_str(),
        f.bundle.as_os_str(),
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, want.digest.to_string().as_str()),
        "{err}"
    );
    assert_eq!(
        Manifest::read_file(&m).expect("manifest").digest(),
        want.digest
    );

    write(&f.bundle.join("rootfs/new"), b"new");
    let (code, out, err) = ocix(&[
        x("digest"),
        x("--since"),
        m.as_os_str(),
        x("--format"),
        x("json"),
        f.bundle.as_os_str(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["digest"], digest(&f.bundle).as_str());
    assert_eq!(v["stats"]["files_hashed"], 1);

    let (code, out, _) = ocix(&[
        x("digest"),
        x("--algorithm"),
        x("sha512"),
        f.bundle.as_os_str(),
    ]);
    assert!(code == 0 && out.starts_with("sha512:"), "{out}");
}

#[test]
fn cli_verify_reports_paths_and_exit_codes() {
    let f = fixture(true);
    let m = f.root.join("m");
    let x = OsStr::new;
    let d = compute(&f.bundle);
    d.manifest.write_file(&m).expect("write");
    let digest = d.digest.to_string();
    let (code, out, err) = ocix(&[x("verify"), x("--digest"), x(&digest), f.bundle.as_os_str()]);
    assert_eq!(
        (code, out.trim()),
        (0, format!("verified {digest}").as_str()),
        "{err}"
    );

    chmod(&f.bundle.join("rootfs/bin/su"), 0o755);
    write(&f.bundle.join("rootfs/new"), b"");
    let (code, out, _) = ocix(&[
        x("verify"),
        x("--manifest"),
        m.as_os_str(),
        f.bundle.as_os_str(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("\nchanged rootfs/bin/su: mode\n") && out.contains("\nadded rootfs/new\n"),
        "{out}"
    );

    let (code, out, _) = ocix(&[
        x("verify"),
        x("--format"),
        x("json"),
        x("--digest"),
        x(&digest),
        x("--manifest"),
        m.as_os_str(),
        f.bundle.as_os_str(),
    ]);
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["verified"], false);
    assert_eq!(v["differences"][0]["path"], "rootfs/bin/su");
    assert_eq!(v["differences"][0]["attributes"][0], "mode");

    let (code, _, _) = ocix(&[x("verify"), f.bundle.as_os_str()]);
    assert_eq!(
        code, 2,
        "clap refuses verify without --digest or --manifest"
    );
    let (code, _, _) = ocix(&[
        x("verify"),
        x("--digest"),
        x("sha256:00"),
        f.bundle.as_os_str(),
    ]);
    assert_eq!(code, 1, "a malformed digest is an error");
}

/// The test vector of docs/bundle-digest.md: the format must not drift.
#[test]
fn documented_test_vector() {
    if !is_root() {
        eprintln!("SKIP documented_test_vector: the vector's owners are root");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let b = dir.path().join("b");
    write(&b.join("config.json"), b"{\"ociVersion\":\"1.0.2\"}\n");
    chmod(&b.join("config.json"), 0o644);
    write(&b.join("rootfs/bin/hello"), b"hello\n");
    for p in ["rootfs", "rootfs/bin", "rootfs/bin/hello"] {
        chmod(&b.join(p), 0o755);
    }
    std::os::unix::fs::symlink("hello", b.join("rootfs/bin/hi")).expect("symlink");
    fs::hard_link(b.join("rootfs/bin/hello"), b.join("rootfs/bin/hello2")).expect("link");
    nix::unistd::mkfifo(
        &b.join("rootfs/fifo"),
        nix::sys::stat::Mode::from_bits_truncate(0o600),
    )
    .expect("mkfifo");
    chmod(&b.join("rootfs/fifo"), 0o600);
    set_xattr(&b.join("rootfs/bin/hello"), "user.note", b"ok");
    write(&b.join("signatures/ignored"), b"anything\n");
    assert_eq!(
        digest(&b),
        "sha256:ae455f728c0c48b2974d2e92bc47ffaff5dfe688ff703f5f4616232687dd606d"
    );
}
