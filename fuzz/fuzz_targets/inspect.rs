//! Fuzz `elf::inspect`: any input gives a result or an error, never a
//! panic, and a result can be described and mapped to an arch.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocix_arch_matrix::{compat, elf, Arch};

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = elf::inspect(data) {
        let _ = info.to_string();
        if let Some(arch) = info.implied_arch() {
            let _ = compat::check(&arch, &info);
            let _ = Arch::parse(&arch.to_string());
        }
    }
});
