//! The compiler's programs run in the test interpreter against synthetic
//! `seccomp_data`, for every ABI, and compared with the intended action.

use super::interp::{self, Data};
use super::*;
use serde_json::{json, Value};

const ALLOW: u32 = 0x7fff_0000;
const KILL_PROCESS: u32 = 0x8000_0000;
const KILL_THREAD: u32 = 0;
const LOG: u32 = 0x7ffc_0000;
const NOTIFY: u32 = 0x7fc0_0000;

fn errno(e: u32) -> u32 {
    0x0005_0000 | e
}

fn profile(v: Value) -> Seccomp {
    serde_json::from_value(v).expect("a valid profile")
}

fn build(v: Value, native: AuditArch) -> Vec<SockFilter> {
    let prog = compile(&profile(v), native).expect("compiles");
    interp::check(&prog).expect("the kernel would take it");
    prog
}

/// Runs `prog` for call `nr` of `arch` with `args`.
fn eval_nr(prog: &[SockFilter], arch: AuditArch, nr: u32, args: [u64; 6]) -> u32 {
    let d = Data {
        nr,
        arch: arch.audit(),
        ip: 0x1234,
        args,
    };
    interp::run(prog, &d, arch.is_little_endian()).expect("runs")
}

fn eval(prog: &[SockFilter], arch: AuditArch, name: &str, args: [u64; 6]) -> u32 {
    let nr = arch
        .syscall(name)
        .unwrap_or_else(|| panic!("{arch:?} has no {name}"));
    eval_nr(prog, arch, nr, args)
}

fn mkdir_eperm() -> Value {
    json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})
}

#[test]
fn every_abi_blocks_mkdirat_with_its_own_number() {
    for native in AuditArch::ALL {
        let prog = build(mkdir_eperm(), native);
        assert_eq!(
            eval(&prog, native, "mkdirat", [0; 6]),
            errno(1),
            "{native:?}"
        );
        assert_eq!(eval(&prog, native, "getpid", [0; 6]), ALLOW, "{native:?}");
        if native.syscall("mkdir").is_some() {
            assert_eq!(eval(&prog, native, "mkdir", [0; 6]), errno(1), "{native:?}");
        }
        let foreign = Data {
            arch: 0x4000_1234,
            ..Data::default()
        };
        let r = interp::run(&prog, &foreign, native.is_little_endian());
        assert_eq!(r, Ok(KILL_PROCESS), "{native:?}: unknown audit arch");
    }
}

#[test]
fn abis_not_listed_are_killed_x32_included() {
    let prog = build(mkdir_eperm(), AuditArch::X86_64);
    // i386 mkdir is 39, which is getpid on x86_64: it must not be allowed.
    assert_eq!(eval(&prog, AuditArch::X86, "mkdir", [0; 6]), KILL_PROCESS);
    assert_eq!(eval(&prog, AuditArch::X32, "getpid", [0; 6]), KILL_PROCESS);
    assert_eq!(eval(&prog, AuditArch::X86_64, "getpid", [0; 6]), ALLOW);
}

