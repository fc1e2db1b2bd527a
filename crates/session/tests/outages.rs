//! A `Session` (the client feeding `cti-model`) against the simulator (in process, loopback port 0): every
//! server message is applied to the model, `Connected` / `Disconnected` open and lose the session, and the
//! model's deadlines pass by themselves — how the call model is kept across a CTI Server failover and a
//! peripheral (ACD link) outage.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use cti_client::{ClientConfig, ClientEvent};
use cti_model::{CallKey, Change, EndReason, Model, ModelConfig};
use cti_proto::constants::*;
use cti_session::{Session, SessionConfig, Update, UpdateKind};
use cti_sim::engine::CallSpec;
use cti_sim::{FailMode, FineClock, SimConfig, Simulator};
use tokio::time::Instant;

/// How long a test waits for anything before failing (virtual time).
const WAIT: Duration = Duration::from_secs(600);
const PERIPHERAL: u32 = 5000;

/// A simulator without generated traffic whose calls talk for 10 minutes without hold, so that a call started by
/// a test is still going on whatever the test waits.
async fn sim() -> Simulator {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    cfg.traffic.hold_probability = 0.0;
    Simulator::builder()
        .config(cfg)
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap()
}

fn config(sim: &Simulator, services: ServiceMask) -> ClientConfig {
    let mut b = ClientConfig::builder(sim.addr(cti_sim::Side::A).to_string())
        .side_b(sim.addr(cti_sim::Side::B).to_string())
        .credentials("reconcile-test", "")
        .services(services);
    if services.contains(CTI_SERVICE_CLIENT_EVENTS) {
        b = b.agent(PERIPHERAL, "1001");
    }
    b.build().unwrap()
}

fn call_to_1001() -> CallSpec {
    let mut spec = CallSpec::default();
    spec.agent_id = Some("1001".into());
    spec
}

/// A session whose updates are recorded.
struct Harness {
    session: Session,
    origin: Instant,
    /// Every change of the model with the time (since `origin`) it happened.
    changes: Vec<(Duration, Change)>,
    /// Lifecycle events as compact labels ("Connected B", ...).
    lifecycle: Vec<String>,
    /// When the last session opened (since `origin`).
    opened_at: Duration,
}

impl Harness {
    fn start(cfg: ClientConfig) -> Harness {
        Harness {
            session: Session::start(SessionConfig::new("", cfg)).unwrap(),
            origin: Instant::now(),
            changes: Vec::new(),
            lifecycle: Vec::new(),
            opened_at: Duration::ZERO,
        }
    }

    fn model(&self) -> &Model {
        self.session.model()
    }

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }

    fn feed(&mut self, u: Update) {
        let now = self.now();
        match &u.kind {
            UpdateKind::Client(ClientEvent::Message(_)) | UpdateKind::Deadline => {}
            UpdateKind::Client(ClientEvent::Connected { side, .. }) => {
                self.opened_at = now;
                self.lifecycle.push(format!("Connected {}", side.name()));
            }
            UpdateKind::Client(ClientEvent::Disconnected { side, .. }) => {
                self.lifecycle.push(format!("Disconnected {}", side.name()));
            }
            UpdateKind::Client(ClientEvent::Connecting { side }) => {
                self.lifecycle.push(format!("Connecting {}", side.name()));
            }
            UpdateKind::Client(ClientEvent::AttemptFailed { side, reason }) => {
                self.lifecycle
                    .push(format!("AttemptFailed {} {reason}", side.name()));
            }
            other => panic!("unexpected {other:?}"),
        }
        self.changes.extend(u.changes.into_iter().map(|c| (now, c)));
    }

    /// Feeds the next update (the session ticks the model at its deadlines itself); false when `until` came
    /// first.
    async fn step(&mut self, until: Instant) -> bool {
        tokio::select! {
            u = self.session.next() => {
                let u = u.expect("the session runs");
                self.feed(u);
                true
            }
            () = tokio::time::sleep_until(until) => false,
        }
    }

    /// Runs for `d`.
    async fn run_for(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while self.step(until).await {}
    }

    /// Runs until a change satisfies `pred` (changes already recorded count).
    async fn until_change(&mut self, pred: impl Fn(&Change) -> bool) -> Change {
        let until = Instant::now() + WAIT;
        loop {
            if let Some((_, c)) = self.changes.iter().find(|(_, c)| pred(c)) {
                return c.clone();
            }
            assert!(self.step(until).await, "no such change: {:?}", self.changes);
        }
    }

    /// Runs until the lifecycle event `label` (e.g. "Connected B") is seen.
    async fn until_lifecycle(&mut self, label: &str) {
        let until = Instant::now() + WAIT;
        while !self.lifecycle.iter().any(|l| l == label) {
            assert!(self.step(until).await, "no {label}: {:?}", self.lifecycle);
        }
    }

    /// The changes without their times.
    fn changes(&self) -> Vec<Change> {
        self.changes.iter().map(|(_, c)| c.clone()).collect()
    }

    fn clear(&mut self) {
        self.changes.clear();
        self.lifecycle.clear();
    }

    async fn close(self) {
        self.session.close().await;
    }
}

