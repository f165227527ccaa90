//! Each side of the guest protocol reads bytes the other controls: the
//! decoder and the payload readers must bound and reject, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut d = ocix_vm::protocol::Decoder::new();
    // Feed in two halves to exercise frames split across reads.
    let (a, b) = data.split_at(data.len() / 2);
    for chunk in [a, b] {
        d.push(chunk);
        while let Ok(Some(frame)) = d.next_frame() {
            let _ = frame.exit_code();
            let _ = frame.digest();
            let _ = frame.clock();
        }
    }
});
