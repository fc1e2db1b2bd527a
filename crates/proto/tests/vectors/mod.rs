//! Shared helpers of the hand-written test vectors (`tests/vectors_*.rs`).
//!
//! Every vector is written by hand from the wire facts (`ged188-facts.md` §1, §2, §2.1, §4): header, fixed part
//! and floating fields byte by byte, in the writer's documented field order (`defs/FORMAT.md`: floating fields
//! in the order of the definition file, unknown tags after them). The codec is then checked against them.

#![allow(
    dead_code,
    reason = "each test file uses a different subset of the helpers"
)]
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::unnecessary_wraps,
    reason = "test helpers: a failed check panics"
)]

use bytes::BytesMut;
use cti_proto::{CtiString, DecodeError, FrameDecoder, Message, WireLayout};

/// Parses the text of a hand-written vector: hex digits in whole bytes (tokens of an even number of digits,
/// separated by whitespace), `"ASCII"` literals (the bytes of the text, no NUL added) and `#` comments up to the
/// end of the line.
pub fn hex(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut high: Option<u8> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let separator = c == '#' || c == '"' || c.is_ascii_whitespace();
        if separator {
            assert!(
                high.is_none(),
                "odd number of hex digits before {c:?} in vector text"
            );
        }
        match c {
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    out.push(u8::try_from(c).expect("ASCII only in string literals"));
                }
            }
            c if c.is_ascii_whitespace() => {}
            c => {
                let d = c
                    .to_digit(16)
                    .unwrap_or_else(|| panic!("bad character {c:?} in vector text"));
                let d = u8::try_from(d).expect("a hex digit fits in a byte");
                match high.take() {
                    None => high = Some(d),
                    Some(h) => out.push((h << 4) | d),
                }
            }
        }
    }
    assert!(
        high.is_none(),
        "odd number of hex digits at the end of vector text"
    );
    out
}

/// Bytes as spaced hex, for readable assertion failures.
pub fn show(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `Some(CtiString)` from text.
pub fn s(text: &str) -> Option<CtiString> {
    Some(CtiString::from(text))
}

/// A `CtiString` from text (tuple members).
pub fn cs(text: &str) -> CtiString {
    CtiString::from(text)
}

/// Frames `bytes` (which must be exactly one whole message) and decodes it at `version`.
#[track_caller]
pub fn decode(bytes: &[u8], version: u32) -> Result<Message, DecodeError> {
    let announced = u32::from_be_bytes(bytes[..4].try_into().expect("4 bytes"));
    assert_eq!(
        usize::try_from(announced).expect("fits"),
        bytes.len() - 8,
        "MessageLength of the vector"
    );
    let mut buf = BytesMut::from(bytes);
    let mut frames = FrameDecoder::default();
    let frame = frames
        .decode(&mut buf)
        .expect("framing")
        .expect("one whole frame");
    assert!(buf.is_empty(), "{} bytes left after the frame", buf.len());
    assert_eq!(frame.total_len(), bytes.len());
    Message::decode(&frame, version)
}

/// The full check of one vector: (a) the frame decoder yields exactly one frame, (b) it decodes at `version` to
/// `expected`, (c) encoding `expected` at `version` gives exactly `bytes`.
#[track_caller]
pub fn assert_vector(bytes: &[u8], version: u32, expected: &Message) {
    let got = decode(bytes, version).unwrap_or_else(|e| panic!("decode at v{version}: {e}"));
    assert_eq!(&got, expected, "decoded value at v{version}");
    let written = expected
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("encode at v{version}: {e}"));
    assert_eq!(show(&written), show(bytes), "encoded bytes at v{version}");
}

/// A lenient-reader vector: `wire` (not in the writer's documented layout) decodes to `expected` plus a wire
/// layout, and the decoded message is written back as `wire`, byte for byte; `expected` (built in code, no
/// layout) is written as `rewritten`, which decodes to `expected` again. Returns the decoded message's layout.
#[track_caller]
pub fn assert_lenient(
    wire: &[u8],
    version: u32,
    expected: &Message,
    rewritten: &[u8],
) -> WireLayout {
    let mut got = decode(wire, version).unwrap_or_else(|e| panic!("decode at v{version}: {e}"));
    let back = got
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("re-encode of the decoded message at v{version}: {e}"));
    assert_eq!(
        show(&back),
        show(wire),
        "decoded message written back at v{version}"
    );
    let layout = got.take_wire().expect("a wire layout");
    assert_eq!(&got, expected, "decoded value at v{version}");
    let written = expected
        .to_bytes(version)
        .unwrap_or_else(|e| panic!("encode at v{version}: {e}"));
    assert_eq!(
        show(&written),
        show(rewritten),
        "re-encoded bytes at v{version}"
    );
    let again = decode(rewritten, version).unwrap_or_else(|e| panic!("decode of the rewrite: {e}"));
    assert_eq!(&again, expected, "decoded rewrite at v{version}");
    *layout
}

/// Frames `bytes` and returns the decode error at `version`.
#[track_caller]
pub fn decode_err(bytes: &[u8], version: u32) -> DecodeError {
    match decode(bytes, version) {
        Ok(m) => panic!("expected a decode error at v{version}, got {m:?}"),
        Err(e) => e,
    }
}
