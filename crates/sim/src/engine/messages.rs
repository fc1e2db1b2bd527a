//! Building the cti-proto messages the engine emits, from its call and agent records. Strings are cloned
//! [`CtiString`]s (cheap); nothing is formatted here.

use cti_proto::constants::{
    AgentAvailabilityStatus, AgentDirection, AgentMode, AgentState, CallState,
    CalledPartyDisposition, DeviceIdType, EventCause, LocalConnectionState, NULL_SERVICE, PgStatus,
    SilentMonitorStatus, SystemEventId,
};
use cti_proto::message::{
    AgentSkillGroup, AgentStateEvent, BeginCallEvent, CallClearedEvent, CallConferencedEvent,
    CallConnectionClearedEvent, CallDataUpdateEvent, CallDeliveredEvent, CallDequeuedEvent,
    CallDevice, CallEstablishedEvent, CallHeldEvent, CallOriginatedEvent, CallQueuedEvent,
    CallRetrievedEvent, CallServiceInitiatedEvent, CallTransferredEvent, ConnectedParty,
    DequeuedSkillGroup, DeviceCall, EndCallEvent, QueryAgentSkillGroup, QueryAgentStateConf,
    QueuedSkillGroup, SnapshotCallConf, SnapshotDeviceConf, SystemEvent,
};
use cti_proto::{Connection, CtiString, Message};

use super::agents::Agent;
use super::calls::{Call, STATIC};

const DEVICE: DeviceIdType = DeviceIdType::DEVID_DEVICE_IDENTIFIER;
/// MRDID of the voice media routing domain.
const MRD_VOICE: i32 = 1;

/// The call's connection: ConnectionCallID, ConnectionDeviceIDType STATIC, ConnectionDeviceID.
fn connection(c: &Call) -> Connection {
    Connection::new(c.id, STATIC, c.device.clone())
}

/// What a CALL_DATA_UPDATE_EVENT reports as changed (the ECC set is always sent whole).
#[derive(Debug, Clone, Default)]
pub(super) struct DataChanges {
    pub(super) vars: [Option<CtiString>; 10],
    pub(super) ani: Option<CtiString>,
    pub(super) dnis: Option<CtiString>,
    pub(super) ced: Option<CtiString>,
    pub(super) wrapup: Option<CtiString>,
    pub(super) customer_phone: Option<CtiString>,
    pub(super) customer_account: Option<CtiString>,
}

fn availability(state: AgentState) -> AgentAvailabilityStatus {
    if state == AgentState::AGENT_STATE_AVAILABLE {
        AgentAvailabilityStatus::AGENT_AVAILABILITY_ICM_AVAILABLE
    } else {
        AgentAvailabilityStatus::AGENT_AVAILABILITY_NOT_AVAILABLE
    }
}

fn num_tasks(agent: &Agent) -> u32 {
    u32::try_from(agent.calls.len()).unwrap_or(u32::MAX)
}

/// AGENT_STATE_EVENT for the agent's current state; `sig` = the client that caused the change; `direction` =
/// the Direction of its call. MaxBeyondTaskLimit is 0: the simulator never gives an agent more than its
/// MaxTaskLimit. The optional fields are left out below their first version, and with `[fidelity]
/// optional_fields = false`, when the event is delivered (`crate::fidelity`).
pub(super) fn agent_state(
    agent: &Agent,
    sig: Option<&CtiString>,
    direction: AgentDirection,
) -> Message {
    let (sg, sg_id) = agent.main_skill_group();
    let mut m = AgentStateEvent::default();
    m.monitor_id = 0;
    m.peripheral_id = agent.peripheral_id;
    m.session_id = 0;
    m.peripheral_type = agent.ptype;
    m.skill_group_state = agent.state;
    m.state_duration = 0;
    m.skill_group_number = sg;
    m.skill_group_id = sg_id;
    m.skill_group_priority = 0;
    m.agent_state = agent.state;
    m.event_reason_code = agent.reason;
    m.mrd_id = MRD_VOICE;
    m.num_tasks = num_tasks(agent);
    m.agent_mode = AgentMode::AGENT_MODE_ROUTABLE;
    m.max_task_limit = 1;
    m.icm_agent_id = agent.icm_id;
    m.agent_availability_status = availability(agent.state);
    m.department_id = Some(0);
    m.cti_client_signature = sig.cloned();
    m.agent_id = Some(agent.id.clone());
    m.agent_extension = Some(agent.ext.clone());
    m.agent_instrument = Some(agent.instrument.clone());
    m.direction = Some(direction);
    m.max_beyond_task_limit = Some(0);
    m.flt_skill_groups = agent
        .skill_groups
        .iter()
        .map(|&(n, id)| {
            let mut s = AgentSkillGroup::default();
            s.skill_group_number = i32::try_from(n).unwrap_or(-1);
            s.skill_group_id = id;
            s.skill_group_priority = 0;
            s.skill_group_state = agent.state;
            s
        })
        .collect();
    Message::from(m)
}

