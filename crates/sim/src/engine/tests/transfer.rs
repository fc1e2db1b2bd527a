//! Consult, transfer, conference, alternate.

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::*;

use super::*;

const TALKING: AgentState = AgentState::AGENT_STATE_TALKING;
const HOLD: AgentState = AgentState::AGENT_STATE_HOLD;
const RESERVED: AgentState = AgentState::AGENT_STATE_RESERVED;
const WORK_READY: AgentState = AgentState::AGENT_STATE_WORK_READY;

fn consult_req(invoke: u32, active: u32, dialed: &str) -> ConsultationCallReq {
    let mut r = ConsultationCallReq::default();
    r.invoke_id = invoke;
    r.peripheral_id = P;
    r.active_connection_call_id = active;
    r.active_connection_device_id = Some(active.to_string().into());
    r.dialed_number = Some(dialed.into());
    r
}

/// Agent 0 talks on inbound call P from t = 2 (the caller hangs up at 12); at t = 4 it consults agent 1
/// (2002), who answers at t = 6. Returns (P, consult call C).
fn consulted(e: &mut Engine) -> (u32, u32) {
    let (p, _) = call(e, 0.0);
    run(e, 3.0);
    let (reply, _) = ctl(e, consult_req(20, p, "2002"), &desk(0), 4.0);
    let Message::ConsultationCallConf(c) = conf(reply, 20) else {
        panic!()
    };
    run(e, 6.0);
    (p, c.new_connection_call_id)
}

