//! Issue 13 item 5: the simulator sends what a real CTI Server sends — AGENT_STATE_EVENT carries the Direction of
//! the agent's call (tag 244) from protocol version 16, and none below — and `[fidelity] optional_fields = false`
//! leaves the optional fields out.

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
use support::{Peer, all_events, call_to};

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
