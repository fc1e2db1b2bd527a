//! Running the `cti` binary in tests.

#![allow(dead_code, reason = "each test crate uses part of these helpers")]
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers fail the test on a broken setup"
)]

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::thread;

/// Runs `cti` with `args`, feeding `stdin`, and collects its status and output.
pub fn cti(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cti"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cti");
    let mut pipe = child.stdin.take().expect("stdin");
    let input = stdin.to_vec();
    // Written from a thread so a large input cannot dead-lock against a full stdout pipe.
    let writer = thread::spawn(move || {
        // The child may exit without reading everything (usage errors): that is not the test's concern.
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait for cti");
    writer.join().expect("stdin writer");
    out
}

/// The exit code, standard output as text and standard error as text.
pub fn text(out: &Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Parses each non-blank line as JSON.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

/// Bytes from hex with whitespace.
pub fn hex(text: &str) -> Vec<u8> {
    cti_proto::raw::decode_hex(text).expect("test hex")
}

pub mod sim;
