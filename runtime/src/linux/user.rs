//! Users and groups of the container, looked up in the rootfs's
//! `/etc/passwd` and `/etc/group`, never through the host's name service,
//! which knows other users and may give the same name other ids.
//!
//! Both files are opened with [`open_in_root`], so a rootfs whose
//! `/etc/passwd` is a symlink to the host's (or to `/etc/shadow`) is read
//! as the rootfs's own file or not at all.

use super::resolve::open_in_root;
use std::io::{self, Read};
use std::path::Path;

const PASSWD: &str = "/etc/passwd";
const GROUP: &str = "/etc/group";

/// Larger files are refused rather than read into memory: the rootfs may
/// hold a sparse multi-gigabyte `/etc/passwd`.
const MAX_FILE: u64 = 16 << 20;

/// The fields of an `/etc/passwd` line that the runtime uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// `/` when the file leaves it empty, so that `HOME` is always usable.
    pub home: String,
}

/// A failed lookup in the rootfs.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("cannot read {file} in the container's rootfs")]
    Read {
        file: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("{file} in the container's rootfs is larger than {MAX_FILE} bytes")]
    TooLarge { file: &'static str },
    #[error("no user {0:?} in the container's /etc/passwd")]
    NoSuchUser(String),
    #[error("no group {0:?} in the container's /etc/group")]
    NoSuchGroup(String),
}

/// Looks `name` up in the rootfs's `/etc/passwd`, by name first, then, if
/// it is all digits, by uid. A uid with no entry is still accepted, with
/// gid 0 and home `/`, as runc and Docker do for `--user 1000`.
pub fn lookup_user(rootfs: &Path, name: &str) -> Result<PasswdEntry, UserError> {
    let text = read_db(rootfs, PASSWD)?.unwrap_or_default();
    let entries: Vec<PasswdEntry> = text.lines().filter_map(parse_passwd).collect();
    if let Some(e) = entries.iter().find(|e| e.name == name) {
        return Ok(e.clone());
    }
    let uid = numeric(name).ok_or_else(|| UserError::NoSuchUser(name.to_string()))?;
    Ok(match entries.into_iter().find(|e| e.uid == uid) {
        Some(e) => e,
        None => PasswdEntry {
            name: name.to_string(),
            uid,
            gid: 0,
            home: "/".to_string(),
        },
    })
}

/// The gid of group `name` in the rootfs's `/etc/group`, by name first,
/// then as a number (which need not have an entry).
pub fn lookup_group(rootfs: &Path, name: &str) -> Result<u32, UserError> {
    let text = read_db(rootfs, GROUP)?.unwrap_or_default();
    if let Some(g) = text
        .lines()
        .filter_map(parse_group)
        .find(|g| g.name == name)
    {
        return Ok(g.gid);
    }
    numeric(name).ok_or_else(|| UserError::NoSuchGroup(name.to_string()))
}

/// The gids of the groups in the rootfs's `/etc/group` that list
/// `user_name` as a member, in file order, without duplicates and without
/// `primary_gid` (already the process's gid). An unreadable file gives no
/// groups and a warning: the user still runs, with fewer groups.
pub fn supplementary_groups(rootfs: &Path, user_name: &str, primary_gid: u32) -> Vec<u32> {
    let text = match read_db(rootfs, GROUP) {
        Ok(text) => text.unwrap_or_default(),
        Err(e) => {
            log::warn!("no supplementary groups for {user_name:?}: {e}");
            return Vec::new();
        }
    };
    let mut gids = Vec::new();
    for g in text.lines().filter_map(parse_group) {
        if g.gid != primary_gid && !gids.contains(&g.gid) && g.members.contains(&user_name) {
            gids.push(g.gid);
        }
    }
    gids
}

/// The home directory of `uid` in the rootfs's `/etc/passwd`, for `HOME`
/// when the process environment has none; `None` if the uid has no entry
/// (runc then uses `/`).
pub fn home_of(rootfs: &Path, uid: u32) -> Option<String> {
    let text = read_db(rootfs, PASSWD).ok()??;
    let entry = text
        .lines()
        .filter_map(parse_passwd)
        .find(|e| e.uid == uid)?;
    Some(entry.home)
}

