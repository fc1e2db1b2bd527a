//! [`MessageRef`]: a borrowed view of one message's body, for consumers that read a few fields of each message
//! (a recorder needs the call id and two call variables; a gateway the type and the raw bytes). Nothing is
//! decoded or allocated until asked for: the type, a fixed field by name, and the floating fields by tag or in
//! order, straight from the received bytes.
//!
//! ```
//! use cti_proto::constants::*;
//! use cti_proto::message::EndCallEvent;
//! use cti_proto::{Message, MessageRef};
//!
//! let mut end = EndCallEvent::default();
//! end.connection_call_id = 77;
//! end.connection_device_id = Some("1001".into());
//! let frame = Message::from(end).to_frame(24).unwrap();
//!
//! let view = MessageRef::of(&frame, 24).unwrap();
//! assert_eq!(view.name(), "END_CALL_EVENT");
//! assert_eq!(view.fixed_u32("connection_call_id"), Some(77));
//! assert_eq!(view.string(CONNECTION_DEVID_TAG), Some(&b"1001"[..]));
//! ```
//!
//! The view reads the fixed part in the documented shape of `version`; at the first version of a version-gated
//! field (K20) it does not repeat the owned decoder's choice between the two shapes (decode the message into a
//! [`Message`] for that).

use crate::constants::{CALL_VAR_1_TAG, MessageType, Tag};
use crate::error::{DecodeError, DecodeErrorKind};
use crate::frame::{Frame, HEADER_LEN};
use crate::message::Message;
use crate::version::FloatWidth;
use crate::wire::FixedWire;

/// A borrowed view of one message body (see the [module docs](self)).
#[derive(Debug, Clone, Copy)]
pub struct MessageRef<'a> {
    message_type: MessageType,
    body: &'a [u8],
    fixed_len: usize,
    version: u32,
    width: FloatWidth,
}

/// One floating field of a [`MessageRef`]: its tag, its data and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloatRef<'a> {
    /// The floating tag.
    pub tag: Tag,
    /// The data (for a STRING: with its NUL, when it has one).
    pub data: &'a [u8],
    /// Offset of the field's tag from the first byte of the message header.
    pub offset: usize,
}

impl<'a> FloatRef<'a> {
    /// The data as a STRING value: up to the first NUL or the end (K13).
    pub fn as_str_bytes(&self) -> &'a [u8] {
        let n = self
            .data
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.data.len());
        self.data.get(..n).unwrap_or(self.data)
    }

    /// The data as a numeric value of its exact width (`None` for another length).
    pub fn as_fixed<T: FixedWire>(&self) -> Option<T> {
        T::from_be_slice(self.data)
    }
}

impl<'a> MessageRef<'a> {
    /// A view of `body`, a message of type `message_type` at protocol `version`. Fails only when the body is
    /// shorter than the fixed part of a typed message; the floating part is read when asked for.
    pub fn new(
        message_type: MessageType,
        body: &'a [u8],
        version: u32,
    ) -> Result<Self, DecodeError> {
        let fixed_len = Message::fixed_len_of(message_type, version).unwrap_or(0);
        if body.len() < fixed_len {
            return Err(DecodeError {
                message_type,
                field: "fixed part",
                tag: None,
                offset: HEADER_LEN,
                kind: DecodeErrorKind::Truncated {
                    needed: fixed_len,
                    available: body.len(),
                },
            });
        }
        Ok(MessageRef {
            message_type,
            body,
            fixed_len,
            version,
            width: FloatWidth::for_version(version),
        })
    }

    /// A view of a framed message.
    pub fn of(frame: &'a Frame, version: u32) -> Result<Self, DecodeError> {
        MessageRef::new(frame.message_type, &frame.body, version)
    }

    /// The MessageType.
    pub fn message_type(&self) -> MessageType {
        self.message_type
    }

