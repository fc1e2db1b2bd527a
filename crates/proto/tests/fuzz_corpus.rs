//! Replays the committed fuzz corpora (`fuzz/corpus/frame_and_message/`, `fuzz/corpus/json_encode/`) through
//! the fuzz targets' own checks, so that a regression is caught without a fuzzer.

#![allow(clippy::panic, clippy::expect_used, reason = "tests")]

use std::path::PathBuf;

use cti_proto::Message;
use cti_proto::fuzzing::{frame_and_message, json_encode, version_of};

/// Every file of `fuzz/corpus/<target>/`, with its name; there must be some.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("a directory entry").path();
            let data = std::fs::read(&path).expect("a corpus file");
            (path.display().to_string(), data)
        })
        .collect();
    assert!(
        files.len() >= 10,
        "{}: only {} files",
        dir.display(),
        files.len()
    );
    files
}

#[test]
fn the_frame_and_message_corpus_passes() {
    for (name, data) in corpus("frame_and_message") {
        if let Err(e) = frame_and_message(&data) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn the_json_encode_corpus_passes() {
    let mut read = 0;
    for (name, data) in corpus("json_encode") {
        let Some((v, json)) = data.split_first() else {
            continue;
        };
        let Ok(message) = serde_json::from_slice::<Message>(json) else {
            continue;
        };
        read += 1;
        if let Err(e) = json_encode(&message, version_of(*v)) {
            panic!("{name}: {e}");
        }
    }
    assert!(read > 0, "no file of the corpus is a message's JSON");
}
