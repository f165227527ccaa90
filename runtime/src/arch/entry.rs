//! The container's entrypoint as init will exec it: `process.args[0]`
//! looked up with the container's PATH and cwd, inside the rootfs with
//! the bundle's bind mounts on top, and `#!` scripts followed to the ELF
//! that runs them.
//!
//! The rootfs is untrusted, so its files are opened with `open_in_root`
//! (openat2 `RESOLVE_IN_ROOT`: symlinks such as busybox applets resolve
//! inside it, as `resolve_in_root` would, but race-free and in one call)
//! and inspected through `/proc/self/fd`, never by a host path a symlink
//! could redirect. Bind mount sources come from config.json, which is
//! trusted like the CLI.

use super::PreflightError;
use crate::linux::resolve::open_in_root;
use crate::spec::{Mount, Process};
use ocix_arch_matrix::elf::{inspect_path, ElfInfo};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// execvp's PATH when the process sets none, as `linux::exec` uses.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Script levels followed, as the kernel's binfmt recursion limit.
const MAX_SCRIPT_DEPTH: usize = 4;
/// What the kernel reads of a `#!` line (`BINPRM_BUF_SIZE`).
const HEADER: usize = 256;

/// The ELF that will run, on the host.
pub struct Entry {
    /// Host path of the ELF (the interpreter when args[0] is a script).
    pub binary: PathBuf,
    /// Host path of args[0] when it is a `#!` script.
    pub script: Option<PathBuf>,
    pub elf: ElfInfo,
}

/// The container's files before it starts: the rootfs, with bind mounts
/// shadowing the paths under their destinations.
pub struct View<'a> {
    rootfs: &'a Path,
    /// (destination components, host source), in mount order.
    binds: Vec<(Vec<String>, PathBuf)>,
}

impl<'a> View<'a> {
    pub fn new(rootfs: &'a Path, bundle: &Path, mounts: &[Mount]) -> View<'a> {
        let binds = mounts
            .iter()
            .filter(|m| {
                m.kind.as_deref() == Some("bind")
                    || m.options.iter().any(|o| o == "bind" || o == "rbind")
            })
            .filter_map(|m| {
                let source = bundle.join(m.source.as_deref()?);
                Some((components(&m.destination), source))
            })
            .collect();
        View { rootfs, binds }
    }

    /// Opens absolute container path `path`: its host path (for messages)
    /// and the open file.
    fn open(&self, path: &str) -> io::Result<(PathBuf, File)> {
        let parts = components(path);
        let bind = self
            .binds
            .iter()
            .rev()
            .find(|(dest, _)| parts.starts_with(dest));
        if let Some((dest, source)) = bind {
            let host = parts[dest.len()..]
                .iter()
                .fold(source.clone(), |p, c| p.join(c));
            let file = File::open(&host)?;
            return Ok((host, file));
        }
        let file = open_in_root(self.rootfs, path)?;
        // The kernel's name for what was opened: every symlink resolved
        // inside the rootfs, for one readlink instead of a second walk.
        let host = std::fs::read_link(fd_path(&file))
            .unwrap_or_else(|_| self.rootfs.join(path.trim_start_matches('/')));
        Ok((host, file))
    }
}

fn components(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .map(str::to_owned)
        .collect()
}

/// `path` made absolute against the process's cwd.
fn absolute(path: &str, cwd: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    }
}

