//! Issue 13 item 5: the simulator sends what a real CTI Server sends — AGENT_STATE_EVENT carries the Direction of
//! the agent's call (tag 244) from protocol version 16, and none below; BEGIN_CALL_EVENT its DialedNumber,
//! RouterCallKey with sequence number, and CallReferenceID (tag 223) from v14, also in the BEGIN_CALL_EVENTs a
//! session gets when it opens during a call — and `[fidelity] optional_fields = false` leaves the optional
//! fields out. Field by field, at every version boundary: `engine::tests::optional_fields`.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::OpenReq;
use cti_sim::session::open::NO_IDLE_TIMEOUT;
use cti_sim::{Side, SimConfig, Simulator};
use support::{Peer, all_events, call_to, client_events};

async fn start(optional_fields: bool) -> Simulator {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg.fidelity.optional_fields = optional_fields;
    Simulator::builder().config(cfg).start().await.unwrap()
}

async fn open(sim: &Simulator, mut req: OpenReq) -> Peer {
    req.idle_timeout = NO_IDLE_TIMEOUT;
    let mut p = Peer::connect(sim.addr(Side::A)).await;
    assert!(matches!(p.open(req).await, Message::OpenConf(_)));
    assert!(matches!(p.recv().await, Message::SystemEvent(_)));
    p
}

/// The (AgentState, Direction) of the AGENT_STATE_EVENTs for agent 1001 until it is talking.
async fn until_talking(p: &mut Peer) -> Vec<(AgentState, Option<AgentDirection>)> {
    let mut out = Vec::new();
    loop {
        if let Message::AgentStateEvent(e) = p.recv().await {
            if e.agent_id.as_ref().is_some_and(|a| *a == "1001") {
                out.push((e.agent_state, e.direction));
                if e.agent_state == AGENT_STATE_TALKING {
                    return out;
                }
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn direction_from_version_16_as_a_real_server_sends_it() {
    let sim = start(true).await;
    let mut v15 = open(&sim, all_events(15)).await;
    let mut v16 = open(&sim, all_events(16)).await;
    let mut v24 = open(&sim, all_events(24)).await;
    sim.handle()
        .start_call(call_to("1001", "4085550100"))
        .unwrap();
    let (old, new, newest) = tokio::join!(
        until_talking(&mut v15),
        until_talking(&mut v16),
        until_talking(&mut v24)
    );
    let inbound = [
        (
            AGENT_STATE_RESERVED,
            Some(AgentDirection::AGENT_DIRECTION_IN),
        ),
        (
            AGENT_STATE_TALKING,
            Some(AgentDirection::AGENT_DIRECTION_IN),
        ),
    ];
    assert_eq!(new, inbound);
    assert_eq!(newest, inbound);
    assert_eq!(
        old,
        [(AGENT_STATE_RESERVED, None), (AGENT_STATE_TALKING, None)],
        "tag 244 does not exist before v16"
    );
}

#[tokio::test(start_paused = true)]
async fn optional_fields_off_leaves_direction_out() {
    let sim = start(false).await;
    let mut v24 = open(&sim, all_events(24)).await;
    sim.handle()
        .start_call(call_to("1001", "4085550100"))
        .unwrap();
    let states = until_talking(&mut v24).await;
    assert_eq!(
        states,
        [(AGENT_STATE_RESERVED, None), (AGENT_STATE_TALKING, None)]
    );
    assert!(
        !SimConfig::from_toml("[fidelity]\noptional_fields = false\n")
            .unwrap()
            .fidelity
            .optional_fields
    );
    assert!(SimConfig::default().fidelity.optional_fields);
}

/// (DialedNumber, RouterCallKeySequenceNumber, CallReferenceID present) of a BEGIN_CALL_EVENT.
fn begin_fields(m: &Message) -> (Option<String>, Option<u32>, bool) {
    let Message::BeginCallEvent(b) = m else {
        panic!("expected BEGIN_CALL_EVENT, got {m:?}")
    };
    (
        b.dialed_number.as_ref().map(ToString::to_string),
        b.router_call_key_sequence_number,
        b.call_reference_id.is_some(),
    )
}

fn call_on(agent_id: &str, dnis: &str) -> cti_sim::engine::CallSpec {
    let mut spec = call_to(agent_id, "4085550100");
    spec.dnis = Some(dnis.into());
    spec
}

/// A CLIENT_EVENTS session for `agent_id` opened while its call is in progress: its first event after OPEN_CONF.
async fn desk_begin_call(sim: &Simulator, version: u32, agent_id: &str) -> Message {
    let mut req = client_events(version, agent_id);
    req.idle_timeout = NO_IDLE_TIMEOUT;
    let mut p = Peer::connect(sim.addr(Side::A)).await;
    assert!(matches!(p.open(req).await, Message::OpenConf(_)));
    p.recv().await
}

#[tokio::test(start_paused = true)]
async fn begin_call_fields_by_version_also_when_a_session_opens_during_the_call() {
    let sim = start(true).await;
    let mut v13 = open(&sim, all_events(13)).await;
    let mut v14 = open(&sim, all_events(14)).await;
    sim.handle()
        .start_call(call_on("1001", "8005551000"))
        .unwrap();
    sim.handle()
        .start_call(call_on("1002", "8005552000"))
        .unwrap();
    let is_begin = |m: &Message| matches!(m, Message::BeginCallEvent(_));
    let dialed = Some("8005551000".to_owned());
    assert_eq!(
        begin_fields(&v13.recv_until(is_begin).await),
        (dialed.clone(), Some(0), false),
        "tag 223 does not exist before v14"
    );
    assert_eq!(
        begin_fields(&v14.recv_until(is_begin).await),
        (dialed, Some(0), true)
    );
    assert_eq!(
        begin_fields(&desk_begin_call(&sim, 13, "1001").await),
        (Some("8005551000".to_owned()), Some(0), false)
    );
    assert_eq!(
        begin_fields(&desk_begin_call(&sim, 24, "1002").await),
        (Some("8005552000".to_owned()), Some(0), true)
    );
}

#[tokio::test(start_paused = true)]
async fn optional_fields_off_leaves_the_call_fields_out() {
    let sim = start(false).await;
    let mut v24 = open(&sim, all_events(24)).await;
    sim.handle()
        .start_call(call_on("1001", "8005551000"))
        .unwrap();
    let m = v24
        .recv_until(|m| matches!(m, Message::BeginCallEvent(_)))
        .await;
    assert_eq!(begin_fields(&m), (None, None, false));
    let Message::BeginCallEvent(b) = &m else {
        unreachable!()
    };
    assert_eq!(
        (b.router_call_key_day, b.router_call_key_call_id),
        (None, None)
    );
    assert_eq!(
        b.dnis.as_ref().map(ToString::to_string).as_deref(),
        Some("8005551000")
    );
    let m = v24
        .recv_until(|m| matches!(m, Message::CallDeliveredEvent(_)))
        .await;
    let Message::CallDeliveredEvent(d) = m else {
        unreachable!()
    };
    assert_eq!(d.dialed_number, None);
    assert_eq!(
        begin_fields(&desk_begin_call(&sim, 24, "1001").await),
        (None, None, false)
    );
}
