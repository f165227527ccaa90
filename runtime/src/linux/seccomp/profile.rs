//! A `linux.seccomp` object parsed into what the compiler works with:
//! actions with their return values, operators, architectures and flags.
//! Every name is checked here, so errors carry the JSON path.

use super::arch::{self, AuditArch};
use super::SeccompError;
use crate::spec::{Seccomp, SeccompArg};

const PATH: &str = "linux.seccomp";

/// `SECCOMP_RET_*` of the kernel (linux/seccomp.h).
mod ret {
    pub const KILL_PROCESS: u32 = 0x8000_0000;
    pub const KILL_THREAD: u32 = 0;
    pub const TRAP: u32 = 0x0003_0000;
    pub const ERRNO: u32 = 0x0005_0000;
    pub const USER_NOTIF: u32 = 0x7fc0_0000;
    pub const TRACE: u32 = 0x7ff0_0000;
    pub const LOG: u32 = 0x7ffc_0000;
    pub const ALLOW: u32 = 0x7fff_0000;
}

/// The kernel caps errno values here (`MAX_ERRNO`).
const MAX_ERRNO: u32 = 4095;
const EPERM: u16 = 1;

/// What the filter returns for a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    KillProcess,
    KillThread,
    Trap,
    Errno(u16),
    /// The value a ptracer reads with `PTRACE_GETEVENTMSG`.
    Trace(u16),
    Allow,
    Log,
    Notify,
}

/// The action names of runtime-spec, all of which ocix implements.
pub const ACTION_NAMES: [&str; 9] = [
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
];

impl Action {
    /// Parses `name`; `errno` is the rule's `errnoRet`. As in runc, ERRNO
    /// and TRACE default to EPERM, and no other action takes a value.
    fn parse(
        name: &str,
        errno: Option<u32>,
        action_path: &str,
        errno_path: &str,
    ) -> Result<Self, SeccompError> {
        let code = |max: u32| -> Result<u16, SeccompError> {
            match errno {
                None => Ok(EPERM),
                Some(e) => u16::try_from(e)
                    .ok()
                    .filter(|_| e <= max)
                    .ok_or_else(|| SeccompError::invalid(errno_path, format!("{e} exceeds {max}"))),
            }
        };
        let action = match name {
            "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => Action::KillThread,
            "SCMP_ACT_KILL_PROCESS" => Action::KillProcess,
            "SCMP_ACT_TRAP" => Action::Trap,
            "SCMP_ACT_ERRNO" => return Ok(Action::Errno(code(MAX_ERRNO)?)),
            "SCMP_ACT_TRACE" => return Ok(Action::Trace(code(u16::MAX.into())?)),
            "SCMP_ACT_ALLOW" => Action::Allow,
            "SCMP_ACT_LOG" => Action::Log,
            "SCMP_ACT_NOTIFY" => Action::Notify,
            other => {
                return Err(SeccompError::invalid(
                    action_path,
                    format!(
                        "unknown action {other:?} (known: {})",
                        ACTION_NAMES.join(", ")
                    ),
                ))
            }
        };
        match errno {
            Some(_) => Err(SeccompError::invalid(
                errno_path,
                format!("{name} takes no errno; only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do"),
            )),
            None => Ok(action),
        }
    }

    /// The filter's return value.
    pub fn ret(self) -> u32 {
        match self {
            Action::KillProcess => ret::KILL_PROCESS,
            Action::KillThread => ret::KILL_THREAD,
            Action::Trap => ret::TRAP,
            Action::Errno(e) => ret::ERRNO | u32::from(e),
            Action::Trace(m) => ret::TRACE | u32::from(m),
            Action::Allow => ret::ALLOW,
            Action::Log => ret::LOG,
            Action::Notify => ret::USER_NOTIF,
        }
    }
}

/// `SCMP_CMP_*`: unsigned comparisons of a 64-bit argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    /// `arg & value == value_two`.
    MaskedEq,
}

/// Operator names, in [`Op`] order.
pub const OPERATOR_NAMES: [&str; 7] = [
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
];

const OPS: [Op; 7] = [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq];

/// `SECCOMP_FILTER_FLAG_*` a profile may ask for, with their values.
/// NEW_LISTENER and TSYNC_ESRCH are ocix's to set, not the profile's.
pub const FLAGS: [(&str, u32); 4] = [
    ("SECCOMP_FILTER_FLAG_TSYNC", 1),
    ("SECCOMP_FILTER_FLAG_LOG", 2),
    ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4),
    ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32),
];

/// One argument comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cond {
    /// 0..=5.
    pub index: u8,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

/// `action` for `names` when every condition holds.
#[derive(Debug, Clone)]
pub struct Rule<'a> {
    pub names: &'a [String],
    pub action: Action,
    pub conds: Vec<Cond>,
}

/// A checked profile.
#[derive(Debug, Clone)]
pub struct Profile<'a> {
    pub default: Action,
    /// Listed architectures that have tables, without duplicates.
    pub archs: Vec<AuditArch>,
    /// OR of the [`FLAGS`] asked for.
    pub flags: u32,
    pub rules: Vec<Rule<'a>>,
    /// Some rule notifies a listener.
    pub notify: bool,
}

