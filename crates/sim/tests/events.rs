//! Event delivery per session (§6.2, §6.3, §7.5): CallMsgMask / AgentStateMask filtering, CLIENT_EVENTS
//! isolation, BEGIN_CALL_EVENT for calls in progress when a CLIENT_EVENTS session opens, "Message Order"
//! realism, and the same events at protocol versions 19 and 24.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use cti_proto::constants::*;
use cti_proto::message::{BeginCallEvent, OpenReq};
use cti_proto::{Frame, Message};
use cti_sim::engine::CallSpec;
use cti_sim::session::open::NO_IDLE_TIMEOUT;
use cti_sim::{Side, SimConfig, Simulator};
use support::{Got, Peer, all_events, any_call_id, call_to, client_events, fine_clock, labels};

/// Long enough for a whole inbound call: ring 2 s, talk ≤ 45 s, wrap-up 5 s.
const LIFETIME: Duration = Duration::from_secs(120);

/// No generated traffic and no automatic hold: a call's events are exactly the documented sequence.
fn config() -> SimConfig {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg
}

async fn start(cfg: SimConfig) -> Simulator {
    Simulator::builder()
        .config(cfg)
        .start()
        .await
        .expect("start")
}

/// Opens a session without idle timeout; an ALL_EVENTS session's SYSTEM_EVENT is consumed.
async fn open(sim: &Simulator, mut req: OpenReq) -> Peer {
    req.idle_timeout = NO_IDLE_TIMEOUT;
    let all = req.services_requested.contains(CTI_SERVICE_ALL_EVENTS);
    let mut p = Peer::connect(sim.addr(Side::A)).await;
    let conf = p.open(req).await;
    assert!(matches!(conf, Message::OpenConf(_)), "{conf:?}");
    if all {
        assert!(matches!(p.recv().await, Message::SystemEvent(_)));
    }
    p
}

/// The inbound call's events and agent 1001's states, in order, with the call named "X".
const FULL_SEQUENCE: [&str; 11] = [
    "BEGIN_CALL X",
    "CALL_DELIVERED X",
    "AGENT_STATE 1001 RESERVED",
    "CALL_ESTABLISHED X",
    "AGENT_STATE 1001 TALKING",
    "CALL_DATA_UPDATE X",
    "CALL_CONNECTION_CLEARED X",
    "AGENT_STATE 1001 WORK_READY",
    "CALL_CLEARED X",
    "END_CALL X",
    "AGENT_STATE 1001 AVAILABLE",
];

#[tokio::test(start_paused = true)]
async fn masks_filter_call_and_agent_events() {
    let sim = start(config()).await;
    let mut req = all_events(24);
    req.client_id = Some("masked".into());
    req.call_msg_mask = BEGIN_CALL_MASK;
    req.agent_state_mask = AGENT_TALKING_MASK;
    let mut masked = open(&sim, req).await;
    let mut full = open(&sim, all_events(24)).await;

    let call = sim
        .handle()
        .start_call(call_to("1001", "4085550111"))
        .unwrap();
    let (m, f) = tokio::join!(masked.collect_for(LIFETIME), full.collect_for(LIFETIME));
    let names = [(call, "X")];
    assert_eq!(
        labels(&m, &names),
        ["BEGIN_CALL X", "AGENT_STATE 1001 TALKING"]
    );
    assert_eq!(labels(&f, &names), FULL_SEQUENCE);
}

#[tokio::test(start_paused = true)]
async fn client_events_sessions_see_only_their_agent() {
    let sim = start(config()).await;
    let mut d1 = open(&sim, client_events(24, "1001")).await;
    let mut d2 = open(&sim, client_events(24, "1002")).await;
    let call = sim
        .handle()
        .start_call(call_to("1001", "4085550112"))
        .unwrap();
    let (got1, got2) = tokio::join!(d1.collect_for(LIFETIME), d2.collect_for(LIFETIME));
    assert_eq!(labels(&got1, &[(call, "X")]), FULL_SEQUENCE);
    assert!(
        !got2.iter().any(|m| any_call_id(m) == Some(call)
            || matches!(m, Message::AgentStateEvent(a) if a.agent_id.as_ref().is_some_and(|x| x == "1001"))),
        "agent 1002's session gets nothing of 1001: {got2:?}"
    );
    assert!(got2.is_empty(), "nothing else happened: {got2:?}");
}

