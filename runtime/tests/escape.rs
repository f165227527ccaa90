//! A hostile rootfs cannot aim mounts at the host through symlinks.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;
use std::fs;
use std::os::unix::fs::symlink;
use std::process::{Command, Stdio};

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

/// A mount target's parent swapped for a symlink to the host after create
/// resolved it (paused there by the fault point) must not let create make
/// or mount anything outside the rootfs: it fails, or mounts inside.
#[test]
fn directory_target_swapped_during_create_stays_inside_the_rootfs() {
    if !prerequisites("swapped_mount_dir") {
        return;
    }
    swap_during_create(json!({"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs"}));
}

/// The same for a file bind mount, whose missing target is a file that
/// create would otherwise make, as root, in the host directory.
#[test]
fn file_target_swapped_during_create_stays_inside_the_rootfs() {
    if !prerequisites("swapped_mount_file") {
        return;
    }
    swap_during_create(json!({"destination": "/data/file", "type": "bind",
        "source": "/etc/hostname", "options": ["bind", "ro"]}));
}

/// Runs a bundle whose first mount is `mount` (under `/data`), swaps
/// `/data` for a symlink to a host directory while create is paused just
/// after resolving that target, and checks the host directory.
fn swap_during_create(mount: serde_json::Value) {
    let mut b = Bundle::sh("grep hostside /proc/self/mounts | cut -d' ' -f2");
    let host = b.tmp.path().join("hostside");
    let pause = b.tmp.path().join("pause");
    for d in [&host, &pause, &b.rootfs().join("data")] {
        fs::create_dir_all(d).expect("mkdir");
    }
    // First in the list: the first target resolved, where create pauses.
    b.config["mounts"]
        .as_array_mut()
        .expect("mounts")
        .insert(0, mount);
    b.save();
    let (out, err) = (b.tmp.path().join("run.out"), b.tmp.path().join("run.err"));
    let dir = b.dir();
    let mut ocix = Command::new(common::ocix_bin())
        .env("OCIX_FAULT", "create:target-resolved")
        .env("OCIX_FAULT_PAUSE", &pause)
        .arg("--root")
        .arg(b.root())
        .args(["run", "--bundle", dir.to_str().expect("utf-8"), "swapped"])
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out).expect("stdout file"))
        .stderr(fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("spawn ocix");
    common::wait_until("create pauses at the mount target", 30, || {
        pause.join("paused").exists()
    });
    // The swap: /data, already resolved as a directory, now leads out.
    let data = b.rootfs().join("data");
    fs::rename(&data, b.rootfs().join("data.orig")).expect("rename");
    symlink(&host, &data).expect("symlink");
    fs::write(pause.join("resume"), "").expect("resume");
    let status = ocix.wait().expect("wait ocix");
    let (stdout, stderr) = (
        fs::read_to_string(&out).unwrap_or_default(),
        fs::read_to_string(&err).unwrap_or_default(),
    );
    let created: Vec<_> = fs::read_dir(&host)
        .expect("read host dir")
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    assert!(
        created.is_empty(),
        "create made {created:?} in the host's {} ({stderr})",
        host.display()
    );
    let mountinfo = fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    let host_str = host.display().to_string();
    assert!(
        !mountinfo
            .lines()
            .any(|l| l.split(' ').nth(4) == Some(host_str.as_str())
                || l.contains(&format!("{host_str}/"))),
        "mounted on the host's {host_str}"
    );
    if status.success() {
        // Mounted inside: the container sees it at its own clamped path.
        assert_eq!(stdout.lines().count(), 1, "{stdout}");
    } else {
        assert!(
            stderr.contains("mounts[0]") && stderr.contains("/data"),
            "no clear error: {stderr}"
        );
    }
    let _ = b.ocix(&["delete", "--force", "swapped"]);
}

/// A rootfs whose /dev is a symlink to a host directory: the default
/// devices and the /dev links (fd, stdin, ptmx, core...) are made inside
/// the rootfs, and nothing in the host directory is removed or added.
#[test]
fn dev_symlinked_to_the_host_is_left_alone() {
    if !prerequisites("dev_symlink") {
        return;
    }
    let b = Bundle::sh("test -c /dev/null && test -L /dev/fd && echo inside");
    let host = b.tmp.path().join("hostdev");
    fs::create_dir_all(&host).expect("mkdir");
    for f in ["ptmx", "core", "stdin"] {
        fs::write(host.join(f), "host file").expect("write");
    }
    fs::remove_dir_all(b.rootfs().join("dev")).expect("rm dev");
    symlink(&host, b.rootfs().join("dev")).expect("symlink");
    let out = b.run("devlink");
    let mut left: Vec<String> = fs::read_dir(&host)
        .expect("read host dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["core", "ptmx", "stdin"], "{}", text(&out.stderr));
    for f in &left {
        let meta = fs::symlink_metadata(host.join(f)).expect("stat");
        assert!(meta.is_file(), "host's {f} replaced");
    }
    assert_eq!(text(&out.stdout), "inside\n", "{}", text(&out.stderr));
}