/// QUERY_AGENT_STATE_CONF for `agent`.
pub(super) fn query_agent_state_conf(invoke_id: u32, agent: &Agent) -> Message {
    let mut m = QueryAgentStateConf::default();
    m.invoke_id = invoke_id;
    m.agent_state = agent.state;
    m.mrd_id = MRD_VOICE;
    m.num_tasks = num_tasks(agent);
    m.agent_mode = AgentMode::AGENT_MODE_ROUTABLE;
    m.max_task_limit = 1;
    m.icm_agent_id = agent.icm_id;
    m.agent_availability_status = availability(agent.state);
    m.department_id = Some(0);
    m.agent_id = Some(agent.id.clone());
    m.agent_extension = Some(agent.ext.clone());
    m.agent_instrument = Some(agent.instrument.clone());
    m.skill_groups = agent
        .skill_groups
        .iter()
        .map(|&(n, id)| {
            let mut s = QueryAgentSkillGroup::default();
            s.skill_group_number = n;
            s.skill_group_id = id;
            s.skill_group_priority = 0;
            s.skill_group_state = agent.state;
            s
        })
        .collect();
    Message::from(m)
}

/// BEGIN_CALL_EVENT with the call's current data, its RouterCallKey (with the leg's sequence number) and its
/// CallReferenceID.
pub(super) fn begin_call(c: &Call) -> Message {
    let mut m = BeginCallEvent::default();
    m.monitor_id = 0;
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.call_type = c.kind;
    m.set_connection(connection(c));
    m.called_party_disposition = CalledPartyDisposition(0);
    m.ani.clone_from(&c.ani);
    m.dnis.clone_from(&c.dnis);
    m.dialed_number.clone_from(&c.dialed);
    m.caller_entered_digits.clone_from(&c.ced);
    m.router_call_key_day = c.router_key.map(|k| k.0);
    m.router_call_key_call_id = c.router_key.map(|k| k.1);
    m.router_call_key_sequence_number = c.router_key.map(|_| c.leg);
    m.set_call_variables(c.vars.clone());
    m.call_wrapup_data.clone_from(&c.wrapup);
    m.named_variables.clone_from(&c.named_vars);
    m.named_arrays.clone_from(&c.named_arrays);
    m.cti_clients.clone_from(&c.clients);
    m.call_reference_id = Some(c.reference.clone());
    Message::from(m)
}

/// END_CALL_EVENT.
pub(super) fn end_call(c: &Call) -> Message {
    end_call_of(c.peripheral_id, c.ptype, c.id, &c.device)
}

/// END_CALL_EVENT from the call's key alone (for calls already gone).
pub(super) fn end_call_of(
    peripheral_id: u32,
    ptype: cti_proto::constants::PeripheralType,
    id: u32,
    device: &CtiString,
) -> Message {
    let mut m = EndCallEvent::default();
    m.monitor_id = 0;
    m.peripheral_id = peripheral_id;
    m.peripheral_type = ptype;
    m.set_connection(Connection::new(id, STATIC, device.clone()));
    Message::from(m)
}

/// The calling device (the originating connection) and the last redirect device (DNIS of an inbound call).
fn calling(c: &Call) -> (Option<CtiString>, Option<CtiString>, DeviceIdType) {
    let calling = c.conns.first().map(|x| x.device.clone());
    let redirect = if c.acd { c.dnis.clone() } else { None };
    let redirect_type = if redirect.is_some() {
        DEVICE
    } else {
        DeviceIdType::DEVID_NONE
    };
    (calling, redirect, redirect_type)
}

/// CALL_DELIVERED_EVENT: the call rings at `alerting` (LCS_ALERTING, CEC_NEW_CALL).
pub(super) fn call_delivered(c: &Call, alerting: &CtiString) -> Message {
    let (calling, redirect, redirect_type) = calling(c);
    let mut m = CallDeliveredEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.alerting_device_type = DEVICE;
    m.calling_device_type = DEVICE;
    m.called_device_type = DEVICE;
    m.last_redirect_device_type = redirect_type;
    m.local_connection_state = LocalConnectionState::LCS_ALERTING;
    m.event_cause = EventCause::CEC_NEW_CALL;
    m.alerting_device_id = Some(alerting.clone());
    m.calling_device_id = calling;
    m.called_device_id = Some(c.called.clone());
    m.last_redirect_device_id = redirect;
    m.ani.clone_from(&c.ani);
    m.dnis.clone_from(&c.dnis);
    m.dialed_number.clone_from(&c.dialed);
    m.caller_entered_digits.clone_from(&c.ced);
    m.set_call_variables(c.vars.clone());
    m.call_wrapup_data.clone_from(&c.wrapup);
    m.named_variables.clone_from(&c.named_vars);
    m.named_arrays.clone_from(&c.named_arrays);
    Message::from(m)
}

