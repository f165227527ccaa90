//! Linux security modules: AppArmor profiles and SELinux labels are
//! applied when the host runs that LSM, and refused clearly otherwise.

use std::io;
use std::path::Path;

pub fn apparmor_enabled() -> bool {
    std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .is_ok_and(|s| s.trim() == "Y")
}

pub fn selinux_enabled() -> bool {
    Path::new("/sys/fs/selinux/enforce").exists()
}

/// Load-time check: settings the host cannot honour.
pub fn check(
    apparmor: Option<&str>,
    selinux: Option<&str>,
    mount_label: Option<&str>,
) -> Result<(), (String, String)> {
    if apparmor.is_some_and(|p| !p.is_empty()) && !apparmor_enabled() {
        return Err((
            "process.apparmorProfile".into(),
            "AppArmor is not enabled on this host".into(),
        ));
    }
    if selinux.is_some_and(|l| !l.is_empty()) && !selinux_enabled() {
        return Err((
            "process.selinuxLabel".into(),
            "SELinux is not enabled on this host".into(),
        ));
    }
    if mount_label.is_some_and(|l| !l.is_empty()) && !selinux_enabled() {
        return Err((
            "linux.mountLabel".into(),
            "SELinux is not enabled on this host".into(),
        ));
    }
    Ok(())
}

/// Arranges for the next execve to enter the profile / label.
pub fn apply_on_exec(apparmor: Option<&str>, selinux: Option<&str>) -> io::Result<()> {
    if let Some(p) = apparmor.filter(|p| !p.is_empty()) {
        let file = if Path::new("/proc/self/attr/apparmor/exec").exists() {
            "/proc/self/attr/apparmor/exec"
        } else {
            "/proc/self/attr/exec"
        };
        std::fs::write(file, format!("exec {p}"))
            .map_err(|e| io::Error::new(e.kind(), format!("apparmor profile {p}: {e}")))?;
    }
    if let Some(l) = selinux.filter(|l| !l.is_empty()) {
        std::fs::write("/proc/self/attr/exec", l)
            .map_err(|e| io::Error::new(e.kind(), format!("selinux label {l}: {e}")))?;
    }
    Ok(())
}
