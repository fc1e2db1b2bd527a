//! Arbitrary bytes read as a message's JSON and encoded. Byte 0 chooses the protocol version
//! (`cti_proto::fuzzing::version_of`), the rest is the JSON. Reading JSON never panics (an error is fine); a
//! message read is checked by `cti_proto::fuzzing::json_encode` (encodes to one frame, or fails appending
//! nothing; the frame decodes, and that message is written back byte for byte).

#![no_main]

use cti_proto::Message;
use cti_proto::fuzzing::{json_encode, version_of};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((v, json)) = data.split_first() else {
        return;
    };
    let Ok(message) = serde_json::from_slice::<Message>(json) else {
        return;
    };
    if let Err(e) = json_encode(&message, version_of(*v)) {
        panic!("{e}");
    }
});
