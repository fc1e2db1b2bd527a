//! `Message::fixed_len_of` and `Message::credential_tags`: what a reader of raw frames needs to find a
//! message's floating part and the credentials in it (ClientPassword, AgentPassword) without decoding it —
//! e.g. to blank them in a recorded capture, byte for byte.

use std::fmt::Write;

use crate::model::*;

pub(super) fn credentials(s: &mut String, ms: &Messages) {
    let _ = writeln!(s, "impl Message {{");
    let _ = writeln!(
        s,
        "    /// Length of the fixed part of a typed message of type `message_type` at protocol `version` (where\n    /// the floating part starts after MHDR); `None` for a type without a typed layout."
    );
    let _ = writeln!(
        s,
        "    pub fn fixed_len_of(message_type: MessageType, version: u32) -> Option<usize> {{\n        Some(match message_type.0 {{"
    );
    for m in &ms.messages {
        let _ = writeln!(
            s,
            "            {} => {}::fixed_len(version),",
            m.type_id, m.rust
        );
    }
    let _ = writeln!(s, "            _ => return None,\n        }})\n    }}\n");
    fixed_field_of(s, ms);
    let _ = writeln!(
        s,
        "    /// The floating tags that carry credentials (`secret` and `secret_string` fields) in a message of type\n    /// `message_type`."
    );
    let _ = writeln!(
        s,
        "    pub fn credential_tags(message_type: MessageType) -> &'static [u16] {{\n        match message_type.0 {{"
    );
    for m in &ms.messages {
        let mut tags: Vec<String> = Vec::new();
        for f in &m.floats {
            let secret =
                |k: &ValueKind| matches!(k, ValueKind::Secret(_) | ValueKind::SecretString(_));
            match f {
                FloatItem::Single { tag, kind, alt, .. } if secret(kind) => {
                    tags.push(tag.value.to_string());
                    tags.extend(alt.iter().map(|a| a.value.to_string()));
                }
                FloatItem::List { tag, kind, .. } if secret(kind) => {
                    tags.push(tag.value.to_string());
                }
                _ => {}
            }
        }
        if !tags.is_empty() {
            let _ = writeln!(
                s,
                "            {} => &[{}], // {}",
                m.type_id,
                tags.join(", "),
                m.cisco
            );
        }
    }
    let _ = writeln!(s, "            _ => &[],\n        }}\n    }}\n}}\n");
}

/// `Message::fixed_field_of`: where a fixed field is in the body, for the borrowed view (`MessageRef::fixed`).
fn fixed_field_of(s: &mut String, ms: &Messages) {
    let _ = writeln!(
        s,
        "    /// Where the fixed field `field` (snake_case) of a message of type `message_type` is in the body at\n    /// protocol `version`: its offset and width; `None` when that message has no such field at that version."
    );
    let _ = writeln!(
        s,
        "    pub fn fixed_field_of(message_type: MessageType, version: u32, field: &str) -> Option<(usize, usize)> {{\n        let _ = version;\n        let mut at = 0usize;\n        match message_type.0 {{"
    );
    for m in &ms.messages {
        if !m.fixed.iter().any(|f| matches!(f, FixedItem::Field { .. })) {
            continue;
        }
        let _ = writeln!(s, "            {} => {{", m.type_id);
        for f in &m.fixed {
            let (name, size, since) = match f {
                FixedItem::Field { name, ty, since } => (Some(name.as_str()), ty.size, *since),
                FixedItem::Count { width, .. } => (None, width.size(), None),
            };
            let body = match name {
                Some(n) => format!(
                    "if field == {n:?} {{\n                    return Some((at, {size}));\n                }}\n                at += {size};"
                ),
                None => format!("at += {size};"),
            };
            match since {
                Some(v) => {
                    let _ = writeln!(
                        s,
                        "                if version >= {v} {{\n                {body}\n                }}"
                    );
                }
                None => {
                    let _ = writeln!(s, "                {body}");
                }
            }
        }
        let _ = writeln!(s, "                None\n            }}");
    }
    let _ = writeln!(s, "            _ => None,\n        }}\n    }}\n");
}
