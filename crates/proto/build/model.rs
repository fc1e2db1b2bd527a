//! What the tables describe, after parsing and checking.

/// Integer width of an enumeration or mask.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Width {
    U8,
    U16,
    U32,
}

impl Width {
    pub fn parse(s: &str) -> Option<Width> {
        match s {
            "u8" => Some(Width::U8),
            "u16" => Some(Width::U16),
            "u32" => Some(Width::U32),
            _ => None,
        }
    }
    pub fn rust(self) -> &'static str {
        match self {
            Width::U8 => "u8",
            Width::U16 => "u16",
            Width::U32 => "u32",
        }
    }
    pub fn max(self) -> u64 {
        match self {
            Width::U8 => 0xFF,
            Width::U16 => 0xFFFF,
            Width::U32 => 0xFFFF_FFFF,
        }
    }
    pub fn size(self) -> usize {
        match self {
            Width::U8 => 1,
            Width::U16 => 2,
            Width::U32 => 4,
        }
    }
}

pub struct EnumDef {
    pub name: String,
    pub width: Width,
    pub is_mask: bool,
    pub docs: Vec<String>,
    pub entries: Vec<(String, u64)>,
}

pub struct ConstDef {
    pub name: String,
    pub ty: String,
    pub value: String,
}

pub struct Constants {
    pub enums: Vec<EnumDef>,
    pub consts: Vec<ConstDef>,
}

impl Constants {
    pub fn find(&self, name: &str) -> Option<&EnumDef> {
        self.enums.iter().find(|e| e.name == name)
    }
    pub fn value_of(&self, enum_name: &str, entry: &str) -> Option<u64> {
        self.find(enum_name)?
            .entries
            .iter()
            .find(|(n, _)| n == entry)
            .map(|(_, v)| *v)
    }
}

/// A type of the fixed part (or of a numeric floating field).
#[derive(Clone, Debug)]
pub struct FixedTy {
    /// Rust type: u8/u16/u32/i32/bool or an enum/mask name (TIME is u32).
    pub rust: String,
    /// Wire type as the reference writes it (UINT, USHORT, TIME, ...).
    pub wire: String,
    pub size: usize,
}

#[derive(Clone, Debug)]
pub enum ValueKind {
    String(usize),
    Unspec(usize),
    Secret(usize),
    SecretString(usize),
    Fixed(FixedTy),
    NamedVar,
    NamedArray,
}

impl ValueKind {
    pub fn rust(&self) -> String {
        match self {
            ValueKind::String(_) => "CtiString".into(),
            ValueKind::Unspec(_) => "RawBytes".into(),
            ValueKind::Secret(_) => "Secret".into(),
            ValueKind::SecretString(_) => "SecretString".into(),
            ValueKind::Fixed(t) => t.rust.clone(),
            ValueKind::NamedVar => "NamedVariable".into(),
            ValueKind::NamedArray => "NamedArray".into(),
        }
    }
    pub fn max(&self) -> usize {
        match self {
            ValueKind::String(m)
            | ValueKind::Unspec(m)
            | ValueKind::Secret(m)
            | ValueKind::SecretString(m) => *m,
            _ => 0,
        }
    }
    /// The wire type as the docs show it (sizes in a code span, so rustdoc does not read `[64]` as a link).
    pub fn describe(&self) -> String {
        match self {
            ValueKind::String(m) => format!("`STRING[{m}]`"),
            ValueKind::Unspec(m) => format!("`UNSPEC[{m}]`"),
            ValueKind::Secret(m) => format!("`UNSPEC[{m}]`, redacted"),
            ValueKind::SecretString(m) => format!("`STRING[{m}]`, redacted"),
            ValueKind::Fixed(t) => t.wire.clone(),
            ValueKind::NamedVar => "NAMEDVAR".into(),
            ValueKind::NamedArray => "NAMEDARRAY".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct TagRef {
    pub name: String,
    pub value: u16,
}

pub struct Member {
    pub field: String,
    pub tag: TagRef,
    pub kind: ValueKind,
}

pub struct TupleDef {
    pub name: String,
    pub docs: Vec<String>,
    pub members: Vec<Member>,
}

pub enum FixedItem {
    Field {
        name: String,
        ty: FixedTy,
        since: Option<u32>,
    },
    Count {
        list: String,
        width: Width,
    },
}

pub enum FloatItem {
    Single {
        name: String,
        tag: TagRef,
        kind: ValueKind,
        alt: Option<TagRef>,
    },
    List {
        name: String,
        tag: TagRef,
        kind: ValueKind,
    },
    Tuples {
        name: String,
        tuple: String,
    },
}

pub struct MessageDef {
    pub cisco: String,
    pub type_id: u32,
    pub rust: String,
    pub docs: Vec<String>,
    pub lenient_tail: bool,
    pub fixed: Vec<FixedItem>,
    pub rest_u32: Option<String>,
    pub floats: Vec<FloatItem>,
}

pub struct Messages {
    pub tuples: Vec<TupleDef>,
    pub messages: Vec<MessageDef>,
}
