//! [`Update`]: one thing that happened to a session, with the model changes it caused, in order.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cti_client::{ClientEvent, Side};
use cti_model::{Change, Model};
use serde_json::Value;

use crate::devices::DeviceAnswer;
use crate::lines::{
    change_json, device_reconciled_json, lifecycle_json, reconciled_json, reconciling_devices_json,
    reconciling_json,
};
use crate::reconcile::{Answer, Cause};

/// What happened.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum UpdateKind {
    /// The client reported something: a server message or a lifecycle event (connecting, connected, lost, ...).
    Client(ClientEvent),
    /// SNAPSHOT_CALL_REQs went out for `calls` calls (after a reconnect, or a peripheral came back online).
    Reconciling {
        /// Why.
        cause: Cause,
        /// The side of the session they went out on.
        side: Side,
        /// How many calls are asked about.
        calls: usize,
    },
    /// The server answered about one call (or the question could not be settled).
    Reconciled {
        /// The call, why it was asked about, and the outcome.
        answer: Answer,
        /// Whether the model changed (false when an event settled the call first, or it was unsettled).
        applied: bool,
    },
    /// SNAPSHOT_DEVICE_REQs went out for `devices` agent devices after a reconnect, to find calls that began
    /// while no session was open.
    ReconcilingDevices {
        /// The side of the session they went out on.
        side: Side,
        /// How many devices are asked about.
        devices: usize,
    },
    /// The server answered about one device (or the question could not be settled).
    DeviceReconciled {
        /// The device and the calls listed there (or the error).
        answer: DeviceAnswer,
        /// How many of those calls the model did not know and discovered.
        discovered: usize,
    },
    /// A model deadline passed (the re-announcement window closed, a pending call was discovered, a resume
    /// window closed); only the changes matter.
    Deadline,
}

/// One update of a [`crate::Session`]: what happened and the model changes it caused, in order.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Update {
    /// The session's `source` label (the name a user gives that CTI Server pair, e.g. `pg1`; may be empty).
    pub source: Arc<str>,
    /// The number of this update in its session: 1, 2, 3, … with no holes.
    pub seq: u64,
    /// Model time: since the session started (tokio time, so virtual in tests).
    pub at: Duration,
    /// Wall-clock time when it happened (for timestamps shown to people and written to logs and streams).
    pub received: SystemTime,
    /// What happened.
    pub kind: UpdateKind,
    /// What the model changed because of it, in order (often empty).
    pub changes: Vec<Change>,
}

impl Update {
    /// The server message, when the update is one.
    pub fn message(&self) -> Option<&cti_proto::Message> {
        match &self.kind {
            UpdateKind::Client(ClientEvent::Message(m)) => Some(m),
            _ => None,
        }
    }

    /// The JSON lines of this update, in order: the event's line (the message's JSON form, or a lifecycle or
    /// reconciliation line), then one line per model change shown. Model lines read the call from `model`, which
    /// must be the session's model right after this update ([`crate::Session::lines`] does that). A named source
    /// adds `"source"` to every line.
    pub fn lines(&self, model: &Model) -> Vec<Value> {
        let mut out = Vec::with_capacity(1 + self.changes.len());
        match &self.kind {
            UpdateKind::Client(ClientEvent::Message(m)) => out.extend(serde_json::to_value(m).ok()),
            UpdateKind::Client(e) => out.extend(lifecycle_json(e)),
            UpdateKind::Reconciling { cause, side, calls } => {
                out.push(reconciling_json(*cause, side.name(), *calls));
            }
            UpdateKind::Reconciled { answer, applied } => {
                out.push(reconciled_json(answer, *applied));
            }
            UpdateKind::ReconcilingDevices { side, devices } => {
                out.push(reconciling_devices_json(side.name(), *devices));
            }
            UpdateKind::DeviceReconciled { answer, discovered } => {
                out.push(device_reconciled_json(answer, *discovered));
            }
            UpdateKind::Deadline => {}
        }
        out.extend(self.changes.iter().filter_map(|c| change_json(c, model)));
        if !self.source.is_empty() {
            for line in &mut out {
                if let Value::Object(map) = line {
                    map.insert("source".into(), Value::String(self.source.to_string()));
                }
            }
        }
        out
    }
}
