//! The field groups many messages share, as the generated accessors hand them out: a call connection
//! (ConnectionCallID, ConnectionDeviceIDType, ConnectionDeviceID — also with the Active/Held/Other prefixes
//! of the call-control requests) and the ECC set (NamedVariable and NamedArray fields). The ten call
//! variables are a plain array, `[Option<&CtiString>; 10]`.
//!
//! Which messages have which group is written in `defs/messages/*.def` (`group` lines); every message
//! with a group has inherent accessors (`BeginCallEvent::connection()`, `set_call_variables()`, ...) and
//! [`Message`](crate::Message) has the same accessors returning `Option` (`None` for messages without the
//! group).
//!
//! ```
//! use cti_proto::constants::ConnectionDeviceIdType;
//! use cti_proto::message::HoldCallReq;
//! use cti_proto::{Connection, Message};
//!
//! let mut r = HoldCallReq::default();
//! r.set_connection(Connection::new(7, ConnectionDeviceIdType::CONNECTION_ID_STATIC, "5001"));
//! let m = Message::from(r);
//! let c = m.connection().unwrap();
//! assert_eq!((c.call_id, c.device_id.map(|d| d.to_string())), (7, Some("5001".to_string())));
//! assert!(m.call_variables().is_none());
//! ```

use crate::constants::ConnectionDeviceIdType;
use crate::named::{NamedArray, NamedVariable};
use crate::string::CtiString;

/// A call connection, to set into a message: ConnectionCallID, ConnectionDeviceIDType and
/// ConnectionDeviceID (or their Active/Held/Other forms).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Connection {
    /// ConnectionCallID.
    pub call_id: u32,
    /// ConnectionDeviceIDType.
    pub device_id_type: ConnectionDeviceIdType,
    /// ConnectionDeviceID (`None` leaves the floating field out).
    pub device_id: Option<CtiString>,
}

impl Connection {
    /// A connection with its device id.
    pub fn new(
        call_id: u32,
        device_id_type: ConnectionDeviceIdType,
        device_id: impl Into<CtiString>,
    ) -> Self {
        Connection {
            call_id,
            device_id_type,
            device_id: Some(device_id.into()),
        }
    }
}

/// A call connection as a message holds it (borrowed): ConnectionCallID, ConnectionDeviceIDType and
/// ConnectionDeviceID (or their Active/Held/Other forms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectionRef<'a> {
    /// ConnectionCallID.
    pub call_id: u32,
    /// ConnectionDeviceIDType.
    pub device_id_type: ConnectionDeviceIdType,
    /// ConnectionDeviceID (`None` when the message did not carry it).
    pub device_id: Option<&'a CtiString>,
}

impl ConnectionRef<'_> {
    /// An owned copy (cloning a [`CtiString`] is cheap).
    #[must_use]
    #[inline]
    pub fn cloned(self) -> Connection {
        Connection {
            call_id: self.call_id,
            device_id_type: self.device_id_type,
            device_id: self.device_id.cloned(),
        }
    }
}

/// The ECC set of a message (borrowed): its NamedVariable and NamedArray fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EccRef<'a> {
    /// The NamedVariable fields, in message order.
    pub named_variables: &'a [NamedVariable],
    /// The NamedArray fields, in message order.
    pub named_arrays: &'a [NamedArray],
}

impl EccRef<'_> {
    /// True when the message carries no ECC variable.
    pub fn is_empty(&self) -> bool {
        self.named_variables.is_empty() && self.named_arrays.is_empty()
    }
}