    /// Cisco's name of the message type (`"UNKNOWN"` for a type without a name).
    pub fn name(&self) -> &'static str {
        self.message_type.name().unwrap_or("UNKNOWN")
    }

    /// The whole body, as received.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The fixed part (empty for a type this library does not type).
    pub fn fixed_part(&self) -> &'a [u8] {
        self.body.get(..self.fixed_len).unwrap_or_default()
    }

    /// The fixed field `field` (snake_case, as in the message struct), when the message has it at this version
    /// and `T` has its width.
    pub fn fixed<T: FixedWire>(&self, field: &str) -> Option<T> {
        let (at, size) = Message::fixed_field_of(self.message_type, self.version, field)?;
        if size != T::SIZE {
            return None;
        }
        T::from_be_slice(self.body.get(at..at + size)?)
    }

    /// A UINT fixed field, e.g. `connection_call_id`, `peripheral_id`, `monitor_id`.
    pub fn fixed_u32(&self, field: &str) -> Option<u32> {
        self.fixed(field)
    }

    /// The floating fields in order. After a field whose header or data runs past the end of the body, the
    /// iterator yields that error and stops.
    pub fn floats(&self) -> Floats<'a> {
        Floats {
            body: self.body,
            at: self.fixed_len,
            width: self.width,
            message_type: self.message_type,
        }
    }

    /// The data of the first floating field with `tag`.
    pub fn float(&self, tag: Tag) -> Option<FloatRef<'a>> {
        self.floats().map_while(Result::ok).find(|f| f.tag == tag)
    }

    /// The first STRING field with `tag`, without its NUL.
    pub fn string(&self, tag: Tag) -> Option<&'a [u8]> {
        self.float(tag).map(|f| f.as_str_bytes())
    }

    /// CallVariable`n` (1..=10), without its NUL.
    pub fn call_variable(&self, n: u16) -> Option<&'a [u8]> {
        if !(1..=10).contains(&n) {
            return None;
        }
        self.string(Tag(CALL_VAR_1_TAG.0 + n - 1))
    }
}

/// The floating fields of a [`MessageRef`], in order.
#[derive(Debug, Clone)]
pub struct Floats<'a> {
    body: &'a [u8],
    at: usize,
    width: FloatWidth,
    message_type: MessageType,
}

impl<'a> Iterator for Floats<'a> {
    type Item = Result<FloatRef<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        let part = self.body.get(self.at..).filter(|p| !p.is_empty())?;
        let offset = self.at + HEADER_LEN;
        let Some((tag, len, header)) = self.width.read_header(part) else {
            self.at = self.body.len();
            return Some(Err(DecodeError {
                message_type: self.message_type,
                field: "floating field header",
                tag: None,
                offset,
                kind: DecodeErrorKind::Truncated {
                    needed: self.width.header_len(),
                    available: part.len(),
                },
            }));
        };
        let Some(data) = part.get(header..header + len) else {
            self.at = self.body.len();
            return Some(Err(DecodeError {
                message_type: self.message_type,
                field: "floating field data",
                tag: Some(Tag(tag)),
                offset,
                kind: DecodeErrorKind::Truncated {
                    needed: len,
                    available: part.len() - header,
                },
            }));
        };
        self.at += header + len;
        Some(Ok(FloatRef {
            tag: Tag(tag),
            data,
            offset,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::{ANI_TAG, CALL_VAR_2_TAG};

    #[test]
    fn reads_fixed_fields_and_floating_fields_from_the_bytes() {
        // END_CALL_EVENT v19: fixed 16 bytes, then ConnectionDeviceID "1001" (no NUL), CallVariable2, ANI cut short.
        let body: &[u8] = &[
            0, 0, 0, 3, 0, 0, 0x13, 0x88, 0, 0x11, 0, 0, 0, 0, 0, 77, //
            25, 4, b'1', b'0', b'0', b'1', //
            14, 3, b'a', 0, b'z', //
            8, 9, b'5',
        ];
        let v = MessageRef::new(MessageType::END_CALL_EVENT, body, 19).unwrap();
        assert_eq!(v.fixed_part().len(), 16);
        assert_eq!(v.fixed_u32("connection_call_id"), Some(77));
        assert_eq!(v.fixed_u32("peripheral_id"), Some(5000));
        assert_eq!(v.fixed::<u16>("peripheral_type"), Some(0x11));
        assert_eq!(v.fixed_u32("peripheral_type"), None);
        assert_eq!(v.fixed_u32("no_such_field"), None);
        assert_eq!(v.call_variable(2), Some(&b"a"[..]));
        assert_eq!(v.call_variable(1), None);
        assert_eq!(v.float(CALL_VAR_2_TAG).map(|f| f.offset), Some(8 + 22));
        let all: Vec<_> = v.floats().collect();
        assert_eq!(all.len(), 3);
        let e = all.last().cloned().unwrap().unwrap_err();
        assert_eq!((e.tag, e.offset), (Some(ANI_TAG), 8 + 27));
        let short = MessageRef::new(MessageType::END_CALL_EVENT, &body[..15], 19).unwrap_err();
        assert_eq!(short.field, "fixed part");
    }
}
