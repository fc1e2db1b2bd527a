//! Writes `messages.rs`: the tuple structs, one struct per message with its decoder/encoder, and the `Message`
//! enum with its dispatch.

use std::fmt::Write;

use crate::model::*;

fn docs(s: &mut String, indent: &str, lines: &[String]) {
    for d in lines {
        let _ = writeln!(s, "{indent}#[doc = {d:?}]");
    }
}

fn since_versions(m: &MessageDef) -> Vec<u32> {
    let mut v: Vec<u32> = m
        .fixed
        .iter()
        .filter_map(|f| match f {
            FixedItem::Field { since, .. } => *since,
            FixedItem::Count { .. } => None,
        })
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

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

fn tuple_struct(s: &mut String, t: &TupleDef) {
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

fn message_struct(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
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
                        "    #[doc = \"Fixed part, {}; present from protocol version {v}. `Some` by default; `None` when a peer sent the older shape (K20), which is then written back unchanged.\"]",
                        ty.wire
                    );
                    let _ = writeln!(s, "    #[serde(skip_serializing_if = \"Option::is_none\")]");
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
fn manual_default(s: &mut String, m: &MessageDef) {
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
    let _ = writeln!(s, "        }}\n    }}\n}}\n");
}

fn decoder(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
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
    let mut inits = Vec::new();
    for f in &m.fixed {
        match f {
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
    let _ = writeln!(s, "        while r.remaining() > 0 {{");
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
    let _ = writeln!(s, "            match f.tag {{");
    for f in &m.floats {
        match f {
            FloatItem::Single { name, tag, alt, .. } => {
                let pat = match alt {
                    Some(a) => format!("{} | {}", tag.value, a.value),
                    None => tag.value.to_string(),
                };
                let _ = writeln!(
                    s,
                    "                {pat} => floating::single(&mut m.{name}, f, MT, {name:?}, &mut m.unknown_fields)?, // {}",
                    tag.name
                );
            }
            FloatItem::List { name, tag, .. } => {
                let _ = writeln!(
                    s,
                    "                {} => m.{name}.push(floating::value(f, MT, {name:?})?), // {}",
                    tag.value, tag.name
                );
            }
            FloatItem::Tuples { name, tuple } => {
                let Some(t) = tuples.iter().find(|t| &t.name == tuple) else {
                    continue;
                };
                for (i, mem) in t.members.iter().enumerate() {
                    let label = format!("{name}.{}", mem.field);
                    if i == 0 {
                        let _ = writeln!(
                            s,
                            "                {} => {{ // {}",
                            mem.tag.value, mem.tag.name
                        );
                        let _ = writeln!(
                            s,
                            "                    let v = floating::value(f, MT, {label:?})?;"
                        );
                        let _ = writeln!(
                            s,
                            "                    m.{name}.push({tuple} {{ {}: v, ..Default::default() }});\n                }}",
                            mem.field
                        );
                    } else {
                        let _ = writeln!(
                            s,
                            "                {} => floating::tuple_slot(&mut m.{name}).{} = floating::value(f, MT, {label:?})?, // {}",
                            mem.tag.value, mem.field, mem.tag.name
                        );
                    }
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "                _ => m.unknown_fields.push(f.into_raw()),\n            }}\n        }}\n        Ok(m)\n    }}\n"
    );
}

fn encoder(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
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

fn message_impl(s: &mut String, m: &MessageDef, tuples: &[TupleDef]) {
    let _ = writeln!(s, "impl {} {{", m.rust);
    let _ = writeln!(s, "    /// `{}` = {}.", m.cisco, m.type_id);
    let _ = writeln!(
        s,
        "    pub const MESSAGE_TYPE: MessageType = MessageType({});\n",
        m.type_id
    );
    let _ = writeln!(s, "    /// Length of the fixed part at protocol `version`.");
    let _ = writeln!(s, "    pub const fn fixed_len(version: u32) -> usize {{");
    let _ = writeln!(s, "        let _ = version;\n        let mut n = 0;");
    for f in &m.fixed {
        match f {
            FixedItem::Field {
                ty, since: None, ..
            } => {
                let _ = writeln!(s, "        n += {};", ty.size);
            }
            FixedItem::Field {
                ty, since: Some(v), ..
            } => {
                let _ = writeln!(
                    s,
                    "        if version >= {v} {{\n            n += {};\n        }}",
                    ty.size
                );
            }
            FixedItem::Count { width, .. } => {
                let _ = writeln!(s, "        n += {};", width.size());
            }
        }
    }
    let _ = writeln!(s, "        n\n    }}\n");
    decoder(s, m, tuples);
    encoder(s, m, tuples);
    let _ = writeln!(s, "}}\n");
    let _ = writeln!(
        s,
        "impl From<{0}> for Message {{\n    fn from(m: {0}) -> Self {{\n        Message::{0}(Box::new(m))\n    }}\n}}\n",
        m.rust
    );
}

fn message_enum(s: &mut String, ms: &Messages) {
    let _ = writeln!(
        s,
        "/// Every CTI Server message: one variant per typed message, and [`Message::Unknown`] for the rest."
    );
    let _ = writeln!(
        s,
        "///\n/// JSON form: `{{\"type\": \"<CISCO_NAME>\", <fields in snake_case>}}`."
    );
    let _ = writeln!(
        s,
        "#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]\n#[serde(tag = \"type\")]\n#[non_exhaustive]"
    );
    let _ = writeln!(s, "pub enum Message {{");
    for m in &ms.messages {
        let summary = m.docs.first().cloned().unwrap_or_default();
        let _ = writeln!(
            s,
            "    #[doc = {:?}]",
            format!("`{}` ({}): {summary}", m.cisco, m.type_id)
        );
        let _ = writeln!(
            s,
            "    #[serde(rename = {:?})]\n    {}(Box<{}>),",
            m.cisco, m.rust, m.rust
        );
    }
    let _ = writeln!(
        s,
        "    /// A message type this library does not type: kept and written back byte for byte."
    );
    let _ = writeln!(s, "    #[serde(rename = \"UNKNOWN\")]\n    Unknown {{");
    let _ = writeln!(
        s,
        "        /// The MessageType number.\n        type_id: u32,"
    );
    let _ = writeln!(
        s,
        "        /// The body, unchanged.\n        #[serde(rename = \"body_hex\")]\n        body: RawBytes,\n    }},\n}}\n"
    );

    let _ = writeln!(s, "impl Message {{");
    let _ = writeln!(s, "    /// Every message type that has a typed struct.");
    let _ = writeln!(s, "    pub const TYPED: &'static [MessageType] = &[");
    for m in &ms.messages {
        let _ = writeln!(s, "        MessageType({}), // {}", m.type_id, m.cisco);
    }
    let _ = writeln!(s, "    ];\n");
    let _ = writeln!(s, "    /// The MessageType of this message.");
    let _ = writeln!(
        s,
        "    pub fn message_type(&self) -> MessageType {{\n        match self {{"
    );
    for m in &ms.messages {
        let _ = writeln!(
            s,
            "            Message::{}(_) => MessageType({}),",
            m.rust, m.type_id
        );
    }
    let _ = writeln!(
        s,
        "            Message::Unknown {{ type_id, .. }} => MessageType(*type_id),\n        }}\n    }}\n"
    );
    let _ = writeln!(
        s,
        "    /// Decodes a body of type `message_type` at protocol `version`."
    );
    let _ = writeln!(
        s,
        "    pub fn decode_body(message_type: MessageType, body: &Bytes, version: u32) -> Result<Message, DecodeError> {{"
    );
    let _ = writeln!(s, "        Ok(match message_type.0 {{");
    for m in &ms.messages {
        let _ = writeln!(
            s,
            "            {} => Message::{}(Box::new({}::decode_body(body, version)?)),",
            m.type_id, m.rust, m.rust
        );
    }
    let _ = writeln!(
        s,
        "            _ => Message::unknown(message_type, body),\n        }})\n    }}\n"
    );
    let _ = writeln!(s, "    /// Appends the body at protocol `version`.");
    let _ = writeln!(
        s,
        "    pub fn encode_body(&self, version: u32, buf: &mut BytesMut) -> Result<(), EncodeError> {{\n        match self {{"
    );
    for m in &ms.messages {
        let _ = writeln!(
            s,
            "            Message::{}(m) => m.encode_body(version, buf),",
            m.rust
        );
    }
    let _ = writeln!(
        s,
        "            Message::Unknown {{ body, .. }} => {{\n                Message::encode_unknown(body, buf);\n                Ok(())\n            }}\n        }}\n    }}\n"
    );
    let has_invoke_id = |m: &MessageDef| {
        m.fixed.iter().any(|f| {
            matches!(f, FixedItem::Field { name, ty, since: None } if name == "invoke_id" && ty.rust == "u32")
        })
    };
    dispatch(
        s,
        ms,
        "True at the first version of one of this message's version-gated fixed fields, where the body may come in \
         either shape (K20) and the decoder chooses the one that reads cleanest.",
        "has_shape_choice(&self, version: u32) -> bool",
        "false",
        |m| {
            let v: Vec<String> = since_versions(m).iter().map(u32::to_string).collect();
            (!v.is_empty()).then(|| {
                format!(
                    "Message::{}(_) => matches!(version, {})",
                    m.rust,
                    v.join(" | ")
                )
            })
        },
    );
    dispatch(
        s,
        ms,
        "Sets the InvokeID of a request or confirmation; false for messages without one.",
        "set_invoke_id(&mut self, invoke_id: u32) -> bool",
        "false",
        |m| {
            has_invoke_id(m).then(|| {
                format!(
                    "Message::{}(m) => {{ m.invoke_id = invoke_id; true }}",
                    m.rust
                )
            })
        },
    );
    dispatch(
        s,
        ms,
        "Floating fields of this message that its definition does not name (kept byte for byte).",
        "unknown_fields(&self) -> &[RawField]",
        "&[]",
        |m| {
            m.rest_u32
                .is_none()
                .then(|| format!("Message::{}(m) => &m.unknown_fields", m.rust))
        },
    );
    dispatch(
        s,
        ms,
        "The InvokeID of a request or confirmation (`None` for events and unknown messages).",
        "invoke_id(&self) -> Option<u32>",
        "None",
        |m| has_invoke_id(m).then(|| format!("Message::{}(m) => Some(m.invoke_id)", m.rust)),
    );
    let _ = writeln!(s, "}}");
}

/// Writes `pub fn SIGNATURE { match self { ARM, ..., _ => DEFAULT } }` with one arm per message that has one.
fn dispatch(
    s: &mut String,
    ms: &Messages,
    doc: &str,
    signature: &str,
    default: &str,
    arm: impl Fn(&MessageDef) -> Option<String>,
) {
    let _ = writeln!(
        s,
        "    #[doc = {doc:?}]\n    pub fn {signature} {{\n        match self {{"
    );
    for m in &ms.messages {
        if let Some(a) = arm(m) {
            let _ = writeln!(s, "            {a},");
        }
    }
    let _ = writeln!(s, "            _ => {default},\n        }}\n    }}\n");
}

pub fn generate(ms: &Messages, _c: &Constants) -> String {
    let mut s = String::from(
        "// @generated by build/gen_messages.rs from defs/messages/*.def — do not edit.\n\n",
    );
    for t in &ms.tuples {
        tuple_struct(&mut s, t);
    }
    for m in &ms.messages {
        message_struct(&mut s, m, &ms.tuples);
        manual_default(&mut s, m);
        message_impl(&mut s, m, &ms.tuples);
    }
    message_enum(&mut s, ms);
    s
}
