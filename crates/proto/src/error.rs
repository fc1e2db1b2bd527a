//! Typed errors of the codec. Every decode error names the message type, the field (or tag) and the byte offset
//! from the start of the message (the first byte of its 8-byte header).

use crate::constants::MessageType;

/// A message body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message_type}: {field} at offset {offset}: {kind}")]
pub struct DecodeError {
    /// The message being decoded.
    pub message_type: MessageType,
    /// The field (snake_case name) or floating tag name involved.
    pub field: &'static str,
    /// Byte offset from the first byte of the message header.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

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
    #[error("tag {tag} has length {actual}, expected {expected}")]
    FieldLength {
        /// Floating tag number.
        tag: u16,
        /// Expected data length.
        expected: usize,
        /// Data length found.
        actual: usize,
    },
    /// A NAMEDVAR / NAMEDARRAY field is not `name NUL value NUL`.
    #[error("tag {tag}: malformed named variable (no NUL after the name)")]
    NamedValue {
        /// Floating tag number.
        tag: u16,
    },
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
