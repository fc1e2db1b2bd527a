//! The client's sans-IO session core fed arbitrary frames, bytes and timeouts by a small interpreter: the
//! program and the invariants are `cti_client::fuzzing::session_core` (which
//! `crates/client/tests/fuzz_corpus.rs` replays the corpus through).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = cti_client::fuzzing::session_core(data) {
        panic!("{e}");
    }
});
