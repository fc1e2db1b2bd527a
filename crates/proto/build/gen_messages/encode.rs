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
    if m.rest_u32.is_none() {
        let _ = writeln!(s, "        let mut walk = Walk::new(self.wire.as_deref());");
    }
    for f in &m.fixed {
        match f {
            FixedItem::Field {
                name,
                ty,
                since: None,
            } if ty.rust == "bool" && m.rest_u32.is_none() => {
                let _ = writeln!(
                    s,
                    "        walk.fixed_bool({name:?}, self.{name}).put(buf);"
                );
            }
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
                    "        floating::count::<{}>(walk.count({list:?}, self.{list}.len()), buf, MT, {list:?})?;",
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
        // The documented order (a message built in code, or read in that order) without the walk's bookkeeping.
        let _ = writeln!(s, "        if walk.order.is_empty() {{");
        floats_rest(s, m, tuples, true);
        let _ = writeln!(s, "        }} else {{");
        floats_in_order(s, m, tuples);
        floats_rest(s, m, tuples, false);
        let _ = writeln!(s, "        }}");
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

/// The walk over a decoded message's `order`: each position writes the next value of its field (or the next
/// unknown field), with the tag it had; a value that is gone is skipped.
fn floats_in_order(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
    let mut arms = String::new();
    for f in &m.floats {
        match f {
            FloatItem::Single {
                name,
                tag,
                kind,
                alt,
            } => {
                let pat = match alt {
                    Some(a) => format!("{} | {}", tag.value, a.value),
                    None => tag.value.to_string(),
                };
                let _ = writeln!(s, "        let mut done_{name} = false;");
                let _ = writeln!(
                    arms,
                    "                {pat} if !done_{name} && self.{name}.is_some() => {{\n                    done_{name} = true;\n                    if let Some(v) = &self.{name} {{\n                        w.field_at(tag, v, {}, {name:?}, suffix)?;\n                    }}\n                }}",
                    kind.max()
                );
            }
            FloatItem::List { name, tag, kind } => {
                let _ = writeln!(s, "        let mut next_{name} = 0usize;");
                let _ = writeln!(
                    arms,
                    "                {} if next_{name} < self.{name}.len() => {{\n                    if let Some(v) = self.{name}.get(next_{name}) {{\n                        w.field_at(tag, v, {}, {name:?}, suffix)?;\n                    }}\n                    next_{name} += 1;\n                }}",
                    tag.value,
                    kind.max()
                );
            }
            FloatItem::Tuples { name, tuple } => {
                let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                    continue;
                };
                // As the decoder: the first member begins the next element, the others fill the last one
                // (element 0 when none has begun), each at most once.
                let _ = writeln!(
                    s,
                    "        let mut elems_{name} = 0usize;\n        let mut open_{name} = 0u32;"
                );
                for (i, mem) in t.members.iter().enumerate() {
                    let label = format!("{name}.{}", mem.field);
                    if i == 0 {
                        let _ = writeln!(
                            arms,
                            "                {} if elems_{name} < self.{name}.len() => {{\n                    if let Some(t) = self.{name}.get(elems_{name}) {{\n                        w.field_at(tag, &t.{}, {}, {label:?}, suffix)?;\n                    }}\n                    elems_{name} += 1;\n                    open_{name} = 1;\n                }}",
                            mem.tag.value,
                            mem.field,
                            mem.kind.max(),
                        );
                        continue;
                    }
                    let bit = 1u32 << i;
                    let lone = match m.lone_member(tuples, mem.tag.value) {
                        Some((_, before)) => format!(" && before == {before}"),
                        None => String::new(),
                    };
                    let _ = writeln!(
                        arms,
                        "                {} if !self.{name}.is_empty() && open_{name} & {bit} == 0{lone} => {{\n                    elems_{name} = elems_{name}.max(1);\n                    if let Some(t) = self.{name}.get(elems_{name} - 1) {{\n                        w.field_at(tag, &t.{}, {}, {label:?}, suffix)?;\n                    }}\n                    open_{name} |= {bit};\n                }}",
                        mem.tag.value,
                        mem.field,
                        mem.kind.max(),
                    );
                }
            }
        }
    }
    let _ = writeln!(s, "        let mut next_unknown = 0usize;");
    let _ = writeln!(s, "        let order = walk.order;");
    let lone = super::decode::has_lone_member(m, tuples);
    if lone {
        let _ = writeln!(s, "        let mut prev = u32::MAX;");
    }
    let _ = writeln!(s, "        for (at, &tag) in order.iter().enumerate() {{");
    if lone {
        let _ = writeln!(
            s,
            "            let before = prev;\n            prev = u32::from(tag);"
        );
    }
    let _ = writeln!(s, "            if walk.is_unknown(at) {{");
    let _ = writeln!(
        s,
        "                if let Some(u) = self.unknown_fields.get(next_unknown) {{\n                    w.raw(u)?;\n                }}\n                next_unknown += 1;\n                continue;\n            }}"
    );
    let _ = writeln!(s, "            let suffix = walk.suffix(at);");
    let _ = writeln!(
        s,
        "            match tag {{\n{arms}                _ => {{}}\n            }}\n        }}"
    );
}

/// What the walk did not write (everything, for a message built in code), in the documented order: singles,
/// lists from their cursor, tuples the walk did not touch, unknown fields last.
fn floats_rest(s: &mut String, m: &MessageDef, tuples: &[TupleDef], all: bool) {
    for f in &m.floats {
        match f {
            FloatItem::Single {
                name,
                tag,
                kind,
                alt,
            } => {
                let filter = if all {
                    String::new()
                } else {
                    format!(".filter(|_| !done_{name})")
                };
                let _ = writeln!(
                    s,
                    "        if let Some(v) = self.{name}.as_ref(){filter} {{\n            w.field({}, v, {}, {name:?})?;\n        }}",
                    super::decode::write_tag(tag, alt),
                    kind.max()
                );
            }
            FloatItem::List { name, tag, kind } => {
                let from = if all {
                    String::new()
                } else {
                    format!(".get(next_{name}..).unwrap_or_default()")
                };
                let _ = writeln!(
                    s,
                    "        for v in self.{name}{from}.iter() {{\n            w.field({}, v, {}, {name:?})?;\n        }}",
                    tag.value,
                    kind.max()
                );
            }
            FloatItem::Tuples { name, tuple } => {
                let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                    continue;
                };
                let from = if all {
                    String::new()
                } else {
                    format!(".get(elems_{name}..).unwrap_or_default()")
                };
                let _ = writeln!(s, "        for t in self.{name}{from}.iter() {{");
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
    let from = if all {
        ""
    } else {
        ".get(next_unknown..).unwrap_or_default()"
    };
    let _ = writeln!(
        s,
        "        for u in self.unknown_fields{from}.iter() {{\n            w.raw(u)?;\n        }}"
    );
}