#[test]
fn listed_abis_get_blocks_with_their_numbers() {
    let mut p = mkdir_eperm();
    p["architectures"] = json!(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    let prog = build(p, AuditArch::X86_64);
    for a in [AuditArch::X86_64, AuditArch::X86, AuditArch::X32] {
        assert_eq!(eval(&prog, a, "mkdir", [0; 6]), errno(1), "{a:?}");
        assert_eq!(eval(&prog, a, "getpid", [0; 6]), ALLOW, "{a:?}");
    }
    // The native block stays when only another ABI is listed.
    let mut p = mkdir_eperm();
    p["architectures"] = json!(["SCMP_ARCH_X32"]);
    let prog = build(p, AuditArch::X86_64);
    assert_eq!(eval(&prog, AuditArch::X86_64, "mkdir", [0; 6]), errno(1));
    assert_eq!(eval(&prog, AuditArch::X32, "mkdir", [0; 6]), errno(1));
    assert_eq!(eval(&prog, AuditArch::X86, "mkdir", [0; 6]), KILL_PROCESS);
}

#[test]
fn an_x32_native_filter_refuses_x86_64_calls() {
    let prog = build(mkdir_eperm(), AuditArch::X32);
    assert_eq!(eval(&prog, AuditArch::X32, "mkdir", [0; 6]), errno(1));
    assert_eq!(
        eval(&prog, AuditArch::X86_64, "getpid", [0; 6]),
        KILL_PROCESS
    );
}

#[test]
fn compat_abis_of_other_hosts() {
    let cases = [
        (AuditArch::Aarch64, "SCMP_ARCH_ARM", AuditArch::Arm),
        (AuditArch::Ppc64, "SCMP_ARCH_PPC", AuditArch::Ppc),
        (
            AuditArch::Mipsel64,
            "SCMP_ARCH_MIPSEL64N32",
            AuditArch::Mipsel64n32,
        ),
        (AuditArch::Mips64, "SCMP_ARCH_MIPS", AuditArch::Mips),
        (AuditArch::S390x, "SCMP_ARCH_S390", AuditArch::S390),
    ];
    for (native, name, compat) in cases {
        let mut p = mkdir_eperm();
        p["architectures"] = json!([name, "SCMP_ARCH_PARISC"]);
        let prog = build(p, native);
        assert_eq!(eval(&prog, compat, "mkdir", [0; 6]), errno(1), "{compat:?}");
        assert_eq!(eval(&prog, compat, "getpid", [0; 6]), ALLOW, "{compat:?}");
        assert_eq!(
            eval(&prog, native, "mkdirat", [0; 6]),
            errno(1),
            "{native:?}"
        );
    }
}

/// What a comparison means: unsigned, on the bits the ABI passes.
fn expected(op: &str, arg: u64, v: u64, v2: u64) -> bool {
    match op {
        "SCMP_CMP_NE" => arg != v,
        "SCMP_CMP_LT" => arg < v,
        "SCMP_CMP_LE" => arg <= v,
        "SCMP_CMP_EQ" => arg == v,
        "SCMP_CMP_GE" => arg >= v,
        "SCMP_CMP_GT" => arg > v,
        "SCMP_CMP_MASKED_EQ" => arg & v == v2,
        _ => unreachable!("{op}"),
    }
}

#[test]
fn argument_comparisons_are_unsigned_64_bit_in_either_byte_order() {
    // Values whose high and low words differ, and the edges between them.
    let values: [u64; 11] = [
        0,
        1,
        0x7fff_ffff,
        0xffff_ffff,
        0x1_0000_0000,
        0x1_0000_0001,
        0x2_0000_0000,
        0x1234_5678_9abc_def0,
        0x8000_0000_0000_0000,
        0xffff_ffff_0000_0000,
        u64::MAX,
    ];
    let arches = [
        AuditArch::X86_64,
        AuditArch::Ppc64,
        AuditArch::S390x,
        AuditArch::Arm,
        AuditArch::Ppc,
    ];
    for arch in arches {
        let low = |v: u64| {
            if arch.has_wide_args() {
                v
            } else {
                v & 0xffff_ffff
            }
        };
        for op in OPERATOR_NAMES {
            for v in values {
                let v2 = v & 0xf0f0_f0f0_f0f0_f0f0;
                let prog = build(
                    json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                        {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7,
                         "args": [{"index": 2, "value": v, "valueTwo": v2, "op": op}]}]}),
                    arch,
                );
                for arg in values {
                    // Noise in the other arguments must not matter.
                    let args = [u64::MAX, 0x5555, arg, 0, 0xaaaa_0000_0000, 9];
                    let want = if expected(op, low(arg), low(v), low(v2)) {
                        errno(7)
                    } else {
                        ALLOW
                    };
                    let got = eval(&prog, arch, "personality", args);
                    assert_eq!(got, want, "{arch:?} arg {arg:#x} {op} {v:#x} (two {v2:#x})");
                }
            }
        }
    }
}

