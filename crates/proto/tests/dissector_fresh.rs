//! The committed dissector (`dissector/ged188.lua`) is the one the tables generate: a change to `defs/` or to
//! the generator without `cti dissector --out dissector/ged188.lua` fails here.

use std::path::Path;

#[test]
fn committed_dissector_is_the_generated_one() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dissector/ged188.lua");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == cti_proto::dissector::WIRESHARK_LUA,
        "{} is stale (or missing): regenerate it with `cargo run -p cti-cli -- dissector --out dissector/ged188.lua`",
        path.display()
    );
}
