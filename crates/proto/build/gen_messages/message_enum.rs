//! The `Message` enum over every typed message and its dispatch by message type (decode, encode, InvokeID,
//! unknown fields, K20 shape choice).

use std::fmt::Write;

use crate::model::*;

use super::{dispatch, since_versions};

pub(super) fn message_enum(s: &mut String, ms: &Messages) {
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
        "How the bytes this message was decoded from differ from the documented layout (see [`WireLayout`]); \
         `None` for a message built in code or read in the documented layout.",
        "wire(&self) -> Option<&WireLayout>",
        "None",
        |m| {
            m.rest_u32
                .is_none()
                .then(|| format!("Message::{}(m) => m.wire.as_deref()", m.rust))
        },
    );
    dispatch(
        s,
        ms,
        "Drops the wire layout: the message is then written in the documented layout (floating fields in the \
         order of the reference, strings with their NUL, counts from the lists). Returns what it dropped.",
        "take_wire(&mut self) -> Option<Box<WireLayout>>",
        "None",
        |m| {
            m.rest_u32
                .is_none()
                .then(|| format!("Message::{}(m) => m.wire.take()", m.rust))
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