/// CALL_ESTABLISHED_EVENT: `answering` answered (LCS_CONNECT).
pub(super) fn call_established(c: &Call, answering: &CtiString) -> Message {
    let (calling, redirect, redirect_type) = calling(c);
    let mut m = CallEstablishedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.answering_device_type = DEVICE;
    m.calling_device_type = DEVICE;
    m.called_device_type = DEVICE;
    m.last_redirect_device_type = redirect_type;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_NONE;
    m.answering_device_id = Some(answering.clone());
    m.calling_device_id = calling;
    m.called_device_id = Some(c.called.clone());
    m.last_redirect_device_id = redirect;
    Message::from(m)
}

/// CALL_HELD_EVENT: `holding` put the call on hold.
pub(super) fn call_held(c: &Call, holding: &CtiString) -> Message {
    let mut m = CallHeldEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.holding_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_HOLD;
    m.event_cause = EventCause::CEC_NONE;
    m.holding_device_id = Some(holding.clone());
    Message::from(m)
}

/// CALL_RETRIEVED_EVENT: `retrieving` took the call back.
pub(super) fn call_retrieved(c: &Call, retrieving: &CtiString) -> Message {
    let mut m = CallRetrievedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.retrieving_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_NONE;
    m.retrieving_device_id = Some(retrieving.clone());
    Message::from(m)
}

/// CALL_CONNECTION_CLEARED_EVENT: `releasing` hung up (LCS_NULL, CEC_NONE).
pub(super) fn call_connection_cleared(c: &Call, releasing: &CtiString) -> Message {
    let mut m = CallConnectionClearedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.releasing_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_NULL;
    m.event_cause = EventCause::CEC_NONE;
    m.releasing_device_id = Some(releasing.clone());
    Message::from(m)
}

/// CALL_CLEARED_EVENT (LCS_NULL; CECX_ABAND_LOCAL_QUEUE for a call abandoned in the queue, else CEC_NONE).
pub(super) fn call_cleared(c: &Call, abandoned: bool) -> Message {
    let mut m = CallClearedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.local_connection_state = LocalConnectionState::LCS_NULL;
    m.event_cause = if abandoned {
        EventCause::CECX_ABAND_LOCAL_QUEUE
    } else {
        EventCause::CEC_NONE
    };
    Message::from(m)
}

/// CALL_QUEUED_EVENT: queued for the call's skill group (LCS_QUEUED, CEC_NO_AVAILABLE_AGENTS).
pub(super) fn call_queued(c: &Call, num_queued: u16) -> Message {
    let (calling, _, _) = calling(c);
    let mut m = CallQueuedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.queue_device_type = DeviceIdType::DEVID_QUEUE;
    m.calling_device_type = DEVICE;
    m.called_device_type = if c.dnis.is_some() {
        DEVICE
    } else {
        DeviceIdType::DEVID_NONE
    };
    m.last_redirect_device_type = DeviceIdType::DEVID_NONE;
    m.num_queued = num_queued;
    m.local_connection_state = LocalConnectionState::LCS_QUEUED;
    m.event_cause = EventCause::CEC_NO_AVAILABLE_AGENTS;
    m.queue_device_id = Some(CtiString::from(c.skill_group.0.to_string()));
    m.calling_device_id = calling;
    m.called_device_id.clone_from(&c.dnis);
    let mut sg = QueuedSkillGroup::default();
    sg.skill_group_number = i32::try_from(c.skill_group.0).unwrap_or(-1);
    sg.skill_group_id = c.skill_group.1;
    sg.skill_group_priority = 0;
    m.skill_groups = vec![sg];
    Message::from(m)
}

/// CALL_DEQUEUED_EVENT: the queued call leaves the queue for an agent.
pub(super) fn call_dequeued(c: &Call, num_queued: u16) -> Message {
    let mut m = CallDequeuedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.queue_device_type = DeviceIdType::DEVID_QUEUE;
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.num_queued = num_queued;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_NONE;
    let mut sg = DequeuedSkillGroup::default();
    sg.skill_group_number = c.skill_group.0;
    sg.skill_group_id = c.skill_group.1;
    sg.skill_group_priority = 0;
    m.skill_groups = vec![sg];
    Message::from(m)
}

