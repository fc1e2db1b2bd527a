//! Client control over TCP (§4.6, §7.5): every request the simulator implements is answered with its CONF
//! (InvokeID echoed) or with CONTROL_FAILURE_CONF / FAILURE_CONF, and causes the documented events; the session
//! layer checks the granted services first.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{
    AlternateCallReq, AnswerCallReq, ClearCallReq, ClearConnectionReq, ConferenceCallReq,
    ConsultationCallReq, HoldCallReq, MakeCallReq, QueryAgentStateReq, ReleaseCallReq,
    RetrieveCallReq, SendDtmfSignalReq, SetAgentStateReq, SetCallDataReq, SnapshotCallReq,
    SnapshotDeviceReq, SuperviseCallReq, TransferCallReq,
};
use cti_sim::session::open::NO_IDLE_TIMEOUT;
use cti_sim::{Side, SimConfig, Simulator};
use support::{Peer, all_events, call_to, client_events, failure_status, fine_clock, labels, seq};

const P: u32 = 5000;
const ANI: &str = "4085550100";
/// CF_INVALID_CSTA_CONNECTION_IDENTIFIER: the request names no call.
const NO_SUCH_CALL: ControlFailureCode = CF_INVALID_CSTA_CONNECTION_IDENTIFIER;
/// CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE: a CLIENT_EVENTS session acting on another agent.
const NOT_YOURS: ControlFailureCode = CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE;
/// E_CTI_FUNCTION_NOT_AVAILABLE: the service is not granted or the request not implemented.
const NOT_AVAILABLE: StatusCode = StatusCode::E_CTI_FUNCTION_NOT_AVAILABLE;
/// How long after a reply the events it caused are collected (well within the 2 s ring time).
const WINDOW: Duration = Duration::from_millis(200);

/// No generated traffic, no automatic hold, 10 minutes of talk: only the tests' requests change anything.
fn config() -> SimConfig {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    cfg
}

async fn start(cfg: SimConfig) -> Simulator {
    fine_clock(Duration::from_millis(10));
    Simulator::builder()
        .config(cfg)
        .start()
        .await
        .expect("start")
}

async fn open(sim: &Simulator, mut req: cti_proto::message::OpenReq) -> (Peer, Message) {
    req.idle_timeout = NO_IDLE_TIMEOUT;
    let mut p = Peer::connect(sim.addr(Side::A)).await;
    let conf = p.open(req).await;
    assert!(matches!(conf, Message::OpenConf(_)), "{conf:?}");
    (p, conf)
}

/// An ALL_EVENTS session with every service (its SYSTEM_EVENT consumed).
async fn bridge(sim: &Simulator) -> Peer {
    let (mut p, _) = open(sim, all_events(24)).await;
    assert!(matches!(p.recv().await, Message::SystemEvent(_)));
    p
}

/// A CLIENT_EVENTS session with CLIENT_CONTROL and CALL_DATA_UPDATE for `agent`.
async fn desk(sim: &Simulator, agent: &str) -> Peer {
    open(sim, client_events(24, agent)).await.0
}

/// Sends `req`; returns its answer (the first *_CONF, whose InvokeID must be the request's) and the events that
/// arrived before it or within [`WINDOW`] after it.
async fn ask(p: &mut Peer, req: impl Into<Message>) -> (Message, Vec<Message>) {
    let req = req.into();
    let id = req.invoke_id().expect("a request with an InvokeID");
    p.send(req).await;
    let mut events = Vec::new();
    let reply = loop {
        let m = p.recv().await;
        if m.kind() == cti_proto::MessageKind::Reply {
            break m;
        }
        events.push(m);
    };
    assert_eq!(reply.invoke_id(), Some(id), "InvokeID echoed: {reply:?}");
    events.extend(p.collect_for(WINDOW).await);
    (reply, events)
}

/// The payload of a message of the given variant, or a panic.
macro_rules! expect {
    ($m:expr, $v:ident) => {
        match $m {
            Message::$v(x) => x,
            other => panic!("expected {}, got {other:?}", stringify!($v)),
        }
    };
}

/// The FailureCode of a CONTROL_FAILURE_CONF, or a panic.
#[track_caller]
fn cf(m: &Message) -> ControlFailureCode {
    expect!(m, ControlFailureConf).failure_code
}

/// Sends a request that must be refused with CONTROL_FAILURE_CONF; returns its FailureCode.
async fn refused(p: &mut Peer, req: impl Into<Message>) -> ControlFailureCode {
    cf(&ask(p, req).await.0)
}

/// Sends a request that must be refused with FAILURE_CONF; returns its status.
async fn failed(p: &mut Peer, req: impl Into<Message>) -> StatusCode {
    failure_status(&ask(p, req).await.0)
}

