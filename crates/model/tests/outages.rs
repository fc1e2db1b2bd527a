//! Issue 14: calls that began while no session was open are discovered, END_CALLs for calls never seen are
//! reported, and calls a peripheral outage ended are suspended and resumed — with the exact changes emitted.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

mod common;

use std::time::Duration;

use common::*;
use cti_model::{CallState, Change, EndReason, Model, ModelConfig};
use cti_proto::Message;
use cti_proto::constants::*;

struct H {
    m: Model,
}

impl H {
    fn new() -> Self {
        H {
            m: Model::new(ModelConfig::default()),
        }
    }

    fn at(&mut self, s: u64, msg: impl Into<Message>) -> Vec<Change> {
        let mut out = Vec::new();
        self.m.apply(&msg.into(), secs(s), &mut out);
        out
    }

    fn at_ms(&mut self, ms: u64, msg: impl Into<Message>) -> Vec<Change> {
        let mut out = Vec::new();
        self.m
            .apply(&msg.into(), Duration::from_millis(ms), &mut out);
        out
    }

    fn tick(&mut self, s: u64) -> Vec<Change> {
        let mut out = Vec::new();
        self.m.tick(secs(s), &mut out);
        out
    }
}

fn ended(k: &cti_model::CallKey, reason: EndReason) -> Change {
    Change::CallEnded {
        key: k.clone(),
        reason,
    }
}

