//! `Session` against the duplex simulator on virtual time: a failover keeps the model and reconciles it, a
//! re-announcement window closes by itself, a returning peripheral is reconciled, and updates are numbered
//! without holes and labelled with their source.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use cti_client::{ClientConfig, ClientEvent};
use cti_model::{Change, EndReason};
use cti_proto::constants::{CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL, ServiceMask};
use cti_session::lines::kind;
use cti_session::{Cause, Outcome, Session, SessionConfig, Update, UpdateKind};
use cti_sim::{FailMode, FineClock, Side, SimConfig, Simulator};
use serde_json::Value;

/// A simulator whose calls last ten minutes (nothing ends by itself during a test).
async fn long_calls_sim() -> Simulator {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 2.0;
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    cfg.traffic.hold_probability = 0.0;
    Simulator::builder().config(cfg).start().await.unwrap()
}

fn client_config(sim: &Simulator, services: ServiceMask) -> ClientConfig {
    ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials("session-test", "")
        .services(services)
        .heartbeat_secs(5)
        .build()
        .unwrap()
}

fn session(sim: &Simulator, source: &str, services: ServiceMask) -> Session {
    Session::start(SessionConfig::new(source, client_config(sim, services))).unwrap()
}

/// Reads updates (checking their numbering) until `done` says so; every update read and its lines.
struct Reader {
    updates: Vec<Update>,
    lines: Vec<Value>,
}

impl Reader {
    fn new() -> Self {
        Reader {
            updates: Vec::new(),
            lines: Vec::new(),
        }
    }

    async fn until(&mut self, s: &mut Session, mut done: impl FnMut(&Session, &Update) -> bool) {
        loop {
            let u = tokio::time::timeout(Duration::from_secs(120), s.next())
                .await
                .expect("an update within 120 s")
                .expect("the session goes on");
            assert_eq!(
                u.seq,
                self.updates.len() as u64 + 1,
                "numbered without holes"
            );
            self.lines.extend(s.lines(&u));
            let stop = done(s, &u);
            self.updates.push(u);
            if stop {
                return;
            }
        }
    }

