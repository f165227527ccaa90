//! The cgroup v2 device controller is an eBPF program (type
//! CGROUP_DEVICE) attached to the cgroup. It is generated here from the
//! folded rules and loaded with raw bpf(2): a few dozen instructions do
//! not justify libbpf and its C toolchain in every cross build.

use super::devices::{DevKind, Rule, RWM};
use super::CgroupError;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;

/// `struct bpf_insn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Insn {
    pub code: u8,
    regs: u8,
    pub off: i16,
    pub imm: i32,
}

impl Insn {
    const fn new(code: u8, dst: u8, src: u8, off: i16, imm: i32) -> Insn {
        // The register nibbles are C bitfields, laid out by byte order.
        let regs = if cfg!(target_endian = "little") {
            dst | (src << 4)
        } else {
            (dst << 4) | src
        };
        Insn {
            code,
            regs,
            off,
            imm,
        }
    }

    #[cfg(test)]
    pub fn dst(&self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs & 0xf
        } else {
            self.regs >> 4
        }
    }

    #[cfg(test)]
    pub fn src(&self) -> u8 {
        if cfg!(target_endian = "little") {
            self.regs >> 4
        } else {
            self.regs & 0xf
        }
    }
}

pub const LDX_W: u8 = 0x61;
pub const AND32_K: u8 = 0x54;
pub const RSH32_K: u8 = 0x74;
pub const MOV32_X: u8 = 0xbc;
pub const MOV64_K: u8 = 0xb7;
pub const JNE_K: u8 = 0x55;
pub const JNE_X: u8 = 0x5d;
pub const JEQ_K: u8 = 0x15;
pub const EXIT: u8 = 0x95;

/// `BPF_DEVCG_DEV_BLOCK`, `BPF_DEVCG_DEV_CHAR`.
const DEV_BLOCK: i32 = 1;
const DEV_CHAR: i32 = 2;

/// The filter: r2 = type, r3 = access, r4 = major, r5 = minor, then one
/// block per exception returning the opposite of the default, then the
/// default.
pub fn program(default_allow: bool, exceptions: &[Rule]) -> Vec<Insn> {
    let mut p = vec![
        Insn::new(LDX_W, 2, 1, 0, 0),
        Insn::new(AND32_K, 2, 0, 0, 0xffff),
        Insn::new(LDX_W, 3, 1, 0, 0),
        Insn::new(RSH32_K, 3, 0, 0, 16),
        Insn::new(LDX_W, 4, 1, 4, 0),
        Insn::new(LDX_W, 5, 1, 8, 0),
    ];
    for e in exceptions {
        let mut block = Vec::new();
        let mut jumps = Vec::new();
        let mut skip_unless = |block: &mut Vec<Insn>, i: Insn| {
            jumps.push(block.len());
            block.push(i);
        };
        match e.kind {
            DevKind::Char => skip_unless(&mut block, Insn::new(JNE_K, 2, 0, 0, DEV_CHAR)),
            DevKind::Block => skip_unless(&mut block, Insn::new(JNE_K, 2, 0, 0, DEV_BLOCK)),
            DevKind::All => {}
        }
        if e.access != RWM {
            block.push(Insn::new(MOV32_X, 1, 3, 0, 0));
            block.push(Insn::new(AND32_K, 1, 0, 0, e.access as i32));
            // A deny exception hits on any bit asked for; an allow
            // exception only if it covers them all.
            let test = if default_allow {
                Insn::new(JEQ_K, 1, 0, 0, 0)
            } else {
                Insn::new(JNE_X, 1, 3, 0, 0)
            };
            skip_unless(&mut block, test);
        }
        if let Some(m) = e.major {
            skip_unless(&mut block, Insn::new(JNE_K, 4, 0, 0, m as i32));
        }
        if let Some(m) = e.minor {
            skip_unless(&mut block, Insn::new(JNE_K, 5, 0, 0, m as i32));
        }
        block.push(Insn::new(MOV64_K, 0, 0, 0, i32::from(!default_allow)));
        block.push(Insn::new(EXIT, 0, 0, 0, 0));
        for j in jumps {
            block[j].off = (block.len() - 1 - j) as i16;
        }
        p.extend(block);
    }
    p.push(Insn::new(MOV64_K, 0, 0, 0, i32::from(default_allow)));
    p.push(Insn::new(EXIT, 0, 0, 0, 0));
    p
}

