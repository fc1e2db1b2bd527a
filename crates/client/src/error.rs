//! The client's errors. Every error has a [`ClientError::kind`]; refusals carry Cisco's symbolic name.

use cti_proto::Message;
use cti_proto::constants::{ControlFailureCode, StatusCode};
use cti_proto::error::EncodeError;

use crate::config::ConfigError;

/// What kind of failure an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration breaks the rules.
    Config,
    /// The server refused OPEN_REQ with a status that retrying cannot fix.
    OpenRejected,
    /// The request got FAILURE_CONF.
    Failure,
    /// The request got CONTROL_FAILURE_CONF.
    ControlFailure,
    /// No reply within the request timeout.
    Timeout,
    /// No session is open (connecting, or the connection dropped with the request outstanding).
    NotConnected,
    /// The client was closed.
    Closed,
    /// The server answered a request with a reply of another type than the request calls for.
    UnexpectedReply,
    /// The request cannot be encoded (a value too long for its field, a message over the size limit).
    Encode,
    /// The message has no InvokeID: it is not a request the client can send and match a reply to.
    NoInvokeId,
    /// The consumer fell behind the event stream: the client reset the session (see
    /// [`crate::ClientEvent::Overflow`]).
    Overflow,
    /// A typed request was given an argument out of its range (nothing was sent).
    InvalidRequest,
}

/// An error of the client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A configuration error.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// OPEN_REQ refused with a status that the configuration must fix.
    #[error("the CTI Server refused the session: {status} — {hint}")]
    OpenRejected {
        /// The FAILURE_CONF status.
        status: StatusCode,
        /// What to fix.
        hint: &'static str,
    },
    /// FAILURE_CONF for a request.
    #[error("request failed: {0}")]
    Failure(StatusCode),
    /// CONTROL_FAILURE_CONF for a request.
    #[error("request failed: {code} (peripheral error {peripheral_error})")]
    ControlFailure {
        /// FailureCode.
        code: ControlFailureCode,
        /// PeripheralErrorCode.
        peripheral_error: u32,
    },
    /// No reply in time.
    #[error("no reply within {0} s")]
    Timeout(u64),
    /// No open session.
    #[error("not connected: {0}")]
    NotConnected(String),
    /// The client was closed.
    #[error("the client is closed")]
    Closed,
    /// The reply is of another type than the request calls for.
    #[error("unexpected reply {name}")]
    UnexpectedReply {
        /// Cisco's name of the reply's message type.
        name: &'static str,
    },
    /// The request could not be encoded; nothing was sent.
    #[error("request not sent: {0}")]
    Encode(#[from] EncodeError),
    /// The message has no InvokeID field, so it cannot be sent as a request; nothing was sent.
    #[error("{name} has no InvokeID: it is not a request")]
    NoInvokeId {
        /// Cisco's name of the message type.
        name: &'static str,
    },
    /// The event queue was full (the consumer fell behind): the session was reset with this request
    /// outstanding, or the client is waiting for the consumer to read before it reconnects.
    #[error("event queue full ({capacity} events unread): the session was reset")]
    Overflow {
        /// The event queue's capacity ([`crate::ClientConfig::event_queue`]).
        capacity: usize,
    },
    /// A typed request was given an argument out of its range; nothing was sent.
    #[error("{field}: {reason}")]
    InvalidRequest {
        /// The argument (e.g. `call variable 11`).
        field: String,
        /// What it must be.
        reason: &'static str,
    },
}

impl ClientError {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ClientError::Config(_) => ErrorKind::Config,
            ClientError::OpenRejected { .. } => ErrorKind::OpenRejected,
            ClientError::Failure(_) => ErrorKind::Failure,
            ClientError::ControlFailure { .. } => ErrorKind::ControlFailure,
            ClientError::Timeout(_) => ErrorKind::Timeout,
            ClientError::NotConnected(_) => ErrorKind::NotConnected,
            ClientError::Closed => ErrorKind::Closed,
            ClientError::UnexpectedReply { .. } => ErrorKind::UnexpectedReply,
            ClientError::Encode(_) => ErrorKind::Encode,
            ClientError::NoInvokeId { .. } => ErrorKind::NoInvokeId,
            ClientError::Overflow { .. } => ErrorKind::Overflow,
            ClientError::InvalidRequest { .. } => ErrorKind::InvalidRequest,
        }
    }

    /// The error for a reply `m` of another type than the request calls for.
    pub fn unexpected_reply(m: &Message) -> Self {
        ClientError::UnexpectedReply { name: m.name() }
    }
}