/// Finds, opens and inspects the process's entrypoint.
pub fn find(view: &View<'_>, process: &Process) -> Result<Entry, PreflightError> {
    let prog = process.args.first().ok_or(PreflightError::NoArgs)?;
    let path_var = process
        .env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH);
    let candidates: Vec<String> = if prog.contains('/') {
        vec![absolute(prog, &process.cwd)]
    } else {
        path_var
            .split(':')
            .filter(|d| !d.is_empty())
            .map(|d| absolute(&format!("{d}/{prog}"), &process.cwd))
            .collect()
    };
    let found = candidates.iter().find_map(|c| {
        let (host, file) = view.open(c).ok()?;
        is_executable(&file).then_some((host, file))
    });
    let Some((mut host, mut file)) = found else {
        return Err(PreflightError::NotFound {
            prog: prog.clone(),
            rootfs: view.rootfs.to_path_buf(),
            path: path_var.to_owned(),
        });
    };
    let mut script = None;
    for _ in 0..MAX_SCRIPT_DEPTH {
        let Some(interp) = shebang(&file).map_err(|error| elf_error(&host, error))? else {
            break;
        };
        let interp_path = absolute(&interp, &process.cwd);
        let opened = view
            .open(&interp_path)
            .map_err(|e| PreflightError::Script {
                script: host.clone(),
                interpreter: interp.clone(),
                why: format!("not found in the rootfs: {e}"),
            })?;
        script.get_or_insert_with(|| host.clone());
        (host, file) = opened;
    }
    let elf = inspect_open(&file).map_err(|error| PreflightError::Elf {
        path: host.clone(),
        error,
    })?;
    if let Some(loader) = &elf.interpreter {
        let present = view
            .open(&absolute(loader, "/"))
            .is_ok_and(|(_, f)| f.metadata().is_ok_and(|m| m.is_file()));
        if !present {
            return Err(PreflightError::NoLoader {
                path: host,
                loader: loader.clone(),
                rootfs: view.rootfs.to_path_buf(),
            });
        }
    }
    Ok(Entry {
        binary: host,
        script,
        elf,
    })
}

fn is_executable(f: &File) -> bool {
    f.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn elf_error(path: &Path, e: io::Error) -> PreflightError {
    PreflightError::Elf {
        path: path.to_path_buf(),
        error: ocix_arch_matrix::ElfError::Io {
            path: path.display().to_string(),
            source: e,
        },
    }
}

/// The interpreter of a `#!` file, as the kernel reads it: the first word
/// after `#!` on the first line, within the first 256 bytes.
fn shebang(f: &File) -> io::Result<Option<String>> {
    let mut buf = [0u8; HEADER];
    let n = f.read_at(&mut buf, 0)?;
    let Some(line) = buf[..n].strip_prefix(b"#!") else {
        return Ok(None);
    };
    let line = line.split(|b| *b == b'\n').next().unwrap_or_default();
    let word = line
        .split(|b| *b == b' ' || *b == b'\t')
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    if word.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "empty #! line"));
    }
    Ok(Some(String::from_utf8_lossy(word).into_owned()))
}

/// Inspects an open file through its `/proc/self/fd` link, so the file
/// checked is the one opened inside the rootfs.
fn inspect_open(f: &File) -> Result<ElfInfo, ocix_arch_matrix::ElfError> {
    inspect_path(&fd_path(f))
}

