//! Classic BPF as seccomp takes it, and a small assembler with labels.
//!
//! Conditional jumps carry 8-bit offsets. The assembler lays the program
//! out, and a conditional branch whose target is more than 255
//! instructions ahead jumps instead to a `BPF_JA` (32-bit offset) placed
//! right after it; layout repeats until no branch needs one more.

use super::SeccompError;

/// `struct sock_filter`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SockFilter {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// The kernel's limit on a filter's length (`BPF_MAXINSNS`).
pub const MAX_INSNS: usize = 4096;

/// Opcodes used here (linux/filter.h): `BPF_LD|BPF_W|BPF_ABS`,
/// `BPF_ALU|BPF_AND|BPF_K`, `BPF_JMP|op|BPF_K`, `BPF_RET|BPF_K`.
pub mod op {
    pub const LD_W_ABS: u16 = 0x20;
    pub const AND_K: u16 = 0x54;
    pub const JA: u16 = 0x05;
    pub const JEQ: u16 = 0x15;
    pub const JGT: u16 = 0x25;
    pub const JGE: u16 = 0x35;
    pub const RET_K: u16 = 0x06;
}

/// `struct seccomp_data` offsets.
pub const OFF_NR: u32 = 0;
pub const OFF_ARCH: u32 = 4;
pub const OFF_ARGS: u32 = 16;

/// A place in the program, bound once with [`Asm::bind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label(usize);

/// Where a conditional branch goes: on to the next instruction, or a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Next,
    To(Label),
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Plain(SockFilter),
    Cond {
        code: u16,
        k: u32,
        jt: Target,
        jf: Target,
    },
    Ja(Label),
    Bind(Label),
}

/// Builds a program from instructions and forward jumps to labels.
#[derive(Debug, Default)]
pub struct Asm {
    items: Vec<Item>,
    labels: usize,
}

