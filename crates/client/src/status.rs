//! [`ClientStatus`]: what the client's session looks like right now — for health checks, status lines and
//! dashboards. The driver task keeps it current; [`crate::Client::status`] reads a copy.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use cti_proto::constants::ServiceMask;
use tokio::time::Instant;

use crate::schedule::Side;

/// A copy of the client's session state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStatus {
    /// The side of the open session; `None` while connecting (or after the client stopped).
    pub side: Option<Side>,
    /// When the open session's OPEN_CONF arrived.
    pub connected_at: Option<Instant>,
    /// ServicesGranted of the open session (zero while connecting).
    pub services_granted: ServiceMask,
    /// Sessions opened since the client started (a reconnect opens another).
    pub sessions_opened: u64,
    /// HEARTBEAT_REQs sent since the client started.
    pub heartbeats_sent: u64,
    /// HEARTBEAT_CONFs received since the client started.
    pub heartbeats_answered: u64,
    /// Time from the last answered HEARTBEAT_REQ to its HEARTBEAT_CONF.
    pub last_heartbeat_rtt: Option<Duration>,
    /// Requests sent and not answered yet.
    pub outstanding_requests: usize,
    /// Sessions reset because the event queue was full (the consumer fell behind); see
    /// [`crate::ClientEvent::Overflow`].
    pub event_overflows: u64,
}

/// The driver's writable side of the status.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedStatus(Arc<Mutex<ClientStatus>>);

impl SharedStatus {
    /// A copy of the status now.
    pub(crate) fn get(&self) -> ClientStatus {
        // A panic while the lock was held cannot leave the plain counters half-written: read them anyway.
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the status.
    pub(crate) fn update(&self, f: impl FnOnce(&mut ClientStatus)) {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
