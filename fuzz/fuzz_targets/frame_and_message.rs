//! Framing + message decoding of arbitrary bytes at every protocol version; every message that decodes is
//! written back byte for byte and decodes to itself. The input layout and the invariants:
//! `cti_proto::fuzzing::frame_and_message` (which `crates/proto/tests/fuzz_corpus.rs` replays the corpus through).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = cti_proto::fuzzing::frame_and_message(data) {
        panic!("{e}");
    }
});
