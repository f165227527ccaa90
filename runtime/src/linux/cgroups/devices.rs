//! Device access rules: `linux.resources.devices` plus the devices every
//! container needs (runc's list) and those of `linux.devices`. v1 writes
//! them to `devices.allow`/`devices.deny`; v2 compiles them into an eBPF
//! program (see `bpf.rs`) after folding them as v1 would, so that one
//! config behaves the same on both.

use super::{write, CgroupError, CgroupFs};
use crate::spec::resources::DeviceRule;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevKind {
    All,
    Char,
    Block,
}

/// Access bits as the kernel's BPF device context spells them.
pub const MKNOD: u32 = 1;
pub const READ: u32 = 2;
pub const WRITE: u32 = 4;
pub const RWM: u32 = MKNOD | READ | WRITE;

/// One rule; `None` major or minor is a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub allow: bool,
    pub kind: DevKind,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: u32,
}

impl Rule {
    const fn allow(kind: DevKind, major: Option<u32>, minor: Option<u32>, access: u32) -> Rule {
        Rule {
            allow: true,
            kind,
            major,
            minor,
            access,
        }
    }

    /// v1 syntax: `c 1:3 rwm`, `a`.
    pub fn v1_line(&self) -> String {
        let kind = match self.kind {
            DevKind::All => return "a".into(),
            DevKind::Char => 'c',
            DevKind::Block => 'b',
        };
        let n = |v: Option<u32>| v.map_or("*".to_string(), |v| v.to_string());
        let mut acc = String::new();
        for (bit, c) in [(READ, 'r'), (WRITE, 'w'), (MKNOD, 'm')] {
            if self.access & bit != 0 {
                acc.push(c);
            }
        }
        format!("{kind} {}:{} {acc}", n(self.major), n(self.minor))
    }
}

/// What every container may use: runc's default allow list.
const DEFAULTS: [Rule; 12] = {
    use DevKind::{Block, Char};
    const RW: u32 = READ | WRITE | MKNOD;
    [
        Rule::allow(Char, None, None, MKNOD),
        Rule::allow(Block, None, None, MKNOD),
        Rule::allow(Char, Some(1), Some(3), RW),
        Rule::allow(Char, Some(1), Some(8), RW),
        Rule::allow(Char, Some(1), Some(7), RW),
        Rule::allow(Char, Some(5), Some(0), RW),
        Rule::allow(Char, Some(1), Some(5), RW),
        Rule::allow(Char, Some(1), Some(9), RW),
        Rule::allow(Char, Some(5), Some(1), RW),
        Rule::allow(Char, Some(136), None, RW),
        Rule::allow(Char, Some(5), Some(2), RW),
        Rule::allow(Char, Some(10), Some(200), RW),
    ]
};

/// The rules to install, in order. With no `resources.devices` the
/// inherited policy (allow all) is kept and nothing is installed.
pub fn effective(
    rules: &[DeviceRule],
    created: &[crate::spec::Device],
) -> Result<Vec<Rule>, CgroupError> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        out.push(parse(r).map_err(|msg| CgroupError::Config {
            field: format!("linux.resources.devices[{i}]"),
            msg,
        })?);
    }
    out.extend(DEFAULTS);
    for (i, d) in created.iter().enumerate() {
        let kind = match d.kind.as_str() {
            "c" | "u" => DevKind::Char,
            "b" => DevKind::Block,
            _ => continue,
        };
        let field = format!("linux.devices[{i}]");
        out.push(Rule::allow(
            kind,
            Some(number(d.major, &field)?),
            Some(number(d.minor, &field)?),
            RWM,
        ));
    }
    Ok(out)
}

fn number(v: i64, field: &str) -> Result<u32, CgroupError> {
    u32::try_from(v).map_err(|_| CgroupError::Config {
        field: field.into(),
        msg: format!("device number {v} is out of range"),
    })
}

fn parse(r: &DeviceRule) -> Result<Rule, String> {
    let kind = match r.kind.as_deref().unwrap_or("a") {
        "a" => DevKind::All,
        "c" | "u" => DevKind::Char,
        "b" => DevKind::Block,
        other => return Err(format!("type {other:?} is not one of a, c, b")),
    };
    let num = |v: Option<i64>, what: &str| match v {
        None => Ok(None),
        Some(n) if n < 0 => Ok(None),
        Some(n) => u32::try_from(n)
            .map(Some)
            .map_err(|_| format!("{what} {n} is out of range")),
    };
    let mut access = 0;
    for c in r.access.as_deref().unwrap_or("rwm").chars() {
        access |= match c {
            'r' => READ,
            'w' => WRITE,
            'm' => MKNOD,
            _ => return Err(format!("access {:?}: only r, w and m", r.access)),
        };
    }
    Ok(Rule {
        allow: r.allow,
        kind,
        major: num(r.major, "major")?,
        minor: num(r.minor, "minor")?,
        access: if access == 0 { RWM } else { access },
    })
}

/// Writes the rules to a v1 devices cgroup, in order.
pub fn apply_v1(fs: &dyn CgroupFs, dir: &Path, rules: &[Rule]) -> Result<(), CgroupError> {
    for r in rules {
        let file = if r.allow {
            "devices.allow"
        } else {
            "devices.deny"
        };
        write(fs, dir, file, r.v1_line())?;
    }
    Ok(())
}

/// Installs the rules in a v2 cgroup as an eBPF device program.
pub fn apply_v2(dir: &Path, rules: &[Rule]) -> Result<(), CgroupError> {
    if rules.is_empty() {
        return Ok(());
    }
    let (default_allow, exceptions) = fold(rules);
    super::bpf::attach_device_filter(dir, &super::bpf::program(default_allow, &exceptions))
}

/// The v1 devices controller's semantics: the last `a` rule sets the
/// default; later rules add exceptions against it, or take access away
/// from an exception with the same type and numbers.
pub fn fold(rules: &[Rule]) -> (bool, Vec<Rule>) {
    let mut default_allow = true;
    let mut ex: Vec<Rule> = Vec::new();
    for r in rules {
        if r.kind == DevKind::All {
            default_allow = r.allow;
            ex.clear();
        } else if r.allow != default_allow {
            match ex
                .iter_mut()
                .find(|e| (e.kind, e.major, e.minor) == (r.kind, r.major, r.minor))
            {
                Some(e) => e.access |= r.access,
                None => ex.push(*r),
            }
        } else {
            for e in ex.iter_mut() {
                if (e.kind, e.major, e.minor) == (r.kind, r.major, r.minor) {
                    e.access &= !r.access;
                }
            }
            ex.retain(|e| e.access != 0);
        }
    }
    (default_allow, ex)
}

/// Whether the folded policy allows `access` to a device: the reference
/// the eBPF program is tested against. As in v1, an allow exception must
/// cover every bit asked for, a deny exception any of them.
pub fn allows(
    default_allow: bool,
    ex: &[Rule],
    kind: DevKind,
    major: u32,
    minor: u32,
    access: u32,
) -> bool {
    let hit = ex.iter().any(|e| {
        e.kind == kind
            && e.major.map_or(true, |m| m == major)
            && e.minor.map_or(true, |m| m == minor)
            && if default_allow {
                access & e.access != 0
            } else {
                access & !e.access == 0
            }
    });
    hit != default_allow
}
