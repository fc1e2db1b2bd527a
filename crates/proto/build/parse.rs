//! Parsing and checking of `constants.def` and `messages/*.def`. Every problem is reported with file and line;
//! all problems are collected before failing.

use std::collections::{HashMap, HashSet};

use crate::model::*;

struct Line<'a> {
    at: String,
    tokens: Vec<&'a str>,
    doc: Option<&'a str>,
}

fn lines<'a>(file: &str, text: &'a str) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let at = format!("{file}:{}", i + 1);
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("doc") {
            if rest.is_empty() || rest.starts_with(char::is_whitespace) {
                out.push(Line {
                    at,
                    tokens: vec!["doc"],
                    doc: Some(rest.trim()),
                });
                continue;
            }
        }
        let code = t.split('#').next().unwrap_or("");
        out.push(Line {
            at,
            tokens: code.split_whitespace().collect(),
            doc: None,
        });
    }
    out
}

fn number(s: &str) -> Option<u64> {
    let s = s.replace('_', "");
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn is_upper_name(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn is_snake(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !matches!(
            s,
            "type"
                | "fn"
                | "struct"
                | "enum"
                | "match"
                | "self"
                | "ref"
                | "mod"
                | "use"
                | "impl"
                | "where"
                | "move"
                | "loop"
                | "in"
                | "as"
                | "box"
        )
}

fn is_camel(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric())
}

pub fn constants(file: &str, text: &str) -> Result<Constants, Vec<String>> {
    let mut errs = Vec::new();
    let mut enums: Vec<EnumDef> = Vec::new();
    let mut consts = Vec::new();
    let mut names: HashMap<String, String> = HashMap::new();
    let mut current: Option<EnumDef> = None;
    for l in lines(file, text) {
        let mut claim = |name: &str, errs: &mut Vec<String>| {
            if let Some(prev) = names.insert(name.to_string(), l.at.clone()) {
                errs.push(format!("{}: {name} is already defined at {prev}", l.at));
            }
        };
        match (&mut current, l.tokens.as_slice()) {
            (Some(e), ["doc"]) => e.docs.push(l.doc.unwrap_or("").to_string()),
            (Some(_), ["end"]) => {
                if let Some(e) = current.take() {
                    enums.push(e);
                }
            }
            (Some(e), [name, value]) => {
                if !is_upper_name(name) {
                    errs.push(format!(
                        "{}: {name:?} is not an UPPER_CASE Cisco name",
                        l.at
                    ));
                }
                match number(value) {
                    Some(v) if v <= e.width.max() => e.entries.push((name.to_string(), v)),
                    _ => errs.push(format!(
                        "{}: {value:?} is not a {} value",
                        l.at,
                        e.width.rust()
                    )),
                }
                claim(name, &mut errs);
            }
            (Some(_), other) => errs.push(format!(
                "{}: expected `NAME VALUE`, `doc ...` or `end`, found {other:?}",
                l.at
            )),
            (None, [kind @ ("enum" | "mask"), name, width]) => {
                let Some(width) = Width::parse(width) else {
                    errs.push(format!("{}: width must be u8, u16 or u32", l.at));
                    continue;
                };
                if !is_camel(name) {
                    errs.push(format!("{}: {name:?} is not a CamelCase type name", l.at));
                }
                if enums.iter().any(|e| e.name == *name) {
                    errs.push(format!("{}: type {name} defined twice", l.at));
                }
                current = Some(EnumDef {
                    name: name.to_string(),
                    width,
                    is_mask: *kind == "mask",
                    docs: Vec::new(),
                    entries: Vec::new(),
                });
            }
            (None, ["const", name, ty, value]) => {
                if !matches!(*ty, "u8" | "u16" | "u32" | "i32" | "usize") || number(value).is_none()
                {
                    errs.push(format!(
                        "{}: const needs a type u8/u16/u32/i32/usize and a number",
                        l.at
                    ));
                }
                claim(name, &mut errs);
                consts.push(ConstDef {
                    name: name.to_string(),
                    ty: ty.to_string(),
                    value: value.to_string(),
                });
            }
            (None, ["doc"]) => errs.push(format!("{}: doc outside a block", l.at)),
            (None, other) => errs.push(format!(
                "{}: expected enum, mask or const, found {other:?}",
                l.at
            )),
        }
    }
    if let Some(e) = current {
        errs.push(format!("{file}: enum {} has no `end`", e.name));
    }
    for required in ["MessageType", "Tag"] {
        if !enums.iter().any(|e| e.name == required) {
            errs.push(format!("{file}: the {required} enumeration is missing"));
        }
    }
    if errs.is_empty() {
        Ok(Constants { enums, consts })
    } else {
        Err(errs)
    }
}

struct Ctx<'a> {
    constants: &'a Constants,
    errs: Vec<String>,
}

