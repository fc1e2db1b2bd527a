//! The [`Message`] enum over every typed message, and whole-message encoding with its header.
//!
//! The enum, the dispatch by message type and every message struct are generated from `defs/messages/*.def`
//! (see `defs/FORMAT.md`); this file holds what is common to all of them.

use bytes::{BufMut, Bytes, BytesMut};

use crate::constants::MessageType;
use crate::error::{DecodeError, EncodeError, EncodeErrorKind};
use crate::frame::{Frame, HEADER_LEN};
use crate::raw::RawBytes;
use crate::version::max_message_size;

pub use generated::*;

#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    unused_imports,
    unused_mut,
    dead_code,
    unused_parens,
    unused_variables,
    unused_assignments,
    reason = "generated from defs/messages/*.def by build/main.rs"
)]
mod generated {
    use bytes::{BufMut, Bytes, BytesMut};
    use serde::{Deserialize, Serialize};

    use crate::constants::*;
    use crate::error::{DecodeError, EncodeError};
    use crate::floating::{self, FloatValue, Writer};
    use crate::groups::{Connection, ConnectionRef, EccRef};
    use crate::layout::{Slot, Tracker, Walk, WireLayout};
    use crate::named::{NamedArray, NamedVariable};
    use crate::raw::{RawBytes, RawField};
    use crate::secret::{Secret, SecretString};
    use crate::string::CtiString;
    use crate::version::FloatWidth;
    use crate::wire::{FixedWire, Reader};

    use super::MessageKind;

    include!(concat!(env!("OUT_DIR"), "/messages.rs"));
}

/// What a message is in the exchange, as the reference classifies it (from `defs/messages/*.def`: the
/// `_REQ` / `_CONF` / `_EVENT` suffix of the Cisco name, or the message's `kind` line).
///
/// * [`Request`](MessageKind::Request) — asks for a reply carrying the same InvokeID (`*_REQ`, and the
///   server's ACTIVE_MAINTENANCE_REQ_MSG).
/// * [`Reply`](MessageKind::Reply) — answers a request: its confirmation (`*_CONF`), FAILURE_CONF and
///   CONTROL_FAILURE_CONF (the negative replies), and the client's ACTIVE_MAINTENANCE_RESP_MSG.
/// * [`Event`](MessageKind::Event) — unsolicited, nothing answers it: `*_EVENT` (most from the server; a few,
///   like CONFIG_REQUEST_EVENT, from the client), the v24 `*_EVENT_MSG`s and STOPPING_REQUESTS_TO_THIS_SIDE_IND.
/// * [`Unknown`](MessageKind::Unknown) — a [`Message::Unknown`], whose type this library does not type.
///
/// Each message struct has it as a constant too (`OpenReq::KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageKind {
    /// A request: a reply with the same InvokeID is expected.
    Request,
    /// A reply to a request (confirmation or failure).
    Reply,
    /// An unsolicited message (event or indication).
    Event,
    /// A message of a type this library does not type ([`Message::Unknown`]).
    Unknown,
}

impl Message {
    /// Decodes a framed message at protocol `version`. Unknown message types become [`Message::Unknown`].
    pub fn decode(frame: &Frame, version: u32) -> Result<Message, DecodeError> {
        Message::decode_body(frame.message_type, &frame.body, version)
    }

    /// Appends the whole message (header + body) at protocol `version`. On error nothing is appended.
    pub fn encode(&self, version: u32, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let start = buf.len();
        buf.put_u32(0);
        buf.put_u32(self.message_type().0);
        let result = self.encode_body(version, buf).and_then(|()| {
            let total = buf.len() - start;
            let max = max_message_size(version);
            if total > max {
                return Err(EncodeError {
                    message_type: self.message_type(),
                    field: "message",
                    kind: EncodeErrorKind::MessageTooLong { len: total, max },
                });
            }
            Ok(total)
        });
        match result {
            Ok(total) => {
                let len = u32::try_from(total - HEADER_LEN)
                    .unwrap_or(u32::MAX)
                    .to_be_bytes();
                if let Some(slot) = buf.get_mut(start..start + 4) {
                    slot.copy_from_slice(&len);
                }
                Ok(())
            }
            Err(e) => {
                buf.truncate(start);
                Err(e)
            }
        }
    }

    /// The whole message (header + body) as bytes.
    pub fn to_bytes(&self, version: u32) -> Result<Bytes, EncodeError> {
        let mut buf = BytesMut::with_capacity(64);
        self.encode(version, &mut buf)?;
        Ok(buf.freeze())
    }

    /// The message as a [`Frame`] (type + body).
    pub fn to_frame(&self, version: u32) -> Result<Frame, EncodeError> {
        let mut all = self.to_bytes(version)?;
        let body = all.split_off(HEADER_LEN);
        Ok(Frame {
            message_type: self.message_type(),
            body,
        })
    }

    /// Cisco's name of the message type (`"UNKNOWN"` for an unknown type).
    pub fn name(&self) -> &'static str {
        match self {
            Message::Unknown { .. } => "UNKNOWN",
            other => other.message_type().name().unwrap_or("UNKNOWN"),
        }
    }

    fn unknown(type_id: MessageType, body: &Bytes) -> Message {
        Message::Unknown {
            type_id: type_id.0,
            body: RawBytes(body.clone()),
        }
    }

    fn encode_unknown(body: &RawBytes, buf: &mut BytesMut) {
        buf.put_slice(body.as_bytes());
    }
}