/// Connects, starts a call to agent 1001 and runs until the model has it (answered, its data updated).
async fn call_in_progress(h: &mut Harness, sim: &Simulator) -> CallKey {
    h.until_lifecycle("Connected A").await;
    let id = sim.handle().start_call(call_to_1001()).unwrap();
    let began = h
        .until_change(|c| matches!(c, Change::CallBegan(k) if k.connection_call_id == id))
        .await;
    let Change::CallBegan(key) = began else {
        unreachable!()
    };
    h.run_for(Duration::from_secs(5)).await;
    let keys: Vec<&CallKey> = h.model().calls().map(|c| &c.key).collect();
    assert_eq!(keys, vec![&key], "exactly the one call");
    let call = h.model().call(&key).unwrap();
    assert!(!call.uncertain && !call.awaiting_reannouncement);
    assert_eq!(call.peripheral_id, PERIPHERAL);
    h.clear();
    key
}

/// Fails side A and checks that the client is connected to side B within 100 ms (virtual).
async fn fail_over(h: &mut Harness, sim: &Simulator) {
    let t0 = Instant::now();
    sim.handle().fail_side(cti_sim::Side::A, FailMode::Reset);
    h.until_lifecycle("Connected B").await;
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(
        h.lifecycle,
        [
            "Disconnected A",
            "Connecting A",
            "AttemptFailed A E_CTI_CTI_SERVER_OFFLINE",
            "Connecting B",
            "Connected B"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn failover_keeps_the_call_a_client_events_session_gets_reannounced() {
    let _clock = FineClock::start();
    let sim = sim().await;
    let mut h = Harness::start(config(&sim, CTI_SERVICE_CLIENT_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    fail_over(&mut h, &sim).await;
    // The simulator sends a ClientEvents session a BEGIN_CALL_EVENT for each of its calls in progress on open:
    // the model keeps the call (re-announced), well past the window.
    h.run_for(ModelConfig::default().reannounce_window + Duration::from_secs(1))
        .await;
    assert_eq!(h.changes(), vec![Change::CallChanged(key.clone())]);
    let keys: Vec<&CallKey> = h.model().calls().map(|c| &c.key).collect();
    assert_eq!(keys, vec![&key], "same call id, none invented");
    let call = h.model().call(&key).unwrap();
    assert!(!call.awaiting_reannouncement && !call.uncertain);
    h.close().await;
}

#[tokio::test(start_paused = true)]
async fn failover_ends_an_all_events_call_as_lost_during_outage() {
    let _clock = FineClock::start();
    let sim = sim().await;
    let mut h = Harness::start(config(&sim, CTI_SERVICE_ALL_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    fail_over(&mut h, &sim).await;
    // An ALL_EVENTS session gets no BEGIN_CALL_EVENT for calls in progress, only the SYSTEM_EVENTs (which change
    // nothing: the peripheral was online and still is). The call does go on in the simulator, but nothing on
    // this session says so: ending it as "lost during outage" when the re-announcement window closes is the
    // honest outcome — the model cannot know the call continues, and it never invents what it was not told.
    let ended = h
        .until_change(|c| matches!(c, Change::CallEnded { .. }))
        .await;
    assert_eq!(
        ended,
        Change::CallEnded {
            key,
            reason: EndReason::LostDuringOutage
        }
    );
    assert_eq!(h.changes.len(), 1, "{:?}", h.changes);
    let at = h.changes[0].0.checked_sub(h.opened_at).unwrap();
    let window = ModelConfig::default().reannounce_window;
    assert!(
        at >= window && at < window + Duration::from_millis(20),
        "{at:?}"
    );
    assert_eq!(h.model().calls().count(), 0);
    h.close().await;
}

#[tokio::test(start_paused = true)]
async fn peripheral_offline_without_linger_suspends_the_call_and_online_resumes_it() {
    let _clock = FineClock::start();
    let sim = sim().await;
    let mut h = Harness::start(config(&sim, CTI_SERVICE_ALL_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    let began_at = h.model().call(&key).unwrap().began_at;
    let off = h.now();
    sim.handle().peripheral_offline(PERIPHERAL, None).unwrap();
    // SYSTEM_EVENT offline makes the call uncertain; the END_CALL_EVENT that follows at once suspends it.
    h.until_change(|c| matches!(c, Change::CallSuspended(_)))
        .await;
    assert_eq!(
        h.changes(),
        vec![
            Change::PeripheralStatus {
                peripheral_id: PERIPHERAL,
                online: false
            },
            Change::CallChanged(key.clone()),
            Change::CallSuspended(key.clone()),
        ]
    );
    assert_eq!(h.model().suspended_calls().count(), 1);
    h.run_for(Duration::from_secs(3)).await;
    assert_eq!(h.changes.len(), 3, "nothing while offline: {:?}", h.changes);
    h.clear();
    // Back: SYSTEM_EVENT online, then BEGIN_CALL_EVENT for the call that went on — the same call resumed, with
    // the gap since its END_CALL_EVENT; nothing ends when the resume window closes.
    sim.handle().peripheral_online(PERIPHERAL).unwrap();
    h.until_change(|c| matches!(c, Change::CallResumed { .. }))
        .await;
    h.run_for(ModelConfig::default().resume_window + Duration::from_secs(1))
        .await;
    let Some((_, Change::CallResumed { gap, .. })) = h.changes.get(1) else {
        panic!("{:?}", h.changes)
    };
    assert!(
        *gap >= Duration::from_secs(3) && *gap < h.now().checked_sub(off).unwrap(),
        "{gap:?}"
    );
    assert_eq!(
        h.changes(),
        vec![
            Change::PeripheralStatus {
                peripheral_id: PERIPHERAL,
                online: true
            },
            Change::CallResumed {
                key: key.clone(),
                gap: *gap
            },
        ]
    );
    let call = h.model().call(&key).unwrap();
    assert!(!call.uncertain && call.suspended_since.is_none());
    assert_eq!(call.began_at, began_at, "one call, not a new one");
    assert_eq!(h.model().calls().count(), 1);
    h.close().await;
}

#[tokio::test(start_paused = true)]
async fn peripheral_linger_expired_suspends_the_call_and_online_resumes_it() {
    let _clock = FineClock::start();
    let sim = sim().await;
    let mut h = Harness::start(config(&sim, CTI_SERVICE_ALL_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    let linger = Duration::from_secs(5);
    sim.handle()
        .peripheral_offline(PERIPHERAL, Some(linger))
        .unwrap();
    h.run_for(Duration::from_secs(2)).await;
    assert!(h.model().call(&key).unwrap().uncertain);
    assert!(h.model().call(&key).unwrap().suspended_since.is_none());
    // The linger time runs out while offline: END_CALL_EVENT, held as suspended.
    h.until_change(|c| matches!(c, Change::CallSuspended(_)))
        .await;
    h.clear();
    h.run_for(Duration::from_secs(10)).await;
    sim.handle().peripheral_online(PERIPHERAL).unwrap();
    h.until_change(|c| matches!(c, Change::CallResumed { .. }))
        .await;
    let Some((_, Change::CallResumed { key: k, gap })) = h.changes.get(1) else {
        panic!("{:?}", h.changes)
    };
    assert_eq!(k, &key);
    assert!(*gap >= Duration::from_secs(10), "{gap:?}");
    assert_eq!(h.model().calls().count(), 1);
    h.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_call_that_ended_during_the_peripheral_outage_ends_when_the_resume_window_closes() {
    let _clock = FineClock::start();
    // Calls talk for 20 s: the call ends while the peripheral is offline, so no BEGIN_CALL_EVENT comes back.
    let mut cfg = SimConfig::loopback();
    cfg.traffic.talk_min_secs = 20.0;
    cfg.traffic.talk_max_secs = 20.0;
    cfg.traffic.hold_probability = 0.0;
    let sim = Simulator::builder()
        .config(cfg)
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap();
    let mut h = Harness::start(config(&sim, CTI_SERVICE_ALL_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    sim.handle().peripheral_offline(PERIPHERAL, None).unwrap();
    h.until_change(|c| matches!(c, Change::CallSuspended(_)))
        .await;
    h.run_for(Duration::from_secs(40)).await;
    h.clear();
    sim.handle().peripheral_online(PERIPHERAL).unwrap();
    h.until_change(|c| matches!(c, Change::PeripheralStatus { online: true, .. }))
        .await;
    let back = h.now();
    let ended = h
        .until_change(|c| matches!(c, Change::CallEnded { .. }))
        .await;
    assert_eq!(
        ended,
        Change::CallEnded {
            key,
            reason: EndReason::PeripheralOffline
        }
    );
    let at = h.changes[1].0.checked_sub(back).unwrap();
    let window = ModelConfig::default().resume_window;
    assert!(
        at >= window && at < window + Duration::from_millis(20),
        "{at:?}"
    );
    assert_eq!(h.changes.len(), 2, "{:?}", h.changes);
    assert_eq!(h.model().calls().count(), 0);
    h.close().await;
}

#[tokio::test(start_paused = true)]
async fn peripheral_back_within_the_linger_time_resumes_the_uncertain_call() {
    let _clock = FineClock::start();
    let sim = sim().await;
    let mut h = Harness::start(config(&sim, CTI_SERVICE_ALL_EVENTS));
    let key = call_in_progress(&mut h, &sim).await;
    let began_at = h.model().call(&key).unwrap().began_at;
    let linger = Duration::from_secs(30);
    sim.handle()
        .peripheral_offline(PERIPHERAL, Some(linger))
        .unwrap();
    h.run_for(Duration::from_secs(5)).await;
    // No END_CALL_EVENT within the linger time: the call lingers, uncertain.
    assert_eq!(
        h.changes(),
        vec![
            Change::PeripheralStatus {
                peripheral_id: PERIPHERAL,
                online: false
            },
            Change::CallChanged(key.clone()),
        ]
    );
    assert!(h.model().call(&key).unwrap().uncertain);
    h.clear();
    sim.handle().peripheral_online(PERIPHERAL).unwrap();
    // SYSTEM_EVENT online alone does not resume it ...
    h.until_change(|c| matches!(c, Change::PeripheralStatus { online: true, .. }))
        .await;
    assert!(h.model().call(&key).unwrap().uncertain);
    // ... the BEGIN_CALL_EVENT that follows does: the same call, no second CallBegan, no CallEnded.
    h.until_change(|c| *c == Change::CallChanged(key.clone()))
        .await;
    assert_eq!(
        h.changes(),
        vec![
            Change::PeripheralStatus {
                peripheral_id: PERIPHERAL,
                online: true
            },
            Change::CallChanged(key.clone()),
        ]
    );
    let call = h.model().call(&key).unwrap();
    assert!(!call.uncertain);
    assert_eq!(call.began_at, began_at, "the same call resumed");
    // Past the original linger deadline: the stale timer ends nothing.
    h.clear();
    h.run_for(linger).await;
    assert_eq!(h.changes(), vec![]);
    let keys: Vec<&CallKey> = h.model().calls().map(|c| &c.key).collect();
    assert_eq!(keys, vec![&key]);
    h.close().await;
}