impl Ctx<'_> {
    fn fixed_ty(&mut self, at: &str, s: &str) -> Option<FixedTy> {
        let (rust, wire, size) = match s {
            "u8" => ("u8", "UCHAR", 1),
            "u16" => ("u16", "USHORT", 2),
            "u32" => ("u32", "UINT", 4),
            "i32" => ("i32", "INT", 4),
            "bool" => ("bool", "BOOL", 2),
            "time" => ("u32", "TIME", 4),
            other => match self.constants.find(other) {
                Some(e) => {
                    let wire = match e.width {
                        Width::U8 => "UCHAR",
                        Width::U16 => "USHORT",
                        Width::U32 => "UINT",
                    };
                    return Some(FixedTy {
                        rust: e.name.clone(),
                        wire: format!("{wire} ({})", e.name),
                        size: e.width.size(),
                    });
                }
                None => {
                    self.errs.push(format!("{at}: unknown type {other:?}"));
                    return None;
                }
            },
        };
        Some(FixedTy {
            rust: rust.into(),
            wire: wire.into(),
            size,
        })
    }

    /// Parses a value type; returns it and the number of tokens used.
    fn value_kind(&mut self, at: &str, toks: &[&str]) -> Option<(ValueKind, usize)> {
        let max = |errs: &mut Vec<String>| match toks.get(1).and_then(|t| number(t)) {
            Some(m) if m > 0 && m <= 0xFFFF => Some(m as usize),
            _ => {
                errs.push(format!(
                    "{at}: {} needs a maximum length",
                    toks.first().unwrap_or(&"")
                ));
                None
            }
        };
        match toks.first().copied() {
            Some("string") => Some((ValueKind::String(max(&mut self.errs)?), 2)),
            Some("unspec") => Some((ValueKind::Unspec(max(&mut self.errs)?), 2)),
            Some("secret") => Some((ValueKind::Secret(max(&mut self.errs)?), 2)),
            Some("secret_string") => Some((ValueKind::SecretString(max(&mut self.errs)?), 2)),
            Some("namedvar") => Some((ValueKind::NamedVar, 1)),
            Some("namedarray") => Some((ValueKind::NamedArray, 1)),
            Some(t) => Some((ValueKind::Fixed(self.fixed_ty(at, t)?), 1)),
            None => {
                self.errs.push(format!("{at}: a value type is missing"));
                None
            }
        }
    }

    fn tag(&mut self, at: &str, name: &str) -> Option<TagRef> {
        match self.constants.value_of("Tag", name) {
            Some(v) => Some(TagRef {
                name: name.to_string(),
                value: v as u16,
            }),
            None => {
                self.errs
                    .push(format!("{at}: {name:?} is not a Tag name in constants.def"));
                None
            }
        }
    }
}