#[tokio::test(start_paused = true)]
async fn client_events_session_gets_begin_call_for_a_call_in_progress() {
    fine_clock(Duration::from_millis(10));
    let mut cfg = config();
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    let sim = start(cfg).await;
    let call = sim
        .handle()
        .start_call(call_to("1003", "4085550113"))
        .unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await; // answered at 2 s, data update at 3 s
    let status = sim.handle().status();
    let c = status.engine.calls.iter().find(|c| c.id == call).unwrap();
    assert_eq!((c.state, c.agent.as_deref()), ("connected", Some("1003")));

    let mut d = Peer::connect(sim.addr(Side::A)).await;
    let mut req = client_events(24, "1003");
    req.idle_timeout = NO_IDLE_TIMEOUT;
    let Message::OpenConf(conf) = d.open(req).await else {
        panic!("OPEN_CONF")
    };
    assert_eq!(conf.agent_state, AGENT_STATE_TALKING);
    let Message::BeginCallEvent(b) = d.recv().await else {
        panic!("BEGIN_CALL right after OPEN_CONF")
    };
    assert_eq!(b.connection_call_id, call);
    assert_eq!(b.call_type, CALLTYPE_ACD_IN);
    assert_eq!(b.ani.as_ref().unwrap(), "4085550113");
    // Only the BEGIN_CALL: the events that happened before are not replayed.
    let mut all = open(&sim, all_events(24)).await; // OPEN_CONF and SYSTEM_EVENT
    let mut idle = open(&sim, client_events(24, "1004")).await;
    let (after, all_got, idle_got) = tokio::join!(
        d.collect_for(Duration::from_millis(500)),
        all.collect_for(Duration::from_millis(500)),
        idle.collect_for(Duration::from_millis(500))
    );
    assert!(after.is_empty(), "{after:?}");
    assert!(
        all_got.is_empty(),
        "no BEGIN_CALL for ALL_EVENTS: {all_got:?}"
    );
    assert!(idle_got.is_empty(), "1004 is not on the call: {idle_got:?}");
}

/// 30 agents, no hold, `shuffle` as asked; one ALL_EVENTS session; one call to each agent at once. Returns the
/// call ids (call i to agent 1001 + i) and every message of their lifetimes.
async fn thirty_calls(shuffle: bool) -> (Vec<u32>, Vec<Message>) {
    let mut cfg = config();
    cfg.agents = cti_sim::config::default_agents(30, 5000);
    let mut b = Simulator::builder().config(cfg).calls_per_second(0.0);
    if shuffle {
        b = b.shuffle_simultaneous_events(300);
    }
    let sim = b.start().await.expect("start");
    let mut p = open(&sim, all_events(24)).await;
    let calls: Vec<u32> = (0..30)
        .map(|i| {
            let agent = (1001 + i).to_string();
            sim.handle()
                .start_call(call_to(&agent, "4085550114"))
                .unwrap()
        })
        .collect();
    let got = p.collect_for(LIFETIME).await;
    (calls, got)
}

/// Positions of call `call`'s CALL_ESTABLISHED_EVENT and agent `agent`'s first AGENT_STATE_EVENT TALKING.
fn established_and_talking(got: &[Message], call: u32, agent: &str) -> (usize, usize) {
    let est = got
        .iter()
        .position(|m| matches!(m, Message::CallEstablishedEvent(e) if e.connection_call_id == call))
        .unwrap_or_else(|| panic!("no CALL_ESTABLISHED for {call}"));
    let talk = got
        .iter()
        .position(|m| {
            matches!(m, Message::AgentStateEvent(a)
                if a.agent_state == AGENT_STATE_TALKING && a.agent_id.as_ref().is_some_and(|x| x == agent))
        })
        .unwrap_or_else(|| panic!("no TALKING for {agent}"));
    (est, talk)
}