    fn kinds(&self) -> Vec<&str> {
        self.lines
            .iter()
            .map(kind)
            .filter(|k| k.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
            .filter(|k| !k.ends_with("_EVENT"))
            .collect()
    }
}

fn connected(u: &Update) -> Option<cti_client::Side> {
    match &u.kind {
        UpdateKind::Client(ClientEvent::Connected { side, .. }) => Some(*side),
        _ => None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_failover_keeps_the_model_and_reconciles_every_call() {
    let _clock = FineClock::start();
    let sim = long_calls_sim().await;
    let mut s = session(
        &sim,
        "pg1",
        CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL,
    );
    let mut r = Reader::new();
    r.until(&mut s, |s, _| s.model().calls().count() >= 4).await;
    sim.handle().set_traffic(0.0);
    let before: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();
    let from = r.updates.len();

    sim.handle().fail_side(Side::A, FailMode::Reset);
    let mut settled = 0;
    r.until(&mut s, |_, u| {
        if matches!(u.kind, UpdateKind::Reconciled { .. }) {
            settled += 1;
        }
        settled == before.len()
    })
    .await;

    // The lifecycle after the failure: lost A, back on B, then one RECONCILING and an answer per call.
    let after = &r.updates[from..];
    let first_open = after.iter().position(|u| connected(u).is_some()).unwrap();
    assert_eq!(connected(&after[first_open]), Some(cti_client::Side::B));
    assert!(matches!(
        after[0].kind,
        UpdateKind::Client(ClientEvent::Disconnected {
            side: cti_client::Side::A,
            ..
        })
    ));
    let UpdateKind::Reconciling { cause, side, calls } = &after[first_open + 1].kind else {
        panic!(
            "RECONCILING right after CONNECTED: {:?}",
            after[first_open + 1]
        );
    };
    assert_eq!(*cause, Cause::Reconnect(cti_client::Side::B));
    assert_eq!(*side, cti_client::Side::B);
    assert_eq!(*calls, before.len());
    let answered: BTreeSet<_> = after
        .iter()
        .filter_map(|u| match &u.kind {
            UpdateKind::Reconciled { answer, applied } => {
                assert_eq!(answer.outcome, Outcome::Continues);
                assert!(applied);
                assert_eq!(u.changes, vec![Change::CallChanged(answer.key.clone())]);
                Some(answer.key.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(answered, before);

    // The model kept every call, none awaits anything, and the window passes without ending one.
    let now: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();
    assert_eq!(now, before);
    assert_eq!(s.model().awaiting_reannouncement().count(), 0);
    assert_eq!(s.model().next_deadline(), None);

    // Every line is labelled with the source; the reconciliation lines read as documented.
    assert!(r.lines.iter().all(|l| l["source"] == "pg1"));
    let reconciling: Vec<_> = r
        .lines
        .iter()
        .filter(|l| kind(l) == "RECONCILING")
        .collect();
    assert_eq!(reconciling.len(), 1);
    assert_eq!(reconciling[0]["side"], "B");
    assert_eq!(reconciling[0]["calls"], before.len() as u64);
    assert!(reconciling[0].get("peripheral_id").is_none());
    for l in r.lines.iter().filter(|l| kind(l) == "CALL_RECONCILED") {
        assert_eq!(l["outcome"], "continues");
        assert_eq!(l["applied"], true);
        assert_eq!(l["error"], Value::Null);
    }
    let kinds = r.kinds();
    let i = kinds.iter().position(|k| *k == "DISCONNECTED").unwrap();
    assert_eq!(kinds[i + 1..i + 3], ["CONNECTING", "ATTEMPT_FAILED"]);
    assert_eq!(
        kinds[i + 3..i + 6],
        ["CONNECTING", "CONNECTED", "RECONCILING"]
    );
    s.close().await;
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn without_client_control_the_window_closes_by_itself() {
    let _clock = FineClock::start();
    let sim = long_calls_sim().await;
    let mut s = session(&sim, "", CTI_SERVICE_ALL_EVENTS);
    let mut r = Reader::new();
    r.until(&mut s, |s, _| s.model().calls().count() >= 3).await;
    sim.handle().set_traffic(0.0);
    let before: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();
    sim.handle().fail_side(Side::A, FailMode::Reset);
    r.until(&mut s, |_, u| connected(u).is_some()).await;
    let opened_at = r.updates.last().unwrap().at;

    // Nobody calls tick: the session wakes at the model's deadline and reports what it ended.
    r.until(&mut s, |_, u| matches!(u.kind, UpdateKind::Deadline))
        .await;
    let deadline = r.updates.last().unwrap();
    assert_eq!(
        deadline.at.checked_sub(opened_at),
        Some(Duration::from_secs(10))
    );
    let lost: BTreeSet<_> = deadline
        .changes
        .iter()
        .map(|c| match c {
            Change::CallEnded {
                key,
                reason: EndReason::LostDuringOutage,
            } => key.clone(),
            other => panic!("only calls lost during the outage: {other:?}"),
        })
        .collect();
    assert_eq!(lost, before);
    assert!(
        !r.updates
            .iter()
            .any(|u| matches!(u.kind, UpdateKind::Reconciling { .. }))
    );
    // An unnamed source adds nothing to the lines.
    assert!(r.lines.iter().all(|l| l.get("source").is_none()));
    assert!(r.updates.iter().all(|u| u.source.is_empty()));
    s.close().await;
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_returning_peripheral_has_its_uncertain_calls_reconciled() {
    let _clock = FineClock::start();
    let sim = long_calls_sim().await;
    let mut s = session(
        &sim,
        "pg1",
        CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL,
    );
    let mut r = Reader::new();
    r.until(&mut s, |s, _| s.model().calls().count() >= 3).await;
    sim.handle().set_traffic(0.0);
    let before: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();

    // Offline with a long linger: the calls become uncertain, nothing ends.
    sim.handle()
        .peripheral_offline(5000, Some(Duration::from_secs(60)))
        .unwrap();
    r.until(&mut s, |s, _| {
        s.model().uncertain_calls(5000).count() == before.len()
    })
    .await;
    sim.handle().peripheral_online(5000).unwrap();
    let mut settled = 0;
    r.until(&mut s, |_, u| {
        if matches!(u.kind, UpdateKind::Reconciled { .. }) {
            settled += 1;
        }
        settled == before.len()
    })
    .await;
    let reconciling: Vec<_> = r
        .lines
        .iter()
        .filter(|l| kind(l) == "RECONCILING")
        .collect();
    assert_eq!(reconciling.len(), 1);
    assert_eq!(reconciling[0]["peripheral_id"], 5000);
    assert_eq!(reconciling[0]["calls"], before.len() as u64);
    for u in &r.updates {
        if let UpdateKind::Reconciled { answer, .. } = &u.kind {
            assert_eq!(answer.cause, Cause::PeripheralOnline(5000));
            assert_eq!(answer.outcome, Outcome::Continues);
        }
    }
    let now: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();
    assert_eq!(now, before);
    assert_eq!(s.model().uncertain_calls(5000).count(), 0);
    s.close().await;
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_consumer_that_stops_reading_gets_an_overflow_then_a_reconciled_session() {
    let _clock = FineClock::start();
    let sim = long_calls_sim().await;
    let mut client = client_config(&sim, CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL);
    client.event_queue = 8;
    client.agent_state_mask = cti_proto::constants::AgentStateMask::KNOWN;
    let mut s = Session::start(SessionConfig::new("pg1", client)).unwrap();
    let mut r = Reader::new();
    r.until(&mut s, |s, _| s.model().calls().count() >= 2).await;
    let known: BTreeSet<_> = s.model().calls().map(|c| c.key.clone()).collect();

    // The consumer stops reading for 20 s while the calls keep coming: more than 8 events.
    tokio::time::sleep(Duration::from_secs(20)).await;
    assert_eq!(s.status().event_overflows, 1);
    sim.handle().set_traffic(0.0);

    // Reading again: at most the 8 queued events, then OVERFLOW, DISCONNECTED, the reconnect on the same side
    // and the reconciliation of every call known before.
    let from = r.updates.len();
    r.until(&mut s, |_, u| {
        matches!(u.kind, UpdateKind::Reconciling { .. })
    })
    .await;
    let after = &r.updates[from..];
    let queued = after.iter().take_while(|u| u.message().is_some()).count();
    assert!(queued <= 8, "{after:?}");
    let lifecycle: Vec<Value> = after[queued..].iter().flat_map(|u| s.lines(u)).collect();
    assert_eq!(
        lifecycle.iter().map(kind).collect::<Vec<_>>(),
        [
            "OVERFLOW",
            "DISCONNECTED",
            "CONNECTING",
            "CONNECTED",
            "RECONCILING"
        ],
    );
    let overflow = r.lines.iter().find(|l| kind(l) == "OVERFLOW").unwrap();
    assert_eq!(overflow["side"], "A");
    assert_eq!(overflow["capacity"], 8);
    assert_eq!(s.status().side, Some(cti_client::Side::A));
    let asked: BTreeSet<_> = s
        .model()
        .awaiting_reannouncement()
        .map(|c| c.key.clone())
        .collect();
    assert!(known.is_subset(&asked), "{known:?} {asked:?}");
    s.close().await;
    sim.shutdown().await;
}
