//! Profile to BPF. The program, in order:
//!
//! 1. `seccomp_data.arch` against each covered ABI's audit number; any
//!    other ABI is killed (libseccomp's bad-arch default), so a blocklist
//!    cannot be bypassed through a compat ABI (`int 0x80` on x86_64).
//! 2. Per ABI, the system call number: x86_64 first splits x32 calls off by
//!    their number bit; then a binary search over the numbers that have
//!    rules, each leading to a return or a chain of rules; a miss returns
//!    the default action.
//! 3. Per chain, the rules in profile order, each a run of argument
//!    comparisons; the first rule whose comparisons all hold decides.
//!
//! A number with an unconditional rule takes the first such rule's action,
//! whatever conditional rules it also has (libseccomp does the same).
//!
//! On ABIs with `socketcall(2)` and `ipc(2)`, a rule for a call they
//! multiplex also gets a rule for the multiplexer, as libseccomp adds: its
//! argument 0 must name the sub-call, replacing any comparison of argument
//! 0 (the call's own arguments are in memory there, out of the filter's
//! reach); the other comparisons stay, as in libseccomp.

use super::arch::{AuditArch, Multiplexed, X32_SYSCALL_BIT};
use super::bpf::{op, Asm, Label, SockFilter, Target, OFF_ARCH, OFF_ARGS, OFF_NR};
use super::profile::{Action, Cond, Op, Profile, Rule};
use super::SeccompError;
use crate::spec::Seccomp;
use std::collections::BTreeMap;

/// For calls of an ABI the filter does not cover. KILL_PROCESS exists
/// since Linux 4.14; older kernels read it as KILL_THREAD.
const BAD_ARCH: Action = Action::KillProcess;

/// Up to this many numbers are compared one by one; more are halved.
const LINEAR: usize = 4;

/// Compiles `seccomp` for `native` plus the architectures it lists.
pub fn compile(seccomp: &Seccomp, native: AuditArch) -> Result<Vec<SockFilter>, SeccompError> {
    generate(&Profile::parse(seccomp)?, native)
}

pub(super) fn generate(p: &Profile, native: AuditArch) -> Result<Vec<SockFilter>, SeccompError> {
    let mut archs = vec![native];
    archs.extend(p.archs.iter().filter(|a| **a != native));
    // x86_64 and x32 share an audit number: one block for both.
    let mut groups: Vec<(u32, Vec<AuditArch>)> = Vec::new();
    for a in archs {
        match groups.iter_mut().find(|(audit, _)| *audit == a.audit()) {
            Some((_, members)) => members.push(a),
            None => groups.push((a.audit(), vec![a])),
        }
    }
    let mut g = Gen {
        asm: Asm::default(),
        rets: BTreeMap::new(),
        profile: p,
    };
    let labels: Vec<Label> = groups.iter().map(|_| g.asm.label()).collect();
    g.asm.load(OFF_ARCH);
    for ((audit, _), l) in groups.iter().zip(&labels) {
        g.asm.jump(op::JEQ, *audit, Target::To(*l), Target::Next);
    }
    g.asm.ret(BAD_ARCH.ret());
    for ((_, members), l) in groups.iter().zip(&labels) {
        g.asm.bind(*l);
        g.asm.load(OFF_NR);
        if members.contains(&AuditArch::X86_64) || members.contains(&AuditArch::X32) {
            g.x86_64_block(members);
        } else {
            for a in members {
                g.dispatch(*a);
            }
        }
    }
    for (value, label) in std::mem::take(&mut g.rets) {
        g.asm.bind(label);
        g.asm.ret(value);
    }
    g.asm.finish()
}

struct Gen<'p> {
    asm: Asm,
    /// One shared `ret` per return value.
    rets: BTreeMap<u32, Label>,
    profile: &'p Profile<'p>,
}