/// Starts an inbound call to `agent`; waits on `p` (which must see the call) for its scripted
/// CALL_DATA_UPDATE_EVENT, a second after the answer. Returns the call id.
async fn talking(sim: &Simulator, p: &mut Peer, agent: &str) -> u32 {
    let id = sim.handle().start_call(call_to(agent, ANI)).unwrap();
    p.recv_until(|m| matches!(m, Message::CallDataUpdateEvent(e) if e.connection_call_id == id))
        .await;
    id
}

fn query(invoke_id: u32, agent_id: &str) -> QueryAgentStateReq {
    let mut r = QueryAgentStateReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.agent_id = Some(agent_id.into());
    r
}

fn set_state(invoke_id: u32, agent_id: &str, state: AgentState, reason: u16) -> SetAgentStateReq {
    let mut r = SetAgentStateReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.agent_id = Some(agent_id.into());
    r.agent_state = state;
    r.event_reason_code = reason;
    r
}

/// A request naming one call by ConnectionCallID and ConnectionDeviceID (the simulator's is the id as text).
macro_rules! on_call {
    ($t:ident, $invoke:expr, $call:expr) => {{
        let mut r = $t::default();
        r.invoke_id = $invoke;
        r.peripheral_id = P;
        r.connection_call_id = $call;
        r.connection_device_id_type = CONNECTION_ID_STATIC;
        r.connection_device_id = Some($call.to_string().as_str().into());
        r
    }};
}

fn retrieve(invoke_id: u32, held: u32) -> RetrieveCallReq {
    let mut r = RetrieveCallReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.held_connection_call_id = held;
    r.held_connection_device_id_type = CONNECTION_ID_STATIC;
    r.held_connection_device_id = Some(held.to_string().as_str().into());
    r
}

fn make_call(invoke_id: u32, instrument: Option<&str>, dialed: &str) -> MakeCallReq {
    let mut r = MakeCallReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.agent_instrument = instrument.map(Into::into);
    r.dialed_number = Some(dialed.into());
    r
}

fn consult(invoke_id: u32, active: u32, dialed: &str) -> ConsultationCallReq {
    let mut r = ConsultationCallReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.active_connection_call_id = active;
    r.active_connection_device_id_type = CONNECTION_ID_STATIC;
    r.active_connection_device_id = Some(active.to_string().as_str().into());
    r.dialed_number = Some(dialed.into());
    r
}

/// TRANSFER_CALL_REQ / CONFERENCE_CALL_REQ of consult call `$active` with held call `$held`.
macro_rules! complete {
    ($t:ident, $invoke:expr, $active:expr, $held:expr) => {{
        let mut r = $t::default();
        r.invoke_id = $invoke;
        r.peripheral_id = P;
        r.active_connection_call_id = $active;
        r.held_connection_call_id = $held;
        r
    }};
}

fn alternate(invoke_id: u32, active: u32, other: u32) -> AlternateCallReq {
    let mut r = AlternateCallReq::default();
    r.invoke_id = invoke_id;
    r.peripheral_id = P;
    r.active_connection_call_id = active;
    r.other_connection_call_id = other;
    r
}

