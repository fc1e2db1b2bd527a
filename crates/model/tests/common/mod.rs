//! Message builders and a change-stream checker shared by the tests.
#![allow(
    dead_code,
    clippy::missing_panics_doc,
    reason = "test helpers, not all used by every test file"
)]

use std::time::Duration;

use cti_model::CallKey;
use cti_proto::constants::*;
use cti_proto::message::*;
use cti_proto::{Message, NamedVariable};

pub const PERIPHERAL: u32 = 5000;

pub fn key(id: u32, dev: &str) -> CallKey {
    CallKey::new(id, CONNECTION_ID_STATIC, dev)
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

macro_rules! keyed {
    ($t:ty, $k:expr) => {{
        let mut m = <$t>::default();
        m.peripheral_id = PERIPHERAL;
        m.connection_call_id = $k.connection_call_id;
        m.connection_device_id_type = $k.device_id_type;
        m.connection_device_id = Some($k.device_id.clone());
        m
    }};
}

pub fn begin(k: &CallKey) -> BeginCallEvent {
    let mut m = keyed!(BeginCallEvent, k);
    m.call_type = CALLTYPE_ACD_IN;
    m
}

pub fn begin_on(k: &CallKey, peripheral: u32) -> Message {
    let mut m = begin(k);
    m.peripheral_id = peripheral;
    m.into()
}

pub fn end(k: &CallKey) -> Message {
    keyed!(EndCallEvent, k).into()
}

pub fn update(k: &CallKey) -> CallDataUpdateEvent {
    let mut m = keyed!(CallDataUpdateEvent, k);
    m.call_type = CALLTYPE_ACD_IN;
    m.new_connection_call_id = k.connection_call_id;
    m.new_connection_device_id_type = k.device_id_type;
    m.new_connection_device_id = Some(k.device_id.clone());
    m
}

pub fn update_var(k: &CallKey, index: usize, value: &str) -> Message {
    let mut m = update(k);
    let v = Some(value.into());
    match index {
        1 => m.call_variable_1 = v,
        2 => m.call_variable_2 = v,
        3 => m.call_variable_3 = v,
        _ => m.call_variable_4 = v,
    }
    m.into()
}

pub fn update_ecc(k: &CallKey, vars: &[(&str, &str)]) -> Message {
    let mut m = update(k);
    m.named_variables = vars
        .iter()
        .map(|(n, v)| NamedVariable::new(*n, *v))
        .collect();
    m.into()
}

pub fn rekey(k: &CallKey, to: &CallKey) -> Message {
    let mut m = update(k);
    m.new_connection_call_id = to.connection_call_id;
    m.new_connection_device_id_type = to.device_id_type;
    m.new_connection_device_id = Some(to.device_id.clone());
    m.into()
}

pub fn delivered(k: &CallKey, alerting: &str) -> Message {
    let mut m = keyed!(CallDeliveredEvent, k);
    m.alerting_device_id = Some(alerting.into());
    m.local_connection_state = LCS_ALERTING;
    m.into()
}

pub fn established(k: &CallKey, answering: &str) -> Message {
    let mut m = keyed!(CallEstablishedEvent, k);
    m.answering_device_id = Some(answering.into());
    m.local_connection_state = LCS_CONNECT;
    m.into()
}

pub fn held(k: &CallKey, holding: &str) -> Message {
    let mut m = keyed!(CallHeldEvent, k);
    m.holding_device_id = Some(holding.into());
    m.into()
}

pub fn retrieved(k: &CallKey, retrieving: &str) -> Message {
    let mut m = keyed!(CallRetrievedEvent, k);
    m.retrieving_device_id = Some(retrieving.into());
    m.into()
}

pub fn queued(k: &CallKey) -> Message {
    keyed!(CallQueuedEvent, k).into()
}

pub fn cleared(k: &CallKey) -> Message {
    keyed!(CallClearedEvent, k).into()
}

pub fn system(id: SystemEventId, peripheral: u32) -> Message {
    let mut m = SystemEvent::default();
    m.system_event_id = id;
    m.system_event_arg_1 = peripheral;
    m.into()
}

pub fn agent_state(agent_id: &str, extension: &str, state: AgentState) -> Message {
    let mut m = AgentStateEvent::default();
    m.peripheral_id = PERIPHERAL;
    m.agent_id = Some(agent_id.into());
    m.agent_extension = Some(extension.into());
    m.agent_state = state;
    m.skill_group_number = NULL_SKILL_GROUP;
    m.into()
}

/// The change-stream invariants live in the crate, shared with the fuzz target.
#[allow(unused_imports, reason = "not every test file checks the stream")]
pub use cti_model::fuzzing::check_stream;
