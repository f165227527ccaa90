//! Saved guests: a guest whose agent has booted and waits for its job is
//! saved once (QEMU's migration to a file), and later runs restore it
//! instead of booting. Under TCG a boot costs 0.4 to 7 s; a restore costs
//! about 0.1 s plus loading the few tens of MiB the guest had touched.
//!
//! Only the machine's state is saved, never a bundle: the agent receives
//! its job and bundle over its channel after the restore, so one saved
//! guest serves every bundle. What makes a saved guest reusable (kernel,
//! agent, machine, QEMU) is the caller's key; this module only saves,
//! restores and says what QEMU needs for it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::qmp::Qmp;
use crate::VmError;

/// How a supervised guest starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A fresh boot; once the agent says ready, the guest's state is
    /// saved to this file (written beside, then renamed).
    Boot(PathBuf),
    /// QEMU restores the state from a file (`-incoming`); the agent in it
    /// already waits.
    Restore(PathBuf),
}

/// What a waiting agent is fed, and how its guest starts.
#[derive(Debug)]
pub struct Feed {
    /// QEMU's QMP socket (see [`qemu_args`]).
    pub qmp: PathBuf,
    /// The frames the waiting agent is sent: job, bundle, end.
    pub frames: Vec<u8>,
    /// How the guest starts.
    pub start: Start,
}

/// QEMU arguments for a fed guest: the monitor socket, and the state to
/// restore, if any.
pub fn qemu_args(qmp: &Path, start: &Start) -> Vec<OsString> {
    let mut monitor = OsString::from("unix:");
    monitor.push(qmp);
    monitor.push(",server=on,wait=off");
    let mut a = vec![OsString::from("-qmp"), monitor];
    if let Start::Restore(state) = start {
        let mut uri = OsString::from("file:");
        uri.push(state);
        a.push("-incoming".into());
        a.push(uri);
    }
    a
}

/// Saves the running guest to `dest` and lets it go on. The state is
/// written to `dest` with a `.tmp-PID` suffix and renamed into place, so
/// a concurrent restore never reads half a file.
pub async fn save(qmp: &mut Qmp, dest: &Path) -> Result<(), VmError> {
    let tmp = beside(dest);
    let uri = format!("file:{}", tmp.display());
    let result = migrate(qmp, &uri).await;
    // Whatever came of it, the guest must run on: a completed migration
    // leaves it paused.
    let resumed = qmp.execute("cont", None).await;
    let renamed = match &result {
        Ok(()) => std::fs::rename(&tmp, dest)
            .map_err(VmError::io(format!("rename {} into place", tmp.display()))),
        Err(_) => Ok(()),
    };
    let _ = std::fs::remove_file(&tmp);
    result?;
    resumed?;
    renamed
}

/// A temporary name beside `path`, this process's own: what is written
/// there is renamed onto `path` once complete.
pub fn beside(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    PathBuf::from(tmp)
}

async fn migrate(qmp: &mut Qmp, uri: &str) -> Result<(), VmError> {
    qmp.execute("migrate", Some(serde_json::json!({ "uri": uri })))
        .await?;
    loop {
        let info = qmp.execute("query-migrate", None).await?;
        match info.get("status").and_then(|s| s.as_str()) {
            Some("completed") => return Ok(()),
            Some(s @ ("failed" | "cancelled")) => {
                let why = info
                    .get("error-desc")
                    .and_then(|d| d.as_str())
                    .unwrap_or("no reason given");
                return Err(VmError::Monitor(format!("saving the guest {s}: {why}")));
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// Waits until a guest started with `-incoming` runs.
pub async fn wait_resumed(qmp: &mut Qmp) -> Result<(), VmError> {
    loop {
        let status = qmp.execute("query-status", None).await?;
        match status.get("status").and_then(|s| s.as_str()) {
            Some("running") => return Ok(()),
            Some("inmigrate") | None => tokio::time::sleep(Duration::from_millis(2)).await,
            // Restored but stopped (QEMU keeps a stopped source stopped).
            Some(_) => {
                qmp.execute("cont", None).await?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_for_boot_and_restore() {
        let boot = qemu_args(Path::new("/t/q"), &Start::Boot("/c/state".into()));
        assert_eq!(boot, ["-qmp", "unix:/t/q,server=on,wait=off"]);
        let restore = qemu_args(Path::new("/t/q"), &Start::Restore("/c/state".into()));
        assert_eq!(
            restore,
            [
                "-qmp",
                "unix:/t/q,server=on,wait=off",
                "-incoming",
                "file:/c/state"
            ]
        );
    }
}
