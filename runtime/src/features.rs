//! `ocix features`: what this runtime supports, as the JSON object of
//! runtime-spec `features.md`, which callers such as containerd read to
//! adapt configs to the runtime.
//!
//! Claim only what works today: an unsupported item is `false` or absent,
//! and is flipped in the same change that makes it work.

use crate::linux::namespaces::NsKind;
use crate::linux::seccomp::{self, AuditArch};
use crate::linux::{caps, mounts};
use crate::spec::OCI_VERSION;
use serde_json::{json, Value};

/// The hook kinds the lifecycle runs, in lifecycle order.
const HOOKS: [&str; 6] = [
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// The `features.md` object describing this build.
pub fn features() -> Value {
    let mut namespaces: Vec<&str> = NsKind::JOIN_ORDER.iter().map(|k| k.name()).collect();
    namespaces.sort_unstable();
    json!({
        "ociVersionMin": "1.0.0",
        "ociVersionMax": OCI_VERSION,
        "hooks": HOOKS,
        "mountOptions": mounts::known_option_names(),
        "linux": {
            "namespaces": namespaces,
            "capabilities": &caps::NAMES[..],
            "cgroup": crate::linux::cgroups::features(),
            "seccomp": seccomp_features(),
            "apparmor": { "enabled": false },
            "selinux": { "enabled": false },
            "intelRdt": { "enabled": false },
            "mountExtensions": { "idmap": { "enabled": false } },
        },
        "annotations": {
            "org.opencontainers.runc.checkpoint.enabled": "false",
            "io.github.ocix.arch-aware": "true",
        },
    })
}

/// What the filter compiler implements; `supportedFlags` asks the kernel.
fn seccomp_features() -> Value {
    let mut archs: Vec<&str> = AuditArch::ALL.iter().map(|a| a.scmp_name()).collect();
    archs.sort_unstable();
    let known: Vec<&str> = seccomp::FLAGS.iter().map(|(name, _)| *name).collect();
    json!({
        "enabled": AuditArch::native().is_some(),
        "actions": seccomp::ACTION_NAMES,
        "operators": seccomp::OPERATOR_NAMES,
        "archs": archs,
        "knownFlags": known,
        "supportedFlags": seccomp::supported_flags(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linux::mounts::{parse_options, MountOptions};

    #[test]
    fn has_the_spec_keys() {
        let f = features();
        for key in [
            "ociVersionMin",
            "ociVersionMax",
            "hooks",
            "mountOptions",
            "linux",
            "annotations",
        ] {
            assert!(f.get(key).is_some(), "missing {key}");
        }
        assert_eq!(f["ociVersionMax"], OCI_VERSION);
        assert_eq!(f["hooks"].as_array().map(Vec::len), Some(6));
        let linux = &f["linux"];
        for key in [
            "namespaces",
            "capabilities",
            "cgroup",
            "seccomp",
            "apparmor",
            "selinux",
        ] {
            assert!(linux.get(key).is_some(), "missing linux.{key}");
        }
        assert_eq!(linux["seccomp"]["enabled"], true);
        assert_eq!(linux["mountExtensions"]["idmap"]["enabled"], false);
        for (_, v) in f["annotations"].as_object().expect("annotations object") {
            assert!(v.is_string(), "annotation values are strings");
        }
    }

    #[test]
    fn namespaces_and_capabilities_are_the_ones_the_code_knows() {
        let f = features();
        let ns = f["linux"]["namespaces"].as_array().expect("namespaces");
        assert_eq!(ns.len(), 8);
        for n in ns {
            assert!(
                NsKind::from_name(n.as_str().unwrap_or_default()).is_some(),
                "{n}"
            );
        }
        let caps = f["linux"]["capabilities"].as_array().expect("capabilities");
        assert_eq!(caps.len(), caps::NAMES.len());
        for (i, c) in caps.iter().enumerate() {
            assert_eq!(
                caps::cap_from_name(c.as_str().unwrap_or_default()),
                Some(i as u32)
            );
        }
    }

    #[test]
    fn seccomp_lists_what_the_compiler_takes() {
        let s = &features()["linux"]["seccomp"];
        let names = |key: &str| -> Vec<String> {
            s[key]
                .as_array()
                .expect("a list")
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        };
        assert!(names("actions").contains(&"SCMP_ACT_NOTIFY".to_string()));
        assert_eq!(names("operators").len(), 7);
        let native = AuditArch::native().expect("supported host").scmp_name();
        assert!(names("archs").contains(&native.to_string()));
        let known = names("knownFlags");
        for f in names("supportedFlags") {
            assert!(known.contains(&f), "{f} is supported but not known");
        }
        // Every kernel with seccomp filters has TSYNC (3.17).
        if std::path::Path::new("/proc/sys/kernel/seccomp/actions_avail").exists() {
            let supported = names("supportedFlags");
            assert!(supported.contains(&"SECCOMP_FILTER_FLAG_TSYNC".to_string()));
        }
    }

    #[test]
    fn every_mount_option_is_understood_not_passed_as_data() {
        let f = features();
        let opts = f["mountOptions"].as_array().expect("mountOptions");
        let mut seen = std::collections::BTreeSet::new();
        for o in opts {
            let name = o.as_str().expect("string").to_string();
            assert!(seen.insert(name.clone()), "{name} listed twice");
            let parsed = parse_options(std::slice::from_ref(&name));
            assert_eq!(parsed.data, "", "{name} would go to the filesystem");
            assert_ne!(parsed, MountOptions::default(), "{name} is ignored");
        }
        assert!(seen.contains("rbind") && seen.contains("rslave"));
    }
}
