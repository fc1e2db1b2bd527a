//! Reconciling the call model with the server after a reconnect, and after a peripheral returns.
//!
//! A ClientEvents session is sent a BEGIN_CALL_EVENT for every call in progress when it opens; an ALL_EVENTS
//! session is not, and events that occurred while no session was open are never reported (guidelines, "CTI
//! Operations During Unified CCE Failures"). So after each reconnect a session that may ask (ALL_EVENTS +
//! CLIENT_CONTROL, [`worth_reconciling`]) sends SNAPSHOT_CALL_REQ for every call the model still awaits: a
//! SNAPSHOT_CALL_CONF means the call continues, CF_INVALID_CSTA_CONNECTION_IDENTIFIER means it ended during the
//! outage. Any other answer (a timeout, another loss) settles nothing: the call is left to the model's
//! re-announcement window.
//!
//! The same question is asked when a peripheral comes back online about each of its calls the outage left
//! uncertain: a call that continues is resumed, one the server no longer knows ends "peripheral offline".
//!
//! After a reconnect the session also asks each known agent's device which calls it has (SNAPSHOT_DEVICE_REQ,
//! [`crate::devices`]) and discovers the calls the model did not know: calls that began while no session was
//! open.
//!
//! At most [`ReconcileConfig::max_in_flight`] requests (SNAPSHOT_CALL_REQ and SNAPSHOT_DEVICE_REQ together) are
//! outstanding at once, and answers wait in queues of that size: a consumer that stops reading stops the asking
//! too, so memory stays bounded.

use std::sync::Arc;
use std::time::Duration;

use cti_client::{CallRef, Client, ClientError, Side};
use cti_model::{CallKey, Change, EndReason, Model};
use cti_proto::constants::{
    CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, ControlFailureCode, ServiceMask,
};
use tokio::sync::{Semaphore, mpsc};

use crate::devices::{DeviceAnswer, DeviceAsk};

/// SNAPSHOT_CALL_REQs in flight at once by default: after a failover every client reconnects together, so a
/// client with thousands of calls must not send them all in one burst.
pub const MAX_SNAPSHOTS_IN_FLIGHT: usize = 16;

/// True when a session granted `services` should reconcile by snapshot: it sees every call (ALL_EVENTS) and may
/// send SNAPSHOT_CALL_REQ (CLIENT_CONTROL). A ClientEvents session is re-sent BEGIN_CALL_EVENTs instead.
pub fn worth_reconciling(services: ServiceMask) -> bool {
    services.contains(CTI_SERVICE_ALL_EVENTS) && services.contains(CTI_SERVICE_CLIENT_CONTROL)
}

/// How a session reconciles.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconcileConfig {
    /// Reconcile when the services granted allow it ([`worth_reconciling`]). Default true.
    pub enabled: bool,
    /// SNAPSHOT_CALL_REQs outstanding at once (at least 1). Default [`MAX_SNAPSHOTS_IN_FLIGHT`].
    pub max_in_flight: usize,
}

impl Default for ReconcileConfig {
    fn default() -> Self {
        ReconcileConfig {
            enabled: true,
            max_in_flight: MAX_SNAPSHOTS_IN_FLIGHT,
        }
    }
}

/// Why calls are being asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cause {
    /// A new session opened on `side`: the calls known before await re-announcement.
    Reconnect(Side),
    /// The peripheral came back online: its calls the outage left uncertain.
    PeripheralOnline(u32),
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
    /// The `outcome` field of the CALL_RECONCILED line: `continues`, `ended during outage` (after a reconnect)
    /// or `peripheral offline` (after a peripheral returned), `unsettled`.
    pub fn name(&self, cause: Cause) -> &'static str {
        match (self, cause) {
            (Outcome::Continues, _) => "continues",
            (Outcome::Gone, Cause::Reconnect(_)) => "ended during outage",
            (Outcome::Gone, Cause::PeripheralOnline(_)) => "peripheral offline",
            (Outcome::Unsettled(_), _) => "unsettled",
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

/// One answer, ready to settle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The call asked about.
    pub key: CallKey,
    /// Why it was asked about.
    pub cause: Cause,
    /// What the server said.
    pub outcome: Outcome,
}

impl Answer {
    /// Tells the model: after a reconnect a call that continues is kept ([`Model::confirm_call`]) and one the
    /// server no longer knows ends "ended during outage"; after a peripheral returned a call that continues is
    /// resumed ([`Model::resume_call`]) and one the server no longer knows ends "peripheral offline". Returns
    /// whether the model changed (false when an event settled the call first).
    pub fn settle(&self, model: &mut Model, now: Duration, out: &mut Vec<Change>) -> bool {
        match (&self.outcome, self.cause) {
            (Outcome::Continues, Cause::Reconnect(_)) => model.confirm_call(&self.key, now, out),
            (Outcome::Continues, Cause::PeripheralOnline(_)) => {
                model.resume_call(&self.key, now, out)
            }
            (Outcome::Gone, Cause::Reconnect(_)) => {
                model.end_call(&self.key, EndReason::EndedDuringOutage, out)
            }
            (Outcome::Gone, Cause::PeripheralOnline(_)) => {
                model.end_call(&self.key, EndReason::PeripheralOffline, out)
            }
            (Outcome::Unsettled(_), _) => false,
        }
    }
}