#[tokio::test(start_paused = true)]
async fn query_and_set_agent_state() {
    let sim = start(config()).await;
    let mut d = desk(&sim, "1001").await;

    let (conf, _) = ask(&mut d, query(0x0A0B_0C01, "1001")).await;
    let q = expect!(conf, QueryAgentStateConf);
    assert_eq!(q.agent_state, AGENT_STATE_AVAILABLE);
    assert_eq!(q.icm_agent_id, 5001);
    assert_eq!(q.agent_extension.as_ref().unwrap(), "2001");
    let groups: Vec<_> = q
        .skill_groups
        .iter()
        .map(|g| (g.skill_group_number, g.skill_group_id, g.skill_group_state))
        .collect();
    assert_eq!(
        groups,
        [
            (100, 10_100, AGENT_STATE_AVAILABLE),
            (102, 10_102, AGENT_STATE_AVAILABLE)
        ]
    );

    let req = set_state(0x0A0B_0C02, "1001", AGENT_STATE_NOT_READY, 7);
    let (conf, evs) = ask(&mut d, req).await;
    assert!(matches!(conf, Message::SetAgentStateConf(_)), "{conf:?}");
    assert_eq!(seq(&evs, &[]), "AGENT_STATE 1001 NOT_READY");
    let e = expect!(&evs[0], AgentStateEvent);
    assert_eq!(e.event_reason_code, 7);
    assert_eq!(e.cti_client_signature.as_ref().unwrap(), "desk-1001");
    let (conf, _) = ask(&mut d, query(0x0A0B_0C03, "1001")).await;
    assert!(
        matches!(conf, Message::QueryAgentStateConf(q) if q.agent_state == AGENT_STATE_NOT_READY)
    );

    let req = set_state(0x0A0B_0C04, "1001", AGENT_STATE_AVAILABLE, 0);
    let (conf, evs) = ask(&mut d, req).await;
    assert!(matches!(conf, Message::SetAgentStateConf(_)), "{conf:?}");
    assert_eq!(seq(&evs, &[]), "AGENT_STATE 1001 AVAILABLE");

    // Failures: unknown agent, another agent's state from a CLIENT_EVENTS session, a state the current one
    // does not allow (wrap-up without a call).
    let req = query(0x0A0B_0C05, "9999");
    assert_eq!(refused(&mut d, req).await, CF_INVALID_AGENT_ID_SPECIFIED);
    let req = set_state(0x0A0B_0C06, "9999", AGENT_STATE_NOT_READY, 0);
    assert_eq!(refused(&mut d, req).await, CF_INVALID_AGENT_ID_SPECIFIED);
    let req = set_state(0x0A0B_0C07, "1002", AGENT_STATE_NOT_READY, 0);
    let (conf, evs) = ask(&mut d, req).await;
    assert_eq!(cf(&conf), NOT_YOURS);
    assert!(evs.is_empty(), "{evs:?}");
    let req = set_state(0x0A0B_0C08, "1001", AGENT_STATE_WORK_READY, 0);
    let (conf, evs) = ask(&mut d, req).await;
    assert_eq!(cf(&conf), CF_INVALID_OBJECT_STATE);
    assert!(evs.is_empty(), "{evs:?}");
}

#[tokio::test(start_paused = true)]
async fn services_granted_gate_the_requests() {
    let sim = start(config()).await;

    // No CLIENT_CONTROL: control requests are refused at the session level.
    let mut req = all_events(24);
    req.services_requested = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CALL_DATA_UPDATE;
    let (mut watcher, _) = open(&sim, req).await;
    let req = query(0x0A0B_0C11, "1001");
    assert_eq!(failed(&mut watcher, req).await, NOT_AVAILABLE);
    let req = set_state(0x0A0B_0C12, "1001", AGENT_STATE_NOT_READY, 0);
    assert_eq!(failed(&mut watcher, req).await, NOT_AVAILABLE);
    let req = on_call!(HoldCallReq, 0x0A0B_0C13, 0x0100_0001_u32);
    assert_eq!(failed(&mut watcher, req).await, NOT_AVAILABLE);

    // No CALL_DATA_UPDATE: SET_CALL_DATA_REQ is refused, control is not.
    let mut req = all_events(24);
    req.services_requested = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    req.client_id = Some("no-data".into());
    let (mut controller, _) = open(&sim, req).await;
    let req = on_call!(SetCallDataReq, 0x0A0B_0C14, 0x0100_0001_u32);
    assert_eq!(failed(&mut controller, req).await, NOT_AVAILABLE);
    let (conf, _) = ask(&mut controller, query(0x0A0B_0C15, "1001")).await;
    assert!(matches!(conf, Message::QueryAgentStateConf(_)), "{conf:?}");

    // Requests the simulator does not implement, with every service granted.
    let mut b = bridge(&sim).await;
    let req = on_call!(SendDtmfSignalReq, 0x0A0B_0C16, 0x0100_0001_u32);
    assert_eq!(failed(&mut b, req).await, NOT_AVAILABLE);
    let mut req = SuperviseCallReq::default();
    req.invoke_id = 0x0A0B_0C17;
    req.peripheral_id = P;
    assert_eq!(failed(&mut b, req).await, NOT_AVAILABLE);
    // The session goes on.
    let (conf, _) = ask(&mut b, query(0x0A0B_0C18, "1001")).await;
    assert!(matches!(conf, Message::QueryAgentStateConf(_)), "{conf:?}");
}

