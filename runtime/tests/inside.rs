//! What the container's process sees: identity, environment, limits,
//! capabilities, filesystem view, devices and its own pid namespace.

mod common;

use common::{prerequisites, text, Bundle};
use serde_json::json;

/// Runs `script` with `edit` applied to the default config; returns stdout.
fn inside(
    name: &str,
    script: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Option<(String, i32)> {
    if !prerequisites(name) {
        return None;
    }
    let mut b = Bundle::sh(script);
    edit(&mut b.config);
    b.save();
    let out = b.run(name);
    assert!(b.leftovers().is_empty(), "{name}: state left behind");
    Some((
        text(&out.stdout) + &text(&out.stderr),
        out.status.code().unwrap_or(-1),
    ))
}

#[test]
fn sees_its_hostname_and_pid_1() {
    let Some((out, code)) = inside("hostpid", "hostname; echo pid=$$", |c| {
        c["hostname"] = json!("box-7")
    }) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "box-7\npid=1\n");
}

#[test]
fn runs_as_the_configured_uid_gid_and_groups() {
    let Some((out, _)) = inside("ids", "id -u; id -g; id -G", |c| {
        c["process"]["user"] = json!({"uid": 1234, "gid": 4321, "additionalGids": [5, 6]});
    }) else {
        return;
    };
    assert_eq!(out, "1234\n4321\n4321 5 6\n");
}

#[test]
fn username_is_resolved_in_the_rootfs_passwd() {
    // `app` exists only in the rootfs's /etc/passwd, not on the host.
    let Some((out, code)) = inside("username", "id -u; id -g; id -G; echo $HOME", |c| {
        c["process"]["user"] = json!({"uid": 0, "gid": 0, "username": "app"});
    }) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    assert_eq!(out, "1000\n1000\n1000 2000\n/home/app\n");
}

#[test]
fn cwd_env_and_umask_are_applied() {
    let Some((out, _)) = inside("cwdenv", "pwd; echo $GREETING; umask", |c| {
        c["process"]["cwd"] = json!("/tmp/work");
        c["process"]["env"] = json!(["PATH=/bin", "GREETING=hi there"]);
        c["process"]["user"]["umask"] = json!(0o027);
    }) else {
        return;
    };
    assert_eq!(out, "/tmp/work\nhi there\n0027\n");
}

