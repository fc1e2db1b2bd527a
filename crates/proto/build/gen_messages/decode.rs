//! Each message's `decode_body`: the fixed part in wire order, then the floating fields by tag; at the first
//! version of a version-gated field, the choice between the two shapes (K20).

use std::fmt::Write;

use crate::model::*;

use super::since_versions;

pub(super) fn decoder(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
    let sinces = since_versions(m);
    let _ = writeln!(
        s,
        "    /// Decodes the body (the bytes after MHDR) at protocol `version`."
    );
    let _ = writeln!(
        s,
        "    pub fn decode_body(body: &Bytes, version: u32) -> Result<Self, DecodeError> {{"
    );
    let _ = writeln!(s, "        let width = FloatWidth::for_version(version);");
    if sinces.is_empty() {
        let _ = writeln!(s, "        Self::decode_at(body, version, width)\n    }}\n");
    } else {
        let alts: Vec<String> = sinces.iter().map(u32::to_string).collect();
        let _ = writeln!(
            s,
            "        let current = Self::decode_at(body, version, width);"
        );
        let _ = writeln!(
            s,
            "        if !matches!(version, {}) {{\n            return current;\n        }}",
            alts.join(" | ")
        );
        let _ = writeln!(
            s,
            "        // K20: at the first version with a new fixed field, peers also send the older shape, and both"
        );
        let _ = writeln!(
            s,
            "        // may parse. Keep the one whose floating part reads cleanest; the documented shape on a tie."
        );
        let _ = writeln!(
            s,
            "        match (current, Self::decode_at(body, version - 1, width)) {{"
        );
        let _ = writeln!(
            s,
            "            (Ok(a), Ok(b)) => Ok(if !a.gated_plausible(version) && b.shape_score() > a.shape_score() {{ b }} else {{ a }}),"
        );
        let _ = writeln!(s, "            (Ok(a), Err(_)) => Ok(a),");
        let _ = writeln!(s, "            (Err(_), Ok(b)) => Ok(b),");
        let _ = writeln!(
            s,
            "            (Err(e), Err(_)) => Err(e),\n        }}\n    }}\n"
        );
        // gated_plausible: the new field's value looks like one (a 4-byte value with a zero top byte).
        let _ = writeln!(s, "    fn gated_plausible(&self, version: u32) -> bool {{");
        let mut conds = Vec::new();
        for f in &m.fixed {
            if let FixedItem::Field {
                name,
                since: Some(v),
                ..
            } = f
            {
                conds.push(format!(
                    "(version != {v} || self.{name}.is_none_or(floating::plausible))"
                ));
            }
        }
        let _ = writeln!(
            s,
            "        {}\n    }}\n",
            if conds.is_empty() {
                "true".to_string()
            } else {
                conds.join(" && ")
            }
        );
        // shape_score: known floating fields minus twice the unknown ones (and the lenient tail).
        let _ = writeln!(s, "    fn shape_score(&self) -> isize {{");
        let _ = writeln!(s, "        let mut known = 0usize;");
        for f in &m.floats {
            match f {
                FloatItem::Single { name, .. } => {
                    let _ = writeln!(s, "        known += usize::from(self.{name}.is_some());");
                }
                FloatItem::List { name, .. } | FloatItem::Tuples { name, .. } => {
                    let _ = writeln!(s, "        known += self.{name}.len();");
                }
            }
        }
        let tail = if m.lenient_tail {
            " + 2 * usize::from(self.tail.is_some())"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "        known as isize - 2 * (self.unknown_fields.len(){tail}) as isize\n    }}\n"
        );
    }
    let _ = writeln!(
        s,
        "    fn decode_at(body: &Bytes, version: u32, width: FloatWidth) -> Result<Self, DecodeError> {{"
    );
    let _ = writeln!(
        s,
        "        const MT: MessageType = MessageType({});",
        m.type_id
    );
    let _ = writeln!(s, "        let _ = (version, width);");
    let _ = writeln!(s, "        let mut r = Reader::new(body);");
    if m.rest_u32.is_none() {
        let _ = writeln!(s, "        let mut lay = Tracker::new(0);");
    }
    let mut inits = Vec::new();
    for f in &m.fixed {
        match f {
            FixedItem::Field {
                name,
                ty,
                since: None,
            } if ty.rust == "bool" && m.rest_u32.is_none() => {
                let _ = writeln!(
                    s,
                    "        let {name}: bool = floating::fixed_bool(&mut r, MT, {name:?}, &mut lay)?;"
                );
                inits.push(name.clone());
            }
            FixedItem::Field {
                name,
                ty,
                since: None,
            } => {
                let _ = writeln!(
                    s,
                    "        let {name}: {} = floating::fixed(&mut r, MT, {name:?})?;",
                    ty.rust
                );
                inits.push(name.clone());
            }
            FixedItem::Field {
                name,
                ty,
                since: Some(v),
            } => {
                let _ = writeln!(
                    s,
                    "        let {name}: Option<{}> = if version >= {v} {{ Some(floating::fixed(&mut r, MT, {name:?})?) }} else {{ None }};",
                    ty.rust
                );
                inits.push(name.clone());
            }
            FixedItem::Count { list, width } => {
                let _ = writeln!(
                    s,
                    "        let count_{list}: {} = floating::fixed(&mut r, MT, {:?})?; // a capacity hint: items are read by tag",
                    width.rust(),
                    format!("number of {list}")
                );
            }
        }
    }
    let _ = writeln!(
        s,
        "        let mut m = Self {{ {}..Self::default() }};",
        inits.iter().map(|i| format!("{i}, ")).collect::<String>()
    );
    for f in &m.fixed {
        if let FixedItem::Count { list, .. } = f {
            let _ = writeln!(
                s,
                "        m.{list}.reserve(floating::capped(count_{list}));"
            );
        }
    }
    if let Some(rest) = &m.rest_u32 {
        let _ = writeln!(s, "        let extra = r.remaining() % 4;");
        let _ = writeln!(s, "        if extra != 0 {{");
        let _ = writeln!(
            s,
            "            return Err(floating::error(MT, {rest:?}, r.position(), crate::error::DecodeErrorKind::PartialArray {{ len: extra }}));"
        );
        let _ = writeln!(s, "        }}");
        let _ = writeln!(s, "        m.{rest}.reserve(r.remaining() / 4);");
        let _ = writeln!(
            s,
            "        while let Some(v) = r.read::<u32>() {{\n            m.{rest}.push(v);\n        }}"
        );
        let _ = writeln!(s, "        Ok(m)\n    }}\n");
        return;
    }
    if has_lone_member(m, tuples) {
        let _ = writeln!(
            s,
            "        let mut prev = u32::MAX; // the tag before: a lone member follows no tuple member"
        );
    }
    for f in &m.floats {
        if let FloatItem::Tuples { name, .. } = f {
            let _ = writeln!(
                s,
                "        let mut open_{name} = 0u32; // the members the last element has"
            );
        }
    }
    let _ = writeln!(
        s,
        "        lay.floating_from(r.position());\n        while r.remaining() > 0 {{"
    );
    if m.lenient_tail {
        let _ = writeln!(s, "            let start = r.position();");
        let _ = writeln!(
            s,
            "            let Ok(f) = floating::next(&mut r, width, MT) else {{"
        );
        let _ = writeln!(
            s,
            "                m.tail = Some(RawBytes(body.slice(start..)));\n                break;\n            }};"
        );
    } else {
        let _ = writeln!(s, "            let f = floating::next(&mut r, width, MT)?;");
    }
    let lone = has_lone_member(m, tuples);
    if lone {
        let _ = writeln!(s, "            let this = u32::from(f.tag);");
    }
    let _ = writeln!(s, "            match f.tag {{");
    for (rank, f) in m.floats.iter().enumerate() {
        match f {
            FloatItem::Single { name, tag, alt, .. } => {
                let (pat, check) = match alt {
                    Some(a) => (
                        format!("{} | {}", tag.value, a.value),
                        format!(
                            "lay.tag(f.tag == ({}));\n                    ",
                            write_tag(tag, alt)
                        ),
                    ),
                    None => (tag.value.to_string(), String::new()),
                };
                let _ = writeln!(
                    s,
                    "                {pat} => {{ // {}\n                    {check}floating::single(&mut m.{name}, f, MT, {name:?}, {rank}, &mut lay, &mut m.unknown_fields);\n                }}",
                    tag.name
                );
            }
            FloatItem::List { name, tag, .. } => {
                let _ = writeln!(
                    s,
                    "                {} => {{ // {}\n                    if let Some(v) = floating::take(f, MT, {name:?}, Slot::Field({rank}), &mut lay, &mut m.unknown_fields) {{\n                        m.{name}.push(v);\n                    }}\n                }}",
                    tag.value, tag.name
                );
            }
            FloatItem::Tuples { name, tuple } => {
                let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                    continue;
                };
                let n = t.members.len();
                for (i, mem) in t.members.iter().enumerate() {
                    let label = format!("{name}.{}", mem.field);
                    // A member goes to the last element (a new one for the first member); one the last element
                    // already has is not overwritten: it falls through (to a lone single field, or unknown).
                    let bit = 1u32 << i;
                    let store = if i == 0 {
                        format!(
                            "m.{name}.push({tuple} {{ {}: v, ..Default::default() }});\n                        open_{name} = 1;",
                            mem.field
                        )
                    } else {
                        format!(
                            "floating::tuple_slot(&mut m.{name}).{} = v;\n                        open_{name} |= {bit};",
                            mem.field
                        )
                    };
                    let guard = match m.lone_member(tuples, mem.tag.value) {
                        Some((_, before)) if i > 0 => {
                            format!(" if open_{name} & {bit} == 0 && prev == {before}")
                        }
                        _ if i > 0 => format!(" if open_{name} & {bit} == 0"),
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        s,
                        "                {}{guard} => {{ // {}\n                    if let Some(v) = floating::take(f, MT, {label:?}, Slot::Member({rank}, {i}, {n}), &mut lay, &mut m.unknown_fields) {{\n                        {store}\n                    }}\n                }}",
                        mem.tag.value, mem.tag.name
                    );
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "                _ => floating::unknown(f, &mut lay, &mut m.unknown_fields),\n            }}\n            lay.next();{}\n        }}",
        if lone {
            "\n            prev = this;"
        } else {
            ""
        }
    );
    for f in &m.fixed {
        if let FixedItem::Count { list, .. } = f {
            let _ = writeln!(
                s,
                "        lay.count({list:?}, u32::from(count_{list}), m.{list}.len());"
            );
        }
    }
    let _ = writeln!(
        s,
        "        m.wire = lay.finish(body, width);\n        Ok(m)\n    }}\n"
    );
}

/// The tag the writer uses for a single field at the message's width: below v20 a tag over 255 cannot be
/// written, its alias (K6: ActiveTerminal as 50) can.
pub(super) fn write_tag(tag: &TagRef, alt: &Option<TagRef>) -> String {
    match alt {
        Some(a) if tag.value > 255 && a.value <= 255 => format!(
            "if width == FloatWidth::Narrow {{ {} }} else {{ {} }}",
            a.value, tag.value
        ),
        _ => tag.value.to_string(),
    }
}

/// True when a single field of `m` shares its tag with a tuple member (see `MessageDef::lone_member`).
pub(super) fn has_lone_member(m: &MessageDef, tuples: &[TupleDef]) -> bool {
    m.floats.iter().any(|f| match f {
        FloatItem::Single { tag, .. } => m.lone_member(tuples, tag.value).is_some(),
        _ => false,
    })
}
