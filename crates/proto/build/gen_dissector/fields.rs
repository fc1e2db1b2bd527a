//! The dissector's field registry: one Wireshark field per JSON key (`ged188.<snake_case name>`), with the
//! Wireshark type that fits every use of that name in the tables, and the value spec of each use.
//!
//! A few names carry different types in different messages (SkillGroupNumber is INT in some layouts and UINT in
//! others; `direction` is an RtpDirection or an AgentDirection; `supervisor_id` a UINT or a STRING). Wireshark
//! wants one type per field name, so such a name gets a type wide enough for all of them (INT64 for signed and
//! unsigned, UINT32 for two enumerations, whose Cisco name the runtime then writes itself, STRING otherwise).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::*;

/// The value spec of a fixed-part type, as the Lua runtime reads it: `u8`, `u16`, `u32`, `i32`, `bool`,
/// `time`, `E:<Enum>:<size>` or `M:<size>`.
pub fn fixed_spec(t: &FixedTy, c: &Constants) -> String {
    if t.wire == "TIME" {
        return "time".into();
    }
    match c.find(&t.rust) {
        Some(e) if e.is_mask => format!("M:{}", t.size),
        Some(e) => format!("E:{}:{}", e.name, t.size),
        None => t.rust.clone(),
    }
}

/// The value spec of a floating value: a fixed spec, or `string`, `unspec`, `secret`, `secret_string`,
/// `namedvar`, `namedarray`.
pub fn value_spec(k: &ValueKind, c: &Constants) -> String {
    match k {
        ValueKind::String(_) => "string".into(),
        ValueKind::Unspec(_) => "unspec".into(),
        ValueKind::Secret(_) => "secret".into(),
        ValueKind::SecretString(_) => "secret_string".into(),
        ValueKind::Fixed(t) => fixed_spec(t, c),
        ValueKind::NamedVar => "namedvar".into(),
        ValueKind::NamedArray => "namedarray".into(),
    }
}

/// The Wireshark-side kind of a value spec (what the field is registered as).
fn registered(spec: &str) -> String {
    match spec {
        "unspec" => "bytes".into(),
        "string" | "secret" | "secret_string" => "string".into(),
        "namedvar" | "namedarray" => "none".into(),
        other => other.into(),
    }
}

fn numeric(kind: &str) -> bool {
    matches!(kind, "u8" | "u16" | "u32" | "i32" | "time" | "bool")
        || kind.starts_with("E:")
        || kind.starts_with("M:")
}

/// One kind for a name used with several.
fn merge(kinds: &BTreeSet<String>) -> String {
    match kinds.len() {
        0 => "none".into(),
        1 => kinds.iter().next().cloned().unwrap_or_default(),
        _ if kinds.iter().all(|k| numeric(k)) => {
            if kinds.contains("i32") {
                "i64".into()
            } else {
                "u32".into()
            }
        }
        _ => "string".into(),
    }
}

/// Every field name with its registered kind, sorted by name.
pub fn registry(ms: &Messages, c: &Constants) -> BTreeMap<String, String> {
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut add = |name: String, kind: String| {
        uses.entry(name).or_default().insert(kind);
    };
    add("length".into(), "u32".into());
    add("type".into(), "E:MessageType:4".into());
    add("body_hex".into(), "bytes".into());
    add("tail_hex".into(), "bytes".into());
    add("unknown_fields".into(), "none".into());
    add("unknown_fields.tag".into(), "u16".into());
    add("unknown_fields.data_hex".into(), "bytes".into());
    for m in &ms.messages {
        for f in &m.fixed {
            match f {
                FixedItem::Field { name, ty, .. } => add(name.clone(), fixed_spec(ty, c)),
                FixedItem::Count { list, width } => {
                    add(format!("num_{list}"), width.rust().into());
                }
            }
        }
        if let Some(rest) = &m.rest_u32 {
            add(rest.clone(), "u32".into());
        }
        for f in &m.floats {
            match f {
                FloatItem::Single { name, kind, .. } | FloatItem::List { name, kind, .. } => {
                    let spec = value_spec(kind, c);
                    if matches!(kind, ValueKind::NamedVar | ValueKind::NamedArray) {
                        add(format!("{name}.name"), "string".into());
                        add(format!("{name}.value"), "string".into());
                        if matches!(kind, ValueKind::NamedArray) {
                            add(format!("{name}.index"), "u8".into());
                        }
                    }
                    add(name.clone(), registered(&spec));
                }
                FloatItem::Tuples { name, tuple } => {
                    add(name.clone(), "none".into());
                    if let Some(t) = ms.tuples.iter().find(|t| &t.name == tuple) {
                        for mem in &t.members {
                            add(mem.field.clone(), registered(&value_spec(&mem.kind, c)));
                        }
                    }
                }
            }
        }
    }
    uses.into_iter().map(|(n, k)| (n, merge(&k))).collect()
}
