//! # cti-proto — the Cisco UCCE CTI Server protocol (GED-188), byte for byte
//!
//! A sans-IO, version-aware codec for every CTI Server message of protocol versions 13–25: the symbolic
//! constants of `CTILink.h` ([`constants`]), the framing ([`FrameDecoder`]), one typed struct per message with
//! its fixed part, floating fields, lists and tuples ([`message`]), and a stable JSON form (serde).
//! No tokio, no I/O, no clocks (the optional `codec` feature adds `tokio_util::codec` adapters).
//!
//! * Floating fields use 1-byte tag/length below version 20 and 2-byte from 20 on ([`FloatWidth`]).
//! * Lenient reader, strict writer: strings with or without NUL, both tag numbers where the sources conflict,
//!   unknown tags and unknown messages kept; a floating field whose data does not fit its type kept as an unknown
//!   field with a warning; a value that does not fit its documented maximum is an encode error, never silently
//!   truncated.
//! * A decoded message is written back as the bytes it came from (floating order, NULs, counts, the K20 shape:
//!   its [`WireLayout`]); a message built in code gets the documented layout.
//! * Messages over the maximum size are refused from the header, before any allocation.
//!
//! ```
//! use bytes::BytesMut;
//! use cti_proto::constants::*;
//! use cti_proto::{FrameDecoder, Message, message::OpenReq};
//!
//! let mut open = OpenReq::default();
//! open.invoke_id = 1;
//! open.version_number = 24;
//! open.idle_timeout = 20;
//! open.peripheral_id = NULL_PERIPHERAL_ID;
//! open.services_requested = CTI_SERVICE_ALL_EVENTS;
//! open.call_msg_mask = BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK;
//! open.client_id = Some("recorder-1".into());
//! open.client_password = Some("".into());
//!
//! let bytes = Message::from(open).to_bytes(24).unwrap();
//! let mut buf = BytesMut::from(&bytes[..]);
//! let frame = FrameDecoder::default().decode(&mut buf).unwrap().unwrap();
//! let Message::OpenReq(back) = Message::decode(&frame, 24).unwrap() else { panic!() };
//! assert_eq!(back.client_id.as_ref().map(|s| s.to_string()).as_deref(), Some("recorder-1"));
//! ```

#![forbid(unsafe_code)]

#[cfg(feature = "codec")]
pub mod codec;
pub mod constants;
pub mod dissector;
pub mod error;
mod floating;
pub mod frame;
#[doc(hidden)]
pub mod fuzzing;
pub mod groups;
pub mod layout;
pub mod message;
pub mod named;
pub mod raw;
pub mod secret;
mod side;
pub mod string;
mod symbolic;
pub mod version;
pub mod view;
pub mod wire;

pub use constants::{MessageType, Tag};
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind, FrameError};
pub use floating::FloatValue;
pub use frame::{Frame, FrameDecoder, HEADER_LEN};
pub use groups::{Connection, ConnectionRef, EccRef};
pub use layout::{WireLayout, WireSuffix};
pub use message::{Message, MessageKind};
pub use named::{NamedArray, NamedVariable};
pub use raw::{RawBytes, RawField};
pub use secret::{Secret, SecretString};
pub use side::Side;
pub use string::CtiString;
pub use version::{DEFAULT_VERSION, FloatWidth, MAX_VERSION, MIN_VERSION};
pub use view::{FloatRef, Floats, MessageRef};
