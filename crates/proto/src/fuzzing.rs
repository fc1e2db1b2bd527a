//! The checks the fuzz targets in `fuzz/` run, here so that `cargo test` replays the committed corpus
//! (`fuzz/corpus/<target>/`) through the very same code (`tests/fuzz_corpus.rs`). Not a public API.
//!
//! Each check returns `Err` with a description when an invariant breaks; the fuzz target panics on it.

use bytes::BytesMut;

use crate::{Frame, FrameDecoder, MAX_VERSION, MIN_VERSION, Message};

/// The protocol version byte `b` chooses: `13 + b % 13`, i.e. 13..=25.
pub fn version_of(b: u8) -> u32 {
    MIN_VERSION + u32::from(b) % (MAX_VERSION - MIN_VERSION + 1)
}

/// Target `frame_and_message`: framing + message decoding of arbitrary bytes at every protocol version.
///
/// Input layout: byte 0 chooses the protocol version ([`version_of`]); byte 1 chooses how the rest is split
/// into chunks before it reaches the [`FrameDecoder`] (0: all at once; n > 0: chunks of 1..=n bytes whose
/// sizes are taken from the stream bytes themselves); the rest is the byte stream.
///
/// Holds for every input: nothing panics; every message that decodes re-encodes at the same version into the
/// very bytes it was decoded from (its wire layout is kept), which decode to an equal message — unless the
/// encoder refuses it with an `EncodeError` (allowed: the reader is lenient, e.g. it accepts values longer
/// than their documented maximum, which the writer refuses), and then nothing was appended.
pub fn frame_and_message(data: &[u8]) -> Result<(), String> {
    let [version_byte, split, stream @ ..] = data else {
        return Ok(());
    };
    let version = version_of(*version_byte);
    let mut decoder = FrameDecoder::default();
    let mut buf = BytesMut::new();
    let mut pos = 0;
    while pos < stream.len() {
        let len = match (*split, stream.get(pos)) {
            (0, _) | (_, None) => stream.len(),
            (n, Some(b)) => 1 + usize::from(b ^ n) % usize::from(n),
        };
        let end = stream.len().min(pos + len);
        buf.extend_from_slice(stream.get(pos..end).unwrap_or_default());
        pos = end;
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(frame)) => written_back(&frame, version)?,
                Ok(None) => break,
                // The stream is out of step: a real client resets the connection.
                Err(_) => return Ok(()),
            }
        }
    }
    let _ = decoder.finish(&buf);
    Ok(())
}

/// A decoded frame's message is written back byte for byte and decodes to itself.
fn written_back(frame: &Frame, version: u32) -> Result<(), String> {
    let Ok(first) = Message::decode(frame, version) else {
        return Ok(());
    };
    // Everything a decoded message can be asked for must work.
    let name = first.name();
    let _ = format!("{first:?}");
    let mut out = BytesMut::new();
    if first.encode(version, &mut out).is_err() {
        if !out.is_empty() {
            return Err(format!("{name}: a failed encode appended bytes"));
        }
        return Ok(());
    }
    let again = match FrameDecoder::default().decode(&mut out) {
        Ok(Some(f)) if out.is_empty() => f,
        other => {
            return Err(format!(
                "{name} at v{version} re-encoded is not one frame: {other:?}"
            ));
        }
    };
    if again.message_type != frame.message_type || again.body != frame.body {
        return Err(format!(
            "{name} at v{version} is not written back byte for byte\n read  {:02x?}\n wrote {:02x?}",
            &frame.body[..],
            &again.body[..]
        ));
    }
    match Message::decode(&again, version) {
        Ok(second) if second == first => Ok(()),
        Ok(second) => Err(format!(
            "{name} at v{version} does not round-trip: {first:?} != {second:?}"
        )),
        Err(e) => Err(format!(
            "{name} at v{version} re-encoded does not decode: {e}"
        )),
    }
}

/// Target `json_encode`, after the caller parsed the input's JSON (cti-proto does not depend on serde_json):
/// a message read from JSON, encoded at `version`.
///
/// Holds: encoding either fails having appended nothing, or gives one frame that decodes; the decoded message
/// is written back as those very bytes and decodes to itself. The decoded message need not equal `message`:
/// JSON may carry fields that do not exist at `version` (dropped) and no wire layout (the writer's own order).
/// When `message` was itself decoded at `version` (its JSON is written from a decoded message), it is equal.
pub fn json_encode(message: &Message, version: u32) -> Result<(), String> {
    let mut out = BytesMut::new();
    if message.encode(version, &mut out).is_err() {
        if !out.is_empty() {
            return Err(format!(
                "{}: a failed encode appended bytes",
                message.name()
            ));
        }
        return Ok(());
    }
    let frame = match FrameDecoder::default().decode(&mut out) {
        Ok(Some(f)) if out.is_empty() => f,
        other => {
            return Err(format!(
                "{} at v{version} encoded is not one frame: {other:?}",
                message.name()
            ));
        }
    };
    match Message::decode(&frame, version) {
        Ok(_) => written_back(&frame, version),
        Err(e) => Err(format!(
            "{} at v{version} encoded does not decode: {e}",
            message.name()
        )),
    }
}