/// CALL_SERVICE_INITIATED_EVENT: `calling` went off-hook to make the call (LCS_INITIATE), with the call's
/// CallReferenceID and, for a consult call, the consulted call `coc` (ConnectionCallID, ConnectionDeviceID) in
/// the COC fields.
pub(super) fn call_service_initiated(
    c: &Call,
    calling: &CtiString,
    coc: Option<&(u32, CtiString)>,
) -> Message {
    let mut m = CallServiceInitiatedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.calling_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_INITIATE;
    m.event_cause = EventCause::CEC_NEW_CALL;
    m.calling_device_id = Some(calling.clone());
    m.call_reference_id = Some(c.reference.clone());
    if let Some((id, device)) = coc {
        m.coc_connection_call_id = Some(*id);
        m.coc_call_connection_device_id_type = Some(STATIC);
        m.coc_call_connection_device_id = Some(device.clone());
    }
    Message::from(m)
}

/// CALL_ORIGINATED_EVENT: the number was dialed (LCS_CONNECT at the caller).
pub(super) fn call_originated(c: &Call) -> Message {
    let (calling, _, _) = calling(c);
    let mut m = CallOriginatedEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.service_number = NULL_SERVICE;
    m.service_id = NULL_SERVICE;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.calling_device_type = DEVICE;
    m.called_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_NONE;
    m.calling_device_id = calling;
    m.called_device_id = Some(c.called.clone());
    Message::from(m)
}

/// The connection triples of a call (CALL_TRANSFERRED / CALL_CONFERENCED events and their CONFs).
pub(super) fn parties(c: &Call) -> Vec<ConnectedParty> {
    c.conns
        .iter()
        .map(|x| {
            let mut p = ConnectedParty::default();
            p.connected_party_call_id = c.id;
            p.connected_party_device_id_type = STATIC;
            p.connected_party_device_id = x.device.clone();
            p
        })
        .collect()
}

/// CALL_TRANSFERRED_EVENT: `transferring` transferred `primary` (call id, ConnectionDeviceID) to
/// `transferred`; `c` is the resulting call (`secondary`), whose connections are listed.
pub(super) fn call_transferred(
    c: &Call,
    primary: (u32, &CtiString),
    secondary: (u32, &CtiString),
    transferring: &CtiString,
    transferred: &CtiString,
) -> Message {
    let mut m = CallTransferredEvent::default();
    m.monitor_id = 0;
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.primary_device_id_type = STATIC;
    m.primary_call_id = primary.0;
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.secondary_device_id_type = STATIC;
    m.secondary_call_id = secondary.0;
    m.transferring_device_type = DEVICE;
    m.transferred_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_TRANSFER;
    m.primary_device_id = Some(primary.1.clone());
    m.secondary_device_id = Some(secondary.1.clone());
    m.transferring_device_id = Some(transferring.clone());
    m.transferred_device_id = Some(transferred.clone());
    m.connected_parties = parties(c);
    Message::from(m)
}

/// CALL_CONFERENCED_EVENT: `controller` conferenced `primary` with `added`; `c` is the resulting call
/// (`secondary`), whose connections are listed.
pub(super) fn call_conferenced(
    c: &Call,
    primary: (u32, &CtiString),
    secondary: (u32, &CtiString),
    controller: &CtiString,
    added: &CtiString,
) -> Message {
    let mut m = CallConferencedEvent::default();
    m.monitor_id = 0;
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.primary_device_id_type = STATIC;
    m.primary_call_id = primary.0;
    m.line_handle = 0;
    m.line_type = c.line_type;
    m.skill_group_number = c.skill_group.0;
    m.skill_group_id = c.skill_group.1;
    m.skill_group_priority = 0;
    m.secondary_device_id_type = STATIC;
    m.secondary_call_id = secondary.0;
    m.controller_device_type = DEVICE;
    m.added_party_device_type = DEVICE;
    m.local_connection_state = LocalConnectionState::LCS_CONNECT;
    m.event_cause = EventCause::CEC_NONE;
    m.primary_device_id = Some(primary.1.clone());
    m.secondary_device_id = Some(secondary.1.clone());
    m.controller_device_id = Some(controller.clone());
    m.added_party_device_id = Some(added.clone());
    m.connected_parties = parties(c);
    Message::from(m)
}