#[test]
fn conditions_in_a_rule_are_anded_and_repeated_arguments_ored() {
    let and = build(
        json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [
                {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}]}),
        AuditArch::Aarch64,
    );
    assert_eq!(
        eval(&and, AuditArch::Aarch64, "kill", [1, 9, 0, 0, 0, 0]),
        errno(1)
    );
    assert_eq!(
        eval(&and, AuditArch::Aarch64, "kill", [1, 15, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        eval(&and, AuditArch::Aarch64, "kill", [2, 9, 0, 0, 0, 0]),
        ALLOW
    );
    // Docker's profile writes personality's allowed values this way.
    let or = build(
        json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
                {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"},
                {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}),
        AuditArch::Aarch64,
    );
    for (arg, want) in [(0, ALLOW), (8, ALLOW), (9, errno(1))] {
        let got = eval(&or, AuditArch::Aarch64, "personality", [arg, 0, 0, 0, 0, 0]);
        assert_eq!(got, want, "personality({arg})");
    }
}

#[test]
fn actions_and_errno_values() {
    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["write"], "action": "SCMP_ACT_LOG"},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            {"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"},
            {"names": ["getpid"], "action": "SCMP_ACT_KILL"},
            {"names": ["gettid"], "action": "SCMP_ACT_KILL_THREAD"},
            {"names": ["uname"], "action": "SCMP_ACT_TRAP"},
            {"names": ["sync"], "action": "SCMP_ACT_TRACE", "errnoRet": 77},
            {"names": ["chdir"], "action": "SCMP_ACT_TRACE"},
            {"names": ["open"], "action": "SCMP_ACT_NOTIFY"}],
            "listenerPath": "/run/agent.sock"}),
        AuditArch::X86_64,
    );
    let cases = [
        ("read", ALLOW),
        ("write", LOG),
        ("mkdir", errno(1)),
        ("rmdir", errno(13)),
        ("getppid", KILL_PROCESS),
        ("getpid", KILL_THREAD),
        ("gettid", KILL_THREAD),
        ("uname", 0x0003_0000),
        ("sync", 0x7ff0_0000 | 77),
        ("chdir", 0x7ff0_0000 | 1),
        ("open", NOTIFY),
        ("close", errno(38)),
    ];
    for (name, want) in cases {
        assert_eq!(eval(&prog, AuditArch::X86_64, name, [0; 6]), want, "{name}");
    }
}

#[test]
fn an_unconditional_rule_wins_and_rules_like_the_default_are_dropped() {
    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["kill"], "action": "SCMP_ACT_LOG",
             "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
            {"names": ["kill", "mkdir"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["kill"], "action": "SCMP_ACT_ERRNO"},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 2,
             "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_NE"}]}]}),
        AuditArch::X86_64,
    );
    assert_eq!(
        eval(&prog, AuditArch::X86_64, "kill", [1, 9, 0, 0, 0, 0]),
        errno(1)
    );
    assert_eq!(
        eval(&prog, AuditArch::X86_64, "mkdir", [0, 1, 0, 0, 0, 0]),
        errno(2)
    );
    assert_eq!(eval(&prog, AuditArch::X86_64, "mkdir", [0; 6]), ALLOW);
}

#[test]
fn names_an_abi_lacks_are_skipped() {
    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["no_such_call", "mkdir", "open", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}),
        AuditArch::Aarch64,
    );
    assert_eq!(eval(&prog, AuditArch::Aarch64, "mkdirat", [0; 6]), errno(1));
    assert_eq!(eval(&prog, AuditArch::Aarch64, "openat", [0; 6]), ALLOW);
}

/// Every call of the ABI gets a conditional rule of its own: a program of
/// thousands of instructions whose branches reach far past 255.
#[test]
fn long_programs_reach_every_rule() {
    for arch in [AuditArch::X86_64, AuditArch::Ppc64, AuditArch::Arm] {
        let names: Vec<&str> = arch.table().iter().map(|(n, _)| *n).collect();
        let rules: Vec<Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({"names": [n], "action": "SCMP_ACT_ERRNO", "errnoRet": i % 4000 + 1,
                       "args": [{"index": 1, "value": i, "op": "SCMP_CMP_EQ"}]})
            })
            .collect();
        let prog = build(
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules}),
            arch,
        );
        assert!(prog.len() > 1000, "{arch:?}: {} instructions", prog.len());
        assert!(
            prog.iter().any(|f| f.code == 0x05),
            "no long jump was needed"
        );
        for (i, n) in names.iter().enumerate() {
            let hit = [0, i as u64, 0, 0, 0, 0];
            let miss = [0, i as u64 + 1, 0, 0, 0, 0];
            assert_eq!(eval(&prog, arch, n, hit), errno(i as u32 % 4000 + 1), "{n}");
            assert_eq!(eval(&prog, arch, n, miss), ALLOW, "{n}");
        }
    }
}

