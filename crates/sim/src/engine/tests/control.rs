//! Client-control requests on single calls and agent states.

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::*;

use super::*;

const NOT_READY: AgentState = AgentState::AGENT_STATE_NOT_READY;
const AVAILABLE: AgentState = AgentState::AGENT_STATE_AVAILABLE;
const TALKING: AgentState = AgentState::AGENT_STATE_TALKING;

/// Agent 0 talking on an inbound call from t = 2 (caller hangs up at 12); returns the call id.
fn talking(e: &mut Engine) -> u32 {
    let (id, _) = call(e, 0.0);
    run(e, 2.0);
    id
}

fn query(invoke: u32, ext: &str) -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = invoke;
    q.peripheral_id = P;
    q.agent_extension = Some(ext.into());
    q
}

fn set_state(invoke: u32, state: AgentState, reason: u16) -> SetAgentStateReq {
    let mut r = SetAgentStateReq::default();
    r.invoke_id = invoke;
    r.peripheral_id = P;
    r.agent_state = state;
    r.event_reason_code = reason;
    r
}

/// Builds a request that names a call by id and ConnectionDeviceID.
macro_rules! call_req {
    ($t:ident, $invoke:expr, $id:expr) => {{
        let mut r = $t::default();
        r.invoke_id = $invoke;
        r.peripheral_id = P;
        r.connection_call_id = $id;
        r.connection_device_id_type = ConnectionDeviceIdType::CONNECTION_ID_STATIC;
        r.connection_device_id = Some($id.to_string().into());
        r
    }};
}

#[test]
fn query_agent_state() {
    let mut e = engine(2);
    let (r, evs) = ctl(&mut e, query(7, "2001"), &desk(0), 0.0);
    let Message::QueryAgentStateConf(c) = conf(r, 7) else {
        panic!()
    };
    assert_eq!(
        (c.agent_state, c.icm_agent_id, c.mrd_id, c.num_tasks),
        (AVAILABLE, 5001, 1, 0)
    );
    assert_eq!(c.skill_groups.len(), 2);
    assert_eq!(
        (
            c.skill_groups[0].skill_group_number,
            c.skill_groups[0].skill_group_id
        ),
        (100, 10_100)
    );
    assert!(evs.is_empty());
    // Another agent's state may be queried; unknown agent / peripheral fail.
    assert!(matches!(
        ctl(&mut e, query(8, "2002"), &desk(0), 0.0).0,
        Some(ControlReply::Conf(_))
    ));
    assert_eq!(
        failure(ctl(&mut e, query(9, "9999"), &desk(0), 0.0).0),
        CF_INVALID_AGENT_ID_SPECIFIED
    );
    let mut q = query(10, "2001");
    q.peripheral_id = 1;
    assert_eq!(
        ctl(&mut e, q, &desk(0), 0.0).0,
        Some(ControlReply::Failure(E_CTI_INVALID_PERIPHERAL_ID))
    );
}