/// An answer about a call or about a device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// SNAPSHOT_CALL_REQ's answer.
    Call(Answer),
    /// SNAPSHOT_DEVICE_REQ's answer.
    Device(DeviceAnswer),
}

/// Asks in the background ([`Reconciler::ask`]); answers come back through [`Reconciler::next`].
#[derive(Debug)]
pub struct Reconciler {
    tx: mpsc::Sender<Answer>,
    rx: mpsc::Receiver<Answer>,
    device_tx: mpsc::Sender<DeviceAnswer>,
    device_rx: mpsc::Receiver<DeviceAnswer>,
    in_flight: Arc<Semaphore>,
}

impl Reconciler {
    /// A reconciler with nothing asked yet, at most `max_in_flight` requests outstanding (at least 1).
    pub fn new(max_in_flight: usize) -> Self {
        let n = max_in_flight.max(1);
        let (tx, rx) = mpsc::channel(n);
        let (device_tx, device_rx) = mpsc::channel(n);
        Reconciler {
            tx,
            rx,
            device_tx,
            device_rx,
            in_flight: Arc::new(Semaphore::new(n)),
        }
    }

    /// The calls to ask about for `cause`: after a reconnect those awaiting re-announcement, after a peripheral
    /// returned its uncertain calls.
    pub fn calls_for(model: &Model, cause: Cause) -> Vec<(u32, CallKey)> {
        match cause {
            Cause::Reconnect(_) => model
                .awaiting_reannouncement()
                .map(|c| (c.peripheral_id, c.key.clone()))
                .collect(),
            Cause::PeripheralOnline(id) => model
                .uncertain_calls(id)
                .map(|c| (c.peripheral_id, c.key.clone()))
                .collect(),
        }
    }

    /// Sends SNAPSHOT_CALL_REQ for each of `calls` in the background, a bounded number at a time (the client
    /// gives each its own InvokeID). Returns how many were asked about.
    pub fn ask(&self, client: &Client, calls: Vec<(u32, CallKey)>, cause: Cause) -> usize {
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
                // The permit is held until the answer is queued: a consumer that does not read stops the asking.
                let _ = tx
                    .send(Answer {
                        key,
                        cause,
                        outcome: Outcome::of(answer),
                    })
                    .await;
            });
        }
        n
    }

    /// The next answer (cancel-safe). With nothing asked this waits forever (the reconciler holds a sender).
    pub async fn next(&mut self) -> Option<Answer> {
        self.rx.recv().await
    }

    /// Sends SNAPSHOT_DEVICE_REQ for each of `devices` in the background, within the same bound as
    /// [`Reconciler::ask`]. Returns how many were asked about.
    pub fn ask_devices(&self, client: &Client, devices: Vec<DeviceAsk>) -> usize {
        let n = devices.len();
        for device in devices {
            let client = client.clone();
            let tx = self.device_tx.clone();
            let in_flight = Arc::clone(&self.in_flight);
            tokio::spawn(async move {
                let Ok(_permit) = in_flight.acquire_owned().await else {
                    return;
                };
                let answer = client.snapshot_device(&device.agent_ref()).await;
                let _ = tx.send(DeviceAnswer::of(device, answer)).await;
            });
        }
        n
    }

    /// The next device answer (cancel-safe); waits forever with nothing asked.
    pub async fn next_device(&mut self) -> Option<DeviceAnswer> {
        self.device_rx.recv().await
    }

    /// The next answer of either kind (cancel-safe); waits forever with nothing asked.
    pub async fn next_reply(&mut self) -> Option<Reply> {
        tokio::select! {
            Some(a) = self.rx.recv() => Some(Reply::Call(a)),
            Some(d) = self.device_rx.recv() => Some(Reply::Device(d)),
            else => None,
        }
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
        let after_reconnect = Cause::Reconnect(Side::A);
        assert_eq!(Outcome::Gone.name(after_reconnect), "ended during outage");
        assert_eq!(
            Outcome::Gone.name(Cause::PeripheralOnline(5000)),
            "peripheral offline"
        );
        assert_eq!(Outcome::Continues.name(after_reconnect), "continues");
    }

    #[test]
    fn only_all_events_with_client_control_reconciles() {
        assert!(worth_reconciling(
            CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL
        ));
        assert!(!worth_reconciling(CTI_SERVICE_ALL_EVENTS));
        assert!(!worth_reconciling(CTI_SERVICE_CLIENT_CONTROL));
    }
}