#[test]
fn every_number_of_an_allowlist_is_found() {
    let names: Vec<&str> = AuditArch::X86
        .table()
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| *n != "kill")
        .collect();
    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": names, "action": "SCMP_ACT_ALLOW"}]}),
        AuditArch::X86,
    );
    for n in &names {
        assert_eq!(eval(&prog, AuditArch::X86, n, [0; 6]), ALLOW, "{n}");
    }
    assert_eq!(eval(&prog, AuditArch::X86, "kill", [0; 6]), errno(1));
    for nr in [0x7fff_ffff, 0xffff_ffff, 100_000] {
        assert_eq!(eval_nr(&prog, AuditArch::X86, nr, [0; 6]), errno(1), "{nr}");
    }
}

#[test]
fn a_filter_too_long_for_the_kernel_is_an_error() {
    let rules: Vec<Value> = AuditArch::X86_64
        .table()
        .iter()
        .map(|(n, _)| {
            let args: Vec<Value> = (0..6)
                .map(|i| json!({"index": i, "value": 1u64 << 40, "op": "SCMP_CMP_GT"}))
                .collect();
            json!({"names": [n], "action": "SCMP_ACT_LOG", "args": args})
        })
        .collect();
    let s = profile(json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules}));
    let e = compile(&s, AuditArch::X86_64).expect_err("too long");
    assert!(matches!(e, SeccompError::TooLarge { .. }), "{e}");
}

#[test]
fn invalid_profiles_name_the_json_path() {
    let base = || mkdir_eperm();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"defaultAction": "SCMP_ACT_NOPE"}),
            "linux.seccomp.defaultAction",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_NOTIFY"}),
            "linux.seccomp.defaultAction",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 3}),
            "linux.seccomp.defaultErrnoRet",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 5000}),
            "linux.seccomp.defaultErrnoRet",
        ),
        (
            {
                let mut p = base();
                p["architectures"] = json!(["SCMP_ARCH_X86", "SCMP_ARCH_Z80"]);
                p
            },
            "linux.seccomp.architectures[1]",
        ),
        (
            {
                let mut p = base();
                p["flags"] = json!(["SECCOMP_FILTER_FLAG_NEW_LISTENER"]);
                p
            },
            "linux.seccomp.flags[0]",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_LOG"},
                {"names": [], "action": "SCMP_ACT_LOG"}]}),
            "linux.seccomp.syscalls[1].names",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_LOG", "errnoRet": 1}]}),
            "linux.seccomp.syscalls[0].errnoRet",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_LOG", "args": [
                    {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
                    {"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}),
            "linux.seccomp.syscalls[0].args[1].index",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["a"], "action": "SCMP_ACT_LOG", "args": [
                    {"index": 0, "value": 1, "op": "SCMP_CMP_LIKE"}]}]}),
            "linux.seccomp.syscalls[0].args[0].op",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                {"names": ["open"], "action": "SCMP_ACT_NOTIFY"}]}),
            "linux.seccomp.listenerPath",
        ),
        (
            json!({"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x", "syscalls": [
                {"names": ["open", "sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}),
            "linux.seccomp.syscalls[0].names[1]",
        ),
    ];
    for (p, path) in cases {
        match validate(&profile(p.clone())) {
            Err(SeccompError::Invalid { path: got, msg }) => {
                assert_eq!(got, path, "{p}: {msg}")
            }
            other => panic!("{p}: expected an error at {path}, got {other:?}"),
        }
    }
}

/// The ABIs whose C libraries may make socket calls through socketcall.
const SOCKETCALL_ABIS: [AuditArch; 8] = [
    AuditArch::X86,
    AuditArch::Ppc,
    AuditArch::Ppc64,
    AuditArch::Ppc64le,
    AuditArch::Mips,
    AuditArch::Mipsel,
    AuditArch::S390,
    AuditArch::S390x,
];

#[test]
fn socket_rules_also_cover_socketcall_with_their_sub_call() {
    const SYS_SOCKET: u64 = 1;
    const SYS_BIND: u64 = 2;
    const SYS_SEND: u64 = 9;
    let v = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["socket", "send"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97}]});
    for native in SOCKETCALL_ABIS {
        let prog = build(v.clone(), native);
        let socketcall = |call: u64| eval(&prog, native, "socketcall", [call, 0x1000, 0, 0, 0, 0]);
        assert_eq!(
            eval(&prog, native, "socket", [2; 6]),
            errno(97),
            "{native:?}"
        );
        assert_eq!(socketcall(SYS_SOCKET), errno(97), "{native:?}");
        // send exists only multiplexed on these ABIs.
        assert_eq!(socketcall(SYS_SEND), errno(97), "{native:?}");
        assert_eq!(socketcall(SYS_BIND), ALLOW, "{native:?}");
        assert_eq!(eval(&prog, native, "bind", [0; 6]), ALLOW, "{native:?}");
        // The kernel reads an int: bits above it do not hide the call.
        assert_eq!(
            socketcall(SYS_SOCKET | 0xdead << 32),
            errno(97),
            "{native:?}"
        );
    }
    // ABIs without socketcall have just the direct rule.
    for native in [AuditArch::X86_64, AuditArch::Aarch64, AuditArch::Arm] {
        let prog = build(v.clone(), native);
        assert_eq!(
            eval(&prog, native, "socket", [0; 6]),
            errno(97),
            "{native:?}"
        );
        assert_eq!(native.syscall("socketcall"), None, "{native:?}");
    }
    // A listed compat ABI gets its socketcall rule in its own block.
    let mut listed = v.clone();
    listed["architectures"] = json!(["SCMP_ARCH_X86"]);
    let prog = build(listed, AuditArch::X86_64);
    let call = AuditArch::X86
        .syscall("socketcall")
        .expect("i386 socketcall");
    assert_eq!(
        eval_nr(&prog, AuditArch::X86, call, [SYS_SOCKET, 0, 0, 0, 0, 0]),
        errno(97)
    );
    assert_eq!(
        eval_nr(&prog, AuditArch::X86, call, [SYS_BIND, 0, 0, 0, 0, 0]),
        ALLOW
    );
}