fn discovered(
    k: &cti_model::CallKey,
    by: &'static str,
    after_outage: bool,
    known: &[&'static str],
) -> Change {
    let unknown = cti_model::CALL_FIELDS
        .iter()
        .copied()
        .filter(|f| !known.contains(f))
        .collect();
    Change::CallDiscovered {
        key: k.clone(),
        by,
        after_outage,
        known: known.to_vec(),
        unknown,
    }
}

/// A model with one session that was lost and a second one open at 20 s.
fn after_outage() -> H {
    let mut h = H::new();
    h.m.session_opened(secs(0));
    h.m.connection_lost(secs(10));
    h.m.session_opened(secs(20));
    h
}

#[test]
fn an_event_of_a_call_begun_unseen_discovers_it_after_the_grace() {
    let mut h = after_outage();
    let a = key(7, "7");
    assert_eq!(h.at(21, established(&a, "2001")), vec![]);
    assert_eq!(h.m.pending_len(), 1);
    assert_eq!(h.m.next_deadline(), Some(secs(23)));
    assert_eq!(h.tick(22), vec![]);
    assert_eq!(
        h.tick(23),
        vec![discovered(
            &a,
            "CALL_ESTABLISHED_EVENT",
            true,
            &["peripheral_id", "state", "devices"]
        )]
    );
    let call = h.m.call(&a).unwrap();
    assert!(call.discovered);
    assert_eq!(call.state, CallState::Connected);
    assert_eq!(call.began_at, secs(21), "first seen, not begun");
    assert_eq!(h.m.discovered_calls().count(), 1);
    assert_eq!(h.m.next_deadline(), None);
    // It lives as any call: data, then its end.
    assert_eq!(
        h.at(24, update_var(&a, 1, "x")),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(h.at(25, end(&a)), vec![ended(&a, EndReason::EndCall)]);
    assert_eq!(h.m.calls().count(), 0);
}

#[test]
fn a_begin_within_the_grace_is_an_ordinary_call() {
    let mut h = after_outage();
    let a = key(8, "8");
    assert_eq!(h.at_ms(21_000, delivered(&a, "2001")), vec![]);
    assert_eq!(
        h.at_ms(21_500, begin(&a)),
        vec![Change::CallBegan(a.clone())]
    );
    assert_eq!(h.tick(30), vec![], "nothing left to discover");
    assert!(!h.m.call(&a).unwrap().discovered);
    assert_eq!(h.m.call(&a).unwrap().state, CallState::Ringing);
}

#[test]
fn an_end_call_for_a_call_never_seen_is_reported() {
    let mut h = after_outage();
    let (a, b) = (key(9, "9"), key(10, "10"));
    // Never seen at all: discovered by its END_CALL, then ended.
    assert_eq!(
        h.at(21, end(&a)),
        vec![
            discovered(&a, "END_CALL_EVENT", true, &["peripheral_id"]),
            ended(&a, EndReason::EndCall)
        ]
    );
    // Seen only by an event still waiting for its BEGIN_CALL: discovered with that data, then ended.
    h.at(22, cleared(&b));
    assert_eq!(
        h.at(22, end(&b)),
        vec![
            discovered(&b, "END_CALL_EVENT", true, &["peripheral_id", "state"]),
            ended(&b, EndReason::EndCall)
        ]
    );
    assert_eq!(h.m.pending_len(), 0);
    // A repeated END_CALL, and a late event of either, change nothing.
    assert_eq!(h.at(23, end(&a)), vec![]);
    assert_eq!(h.at(23, established(&b, "2001")), vec![]);
    assert_eq!(h.tick(30), vec![]);
}

#[test]
fn before_any_session_the_old_rules_hold() {
    let mut h = H::new();
    let a = key(11, "11");
    assert_eq!(h.at(1, established(&a, "2001")), vec![]);
    assert_eq!(h.at(2, end(&a)), vec![]);
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.tick(100), vec![]);
}

#[test]
fn calls_in_progress_at_the_first_session_are_discovered_but_not_after_an_outage() {
    let mut h = H::new();
    h.m.session_opened(secs(0));
    let a = key(12, "12");
    h.at(1, held(&a, "2001"));
    assert_eq!(
        h.tick(3),
        vec![discovered(
            &a,
            "CALL_HELD_EVENT",
            false,
            &["peripheral_id", "state", "devices"]
        )]
    );
}

#[test]
fn a_snapshot_device_conf_discovers_calls_once() {
    let mut h = after_outage();
    let (a, b, c) = (key(13, "13"), key(14, "14"), key(15, "15"));
    h.at(5, begin(&c));
    h.at(21, update_var(&b, 2, "gold"));
    h.at(21, end(&key(16, "16")));
    let mut out = Vec::new();
    let model = &mut h.m;
    assert!(model.discover_call(
        &a,
        PERIPHERAL,
        Some(CallState::Connected),
        Some("2001"),
        secs(21),
        &mut out
    ));
    assert!(model.discover_call(
        &b,
        PERIPHERAL,
        Some(CallState::Held),
        Some("2002"),
        secs(21),
        &mut out
    ));
    // Live already, discovered already, ended already: nothing.
    assert!(!model.discover_call(&c, PERIPHERAL, None, None, secs(21), &mut out));
    assert!(!model.discover_call(&a, PERIPHERAL, None, None, secs(21), &mut out));
    assert!(!model.discover_call(&key(16, "16"), PERIPHERAL, None, None, secs(21), &mut out));
    assert_eq!(
        out,
        vec![
            discovered(
                &a,
                "SNAPSHOT_DEVICE_CONF",
                true,
                &["peripheral_id", "state", "devices"]
            ),
            discovered(
                &b,
                "SNAPSHOT_DEVICE_CONF",
                true,
                &[
                    "peripheral_id",
                    "call_type",
                    "call_variables",
                    "state",
                    "devices"
                ]
            ),
        ]
    );
    assert_eq!(h.m.call(&b).unwrap().began_at, secs(21));
    assert_eq!(h.tick(30), vec![], "b is no longer pending");
}

/// The sequence of the simulator without linger: offline, END_CALL for every call, online, BEGIN_CALL for
/// those that continue.
#[test]
fn a_peripheral_that_returns_resumes_its_calls_and_ends_the_rest_after_the_window() {
    let mut h = H::new();
    let (a, b, c) = (key(1, "1"), key(2, "2"), key(3, "3"));
    for k in [&a, &b, &c] {
        h.at(1, begin(k));
    }
    h.at(10, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    assert_eq!(h.at(10, end(&a)), vec![Change::CallSuspended(a.clone())]);
    assert_eq!(h.at(10, end(&b)), vec![Change::CallSuspended(b.clone())]);
    assert_eq!(h.at(11, end(&b)), vec![], "a repeated END_CALL");
    assert_eq!(h.m.suspended_calls().count(), 2);
    assert_eq!(h.m.calls().count(), 3, "suspended calls are live");
    assert_eq!(h.m.call(&a).unwrap().suspended_since, Some(secs(10)));
    assert_eq!(h.m.next_deadline(), None, "no window while offline");
    assert_eq!(h.tick(1_000), vec![]);
    assert_eq!(
        h.at(1_000, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL)),
        vec![Change::PeripheralStatus {
            peripheral_id: PERIPHERAL,
            online: true
        }]
    );
    assert_eq!(h.m.next_deadline(), Some(secs(1_015)));
    assert_eq!(
        h.at(1_001, begin(&a)),
        vec![Change::CallResumed {
            key: a.clone(),
            gap: secs(991)
        }]
    );
    let call = h.m.call(&a).unwrap();
    assert_eq!(
        (call.began_at, call.uncertain, call.suspended_since),
        (secs(1), false, None)
    );
    // c lingered (no END_CALL): an event of it after the return clears the doubt, as before.
    assert_eq!(
        h.at(1_002, established(&c, "2003")),
        vec![Change::CallChanged(c.clone())]
    );
    assert_eq!(h.tick(1_014), vec![]);
    assert_eq!(h.tick(1_015), vec![ended(&b, EndReason::PeripheralOffline)]);
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.at(1_016, end(&a)), vec![ended(&a, EndReason::EndCall)]);
    assert_eq!(
        h.at(1_016, begin(&b)),
        vec![Change::CallBegan(b.clone())],
        "b ended: a new call"
    );
}