fn insn(code: u16, k: u32) -> SockFilter {
    SockFilter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

impl Asm {
    pub fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    pub fn bind(&mut self, l: Label) {
        self.items.push(Item::Bind(l));
    }

    /// `A = seccomp_data[off]` (a native-endian 32-bit word).
    pub fn load(&mut self, off: u32) {
        self.items.push(Item::Plain(insn(op::LD_W_ABS, off)));
    }

    pub fn and(&mut self, k: u32) {
        self.items.push(Item::Plain(insn(op::AND_K, k)));
    }

    pub fn ret(&mut self, k: u32) {
        self.items.push(Item::Plain(insn(op::RET_K, k)));
    }

    /// `if A <code> k goto jt else goto jf`, code one of JEQ, JGT, JGE.
    pub fn jump(&mut self, code: u16, k: u32, jt: Target, jf: Target) {
        self.items.push(Item::Cond { code, k, jt, jf });
    }

    pub fn ja(&mut self, l: Label) {
        self.items.push(Item::Ja(l));
    }

    /// Resolves labels and returns the program.
    pub fn finish(self) -> Result<Vec<SockFilter>, SeccompError> {
        // far[i]: does item i need a trampoline for (jt, jf)?
        let mut far = vec![(false, false); self.items.len()];
        loop {
            let (pos, labels, len) = self.layout(&far)?;
            let mut grew = false;
            for (i, item) in self.items.iter().enumerate() {
                if let Item::Cond { jt, jf, .. } = item {
                    let from = pos[i] + 1;
                    let (t_far, f_far) = &mut far[i];
                    for (branch, is_far) in [(jt, t_far), (jf, f_far)] {
                        if let Target::To(l) = branch {
                            let dist = labels[l.0].checked_sub(from).ok_or(BACKWARD)?;
                            if !*is_far && dist > usize::from(u8::MAX) {
                                *is_far = true;
                                grew = true;
                            }
                        }
                    }
                }
            }
            if !grew {
                return self.emit(&far, &pos, &labels, len);
            }
        }
    }

    /// Position of every item and label, and the program length.
    fn layout(
        &self,
        far: &[(bool, bool)],
    ) -> Result<(Vec<usize>, Vec<usize>, usize), SeccompError> {
        let mut pos = Vec::with_capacity(self.items.len());
        let mut labels = vec![usize::MAX; self.labels];
        let mut at = 0;
        for (item, (t, f)) in self.items.iter().zip(far) {
            pos.push(at);
            at += match item {
                Item::Plain(_) | Item::Ja(_) => 1,
                Item::Cond { .. } => 1 + usize::from(*t) + usize::from(*f),
                Item::Bind(l) => {
                    let slot = labels.get_mut(l.0).ok_or(UNKNOWN)?;
                    if *slot != usize::MAX {
                        return Err(SeccompError::Assemble("label bound twice"));
                    }
                    *slot = at;
                    0
                }
            };
        }
        if labels.contains(&usize::MAX) {
            return Err(SeccompError::Assemble("label never bound"));
        }
        Ok((pos, labels, at))
    }

    fn emit(
        &self,
        far: &[(bool, bool)],
        pos: &[usize],
        labels: &[usize],
        len: usize,
    ) -> Result<Vec<SockFilter>, SeccompError> {
        if len > MAX_INSNS {
            return Err(SeccompError::TooLarge {
                len,
                max: MAX_INSNS,
            });
        }
        let offset = |from: usize, to: usize| to.checked_sub(from).ok_or(BACKWARD);
        let ja_to = |from: usize, l: Label| -> Result<SockFilter, SeccompError> {
            let k = offset(from + 1, labels[l.0])?;
            Ok(insn(op::JA, u32::try_from(k).map_err(|_| TOO_FAR)?))
        };
        let mut out = Vec::with_capacity(len);
        for (i, item) in self.items.iter().enumerate() {
            match *item {
                Item::Plain(f) => out.push(f),
                Item::Bind(_) => {}
                Item::Ja(l) => out.push(ja_to(pos[i], l)?),
                Item::Cond { code, k, jt, jf } => {
                    let (t_far, f_far) = far[i];
                    let next = pos[i] + 1 + usize::from(t_far) + usize::from(f_far);
                    // Trampolines sit right after the jump: jt's first.
                    let short =
                        |t: Target, is_far: bool, slot: usize| -> Result<u8, SeccompError> {
                            let to = match (t, is_far) {
                                (_, true) => pos[i] + 1 + slot,
                                (Target::Next, false) => next,
                                (Target::To(l), false) => labels[l.0],
                            };
                            u8::try_from(offset(pos[i] + 1, to)?).map_err(|_| TOO_FAR)
                        };
                    let f_slot = usize::from(t_far);
                    out.push(SockFilter {
                        code,
                        jt: short(jt, t_far, 0)?,
                        jf: short(jf, f_far, f_slot)?,
                        k,
                    });
                    for (t, is_far, slot) in [(jt, t_far, 0), (jf, f_far, f_slot)] {
                        if is_far {
                            let l = match t {
                                Target::To(l) => l,
                                Target::Next => return Err(TOO_FAR),
                            };
                            out.push(ja_to(pos[i] + 1 + slot, l)?);
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

const BACKWARD: SeccompError = SeccompError::Assemble("backward jump");
const UNKNOWN: SeccompError = SeccompError::Assemble("unknown label");
const TOO_FAR: SeccompError = SeccompError::Assemble("jump offset out of range");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_jumps_are_direct_and_far_ones_go_through_ja() {
        let mut a = Asm::default();
        let near = a.label();
        let far = a.label();
        a.load(OFF_NR);
        a.jump(op::JEQ, 1, Target::To(near), Target::To(far));
        a.bind(near);
        for _ in 0..300 {
            a.ret(7);
        }
        a.bind(far);
        a.ret(9);
        let p = a.finish().expect("assembles");
        assert_eq!(p.len(), 1 + 2 + 300 + 1);
        // jt: 1 past the trampoline; jf: the trampoline, a JA to the end.
        assert_eq!((p[1].jt, p[1].jf), (1, 0));
        assert_eq!(p[2].code, op::JA);
        assert_eq!(3 + p[2].k as usize, p.len() - 1);
        assert_eq!(p[p.len() - 1].k, 9);
    }

    #[test]
    fn unbound_labels_and_backward_jumps_are_errors() {
        let mut a = Asm::default();
        let l = a.label();
        a.ja(l);
        assert!(a.finish().is_err());
        let mut a = Asm::default();
        let l = a.label();
        a.bind(l);
        a.ja(l);
        assert!(a.finish().is_err());
    }

    #[test]
    fn too_long_programs_are_refused() {
        let mut a = Asm::default();
        for _ in 0..=MAX_INSNS {
            a.ret(0);
        }
        assert!(matches!(a.finish(), Err(SeccompError::TooLarge { .. })));
    }
}
