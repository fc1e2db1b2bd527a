//! Framing + message decoding of arbitrary bytes at every protocol version, and the decode → encode → decode
//! round trip of every message that decodes.
//!
//! Input layout: byte 0 chooses the protocol version (13 + b % 13, i.e. 13..=25); byte 1 chooses how the rest is
//! split into chunks before it reaches the `FrameDecoder` (0: all at once; n > 0: chunks of 1..=n bytes whose
//! sizes are taken from the stream bytes themselves); the rest is the byte stream.
//!
//! Must hold for every input: nothing panics; every message that decodes re-encodes at the same version into the
//! very bytes it was decoded from (its wire layout: floating order, NULs, counts, the K20 shape read), which decode
//! to an equal message — unless the encoder refuses it with an `EncodeError` (allowed: the reader is lenient, e.g.
//! it accepts values longer than their documented maximum, which the writer refuses).

#![no_main]

use bytes::BytesMut;
use cti_proto::{Frame, FrameDecoder, MIN_VERSION, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [version_byte, split, stream @ ..] = data else {
        return;
    };
    let version = MIN_VERSION + u32::from(*version_byte) % 13;

    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::new();
    let mut pos = 0;
    while pos < stream.len() {
        let len = match *split {
            0 => stream.len(),
            n => 1 + usize::from(stream[pos] ^ n) % usize::from(n),
        };
        let end = stream.len().min(pos + len);
        buf.extend_from_slice(&stream[pos..end]);
        pos = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => check(&frame, version),
                Ok(None) => break,
                // The stream is out of step: a real client resets the connection.
                Err(_) => return,
            }
        }
    }
    let _ = decoder.finish(&buf);
});

fn check(frame: &Frame, version: u32) {
    let Ok(first) = Message::decode(frame, version) else {
        return;
    };
    // Everything a decoded message can be asked for must work.
    let _ = first.name();
    let _ = format!("{first:?}");

    let mut out = BytesMut::new();
    if first.encode(version, &mut out).is_err() {
        assert!(out.is_empty(), "a failed encode must not append anything");
        return;
    }
    let encoded = out.clone().freeze();
    let again = match FrameDecoder::default().decode(&mut out) {
        Ok(Some(f)) => f,
        other => panic!(
            "re-encoded {} at v{version} does not frame: {other:?}\n{encoded:02x?}",
            first.name()
        ),
    };
    assert!(
        out.is_empty(),
        "re-encoded {} is more than one frame",
        first.name()
    );
    assert_eq!(
        again.message_type, frame.message_type,
        "re-encoded message type differs"
    );
    // The decoded message keeps its wire layout: it is written back as the very bytes it came from.
    assert_eq!(
        &again.body[..],
        &frame.body[..],
        "{} at v{version} is not written back byte for byte",
        first.name()
    );
    match Message::decode(&again, version) {
        Ok(second) => assert_eq!(
            first,
            second,
            "{} at v{version} does not round-trip\n original body {:02x?}",
            first.name(),
            &frame.body[..]
        ),
        Err(e) => panic!(
            "re-encoded {} at v{version} does not decode: {e}\n original body {:02x?}",
            first.name(),
            &frame.body[..]
        ),
    }
}
