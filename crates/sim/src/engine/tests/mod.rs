//! Engine tests: exact event sequences, agent states and replies.

#![allow(
    clippy::many_single_char_names,
    clippy::float_cmp,
    clippy::cast_precision_loss,
    clippy::needless_pass_by_value,
    reason = "tests: short names for engine, events, replies; exact times; a throughput printout"
)]

mod calls;
mod control;
mod optional_fields;
mod peripherals;
mod transfer;

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::{AgentState, ControlFailureCode};

use super::{AgentIndex, CallSpec, ControlReply, Engine, Requester, WorldEvent};
use crate::config::{SimConfig, default_agents};

pub(super) const EPOCH: u32 = 1_700_000_000;
pub(super) const P: u32 = 5000;

/// `n` agents on peripheral 5000, no generated traffic, ring 2 s, talk exactly 10 s, hold 3 s when `hold`,
/// wrap-up 5 s.
pub(super) fn cfg(n: u32, hold: bool) -> SimConfig {
    let mut c = SimConfig::default();
    c.agents = default_agents(n, P);
    c.traffic.calls_per_second = 0.0;
    c.traffic.ring_secs = 2.0;
    c.traffic.talk_min_secs = 10.0;
    c.traffic.talk_max_secs = 10.0;
    c.traffic.hold_probability = if hold { 1.0 } else { 0.0 };
    c.traffic.hold_secs = 3.0;
    c.traffic.wrap_secs = 5.0;
    c
}

pub(super) fn engine(n: u32) -> Engine {
    Engine::new(&cfg(n, false), EPOCH)
}

pub(super) fn t(secs: f64) -> Duration {
    Duration::from_secs_f64(secs)
}

/// Message names in order.
pub(super) fn names(evs: &[WorldEvent]) -> Vec<&'static str> {
    evs.iter().map(|e| e.message.name()).collect()
}

/// (agent from the parties, new state) of every AGENT_STATE_EVENT.
pub(super) fn states(evs: &[WorldEvent]) -> Vec<(AgentIndex, AgentState)> {
    evs.iter()
        .filter_map(|e| match &e.message {
            Message::AgentStateEvent(m) => Some((e.parties[0], m.agent_state)),
            _ => None,
        })
        .collect()
}

/// Advances to `secs` and returns the events.
pub(super) fn run(e: &mut Engine, secs: f64) -> Vec<WorldEvent> {
    let mut out = Vec::new();
    e.advance(t(secs), &mut out);
    out
}

/// Starts a default inbound call at `secs`; returns its id and events.
pub(super) fn call(e: &mut Engine, secs: f64) -> (u32, Vec<WorldEvent>) {
    let mut out = Vec::new();
    let id = e
        .start_call(CallSpec::default(), t(secs), &mut out)
        .unwrap();
    (id, out)
}

/// A CLIENT_EVENTS session bound to agent `a`.
pub(super) fn desk(a: AgentIndex) -> Requester {
    Requester {
        agent: Some(a),
        all_events: false,
        client_signature: format!("desk-{a}"),
    }
}

/// An ALL_EVENTS session.
pub(super) fn bridge() -> Requester {
    Requester {
        agent: None,
        all_events: true,
        client_signature: "bridge".into(),
    }
}

/// Sends a request; returns the reply and the events.
pub(super) fn ctl(
    e: &mut Engine,
    req: impl Into<Message>,
    who: &Requester,
    secs: f64,
) -> (Option<ControlReply>, Vec<WorldEvent>) {
    let mut out = Vec::new();
    let r = e.control(&req.into(), who, t(secs), &mut out);
    (r, out)
}

/// The CONF of a reply, with its InvokeID checked.
#[track_caller]
pub(super) fn conf(r: Option<ControlReply>, invoke_id: u32) -> Message {
    match r {
        Some(ControlReply::Conf(m)) => {
            assert_eq!(m.invoke_id(), Some(invoke_id), "{m:?}");
            m
        }
        other => panic!("expected a CONF, got {other:?}"),
    }
}

/// The CONTROL_FAILURE_CONF code of a reply.
#[track_caller]
pub(super) fn failure(r: Option<ControlReply>) -> ControlFailureCode {
    match r {
        Some(ControlReply::ControlFailure(code, _)) => code,
        other => panic!("expected CONTROL_FAILURE_CONF, got {other:?}"),
    }
}

/// Every event encodes at protocol versions 13, 19 and 24 (field sizes fit).
#[track_caller]
pub(super) fn encodes(evs: &[WorldEvent]) {
    for e in evs {
        for v in [13, 19, 24] {
            e.message
                .to_bytes(v)
                .unwrap_or_else(|err| panic!("{err:?} for {:?}", e.message));
        }
    }
}