pub fn messages(
    sources: &[(String, String)],
    constants: &Constants,
) -> Result<Messages, Vec<String>> {
    let mut cx = Ctx {
        constants,
        errs: Vec::new(),
    };
    let mut tuples: Vec<TupleDef> = Vec::new();
    let mut messages: Vec<(MessageDef, String)> = Vec::new();
    let mut rust_names: HashMap<String, String> = HashMap::new();
    // Messages whose Cisco name does not tell their kind, until their `kind` line is read.
    let mut needs_kind: HashMap<String, String> = HashMap::new();
    // (kind, name, start) of the block being read
    enum Block {
        None,
        Tuple(TupleDef),
        Message(MessageDef, String),
    }
    for (file, text) in sources {
        let mut block = Block::None;
        for l in lines(file, text) {
            let at = l.at.as_str();
            let t = l.tokens.as_slice();
            match &mut block {
                Block::None => match t {
                    ["tuple", name] => {
                        if !is_camel(name) {
                            cx.errs.push(format!("{at}: {name:?} is not CamelCase"));
                        }
                        if let Some(prev) = rust_names.insert(name.to_string(), at.to_string()) {
                            cx.errs.push(format!("{at}: {name} already defined at {prev}"));
                        }
                        block = Block::Tuple(TupleDef { name: name.to_string(), docs: Vec::new(), members: Vec::new() });
                    }
                    ["message", cisco, rust] => {
                        if !is_camel(rust) {
                            cx.errs.push(format!("{at}: {rust:?} is not CamelCase"));
                        }
                        if let Some(prev) = rust_names.insert(rust.to_string(), at.to_string()) {
                            cx.errs.push(format!("{at}: {rust} already defined at {prev}"));
                        }
                        let type_id = match constants.value_of("MessageType", cisco) {
                            Some(v) => v as u32,
                            None => {
                                cx.errs.push(format!("{at}: {cisco:?} is not a MessageType name"));
                                0
                            }
                        };
                        let kind = Kind::of_name(cisco);
                        if kind.is_none() {
                            needs_kind.insert(cisco.to_string(), at.to_string());
                        }
                        let m = MessageDef {
                            cisco: cisco.to_string(),
                            type_id,
                            rust: rust.to_string(),
                            docs: Vec::new(),
                            kind: kind.unwrap_or(Kind::Event),
                            groups: Vec::new(),
                            lenient_tail: false,
                            fixed: Vec::new(),
                            rest_u32: None,
                            floats: Vec::new(),
                        };
                        block = Block::Message(m, at.to_string());
                    }
                    other => cx.errs.push(format!("{at}: expected `tuple Name` or `message CISCO_NAME RustName`, found {other:?}")),
                },
                Block::Tuple(tu) => match t {
                    ["doc"] => tu.docs.push(l.doc.unwrap_or("").to_string()),
                    ["end"] => {
                        if let Block::Tuple(tu) = std::mem::replace(&mut block, Block::None) {
                            if tu.members.is_empty() {
                                cx.errs.push(format!("{at}: tuple {} has no members", tu.name));
                            }
                            tuples.push(tu);
                        }
                    }
                    ["member", field, tag, rest @ ..] => {
                        if !is_snake(field) {
                            cx.errs.push(format!("{at}: {field:?} is not a snake_case field name"));
                        }
                        let tag = cx.tag(at, tag);
                        let kind = cx.value_kind(at, rest);
                        if let (Some(tag), Some((kind, used))) = (tag, kind) {
                            if used != rest.len() {
                                cx.errs.push(format!("{at}: unexpected tokens {:?}", &rest[used..]));
                            }
                            tu.members.push(Member { field: field.to_string(), tag, kind });
                        }
                    }
                    other => cx.errs.push(format!("{at}: expected member/doc/end, found {other:?}")),
                },
                Block::Message(m, _) => match t {
                    ["doc"] => m.docs.push(l.doc.unwrap_or("").to_string()),
                    ["lenient_tail"] => m.lenient_tail = true,
                    ["kind", k] => match Kind::parse(k) {
                        Some(k) => {
                            m.kind = k;
                            needs_kind.remove(&m.cisco);
                        }
                        None => cx.errs.push(format!("{at}: kind must be request, reply or event")),
                    },
                    ["group", g] => match Group::parse(g) {
                        Some(g) if m.groups.contains(&g) => cx.errs.push(format!("{at}: group {g:?} declared twice")),
                        Some(g) => m.groups.push(g),
                        None => cx.errs.push(format!(
                            "{at}: unknown group {g:?} (known: {})",
                            Group::ALL.map(Group::name).join(", ")
                        )),
                    },
                    ["end"] => {
                        if let Block::Message(m, start) = std::mem::replace(&mut block, Block::None) {
                            messages.push((m, start));
                        }
                    }
                    ["fixed", name, ty, rest @ ..] => {
                        let since = match rest {
                            [] => None,
                            ["since", n] => match number(n) {
                                Some(v) if (1..=100).contains(&v) => Some(v as u32),
                                _ => {
                                    cx.errs.push(format!("{at}: since needs a protocol version"));
                                    None
                                }
                            },
                            other => {
                                cx.errs.push(format!("{at}: unexpected {other:?} (only `since N` may follow)"));
                                None
                            }
                        };
                        if let Some(ty) = cx.fixed_ty(at, ty) {
                            m.fixed.push(FixedItem::Field { name: name.to_string(), ty, since });
                        }
                    }
                    ["count", list, width] => match Width::parse(width) {
                        Some(width) => m.fixed.push(FixedItem::Count { list: list.to_string(), width }),
                        None => cx.errs.push(format!("{at}: count width must be u8, u16 or u32")),
                    },
                    ["rest_u32", name] => m.rest_u32 = Some(name.to_string()),
                    ["float", name, tag, rest @ ..] => {
                        let tag = cx.tag(at, tag);
                        let kind = cx.value_kind(at, rest);
                        if let (Some(tag), Some((kind, used))) = (tag, kind) {
                            let alt = match &rest[used..] {
                                [] => None,
                                ["alt", a] => cx.tag(at, a),
                                other => {
                                    cx.errs.push(format!("{at}: unexpected {other:?} (only `alt TAG` may follow)"));
                                    None
                                }
                            };
                            m.floats.push(FloatItem::Single { name: name.to_string(), tag, kind, alt });
                        }
                    }
                    ["list", name, tag, rest @ ..] => {
                        let tag = cx.tag(at, tag);
                        let kind = cx.value_kind(at, rest);
                        if let (Some(tag), Some((kind, used))) = (tag, kind) {
                            if used != rest.len() {
                                cx.errs.push(format!("{at}: unexpected tokens {:?}", &rest[used..]));
                            }
                            m.floats.push(FloatItem::List { name: name.to_string(), tag, kind });
                        }
                    }
                    ["tuples", name, tuple] => m.floats.push(FloatItem::Tuples { name: name.to_string(), tuple: tuple.to_string() }),
                    other => cx.errs.push(format!("{at}: expected fixed/count/rest_u32/float/list/tuples/kind/group/doc/lenient_tail/end, found {other:?}")),
                },
            }
        }
        match block {
            Block::None => {}
            Block::Tuple(t) => cx
                .errs
                .push(format!("{file}: tuple {} has no `end`", t.name)),
            Block::Message(m, _) => cx
                .errs
                .push(format!("{file}: message {} has no `end`", m.cisco)),
        }
    }
    let mut untold: Vec<_> = needs_kind.into_iter().collect();
    untold.sort();
    for (cisco, at) in untold {
        cx.errs.push(format!(
            "{at}: {cisco}: the name does not end in _REQ, _CONF or _EVENT, so the message needs a `kind request|reply|event` line"
        ));
    }
    // Checked once every file is read, so a tuple may be defined in any file.
    for (m, start) in &messages {
        check_message(&mut cx, m, start, &tuples);
    }
    let messages: Vec<MessageDef> = messages.into_iter().map(|(m, _)| m).collect();
    let mut ids = HashMap::new();
    for m in &messages {
        if let Some(prev) = ids.insert(m.type_id, m.cisco.clone()) {
            cx.errs
                .push(format!("message {} is defined twice ({prev})", m.cisco));
        }
    }
    if cx.errs.is_empty() {
        Ok(Messages { tuples, messages })
    } else {
        Err(cx.errs)
    }
}

