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
    pub kind: Kind,
    pub groups: Vec<Group>,
    pub lenient_tail: bool,
    pub fixed: Vec<FixedItem>,
    pub rest_u32: Option<String>,
    pub floats: Vec<FloatItem>,
}

pub struct Messages {
    pub tuples: Vec<TupleDef>,
    pub messages: Vec<MessageDef>,
}

/// What a message is in the exchange (`kind` line, or the suffix of its Cisco name).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Request,
    Reply,
    Event,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "request" => Some(Kind::Request),
            "reply" => Some(Kind::Reply),
            "event" => Some(Kind::Event),
            _ => None,
        }
    }
    /// The kind a Cisco name's suffix tells (`_REQ`, `_CONF`, `_EVENT`); `None` for the others.
    pub fn of_name(cisco: &str) -> Option<Kind> {
        if cisco.ends_with("_REQ") {
            Some(Kind::Request)
        } else if cisco.ends_with("_CONF") {
            Some(Kind::Reply)
        } else if cisco.ends_with("_EVENT") {
            Some(Kind::Event)
        } else {
            None
        }
    }
    /// The `MessageKind` variant.
    pub fn rust(self) -> &'static str {
        match self {
            Kind::Request => "MessageKind::Request",
            Kind::Reply => "MessageKind::Reply",
            Kind::Event => "MessageKind::Event",
        }
    }
}

/// A set of fields that many messages share and that gets accessors (`group` line).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Group {
    /// `call_variable_1` .. `call_variable_10`, each `float ... string`.
    CallVariables,
    /// `named_variables` (`list ... namedvar`) and `named_arrays` (`list ... namedarray`).
    Ecc,
    /// `<prefix>connection_call_id` (fixed u32), `<prefix>connection_device_id_type` (fixed
    /// ConnectionDeviceIdType), `<prefix>connection_device_id` (float string); prefix "", "active_",
    /// "held_" or "other_".
    Connection(&'static str),
}

/// The shape a group expects of one of its fields.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Shape {
    /// A fixed field (not version-gated) of this Rust type.
    Fixed(&'static str),
    /// An optional floating STRING.
    String,
    /// A `list` of NAMEDVAR.
    NamedVars,
    /// A `list` of NAMEDARRAY.
    NamedArrays,
}

impl Group {
    pub const ALL: [Group; 6] = [
        Group::CallVariables,
        Group::Ecc,
        Group::Connection(""),
        Group::Connection("active_"),
        Group::Connection("held_"),
        Group::Connection("other_"),
    ];

    /// The name in the tables, which is also the name of the accessor (`call_variables`, `held_connection`).
    pub fn name(self) -> String {
        match self {
            Group::CallVariables => "call_variables".into(),
            Group::Ecc => "ecc".into(),
            Group::Connection(p) => format!("{p}connection"),
        }
    }

    pub fn parse(s: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == s)
    }

    /// The fields of the group, in order, with the shape each must have.
    pub fn fields(self) -> Vec<(String, Shape)> {
        match self {
            Group::CallVariables => (1..=10)
                .map(|n| (format!("call_variable_{n}"), Shape::String))
                .collect(),
            Group::Ecc => vec![
                ("named_variables".into(), Shape::NamedVars),
                ("named_arrays".into(), Shape::NamedArrays),
            ],
            Group::Connection(p) => vec![
                (format!("{p}connection_call_id"), Shape::Fixed("u32")),
                (
                    format!("{p}connection_device_id_type"),
                    Shape::Fixed("ConnectionDeviceIdType"),
                ),
                (format!("{p}connection_device_id"), Shape::String),
            ],
        }
    }
}

impl MessageDef {
    /// The shape of field `name`, when it has one a group can use.
    pub fn shape_of(&self, name: &str) -> Option<Shape> {
        let fixed = self.fixed.iter().find_map(|f| match f {
            FixedItem::Field {
                name: n,
                ty,
                since: None,
            } if n == name => Some(ty.rust.as_str()),
            _ => None,
        });
        if let Some(rust) = fixed {
            return match rust {
                "u32" => Some(Shape::Fixed("u32")),
                "ConnectionDeviceIdType" => Some(Shape::Fixed("ConnectionDeviceIdType")),
                _ => None,
            };
        }
        self.floats.iter().find_map(|f| match f {
            FloatItem::Single {
                name: n,
                kind: ValueKind::String(_),
                ..
            } if n == name => Some(Shape::String),
            FloatItem::List {
                name: n,
                kind: ValueKind::NamedVar,
                ..
            } if n == name => Some(Shape::NamedVars),
            FloatItem::List {
                name: n,
                kind: ValueKind::NamedArray,
                ..
            } if n == name => Some(Shape::NamedArrays),
            _ => None,
        })
    }

    /// True when every field of `group` is present with its shape.
    pub fn fits(&self, group: Group) -> bool {
        group
            .fields()
            .iter()
            .all(|(f, shape)| self.shape_of(f) == Some(*shape))
    }
}

impl MessageDef {
    /// For the tag of a non-first tuple member that a single field of the message shares (OPEN_CONF's
    /// MultilineAgentControl, alone or paired with FltPeripheralID): the single field's name and the tag of the
    /// member before it. The member is the tuple's only when it directly follows that tag.
    pub fn lone_member(&self, tuples: &[TupleDef], tag: u16) -> Option<(String, u16)> {
        let single = self.floats.iter().find_map(|f| match f {
            FloatItem::Single { name, tag: t, .. } if t.value == tag => Some(name.clone()),
            _ => None,
        })?;
        self.floats.iter().find_map(|f| match f {
            FloatItem::Tuples { tuple, .. } => {
                let t = tuples.iter().find(|t| &t.name == tuple)?;
                let i = t.members.iter().position(|m| m.tag.value == tag)?;
                let before = t.members.get(i.checked_sub(1)?)?;
                Some((single.clone(), before.tag.value))
            }
            _ => None,
        })
    }
}