/// As in libseccomp: argument 0 of the multiplexer is the sub-call, so a
/// comparison of the call's own argument 0 gives way to it; an allowlist
/// allows the multiplexed call whatever its (unreachable) arguments.
#[test]
fn multiplexed_rules_compare_the_sub_call_instead_of_argument_0() {
    const AF_UNIX: u64 = 1;
    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": AF_UNIX, "op": "SCMP_CMP_EQ"}]},
            {"names": ["socketcall", "getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}),
        AuditArch::X86,
    );
    let x86 = AuditArch::X86;
    assert_eq!(eval(&prog, x86, "socket", [AF_UNIX, 1, 0, 0, 0, 0]), ALLOW);
    assert_eq!(eval(&prog, x86, "socket", [2, 1, 0, 0, 0, 0]), errno(1));
    // The unconditional socketcall rule wins over the multiplexed one.
    assert_eq!(
        eval(&prog, x86, "socketcall", [1, 0, 0, 0, 0, 0]),
        errno(38)
    );

    let prog = build(
        json!({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": AF_UNIX, "op": "SCMP_CMP_EQ"}]}]}),
        AuditArch::X86,
    );
    assert_eq!(
        eval(&prog, x86, "socketcall", [1, 0x1000, 0, 0, 0, 0]),
        ALLOW
    );
    assert_eq!(
        eval(&prog, x86, "socketcall", [3, 0x1000, 0, 0, 0, 0]),
        errno(1)
    );
}

#[test]
fn ipc_rules_also_cover_ipc_whatever_the_version() {
    const SHMAT: u64 = 21;
    const SHMGET: u64 = 23;
    let v = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": ["shmget"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]});
    for native in SOCKETCALL_ABIS {
        let prog = build(v.clone(), native);
        let ipc = |call: u64| eval(&prog, native, "ipc", [call, 0, 0, 0, 0, 0]);
        assert_eq!(ipc(SHMGET), errno(13), "{native:?}");
        // ipc(2) reads the version above the low 16 bits.
        assert_eq!(ipc(SHMGET | 1 << 16), errno(13), "{native:?}");
        assert_eq!(ipc(SHMAT), ALLOW, "{native:?}");
    }
}
