//! config.json loading and validation must reject bad input with an error,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(spec) = ocix_runtime::spec::parse(data, "config.json") {
        // "/" as the bundle: `root.path` values such as "tmp" exist there.
        let _ = ocix_runtime::spec::validate(&spec, Path::new("/"));
    }
});
