//! Fault injection for crash-safety tests: `OCIX_FAULT=<point>` makes ocix
//! SIGKILL itself when it reaches that point, as a crash or an impatient
//! `kill -9` would. Points are named `<verb>:<where>`.

/// Dies here if `OCIX_FAULT` names this point.
pub fn point(name: &str) {
    if std::env::var_os("OCIX_FAULT").is_some_and(|v| v == name) {
        // SAFETY: raise takes an integer; SIGKILL cannot be caught.
        unsafe { libc::raise(libc::SIGKILL) };
    }
}