#[tokio::test(start_paused = true)]
async fn agent_state_control_only_allows_agent_state_requests() {
    let mut cfg = config();
    cfg.agent_state_control_only = true;
    let sim = start(cfg).await;
    let (mut d, conf) = open(&sim, client_events(24, "1001")).await;
    let conf = expect!(conf, OpenConf);
    assert_eq!(
        conf.services_granted,
        CTI_SERVICE_CLIENT_EVENTS | CTI_SERVICE_CALL_DATA_UPDATE | CTI_AGENT_STATE_CONTROL_ONLY
    );
    let (conf, _) = ask(&mut d, query(0x0A0B_0C21, "1001")).await;
    assert!(matches!(conf, Message::QueryAgentStateConf(_)), "{conf:?}");
    let req = set_state(0x0A0B_0C22, "1001", AGENT_STATE_NOT_READY, 3);
    let (conf, evs) = ask(&mut d, req).await;
    assert!(matches!(conf, Message::SetAgentStateConf(_)), "{conf:?}");
    assert_eq!(seq(&evs, &[]), "AGENT_STATE 1001 NOT_READY");
    let req = make_call(0x0A0B_0C23, None, "4085551234");
    assert_eq!(failed(&mut d, req).await, NOT_AVAILABLE);
    let req = on_call!(AnswerCallReq, 0x0A0B_0C24, NULL_CALL_ID);
    assert_eq!(failed(&mut d, req).await, NOT_AVAILABLE);
}

#[tokio::test(start_paused = true)]
async fn make_call_to_an_external_number_and_clear_it() {
    let sim = start(config()).await;
    let mut d = desk(&sim, "1001").await;
    let (conf, evs) = ask(&mut d, make_call(0x0A0B_0C31, None, "4085551234")).await;
    let mc = expect!(conf, MakeCallConf);
    let n = mc.new_connection_call_id;
    assert_eq!(mc.line_type, LINETYPE_OUTBOUND);
    assert_eq!(
        mc.new_connection_device_id,
        Some(n.to_string().as_str().into())
    );
    let names = [(n, "N")];
    let got = |evs: &[Message]| seq(evs, &names);
    assert_eq!(
        got(&evs),
        "BEGIN_CALL N, CALL_SERVICE_INITIATED N, AGENT_STATE 1001 TALKING, CALL_ORIGINATED N"
    );
    assert!(matches!(&evs[0], Message::BeginCallEvent(b) if b.call_type == CALLTYPE_AGENT_OUT));

    // Busy now: a second call is refused.
    let req = make_call(0x0A0B_0C32, None, "4085554321");
    assert_eq!(refused(&mut d, req).await, CF_INVALID_OBJECT_STATE);
    // The far end answers after the ring time.
    let evs = d.collect_for(Duration::from_secs(2)).await;
    assert_eq!(got(&evs), "CALL_ESTABLISHED N");

    let req = on_call!(ClearCallReq, 0x0A0B_0C33, 0x0BAD_u32);
    assert_eq!(refused(&mut d, req).await, NO_SUCH_CALL);
    let (conf, evs) = ask(&mut d, on_call!(ClearCallReq, 0x0A0B_0C34, n)).await;
    assert!(matches!(conf, Message::ClearCallConf(_)), "{conf:?}");
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED N, AGENT_STATE 1001 AVAILABLE, CALL_CLEARED N, END_CALL N"
    );
}

#[tokio::test(start_paused = true)]
async fn make_call_to_another_agent_and_clear_the_connection() {
    let sim = start(config()).await;
    let mut b = bridge(&sim).await;
    let mut d2 = desk(&sim, "1002").await;
    let (conf, evs) = ask(&mut b, make_call(0x0A0B_0C41, Some("2001"), "2002")).await;
    let mc = expect!(conf, MakeCallConf);
    let n = mc.new_connection_call_id;
    assert_eq!(mc.line_type, LINETYPE_INSIDE);
    let names = [(n, "N")];
    let got = |evs: &[Message]| seq(evs, &names);
    assert_eq!(
        got(&evs),
        "BEGIN_CALL N, CALL_SERVICE_INITIATED N, AGENT_STATE 1001 TALKING, CALL_ORIGINATED N, CALL_DELIVERED N, AGENT_STATE 1002 RESERVED"
    );
    assert!(matches!(&evs[0], Message::BeginCallEvent(e) if e.call_type == CALLTYPE_AGENT_INSIDE));
    let evs = d2.collect_for(WINDOW).await;
    assert_eq!(
        got(&evs),
        "BEGIN_CALL N, CALL_DELIVERED N, AGENT_STATE 1002 RESERVED"
    );
    let evs = b.collect_for(Duration::from_secs(2)).await;
    assert_eq!(got(&evs), "CALL_ESTABLISHED N, AGENT_STATE 1002 TALKING");
    let evs = d2.collect_for(WINDOW).await;
    assert_eq!(got(&evs), "CALL_ESTABLISHED N, AGENT_STATE 1002 TALKING");

    // A CLIENT_EVENTS session may not act on another agent's device.
    let req = make_call(0x0A0B_0C42, Some("2001"), "2003");
    assert_eq!(refused(&mut d2, req).await, NOT_YOURS);
    // The called agent hangs up: with two parties the whole call clears, both back to AVAILABLE.
    let (conf, evs) = ask(&mut d2, on_call!(ClearConnectionReq, 0x0A0B_0C43, n)).await;
    assert!(matches!(conf, Message::ClearConnectionConf(_)), "{conf:?}");
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED N, AGENT_STATE 1002 AVAILABLE, CALL_CLEARED N, END_CALL N"
    );
    let evs = b.collect_for(WINDOW).await;
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED N, AGENT_STATE 1001 AVAILABLE, AGENT_STATE 1002 AVAILABLE, CALL_CLEARED N, END_CALL N"
    );
    let req = on_call!(ClearConnectionReq, 0x0A0B_0C44, n);
    assert_eq!(refused(&mut d2, req).await, NO_SUCH_CALL);
}

