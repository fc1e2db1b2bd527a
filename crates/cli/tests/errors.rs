//! Malformed input: what is printed before the error, the one stderr line, and exit status 2.

mod common;

use common::{cti, hex, text};

const HEARTBEAT_9: &str = "000000040000000500000009";
const HEARTBEAT_9_JSON: &str = "{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":9}\n";

fn one_line(err: &str) -> &str {
    assert_eq!(
        err.lines().count(),
        1,
        "exactly one line on stderr: {err:?}"
    );
    err.trim_end()
}

#[test]
fn oversize_message_length() {
    // 12493 body bytes: one over the maximum of 12500 - 8.
    let (code, out, err) = text(&cti(&["decode"], &hex("000030cd 00000005 00000009")));
    assert_eq!(code, Some(2));
    assert_eq!(out, "");
    let err = one_line(&err);
    assert!(
        err.starts_with("cti decode: error at stream offset 0: "),
        "{err}"
    );
    assert!(err.contains("maximum"), "{err}");
}

#[test]
fn oversize_after_a_valid_message_names_its_offset() {
    let input = format!("{HEARTBEAT_9} ffffffff 00000005");
    let (code, out, err) = text(&cti(&["decode", "--hex"], input.as_bytes()));
    assert_eq!(code, Some(2));
    assert_eq!(out, HEARTBEAT_9_JSON);
    let err = one_line(&err);
    assert!(
        err.contains("stream offset 12") && err.contains("maximum"),
        "{err}"
    );
}

#[test]
fn truncated_final_message() {
    let mut input = hex(HEARTBEAT_9);
    input.extend_from_slice(&hex("00000004 00000005 0000"));
    let (code, out, err) = text(&cti(&["decode"], &input));
    assert_eq!(code, Some(2));
    assert_eq!(out, HEARTBEAT_9_JSON);
    let err = one_line(&err);
    assert!(
        err.starts_with("cti decode: error at stream offset 12: "),
        "{err}"
    );
    assert!(err.contains("10 of 12 bytes"), "{err}");
}

#[test]
fn body_that_does_not_decode_names_the_field() {
    // BEGIN_CALL_EVENT (23) with a 22-byte body: the fixed part stops 2 bytes into ConnectionCallID.
    let input = format!("{HEARTBEAT_9} 00000016 00000017 {}", "00".repeat(22));
    let (code, out, err) = text(&cti(&["decode", "--hex"], input.as_bytes()));
    assert_eq!(code, Some(2));
    assert_eq!(out, HEARTBEAT_9_JSON);
    let err = one_line(&err);
    assert_eq!(
        err,
        "cti decode: error at stream offset 12: BEGIN_CALL_EVENT: connection_call_id at offset 28: \
         body ends early (need 4 bytes, 2 left)"
    );
}

#[test]
fn bad_hex() {
    let input = format!("{HEARTBEAT_9}\n0000 00zz");
    let (code, out, err) = text(&cti(&["decode", "--hex"], input.as_bytes()));
    assert_eq!(code, Some(2));
    assert_eq!(out, HEARTBEAT_9_JSON);
    let err = one_line(&err);
    assert!(
        err.contains("stream offset 12") && err.contains("hex") && err.contains("'z'"),
        "{err}"
    );

    let (code, out, err) = text(&cti(&["decode", "--hex"], b"0000000"));
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(one_line(&err).contains("odd number of hex digits"), "{err}");
}

#[test]
fn missing_file() {
    let (code, out, err) = text(&cti(&["decode", "/nonexistent/ctikit/capture.bin"], b""));
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(
        one_line(&err).starts_with("cti decode: reading /nonexistent/ctikit/capture.bin: "),
        "{err}"
    );
}

#[test]
fn encode_invalid_json_on_line_2() {
    let input = "{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":9}\n{\"type\":\"HEARTBEAT_REQ\",\n{\"type\":\"HEARTBEAT_REQ\"}\n";
    let out = cti(&["encode"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, hex(HEARTBEAT_9), "exactly line 1's bytes");
    let (_, _, err) = text(&out);
    assert!(one_line(&err).starts_with("cti encode: line 2: "), "{err}");
}

#[test]
fn encode_line_numbers_count_blank_lines() {
    let input =
        "\n{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":9}\n\n{\"type\":\"NO_SUCH_MESSAGE\"}\n";
    let out = cti(&["encode", "--hex"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, format!("{HEARTBEAT_9}\n").as_bytes());
    let (_, _, err) = text(&out);
    let err = one_line(&err);
    assert!(
        err.starts_with("cti encode: line 4: ") && err.contains("NO_SUCH_MESSAGE"),
        "{err}"
    );
}

#[test]
fn encode_value_too_long_names_the_field() {
    let input = "{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":1}\n\
                 {\"type\":\"AGENT_STATE_EVENT\",\"agent_id\":\"12345678901234567890\"}\n";
    let out = cti(&["encode"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        out.stdout,
        hex("00000004 00000005 00000001"),
        "nothing of the failing line"
    );
    let (_, _, err) = text(&out);
    let err = one_line(&err);
    assert!(
        err.starts_with("cti encode: line 2: AGENT_STATE_EVENT: agent_id"),
        "{err}"
    );
    assert!(err.contains("maximum of 12"), "{err}");
}

#[test]
fn encode_value_out_of_range() {
    let (code, out, err) = text(&cti(
        &["encode"],
        b"{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":-1}",
    ));
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(one_line(&err).starts_with("cti encode: line 1: "), "{err}");
}

#[test]
fn unsupported_versions_are_usage_errors() {
    for cmd in ["decode", "encode"] {
        for v in ["12", "26", "0", "x"] {
            let (code, out, err) = text(&cti(&[cmd, "--version", v], hex(HEARTBEAT_9).as_slice()));
            assert_eq!((code, out.as_str()), (Some(2), ""), "{cmd} --version {v}");
            assert!(err.contains("--version"), "{err}");
        }
        for v in ["13", "25"] {
            let (code, _, err) = text(&cti(&[cmd, "--version", v], b""));
            assert_eq!(code, Some(0), "{cmd} --version {v}: {err}");
        }
    }
}
