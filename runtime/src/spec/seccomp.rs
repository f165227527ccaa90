//! `linux.seccomp` of runtime-spec (config-linux.md, "Seccomp").
//!
//! Actions, operators, architectures and flags stay strings here, as the
//! JSON spells them: `crate::linux::seccomp` parses them, so that one place
//! knows the names and a bad one is reported with its JSON path.

use super::SpecError;
use crate::linux::seccomp::{self as filter, SeccompError};
use serde::{Deserialize, Deserializer, Serialize};

/// The seccomp profile of the container process.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seccomp {
    /// `SCMP_ACT_*` for system calls no rule matches.
    pub default_action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_errno_ret: Option<u32>,
    /// `SCMP_ARCH_*`; the native architecture is always included.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub architectures: Vec<String>,
    /// `SECCOMP_FILTER_FLAG_*`.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub flags: Vec<String>,
    /// Unix socket that receives the notify fd (`SCMP_ACT_NOTIFY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_metadata: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub syscalls: Vec<SeccompSyscall>,
}

/// A rule: `action` for the named system calls when all `args` match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeccompSyscall {
    #[serde(default, deserialize_with = "nullable")]
    pub names: Vec<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errno_ret: Option<u32>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub args: Vec<SeccompArg>,
}

/// A comparison of system call argument `index` (`SCMP_CMP_*`).
/// For `SCMP_CMP_MASKED_EQ`, `value` is the mask and `valueTwo` the datum.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeccompArg {
    pub index: u32,
    pub value: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub value_two: u64,
    pub op: String,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

/// Go's encoders write `null` for empty lists; take it as empty.
fn nullable<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Validation of `linux.seccomp`: what the filter compiler would reject.
pub(super) fn check_seccomp(seccomp: Option<&Seccomp>) -> Result<(), SpecError> {
    let Some(s) = seccomp else {
        return Ok(());
    };
    filter::validate(s).map_err(|e| match e {
        SeccompError::Invalid { path, msg } => SpecError::invalid(path, msg),
        other => SpecError::invalid("linux.seccomp", other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Seccomp, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn reads_the_spec_example_and_nulls() {
        let s = parse(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": null,
                "syscalls": [{"names": ["getcwd", "chmod"], "action": "SCMP_ACT_ERRNO",
                  "errnoRet": 38, "args": [{"index": 1, "value": 7, "op": "SCMP_CMP_EQ"}]},
                  {"names": ["mkdir"], "action": "SCMP_ACT_LOG", "args": null}]}"#,
        )
        .expect("parses");
        assert!(s.architectures.is_empty());
        assert_eq!(s.syscalls[0].errno_ret, Some(38));
        assert_eq!(s.syscalls[0].args[0].value, 7);
        assert_eq!(s.syscalls[0].args[0].value_two, 0);
        assert!(s.syscalls[1].args.is_empty());
        let back = serde_json::to_value(&s).expect("serialises");
        assert_eq!(back["syscalls"][0]["errnoRet"], 38);
        assert!(back.get("architectures").is_none());
    }

    #[test]
    fn errors_name_the_json_path() {
        let s = parse(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["read"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["write"], "action": "SCMP_ACT_LOG"},
                {"names": ["open"], "action": "SCMP_ACT_FROB"}]}"#,
        )
        .expect("parses");
        let e = check_seccomp(Some(&s)).expect_err("bad action").to_string();
        assert!(e.contains("linux.seccomp.syscalls[2].action"), "{e}");
        assert!(e.contains("SCMP_ACT_FROB"), "{e}");
    }
}