#[test]
fn rlimits_are_applied() {
    let Some((out, _)) = inside("rlimits", "ulimit -n; ulimit -Hn; ulimit -s", |c| {
        c["process"]["rlimits"] = json!([
            {"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456},
            {"type": "RLIMIT_STACK", "soft": 2048 * 1024, "hard": 4096 * 1024}
        ]);
    }) else {
        return;
    };
    assert_eq!(out, "123\n456\n2048\n");
}

#[test]
fn capabilities_are_the_configured_sets() {
    let script = "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status";
    let Some((out, _)) = inside("caps", script, |c| {
        let set = json!(["CAP_CHOWN", "CAP_KILL"]);
        c["process"]["capabilities"] = json!({
            "bounding": set, "effective": set, "permitted": set, "inheritable": [], "ambient": []
        });
    }) else {
        return;
    };
    // CAP_CHOWN = bit 0, CAP_KILL = bit 5: 0x21.
    assert!(out.contains("CapBnd:\t0000000000000021"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000021"), "{out}");
    assert!(out.contains("CapPrm:\t0000000000000021"), "{out}");
    assert!(out.contains("CapAmb:\t0000000000000000"), "{out}");
}

#[test]
fn ambient_capabilities_survive_a_non_root_user() {
    let script = "grep -E '^Cap(Eff|Amb)' /proc/self/status";
    let Some((out, _)) = inside("ambient", script, |c| {
        let set = json!(["CAP_NET_BIND_SERVICE"]);
        c["process"]["user"] = json!({"uid": 1000, "gid": 1000});
        c["process"]["capabilities"] = json!({
            "bounding": set, "effective": set, "permitted": set, "inheritable": set, "ambient": set
        });
    }) else {
        return;
    };
    assert!(out.contains("CapAmb:\t0000000000000400"), "{out}");
    assert!(out.contains("CapEff:\t0000000000000400"), "{out}");
}

#[test]
fn readonly_root_refuses_writes() {
    let script = "touch /newfile 2>/dev/null && echo wrote || echo refused; touch /tmp/x 2>/dev/null && echo tmp-ok";
    let Some((out, _)) = inside("roroot", script, |c| {
        c["root"]["readonly"] = json!(true);
        c["mounts"]
            .as_array_mut()
            .expect("mounts")
            .push(json!({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}));
    }) else {
        return;
    };
    assert_eq!(out, "refused\ntmp-ok\n");
}

#[test]
fn writable_root_accepts_writes() {
    let Some((out, _)) = inside("rwroot", "touch /newfile && echo wrote", |c| {
        c["root"]["readonly"] = json!(false)
    }) else {
        return;
    };
    assert_eq!(out, "wrote\n");
}

#[test]
fn masked_and_readonly_paths_hold() {
    // /proc/keys has content on the host; masked, it reads as empty.
    let script = "wc -c < /proc/keys; ls /sys/firmware | wc -l; \
                  (echo 1 > /proc/sys/kernel/panic) 2>/dev/null && echo sys-written || echo sys-ro";
    let Some((out, _)) = inside("masked", script, |c| c["root"]["readonly"] = json!(false)) else {
        return;
    };
    assert_eq!(out, "0\n0\nsys-ro\n");
}

#[test]
fn mounts_carry_their_flags() {
    let script = "grep -E ' /dev/shm | /data ' /proc/self/mounts";
    let Some((out, _)) = inside("mountflags", script, |c| {
        c["mounts"].as_array_mut().expect("mounts").push(json!({
            "destination": "/data", "type": "tmpfs", "source": "tmpfs",
            "options": ["ro", "nosuid", "nodev", "noexec", "size=1m"]
        }));
    }) else {
        return;
    };
    let shm = out
        .lines()
        .find(|l| l.contains(" /dev/shm "))
        .unwrap_or_default();
    assert!(
        shm.contains("nosuid") && shm.contains("nodev") && shm.contains("noexec"),
        "{out}"
    );
    let data = out
        .lines()
        .find(|l| l.contains(" /data "))
        .unwrap_or_default();
    assert!(
        data.starts_with("tmpfs /data tmpfs ro,nosuid,nodev,noexec"),
        "{out}"
    );
}

#[test]
fn default_devices_exist() {
    let script =
        "for d in null zero full random urandom tty; do stat -c '%n %F %t,%T' /dev/$d; done; \
                  for l in fd stdin ptmx; do readlink /dev/$l; done; head -c 4 /dev/zero | wc -c";
    let Some((out, _)) = inside("devices", script, |_| {}) else {
        return;
    };
    let want = "/dev/null character special file 1,3\n/dev/zero character special file 1,5\n\
                /dev/full character special file 1,7\n/dev/random character special file 1,8\n\
                /dev/urandom character special file 1,9\n/dev/tty character special file 5,0\n\
                /proc/self/fd\n/proc/self/fd/0\npts/ptmx\n4\n";
    assert_eq!(out, want);
}

#[test]
fn spec_devices_are_created_with_mode_and_owner() {
    let script = "stat -c '%n %F %t,%T %a %u:%g' /dev/mydev";
    let Some((out, _)) = inside("specdev", script, |c| {
        c["linux"]["devices"] = json!([{"type": "c", "path": "/dev/mydev", "major": 1, "minor": 3, "fileMode": 0o640, "uid": 7, "gid": 8}]);
    }) else {
        return;
    };
    assert_eq!(out, "/dev/mydev character special file 1,3 640 7:8\n");
}

#[test]
fn user_namespace_maps_root_to_an_unprivileged_host_id() {
    let script = "cat /proc/self/uid_map /proc/self/gid_map; id -u";
    let Some((out, code)) = inside("userns", script, |c| {
        c["linux"]["namespaces"]
            .as_array_mut()
            .expect("ns")
            .push(json!({"type": "user"}));
        c["linux"]["uidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        c["linux"]["gidMappings"] = json!([{"containerID": 0, "hostID": 100000, "size": 65536}]);
        // The rootfs is owned by host root, which is unmapped here.
        c["root"]["readonly"] = json!(false);
        c["process"]["rlimits"] = json!([]);
    }) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    let words: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        words,
        ["0", "100000", "65536", "0", "100000", "65536", "0"],
        "{out}"
    );
}

#[test]
fn sysctl_oom_score_and_no_new_privs_are_applied() {
    let script = "cat /proc/sys/net/ipv4/ip_forward /proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status";
    let Some((out, _)) = inside("sysctl", script, |c| {
        c["linux"]["sysctl"] = json!({"net.ipv4.ip_forward": "1"});
        c["process"]["oomScoreAdj"] = json!(345);
        c["process"]["noNewPrivileges"] = json!(true);
    }) else {
        return;
    };
    assert_eq!(out, "1\n345\nNoNewPrivs:\t1\n");
}

#[test]
fn time_namespace_offsets_shift_the_boot_clock() {
    let Some((out, code)) = inside("timens", "cut -d. -f1 /proc/uptime", |c| {
        c["linux"]["namespaces"]
            .as_array_mut()
            .expect("ns")
            .push(json!({"type": "time"}));
        c["linux"]["timeOffsets"] = json!({"boottime": {"secs": 1000000, "nanosecs": 0}});
    }) else {
        return;
    };
    assert_eq!(code, 0, "{out}");
    let host: u64 = std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|s| s.split('.').next().and_then(|n| n.parse().ok()))
        .unwrap_or(0);
    let inner: u64 = out.trim().parse().unwrap_or(0);
    // Read after the container's: the host's clock may be a second on.
    assert!(
        inner + 2 >= host + 1_000_000 && inner < host + 1_000_100,
        "host {host}, container {inner}"
    );
}

#[test]
fn joins_namespaces_of_another_container_by_path() {
    if !prerequisites("join_by_path") {
        return;
    }
    let mut a = Bundle::sh("exec sleep 1000");
    a.config["hostname"] = json!("first-box");
    a.save();
    let dir = a.dir();
    assert!(a
        .ocix(&["create", "--bundle", dir.to_str().expect("utf-8"), "first"])
        .status
        .success());
    let st: serde_json::Value =
        serde_json::from_slice(&a.ocix(&["state", "first"]).stdout).expect("state");
    let pid = st["pid"].as_i64().expect("pid");
    let mut b = Bundle::sh("hostname; readlink /proc/self/ns/net");
    for ns in b.config["linux"]["namespaces"].as_array_mut().expect("ns") {
        let kind = ns["type"].as_str().unwrap_or_default().to_string();
        if kind == "uts" || kind == "network" {
            let file = if kind == "network" { "net" } else { "uts" };
            ns["path"] = json!(format!("/proc/{pid}/ns/{file}"));
        }
    }
    b.config.as_object_mut().expect("config").remove("hostname");
    b.save();
    let out = b.run("second");
    let want_net = std::fs::read_link(format!("/proc/{pid}/ns/net")).expect("net ns");
    assert_eq!(
        text(&out.stdout),
        format!("first-box\n{}\n", want_net.display()),
        "{}",
        text(&out.stderr)
    );
    assert!(a.ocix(&["delete", "--force", "first"]).status.success());
}

#[test]
fn only_preserved_fds_reach_the_container() {
    use std::os::unix::process::CommandExt;
    if !prerequisites("preserve_fds") {
        return;
    }
    let b = Bundle::sh("ls /proc/self/fd | sort -n | tr '\\n' ' '");
    let dir = b.dir();
    let extra = std::fs::File::open("/etc/hostname").expect("open");
    let run = |preserve: &str| {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&extra);
        let mut cmd = std::process::Command::new(common::ocix_bin());
        cmd.arg("--root")
            .arg(b.root())
            .args([
                "run",
                "--preserve-fds",
                preserve,
                "--bundle",
                dir.to_str().expect("utf-8"),
            ])
            .arg(format!("fds{preserve}"));
        // SAFETY: dup2 in the child before exec; async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                // dup2 onto itself would keep close-on-exec: clear it.
                let r = if fd == 3 {
                    libc::fcntl(fd, libc::F_SETFD, 0)
                } else {
                    libc::dup2(fd, 3)
                };
                if r < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        text(&cmd.output().expect("run").stdout)
    };
    // `ls` itself opens one descriptor for /proc/self/fd.
    assert_eq!(run("0"), "0 1 2 3 ");
    assert_eq!(run("1"), "0 1 2 3 4 ");
}
