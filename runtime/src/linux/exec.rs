//! The last step of init: a clean signal state, only the intended file
//! descriptors, and execve of the container's program.

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Finds `prog` on the container's PATH (from its environment), as execvp
/// would but with the container's PATH rather than ocix's.
pub fn find_program(prog: &str, env: &[String]) -> Option<PathBuf> {
    if prog.contains('/') {
        return Some(PathBuf::from(prog));
    }
    let path = env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(prog))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Restores default dispositions (Rust ignores SIGPIPE; exec would keep
/// that) and unblocks every signal.
pub fn reset_signals() {
    for sig in 1..libc::SIGRTMAX() {
        if sig == libc::SIGKILL || sig == libc::SIGSTOP {
            continue;
        }
        // SAFETY: installing SIG_DFL involves no handler code of ours.
        unsafe { libc::signal(sig, libc::SIG_DFL) };
    }
    let empty = nix::sys::signal::SigSet::empty();
    let _ = nix::sys::signal::sigprocmask(
        nix::sys::signal::SigmaskHow::SIG_SETMASK,
        Some(&empty),
        None,
    );
}

/// Marks every descriptor from `first` up close-on-exec.
pub fn cloexec_from(first: u32) -> io::Result<()> {
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags on our
    // own descriptor table; no memory is passed.
    let r = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn cstr(s: &[u8]) -> io::Result<CString> {
    CString::new(s)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "argument holds a NUL byte"))
}

/// execve; returns only on failure.
pub fn exec(program: &Path, args: &[String], env: &[String]) -> io::Error {
    let run = || -> io::Result<()> {
        let prog = cstr(program.as_os_str().as_bytes())?;
        let argv: Vec<CString> = args
            .iter()
            .map(|a| cstr(a.as_bytes()))
            .collect::<io::Result<_>>()?;
        let envp: Vec<CString> = env
            .iter()
            .map(|e| cstr(e.as_bytes()))
            .collect::<io::Result<_>>()?;
        nix::unistd::execve(&prog, &argv, &envp)?;
        Ok(())
    };
    match run() {
        Err(e) => e,
        Ok(()) => io::Error::other("execve returned"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_lookup_uses_given_path() {
        let env = vec!["PATH=/nonexistent:/bin".to_string()];
        assert_eq!(find_program("sh", &env), Some(PathBuf::from("/bin/sh")));
        assert_eq!(find_program("/x/y", &env), Some(PathBuf::from("/x/y")));
        assert_eq!(find_program("no-such-program-here", &env), None);
    }
}