fn check_message(cx: &mut Ctx<'_>, m: &MessageDef, at: &str, tuples: &[TupleDef]) {
    let mut fields = HashSet::new();
    let mut tags: HashMap<u16, String> = HashMap::new();
    let mut field = |name: &str, errs: &mut Vec<String>| {
        if !is_snake(name) {
            errs.push(format!(
                "{at}: {}: {name:?} is not a snake_case field name",
                m.cisco
            ));
        }
        if !fields.insert(name.to_string()) || matches!(name, "unknown_fields" | "tail") {
            errs.push(format!(
                "{at}: {}: field {name} defined twice or reserved",
                m.cisco
            ));
        }
    };
    let mut tag = |t: &TagRef, errs: &mut Vec<String>| {
        if let Some(prev) = tags.insert(t.value, t.name.clone()) {
            errs.push(format!(
                "{at}: {}: tag {} ({}) is used twice (also {prev})",
                m.cisco, t.value, t.name
            ));
        }
    };
    for f in &m.fixed {
        if let FixedItem::Field { name, .. } = f {
            field(name, &mut cx.errs);
        }
    }
    if let Some(r) = &m.rest_u32 {
        field(r, &mut cx.errs);
        if !m.floats.is_empty() {
            cx.errs.push(format!(
                "{at}: {}: rest_u32 leaves no room for floating fields",
                m.cisco
            ));
        }
    }
    let mut lists = HashSet::new();
    for f in &m.floats {
        match f {
            FloatItem::Single {
                name, tag: t, alt, ..
            } => {
                field(name, &mut cx.errs);
                tag(t, &mut cx.errs);
                if let Some(a) = alt {
                    tag(a, &mut cx.errs);
                }
            }
            FloatItem::List { name, tag: t, .. } => {
                field(name, &mut cx.errs);
                tag(t, &mut cx.errs);
                lists.insert(name.clone());
            }
            FloatItem::Tuples { name, tuple } => {
                field(name, &mut cx.errs);
                lists.insert(name.clone());
                match tuples.iter().find(|t| &t.name == tuple) {
                    Some(tu) => {
                        for (i, mem) in tu.members.iter().enumerate() {
                            // A later single field may share the tag of a non-first member (a lone member).
                            let shared = i > 0 && m.lone_member(tuples, mem.tag.value).is_some();
                            let later = m.floats.iter().skip_while(|g| !std::ptr::eq(*g, f)).any(|g| {
                                matches!(g, FloatItem::Single { tag: t, .. } if t.value == mem.tag.value)
                            });
                            if shared && later {
                                continue;
                            }
                            tag(&mem.tag, &mut cx.errs);
                        }
                    }
                    None => cx
                        .errs
                        .push(format!("{at}: {}: unknown tuple type {tuple}", m.cisco)),
                }
            }
        }
    }
    for g in Group::ALL {
        let declared = m.groups.contains(&g);
        if declared && !m.fits(g) {
            let wrong: Vec<String> = g
                .fields()
                .into_iter()
                .filter(|(f, shape)| m.shape_of(f) != Some(*shape))
                .map(|(f, shape)| format!("{f} ({shape:?})"))
                .collect();
            cx.errs.push(format!(
                "{at}: {}: group {} needs {}",
                m.cisco,
                g.name(),
                wrong.join(", ")
            ));
        } else if !declared && m.fits(g) {
            let (cisco, name) = (&m.cisco, g.name());
            cx.errs.push(format!(
                "{at}: {cisco}: has every field of group {name}; declare it with `group {name}`"
            ));
        }
    }
    for f in &m.fixed {
        if let FixedItem::Count { list, .. } = f {
            if !lists.contains(list) {
                cx.errs.push(format!(
                    "{at}: {}: count of {list}, which is not a list or tuples field",
                    m.cisco
                ));
            }
        }
    }
}
