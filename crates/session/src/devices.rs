//! Asking each known agent's device which calls it has, after a reconnect (issue 14): an ALL_EVENTS session is
//! not re-sent BEGIN_CALL_EVENTs, so a call that began while no session was open and has had no event since is
//! invisible until someone asks. SNAPSHOT_DEVICE_REQ for every agent the model knows (logged in, with a
//! peripheral and a device) lists the calls at that device; those the model does not know are discovered
//! ([`Model::discover_call`], `CALL_DISCOVERED` by `SNAPSHOT_DEVICE_CONF`).
//!
//! The requests share the reconciler's bound ([`ReconcileConfig::max_in_flight`](crate::ReconcileConfig)) with
//! the SNAPSHOT_CALL_REQs, and their answers wait in a queue of that size.

use std::time::Duration;

use cti_client::{Agent as AgentRef, ClientError};
use cti_model::{CallKey, CallState, Change, Model};
use cti_proto::constants::{AGENT_STATE_LOGOUT, CallState as DeviceCallState};
use cti_proto::message::SnapshotDeviceConf;

/// One agent device to ask about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAsk {
    /// PeripheralID.
    pub peripheral_id: u32,
    /// The agent's key in the model (AgentID, else its device).
    pub agent_id: String,
    /// The device asked about: the AgentInstrument, else the AgentExtension.
    pub instrument: String,
}

impl DeviceAsk {
    /// The devices of every agent `model` knows that is logged in and has a peripheral and a device, by agent.
    pub fn all(model: &Model) -> Vec<DeviceAsk> {
        model
            .agents()
            .filter(|a| a.state != AGENT_STATE_LOGOUT)
            .filter_map(|a| {
                Some(DeviceAsk {
                    peripheral_id: a.peripheral_id?,
                    agent_id: a.agent_id.clone(),
                    instrument: a.instrument.clone().or_else(|| a.extension.clone())?,
                })
            })
            .collect()
    }

    /// The client's agent reference for SNAPSHOT_DEVICE_REQ.
    pub(crate) fn agent_ref(&self) -> AgentRef {
        AgentRef {
            peripheral_id: self.peripheral_id,
            agent_id: None,
            extension: None,
            instrument: Some(self.instrument.clone()),
        }
    }
}

/// One call a SNAPSHOT_DEVICE_CONF listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCall {
    /// Its key.
    pub key: CallKey,
    /// The state of the call at the device (CallState, tag 75), when it names one.
    pub state: Option<CallState>,
}

/// What the server said about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAnswer {
    /// The device asked about.
    pub device: DeviceAsk,
    /// The calls at the device, or why there is no answer (the error's text).
    pub found: Result<Vec<FoundCall>, String>,
}

impl DeviceAnswer {
    /// The answer of a SNAPSHOT_DEVICE_REQ.
    pub(crate) fn of(device: DeviceAsk, answer: Result<SnapshotDeviceConf, ClientError>) -> Self {
        let found = answer
            .map(|conf| {
                conf.calls
                    .iter()
                    .map(|c| FoundCall {
                        key: CallKey::new(
                            c.call_connection_call_id,
                            c.call_connection_device_id_type,
                            c.call_connection_device_id.clone(),
                        ),
                        state: state_of(c.call_state),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string());
        DeviceAnswer { device, found }
    }

    /// Tells the model: each call listed that it does not know (live, or ended already) is discovered at the
    /// device. Returns how many were discovered.
    pub fn settle(&self, model: &mut Model, now: Duration, out: &mut Vec<Change>) -> usize {
        let Ok(found) = &self.found else { return 0 };
        found
            .iter()
            .filter(|f| {
                model.discover_call(
                    &f.key,
                    self.device.peripheral_id,
                    f.state,
                    Some(&self.device.instrument),
                    now,
                    out,
                )
            })
            .count()
    }
}

/// The model's state of a call from the state of its connection at a device.
fn state_of(s: DeviceCallState) -> Option<CallState> {
    Some(match s {
        DeviceCallState::CS_INITIATE => CallState::Initiated,
        DeviceCallState::CS_ALERTING => CallState::Ringing,
        DeviceCallState::CS_CONNECT => CallState::Connected,
        DeviceCallState::CS_HOLD => CallState::Held,
        DeviceCallState::CS_QUEUED => CallState::Queued,
        DeviceCallState::CS_FAIL => CallState::Failed,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::CONNECTION_ID_STATIC;
    use cti_proto::message::DeviceCall;

    #[test]
    fn a_device_answer_discovers_the_calls_the_model_does_not_know() {
        let mut conf = SnapshotDeviceConf::default();
        let mut c = DeviceCall::default();
        c.call_connection_call_id = 7;
        c.call_connection_device_id_type = CONNECTION_ID_STATIC;
        c.call_connection_device_id = "7".into();
        c.call_state = DeviceCallState::CS_HOLD;
        conf.calls = vec![c.clone(), c];
        let device = DeviceAsk {
            peripheral_id: 5000,
            agent_id: "1001".into(),
            instrument: "2001".into(),
        };
        let answer = DeviceAnswer::of(device.clone(), Ok(conf));
        let mut model = Model::default();
        model.session_opened(Duration::ZERO);
        let mut out = Vec::new();
        assert_eq!(
            answer.settle(&mut model, Duration::from_secs(1), &mut out),
            1
        );
        let key = CallKey::new(7, CONNECTION_ID_STATIC, "7");
        let call = model
            .call(&key)
            .map(|c| (c.state, c.discovered, c.devices.len()));
        assert_eq!(call, Some((CallState::Held, true, 1)));
        assert_eq!(out.len(), 1);
        let failed = DeviceAnswer::of(device, Err(ClientError::Timeout(15)));
        assert_eq!(failed.found, Err("no reply within 15 s".to_owned()));
        assert_eq!(
            failed.settle(&mut model, Duration::from_secs(2), &mut out),
            0
        );
    }
}