/// A uid or gid written as digits only (no sign, no spaces).
fn numeric(name: &str) -> Option<u32> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// The file's text; `None` if it does not exist.
fn read_db(rootfs: &Path, file: &'static str) -> Result<Option<String>, UserError> {
    let f = match open_in_root(rootfs, file) {
        Ok(f) => f,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => {
            return Ok(None)
        }
        Err(source) => return Err(UserError::Read { file, source }),
    };
    let mut buf = Vec::new();
    f.take(MAX_FILE + 1)
        .read_to_end(&mut buf)
        .map_err(|source| UserError::Read { file, source })?;
    if buf.len() as u64 > MAX_FILE {
        return Err(UserError::TooLarge { file });
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// Skips comments, NIS `+`/`-` lines and malformed lines, as libc does.
fn is_entry(line: &str) -> bool {
    !(line.is_empty() || line.starts_with(['#', '+', '-']))
}

/// `name:password:uid:gid:gecos:home:shell`
fn parse_passwd(line: &str) -> Option<PasswdEntry> {
    let line = line.trim_end_matches('\r');
    if !is_entry(line) {
        return None;
    }
    let f: Vec<&str> = line.split(':').collect();
    let home = f.get(5).copied().filter(|h| !h.is_empty()).unwrap_or("/");
    Some(PasswdEntry {
        name: f.first().filter(|n| !n.is_empty())?.to_string(),
        uid: numeric(f.get(2)?)?,
        gid: numeric(f.get(3)?)?,
        home: home.to_string(),
    })
}

struct GroupEntry<'a> {
    name: &'a str,
    gid: u32,
    members: Vec<&'a str>,
}

/// `name:password:gid:member,member`
fn parse_group(line: &str) -> Option<GroupEntry<'_>> {
    let line = line.trim_end_matches('\r');
    if !is_entry(line) {
        return None;
    }
    let mut f = line.split(':');
    let name = f.next().filter(|n| !n.is_empty())?;
    let gid = numeric(f.nth(1)?)?;
    let members = f
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|m| !m.is_empty())
        .collect();
    Some(GroupEntry { name, gid, members })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::PathBuf;

    const PASSWD_TEXT: &str = "\
# comment
root:x:0:0:root:/root:/bin/sh
+nis::::::
alice:x:1000:1000:Alice:/home/alice:/bin/sh
:x:0:0:nameless:/:/bin/sh
broken line
bob:x:notanumber:1:::
1000:x:5:5::/named:/bin/sh
nohome:x:1001:1001:::/bin/sh
carol:x:1002:1002::/home/carol:/bin/sh\r
";

    const GROUP_TEXT: &str = "\
root:x:0:
wheel:x:10:alice,carol
audio:x:29:bob,alice
alice:x:1000:alice
dup:x:10:alice
al:x:40:al
staff:x:50:
";

    /// A rootfs at `<tmp>/a/b/rootfs` with the given `/etc` files.
    fn rootfs(passwd: Option<&str>, group: Option<&str>) -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("a/b/rootfs");
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        if let Some(p) = passwd {
            std::fs::write(root.join("etc/passwd"), p).expect("write");
        }
        if let Some(g) = group {
            std::fs::write(root.join("etc/group"), g).expect("write");
        }
        (tmp, root)
    }

    fn entry(name: &str, uid: u32, gid: u32, home: &str) -> PasswdEntry {
        PasswdEntry {
            name: name.into(),
            uid,
            gid,
            home: home.into(),
        }
    }

    #[test]
    fn finds_users_by_name_and_uid() {
        let (_t, r) = rootfs(Some(PASSWD_TEXT), None);
        let alice = entry("alice", 1000, 1000, "/home/alice");
        assert_eq!(lookup_user(&r, "alice").ok(), Some(alice));
        assert_eq!(
            lookup_user(&r, "0").ok(),
            Some(entry("root", 0, 0, "/root"))
        );
        assert_eq!(
            lookup_user(&r, "1002").ok(),
            Some(entry("carol", 1002, 1002, "/home/carol"))
        );
        // A user literally named "1000" wins over uid 1000.
        assert_eq!(
            lookup_user(&r, "1000").ok(),
            Some(entry("1000", 5, 5, "/named"))
        );
        assert_eq!(
            lookup_user(&r, "nohome").ok(),
            Some(entry("nohome", 1001, 1001, "/"))
        );
    }

    #[test]
    fn unknown_names_fail_and_unknown_uids_pass() {
        let (_t, r) = rootfs(Some(PASSWD_TEXT), None);
        for bad in ["mallory", "bob", "broken line", "", "+1000", " 7", "#"] {
            assert!(
                matches!(lookup_user(&r, bad), Err(UserError::NoSuchUser(ref n)) if n == bad),
                "{bad:?}"
            );
        }
        assert_eq!(
            lookup_user(&r, "4242").ok(),
            Some(entry("4242", 4242, 0, "/"))
        );
        let (_t, r) = rootfs(None, None);
        assert_eq!(lookup_user(&r, "7").ok(), Some(entry("7", 7, 0, "/")));
        assert!(matches!(
            lookup_user(&r, "root"),
            Err(UserError::NoSuchUser(_))
        ));
    }

    #[test]
    fn passwd_symlinked_to_the_host_is_read_inside_the_rootfs() {
        let (t, r) = rootfs(None, None);
        std::fs::create_dir_all(t.path().join("host")).expect("mkdir");
        std::fs::write(t.path().join("host/passwd"), "alice:x:0:0::/root:/bin/sh\n")
            .expect("write");
        std::fs::create_dir_all(r.join("host")).expect("mkdir");
        std::fs::write(
            r.join("host/passwd"),
            "alice:x:1000:1000::/home/alice:/bin/sh\n",
        )
        .expect("write");
        symlink("../../../../host/passwd", r.join("etc/passwd")).expect("symlink");
        assert_eq!(lookup_user(&r, "alice").map(|e| e.uid).ok(), Some(1000));

        // etc itself pointing out of the rootfs lands on the rootfs's host/.
        std::fs::remove_dir_all(r.join("etc")).expect("rm");
        symlink("../../../host", r.join("etc")).expect("symlink");
        assert_eq!(lookup_user(&r, "alice").map(|e| e.uid).ok(), Some(1000));
        std::fs::remove_dir_all(r.join("host")).expect("rm");
        assert!(matches!(
            lookup_user(&r, "alice"),
            Err(UserError::NoSuchUser(_))
        ));
    }

    #[test]
    fn groups_by_name_and_number() {
        let (_t, r) = rootfs(None, Some(GROUP_TEXT));
        assert_eq!(lookup_group(&r, "audio").ok(), Some(29));
        assert_eq!(lookup_group(&r, "0").ok(), Some(0));
        assert_eq!(lookup_group(&r, "123").ok(), Some(123));
        assert!(matches!(
            lookup_group(&r, "video"),
            Err(UserError::NoSuchGroup(_))
        ));
    }

    #[test]
    fn supplementary_groups_list_membership_once() {
        let (_t, r) = rootfs(None, Some(GROUP_TEXT));
        assert_eq!(supplementary_groups(&r, "alice", 1000), vec![10, 29]);
        assert_eq!(supplementary_groups(&r, "alice", 10), vec![29, 1000]);
        assert_eq!(supplementary_groups(&r, "carol", 1002), vec![10]);
        assert_eq!(supplementary_groups(&r, "dave", 0), Vec::<u32>::new());
        let (_t, r) = rootfs(None, None);
        assert_eq!(supplementary_groups(&r, "alice", 0), Vec::<u32>::new());
    }

    #[test]
    fn home_of_uid() {
        let (_t, r) = rootfs(Some(PASSWD_TEXT), None);
        assert_eq!(home_of(&r, 1000).as_deref(), Some("/home/alice"));
        assert_eq!(home_of(&r, 1001).as_deref(), Some("/"));
        assert_eq!(home_of(&r, 4242), None);
    }

    #[test]
    fn oversized_passwd_is_refused() {
        let (_t, r) = rootfs(Some("alice:x:1000:1000::/home/alice:/bin/sh\n"), None);
        let f = std::fs::OpenOptions::new()
            .append(true)
            .open(r.join("etc/passwd"))
            .expect("open");
        f.set_len(MAX_FILE + 1).expect("grow");
        assert!(matches!(
            lookup_user(&r, "alice"),
            Err(UserError::TooLarge { file: PASSWD })
        ));
        assert_eq!(home_of(&r, 1000), None);
    }
}