#[tokio::test(start_paused = true)]
async fn answer_call_before_the_ring_time_ends() {
    let sim = start(config()).await;
    let mut d = desk(&sim, "1001").await;
    let mut any = AnswerCallReq::default();
    any.invoke_id = 0x0A0B_0C51;
    any.peripheral_id = P;
    any.connection_call_id = NULL_CALL_ID;
    assert_eq!(
        refused(&mut d, any).await,
        CF_NO_CALL_TO_ANSWER,
        "nothing rings"
    );

    let t0 = tokio::time::Instant::now();
    let p = sim.handle().start_call(call_to("1001", ANI)).unwrap();
    let names = [(p, "P")];
    let got = |evs: &[Message]| seq(evs, &names);
    d.recv_until(
        |m| matches!(m, Message::AgentStateEvent(a) if a.agent_state == AGENT_STATE_RESERVED),
    )
    .await;
    let (conf, evs) = ask(&mut d, on_call!(AnswerCallReq, 0x0A0B_0C52, p)).await;
    assert!(matches!(conf, Message::AnswerCallConf(_)), "{conf:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(got(&evs), "CALL_ESTABLISHED P, AGENT_STATE 1001 TALKING");
    let a = expect!(&evs[1], AgentStateEvent);
    assert_eq!(
        a.cti_client_signature.as_ref().unwrap(),
        "desk-1001",
        "answered by the client, not by the simulated agent"
    );
    let req = on_call!(AnswerCallReq, 0x0A0B_0C53, p);
    assert_eq!(
        refused(&mut d, req).await,
        CF_NO_CALL_TO_ANSWER,
        "already answered"
    );
    // The ring time passes without a second answer; the routing script's update comes a second after ours.
    let evs = d.collect_for(Duration::from_secs(3)).await;
    assert_eq!(got(&evs), "CALL_DATA_UPDATE P");
}

#[tokio::test(start_paused = true)]
async fn hold_retrieve_clear_and_release() {
    let sim = start(config()).await;
    let mut d = desk(&sim, "1001").await;
    let mut other = desk(&sim, "1002").await;
    let p = talking(&sim, &mut d, "1001").await;
    let names = [(p, "P")];
    let got = |evs: &[Message]| seq(evs, &names);

    let (conf, evs) = ask(&mut d, on_call!(HoldCallReq, 0x0A0B_0C61, p)).await;
    assert!(matches!(conf, Message::HoldCallConf(_)), "{conf:?}");
    assert_eq!(got(&evs), "CALL_HELD P, AGENT_STATE 1001 HOLD");
    let req = on_call!(HoldCallReq, 0x0A0B_0C62, p);
    assert_eq!(refused(&mut d, req).await, CF_NO_ACTIVE_CALL);
    let (conf, evs) = ask(&mut d, retrieve(0x0A0B_0C63, p)).await;
    assert!(matches!(conf, Message::RetrieveCallConf(_)), "{conf:?}");
    assert_eq!(got(&evs), "CALL_RETRIEVED P, AGENT_STATE 1001 TALKING");
    let req = retrieve(0x0A0B_0C64, p);
    assert_eq!(refused(&mut d, req).await, CF_NO_HELD_CALL);
    let req = on_call!(HoldCallReq, 0x0A0B_0C65, 0x0BAD_u32);
    assert_eq!(refused(&mut d, req).await, NO_SUCH_CALL);
    let (conf, evs) = ask(&mut other, on_call!(HoldCallReq, 0x0A0B_0C66, p)).await;
    assert_eq!(cf(&conf), NOT_YOURS);
    assert!(
        evs.is_empty(),
        "agent 1002 sees nothing of 1001's call: {evs:?}"
    );

    let (conf, evs) = ask(&mut d, on_call!(ClearCallReq, 0x0A0B_0C67, p)).await;
    assert!(matches!(conf, Message::ClearCallConf(_)), "{conf:?}");
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED P, AGENT_STATE 1001 WORK_READY, CALL_CLEARED P, END_CALL P"
    );
    // Wrap-up data may be set until RELEASE_CALL_REQ ends the window (no event: END_CALL was sent).
    let mut data = on_call!(SetCallDataReq, 0x0A0B_0C68, p);
    data.call_wrapup_data = Some("resolved".into());
    let (conf, evs) = ask(&mut d, data.clone()).await;
    assert!(matches!(conf, Message::SetCallDataConf(_)), "{conf:?}");
    assert!(evs.is_empty(), "{evs:?}");
    let (conf, _) = ask(&mut d, on_call!(ReleaseCallReq, 0x0A0B_0C69, p)).await;
    assert!(matches!(conf, Message::ReleaseCallConf(_)), "{conf:?}");
    data.invoke_id = 0x0A0B_0C6A;
    assert_eq!(refused(&mut d, data).await, NO_SUCH_CALL);
    let req = on_call!(ReleaseCallReq, 0x0A0B_0C6B, p);
    assert_eq!(refused(&mut d, req).await, NO_SUCH_CALL);
    let evs = d.collect_for(Duration::from_secs(6)).await;
    assert_eq!(got(&evs), "AGENT_STATE 1001 AVAILABLE");
}