#[test]
fn set_agent_state_transitions() {
    let mut e = engine(2);
    let (r, evs) = ctl(&mut e, set_state(8, NOT_READY, 12), &desk(0), 1.0);
    conf(r, 8);
    assert_eq!(names(&evs), ["AGENT_STATE_EVENT"]);
    let Message::AgentStateEvent(s) = &evs[0].message else {
        panic!()
    };
    assert_eq!((s.agent_state, s.event_reason_code), (NOT_READY, 12));
    assert_eq!(s.cti_client_signature.as_ref().unwrap(), "desk-0");
    assert_eq!(e.agent_state(0), NOT_READY);
    // A not-ready agent gets no calls.
    let (_, evs) = call(&mut e, 1.5);
    assert_eq!(evs[0].parties, [1]);
    // LOGOUT (reason 3), then requests a logged-out agent cannot make, then LOGIN → NOT_READY.
    let (r, evs) = ctl(
        &mut e,
        set_state(9, AgentState::AGENT_STATE_LOGOUT, 3),
        &desk(0),
        2.0,
    );
    conf(r, 9);
    assert_eq!(states(&evs), [(0, AgentState::AGENT_STATE_LOGOUT)]);
    assert_eq!(
        failure(ctl(&mut e, set_state(10, AVAILABLE, 0), &desk(0), 2.0).0),
        CF_INVALID_OBJECT_STATE
    );
    assert_eq!(
        failure(ctl(&mut e, set_state(11, NOT_READY, 0), &desk(0), 2.0).0),
        CF_INVALID_OBJECT_STATE
    );
    let (r, evs) = ctl(
        &mut e,
        set_state(12, AgentState::AGENT_STATE_LOGIN, 0),
        &desk(0),
        2.0,
    );
    conf(r, 12);
    assert_eq!(states(&evs), [(0, NOT_READY)]);
    assert_eq!(
        failure(
            ctl(
                &mut e,
                set_state(13, AgentState::AGENT_STATE_LOGIN, 0),
                &desk(0),
                2.0
            )
            .0
        ),
        CF_SPECIFIED_AGENT_ALREADY_SIGNED_ON
    );
    assert_eq!(
        failure(ctl(&mut e, set_state(14, TALKING, 0), &desk(0), 2.0).0),
        CF_VALUE_OUT_OF_RANGE
    );
    assert_eq!(
        failure(
            ctl(
                &mut e,
                set_state(15, AgentState::AGENT_STATE_WORK_READY, 0),
                &desk(0),
                2.0
            )
            .0
        ),
        CF_INVALID_OBJECT_STATE
    );
    let (r, evs) = ctl(&mut e, set_state(16, AVAILABLE, 0), &desk(0), 3.0);
    conf(r, 16);
    assert_eq!(states(&evs), [(0, AVAILABLE)]);
    // By AgentID: unknown → CF_INVALID_AGENT_ID_SPECIFIED; another agent's → privilege violation.
    let mut r = set_state(17, NOT_READY, 0);
    r.agent_id = Some("9999".into());
    assert_eq!(
        failure(ctl(&mut e, r, &desk(0), 3.0).0),
        CF_INVALID_AGENT_ID_SPECIFIED
    );
    let mut r = set_state(18, NOT_READY, 0);
    r.agent_id = Some("1002".into());
    assert_eq!(
        failure(ctl(&mut e, r.clone(), &desk(0), 3.0).0),
        CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE
    );
    conf(ctl(&mut e, r, &bridge(), 3.0).0, 18);
}

#[test]
fn set_agent_state_while_talking() {
    let mut e = engine(1);
    talking(&mut e);
    assert_eq!(
        failure(ctl(&mut e, set_state(1, AVAILABLE, 0), &desk(0), 4.0).0),
        CF_INVALID_OBJECT_STATE
    );
    assert_eq!(
        failure(
            ctl(
                &mut e,
                set_state(2, AgentState::AGENT_STATE_LOGOUT, 0),
                &desk(0),
                4.0
            )
            .0
        ),
        CF_INVALID_OBJECT_STATE
    );
    // NOT_READY while talking is taken when the call ends: wrap-up WORK_NOT_READY, then NOT_READY.
    let (r, evs) = ctl(&mut e, set_state(3, NOT_READY, 21), &desk(0), 4.0);
    conf(r, 3);
    assert!(evs.is_empty());
    assert_eq!(
        states(&run(&mut e, 12.0)),
        [(0, AgentState::AGENT_STATE_WORK_NOT_READY)]
    );
    let evs = run(&mut e, 17.0);
    assert_eq!(states(&evs), [(0, NOT_READY)]);
    let Message::AgentStateEvent(s) = &evs[0].message else {
        panic!()
    };
    assert_eq!(s.event_reason_code, 21);
}

#[test]
fn work_ready_to_available_ends_wrap_up_early() {
    let mut e = engine(1);
    talking(&mut e);
    run(&mut e, 12.0);
    let (r, evs) = ctl(&mut e, set_state(4, AVAILABLE, 0), &desk(0), 13.0);
    conf(r, 4);
    assert_eq!(states(&evs), [(0, AVAILABLE)]);
    assert!(run(&mut e, 30.0).is_empty()); // the wrap timer is stale
}