const BPF_PROG_LOAD: libc::c_long = 5;
const BPF_PROG_ATTACH: libc::c_long = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
const BPF_CGROUP_DEVICE: u32 = 6;
const BPF_F_ALLOW_MULTI: u32 = 2;

/// The head of `union bpf_attr` for BPF_PROG_LOAD.
#[repr(C)]
#[derive(Default)]
struct ProgLoad {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; 16],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

/// The head of `union bpf_attr` for BPF_PROG_ATTACH.
#[repr(C)]
struct ProgAttach {
    target_fd: u32,
    attach_bpf_fd: u32,
    attach_type: u32,
    attach_flags: u32,
    replace_bpf_fd: u32,
}

fn bpf<T>(cmd: libc::c_long, attr: &mut T) -> std::io::Result<i32> {
    // SAFETY: `attr` is a live, initialised repr(C) bpf_attr head of the
    // size we pass; every pointer inside it refers to memory the caller
    // keeps alive for the duration of the call.
    let r = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr as *mut T, std::mem::size_of::<T>()) };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(r as i32)
}

/// Loads `prog` and attaches it to the cgroup directory `dir`. The
/// attachment keeps the program alive after our descriptors close.
pub fn attach_device_filter(dir: &Path, prog: &[Insn]) -> Result<(), CgroupError> {
    let license = b"Apache-2.0\0";
    let mut log = vec![0u8; 1 << 16];
    let mut attr = ProgLoad {
        prog_type: BPF_PROG_TYPE_CGROUP_DEVICE,
        insn_cnt: prog.len() as u32,
        insns: prog.as_ptr() as u64,
        license: license.as_ptr() as u64,
        log_level: 1,
        log_size: log.len() as u32,
        log_buf: log.as_mut_ptr() as u64,
        expected_attach_type: BPF_CGROUP_DEVICE,
        ..ProgLoad::default()
    };
    attr.prog_name[..10].copy_from_slice(b"ocix_devcg");
    let fd = bpf(BPF_PROG_LOAD, &mut attr).map_err(|source| {
        let end = log.iter().position(|b| *b == 0).unwrap_or(log.len());
        let verifier = String::from_utf8_lossy(&log[..end]);
        log::debug!("bpf verifier: {verifier}");
        CgroupError::Dir {
            what: "load the device eBPF program for",
            dir: dir.to_path_buf(),
            source,
        }
    })?;
    // SAFETY: BPF_PROG_LOAD returned a new descriptor that nothing else owns.
    let prog_fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let cg = std::fs::File::open(dir).map_err(|source| CgroupError::Dir {
        what: "open",
        dir: dir.to_path_buf(),
        source,
    })?;
    let mut attach = ProgAttach {
        target_fd: cg.as_raw_fd() as u32,
        attach_bpf_fd: prog_fd.as_raw_fd() as u32,
        attach_type: BPF_CGROUP_DEVICE,
        attach_flags: BPF_F_ALLOW_MULTI,
        replace_bpf_fd: 0,
    };
    bpf(BPF_PROG_ATTACH, &mut attach).map_err(|source| CgroupError::Dir {
        what: "attach the device eBPF program to",
        dir: dir.to_path_buf(),
        source,
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::devices::{allows, fold, Rule, MKNOD, READ, WRITE};
    use super::*;

    /// Runs the program subset we generate on one device context.
    fn run(p: &[Insn], kind: i32, access: u32, major: u32, minor: u32) -> u64 {
        let ctx = [(access << 16) | kind as u32, major, minor];
        let mut r = [0u64; 11];
        let mut pc = 0usize;
        loop {
            let i = p[pc];
            let (d, s) = (i.dst() as usize, i.src() as usize);
            let jump = |taken: bool| if taken { i.off as usize } else { 0 };
            pc += 1;
            match i.code {
                LDX_W => r[d] = u64::from(ctx[i.off as usize / 4]),
                AND32_K => r[d] = u64::from(r[d] as u32 & i.imm as u32),
                RSH32_K => r[d] = u64::from((r[d] as u32) >> i.imm),
                MOV32_X => r[d] = u64::from(r[s] as u32),
                MOV64_K => r[d] = i.imm as i64 as u64,
                JNE_K => pc += jump(r[d] != i.imm as i64 as u64),
                JEQ_K => pc += jump(r[d] == i.imm as i64 as u64),
                JNE_X => pc += jump(r[d] != r[s]),
                EXIT => return r[0],
                c => panic!("unexpected opcode {c:#x}"),
            }
        }
    }

    fn rule(
        allow: bool,
        kind: DevKind,
        major: Option<u32>,
        minor: Option<u32>,
        access: u32,
    ) -> Rule {
        Rule {
            allow,
            kind,
            major,
            minor,
            access,
        }
    }

    #[test]
    fn program_agrees_with_the_v1_semantics() {
        use DevKind::*;
        let sets: Vec<Vec<Rule>> = vec![
            vec![
                rule(false, All, None, None, RWM),
                rule(true, Char, Some(1), Some(3), READ | WRITE),
            ],
            vec![
                rule(false, All, None, None, RWM),
                rule(true, Char, Some(136), None, RWM),
                rule(true, Block, None, None, MKNOD),
                rule(false, Char, Some(136), None, WRITE),
            ],
            vec![
                rule(false, Char, Some(1), Some(9), WRITE),
                rule(false, Block, Some(8), None, RWM),
            ],
            vec![
                rule(false, All, None, None, RWM),
                rule(true, All, None, None, RWM),
            ],
        ];
        for rules in &sets {
            let (def, ex) = fold(rules);
            let p = program(def, &ex);
            for (kind, k) in [(Char, DEV_CHAR), (Block, DEV_BLOCK)] {
                for access in 1..=7 {
                    for (major, minor) in [(1, 3), (1, 9), (136, 4), (8, 0), (8, 1), (5, 2)] {
                        let want = allows(def, &ex, kind, major, minor, access);
                        let got = run(&p, k, access, major, minor) == 1;
                        assert_eq!(
                            got, want,
                            "{rules:?}: {kind:?} {major}:{minor} access {access}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn fold_follows_v1() {
        use DevKind::*;
        let (def, ex) = fold(&[
            rule(false, All, None, None, RWM),
            rule(true, Char, Some(1), Some(3), RWM),
            rule(false, Char, Some(1), Some(3), WRITE),
        ]);
        assert!(!def);
        assert_eq!(ex, [rule(true, Char, Some(1), Some(3), READ | MKNOD)]);
        assert!(allows(def, &ex, Char, 1, 3, READ));
        assert!(!allows(def, &ex, Char, 1, 3, READ | WRITE));
        assert!(!allows(def, &ex, Block, 1, 3, READ));
    }

    /// Loads a real program into a cgroup of the unified hierarchy and
    /// checks that a process inside cannot open a denied device.
    #[test]
    fn kernel_enforces_the_program() {
        let Some(mount) = super::super::Layout::probe().ok().and_then(|l| l.unified) else {
            eprintln!("SKIPPED: no cgroup2 mount");
            return;
        };
        if !nix::unistd::geteuid().is_root() {
            eprintln!("SKIPPED: needs root");
            return;
        }
        let dir = mount
            .mount
            .join(format!("ocix-bpf-test-{}", std::process::id()));
        std::fs::create_dir(&dir).expect("mkdir cgroup");
        use DevKind::*;
        let rules = [
            rule(false, All, None, None, RWM),
            rule(true, Char, Some(1), Some(3), READ | WRITE),
            rule(true, Char, Some(1), Some(5), READ),
        ];
        let (def, ex) = fold(&rules);
        let attached = attach_device_filter(&dir, &program(def, &ex));
        let out = attached.as_ref().ok().map(|_| {
            let script = format!(
                "echo $$ > {}/cgroup.procs || exit 9; head -c1 /dev/zero >/dev/null && echo zero; \
                 head -c1 /dev/urandom >/dev/null 2>&1 || echo no-urandom; \
                 echo x > /dev/zero 2>/dev/null || echo no-zero-write",
                dir.display()
            );
            std::process::Command::new("/bin/sh")
                .args(["-c", &script])
                .output()
                .expect("run sh")
        });
        let _ = std::fs::remove_dir(&dir);
        attached.expect("attach");
        let out = out.expect("output");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "zero\nno-urandom\nno-zero-write\n",
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
