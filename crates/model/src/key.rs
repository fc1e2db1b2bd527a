//! The unique key of a call: (ConnectionCallID, ConnectionDeviceIDType, ConnectionDeviceID) (facts §4.2, §7.5).
//!
//! The same ConnectionCallID may appear on two calls (a consult call), so all three parts are needed. The model
//! never interprets the ConnectionDeviceID; it only compares it.

use std::fmt;

use cti_proto::constants::ConnectionDeviceIdType;
use cti_proto::{ConnectionRef, CtiString};
use serde::Serialize;

/// The unique key of a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CallKey {
    /// ConnectionCallID.
    pub connection_call_id: u32,
    /// ConnectionDeviceIDType.
    pub device_id_type: ConnectionDeviceIdType,
    /// ConnectionDeviceID (empty when an event did not carry it).
    pub device_id: CtiString,
}

impl CallKey {
    /// A key from its three parts.
    pub fn new(
        connection_call_id: u32,
        device_id_type: ConnectionDeviceIdType,
        device_id: impl Into<CtiString>,
    ) -> Self {
        CallKey {
            connection_call_id,
            device_id_type,
            device_id: device_id.into(),
        }
    }

    /// The key as carried by an event's fixed part and its ConnectionDeviceID floating field.
    pub(crate) fn of(
        connection_call_id: u32,
        device_id_type: ConnectionDeviceIdType,
        device_id: Option<&CtiString>,
    ) -> Self {
        CallKey {
            connection_call_id,
            device_id_type,
            device_id: device_id.cloned().unwrap_or_default(),
        }
    }
}

/// The key of the call a message names (ConnectionCallID, ConnectionDeviceIDType, ConnectionDeviceID, as
/// [`connection()`](cti_proto::Message::connection) reads them).
impl From<ConnectionRef<'_>> for CallKey {
    fn from(c: ConnectionRef<'_>) -> Self {
        CallKey::of(c.call_id, c.device_id_type, c.device_id)
    }
}

impl fmt::Display for CallKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.connection_call_id, self.device_id_type, self.device_id
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::{CONNECTION_ID_DYNAMIC, CONNECTION_ID_STATIC};

    #[test]
    fn all_three_parts_matter() {
        let a = CallKey::new(7, CONNECTION_ID_STATIC, "3001");
        assert_ne!(a, CallKey::new(8, CONNECTION_ID_STATIC, "3001"));
        assert_ne!(a, CallKey::new(7, CONNECTION_ID_DYNAMIC, "3001"));
        assert_ne!(a, CallKey::new(7, CONNECTION_ID_STATIC, "3002"));
        assert_eq!(CallKey::of(7, CONNECTION_ID_STATIC, None).device_id, "");
        assert_eq!(a.to_string(), "7/CONNECTION_ID_STATIC/3001");
    }
}