#[test]
fn make_call_to_an_external_number() {
    let mut e = engine(2);
    let mut r = MakeCallReq::default();
    r.invoke_id = 30;
    r.peripheral_id = P;
    r.agent_instrument = Some("2001".into());
    r.dialed_number = Some("912125551234".into());
    r.call_variable_4 = Some("outbound".into());
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 1.0);
    let Message::MakeCallConf(c) = conf(reply, 30) else {
        panic!()
    };
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_SERVICE_INITIATED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_ORIGINATED_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, TALKING)]);
    let Message::BeginCallEvent(b) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (b.connection_call_id, b.call_type),
        (c.new_connection_call_id, CallType::CALLTYPE_AGENT_OUT)
    );
    assert_eq!(b.call_variable_4.as_ref().unwrap(), "outbound");
    assert_eq!(c.new_connection_device_id, b.connection_device_id);
    let evs = run(&mut e, 3.0);
    assert_eq!(names(&evs), ["CALL_ESTABLISHED_EVENT"]);
    let Message::CallEstablishedEvent(x) = &evs[0].message else {
        panic!()
    };
    assert_eq!(x.answering_device_id.as_ref().unwrap(), "912125551234");
    // Busy agent; no DialedNumber.
    assert_eq!(
        failure(ctl(&mut e, r.clone(), &desk(0), 4.0).0),
        CF_INVALID_OBJECT_STATE
    );
    r.dialed_number = None;
    r.agent_instrument = Some("2002".into());
    assert_eq!(
        failure(ctl(&mut e, r, &desk(1), 4.0).0),
        CF_INVALID_CALLED_DEVICE
    );
    // The far end hangs up after the talk time; no wrap-up after an outbound call.
    let evs = run(&mut e, 13.0);
    assert_eq!(
        names(&evs),
        [
            "CALL_CONNECTION_CLEARED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_CLEARED_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, AVAILABLE)]);
    encodes(&evs);
}

#[test]
fn make_call_to_another_agent() {
    let mut e = engine(2);
    let mut r = MakeCallReq::default();
    r.invoke_id = 31;
    r.peripheral_id = P;
    r.dialed_number = Some("2002".into());
    let (reply, evs) = ctl(&mut e, r, &desk(0), 0.0);
    let Message::MakeCallConf(c) = conf(reply, 31) else {
        panic!()
    };
    let id = c.new_connection_call_id;
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_SERVICE_INITIATED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_ORIGINATED_EVENT",
            "CALL_DELIVERED_EVENT",
            "AGENT_STATE_EVENT"
        ]
    );
    assert_eq!(evs[0].parties, [0, 1]);
    assert_eq!(
        states(&evs),
        [(0, TALKING), (1, AgentState::AGENT_STATE_RESERVED)]
    );
    let evs = run(&mut e, 2.0);
    assert_eq!(names(&evs), ["CALL_ESTABLISHED_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(1, TALKING)]);
    // The called agent hangs up; both go back to AVAILABLE.
    let (reply, evs) = ctl(&mut e, call_req!(ClearCallReq, 32, id), &desk(1), 3.0);
    conf(reply, 32);
    assert_eq!(states(&evs), [(0, AVAILABLE), (1, AVAILABLE)]);
    assert_eq!(names(&evs).last(), Some(&"END_CALL_EVENT"));
}

#[test]
fn answer_call_early() {
    let mut e = engine(2);
    let (id, _) = call(&mut e, 0.0);
    let (r, evs) = ctl(&mut e, call_req!(AnswerCallReq, 40, id), &desk(0), 0.5);
    conf(r, 40);
    assert_eq!(names(&evs), ["CALL_ESTABLISHED_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(0, TALKING)]);
    assert_eq!(names(&run(&mut e, 2.0)), ["CALL_DATA_UPDATE_EVENT"]); // 1 s after the answer; no 2nd answer
    assert_eq!(
        failure(ctl(&mut e, call_req!(AnswerCallReq, 41, id), &desk(0), 2.5).0),
        CF_NO_CALL_TO_ANSWER
    );
    assert_eq!(
        names(&run(&mut e, 10.5))[0],
        "CALL_CONNECTION_CLEARED_EVENT"
    ); // talk time from the answer
    // Without a call id: the call ringing at the device.
    call(&mut e, 11.0);
    let mut r = AnswerCallReq::default();
    r.invoke_id = 42;
    r.peripheral_id = P;
    r.connection_call_id = NULL_CALL_ID;
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(1), 11.5);
    conf(reply, 42);
    assert_eq!(states(&evs), [(1, TALKING)]);
    assert_eq!(
        failure(ctl(&mut e, r, &desk(1), 11.6).0),
        CF_NO_CALL_TO_ANSWER
    );
}

#[test]
fn clear_call_and_clear_connection() {
    let mut e = engine(2);
    let id = talking(&mut e);
    let (r, evs) = ctl(&mut e, call_req!(ClearCallReq, 50, id), &desk(0), 4.0);
    conf(r, 50);
    assert_eq!(
        names(&evs),
        [
            "CALL_CONNECTION_CLEARED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_CLEARED_EVENT",
            "END_CALL_EVENT"
        ]
    );
    let Message::CallConnectionClearedEvent(c) = &evs[0].message else {
        panic!()
    };
    assert_eq!(c.releasing_device_id.as_ref().unwrap(), "2001");
    assert_eq!(states(&evs), [(0, AgentState::AGENT_STATE_WORK_READY)]);
    assert_eq!(
        failure(ctl(&mut e, call_req!(ClearCallReq, 51, id), &desk(0), 4.0).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
    assert!(run(&mut e, 8.9).is_empty()); // the caller's hang-up is stale
    // CLEAR_CONNECTION on a two-party call clears it; a wrong ConnectionDeviceID is refused.
    let (id, _) = call(&mut e, 9.0);
    run(&mut e, 11.0);
    let mut r = call_req!(ClearConnectionReq, 52, id);
    r.connection_device_id = Some("999".into());
    assert_eq!(
        failure(ctl(&mut e, r, &desk(1), 11.0).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
    let (r, evs) = ctl(
        &mut e,
        call_req!(ClearConnectionReq, 53, id),
        &desk(1),
        11.0,
    );
    conf(r, 53);
    assert_eq!(
        names(&evs),
        [
            "CALL_CONNECTION_CLEARED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_CLEARED_EVENT",
            "END_CALL_EVENT"
        ]
    );
}

#[test]
fn hold_and_retrieve() {
    let mut e = engine(2);
    let id = talking(&mut e);
    let (r, evs) = ctl(&mut e, call_req!(HoldCallReq, 60, id), &desk(0), 4.0);
    conf(r, 60);
    assert_eq!(names(&evs), ["CALL_HELD_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(0, AgentState::AGENT_STATE_HOLD)]);
    assert_eq!(
        failure(ctl(&mut e, call_req!(HoldCallReq, 61, id), &desk(0), 4.0).0),
        CF_NO_ACTIVE_CALL
    );
    let mut r = RetrieveCallReq::default();
    r.invoke_id = 62;
    r.peripheral_id = P;
    r.held_connection_call_id = id;
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 5.0);
    conf(reply, 62);
    assert_eq!(names(&evs), ["CALL_RETRIEVED_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(0, TALKING)]);
    assert_eq!(failure(ctl(&mut e, r, &desk(0), 5.0).0), CF_NO_HELD_CALL);
}

#[test]
fn privilege_violation_for_client_events_sessions() {
    let mut e = engine(2);
    let id = talking(&mut e);
    assert_eq!(
        failure(ctl(&mut e, call_req!(HoldCallReq, 70, id), &desk(1), 4.0).0),
        CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE
    );
    let mut r = call_req!(HoldCallReq, 71, id);
    r.agent_instrument = Some("2001".into());
    assert_eq!(
        failure(ctl(&mut e, r.clone(), &desk(1), 4.0).0),
        CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE
    );
    let mut snap = SnapshotDeviceReq::default();
    snap.invoke_id = 72;
    snap.peripheral_id = P;
    snap.agent_instrument = Some("2001".into());
    assert_eq!(
        failure(ctl(&mut e, snap, &desk(1), 4.0).0),
        CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE
    );
    // An ALL_EVENTS session may control any device.
    let (reply, evs) = ctl(&mut e, r, &bridge(), 4.0);
    conf(reply, 71);
    assert_eq!(names(&evs), ["CALL_HELD_EVENT", "AGENT_STATE_EVENT"]);
    let Message::AgentStateEvent(s) = &evs[1].message else {
        panic!()
    };
    assert_eq!(s.cti_client_signature.as_ref().unwrap(), "bridge");
    // Requests the engine does not handle.
    assert_eq!(ctl(&mut e, HeartbeatReq::default(), &desk(0), 4.0).0, None);
}

#[test]
fn set_call_data_on_a_live_and_a_wrapped_up_call() {
    let mut e = engine(2);
    let id = talking(&mut e);
    let mut r = call_req!(SetCallDataReq, 80, id);
    r.call_variable_1 = Some("X".into());
    r.named_variables = vec![cti_proto::NamedVariable::new(
        "user.customer.tier",
        "silver",
    )];
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 4.0);
    conf(reply, 80);
    assert_eq!(names(&evs), ["CALL_DATA_UPDATE_EVENT"]);
    let Message::CallDataUpdateEvent(u) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (
            u.call_variable_1.as_ref().unwrap(),
            u.call_variable_2.as_ref()
        ),
        (&"X".into(), None)
    );
    assert_eq!(u.named_variables.len(), 2); // the whole ECC set
    assert_eq!(u.named_variables[0].value, "silver");
    assert_eq!(u.cti_clients[0].cti_client_signature, "desk-0");
    assert_eq!(u.cti_clients[0].cti_client_timestamp, EPOCH + 4);
    assert_eq!(
        ctl(&mut e, r.clone(), &desk(1), 4.0).0,
        Some(ControlReply::Failure(E_CTI_NOT_CALL_PARTY))
    );
    let unknown = call_req!(SetCallDataReq, 81, 42_u32);
    assert_eq!(
        failure(ctl(&mut e, unknown, &desk(0), 4.0).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
    // RELEASE_CALL on the live call confirms and changes nothing.
    let (reply, evs) = ctl(&mut e, call_req!(ReleaseCallReq, 82, id), &desk(0), 5.0);
    conf(reply, 82);
    assert!(evs.is_empty());
    // Wrap-up: data may still be set (no event) until RELEASE_CALL_REQ.
    run(&mut e, 12.0);
    let mut w = call_req!(SetCallDataReq, 83, id);
    w.call_wrapup_data = Some("sale".into());
    let (reply, evs) = ctl(&mut e, w.clone(), &desk(0), 13.0);
    conf(reply, 83);
    assert!(evs.is_empty());
    let (reply, evs) = ctl(&mut e, call_req!(ReleaseCallReq, 84, id), &desk(0), 13.5);
    conf(reply, 84);
    assert!(evs.is_empty());
    assert_eq!(
        failure(ctl(&mut e, call_req!(ReleaseCallReq, 85, id), &desk(0), 13.6).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
    assert_eq!(
        failure(ctl(&mut e, w, &desk(0), 13.7).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
}

#[test]
fn snapshots() {
    let mut e = engine(2);
    let id = talking(&mut e);
    let (reply, _) = ctl(&mut e, call_req!(SnapshotCallReq, 90, id), &desk(0), 4.0);
    let Message::SnapshotCallConf(s) = conf(reply, 90) else {
        panic!()
    };
    assert_eq!(s.call_type, CallType::CALLTYPE_ACD_IN);
    let devices: Vec<_> = s
        .call_devices
        .iter()
        .map(|d| (d.call_device_id.to_string(), d.call_device_connection_state))
        .collect();
    assert_eq!(
        devices[1],
        ("2001".to_string(), LocalConnectionState::LCS_CONNECT)
    );
    assert_eq!(devices[0].0, s.ani.as_ref().unwrap().to_string());
    assert_eq!(s.call_variable_2.as_ref().unwrap(), "gold");
    assert_eq!(
        failure(
            ctl(
                &mut e,
                call_req!(SnapshotCallReq, 91, 42_u32),
                &desk(0),
                4.0
            )
            .0
        ),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
    assert_eq!(
        failure(ctl(&mut e, call_req!(SnapshotCallReq, 92, id), &desk(1), 4.0).0),
        CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE
    );
    let mut d = SnapshotDeviceReq::default();
    d.invoke_id = 93;
    d.peripheral_id = P;
    d.agent_instrument = Some("2001".into());
    let (reply, _) = ctl(&mut e, d.clone(), &desk(0), 4.0);
    let Message::SnapshotDeviceConf(c) = conf(reply, 93) else {
        panic!()
    };
    assert_eq!(c.calls.len(), 1);
    assert_eq!(
        (c.calls[0].call_connection_call_id, c.calls[0].call_state),
        (id, CallState::CS_CONNECT)
    );
    d.agent_instrument = Some("2002".into());
    let (reply, _) = ctl(&mut e, d.clone(), &bridge(), 4.0);
    let Message::SnapshotDeviceConf(c) = conf(reply, 93) else {
        panic!()
    };
    assert!(c.calls.is_empty());
    d.agent_instrument = Some("9".into());
    assert_eq!(
        failure(ctl(&mut e, d, &bridge(), 4.0).0),
        CF_INVALID_CSTA_DEVICE_IDENTIFIER
    );
}