impl<'a> Profile<'a> {
    pub fn parse(s: &'a Seccomp) -> Result<Self, SeccompError> {
        let default = Action::parse(
            &s.default_action,
            s.default_errno_ret,
            &format!("{PATH}.defaultAction"),
            &format!("{PATH}.defaultErrnoRet"),
        )?;
        if default == Action::Notify {
            return Err(SeccompError::invalid(
                format!("{PATH}.defaultAction"),
                "SCMP_ACT_NOTIFY cannot be the default action",
            ));
        }
        let mut rules = Vec::new();
        for (i, sc) in s.syscalls.iter().enumerate() {
            let path = format!("{PATH}.syscalls[{i}]");
            rules.extend(parse_rule(sc, &path, default)?);
        }
        let notify = rules.iter().any(|r| r.action == Action::Notify);
        if notify && s.listener_path.as_deref().unwrap_or_default().is_empty() {
            return Err(SeccompError::invalid(
                format!("{PATH}.listenerPath"),
                "required by SCMP_ACT_NOTIFY",
            ));
        }
        if let Some(p) = s.listener_path.as_deref().filter(|p| !p.starts_with('/')) {
            return Err(SeccompError::invalid(
                format!("{PATH}.listenerPath"),
                format!("{p:?} must be absolute"),
            ));
        }
        Ok(Profile {
            default,
            archs: parse_archs(&s.architectures)?,
            flags: parse_flags(&s.flags)?,
            rules,
            notify,
        })
    }
}

fn parse_archs(names: &[String]) -> Result<Vec<AuditArch>, SeccompError> {
    let mut archs = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match AuditArch::from_scmp_name(name) {
            Some(a) if !archs.contains(&a) => archs.push(a),
            Some(_) => {}
            None if arch::UNSUPPORTED_NAMES.contains(&name.as_str()) => {
                log::debug!("seccomp: no system call table for {name}; left out of the filter");
            }
            None => {
                let known: Vec<&str> = AuditArch::ALL.iter().map(|a| a.scmp_name()).collect();
                return Err(SeccompError::invalid(
                    format!("{PATH}.architectures[{i}]"),
                    format!(
                        "unknown architecture {name:?} (known: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(archs)
}

fn parse_flags(names: &[String]) -> Result<u32, SeccompError> {
    let mut flags = 0;
    for (i, name) in names.iter().enumerate() {
        let (_, bit) = FLAGS.iter().find(|(n, _)| n == name).ok_or_else(|| {
            let known: Vec<&str> = FLAGS.iter().map(|(n, _)| *n).collect();
            SeccompError::invalid(
                format!("{PATH}.flags[{i}]"),
                format!("unknown flag {name:?} (known: {})", known.join(", ")),
            )
        })?;
        flags |= bit;
    }
    Ok(flags)
}

/// One spec rule as one or more compiler rules. Like runc, a rule with two
/// comparisons of the same argument becomes one rule per comparison (OR);
/// otherwise the comparisons are ANDed. Rules whose action is the default
/// are dropped (libseccomp refuses them).
fn parse_rule<'a>(
    sc: &'a crate::spec::SeccompSyscall,
    path: &str,
    default: Action,
) -> Result<Vec<Rule<'a>>, SeccompError> {
    if sc.names.is_empty() {
        return Err(SeccompError::invalid(
            format!("{path}.names"),
            "must name at least one system call",
        ));
    }
    if let Some(j) = sc.names.iter().position(|n| n.is_empty()) {
        return Err(SeccompError::invalid(
            format!("{path}.names[{j}]"),
            "must not be empty",
        ));
    }
    let action = Action::parse(
        &sc.action,
        sc.errno_ret,
        &format!("{path}.action"),
        &format!("{path}.errnoRet"),
    )?;
    // ocix sends the listener fd with sendmsg after loading the filter; a
    // notification for it would wait for a listener that has no fd yet.
    if action == Action::Notify {
        if let Some(j) = sc.names.iter().position(|n| n == "sendmsg") {
            return Err(SeccompError::invalid(
                format!("{path}.names[{j}]"),
                "SCMP_ACT_NOTIFY cannot be used for sendmsg: ocix sends the listener fd with it",
            ));
        }
    }
    let conds = sc
        .args
        .iter()
        .enumerate()
        .map(|(k, a)| parse_cond(a, &format!("{path}.args[{k}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if action == default {
        return Ok(Vec::new());
    }
    let names = &sc.names[..];
    let repeated = conds
        .iter()
        .enumerate()
        .any(|(k, c)| conds[..k].iter().any(|p| p.index == c.index));
    Ok(if repeated {
        conds
            .into_iter()
            .map(|c| Rule {
                names,
                action,
                conds: vec![c],
            })
            .collect()
    } else {
        vec![Rule {
            names,
            action,
            conds,
        }]
    })
}

fn parse_cond(a: &SeccompArg, path: &str) -> Result<Cond, SeccompError> {
    let index = u8::try_from(a.index)
        .ok()
        .filter(|i| *i < 6)
        .ok_or_else(|| {
            SeccompError::invalid(
                format!("{path}.index"),
                format!("{} is not an argument index (0-5)", a.index),
            )
        })?;
    let op = OPERATOR_NAMES
        .iter()
        .position(|n| *n == a.op)
        .and_then(|i| OPS.get(i).copied())
        .ok_or_else(|| {
            SeccompError::invalid(
                format!("{path}.op"),
                format!(
                    "unknown operator {:?} (known: {})",
                    a.op,
                    OPERATOR_NAMES.join(", ")
                ),
            )
        })?;
    Ok(Cond {
        index,
        op,
        value: a.value,
        value_two: a.value_two,
    })
}