/// Inbound call P talking on 1001, consult call C to 1002 (2002) answered; every session drained.
async fn consulted(sim: &Simulator, b: &mut Peer, d1: &mut Peer, d2: &mut Peer) -> (u32, u32) {
    let p = talking(sim, b, "1001").await;
    d1.collect_for(WINDOW).await;
    let (conf, evs) = ask(d1, consult(0x0A0B_0C71, p, "2002")).await;
    let cc = expect!(conf, ConsultationCallConf);
    let c = cc.new_connection_call_id;
    assert_eq!(
        cc.new_connection_device_id,
        Some(c.to_string().as_str().into())
    );
    let names = [(p, "P"), (c, "C")];
    let got = |evs: &[Message]| seq(evs, &names);
    let mut expected = vec![
        "CALL_HELD P",
        "AGENT_STATE 1001 HOLD",
        "BEGIN_CALL C",
        "CALL_SERVICE_INITIATED C",
        "AGENT_STATE 1001 TALKING",
        "CALL_ORIGINATED C",
        "CALL_DELIVERED C",
    ];
    assert_eq!(labels(&evs, &names), expected);
    expected.push("AGENT_STATE 1002 RESERVED");
    assert_eq!(labels(&b.collect_for(WINDOW).await, &names), expected);
    let evs = d2.collect_for(WINDOW).await;
    assert_eq!(
        got(&evs),
        "BEGIN_CALL C, CALL_DELIVERED C, AGENT_STATE 1002 RESERVED"
    );
    assert!(matches!(&evs[0], Message::BeginCallEvent(e) if e.call_type == CALLTYPE_CONSULT));

    // Completing before the consulted party answered is refused.
    let req = complete!(TransferCallReq, 0x0A0B_0C72, c, p);
    assert_eq!(refused(d1, req).await, CF_INVALID_OBJECT_STATE);
    let req = consult(0x0A0B_0C73, 0x0BAD, "2003");
    assert_eq!(refused(d1, req).await, NO_SUCH_CALL);

    let evs = b.collect_for(Duration::from_secs(2)).await;
    assert_eq!(got(&evs), "CALL_ESTABLISHED C, AGENT_STATE 1002 TALKING");
    assert_eq!(got(&d1.collect_for(WINDOW).await), "CALL_ESTABLISHED C");
    assert_eq!(
        got(&d2.collect_for(WINDOW).await),
        "CALL_ESTABLISHED C, AGENT_STATE 1002 TALKING"
    );
    (p, c)
}

