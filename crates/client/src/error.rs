//! The client's errors. Every error has a [`ClientError::kind`]; refusals carry Cisco's symbolic name.

use cti_proto::constants::{ControlFailureCode, StatusCode};

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
        }
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
