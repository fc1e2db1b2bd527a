//! Reconciling the call model after a reconnect, for an ALL_EVENTS session.
//!
//! A ClientEvents session is sent a BEGIN_CALL_EVENT for every call in progress when it opens; an ALL_EVENTS
//! session is not, and events that occurred while no session was open are never reported (guidelines, "CTI
//! Operations During Unified CCE Failures"). So after each reconnect the demo asks the server about every call
//! the model still awaits (SNAPSHOT_CALL_REQ, CLIENT_CONTROL service): a SNAPSHOT_CALL_CONF means the call
//! continues, CF_INVALID_CSTA_CONNECTION_IDENTIFIER means it ended during the outage. Any other answer (a
//! timeout, another loss) leaves the call to the model's re-announcement window. `cti monitor` does the same when
//! its session has ALL_EVENTS and CLIENT_CONTROL ([`worth_reconciling`]).

use std::sync::Arc;
use std::time::Duration;

use cti_client::{CallRef, Client, ClientError, Side};
use cti_model::{CallKey, Change, EndReason, Model};
use cti_proto::constants::{
    CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, ControlFailureCode, ServiceMask,
};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};

/// SNAPSHOT_CALL_REQs in flight at once: after a failover every client reconnects together, so a client with
/// thousands of calls must not send them all in one burst.
pub const MAX_SNAPSHOTS_IN_FLIGHT: usize = 16;

/// True when a session granted `services` should reconcile by snapshot after a reconnect: it sees every call
/// (ALL_EVENTS) and may send SNAPSHOT_CALL_REQ (CLIENT_CONTROL). A ClientEvents session is re-sent
/// BEGIN_CALL_EVENTs instead.
pub fn worth_reconciling(services: ServiceMask) -> bool {
    services.contains(CTI_SERVICE_ALL_EVENTS) && services.contains(CTI_SERVICE_CLIENT_CONTROL)
}

/// What the server said about one call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// SNAPSHOT_CALL_CONF: the call continues.
    Continues,
    /// CF_INVALID_CSTA_CONNECTION_IDENTIFIER: the server no longer knows the call.
    Gone,
    /// No answer that settles it (the error), e.g. the session dropped again.
    Unsettled(String),
}

impl Outcome {
    /// The `outcome` field of the CALL_RECONCILED line.
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Continues => "continues",
            Outcome::Gone => "ended during outage",
            Outcome::Unsettled(_) => "unsettled",
        }
    }

    fn of(answer: Result<(), ClientError>) -> Outcome {
        match answer {
            Ok(()) => Outcome::Continues,
            Err(ClientError::ControlFailure { code, .. })
                if code == ControlFailureCode::CF_INVALID_CSTA_CONNECTION_IDENTIFIER =>
            {
                Outcome::Gone
            }
            Err(e) => Outcome::Unsettled(e.to_string()),
        }
    }
}

/// Asks in the background after a reconnect ([`Reconciler::reconnected`]); answers come back through
/// [`Reconciler::next`] and go into the model with [`Reconciler::settle`].
#[derive(Debug)]
pub struct Reconciler {
    tx: mpsc::UnboundedSender<(CallKey, Outcome)>,
    rx: mpsc::UnboundedReceiver<(CallKey, Outcome)>,
    in_flight: Arc<Semaphore>,
}

impl Default for Reconciler {
    fn default() -> Self {
        Self::new()
    }
}

impl Reconciler {
    /// A reconciler with nothing asked yet.
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let in_flight = Arc::new(Semaphore::new(MAX_SNAPSHOTS_IN_FLIGHT));
        Reconciler { tx, rx, in_flight }
    }

    /// Call right after [`Model::session_opened`]: sends SNAPSHOT_CALL_REQ for every call the model awaits, at
    /// most [`MAX_SNAPSHOTS_IN_FLIGHT`] at a time (the client gives each its own InvokeID). Returns the RECONCILING line (`side`, `calls`), or
    /// `None` when no call was known.
    pub fn reconnected(&self, client: &Client, model: &Model, side: Side) -> Option<Value> {
        let calls: Vec<(u32, CallKey)> = model
            .awaiting_reannouncement()
            .map(|c| (c.peripheral_id, c.key.clone()))
            .collect();
        if calls.is_empty() {
            return None;
        }
        let n = calls.len();
        for (peripheral, key) in calls {
            let client = client.clone();
            let tx = self.tx.clone();
            let in_flight = Arc::clone(&self.in_flight);
            tokio::spawn(async move {
                let Ok(_permit) = in_flight.acquire_owned().await else {
                    return;
                };
                let call = CallRef {
                    connection_call_id: key.connection_call_id,
                    device_id_type: key.device_id_type,
                    device_id: key.device_id.to_string(),
                };
                let answer = client.snapshot_call(peripheral, &call).await.map(|_| ());
                let _ = tx.send((key, Outcome::of(answer)));
            });
        }
        Some(json!({"type": "RECONCILING", "side": side.name(), "calls": n}))
    }

    /// The next answer (cancel-safe). Never `None`: the reconciler holds a sender itself, so with nothing asked
    /// this waits forever.
    pub async fn next(&mut self) -> Option<(CallKey, Outcome)> {
        self.rx.recv().await
    }

    /// Tells the model an answer: a call that continues is kept ([`Model::confirm_call`]), a call the server no
    /// longer knows ends "ended during outage" ([`Model::end_call`]). Returns the CALL_RECONCILED line and
    /// whether the model changed (false when an event settled the call first).
    pub fn settle(
        model: &mut Model,
        key: &CallKey,
        outcome: &Outcome,
        now: Duration,
        out: &mut Vec<Change>,
    ) -> (Value, bool) {
        let applied = match outcome {
            Outcome::Continues => model.confirm_call(key, now, out),
            Outcome::Gone => model.end_call(key, EndReason::EndedDuringOutage, out),
            Outcome::Unsettled(_) => false,
        };
        let line = json!({
            "type": "CALL_RECONCILED",
            "connection_call_id": key.connection_call_id,
            "connection_device_id": key.device_id.to_string(),
            "outcome": outcome.name(),
            "applied": applied,
            "error": match outcome { Outcome::Unsettled(e) => Some(e.as_str()), _ => None },
        });
        (line, applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_by_answer() {
        assert_eq!(Outcome::of(Ok(())), Outcome::Continues);
        let gone = ClientError::ControlFailure {
            code: ControlFailureCode::CF_INVALID_CSTA_CONNECTION_IDENTIFIER,
            peripheral_error: 0,
        };
        assert_eq!(Outcome::of(Err(gone)), Outcome::Gone);
        let other = ClientError::ControlFailure {
            code: ControlFailureCode::CF_GENERIC_UNSPECIFIED,
            peripheral_error: 0,
        };
        assert!(matches!(Outcome::of(Err(other)), Outcome::Unsettled(_)));
        assert!(matches!(
            Outcome::of(Err(ClientError::Timeout(15))),
            Outcome::Unsettled(e) if e == "no reply within 15 s"
        ));
        assert_eq!(Outcome::Gone.name(), "ended during outage");
    }
}