#[tokio::test(start_paused = true)]
async fn consult_then_transfer() {
    let sim = start(config()).await;
    let (mut mon, mut d1, mut d2) = (
        bridge(&sim).await,
        desk(&sim, "1001").await,
        desk(&sim, "1002").await,
    );
    let (p, c) = consulted(&sim, &mut mon, &mut d1, &mut d2).await;

    let req = complete!(TransferCallReq, 0x0A0B_0C74, c, p);
    let (conf, evs) = ask(&mut d1, req).await;
    let tc = expect!(conf, TransferCallConf);
    let n = tc.new_connection_call_id;
    assert!(n != p && n != c, "the transferred call gets a new id");
    let parties: Vec<_> = tc
        .parties
        .iter()
        .map(|x| {
            (
                x.connected_party_call_id,
                x.connected_party_device_id.to_string(),
            )
        })
        .collect();
    assert_eq!(parties, [(n, ANI.to_owned()), (n, "2002".to_owned())]);
    let names = [(p, "P"), (c, "C"), (n, "N")];
    let got = |evs: &[Message]| seq(evs, &names);
    assert_eq!(
        got(&evs),
        "CALL_TRANSFERRED, AGENT_STATE 1001 WORK_READY, END_CALL P, END_CALL C"
    );
    let xfer = expect!(&evs[0], CallTransferredEvent);
    assert_eq!((xfer.primary_call_id, xfer.secondary_call_id), (p, c));
    assert_eq!(xfer.transferring_device_id.as_ref().unwrap(), "2001");
    assert_eq!(xfer.transferred_device_id.as_ref().unwrap(), "2002");
    assert_eq!(
        got(&mon.collect_for(WINDOW).await),
        "BEGIN_CALL N, CALL_TRANSFERRED, AGENT_STATE 1001 WORK_READY, END_CALL P, END_CALL C"
    );
    let evs = d2.collect_for(WINDOW).await;
    assert_eq!(got(&evs), "BEGIN_CALL N, CALL_TRANSFERRED, END_CALL C");
    let begin = expect!(&evs[0], BeginCallEvent);
    assert_eq!(
        begin.call_type, CALLTYPE_ACD_IN,
        "the customer's call goes on"
    );
    assert_eq!(begin.ani.as_ref().unwrap(), ANI);
}

#[tokio::test(start_paused = true)]
async fn consult_alternate_conference_and_leave() {
    let sim = start(config()).await;
    let (mut mon, mut d1, mut d2) = (
        bridge(&sim).await,
        desk(&sim, "1001").await,
        desk(&sim, "1002").await,
    );
    let (p, c) = consulted(&sim, &mut mon, &mut d1, &mut d2).await;
    let names = [(p, "P"), (c, "C")];
    let got = |evs: &[Message]| seq(evs, &names);

    let req = alternate(0x0A0B_0C81, c, p);
    let (conf, evs) = ask(&mut d1, req).await;
    assert!(matches!(conf, Message::AlternateCallConf(_)), "{conf:?}");
    assert_eq!(got(&evs), "CALL_HELD C, CALL_RETRIEVED P");
    let req = alternate(0x0A0B_0C82, p, c);
    let (conf, evs) = ask(&mut d1, req).await;
    assert!(matches!(conf, Message::AlternateCallConf(_)), "{conf:?}");
    assert_eq!(got(&evs), "CALL_HELD P, CALL_RETRIEVED C");
    let req = alternate(0x0A0B_0C83, p, c);
    assert_eq!(
        refused(&mut d1, req).await,
        CF_INVALID_OBJECT_STATE,
        "P is held"
    );
    assert_eq!(
        got(&mon.collect_for(WINDOW).await),
        "CALL_HELD C, CALL_RETRIEVED P, CALL_HELD P, CALL_RETRIEVED C"
    );
    assert_eq!(
        got(&d2.collect_for(WINDOW).await),
        "CALL_HELD C, CALL_RETRIEVED C",
        "1002 is on C only"
    );

    let req = complete!(ConferenceCallReq, 0x0A0B_0C84, c, p);
    let (conf, evs) = ask(&mut d1, req).await;
    let cc = expect!(conf, ConferenceCallConf);
    let n = cc.new_connection_call_id;
    assert!(n != p && n != c, "the conference gets a new id");
    assert_eq!(cc.parties.len(), 3);
    let names = [(p, "P"), (c, "C"), (n, "N")];
    let got = |evs: &[Message]| seq(evs, &names);
    let expected = "BEGIN_CALL N, CALL_CONFERENCED, END_CALL P, END_CALL C";
    assert_eq!(got(&evs), expected);
    assert_eq!(got(&mon.collect_for(WINDOW).await), expected);
    assert_eq!(
        got(&d2.collect_for(WINDOW).await),
        "BEGIN_CALL N, CALL_CONFERENCED, END_CALL C"
    );

    // 1001 leaves the conference: the others go on as a new call.
    let (conf, evs) = ask(&mut d1, on_call!(ClearConnectionReq, 0x0A0B_0C85, n)).await;
    assert!(matches!(conf, Message::ClearConnectionConf(_)), "{conf:?}");
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED N, AGENT_STATE 1001 WORK_READY, END_CALL N"
    );
    let evs = d2.collect_for(WINDOW).await;
    let Some(Message::BeginCallEvent(rest)) = evs.get(1) else {
        panic!("{evs:?}")
    };
    let names = [(n, "N"), (rest.connection_call_id, "R")];
    let got = |evs: &[Message]| seq(evs, &names);
    assert_eq!(
        got(&evs),
        "CALL_CONNECTION_CLEARED N, BEGIN_CALL R, END_CALL N"
    );
}

