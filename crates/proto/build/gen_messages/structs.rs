//! The tuple structs and the message structs: fields, docs (with the wire layout table) and `Default`.

use std::fmt::Write;

use crate::model::*;

use super::{docs, since_versions};

fn layout_doc(m: &MessageDef, tuples: &[TupleDef]) -> Vec<String> {
    let mut d = vec![
        String::new(),
        format!(
            "**Wire layout** of `{}` (message type {}):",
            m.cisco, m.type_id
        ),
        String::new(),
    ];
    d.push("| fixed part | type | |".into());
    d.push("|---|---|---|".into());
    for f in &m.fixed {
        match f {
            FixedItem::Field { name, ty, since } => {
                let note = since
                    .map(|v| format!("from version {v}"))
                    .unwrap_or_default();
                d.push(format!("| `{name}` | {} | {note} |", ty.wire));
            }
            FixedItem::Count { list, width } => {
                d.push(format!(
                    "| number of `{list}` | {} | written from the list |",
                    width.rust()
                ));
            }
        }
    }
    if let Some(r) = &m.rest_u32 {
        d.push(format!("| `{r}` | UINT × n | the rest of the body |"));
    }
    if !m.floats.is_empty() {
        d.push(String::new());
        d.push("| floating field | tag | type |".into());
        d.push("|---|---|---|".into());
        for f in &m.floats {
            match f {
                FloatItem::Single {
                    name,
                    tag,
                    kind,
                    alt,
                } => {
                    let alt = alt
                        .as_ref()
                        .map(|a| format!(" (also read: {} `{}`)", a.value, a.name))
                        .unwrap_or_default();
                    d.push(format!(
                        "| `{name}` | {} `{}`{alt} | {} |",
                        tag.value,
                        tag.name,
                        kind.describe()
                    ));
                }
                FloatItem::List { name, tag, kind } => {
                    d.push(format!(
                        "| `{name}` (repeated) | {} `{}` | {} |",
                        tag.value,
                        tag.name,
                        kind.describe()
                    ));
                }
                FloatItem::Tuples { name, tuple } => {
                    let members = tuples
                        .iter()
                        .find(|t| &t.name == tuple)
                        .map(|t| {
                            t.members
                                .iter()
                                .map(|m| m.tag.value.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    d.push(format!(
                        "| `{name}` (repeated [`{tuple}`]) | {members} | tuple |"
                    ));
                }
            }
        }
    }
    d
}

pub(super) fn tuple_struct(s: &mut String, t: &TupleDef) {
    docs(s, "", &t.docs);
    let _ = writeln!(
        s,
        "#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]"
    );
    let _ = writeln!(
        s,
        "#[serde(default, deny_unknown_fields)]\n#[non_exhaustive]"
    );
    let _ = writeln!(s, "pub struct {} {{", t.name);
    for m in &t.members {
        let _ = writeln!(
            s,
            "    #[doc = \"Tag {} `{}`, {}.\"]",
            m.tag.value,
            m.tag.name,
            m.kind.describe()
        );
        let _ = writeln!(s, "    pub {}: {},", m.field, m.kind.rust());
    }
    let _ = writeln!(s, "}}\n\nimpl {} {{", t.name);
    let args: Vec<String> = t
        .members
        .iter()
        .map(|m| format!("{}: {}", m.field, m.kind.rust()))
        .collect();
    let names: Vec<&str> = t.members.iter().map(|m| m.field.as_str()).collect();
    let _ = writeln!(s, "    /// A tuple from its members, in wire order.");
    let _ = writeln!(
        s,
        "    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n}}\n",
        args.join(", "),
        names.join(", ")
    );
}

pub(super) fn message_struct(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
    docs(s, "", &m.docs);
    docs(s, "", &layout_doc(m, tuples));
    // With version-gated fields, Default is written by hand: they default to Some (the documented shape);
    // None only comes from a peer that sent the older shape, and is written back that way (K20).
    let derive_default = if since_versions(m).is_empty() {
        "Default, "
    } else {
        ""
    };
    let _ = writeln!(
        s,
        "#[derive(Debug, Clone, {derive_default}PartialEq, Eq, Serialize, Deserialize)]"
    );
    let _ = writeln!(
        s,
        "#[serde(default, deny_unknown_fields)]\n#[non_exhaustive]"
    );
    let _ = writeln!(s, "pub struct {} {{", m.rust);
    for f in &m.fixed {
        if let FixedItem::Field { name, ty, since } = f {
            match since {
                Some(v) => {
                    let _ = writeln!(
                        s,
                        "    #[doc = \"Fixed part, {}; present from protocol version {v}. `Some` by default; `None` (JSON `null`) when the body has no such field: below version {v}, or a peer that sent the older shape at version {v} (K20), which is then written back in that shape. Absent from JSON input: the default.\"]",
                        ty.wire
                    );
                    let _ = writeln!(s, "    pub {name}: Option<{}>,", ty.rust);
                }
                None => {
                    let _ = writeln!(s, "    #[doc = \"Fixed part, {}.\"]", ty.wire);
                    let _ = writeln!(s, "    pub {name}: {},", ty.rust);
                }
            }
        }
    }
    if let Some(r) = &m.rest_u32 {
        let _ = writeln!(
            s,
            "    /// The UINTs that make up the rest of the body.\n    pub {r}: Vec<u32>,"
        );
    }
    for f in &m.floats {
        match f {
            FloatItem::Single {
                name,
                tag,
                kind,
                alt,
            } => {
                let alt = alt
                    .as_ref()
                    .map(|a| format!("; tag {} `{}` is read too", a.value, a.name))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "    #[doc = \"Floating, tag {} `{}`, {}{alt}.\"]",
                    tag.value,
                    tag.name,
                    kind.describe()
                );
                let _ = writeln!(s, "    #[serde(skip_serializing_if = \"Option::is_none\")]");
                let _ = writeln!(s, "    pub {name}: Option<{}>,", kind.rust());
            }
            FloatItem::List { name, tag, kind } => {
                let _ = writeln!(
                    s,
                    "    #[doc = \"Floating, tag {} `{}` repeated, {}.\"]",
                    tag.value,
                    tag.name,
                    kind.describe()
                );
                let _ = writeln!(s, "    pub {name}: Vec<{}>,", kind.rust());
            }
            FloatItem::Tuples { name, tuple } => {
                let _ = writeln!(s, "    #[doc = \"Floating tuples, see [`{tuple}`].\"]");
                let _ = writeln!(s, "    pub {name}: Vec<{tuple}>,");
            }
        }
    }
    if m.rest_u32.is_none() {
        let _ = writeln!(
            s,
            "    /// Floating fields this message does not define, kept and written back unchanged."
        );
        let _ = writeln!(
            s,
            "    #[serde(skip_serializing_if = \"Vec::is_empty\")]\n    pub unknown_fields: Vec<RawField>,"
        );
    }
    if m.rest_u32.is_none() {
        let _ = writeln!(
            s,
            "    /// How the bytes read differ from the documented layout (floating order, NULs, counts, fields kept as\n    /// unknown with a warning), so that they are written back unchanged; `None` for a message built in code.\n    /// See [`WireLayout`]."
        );
        let _ = writeln!(
            s,
            "    #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub wire: Option<Box<WireLayout>>,"
        );
    }
    if m.lenient_tail {
        let _ = writeln!(
            s,
            "    /// Bytes after the fixed part that are not floating fields (lenient reading), written back unchanged."
        );
        let _ = writeln!(
            s,
            "    #[serde(rename = \"tail_hex\", skip_serializing_if = \"Option::is_none\")]\n    pub tail: Option<RawBytes>,"
        );
    }
    let _ = writeln!(s, "}}\n");
}

/// `impl Default` for a message with version-gated fields: those are `Some(default)`.
pub(super) fn manual_default(s: &mut String, m: &MessageDef) {
    if since_versions(m).is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "impl Default for {} {{\n    fn default() -> Self {{\n        Self {{",
        m.rust
    );
    for f in &m.fixed {
        if let FixedItem::Field { name, since, .. } = f {
            let v = if since.is_some() {
                "Some(Default::default())"
            } else {
                "Default::default()"
            };
            let _ = writeln!(s, "            {name}: {v},");
        }
    }
    if let Some(r) = &m.rest_u32 {
        let _ = writeln!(s, "            {r}: Vec::new(),");
    }
    for f in &m.floats {
        let (FloatItem::Single { name, .. }
        | FloatItem::List { name, .. }
        | FloatItem::Tuples { name, .. }) = f;
        let _ = writeln!(s, "            {name}: Default::default(),");
    }
    if m.rest_u32.is_none() {
        let _ = writeln!(s, "            unknown_fields: Vec::new(),");
    }
    if m.lenient_tail {
        let _ = writeln!(s, "            tail: None,");
    }
    if m.rest_u32.is_none() {
        let _ = writeln!(s, "            wire: None,");
    }
    let _ = writeln!(s, "        }}\n    }}\n}}\n");
}