/// CALL_DATA_UPDATE_EVENT: the changed items, plus (v22+ semantics) the call's whole ECC set.
pub(super) fn call_data_update(c: &Call, ch: &DataChanges) -> Message {
    let mut m = CallDataUpdateEvent::default();
    m.peripheral_id = c.peripheral_id;
    m.peripheral_type = c.ptype;
    m.set_connection(connection(c));
    m.call_type = c.kind;
    m.new_connection_device_id_type = STATIC;
    m.new_connection_call_id = c.id;
    m.called_party_disposition = CalledPartyDisposition(0);
    m.campaign_id = 0;
    m.query_rule_id = 0;
    m.new_connection_device_id = Some(c.device.clone());
    m.ani.clone_from(&ch.ani);
    m.dnis.clone_from(&ch.dnis);
    m.caller_entered_digits.clone_from(&ch.ced);
    m.set_call_variables(ch.vars.clone());
    m.call_wrapup_data.clone_from(&ch.wrapup);
    m.customer_phone_number.clone_from(&ch.customer_phone);
    m.customer_account_number.clone_from(&ch.customer_account);
    m.named_variables.clone_from(&c.named_vars);
    m.named_arrays.clone_from(&c.named_arrays);
    m.cti_clients.clone_from(&c.clients);
    Message::from(m)
}

/// SNAPSHOT_CALL_CONF: the call's data and one CallDevice tuple per connection.
pub(super) fn snapshot_call_conf(invoke_id: u32, c: &Call) -> Message {
    let mut m = SnapshotCallConf::default();
    m.invoke_id = invoke_id;
    m.call_type = c.kind;
    m.called_party_disposition = CalledPartyDisposition(0);
    m.ani.clone_from(&c.ani);
    m.dnis.clone_from(&c.dnis);
    m.dialed_number.clone_from(&c.dialed);
    m.caller_entered_digits.clone_from(&c.ced);
    m.router_call_key_day = c.router_key.map(|k| k.0);
    m.router_call_key_call_id = c.router_key.map(|k| k.1);
    m.set_call_variables(c.vars.clone());
    m.call_wrapup_data.clone_from(&c.wrapup);
    m.named_variables.clone_from(&c.named_vars);
    m.named_arrays.clone_from(&c.named_arrays);
    m.cti_clients.clone_from(&c.clients);
    m.call_devices = c
        .conns
        .iter()
        .map(|x| {
            let mut d = CallDevice::default();
            d.call_connection_call_id = c.id;
            d.call_connection_device_id_type = STATIC;
            d.call_connection_device_id = c.device.clone();
            d.call_device_type = DEVICE;
            d.call_device_id = x.device.clone();
            d.call_device_connection_state = x.state;
            d
        })
        .collect();
    Message::from(m)
}

/// At most this many calls in one SNAPSHOT_DEVICE_CONF (NumCalls ≤ 16, facts §4.6).
const MAX_DEVICE_CALLS: usize = 16;

/// SNAPSHOT_DEVICE_CONF: (call, state of the device's connection) for each call at the device (at most
/// [`MAX_DEVICE_CALLS`]).
pub(super) fn snapshot_device_conf<'a>(
    invoke_id: u32,
    calls: impl Iterator<Item = (&'a Call, LocalConnectionState)>,
) -> Message {
    let mut m = SnapshotDeviceConf::default();
    m.invoke_id = invoke_id;
    m.calls = calls
        .take(MAX_DEVICE_CALLS)
        .map(|(c, state)| {
            let mut d = DeviceCall::default();
            d.call_connection_call_id = c.id;
            d.call_connection_device_id_type = STATIC;
            d.call_connection_device_id = c.device.clone();
            d.call_state = CallState(state.0);
            d.silent_monitor_status = SilentMonitorStatus::SILENT_MONITOR_NONE;
            d
        })
        .collect();
    Message::from(m)
}

/// SYSTEM_EVENT SYS_PERIPHERAL_ONLINE / SYS_PERIPHERAL_OFFLINE for `peripheral_id`.
pub(super) fn system_event(
    pg_status: PgStatus,
    time: u32,
    peripheral_id: u32,
    online: bool,
) -> Message {
    let mut m = SystemEvent::default();
    m.pg_status = pg_status;
    m.icm_central_controller_time = time;
    m.system_event_id = if online {
        SystemEventId::SYS_PERIPHERAL_ONLINE
    } else {
        SystemEventId::SYS_PERIPHERAL_OFFLINE
    };
    m.system_event_arg_1 = peripheral_id;
    m.system_event_arg_2 = 0;
    m.system_event_arg_3 = 0;
    m.event_device_type = DeviceIdType::DEVID_NONE;
    Message::from(m)
}
