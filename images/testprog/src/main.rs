//! `testprog [EXIT_CODE] [ARG...]`: the program that big-endian example
//! bundles run. It prints what it sees from inside the container, one
//! `key=value` per line on stdout:
//!
//! ```text
//! machine=ppc64        uname(2)'s machine field
//! endian=big           byte order of a u32 in memory, read at run time
//! bits=64              pointer width
//! args=7 x             the arguments after the program name
//! ```
//!
//! then writes `testprog: stderr ok` to stderr and exits with EXIT_CODE
//! (default 0). A first argument that is not a number in 0..=255 is
//! reported on stderr and gives exit code 2.

use std::ffi::CStr;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = match args.first() {
        None => 0,
        Some(a) => match a.parse::<u8>() {
            Ok(c) => c,
            Err(_) => {
                eprintln!("testprog: exit code '{a}' is not a number in 0..=255");
                return ExitCode::from(2);
            }
        },
    };

    let report = format!(
        "machine={}\nendian={}\nbits={}\nargs={}\n",
        machine(),
        endian(),
        usize::BITS,
        args.join(" ")
    );
    let mut out = std::io::stdout().lock();
    if out
        .write_all(report.as_bytes())
        .and_then(|()| out.flush())
        .is_err()
    {
        return ExitCode::from(3);
    }
    eprintln!("testprog: stderr ok");
    ExitCode::from(code)
}

/// uname(2)'s machine field, as the kernel (or QEMU user mode) reports it.
fn machine() -> String {
    // SAFETY: utsname is plain old data of char arrays; all zeroes is a
    // valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable utsname for the duration of the call.
    if unsafe { libc::uname(&mut u) } != 0 {
        return format!("unknown({})", std::io::Error::last_os_error());
    }
    let bytes: Vec<u8> = u.machine.iter().map(|&c| c as u8).collect();
    match CStr::from_bytes_until_nul(&bytes) {
        Ok(s) => s.to_string_lossy().into_owned(),
        Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// Byte order found by reading the first byte of a u32 in memory.
/// `black_box` keeps the compiler from folding it into a constant.
fn endian() -> &'static str {
    let word: u32 = std::hint::black_box(0x0102_0304);
    let first = std::hint::black_box(word.to_ne_bytes())[0];
    match first {
        0x01 => "big",
        0x04 => "little",
        _ => "mixed",
    }
}
