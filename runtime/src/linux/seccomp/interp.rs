//! A classic BPF interpreter for the tests, holding programs to the
//! kernel's rules for seccomp filters: only the instructions the compiler
//! may emit, aligned loads inside `seccomp_data`, forward jumps that land
//! inside the program, and a return ending every path.

use super::bpf::{op, SockFilter, MAX_INSNS};

/// `struct seccomp_data` as the kernel fills it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Data {
    pub nr: u32,
    pub arch: u32,
    pub ip: u64,
    pub args: [u64; 6],
}

impl Data {
    /// The 64 bytes in the kernel's (the ABI's) byte order.
    fn bytes(&self, little: bool) -> [u8; 64] {
        let mut b = [0u8; 64];
        let mut put = |at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
        if little {
            put(0, &self.nr.to_le_bytes());
            put(4, &self.arch.to_le_bytes());
            put(8, &self.ip.to_le_bytes());
            for (i, a) in self.args.iter().enumerate() {
                put(16 + 8 * i, &a.to_le_bytes());
            }
        } else {
            put(0, &self.nr.to_be_bytes());
            put(4, &self.arch.to_be_bytes());
            put(8, &self.ip.to_be_bytes());
            for (i, a) in self.args.iter().enumerate() {
                put(16 + 8 * i, &a.to_be_bytes());
            }
        }
        b
    }
}

/// The static checks the kernel makes when a filter is attached.
pub fn check(prog: &[SockFilter]) -> Result<(), String> {
    if prog.is_empty() || prog.len() > MAX_INSNS {
        return Err(format!("length {}", prog.len()));
    }
    for (pc, f) in prog.iter().enumerate() {
        let targets: Vec<usize> = match f.code {
            op::JA => vec![pc + 1 + f.k as usize],
            op::JEQ | op::JGT | op::JGE => {
                vec![pc + 1 + usize::from(f.jt), pc + 1 + usize::from(f.jf)]
            }
            op::LD_W_ABS if f.k % 4 != 0 || f.k >= 64 => {
                return Err(format!("{pc}: load at {}", f.k))
            }
            op::LD_W_ABS | op::AND_K | op::RET_K => vec![],
            c => return Err(format!("{pc}: opcode {c:#x}")),
        };
        if targets.iter().any(|t| *t >= prog.len()) {
            return Err(format!("{pc}: jump out of the program"));
        }
    }
    match prog.last() {
        Some(f) if f.code == op::RET_K => Ok(()),
        _ => Err("does not end in a return".into()),
    }
}

/// Runs `prog` on `d`; returns the filter's return value.
pub fn run(prog: &[SockFilter], d: &Data, little: bool) -> Result<u32, String> {
    check(prog)?;
    let data = d.bytes(little);
    let mut a: u32 = 0;
    let mut pc = 0usize;
    loop {
        let f = prog.get(pc).ok_or(format!("pc {pc} out of the program"))?;
        pc += 1;
        match f.code {
            op::LD_W_ABS => {
                let at = f.k as usize;
                let w: [u8; 4] = data[at..at + 4].try_into().map_err(|_| "load")?;
                a = if little {
                    u32::from_le_bytes(w)
                } else {
                    u32::from_be_bytes(w)
                };
            }
            op::AND_K => a &= f.k,
            op::JA => pc += f.k as usize,
            op::JEQ | op::JGT | op::JGE => {
                let taken = match f.code {
                    op::JEQ => a == f.k,
                    op::JGT => a > f.k,
                    _ => a >= f.k,
                };
                pc += usize::from(if taken { f.jt } else { f.jf });
            }
            op::RET_K => return Ok(f.k),
            c => return Err(format!("opcode {c:#x}")),
        }
    }
}
