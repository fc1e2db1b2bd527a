//! `cti decode` follows a live stream: each message is printed as soon as its last byte arrives (before the
//! input ends), a long stream goes through whole, and the errors name the offset once and a floating field by
//! its tag.

#![allow(clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{ChildStdin, Stdio};
use std::sync::mpsc::Receiver;

use common::sim::{Guard, LINE_DEADLINE, cti as cti_command, lines};
use common::{cti, hex, text};

const HEARTBEAT_9: &str = "00000004 00000005 00000009";
const HEARTBEAT_9_JSON: &str = "{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":9}";
const HEARTBEAT_10_JSON: &str = "{\"type\":\"HEARTBEAT_REQ\",\"invoke_id\":10}";

/// `cti decode ARGS` reading from our pipe: its stdin, and its stdout line by line.
fn live_decode(args: &[&str]) -> (Guard, ChildStdin, Receiver<String>) {
    let mut child = cti_command()
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cti decode");
    let stdin = child.stdin.take().expect("stdin");
    let out = lines(child.stdout.take().expect("stdout"));
    (Guard(child), stdin, out)
}

fn send(stdin: &mut ChildStdin, bytes: &[u8]) {
    stdin.write_all(bytes).expect("write to cti decode");
    stdin.flush().expect("flush");
}

/// The next line, which must come while the input is still open.
fn next_line(out: &Receiver<String>) -> String {
    out.recv_timeout(LINE_DEADLINE)
        .expect("a line before the input ends")
}

#[test]
fn each_message_is_printed_before_the_input_ends() {
    let (mut child, mut stdin, out) = live_decode(&[]);
    send(&mut stdin, &hex(HEARTBEAT_9));
    assert_eq!(next_line(&out), HEARTBEAT_9_JSON);
    // The next message in two writes: nothing can be printed before its last byte, then it is.
    let ten = hex("00000004 00000005 0000000a");
    let (head, tail) = ten.split_at(7);
    send(&mut stdin, head);
    send(&mut stdin, tail);
    assert_eq!(next_line(&out), HEARTBEAT_10_JSON);
    drop(stdin);
    assert_eq!(child.0.wait().ok().and_then(|s| s.code()), Some(0));
    assert_eq!(out.iter().count(), 0, "nothing else printed");
}

#[test]
fn hex_is_decoded_live_too_with_digits_split_across_writes() {
    let (mut child, mut stdin, out) = live_decode(&["--hex"]);
    send(&mut stdin, b"0000 0004\n0000000");
    send(&mut stdin, b"5 00000009");
    assert_eq!(next_line(&out), HEARTBEAT_9_JSON);
    // An odd number of digits in one write, the last digit of the message in the next.
    send(&mut stdin, b"\n00000004000000050000000");
    send(&mut stdin, b"a\n");
    assert_eq!(next_line(&out), HEARTBEAT_10_JSON);
    drop(stdin);
    assert_eq!(child.0.wait().ok().and_then(|s| s.code()), Some(0));
}

/// BEGIN_CALL_EVENT v24 (monitor 3, peripheral 5000, call 7): a 26-byte fixed part, then `float` at body offset
/// 26 (message offset 34).
fn begin_call(float: &str) -> Vec<u8> {
    let body = hex(&format!(
        "00000003 00001388 0000 0000 0000 0000 0000 0000 00000007 0000 {float}"
    ));
    let mut frame = u32::try_from(body.len())
        .expect("short body")
        .to_be_bytes()
        .to_vec();
    frame.extend_from_slice(&hex("00000017"));
    frame.extend(body);
    frame
}

#[test]
fn a_long_stream_goes_through_whole() {
    // ANI "5551234": the frame decodes to one JSON line.
    let frame = begin_call("0008 0008 3535353132333400");
    let (code, one, err) = text(&cti(&["decode"], &frame));
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let one = one.trim_end().to_owned();
    assert!(one.contains("\"ani\":\"5551234\""), "{one}");

    // 50 MB of them, written through a pipe while the output is read.
    let count = 50 * 1024 * 1024 / frame.len();
    let mut child = cti_command()
        .arg("decode")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cti decode");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = Guard(child);
    let writer = std::thread::spawn(move || {
        let block: Vec<u8> = frame.repeat(1000);
        let mut left = count;
        while left > 0 {
            let n = left.min(1000);
            let end = n * frame.len();
            stdin
                .write_all(block.get(..end).expect("within the block"))
                .expect("write the stream");
            left -= n;
        }
    });
    let mut seen = 0_usize;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("read the output");
        assert_eq!(line, one, "line {}", seen + 1);
        seen += 1;
    }
    writer.join().expect("the writer");
    assert_eq!(child.0.wait().ok().and_then(|s| s.code()), Some(0));
    assert_eq!(seen, count);
}

/// `cti decode` of a heartbeat then `frame`: the heartbeat is printed, then exactly `error` on stderr, exit 2.
fn fails_with(frame: &[u8], error: &str) {
    let mut input = hex(HEARTBEAT_9);
    input.extend_from_slice(frame);
    let (code, out, err) = text(&cti(&["decode"], &input));
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (Some(2), format!("{HEARTBEAT_9_JSON}\n").as_str(), error)
    );
}

#[test]
fn a_floating_field_error_names_the_tag() {
    // ANI announces 16 bytes, 8 are left in the body.
    fails_with(
        &begin_call("0008 0010 3535353132333400"),
        "cti decode: error at stream offset 12: BEGIN_CALL_EVENT: ANI (tag 8) at offset 34: body ends early \
         (need 16 bytes, 8 left)\n",
    );
    // A named variable without the NUL after its name is not an error of the message (lenient to the field): it
    // is kept as an unknown field, with a warning that names the tag and the offset.
    let mut input = hex(HEARTBEAT_9);
    input.extend_from_slice(&begin_call("0052 0008 6162636465666768"));
    let (code, out, err) = text(&cti(&["decode"], &input));
    assert_eq!((code, err.as_str()), (Some(0), ""));
    let begin = out.lines().nth(1).expect("the BEGIN_CALL_EVENT");
    assert!(
        begin.contains(r#""unknown_fields":[{"tag":82,"data_hex":"6162636465666768"}]"#)
            && begin.contains(
                "BEGIN_CALL_EVENT: named_variables: NAMED_VARIABLE (tag 82) at offset 34: malformed named \
                 variable (no NUL after the name); kept as an unknown field"
            ),
        "{begin}"
    );
    // A tag no message has, cut short.
    fails_with(
        &begin_call("03e7 0010 00"),
        "cti decode: error at stream offset 12: BEGIN_CALL_EVENT: tag 999 at offset 34: body ends early \
         (need 16 bytes, 1 left)\n",
    );
}

#[test]
fn framing_errors_name_the_offset_once() {
    fails_with(
        &hex("ffffffff 00000005"),
        "cti decode: error at stream offset 12: the message announces 4294967295 body bytes, over the maximum \
         of 12492 (E_CTI_INVALID_MESSAGE_LENGTH)\n",
    );
    fails_with(
        &hex("00000004 00000005 000000"),
        "cti decode: error at stream offset 12: the stream ends inside the message (11 of 12 bytes present)\n",
    );
}
