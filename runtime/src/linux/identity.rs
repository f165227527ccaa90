//! Becoming the configured user: groups, gid, uid and capabilities, in the
//! order the kernel requires (bounding set first, keepcaps across setuid).

use super::caps;
use crate::spec::Capabilities;
use nix::unistd::{setgroups, setresgid, setresuid, Gid, Uid};
use std::io;

/// The credentials the container process runs with.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

/// Switches the calling process to `id` with capabilities `c` (`None`
/// leaves capabilities as they are, as runc does for an absent object).
/// `setgroups_allowed` is false in a user namespace whose setgroups is
/// denied (rootless).
pub fn switch(id: &Identity, c: Option<&Capabilities>, setgroups_allowed: bool) -> io::Result<()> {
    if let Some(c) = c {
        caps::drop_bounding(c)?;
    }
    caps::keep_caps(true)?;
    if setgroups_allowed {
        let groups: Vec<Gid> = id.groups.iter().map(|g| Gid::from_raw(*g)).collect();
        setgroups(&groups).map_err(|e| {
            io::Error::new(
                io::Error::from(e).kind(),
                format!("setgroups {:?}: {e}", id.groups),
            )
        })?;
    }
    let gid = Gid::from_raw(id.gid);
    setresgid(gid, gid, gid).map_err(|e| {
        io::Error::new(io::Error::from(e).kind(), format!("setgid {}: {e}", id.gid))
    })?;
    let uid = Uid::from_raw(id.uid);
    setresuid(uid, uid, uid).map_err(|e| {
        io::Error::new(io::Error::from(e).kind(), format!("setuid {}: {e}", id.uid))
    })?;
    caps::keep_caps(false)?;
    if let Some(c) = c {
        caps::apply_sets(c).map_err(|e| io::Error::new(e.kind(), format!("capset: {e}")))?;
    }
    Ok(())
}

/// `process.noNewPrivileges`.
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
