//! Issue 14, item 1 through a `Session` against the simulator: calls that begin while both sides are down are
//! surfaced after the reconnect — found at the known agents' devices (SNAPSHOT_DEVICE_REQ) or revealed by their
//! END_CALL_EVENT — and the model then holds exactly the simulator's calls.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use cti_client::{Agent, CallRef, ClientConfig};
use cti_proto::constants::*;
use cti_session::lines::kind;
use cti_session::{Session, SessionConfig};
use cti_sim::engine::CallSpec;
use cti_sim::{FailMode, FineClock, Side, SimConfig, Simulator};
use serde_json::{Value, json};
use tokio::time::Instant;

const PERIPHERAL: u32 = 5000;
const WAIT: Duration = Duration::from_secs(600);

/// Every line of a session, pumped until a condition holds.
struct Lines {
    session: Session,
    lines: Vec<Value>,
}

impl Lines {
    async fn until(&mut self, what: &str, pred: impl Fn(&[Value]) -> bool) {
        let until = Instant::now() + WAIT;
        while !pred(&self.lines) {
            tokio::select! {
                u = self.session.next() => {
                    let u = u.expect("the session runs");
                    let lines = self.session.lines(&u);
                    self.lines.extend(lines);
                }
                () = tokio::time::sleep_until(until) => panic!("no {what}: {:#?}", self.lines),
            }
        }
    }

    async fn until_count(&mut self, k: &str, n: usize) {
        self.until(k, |l| count(l, k) >= n).await;
    }

    async fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        loop {
            tokio::select! {
                u = self.session.next() => {
                    let u = u.expect("the session runs");
                    let lines = self.session.lines(&u);
                    self.lines.extend(lines);
                }
                () = tokio::time::sleep_until(until) => return,
            }
        }
    }

    fn of(&self, k: &str) -> Vec<&Value> {
        self.lines.iter().filter(|v| kind(v) == k).collect()
    }
}

fn count(lines: &[Value], k: &str) -> usize {
    lines.iter().filter(|v| kind(v) == k).count()
}

fn agent(n: u32) -> Agent {
    Agent {
        peripheral_id: PERIPHERAL,
        agent_id: Some((1000 + n).to_string()),
        extension: None,
        instrument: Some((2000 + n).to_string()),
    }
}

fn call_to(agent_id: &str) -> CallSpec {
    let mut spec = CallSpec::default();
    spec.agent_id = Some(agent_id.into());
    spec
}

