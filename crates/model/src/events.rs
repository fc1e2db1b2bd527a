//! Reading CTI messages as model inputs: which call (key) an event is about and what it says of it.
//!
//! Call events carrying the key (ConnectionCallID, ConnectionDeviceIDType, ConnectionDeviceID): BEGIN_CALL,
//! END_CALL, CALL_DATA_UPDATE and the §4.2 events CALL_DELIVERED, ESTABLISHED, HELD, RETRIEVED, CLEARED,
//! CONNECTION_CLEARED, ORIGINATED, FAILED, DIVERTED, SERVICE_INITIATED, QUEUED, DEQUEUED, REACHED_NETWORK.
//! Conference/transfer events (primary/secondary call ids) are not read: END/BEGIN/CALL_DATA_UPDATE report
//! their effect on the generic call objects.

use cti_proto::constants::{AgentState, CallType, NULL_CALLTYPE, NULL_SKILL_GROUP, SystemEventId};
use cti_proto::{CtiString, Message};

use crate::call::{CallState, Ecc, Patch, RouterCallKey};
use crate::key::CallKey;

/// What one message means to the model.
pub(crate) enum Input {
    Begin {
        key: CallKey,
        patch: Patch,
    },
    End {
        key: CallKey,
        peripheral_id: u32,
    },
    Update {
        key: CallKey,
        new_key: Option<CallKey>,
        patch: Patch,
    },
    Event {
        key: CallKey,
        patch: Patch,
    },
    Agent(AgentInput),
    System {
        id: SystemEventId,
        arg1: u32,
    },
}

/// An agent report (AGENT_STATE_EVENT or QUERY_AGENT_STATE_CONF).
pub(crate) struct AgentInput {
    pub agent_id: Option<String>,
    pub extension: Option<String>,
    pub instrument: Option<String>,
    pub peripheral_id: Option<u32>,
    pub state: AgentState,
    pub reason_code: Option<u16>,
    pub skill_groups: SkillGroups,
}

/// What an agent report says of the agent's skill groups.
pub(crate) enum SkillGroups {
    /// The complete list (skill group ids).
    All(Vec<u32>),
    /// One skill group and the agent's state in it (LOGOUT removes it).
    One { id: u32, state: AgentState },
    /// Nothing.
    Unchanged,
}

fn text(s: Option<&CtiString>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(|s| s.to_str().into_owned())
}

fn router_key(
    day: Option<u32>,
    call_id: Option<u32>,
    sequence: Option<u32>,
) -> Option<RouterCallKey> {
    Some(RouterCallKey {
        day: day?,
        call_id: call_id?,
        sequence: sequence.unwrap_or(0),
    })
}

fn call_type(t: CallType) -> Option<CallType> {
    (t.0 != NULL_CALLTYPE).then_some(t)
}

/// The patch of an enriching event: peripheral, state, devices seen.
fn base(peripheral_id: u32, state: Option<CallState>, devices: &[Option<&CtiString>]) -> Patch {
    Patch {
        peripheral_id: Some(peripheral_id),
        state,
        devices: devices.iter().filter_map(|d| text(*d)).collect(),
        ..Patch::default()
    }
}

/// The ten call variables, owned (cloning a `CtiString` is cheap).
fn owned(vars: [Option<&CtiString>; 10]) -> [Option<CtiString>; 10] {
    vars.map(Option::<&CtiString>::cloned)
}

