//! The generated Wireshark dissector, checked with a real tshark: for every message type (every typed message,
//! random values from the generated builders, six seeds; the sample session of `samples/session.hex`; a
//! frame of every message type without a layout), written into a pcap whose TCP segments cut messages at
//! arbitrary points, the fields tshark shows equal the JSON form of `cti decode` for every field of every
//! message, at protocol versions 15 (1-byte floating tags) and 24 (2-byte).
//!
//! tshark is required: when it is missing the tests try `apt-get install -y tshark` (as root) and otherwise
//! fail with a message saying so; they never skip.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "test code"
)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use bytes::BytesMut;
use cti_proto::{FrameDecoder, Message, MessageType};
use serde_json::Value;

use support::generated::{MESSAGE_COUNT, random_message};
use support::pcap::pcap_of_stream;
use support::pdml::{Node, ged188_messages};
use support::random::Gen;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tshark_works() -> bool {
    Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Makes sure tshark is there (installing it when running as root), or fails the test saying why.
fn require_tshark() {
    if tshark_works() {
        return;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "tshark"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    }
    assert!(
        tshark_works(),
        "tshark is required by the dissector tests and is not installed (and could not be installed): \
         run `apt-get install -y tshark` (Debian package `tshark`)"
    );
}

/// Runs tshark with the committed dissector on `pcap`; returns the PDML document.
fn tshark_pdml(pcap: &[u8], name: &str, options: &[&str]) -> String {
    require_tshark();
    let dir = workspace_root().join("target/tmp");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("dissector-{name}-{}.pcap", std::process::id()));
    std::fs::write(&file, pcap).unwrap();
    let lua = workspace_root().join("dissector/ged188.lua");
    let mut cmd = Command::new("tshark");
    cmd.arg("-X")
        .arg(format!("lua_script:{}", lua.display()))
        .arg("-r")
        .arg(&file)
        .args(["-T", "pdml"]);
    for o in options {
        cmd.args(["-o", o]);
    }
    let out = cmd.output().expect("tshark runs");
    if std::env::var_os("DISSECTOR_KEEP_PCAP").is_none() {
        let _ = std::fs::remove_file(&file);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark failed: {stderr}");
    assert!(
        !stderr.contains("Lua: Error") && !stderr.contains("lua_script"),
        "the dissector did not load: {stderr}"
    );
    String::from_utf8(out.stdout).expect("PDML is UTF-8")
}

/// Seeds of the random messages: each typed message appears this many times with different values.
const SEEDS: u64 = 6;

/// The frames of the test: every typed message with random values (`SEEDS` of each), every message type without
/// a layout, and the sample session.
fn stream(version: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for seed in 0..SEEDS {
        for index in 0..MESSAGE_COUNT {
            let mut g = Gen::for_json(seed * 1000 + index as u64, version);
            let m = random_message(index, &mut g);
            if let Ok(b) = m.to_bytes(version) {
                out.extend_from_slice(&b);
            }
        }
    }
    for (_, t) in MessageType::ALL {
        if !Message::TYPED.contains(t) {
            let body = [0xCA, 0xFE, 0x00, 0x01, 0x02];
            out.extend_from_slice(&(body.len() as u32).to_be_bytes());
            out.extend_from_slice(&t.0.to_be_bytes());
            out.extend_from_slice(&body);
        }
    }
    if version >= 20 {
        let hex = std::fs::read_to_string(workspace_root().join("samples/session.hex")).unwrap();
        let text: String = hex.split_whitespace().collect();
        for i in (0..text.len()).step_by(2) {
            out.push(u8::from_str_radix(&text[i..i + 2], 16).unwrap());
        }
    }
    out
}

/// What `cti decode` prints for `stream`: one JSON value per message.
fn decoded(stream: &[u8], version: u32) -> Vec<Value> {
    let mut buf = BytesMut::from(stream);
    let mut d = FrameDecoder::default();
    let mut out = Vec::new();
    while let Some(frame) = d.decode(&mut buf).expect("valid stream") {
        let m = Message::decode(&frame, version).expect("decodes");
        out.push(serde_json::to_value(&m).unwrap());
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The key of a field under `parent`: its name without `ged188.` and without the parent's key.
fn key<'a>(n: &'a Node, parent: &str) -> &'a str {
    let k = n.name.strip_prefix("ged188.").unwrap_or(&n.name);
    k.strip_prefix(parent)
        .and_then(|r| r.strip_prefix('.'))
        .unwrap_or(k)
}

fn leaf_matches(json: &Value, n: &Node) -> bool {
    match json {
        Value::String(s) => {
            n.show == *s
                || n.value.as_deref().unwrap_or("") == s.as_str()
                || n.value.as_deref() == Some(&format!("{}00", hex(s.as_bytes())))
                || n.value.as_deref() == Some(&hex(s.as_bytes()))
                || n.showname.ends_with(&format!(": {s} ({})", n.show))
        }
        Value::Number(x) => {
            let shown = match n.show.strip_prefix("0x") {
                Some(h) => i128::from_str_radix(h, 16).ok(),
                None => n.show.parse::<i128>().ok(),
            };
            shown.is_some() && shown == x.as_i64().map(i128::from).or(x.as_u64().map(i128::from))
        }
        Value::Bool(b) => n.show == if *b { "1" } else { "0" },
        _ => false,
    }
}

/// Compares one JSON object with the children of `node`; `path` names the place for the error.
fn compare_object(json: &Value, node: &Node, parent: &str, path: &str, problems: &mut Vec<String>) {
    let Value::Object(map) = json else {
        problems.push(format!("{path}: expected an object, JSON has {json}"));
        return;
    };
    let top = parent.is_empty();
    let ignored = |k: &str| top && (k == "length" || k == "type" || k.starts_with("num_"));
    for (k, v) in map {
        if top && (k == "type" || k == "type_id") {
            continue;
        }
        let shown: Vec<&Node> = node
            .children
            .iter()
            .filter(|c| key(c, parent) == k)
            .collect();
        let at = format!("{path}.{k}");
        match v {
            Value::Array(items) => {
                if items.len() != shown.len() {
                    problems.push(format!(
                        "{at}: JSON has {} items, tshark {}",
                        items.len(),
                        shown.len()
                    ));
                    continue;
                }
                for (i, (item, n)) in items.iter().zip(&shown).enumerate() {
                    compare_value(item, n, k, &format!("{at}[{i}]"), problems);
                }
            }
            _ => match shown.as_slice() {
                // A version-gated fixed field the body does not have (JSON null): not shown either.
                [] if v.is_null() => {}
                [n] => compare_value(v, n, k, &at, problems),
                _ => problems.push(format!(
                    "{at}: JSON {v}, tshark shows it {} times",
                    shown.len()
                )),
            },
        }
    }
    for c in &node.children {
        let k = key(c, parent);
        if !ignored(k) && !map.contains_key(k) && !c.name.starts_with("_ws.") {
            problems.push(format!(
                "{path}.{k}: shown by tshark ({}), not in the JSON",
                c.showname
            ));
        }
    }
}

fn compare_value(json: &Value, n: &Node, k: &str, path: &str, problems: &mut Vec<String>) {
    if json.is_object() {
        compare_object(json, n, k, path, problems);
    } else if !leaf_matches(json, n) {
        problems.push(format!(
            "{path}: JSON {json}, tshark show={:?} value={:?} ({})",
            n.show, n.value, n.showname
        ));
    }
}

/// The number of leaf values of a JSON value (the fields compared).
fn leaves(v: &Value) -> usize {
    match v {
        Value::Object(m) => m.values().map(leaves).sum(),
        Value::Array(a) => a.iter().map(leaves).sum(),
        _ => 1,
    }
}

/// Compares every message; returns the number of fields compared.
fn compare_all(json: &[Value], shown: &[Node]) -> usize {
    assert_eq!(
        json.len(),
        shown.len(),
        "messages decoded vs messages tshark showed"
    );
    let mut problems = Vec::new();
    let mut fields = 0;
    for (i, (j, n)) in json.iter().zip(shown).enumerate() {
        let type_node = n.children.iter().find(|c| c.name == "ged188.type");
        let name = j["type"].as_str().unwrap_or_default();
        let type_ok = match (name, type_node) {
            ("UNKNOWN", Some(t)) => {
                j["type_id"].as_u64().map(|v| v.to_string()) == Some(t.show.clone())
            }
            (name, Some(t)) => t.showname == format!("type: {name} ({})", t.show),
            _ => false,
        };
        if !type_ok {
            problems.push(format!("message {i}: type {name} shown as {type_node:?}"));
        }
        fields += leaves(j);
        compare_object(j, n, "", &format!("message {i} ({name})"), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
    fields
}

fn check_version(version: u32, port: u16, options: &[&str]) {
    let stream = stream(version);
    let json = decoded(&stream, version);
    // Segments of 1 to 1500 bytes: message headers and floating fields cut in every place.
    let pcap = pcap_of_stream(&stream, port, &[1, 7, 300, 1460, 13, 999, 2, 1500, 64]);
    let pdml = tshark_pdml(&pcap, &format!("v{version}"), options);
    let shown = ged188_messages(&pdml);
    let fields = compare_all(&json, &shown);
    assert!(
        json.len() > SEEDS as usize * MESSAGE_COUNT && fields > 9000,
        "{} messages, {fields} fields",
        json.len()
    );
}

#[test]
fn tshark_shows_every_field_as_cti_decode_at_version_24() {
    check_version(24, 42027, &[]);
}

#[test]
fn tshark_shows_every_field_as_cti_decode_at_version_15() {
    check_version(15, 43027, &["ged188.version:15"]);
}

#[test]
fn an_extra_port_from_the_preference_is_dissected() {
    check_version(24, 50123, &["ged188.ports:50123"]);
}

#[test]
fn an_oversize_length_is_flagged_as_malformed() {
    let mut stream = vec![0, 0, 0x30, 0xD5, 0, 0, 0, 5]; // 12501 bytes of body: over the maximum
    stream.extend_from_slice(&[0; 64]);
    let pcap = pcap_of_stream(&stream, 42027, &[1500]);
    let pdml = tshark_pdml(&pcap, "oversize", &[]);
    assert!(
        pdml.contains("message length 12501 is over the maximum of 12492"),
        "no expert info in: {pdml}"
    );
    assert!(pdml.contains("_ws.malformed") || pdml.contains("ged188.malformed"));
}

#[test]
fn a_truncated_fixed_part_is_flagged_as_malformed() {
    // OPEN_CONF with a 6-byte body.
    let stream = [0, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0];
    let pcap = pcap_of_stream(&stream, 42027, &[1500]);
    let pdml = tshark_pdml(&pcap, "truncated", &[]);
    assert!(
        pdml.contains("fixed part ends early at services_granted: need 4 bytes, 2 left"),
        "no expert info in: {pdml}"
    );
}