/// The model lines of one call, without the fields that vary (`ani`, `dnis`, `gap_secs`).
fn model_lines(l: &Lines, id: u32) -> Vec<Value> {
    l.lines
        .iter()
        .filter(|v| kind(v).starts_with("CALL_") && !kind(v).ends_with("_EVENT"))
        .filter(|v| v["connection_call_id"] == id)
        .map(|v| {
            let mut v = v.clone();
            if let Value::Object(m) = &mut v {
                m.remove("ani");
                m.remove("dnis");
            }
            v
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn calls_begun_while_both_sides_were_down_are_discovered() {
    let _clock = FineClock::start();
    let mut cfg = SimConfig::loopback();
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    cfg.traffic.hold_probability = 0.0;
    let sim = Simulator::builder()
        .config(cfg)
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap();
    let mut client = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials("discovery-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .build()
        .unwrap();
    client.agent_state_mask = AgentStateMask::KNOWN;
    let mut l = Lines {
        session: Session::start(SessionConfig::new("", client)).unwrap(),
        lines: Vec::new(),
    };
    l.until_count("CONNECTED", 1).await;

    // The model learns agents 1001 and 1002 (their AGENT_STATE_EVENTs), then a call to 1001 begins.
    let control = l.session.client().clone();
    tokio::spawn(async move {
        for n in [1, 2] {
            control
                .set_agent_state(&agent(n), AGENT_STATE_NOT_READY, 0, None)
                .await
                .unwrap();
            control
                .set_agent_state(&agent(n), AGENT_STATE_AVAILABLE, 0, None)
                .await
                .unwrap();
        }
    });
    let known = |l: &Lines| {
        ["1001", "1002"]
            .iter()
            .all(|a| l.session.model().agent(a).map(|x| x.state) == Some(AGENT_STATE_AVAILABLE))
    };
    for _ in 0..100 {
        if known(&l) {
            break;
        }
        l.run_for(Duration::from_millis(100)).await;
    }
    assert!(known(&l), "{:#?}", l.lines);
    let x = sim.handle().start_call(call_to("1001")).unwrap();
    l.until("CALL_BEGAN x", |v| {
        v.iter()
            .any(|v| kind(v) == "CALL_BEGAN" && v["connection_call_id"] == x)
    })
    .await;
    l.run_for(Duration::from_secs(3)).await;

    // Both sides down for 20 s; meanwhile calls begin at 1002 (a device the model knows) and 1003 (one it
    // does not).
    sim.handle().fail_side(Side::A, FailMode::Refuse);
    sim.handle().fail_side(Side::B, FailMode::Refuse);
    l.until_count("DISCONNECTED", 1).await;
    let y = sim.handle().start_call(call_to("1002")).unwrap();
    let v = sim.handle().start_call(call_to("1003")).unwrap();
    l.run_for(Duration::from_secs(20)).await;
    assert_eq!(count(&l.lines, "CONNECTED"), 1, "still down");
    let before = l.lines.len();
    sim.handle().restore_side(Side::A);
    sim.handle().restore_side(Side::B);
    l.until_count("CONNECTED", 2).await;
    l.until("both devices answered", |v| {
        count(v, "DEVICE_RECONCILED") == 2 && count(v, "CALL_RECONCILED") == 1
    })
    .await;

    // After the reconnect: x is asked about (SNAPSHOT_CALL_REQ) and continues; both known devices are asked
    // (SNAPSHOT_DEVICE_REQ); y is found at 1002 and discovered. v, at a device nobody knew, is not yet.
    let after = &l.lines[before..];
    let reconciling: Vec<&Value> = after
        .iter()
        .filter(|v| kind(v).starts_with("RECONCILING"))
        .collect();
    assert_eq!(
        reconciling,
        [
            &json!({"type": "RECONCILING", "side": "A", "calls": 1}),
            &json!({"type": "RECONCILING_DEVICES", "side": "A", "devices": 2}),
        ]
    );
    let mut devices: Vec<Value> = l.of("DEVICE_RECONCILED").into_iter().cloned().collect();
    devices.sort_by_key(|v| v["agent_id"].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        devices,
        [
            json!({"type": "DEVICE_RECONCILED", "peripheral_id": PERIPHERAL, "agent_id": "1001",
                   "instrument": "2001", "calls": [x], "discovered": 0, "error": null}),
            json!({"type": "DEVICE_RECONCILED", "peripheral_id": PERIPHERAL, "agent_id": "1002",
                   "instrument": "2002", "calls": [y], "discovered": 1, "error": null}),
        ]
    );
    assert_eq!(l.of("CALL_RECONCILED")[0]["outcome"], "continues");
    let discovered = json!({
        "type": "CALL_DISCOVERED",
        "connection_call_id": y,
        "connection_device_id": y.to_string(),
        "by": "SNAPSHOT_DEVICE_CONF",
        "after_outage": true,
        "known": ["peripheral_id", "state", "devices"],
        "unknown": ["call_type", "ani", "dnis", "dialed_number", "caller_entered_digits", "wrapup_data",
                    "call_variables", "named_variables", "router_call_key", "began_at"],
        "peripheral_id": PERIPHERAL,
        "state": "connected",
    });
    assert_eq!(model_lines(&l, y), [discovered]);
    assert!(
        l.session
            .model()
            .call(&cti_model::CallKey::new(
                y,
                CONNECTION_ID_STATIC,
                y.to_string()
            ))
            .is_some_and(|c| c.discovered && c.devices.contains("2002"))
    );

    // v ends: its END_CALL_EVENT (after its clearing events) reports it, never seen before, and its end.
    let control = l.session.client().clone();
    tokio::spawn(async move {
        let _ = control
            .clear_call(&agent(3), &CallRef::new(v, v.to_string()))
            .await;
    });
    l.until("CALL_ENDED v", |lines| {
        lines
            .iter()
            .any(|x| kind(x) == "CALL_ENDED" && x["connection_call_id"] == v)
    })
    .await;
    let v_lines = model_lines(&l, v);
    assert_eq!(v_lines.len(), 2, "{v_lines:#?}");
    assert_eq!(
        (
            kind(&v_lines[0]),
            &v_lines[0]["by"],
            &v_lines[0]["after_outage"]
        ),
        ("CALL_DISCOVERED", &json!("END_CALL_EVENT"), &json!(true))
    );
    assert_eq!(
        v_lines[1],
        json!({"type": "CALL_ENDED", "connection_call_id": v,
               "connection_device_id": v.to_string(), "reason": "end call"})
    );

    // The model now holds exactly the simulator's calls.
    l.run_for(Duration::from_secs(3)).await;
    let sim_calls: BTreeSet<u32> = sim
        .handle()
        .status()
        .engine
        .calls
        .iter()
        .map(|c| c.id)
        .collect();
    let model_calls: BTreeSet<u32> = l
        .session
        .model()
        .calls()
        .map(|c| c.key.connection_call_id)
        .collect();
    assert_eq!(model_calls, sim_calls);
    assert_eq!(model_calls, BTreeSet::from([x, y]));
    l.session.close().await;
    sim.shutdown().await;
}