/// Reads a message; `None` for messages the model does not use.
pub(crate) fn read(msg: &Message) -> Option<Input> {
    use CallState as S;
    let event = |key, patch| Some(Input::Event { key, patch });
    match msg {
        Message::BeginCallEvent(m) => Some(Input::Begin {
            key: CallKey::from(m.connection()),
            patch: Patch {
                peripheral_id: Some(m.peripheral_id),
                call_type: call_type(m.call_type),
                ani: m.ani.clone(),
                dnis: m.dnis.clone(),
                dialed_number: m.dialed_number.clone(),
                caller_entered_digits: m.caller_entered_digits.clone(),
                wrapup_data: m.call_wrapup_data.clone(),
                call_variables: owned(m.call_variables()),
                ecc: Ecc::of(&m.named_variables, &m.named_arrays),
                router_call_key: router_key(
                    m.router_call_key_day,
                    m.router_call_key_call_id,
                    m.router_call_key_sequence_number,
                ),
                state: None,
                devices: Vec::new(),
            },
        }),
        Message::EndCallEvent(m) => Some(Input::End {
            key: CallKey::from(m.connection()),
            peripheral_id: m.peripheral_id,
        }),
        Message::CallDataUpdateEvent(m) => {
            let key = CallKey::from(m.connection());
            let new_key = m
                .new_connection_device_id
                .as_ref()
                .filter(|d| !(d.is_empty() && m.new_connection_call_id == 0))
                .map(|d| {
                    CallKey::of(
                        m.new_connection_call_id,
                        m.new_connection_device_id_type,
                        Some(d),
                    )
                })
                .filter(|k| *k != key);
            Some(Input::Update {
                key,
                new_key,
                patch: Patch {
                    peripheral_id: Some(m.peripheral_id),
                    call_type: call_type(m.call_type),
                    ani: m.ani.clone(),
                    dnis: m.dnis.clone(),
                    dialed_number: m.dialed_number.clone(),
                    caller_entered_digits: m.caller_entered_digits.clone(),
                    wrapup_data: m.call_wrapup_data.clone(),
                    call_variables: owned(m.call_variables()),
                    ecc: Ecc::of(&m.named_variables, &m.named_arrays),
                    router_call_key: router_key(
                        m.router_call_key_day,
                        m.router_call_key_call_id,
                        m.router_call_key_sequence_number,
                    ),
                    state: None,
                    devices: Vec::new(),
                },
            })
        }
        Message::CallDeliveredEvent(m) => {
            let mut p = base(
                m.peripheral_id,
                Some(S::Ringing),
                &[m.alerting_device_id.as_ref()],
            );
            p.ani.clone_from(&m.ani);
            p.dnis.clone_from(&m.dnis);
            p.dialed_number.clone_from(&m.dialed_number);
            p.caller_entered_digits.clone_from(&m.caller_entered_digits);
            p.wrapup_data.clone_from(&m.call_wrapup_data);
            p.call_variables = owned(m.call_variables());
            p.ecc = Ecc::of(&m.named_variables, &m.named_arrays);
            event(CallKey::from(m.connection()), p)
        }
        Message::CallEstablishedEvent(m) => {
            let p = base(
                m.peripheral_id,
                Some(S::Connected),
                &[m.answering_device_id.as_ref()],
            );
            event(CallKey::from(m.connection()), p)
        }
        Message::CallHeldEvent(m) => event(
            CallKey::from(m.connection()),
            base(
                m.peripheral_id,
                Some(S::Held),
                &[m.holding_device_id.as_ref()],
            ),
        ),
        Message::CallRetrievedEvent(m) => {
            let p = base(
                m.peripheral_id,
                Some(S::Connected),
                &[m.retrieving_device_id.as_ref()],
            );
            event(CallKey::from(m.connection()), p)
        }
        Message::CallClearedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, Some(S::Cleared), &[]),
        ),
        Message::CallConnectionClearedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, None, &[]),
        ),
        Message::CallOriginatedEvent(m) => {
            let p = base(
                m.peripheral_id,
                Some(S::Initiated),
                &[m.calling_device_id.as_ref()],
            );
            event(CallKey::from(m.connection()), p)
        }
        Message::CallFailedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, Some(S::Failed), &[]),
        ),
        Message::CallDivertedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, None, &[]),
        ),
        Message::CallServiceInitiatedEvent(m) => {
            let p = base(
                m.peripheral_id,
                Some(S::Initiated),
                &[m.calling_device_id.as_ref()],
            );
            event(CallKey::from(m.connection()), p)
        }
        Message::CallQueuedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, Some(S::Queued), &[]),
        ),
        Message::CallDequeuedEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, None, &[]),
        ),
        Message::CallReachedNetworkEvent(m) => event(
            CallKey::from(m.connection()),
            base(m.peripheral_id, None, &[]),
        ),
        Message::AgentStateEvent(m) => {
            let skill_groups = if m.flt_skill_groups.is_empty() {
                if m.skill_group_number == NULL_SKILL_GROUP {
                    SkillGroups::Unchanged
                } else {
                    SkillGroups::One {
                        id: m.skill_group_id,
                        state: m.skill_group_state,
                    }
                }
            } else {
                let mut ids: Vec<u32> = m
                    .flt_skill_groups
                    .iter()
                    .map(|g| g.skill_group_id)
                    .collect();
                if m.skill_group_number != NULL_SKILL_GROUP {
                    ids.push(m.skill_group_id);
                }
                SkillGroups::All(ids)
            };
            Some(Input::Agent(AgentInput {
                agent_id: text(m.agent_id.as_ref()).or_else(|| text(m.agent_id_long.as_ref())),
                extension: text(m.agent_extension.as_ref()),
                instrument: text(m.agent_instrument.as_ref()),
                peripheral_id: Some(m.peripheral_id),
                state: m.agent_state,
                reason_code: Some(m.event_reason_code),
                skill_groups,
            }))
        }
        Message::QueryAgentStateConf(m) => Some(Input::Agent(AgentInput {
            agent_id: text(m.agent_id.as_ref()).or_else(|| text(m.agent_id_long.as_ref())),
            extension: text(m.agent_extension.as_ref()),
            instrument: text(m.agent_instrument.as_ref()),
            peripheral_id: None,
            state: m.agent_state,
            reason_code: None,
            skill_groups: SkillGroups::All(
                m.skill_groups.iter().map(|g| g.skill_group_id).collect(),
            ),
        })),
        Message::SystemEvent(m) => Some(Input::System {
            id: m.system_event_id,
            arg1: m.system_event_arg_1,
        }),
        _ => None,
    }
}