#[tokio::test(start_paused = true)]
async fn set_call_data_and_snapshots() {
    let sim = start(config()).await;
    let mut mon = bridge(&sim).await;
    let mut d1 = desk(&sim, "1001").await;
    let mut d2 = desk(&sim, "1002").await;
    let p = talking(&sim, &mut d1, "1001").await;
    mon.collect_for(WINDOW).await;

    let mut req = on_call!(SetCallDataReq, 0x0A0B_0C91, p);
    req.call_variable_5 = Some("VIP-42".into());
    let (conf, evs) = ask(&mut d1, req.clone()).await;
    assert!(matches!(conf, Message::SetCallDataConf(_)), "{conf:?}");
    assert_eq!(seq(&evs, &[(p, "P")]), "CALL_DATA_UPDATE P");
    let update = expect!(&evs[0], CallDataUpdateEvent);
    assert_eq!(update.call_variable_5.as_ref().unwrap(), "VIP-42");
    assert_eq!(update.call_variable_1, None, "only what changed");
    assert_eq!(
        seq(&mon.collect_for(WINDOW).await, &[(p, "P")]),
        "CALL_DATA_UPDATE P"
    );

    let (conf, _) = ask(&mut d1, on_call!(SnapshotCallReq, 0x0A0B_0C92, p)).await;
    let snapshot = expect!(conf, SnapshotCallConf);
    assert_eq!(snapshot.call_type, CALLTYPE_ACD_IN);
    assert_eq!(snapshot.ani.as_ref().unwrap(), ANI);
    assert_eq!(snapshot.call_variable_5.as_ref().unwrap(), "VIP-42");
    assert_eq!(snapshot.call_variable_10.as_ref().unwrap(), "AGENT-1001");
    let devices: Vec<_> = snapshot
        .call_devices
        .iter()
        .map(|d| {
            (
                d.call_connection_call_id,
                d.call_device_id.to_string(),
                d.call_device_connection_state,
            )
        })
        .collect();
    assert_eq!(
        devices,
        [
            (p, ANI.to_owned(), LCS_CONNECT),
            (p, "2001".to_owned(), LCS_CONNECT)
        ]
    );

    let mut snap = SnapshotDeviceReq::default();
    snap.invoke_id = 0x0A0B_0C93;
    snap.peripheral_id = P;
    let (conf, _) = ask(&mut d1, snap.clone()).await;
    let sd = expect!(conf, SnapshotDeviceConf);
    let calls: Vec<_> = sd
        .calls
        .iter()
        .map(|c| (c.call_connection_call_id, c.call_state))
        .collect();
    assert_eq!(calls, [(p, CallState(LCS_CONNECT.0))]);
    snap.agent_instrument = Some("2001".into());
    snap.invoke_id = 0x0A0B_0C94;
    let (conf, _) = ask(&mut mon, snap.clone()).await;
    assert!(
        matches!(&conf, Message::SnapshotDeviceConf(x) if x.calls.len() == 1),
        "{conf:?}"
    );

    // Agent 1002: its own device has no calls; 1001's device and call are not its business.
    snap.invoke_id = 0x0A0B_0C95;
    assert_eq!(refused(&mut d2, snap.clone()).await, NOT_YOURS);
    snap.agent_instrument = None;
    snap.invoke_id = 0x0A0B_0C96;
    assert!(
        matches!(ask(&mut d2, snap).await.0, Message::SnapshotDeviceConf(x) if x.calls.is_empty())
    );
    let snap_call = on_call!(SnapshotCallReq, 0x0A0B_0C97, p);
    assert_eq!(refused(&mut d2, snap_call).await, NOT_YOURS);
    // SET_CALL_DATA_REQ by a non-party: FAILURE_CONF E_CTI_NOT_CALL_PARTY, as documented for it.
    req.invoke_id = 0x0A0B_0C98;
    assert_eq!(failed(&mut d2, req).await, E_CTI_NOT_CALL_PARTY);

    // Unknown calls.
    let req = on_call!(SnapshotCallReq, 0x0A0B_0C99, 0x0BAD_u32);
    assert_eq!(refused(&mut d1, req).await, NO_SUCH_CALL);
    let mut req = on_call!(SetCallDataReq, 0x0A0B_0C9A, 0x0BAD_u32);
    req.call_variable_5 = Some("x".into());
    assert_eq!(refused(&mut d1, req).await, NO_SUCH_CALL);
}
