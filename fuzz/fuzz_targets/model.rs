//! The call and agent model driven by a small interpreter over the input (events of a handful of calls,
//! sessions, peripheral outages, time): the program and the invariants are `cti_model::fuzzing::model`
//! (which `crates/model/tests/fuzz_corpus.rs` replays the corpus through).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = cti_model::fuzzing::model(data) {
        panic!("{e}");
    }
});