/// The call id of a BEGIN/END_CALL_EVENT.
fn call_id(m: &Message) -> u32 {
    match m {
        Message::BeginCallEvent(x) => x.connection_call_id,
        Message::EndCallEvent(x) => x.connection_call_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn consultation_call() {
    let mut e = engine(3);
    let (p, _) = call(&mut e, 0.0);
    run(&mut e, 3.0);
    let (reply, evs) = ctl(&mut e, consult_req(20, p, "2002"), &desk(0), 4.0);
    let Message::ConsultationCallConf(c) = conf(reply, 20) else {
        panic!()
    };
    assert_eq!(
        names(&evs),
        [
            "CALL_HELD_EVENT",
            "AGENT_STATE_EVENT",
            "BEGIN_CALL_EVENT",
            "CALL_SERVICE_INITIATED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_ORIGINATED_EVENT",
            "CALL_DELIVERED_EVENT",
            "AGENT_STATE_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, HOLD), (0, TALKING), (1, RESERVED)]);
    let Message::BeginCallEvent(b) = &evs[2].message else {
        panic!()
    };
    assert_eq!(
        (b.connection_call_id, b.call_type),
        (c.new_connection_call_id, CallType::CALLTYPE_CONSULT)
    );
    assert_eq!(b.call_variable_2.as_ref().unwrap(), "gold"); // the primary call's context
    assert_eq!(evs[2].parties, [0, 1]);
    let evs = run(&mut e, 6.0);
    assert_eq!(names(&evs), ["CALL_ESTABLISHED_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(1, TALKING)]);
    // Failures: a busy agent, oneself, no active call (the primary is held).
    call(&mut e, 6.5); // agent 2 gets a call
    assert_eq!(
        failure(ctl(&mut e, consult_req(21, p, "2003"), &desk(0), 7.0).0),
        CF_NO_ACTIVE_CALL
    );
    let mut e = engine(3);
    let (q, _) = call(&mut e, 0.0);
    call(&mut e, 0.0);
    run(&mut e, 3.0);
    assert_eq!(
        failure(ctl(&mut e, consult_req(22, q, "2002"), &desk(0), 4.0).0),
        CF_RESOURCE_BUSY
    );
    assert_eq!(
        failure(ctl(&mut e, consult_req(23, q, "2001"), &desk(0), 4.0).0),
        CF_INVALID_CALLED_DEVICE
    );
}

#[test]
fn consult_transfer() {
    let mut e = engine(2);
    let (p, c) = consulted(&mut e);
    let mut r = TransferCallReq::default();
    r.invoke_id = 24;
    r.peripheral_id = P;
    r.active_connection_call_id = c;
    r.held_connection_call_id = p;
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 7.0);
    let Message::TransferCallConf(tc) = conf(reply, 24) else {
        panic!()
    };
    let n = tc.new_connection_call_id;
    assert!(n != p && n != c);
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_TRANSFERRED_EVENT",
            "AGENT_STATE_EVENT",
            "END_CALL_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, WORK_READY)]);
    assert_eq!(
        (call_id(&evs[0].message), evs[0].parties.as_slice()),
        (n, &[1][..])
    );
    let Message::BeginCallEvent(b) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (b.call_type, b.router_call_key_call_id),
        (CallType::CALLTYPE_ACD_IN, Some(1))
    );
    let Message::CallTransferredEvent(x) = &evs[1].message else {
        panic!()
    };
    assert_eq!((x.primary_call_id, x.secondary_call_id), (p, c));
    assert_eq!(x.transferring_device_id.as_ref().unwrap(), "2001");
    assert_eq!(x.transferred_device_id.as_ref().unwrap(), "2002");
    assert_eq!(x.connected_parties.len(), 2);
    assert_eq!(evs[1].parties, [0, 1]);
    assert_eq!(
        (call_id(&evs[3].message), evs[3].parties.as_slice()),
        (p, &[0][..])
    );
    assert_eq!(
        (call_id(&evs[4].message), evs[4].parties.as_slice()),
        (c, &[0, 1][..])
    );
    assert_eq!(tc.parties.len(), 2);
    assert_eq!(e.agent_state(1), TALKING);
    // The caller hangs up at the original time; agent 1 wraps up (an ACD call); agent 0's wrap-up ends.
    let evs = run(&mut e, 12.0);
    assert_eq!(
        states(&evs),
        [(1, WORK_READY), (0, AgentState::AGENT_STATE_AVAILABLE)]
    );
    let end = evs
        .iter()
        .find(|x| x.message.name() == "END_CALL_EVENT")
        .unwrap();
    assert_eq!(call_id(&end.message), n);
    // Transfer before the consulted party answered, or without a consult call, is refused.
    let mut e = engine(2);
    let (p, _) = call(&mut e, 0.0);
    run(&mut e, 3.0);
    let (reply, _) = ctl(&mut e, consult_req(25, p, "2002"), &desk(0), 4.0);
    let Message::ConsultationCallConf(cc) = conf(reply, 25) else {
        panic!()
    };
    r.active_connection_call_id = cc.new_connection_call_id;
    r.held_connection_call_id = p;
    assert_eq!(
        failure(ctl(&mut e, r.clone(), &desk(0), 5.0).0),
        CF_INVALID_OBJECT_STATE
    );
    r.held_connection_call_id = 42;
    assert_eq!(
        failure(ctl(&mut e, r, &desk(0), 5.0).0),
        CF_INVALID_CSTA_CONNECTION_IDENTIFIER
    );
}

#[test]
fn single_step_transfer() {
    let mut e = engine(2);
    let (p, _) = call(&mut e, 0.0);
    run(&mut e, 3.0);
    let mut r = TransferCallReq::default();
    r.invoke_id = 26;
    r.peripheral_id = P;
    r.active_connection_call_id = p;
    r.held_connection_call_id = NULL_CALL_ID;
    r.dialed_number = Some("2002".into());
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 4.0);
    let Message::TransferCallConf(tc) = conf(reply, 26) else {
        panic!()
    };
    let n = tc.new_connection_call_id;
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_TRANSFERRED_EVENT",
            "AGENT_STATE_EVENT",
            "END_CALL_EVENT",
            "CALL_DELIVERED_EVENT",
            "AGENT_STATE_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, WORK_READY), (1, RESERVED)]);
    let Message::BeginCallEvent(b) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (b.connection_call_id, b.call_type),
        (n, CallType::CALLTYPE_TRANSFER_IN)
    );
    assert_eq!(call_id(&evs[3].message), p);
    assert_eq!(states(&run(&mut e, 6.0)), [(1, TALKING)]);
    // No DialedNumber.
    r.active_connection_call_id = n;
    r.dialed_number = None;
    assert_eq!(
        failure(ctl(&mut e, r, &desk(1), 7.0).0),
        CF_INVALID_CALLED_DEVICE
    );
}

#[test]
fn conference_then_one_agent_leaves() {
    let mut e = engine(2);
    let (p, c) = consulted(&mut e);
    let mut r = ConferenceCallReq::default();
    r.invoke_id = 27;
    r.peripheral_id = P;
    r.active_connection_call_id = c;
    r.held_connection_call_id = p;
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 7.0);
    let Message::ConferenceCallConf(cc) = conf(reply, 27) else {
        panic!()
    };
    let n = cc.new_connection_call_id;
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_CONFERENCED_EVENT",
            "END_CALL_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert!(states(&evs).is_empty()); // both agents stay TALKING
    assert_eq!(evs[0].parties, [0, 1]);
    let Message::CallConferencedEvent(x) = &evs[1].message else {
        panic!()
    };
    assert_eq!(
        (
            x.primary_call_id,
            x.secondary_call_id,
            x.connected_parties.len()
        ),
        (p, c, 3)
    );
    assert_eq!(x.controller_device_id.as_ref().unwrap(), "2001");
    assert_eq!(cc.parties.len(), 3);
    assert_eq!((e.agent_state(0), e.agent_state(1)), (TALKING, TALKING));
    // Agent 0 leaves: the others go on with a new call.
    let mut cl = ClearConnectionReq::default();
    cl.invoke_id = 28;
    cl.peripheral_id = P;
    cl.connection_call_id = n;
    let (reply, evs) = ctl(&mut e, cl, &desk(0), 8.0);
    conf(reply, 28);
    assert_eq!(
        names(&evs),
        [
            "CALL_CONNECTION_CLEARED_EVENT",
            "AGENT_STATE_EVENT",
            "BEGIN_CALL_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, WORK_READY)]);
    assert_eq!(
        (evs[2].parties.as_slice(), call_id(&evs[3].message)),
        (&[1][..], n)
    );
    assert_eq!(e.status().calls.len(), 1);
    // Single-step conference is not simulated.
    r.held_connection_call_id = NULL_CALL_ID;
    assert_eq!(failure(ctl(&mut e, r, &desk(1), 9.0).0), CF_INVALID_FEATURE);
    // The caller hangs up at the original time.
    let evs = run(&mut e, 12.0);
    assert_eq!(states(&evs), [(1, WORK_READY)]);
}

#[test]
fn alternate_between_consult_and_held_call() {
    let mut e = engine(2);
    let (p, c) = consulted(&mut e);
    let mut r = AlternateCallReq::default();
    r.invoke_id = 29;
    r.peripheral_id = P;
    r.active_connection_call_id = c;
    r.other_connection_call_id = p;
    let (reply, evs) = ctl(&mut e, r.clone(), &desk(0), 7.0);
    conf(reply, 29);
    assert_eq!(names(&evs), ["CALL_HELD_EVENT", "CALL_RETRIEVED_EVENT"]);
    assert!(states(&evs).is_empty()); // agent 0 stays TALKING
    let Message::CallHeldEvent(h) = &evs[0].message else {
        panic!()
    };
    assert_eq!(h.connection_call_id, c);
    // The same request again is wrong now (the consult call is held).
    assert_eq!(
        failure(ctl(&mut e, r.clone(), &desk(0), 8.0).0),
        CF_INVALID_OBJECT_STATE
    );
    std::mem::swap(
        &mut r.active_connection_call_id,
        &mut r.other_connection_call_id,
    );
    conf(ctl(&mut e, r, &desk(0), 9.0).0, 29);
    // Agent 1 hangs up the consult call: agent 0 is left with the held call.
    let mut cl = ClearCallReq::default();
    cl.invoke_id = 30;
    cl.peripheral_id = P;
    cl.connection_call_id = c;
    let (reply, evs) = ctl(&mut e, cl, &desk(1), 10.0);
    conf(reply, 30);
    assert_eq!(
        states(&evs),
        [(0, HOLD), (1, AgentState::AGENT_STATE_AVAILABLE)]
    );
    encodes(&evs);
}
