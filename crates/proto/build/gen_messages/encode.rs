//! Each message's `encode_body` (strict writer: fixed part, floating fields in table order, unknown fields
//! after them) and `body_len_bound` (the capacity hint).

use std::fmt::Write;

use crate::model::*;

pub(super) fn encoder(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
    let _ = writeln!(
        s,
        "    /// Appends the body (the bytes after MHDR) at protocol `version`."
    );
    let _ = writeln!(
        s,
        "    pub fn encode_body(&self, version: u32, buf: &mut BytesMut) -> Result<(), EncodeError> {{"
    );
    let _ = writeln!(
        s,
        "        const MT: MessageType = MessageType({});",
        m.type_id
    );
    let _ = writeln!(s, "        let width = FloatWidth::for_version(version);");
    let _ = writeln!(s, "        buf.reserve(self.body_len_bound(version));");
    for f in &m.fixed {
        match f {
            FixedItem::Field {
                name, since: None, ..
            } => {
                let _ = writeln!(s, "        self.{name}.put(buf);");
            }
            FixedItem::Field {
                name,
                since: Some(v),
                ..
            } => {
                let _ = writeln!(
                    s,
                    "        // None (the older shape, K20) is written back only at the field's first version.\n        if version > {v} || (version == {v} && self.{name}.is_some()) {{\n            self.{name}.unwrap_or_default().put(buf);\n        }}"
                );
            }
            FixedItem::Count { list, width } => {
                let _ = writeln!(
                    s,
                    "        floating::count::<{}>(self.{list}.len(), buf, MT, {list:?})?;",
                    width.rust()
                );
            }
        }
    }
    if let Some(rest) = &m.rest_u32 {
        let _ = writeln!(
            s,
            "        for v in &self.{rest} {{\n            v.put(buf);\n        }}"
        );
    }
    if m.rest_u32.is_some() {
        let _ = writeln!(s, "        let _ = width;\n        Ok(())\n    }}\n");
    } else {
        let _ = writeln!(s, "        let mut w = Writer::new(buf, width, MT);");
        for f in &m.floats {
            match f {
                FloatItem::Single {
                    name,
                    tag,
                    kind,
                    alt,
                } => {
                    // Below v20 a tag over 255 cannot be written; its alias (K6: ActiveTerminal as 50) can.
                    let tag_expr = match alt {
                        Some(a) if tag.value > 255 && a.value <= 255 => {
                            format!(
                                "if width == FloatWidth::Narrow {{ {} }} else {{ {} }}",
                                a.value, tag.value
                            )
                        }
                        _ => tag.value.to_string(),
                    };
                    let _ = writeln!(
                        s,
                        "        if let Some(v) = &self.{name} {{\n            w.field({tag_expr}, v, {}, {name:?})?;\n        }}",
                        kind.max()
                    );
                }
                FloatItem::List { name, tag, kind } => {
                    let _ = writeln!(
                        s,
                        "        for v in &self.{name} {{\n            w.field({}, v, {}, {name:?})?;\n        }}",
                        tag.value,
                        kind.max()
                    );
                }
                FloatItem::Tuples { name, tuple } => {
                    let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                        continue;
                    };
                    let _ = writeln!(s, "        for t in &self.{name} {{");
                    for mem in &t.members {
                        let _ = writeln!(
                            s,
                            "            w.field({}, &t.{}, {}, {:?})?;",
                            mem.tag.value,
                            mem.field,
                            mem.kind.max(),
                            format!("{name}.{}", mem.field)
                        );
                    }
                    let _ = writeln!(s, "        }}");
                }
            }
        }
        if m.rest_u32.is_none() {
            let _ = writeln!(
                s,
                "        for u in &self.unknown_fields {{\n            w.raw(u)?;\n        }}"
            );
        }
        if m.lenient_tail {
            let _ = writeln!(
                s,
                "        if let Some(t) = &self.tail {{\n            buf.put_slice(t.as_bytes());\n        }}"
            );
        }
        let _ = writeln!(s, "        Ok(())\n    }}\n");
    }

    // An upper bound of the body length (capacity hint).
    let _ = writeln!(
        s,
        "    /// An upper bound of the encoded body length at `version` (a capacity hint)."
    );
    let _ = writeln!(
        s,
        "    pub fn body_len_bound(&self, version: u32) -> usize {{"
    );
    let _ = writeln!(
        s,
        "        let h = FloatWidth::for_version(version).header_len();"
    );
    let _ = writeln!(s, "        let _ = h;");
    let _ = writeln!(s, "        let mut n = Self::fixed_len(version);");
    if let Some(rest) = &m.rest_u32 {
        let _ = writeln!(s, "        n += 4 * self.{rest}.len();");
    }
    for f in &m.floats {
        match f {
            FloatItem::Single { name, .. } => {
                let _ = writeln!(
                    s,
                    "        if let Some(v) = &self.{name} {{\n            n += h + v.data_len();\n        }}"
                );
            }
            FloatItem::List { name, .. } => {
                let _ = writeln!(
                    s,
                    "        for v in &self.{name} {{\n            n += h + v.data_len();\n        }}"
                );
            }
            FloatItem::Tuples { name, tuple } => {
                let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                    continue;
                };
                let sum: Vec<String> = t
                    .members
                    .iter()
                    .map(|mem| format!("h + t.{}.data_len()", mem.field))
                    .collect();
                let _ = writeln!(
                    s,
                    "        for t in &self.{name} {{\n            n += {};\n        }}",
                    sum.join(" + ")
                );
            }
        }
    }
    if m.rest_u32.is_none() {
        let _ = writeln!(
            s,
            "        for u in &self.unknown_fields {{\n            n += h + u.data.len();\n        }}"
        );
    }
    if m.lenient_tail {
        let _ = writeln!(
            s,
            "        n += self.tail.as_ref().map_or(0, RawBytes::len);"
        );
    }
    let _ = writeln!(s, "        n\n    }}");
}