impl Gen<'_> {
    fn ret_label(&mut self, a: Action) -> Label {
        let asm = &mut self.asm;
        *self.rets.entry(a.ret()).or_insert_with(|| asm.label())
    }

    /// x86_64 and x32 calls both say AUDIT_ARCH_X86_64; x32 numbers carry
    /// X32_SYSCALL_BIT. An ABI not asked for is a bad architecture.
    fn x86_64_block(&mut self, members: &[AuditArch]) {
        let bad = self.ret_label(BAD_ARCH);
        let x32 = members.contains(&AuditArch::X32).then(|| self.asm.label());
        let has64 = members.contains(&AuditArch::X86_64);
        self.asm.jump(
            op::JGE,
            X32_SYSCALL_BIT,
            Target::To(x32.unwrap_or(bad)),
            if has64 { Target::Next } else { Target::To(bad) },
        );
        if has64 {
            self.dispatch(AuditArch::X86_64);
        }
        if let Some(l) = x32 {
            self.asm.bind(l);
            self.dispatch(AuditArch::X32);
        }
    }

    /// With A = nr: the rules of `arch`, then its default.
    fn dispatch(&mut self, arch: AuditArch) {
        let p = self.profile;
        // Per rule (by index), its rules for multiplexers.
        let muxed: Vec<(usize, u32, Rule)> = p
            .rules
            .iter()
            .enumerate()
            .flat_map(|(i, rule)| {
                rule.names
                    .iter()
                    .filter_map(move |name| arch.multiplexed(name))
                    .map(move |m| (i, m.nr, through(rule, m)))
            })
            .collect();
        let mut by_nr: BTreeMap<u32, Vec<&Rule>> = BTreeMap::new();
        for (i, rule) in p.rules.iter().enumerate() {
            for name in rule.names {
                let Some(nr) = arch.syscall(name) else {
                    if arch.multiplexed(name).is_none() {
                        log::debug!("seccomp: no {name} on {}; skipped there", arch.scmp_name());
                    }
                    continue;
                };
                let rules = by_nr.entry(nr).or_default();
                if !rules.last().is_some_and(|r| std::ptr::eq(*r, rule)) {
                    rules.push(rule);
                }
            }
            for (_, nr, m) in muxed.iter().filter(|(j, ..)| *j == i) {
                by_nr.entry(*nr).or_default().push(m);
            }
        }
        let mut targets = Vec::with_capacity(by_nr.len());
        let mut chains = Vec::new();
        for (nr, rules) in by_nr {
            match rules.iter().find(|r| r.conds.is_empty()) {
                Some(r) => targets.push((nr, Target::To(self.ret_label(r.action)))),
                None => {
                    let l = self.asm.label();
                    targets.push((nr, Target::To(l)));
                    chains.push((l, rules));
                }
            }
        }
        let miss = self.ret_label(p.default);
        self.search(&targets, miss);
        for (l, rules) in chains {
            self.asm.bind(l);
            for rule in rules {
                let next = self.asm.label();
                for c in &rule.conds {
                    self.compare(arch, c, next);
                }
                self.asm.ret(rule.action.ret());
                self.asm.bind(next);
            }
            self.asm.ret(p.default.ret());
        }
    }

    /// Binary search of A over sorted `items`; `miss` when none is equal.
    fn search(&mut self, items: &[(u32, Target)], miss: Label) {
        if items.len() <= LINEAR {
            let Some(((last_nr, last_to), rest)) = items.split_last() else {
                self.asm.ja(miss);
                return;
            };
            for (nr, to) in rest {
                self.asm.jump(op::JEQ, *nr, *to, Target::Next);
            }
            self.asm.jump(op::JEQ, *last_nr, *last_to, Target::To(miss));
            return;
        }
        let (lower, upper) = items.split_at(items.len() / 2);
        let Some((first_upper, _)) = upper.first() else {
            return;
        };
        let up = self.asm.label();
        self.asm
            .jump(op::JGE, *first_upper, Target::To(up), Target::Next);
        self.search(lower, miss);
        self.asm.bind(up);
        self.search(upper, miss);
    }

    /// Falls through when `c` holds, jumps to `fail` otherwise. A 64-bit
    /// argument is two words, compared high word first; which word comes
    /// first in `seccomp_data` depends on the ABI's byte order. 32-bit ABIs
    /// compare the low word only, as libseccomp does.
    fn compare(&mut self, arch: AuditArch, c: &Cond, fail: Label) {
        let base = OFF_ARGS + 8 * u32::from(c.index);
        let (lo_off, hi_off) = if arch.is_little_endian() {
            (base, base + 4)
        } else {
            (base + 4, base)
        };
        let hi = |v: u64| (v >> 32) as u32;
        let (next, fail) = (Target::Next, Target::To(fail));
        let a = &mut self.asm;
        if arch.has_wide_args() {
            let pass_label = a.label();
            let pass = Target::To(pass_label);
            let vh = hi(c.value);
            a.load(hi_off);
            match c.op {
                Op::Eq => a.jump(op::JEQ, vh, next, fail),
                Op::Ne => a.jump(op::JEQ, vh, next, pass),
                Op::Gt | Op::Ge => {
                    a.jump(op::JGT, vh, pass, next);
                    a.jump(op::JEQ, vh, next, fail);
                }
                Op::Lt | Op::Le => {
                    a.jump(op::JGT, vh, fail, next);
                    a.jump(op::JEQ, vh, next, pass);
                }
                Op::MaskedEq => {
                    a.and(vh);
                    a.jump(op::JEQ, hi(c.value_two), next, fail);
                }
            }
            a.load(lo_off);
            low_word(a, c, next, fail);
            a.bind(pass_label);
        } else {
            a.load(lo_off);
            low_word(a, c, next, fail);
        }
    }
}

/// `rule` as it applies to its call made through the multiplexer `m`.
fn through<'a>(rule: &Rule<'a>, m: Multiplexed) -> Rule<'a> {
    let sub_call = Cond {
        index: 0,
        op: Op::MaskedEq,
        value: u64::from(m.mask),
        value_two: u64::from(m.call),
    };
    let others = rule.conds.iter().filter(|c| c.index != 0).copied();
    Rule {
        names: rule.names,
        action: rule.action,
        conds: std::iter::once(sub_call).chain(others).collect(),
    }
}

/// The comparison of the low word (after the high words were equal).
fn low_word(a: &mut Asm, c: &Cond, next: Target, fail: Target) {
    let v = c.value as u32;
    match c.op {
        Op::Eq => a.jump(op::JEQ, v, next, fail),
        Op::Ne => a.jump(op::JEQ, v, fail, next),
        Op::Gt => a.jump(op::JGT, v, next, fail),
        Op::Ge => a.jump(op::JGE, v, next, fail),
        Op::Lt => a.jump(op::JGE, v, fail, next),
        Op::Le => a.jump(op::JGT, v, fail, next),
        Op::MaskedEq => {
            a.and(v);
            a.jump(op::JEQ, c.value_two as u32, next, fail);
        }
    }
}
