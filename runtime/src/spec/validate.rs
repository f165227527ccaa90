//! Semantic checks of a parsed spec. Each error names its JSON path.

use super::{Spec, SpecError};
use crate::linux::{caps, namespaces::NsKind, rlimits};
use std::path::Path;

/// Checks `spec` against the runtime-spec rules ocix relies on.
///
/// Returns warnings for legal but deprecated constructs.
pub fn validate(spec: &Spec, bundle: &Path) -> Result<Vec<String>, SpecError> {
    let mut warnings = Vec::new();
    check_version(&spec.oci_version)?;
    let root = spec
        .root
        .as_ref()
        .ok_or_else(|| SpecError::invalid("root", "missing (required on Linux)"))?;
    if root.path.is_empty() {
        return Err(SpecError::invalid("root.path", "must not be empty"));
    }
    let rootfs = bundle.join(&root.path);
    if !rootfs.is_dir() {
        return Err(SpecError::invalid(
            "root.path",
            format!("{} is not a directory", rootfs.display()),
        ));
    }
    check_process(spec)?;
    warnings.extend(ambient_warnings(spec));
    for (i, m) in spec.mounts.iter().enumerate() {
        if m.destination.is_empty() {
            return Err(SpecError::invalid(
                format!("mounts[{i}].destination"),
                "must not be empty",
            ));
        }
        if !m.destination.starts_with('/') {
            warnings.push(format!(
                "mounts[{i}].destination {:?} is relative (deprecated): taken as relative to /",
                m.destination
            ));
        }
    }
    check_linux(spec)?;
    check_hooks(spec)?;
    Ok(warnings)
}

fn check_version(v: &str) -> Result<(), SpecError> {
    let major = v.split('.').next().and_then(|m| m.parse::<u64>().ok());
    match major {
        Some(1) => Ok(()),
        Some(m) => Err(SpecError::invalid(
            "ociVersion",
            format!("{v:?} has major version {m}; ocix supports 1.x"),
        )),
        None => Err(SpecError::invalid(
            "ociVersion",
            format!("{v:?} is not a semantic version"),
        )),
    }
}