/// The sequence of the simulator with linger expired: offline, then END_CALLs after the linger time.
#[test]
fn a_second_outage_stops_the_window_and_the_server_may_settle_first() {
    let mut h = H {
        m: Model::new(ModelConfig {
            resume_window: Duration::from_secs(5),
            ..ModelConfig::default()
        }),
    };
    let (a, b) = (key(1, "1"), key(2, "2"));
    h.at(1, begin(&a));
    h.at(1, begin(&b));
    h.at(2, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    assert_eq!(h.at(8, end(&a)), vec![Change::CallSuspended(a.clone())]);
    assert_eq!(h.at(8, end(&b)), vec![Change::CallSuspended(b.clone())]);
    h.at(10, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL));
    assert_eq!(h.m.next_deadline(), Some(secs(15)));
    h.at(12, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.tick(20), vec![]);
    h.at(30, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL));
    // The server confirms a (SNAPSHOT_CALL_CONF), says b is gone: both settled before the window closes.
    let mut out = Vec::new();
    assert!(h.m.resume_call(&a, secs(31), &mut out));
    assert!(h.m.end_call(&b, EndReason::PeripheralOffline, &mut out));
    assert_eq!(
        out,
        vec![
            Change::CallResumed {
                key: a.clone(),
                gap: secs(23)
            },
            ended(&b, EndReason::PeripheralOffline)
        ]
    );
    assert_eq!(h.tick(35), vec![]);
    assert_eq!(h.m.calls().count(), 1);
}

#[test]
fn an_unseen_call_ended_by_a_peripheral_outage_is_discovered_suspended_and_resumed() {
    let mut h = after_outage();
    let a = key(20, "20");
    h.at(21, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    assert_eq!(
        h.at(21, end(&a)),
        vec![
            discovered(&a, "END_CALL_EVENT", true, &["peripheral_id"]),
            Change::CallSuspended(a.clone())
        ]
    );
    h.at(25, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL));
    assert_eq!(
        h.at(26, begin(&a)),
        vec![Change::CallResumed {
            key: a.clone(),
            gap: secs(5)
        }]
    );
    assert!(h.m.call(&a).unwrap().discovered);
}

#[test]
fn data_kept_before_the_first_session_is_discovered_once_it_opens() {
    let mut h = H::new();
    let a = key(30, "30");
    h.at(1, established(&a, "2001"));
    assert_eq!(h.tick(100), vec![], "no session: kept, waiting");
    h.m.session_opened(secs(100));
    assert_eq!(h.m.next_deadline(), Some(secs(102)));
    assert_eq!(
        h.tick(102),
        vec![discovered(
            &a,
            "CALL_ESTABLISHED_EVENT",
            false,
            &["peripheral_id", "state", "devices"]
        )]
    );
    assert_eq!(h.m.call(&a).unwrap().began_at, secs(1));
}
