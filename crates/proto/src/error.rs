//! Typed errors of the codec. Every decode error names the message type, the field (or tag) and the byte offset
//! from the start of the message (the first byte of its 8-byte header).

use std::fmt;

use crate::constants::{MessageType, Tag};

/// A message body could not be decoded.
///
/// Displayed as `BEGIN_CALL_EVENT: connection_call_id at offset 28: body ends early (need 4 bytes, 2 left)` for a
/// fixed field, and with the floating tag's Cisco name and number for a floating field:
/// `BEGIN_CALL_EVENT: ANI (tag 8) at offset 43: body ends early (need 5 bytes, 1 left)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The message being decoded.
    pub message_type: MessageType,
    /// The field (snake_case name), or `"floating field header"` / `"floating field data"` when a floating
    /// field's header or data runs past the end of the body.
    pub field: &'static str,
    /// The floating tag of the field involved, when the error is in a floating field whose tag was read.
    pub tag: Option<Tag>,
    /// Byte offset from the first byte of the message header (for a floating field: of its tag).
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.message_type)?;
        match self.tag {
            Some(tag) => match tag.name() {
                Some(name) => write!(
                    f,
                    "{} (tag {})",
                    name.strip_suffix("_TAG").unwrap_or(name),
                    tag.0
                )?,
                None => write!(f, "tag {}", tag.0)?,
            },
            None => f.write_str(self.field)?,
        }
        write!(f, " at offset {}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for DecodeError {}

/// What went wrong while decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body ended inside a fixed field or a floating field.
    #[error("body ends early (need {needed} bytes, {available} left)")]
    Truncated {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the body.
        available: usize,
    },
    /// A numeric floating field has the wrong data length.
    #[error("data length {actual}, expected {expected}")]
    FieldLength {
        /// Floating tag number.
        tag: u16,
        /// Expected data length.
        expected: usize,
        /// Data length found.
        actual: usize,
    },
    /// A NAMEDVAR / NAMEDARRAY field is not `name NUL value NUL`.
    #[error("malformed named variable (no NUL after the name)")]
    NamedValue {
        /// Floating tag number.
        tag: u16,
    },
    /// Data of the right length that is not a value of the type: a BOOL neither 0 nor 1.
    #[error("data is not a value of its type (a BOOL is 0 or 1)")]
    NotCanonical,
    /// A UINT array body whose length is not a multiple of 4.
    #[error("{len} trailing bytes are not a whole number of UINTs")]
    PartialArray {
        /// Number of bytes left over.
        len: usize,
    },
}

/// A message could not be encoded. Nothing is ever silently truncated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message_type}: {field}: {kind}")]
pub struct EncodeError {
    /// The message being encoded.
    pub message_type: MessageType,
    /// The field involved (snake_case name), or `"message"`.
    pub field: &'static str,
    /// What was wrong.
    pub kind: EncodeErrorKind,
}

/// What went wrong while encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeErrorKind {
    /// A string or byte value is longer than its documented maximum (for strings the maximum includes the NUL).
    #[error("value of {len} bytes exceeds the maximum of {max}")]
    ValueTooLong {
        /// Encoded length of the value (strings: including the NUL).
        len: usize,
        /// Documented maximum.
        max: usize,
    },
    /// More list items than the count field can carry.
    #[error("{count} items exceed the maximum of {max}")]
    TooManyItems {
        /// Items in the list.
        count: usize,
        /// Largest count the fixed field can hold.
        max: usize,
    },
    /// A credential (ClientPassword, AgentPassword) whose value is the redaction placeholder `<redacted>`: it
    /// comes from redacted JSON fed back, and sending it would send the text `<redacted>` as the password.
    #[error(
        "the value is the redaction placeholder \"<redacted>\", not a credential; give the real value"
    )]
    RedactedPlaceholder,
    /// The whole message exceeds the maximum message size of the protocol version.
    #[error(
        "message of {len} bytes exceeds the maximum message size {max} of this protocol version"
    )]
    MessageTooLong {
        /// Total length including the header.
        len: usize,
        /// Maximum total length.
        max: usize,
    },
}

/// The byte stream is not a valid sequence of frames.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The header announces a message larger than the maximum; nothing was allocated for it.
    #[error(
        "message at stream offset {offset} announces {length} body bytes, over the maximum of {max} (E_CTI_INVALID_MESSAGE_LENGTH)"
    )]
    TooLong {
        /// Stream offset of the header.
        offset: u64,
        /// The announced body length (MessageLength).
        length: u32,
        /// Largest body length accepted.
        max: usize,
    },
    /// The stream ended inside a message.
    #[error(
        "stream ends inside the message at offset {offset} ({available} of {needed} bytes present)"
    )]
    Truncated {
        /// Stream offset of the header.
        offset: u64,
        /// Bytes needed for the whole message.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// An I/O error from the underlying transport (only from the tokio codec).
    #[error("i/o error: {0}")]
    Io(String),
}

impl From<std::io::Error> for FrameError {
    fn from(e: std::io::Error) -> Self {
        FrameError::Io(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(field: &'static str, tag: Option<u16>, kind: DecodeErrorKind) -> String {
        DecodeError {
            message_type: MessageType::BEGIN_CALL_EVENT,
            field,
            tag: tag.map(Tag),
            offset: 43,
            kind,
        }
        .to_string()
    }

    #[test]
    fn decode_errors_name_the_field_or_the_tag() {
        let short = DecodeErrorKind::Truncated {
            needed: 5,
            available: 1,
        };
        assert_eq!(
            err("connection_call_id", None, short.clone()),
            "BEGIN_CALL_EVENT: connection_call_id at offset 43: body ends early (need 5 bytes, 1 left)"
        );
        assert_eq!(
            err("floating field data", Some(8), short.clone()),
            "BEGIN_CALL_EVENT: ANI (tag 8) at offset 43: body ends early (need 5 bytes, 1 left)"
        );
        assert_eq!(
            err("floating field data", Some(999), short),
            "BEGIN_CALL_EVENT: tag 999 at offset 43: body ends early (need 5 bytes, 1 left)"
        );
        assert_eq!(
            err(
                "named_variables",
                Some(82),
                DecodeErrorKind::NamedValue { tag: 82 }
            ),
            "BEGIN_CALL_EVENT: NAMED_VARIABLE (tag 82) at offset 43: malformed named variable (no NUL after the name)"
        );
    }
}