#[tokio::test(start_paused = true)]
async fn shuffled_events_reorder_within_a_group_but_keep_each_call_in_order() {
    let (calls, got) = thirty_calls(true).await;
    let (mut est_first, mut talk_first) = (0, 0);
    for (i, &call) in calls.iter().enumerate() {
        let (est, talk) = established_and_talking(&got, call, &(1001 + i).to_string());
        if est < talk {
            est_first += 1;
        } else {
            talk_first += 1;
        }
        let own: Vec<&str> = got
            .iter()
            .filter(|m| any_call_id(m) == Some(call))
            .map(Message::name)
            .collect();
        assert_eq!(
            own.len(),
            7,
            "every event of call {call} arrives once: {own:?}"
        );
        assert_eq!(own.first(), Some(&"BEGIN_CALL_EVENT"), "{own:?}");
        assert_eq!(own.last(), Some(&"END_CALL_EVENT"), "{own:?}");
    }
    assert!(
        est_first >= 1 && talk_first >= 1,
        "both orders occur: {est_first} established first, {talk_first} talking first"
    );
}

#[tokio::test(start_paused = true)]
async fn without_shuffle_established_comes_right_before_talking() {
    let (calls, got) = thirty_calls(false).await;
    for (i, &call) in calls.iter().enumerate() {
        let (est, talk) = established_and_talking(&got, call, &(1001 + i).to_string());
        assert_eq!(
            talk,
            est + 1,
            "call {call}: TALKING right after CALL_ESTABLISHED"
        );
    }
}

/// The next BEGIN_CALL_EVENT on `p`, with its frame.
async fn begin_call(p: &mut Peer) -> (BeginCallEvent, Frame) {
    loop {
        match p.next().await {
            Got::Msg(Message::BeginCallEvent(b), f) => return (*b, f),
            Got::Msg(..) => {}
            Got::Closed => panic!("closed"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn versions_19_and_24_get_the_same_call_data() {
    let sim = start(config()).await;
    let mut v19 = open(&sim, all_events(19)).await;
    let mut v24 = open(&sim, all_events(24)).await;
    assert_eq!((v19.version, v24.version), (19, 24));
    let mut spec: CallSpec = call_to("1005", "4085550115");
    spec.dnis = Some("8005559999".into());
    spec.call_variables = vec![
        (1, "ACCT-77".into()),
        (5, "VIP".into()),
        (10, "last".into()),
    ];
    spec.named_variables = vec![("user.lang".into(), "fr".into())];
    let call = sim.handle().start_call(spec).unwrap();

    let ((old, old_frame), (new, new_frame)) =
        tokio::join!(begin_call(&mut v19), begin_call(&mut v24));
    for b in [&old, &new] {
        assert_eq!(b.connection_call_id, call);
        assert_eq!(b.ani.as_ref().unwrap(), "4085550115");
        assert_eq!(b.dnis.as_ref().unwrap(), "8005559999");
        assert_eq!(b.call_variable_1.as_ref().unwrap(), "ACCT-77");
        assert_eq!(b.call_variable_5.as_ref().unwrap(), "VIP");
        assert_eq!(b.call_variable_10.as_ref().unwrap(), "last");
        let lang = b
            .named_variables
            .iter()
            .find(|v| v.name == "user.lang")
            .unwrap();
        assert_eq!(lang.value, "fr");
    }
    let vars = |b: &BeginCallEvent| {
        [
            &b.call_variable_1,
            &b.call_variable_2,
            &b.call_variable_3,
            &b.call_variable_4,
            &b.call_variable_5,
            &b.call_variable_6,
            &b.call_variable_7,
            &b.call_variable_8,
            &b.call_variable_9,
            &b.call_variable_10,
        ]
        .map(Clone::clone)
    };
    assert_eq!(vars(&old), vars(&new));
    assert_eq!(old.named_variables, new.named_variables);
    assert_eq!(old.named_arrays, new.named_arrays);
    assert_eq!(
        (old.call_type, old.router_call_key_call_id),
        (new.call_type, new.router_call_key_call_id)
    );
    // Same content, different encoding: v19 floating fields have 1-byte tags and lengths.
    assert!(
        old_frame.body.len() < new_frame.body.len(),
        "{} vs {}",
        old_frame.body.len(),
        new_frame.body.len()
    );
}