fn fd_path(f: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    struct Root {
        tmp: tempfile::TempDir,
    }

    impl Root {
        fn new() -> Root {
            let r = Root {
                tmp: tempfile::tempdir().expect("tempdir"),
            };
            std::fs::create_dir_all(r.rootfs().join("bin")).expect("mkdir");
            r
        }
        fn rootfs(&self) -> PathBuf {
            self.tmp.path().join("rootfs")
        }
        fn exe(&self, rel: &str, body: &[u8]) {
            let p = self.rootfs().join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, body).expect("write");
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        /// This test program (a host ELF) at `rel`, with its loader.
        fn host_elf(&self, rel: &str) {
            self.exe(rel, &std::fs::read("/proc/self/exe").expect("read self"));
            self.loader();
        }
        /// An empty stand-in for the host ELF's dynamic loader.
        fn loader(&self) {
            let me = inspect_path(Path::new("/proc/self/exe")).expect("inspect self");
            if let Some(l) = me.interpreter {
                self.exe(l.trim_start_matches('/'), b"");
            }
        }
        fn find(&self, args: &[&str], env: &[&str], mounts: &[Mount]) -> Result<Entry, String> {
            let p = Process {
                args: args.iter().map(|s| s.to_string()).collect(),
                env: env.iter().map(|s| s.to_string()).collect(),
                cwd: "/".into(),
                ..Process::default()
            };
            let rootfs = self.rootfs();
            let view = View::new(&rootfs, self.tmp.path(), mounts);
            find(&view, &p).map_err(|e| e.to_string())
        }
    }

    #[test]
    fn path_lookup_skips_non_executables_and_follows_links() {
        let r = Root::new();
        r.host_elf("usr/bin/prog");
        std::fs::write(r.rootfs().join("bin/prog"), "not executable").expect("write");
        symlink("../usr/bin/prog", r.rootfs().join("bin/link")).expect("symlink");
        let e = r
            .find(&["prog"], &["PATH=/bin:/usr/bin"], &[])
            .expect("found");
        assert_eq!(e.binary, r.rootfs().join("usr/bin/prog"));
        let e = r.find(&["link"], &["PATH=/bin"], &[]).expect("found");
        assert_eq!(e.binary, r.rootfs().join("usr/bin/prog"));
        let err = r.find(&["nope"], &["PATH=/bin"], &[]).err().expect("error");
        assert!(
            err.contains("\"nope\"") && err.contains("PATH=/bin"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_loader_is_named() {
        let r = Root::new();
        r.exe(
            "bin/prog",
            &std::fs::read("/proc/self/exe").expect("read self"),
        );
        let me = inspect_path(Path::new("/proc/self/exe")).expect("inspect self");
        let Some(loader) = me.interpreter else {
            return; // a static test binary has no loader to miss
        };
        let err = r.find(&["/bin/prog"], &[], &[]).err().expect("error");
        assert!(err.contains(&loader) && err.contains("lacks"), "{err}");
    }

    #[test]
    fn absolute_symlinks_stay_in_the_rootfs() {
        let r = Root::new();
        // On the host /proc/self/exe is an ELF; in the rootfs it is absent.
        symlink("/proc/self/exe", r.rootfs().join("bin/escape")).expect("symlink");
        assert!(r.find(&["/bin/escape"], &[], &[]).is_err());
    }

    #[test]
    fn scripts_are_followed_to_their_interpreter() {
        let r = Root::new();
        r.host_elf("bin/sh");
        r.exe("app.sh", b"#! /bin/sh -e\necho hi\n");
        r.exe("nested", b"#!/app.sh\n");
        let e = r.find(&["/app.sh"], &[], &[]).expect("found");
        assert_eq!(e.binary, r.rootfs().join("bin/sh"));
        assert_eq!(e.script, Some(r.rootfs().join("app.sh")));
        let e = r.find(&["/nested"], &[], &[]).expect("found");
        assert_eq!(e.binary, r.rootfs().join("bin/sh"));
        r.exe("bad.sh", b"#!/bin/python\n");
        let err = r.find(&["/bad.sh"], &[], &[]).err().expect("error");
        assert!(
            err.contains("/bin/python") && err.contains("not found"),
            "{err}"
        );
        r.exe("text", b"plain text");
        let err = r.find(&["/text"], &[], &[]).err().expect("error");
        assert!(err.contains("not an ELF"), "{err}");
    }

    #[test]
    fn bind_mounts_shadow_the_rootfs() {
        let r = Root::new();
        let tools = r.tmp.path().join("tools");
        std::fs::create_dir_all(&tools).expect("mkdir");
        std::fs::copy("/proc/self/exe", tools.join("init")).expect("copy");
        r.loader();
        let m = Mount {
            destination: "/sbin/".into(),
            kind: Some("bind".into()),
            source: Some("tools".into()),
            ..Mount::default()
        };
        let e = r.find(&["/sbin/init"], &[], &[m]).expect("found");
        assert_eq!(e.binary, tools.join("init"));
    }
}