/// For a FAILURE_CONF to OPEN_REQ: `None` when trying the schedule's next step may help (the side is offline or
/// busy), or what the configuration must fix.
pub fn open_rejection_hint(status: StatusCode) -> Option<&'static str> {
    let hint = match status {
        StatusCode::E_CTI_CTI_SERVER_OFFLINE
        | StatusCode::E_CTI_TIMEOUT
        | StatusCode::E_CTI_UNSPECIFIED_FAILURE
        | StatusCode::E_CTI_SERVER_IN_MAINTENANCE_MODE
        | StatusCode::E_CTI_SERVER_NOT_MASTER => return None,
        StatusCode::E_CTI_INVALID_VERSION => {
            "use a protocol version the server accepts (--version)"
        }
        StatusCode::E_CTI_INVALID_TIMEOUT => {
            "IdleTimeout must be at least 20 s (4 × a heartbeat of 5 s or more)"
        }
        StatusCode::E_CTI_INVALID_SERVICE_MASK => "request only defined CTI_SERVICE_* bits",
        StatusCode::E_CTI_INVALID_CALL_MSG_MASK | StatusCode::E_CTI_INVALID_AGENT_STATE_MASK => {
            "request only defined message-mask bits"
        }
        StatusCode::E_CTI_REQUIRED_DATA_MISSING => {
            "ClientID and ClientPassword are required; CLIENT_EVENTS also needs an agent extension, ID or instrument"
        }
        StatusCode::E_CTI_INVALID_PASSWORD => "check the ClientID and ClientPassword",
        StatusCode::E_CTI_INVALID_PERIPHERAL_ID => "use the PeripheralID of the agent's peripheral",
        StatusCode::E_CTI_INVALID_AGENT_DATA | StatusCode::E_CTI_INCONSISTENT_AGENT_DATA => {
            "the agent extension, ID and instrument must name one agent of that peripheral"
        }
        StatusCode::E_CTI_DEVICE_IN_USE => "another client holds this agent's device",
        _ => "see the status in the CTI Server message reference",
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use cti_proto::constants::MessageType;
    use cti_proto::error::EncodeErrorKind;
    use cti_proto::message::HeartbeatConf;

    use super::*;

    #[test]
    fn every_error_has_its_kind_and_a_readable_text() {
        let encode = EncodeError {
            message_type: MessageType::QUERY_AGENT_STATE_REQ,
            field: "agent_id",
            kind: EncodeErrorKind::ValueTooLong { len: 40, max: 12 },
        };
        let cases = [
            (ClientError::Config(ConfigError::NoSideA), ErrorKind::Config),
            (
                ClientError::Failure(StatusCode::E_CTI_TIMEOUT),
                ErrorKind::Failure,
            ),
            (ClientError::Timeout(15), ErrorKind::Timeout),
            (
                ClientError::NotConnected("connecting".into()),
                ErrorKind::NotConnected,
            ),
            (ClientError::Closed, ErrorKind::Closed),
            (
                ClientError::unexpected_reply(&Message::from(HeartbeatConf::default())),
                ErrorKind::UnexpectedReply,
            ),
            (ClientError::from(encode), ErrorKind::Encode),
            (
                ClientError::NoInvokeId {
                    name: "BEGIN_CALL_EVENT",
                },
                ErrorKind::NoInvokeId,
            ),
            (ClientError::Overflow { capacity: 4 }, ErrorKind::Overflow),
            (
                ClientError::InvalidRequest {
                    field: "call variable 11".into(),
                    reason: "use 1 to 10",
                },
                ErrorKind::InvalidRequest,
            ),
        ];
        let texts: Vec<(ErrorKind, String)> = cases
            .iter()
            .map(|(e, k)| (e.kind(), format!("{k:?}: {e}")))
            .collect();
        for ((got, _), (_, want)) in texts.iter().zip(cases.iter()) {
            assert_eq!(got, want);
        }
        let texts: Vec<&str> = texts.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Config: configuration: side A address is missing (HOST:PORT, e.g. cti-a.example.com:42027)",
                "Failure: request failed: E_CTI_TIMEOUT",
                "Timeout: no reply within 15 s",
                "NotConnected: not connected: connecting",
                "Closed: the client is closed",
                "UnexpectedReply: unexpected reply HEARTBEAT_CONF",
                "Encode: request not sent: QUERY_AGENT_STATE_REQ: agent_id: value of 40 bytes exceeds the maximum of 12",
                "NoInvokeId: BEGIN_CALL_EVENT has no InvokeID: it is not a request",
                "Overflow: event queue full (4 events unread): the session was reset",
                "InvalidRequest: call variable 11: use 1 to 10",
            ]
        );
    }
}