fn check_process(spec: &Spec) -> Result<(), SpecError> {
    let Some(p) = &spec.process else {
        return Ok(());
    };
    if p.args.is_empty() && p.command_line.is_none() {
        return Err(SpecError::invalid(
            "process.args",
            "missing or empty: the container needs a program to run",
        ));
    }
    if !p.cwd.starts_with('/') {
        return Err(SpecError::invalid(
            "process.cwd",
            format!("{:?} must be an absolute path", p.cwd),
        ));
    }
    for (i, e) in p.env.iter().enumerate() {
        if !e.contains('=') {
            return Err(SpecError::invalid(
                format!("process.env[{i}]"),
                format!("{e:?} is not of the form KEY=value"),
            ));
        }
    }
    for (i, r) in p.rlimits.iter().enumerate() {
        if rlimits::resource_from_name(&r.kind).is_none() {
            return Err(SpecError::invalid(
                format!("process.rlimits[{i}].type"),
                format!("unknown rlimit {:?}", r.kind),
            ));
        }
        if r.soft > r.hard {
            return Err(SpecError::invalid(
                format!("process.rlimits[{i}]"),
                format!("soft limit {} exceeds hard limit {}", r.soft, r.hard),
            ));
        }
    }
    let checks = [
        p.scheduler
            .as_ref()
            .map(crate::linux::sched::check_scheduler),
        p.io_priority
            .as_ref()
            .map(crate::linux::sched::check_io_priority),
        Some(crate::linux::lsm::check(
            p.apparmor_profile.as_deref(),
            p.selinux_label.as_deref(),
            spec.linux.as_ref().and_then(|l| l.mount_label.as_deref()),
        )),
    ];
    if let Some((path, msg)) = checks.into_iter().flatten().find_map(Result::err) {
        return Err(SpecError::invalid(path, msg));
    }
    if let Some(c) = &p.capabilities {
        let sets = [
            ("bounding", &c.bounding),
            ("effective", &c.effective),
            ("inheritable", &c.inheritable),
            ("permitted", &c.permitted),
            ("ambient", &c.ambient),
        ];
        for (set, names) in sets {
            for (i, n) in names.iter().flatten().enumerate() {
                if caps::cap_from_name(n).is_none() {
                    return Err(SpecError::invalid(
                        format!("process.capabilities.{set}[{i}]"),
                        format!("unknown capability {n:?}"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Ambient capabilities the kernel will refuse to raise.
fn ambient_warnings(spec: &Spec) -> Vec<String> {
    let Some(c) = spec.process.as_ref().and_then(|p| p.capabilities.as_ref()) else {
        return Vec::new();
    };
    let has = |set: &Option<Vec<String>>, n: &str| set.iter().flatten().any(|x| x == n);
    c.ambient
        .iter()
        .flatten()
        .filter(|n| !(has(&c.inheritable, n) && has(&c.permitted, n)))
        .map(|n| format!("process.capabilities.ambient: {n} is not both permitted and inheritable; it is not raised"))
        .collect()
}

fn check_linux(spec: &Spec) -> Result<(), SpecError> {
    let Some(linux) = &spec.linux else {
        return Ok(());
    };
    let checks = [
        linux
            .personality
            .as_ref()
            .map(crate::linux::sched::check_personality),
        linux
            .memory_policy
            .as_ref()
            .map(crate::linux::sched::check_memory_policy),
    ];
    if let Some((path, msg)) = checks.into_iter().flatten().find_map(Result::err) {
        return Err(SpecError::invalid(path, msg));
    }
    if linux.intel_rdt.is_some() {
        return Err(SpecError::invalid(
            "linux.intelRdt",
            "Intel RDT (resctrl) is not supported by ocix on this host",
        ));
    }
    if linux
        .net_devices
        .as_ref()
        .is_some_and(|d| d.as_object().is_some_and(|o| !o.is_empty()))
    {
        return Err(SpecError::invalid(
            "linux.netDevices",
            "moving network devices into the container is not supported by ocix yet",
        ));
    }
    let mut seen = Vec::new();
    for (i, ns) in linux.namespaces.iter().enumerate() {
        let kind = NsKind::from_name(&ns.kind).ok_or_else(|| {
            SpecError::invalid(
                format!("linux.namespaces[{i}].type"),
                format!(
                    "unknown namespace {:?} (known: pid, network, mount, ipc, uts, user, cgroup, time)",
                    ns.kind
                ),
            )
        })?;
        if seen.contains(&kind) {
            return Err(SpecError::invalid(
                format!("linux.namespaces[{i}]"),
                format!("namespace {:?} listed twice", ns.kind),
            ));
        }
        seen.push(kind);
    }
    let has = |k: NsKind| {
        linux
            .namespaces
            .iter()
            .any(|n| NsKind::from_name(&n.kind) == Some(k))
    };
    if spec.hostname.as_deref().is_some_and(|h| !h.is_empty()) && !has(NsKind::Uts) {
        return Err(SpecError::invalid(
            "hostname",
            "setting a hostname needs a uts namespace in linux.namespaces",
        ));
    }
    if (!linux.uid_mappings.is_empty() || !linux.gid_mappings.is_empty()) && !has(NsKind::User) {
        return Err(SpecError::invalid(
            "linux.uidMappings",
            "id mappings need a user namespace in linux.namespaces",
        ));
    }
    if linux.time_offsets.is_some() && !has(NsKind::Time) {
        return Err(SpecError::invalid(
            "linux.timeOffsets",
            "time offsets need a time namespace in linux.namespaces",
        ));
    }
    for (i, d) in linux.devices.iter().enumerate() {
        if !matches!(d.kind.as_str(), "c" | "b" | "u" | "p") {
            return Err(SpecError::invalid(
                format!("linux.devices[{i}].type"),
                format!("{:?} is not one of c, b, u, p", d.kind),
            ));
        }
        if !d.path.starts_with('/') {
            return Err(SpecError::invalid(
                format!("linux.devices[{i}].path"),
                format!("{:?} must be absolute", d.path),
            ));
        }
    }
    if let Some(p) = &linux.rootfs_propagation {
        if crate::linux::mounts::propagation_flag(p).is_none() {
            return Err(SpecError::invalid(
                "linux.rootfsPropagation",
                format!("unknown propagation {p:?}"),
            ));
        }
    }
    super::seccomp::check_seccomp(linux.seccomp.as_ref())?;
    Ok(())
}

fn check_hooks(spec: &Spec) -> Result<(), SpecError> {
    let Some(h) = &spec.hooks else {
        return Ok(());
    };
    let kinds = [
        ("prestart", &h.prestart),
        ("createRuntime", &h.create_runtime),
        ("createContainer", &h.create_container),
        ("startContainer", &h.start_container),
        ("poststart", &h.poststart),
        ("poststop", &h.poststop),
    ];
    for (kind, hooks) in kinds {
        for (i, hook) in hooks.iter().enumerate() {
            if !hook.path.starts_with('/') {
                return Err(SpecError::invalid(
                    format!("hooks.{kind}[{i}].path"),
                    format!("{:?} must be absolute", hook.path),
                ));
            }
            if hook.timeout.is_some_and(|t| t <= 0) {
                return Err(SpecError::invalid(
                    format!("hooks.{kind}[{i}].timeout"),
                    "must be greater than zero",
                ));
            }
        }
    }
    Ok(())
}
