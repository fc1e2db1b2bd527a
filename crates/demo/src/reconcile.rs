//! Reconciling the call model after a reconnect, for an ALL_EVENTS session.
//!
//! A ClientEvents session is sent a BEGIN_CALL_EVENT for every call in progress when it opens; an ALL_EVENTS
//! session is not, and events that occurred while no session was open are never reported (guidelines, "CTI
//! Operations During Unified CCE Failures"). So after each reconnect the demo asks the server about every call
//! the model still awaits (SNAPSHOT_CALL_REQ, CLIENT_CONTROL service): a SNAPSHOT_CALL_CONF means the call
//! continues, CF_INVALID_CSTA_CONNECTION_IDENTIFIER means it ended during the outage. Any other answer (a
//! timeout, another loss) leaves the call to the model's re-announcement window.

use cti_client::{CallRef, Client, ClientError};
use cti_model::CallKey;
use cti_proto::constants::ControlFailureCode;
use tokio::sync::mpsc;

/// What the server said about one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// SNAPSHOT_CALL_CONF: the call continues.
    Continues,
    /// CF_INVALID_CSTA_CONNECTION_IDENTIFIER: the server no longer knows the call.
    Gone,
    /// No answer that settles it (the error), e.g. the session dropped again.
    Unsettled(String),
}

impl Outcome {
    /// The `outcome` field of the CALL_RECONCILED line.
    pub(crate) fn name(&self) -> &'static str {
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

/// Asks in the background, answers come back through [`Reconciler::next`].
pub(crate) struct Reconciler {
    tx: mpsc::UnboundedSender<(CallKey, Outcome)>,
    rx: mpsc::UnboundedReceiver<(CallKey, Outcome)>,
}

impl Reconciler {
    pub(crate) fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Reconciler { tx, rx }
    }

    /// Sends SNAPSHOT_CALL_REQ for each call (concurrently: the client gives each its own InvokeID).
    pub(crate) fn ask(&self, client: &Client, peripheral_id: u32, calls: Vec<(u32, CallKey)>) {
        for (call_peripheral, key) in calls {
            let client = client.clone();
            let tx = self.tx.clone();
            let peripheral = if call_peripheral == 0 {
                peripheral_id
            } else {
                call_peripheral
            };
            tokio::spawn(async move {
                let call = CallRef {
                    connection_call_id: key.connection_call_id,
                    device_id_type: key.device_id_type,
                    device_id: key.device_id.to_string(),
                };
                let answer = client.snapshot_call(peripheral, &call).await.map(|_| ());
                let _ = tx.send((key, Outcome::of(answer)));
            });
        }
    }

    /// The next answer (cancel-safe). Never ends: the reconciler holds a sender itself.
    pub(crate) async fn next(&mut self) -> Option<(CallKey, Outcome)> {
        self.rx.recv().await
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
