//! What the client reports: connection lifecycle and every message the server sends unasked.

use cti_proto::Message;
use cti_proto::constants::{PgStatus, ServiceMask, StatusCode};

use crate::error::ClientError;
use crate::schedule::Side;

/// One thing that happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ClientEvent {
    /// Trying `side` (a step of the 17-step algorithm).
    Connecting {
        /// The side tried.
        side: Side,
    },
    /// An attempt failed; the schedule goes on.
    AttemptFailed {
        /// The side tried.
        side: Side,
        /// Why (e.g. `connection refused`, `E_CTI_CTI_SERVER_OFFLINE`).
        reason: String,
    },
    /// Waiting before the next attempt.
    Waiting {
        /// Seconds to wait.
        secs: u64,
    },
    /// A session is open (OPEN_CONF received).
    Connected {
        /// The side.
        side: Side,
        /// ServicesRequested.
        services_requested: ServiceMask,
        /// ServicesGranted — may be fewer than requested; see [`ClientEvent::services_not_granted`].
        services_granted: ServiceMask,
        /// PGStatus from OPEN_CONF (non-zero: degraded).
        pg_status: PgStatus,
        /// PeripheralOnline from OPEN_CONF.
        peripheral_online: bool,
    },
    /// The session ended without the client asking (server failure, reset, heartbeats unanswered, ...); the
    /// client reconnects by the 17 steps.
    Disconnected {
        /// The side it was on.
        side: Side,
        /// Why.
        reason: String,
    },
    /// The consumer fell behind: the event queue held `capacity` unread events and the next one did not fit,
    /// so the client reset the session (as a CTI Server drops a client too slow to read) rather than drop
    /// events silently or grow without bound. Reported once the consumer reads again, before the
    /// [`ClientEvent::Disconnected`] of that session; the client then reconnects by the 17 steps (same side
    /// first) as soon as half the queue is free, so the new session does not overflow again at once. Events
    /// after the last one delivered were lost: reconcile as after any reconnect.
    Overflow {
        /// The side of the session that was reset.
        side: Side,
        /// The event queue's capacity ([`crate::ClientConfig::event_queue`]).
        capacity: usize,
    },
    /// A message the server sent unasked: call and agent events, SYSTEM_EVENT, FAILURE_EVENT, ...
    Message(Message),
    /// The client stopped for good (e.g. the server refused OPEN_REQ for a reason the configuration must fix).
    Stopped(ClientError),
}

impl ClientEvent {
    /// For `Connected`: the requested services that were not granted (never silently ignored).
    pub fn services_not_granted(&self) -> Option<ServiceMask> {
        match self {
            ClientEvent::Connected {
                services_requested,
                services_granted,
                ..
            } => Some(ServiceMask(services_requested.0 & !services_granted.0)),
            _ => None,
        }
    }

    /// For `Message(FAILURE_EVENT)`: its status.
    pub fn failure_status(&self) -> Option<StatusCode> {
        match self {
            ClientEvent::Message(Message::FailureEvent(f)) => Some(f.status),
            _ => None,
        }
    }
}
