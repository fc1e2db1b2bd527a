//! Replays the committed fuzz corpus (`fuzz/corpus/session_core/`) through the fuzz target's own checks, so that a
//! regression is caught without a fuzzer.

#![allow(clippy::panic, clippy::expect_used, reason = "tests")]

use std::path::PathBuf;

#[test]
fn the_session_core_corpus_passes() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/session_core");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("a directory entry").path();
        let data = std::fs::read(&path).expect("a corpus file");
        if let Err(e) = cti_client::fuzzing::session_core(&data) {
            panic!("{}: {e}", path.display());
        }
        n += 1;
    }
    assert!(n >= 10, "{}: only {n} files", dir.display());
}
