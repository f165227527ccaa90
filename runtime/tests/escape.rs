//! A hostile rootfs cannot aim mounts at the host through symlinks.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;
use std::os::unix::fs::symlink;

#[test]
fn symlinked_mount_destination_stays_inside_the_rootfs() {
    if !prerequisites("symlinked_mount_destination") {
        return;
    }
    let mut b = Bundle::sh("grep hostside /proc/self/mounts | cut -d' ' -f2 | sort");
    // A directory outside the rootfs that an escaping mount would reach.
    let host = b.tmp.path().join("hostside");
    std::fs::create_dir_all(&host).expect("mkdir");
    let depth = b.rootfs().components().count();
    let up = "../".repeat(depth + 3);
    // Absolute and relative symlinks both climbing out of the rootfs.
    symlink(format!("/{up}{}", host.display()), b.rootfs().join("etc2")).expect("abs link");
    symlink(
        format!("../../{up}{}", host.display()),
        b.rootfs().join("rel"),
    )
    .expect("rel link");
    b.add_mount(json!({"destination": "/etc2/x", "type": "tmpfs", "source": "tmpfs"}));
    b.add_mount(json!({"destination": "/rel/y", "type": "tmpfs", "source": "tmpfs"}));
    let out = b.run("escape");
    let mounts = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Nothing was created or mounted in the host directory...
    assert_eq!(
        std::fs::read_dir(&host).expect("read").count(),
        0,
        "mount escaped to {}",
        host.display()
    );
    // ...and inside the container the mounts sit under the clamped path.
    assert!(mounts.lines().all(|l| l.contains("hostside")), "{mounts}");
    assert_eq!(mounts.lines().count(), 2, "{mounts}");
}
