//! Each rule of the model, with the exact changes it emits.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use cti_model::{CallState, Change, EndReason, Model, ModelConfig};
use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::{HeartbeatConf, QueryAgentStateConf};

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

    fn tick(&mut self, s: u64) -> Vec<Change> {
        let mut out = Vec::new();
        self.m.tick(secs(s), &mut out);
        out
    }

    fn var(&self, k: &cti_model::CallKey, i: usize) -> Option<String> {
        let c = self.m.call(k)?;
        c.call_variables.get(i)?.as_ref().map(ToString::to_string)
    }
}

fn ended(k: &cti_model::CallKey, reason: EndReason) -> Change {
    Change::CallEnded {
        key: k.clone(),
        reason,
    }
}

#[test]
fn begin_update_end() {
    let mut h = H::new();
    let a = key(1, "3001");
    assert_eq!(h.at(1, begin(&a)), vec![Change::CallBegan(a.clone())]);
    assert_eq!(
        h.at(2, update_var(&a, 1, "x")),
        vec![Change::CallChanged(a.clone())]
    );
    let c = h.m.call(&a).unwrap();
    assert_eq!(
        (c.began_at, c.updated_at, c.peripheral_id),
        (secs(1), secs(2), PERIPHERAL)
    );
    assert_eq!(c.call_type, CALLTYPE_ACD_IN);
    assert_eq!(h.at(3, end(&a)), vec![ended(&a, EndReason::EndCall)]);
    assert_eq!(h.m.calls().count(), 0);
}

#[test]
fn irrelevant_messages_are_ignored() {
    let mut h = H::new();
    assert_eq!(h.at(1, HeartbeatConf::default()), vec![]);
    assert_eq!(h.m.snapshot().calls.len() + h.m.snapshot().agents.len(), 0);
}

#[test]
fn an_event_before_begin_is_pending_not_a_call() {
    let mut h = H::new();
    let a = key(1, "3001");
    assert_eq!(h.at(1, established(&a, "3001")), vec![]);
    assert_eq!(h.at(2, update_var(&a, 2, "late")), vec![]);
    assert_eq!(h.m.calls().count(), 0);
    assert_eq!(h.m.pending_len(), 1);
    let mut b = begin(&a);
    b.call_variable_2 = Some("early".into());
    b.call_variable_3 = Some("three".into());
    assert_eq!(h.at(3, b), vec![Change::CallBegan(a.clone())]);
    assert_eq!(h.m.pending_len(), 0);
    let c = h.m.call(&a).unwrap();
    assert_eq!(c.state, CallState::Connected);
    assert_eq!(c.devices, BTreeSet::from(["3001".to_owned()]));
    assert_eq!(c.began_at, secs(3));
    // The early update is newer than the BEGIN's data; what it did not carry comes from the BEGIN.
    assert_eq!(h.var(&a, 1).as_deref(), Some("late"));
    assert_eq!(h.var(&a, 2).as_deref(), Some("three"));
}

#[test]
fn end_for_a_call_never_begun_emits_nothing_and_clears_pending() {
    let mut h = H::new();
    let a = key(1, "3001");
    assert_eq!(h.at(1, established(&a, "3001")), vec![]);
    assert_eq!(h.at(2, end(&a)), vec![]);
    assert_eq!(h.m.pending_len(), 0);
    // Late events of the ended key are not kept either.
    assert_eq!(h.at(3, held(&a, "3001")), vec![]);
    assert_eq!(h.m.pending_len(), 0);
    assert_eq!(h.m.calls().count(), 0);
}

#[test]
fn duplicate_begin_merges_and_never_begins_twice() {
    let mut h = H::new();
    let a = key(1, "3001");
    assert_eq!(h.at(1, begin(&a)), vec![Change::CallBegan(a.clone())]);
    assert_eq!(h.at(2, begin(&a)), vec![]);
    let mut again = begin(&a);
    again.ani = Some("5551234".into());
    assert_eq!(h.at(3, again), vec![Change::CallChanged(a.clone())]);
    let c = h.m.call(&a).unwrap();
    assert_eq!(
        c.ani.as_ref().map(ToString::to_string).as_deref(),
        Some("5551234")
    );
    assert_eq!((c.began_at, c.updated_at), (secs(1), secs(3)));
}

#[test]
fn duplicate_end_and_late_events_do_nothing_until_a_new_begin() {
    let mut h = H::new();
    let a = key(1, "3001");
    h.at(1, begin(&a));
    h.at(2, update_var(&a, 1, "old"));
    assert_eq!(h.at(3, end(&a)), vec![ended(&a, EndReason::EndCall)]);
    assert_eq!(h.at(4, end(&a)), vec![]);
    assert_eq!(h.at(5, cleared(&a)), vec![]);
    assert_eq!(h.at(6, update_var(&a, 2, "zombie")), vec![]);
    assert_eq!(h.m.calls().count(), 0);
    assert_eq!(h.m.pending_len(), 0);
    assert_eq!(h.at(7, begin(&a)), vec![Change::CallBegan(a.clone())]);
    assert_eq!(h.var(&a, 0), None);
    assert_eq!(h.var(&a, 1), None);
    assert_eq!(h.m.call(&a).unwrap().state, CallState::Unknown);
}

#[test]
fn duplicate_enrichment_events_emit_nothing() {
    let mut h = H::new();
    let a = key(1, "3001");
    h.at(1, begin(&a));
    assert_eq!(
        h.at(2, delivered(&a, "3001")),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(h.at(3, delivered(&a, "3001")), vec![]);
    assert_eq!(h.m.call(&a).unwrap().state, CallState::Ringing);
    assert_eq!(
        h.at(4, established(&a, "3001")),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(
        h.at(5, held(&a, "3001")),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(h.m.call(&a).unwrap().state, CallState::Held);
    assert_eq!(
        h.at(6, retrieved(&a, "3002")),
        vec![Change::CallChanged(a.clone())]
    );
    let c = h.m.call(&a).unwrap();
    assert_eq!(c.state, CallState::Connected);
    assert_eq!(
        c.devices,
        BTreeSet::from(["3001".to_owned(), "3002".to_owned()])
    );
    assert_eq!(c.updated_at, secs(6));
}

#[test]
fn call_data_update_changes_only_what_it_carries_and_replaces_the_ecc_set() {
    let mut h = H::new();
    let a = key(1, "3001");
    let mut b = begin(&a);
    b.call_variable_1 = Some("one".into());
    b.call_variable_2 = Some("two".into());
    b.named_variables = vec![cti_proto::NamedVariable::new("user.a", "1")];
    h.at(1, b);
    assert_eq!(
        h.at(2, update_var(&a, 2, "TWO")),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(h.var(&a, 0).as_deref(), Some("one"));
    assert_eq!(h.var(&a, 1).as_deref(), Some("TWO"));
    // No ECC in the update: the stored set is kept.
    assert_eq!(
        h.m.call(&a).unwrap().named_variables,
        vec![cti_proto::NamedVariable::new("user.a", "1")]
    );
    // ECC in the update: it is the complete set.
    assert_eq!(
        h.at(3, update_ecc(&a, &[("user.b", "2")])),
        vec![Change::CallChanged(a.clone())]
    );
    assert_eq!(
        h.m.call(&a).unwrap().named_variables,
        vec![cti_proto::NamedVariable::new("user.b", "2")]
    );
    assert_eq!(h.at(4, update_ecc(&a, &[("user.b", "2")])), vec![]);
}

#[test]
fn call_data_update_with_a_new_key_rekeys_the_call() {
    let mut h = H::new();
    let a = key(1, "3001");
    let b = key(2, "3002");
    h.at(1, begin(&a));
    assert_eq!(
        h.at(2, rekey(&a, &b)),
        vec![Change::CallRekeyed {
            from: a.clone(),
            to: b.clone()
        }]
    );
    assert!(h.m.call(&a).is_none());
    assert_eq!(h.m.call(&b).unwrap().key, b);
    assert_eq!(h.at(3, end(&a)), vec![]);
    assert_eq!(
        h.at(4, established(&b, "3002")),
        vec![Change::CallChanged(b.clone())]
    );
    assert_eq!(h.at(5, end(&b)), vec![ended(&b, EndReason::EndCall)]);
}

#[test]
fn a_rekey_before_begin_begins_the_call_under_its_new_key() {
    let mut h = H::new();
    let a = key(1, "3001");
    let b = key(2, "3002");
    assert_eq!(h.at(1, rekey(&a, &b)), vec![]);
    assert_eq!(h.at(2, established(&b, "3002")), vec![]);
    assert_eq!(h.at(3, begin(&a)), vec![Change::CallBegan(b.clone())]);
    assert_eq!(h.m.call(&b).unwrap().state, CallState::Connected);
    assert_eq!(h.m.pending_len(), 0);
}

#[test]
fn agents_from_agent_state_event_and_query_agent_state_conf() {
    let mut h = H::new();
    assert_eq!(
        h.at(1, agent_state("1001", "3001", AGENT_STATE_AVAILABLE)),
        vec![Change::AgentChanged {
            agent_id: "1001".into(),
            from: None,
            to: AGENT_STATE_AVAILABLE
        }]
    );
    assert_eq!(
        h.at(2, agent_state("1001", "3001", AGENT_STATE_AVAILABLE)),
        vec![]
    );
    assert_eq!(
        h.at(3, agent_state("1001", "3001", AGENT_STATE_TALKING)),
        vec![Change::AgentChanged {
            agent_id: "1001".into(),
            from: Some(AGENT_STATE_AVAILABLE),
            to: AGENT_STATE_TALKING
        }]
    );
    let ag = h.m.agent("1001").unwrap();
    assert_eq!((ag.since, ag.peripheral_id), (secs(3), Some(PERIPHERAL)));
    assert_eq!(ag.extension.as_deref(), Some("3001"));
    // A QUERY_AGENT_STATE_CONF with only the extension finds the same agent.
    let mut q = QueryAgentStateConf::default();
    q.agent_extension = Some("3001".into());
    q.agent_state = AGENT_STATE_WORK_READY;
    q.skill_groups = vec![cti_proto::message::QueryAgentSkillGroup::default()];
    assert_eq!(
        h.at(4, q),
        vec![Change::AgentChanged {
            agent_id: "1001".into(),
            from: Some(AGENT_STATE_TALKING),
            to: AGENT_STATE_WORK_READY
        }]
    );
    assert_eq!(h.m.agents().count(), 1);
    assert_eq!(h.m.agent("1001").unwrap().skill_groups, BTreeSet::from([0]));
}

#[test]
fn an_agent_first_known_by_its_extension_takes_its_agent_id_as_key() {
    let mut h = H::new();
    // A report without an AgentID keys the agent by extension.
    let mut q = QueryAgentStateConf::default();
    q.agent_extension = Some("3001".into());
    q.agent_state = AGENT_STATE_AVAILABLE;
    assert_eq!(
        h.at(1, q),
        vec![Change::AgentChanged {
            agent_id: "3001".into(),
            from: None,
            to: AGENT_STATE_AVAILABLE
        }]
    );
    // The AgentID arrives from the same extension: the same agent, re-keyed, not a second one.
    assert_eq!(
        h.at(2, agent_state("1001", "3001", AGENT_STATE_TALKING)),
        vec![
            Change::AgentRekeyed {
                from: "3001".into(),
                to: "1001".into()
            },
            Change::AgentChanged {
                agent_id: "1001".into(),
                from: Some(AGENT_STATE_AVAILABLE),
                to: AGENT_STATE_TALKING
            }
        ]
    );
    assert_eq!(
        h.m.agents()
            .map(|a| a.agent_id.as_str())
            .collect::<Vec<_>>(),
        ["1001"]
    );
    assert_eq!(h.m.agent("1001").unwrap().since, secs(2));
    // An agent keyed by a real AgentID is never re-keyed: another AgentID at its extension is another agent.
    assert_eq!(
        h.at(3, agent_state("1002", "3001", AGENT_STATE_AVAILABLE)),
        vec![Change::AgentChanged {
            agent_id: "1002".into(),
            from: None,
            to: AGENT_STATE_AVAILABLE
        }]
    );
    assert_eq!(h.m.agents().count(), 2);
    let json = serde_json::to_value(Change::AgentRekeyed {
        from: "3001".into(),
        to: "1001".into(),
    })
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"change": "agent_rekeyed", "from": "3001", "to": "1001"})
    );
}

#[test]
fn agent_state_and_call_established_in_either_order() {
    let a = key(1, "3001");
    let run = |agent_first: bool| {
        let mut h = H::new();
        h.at(1, begin(&a));
        let mut all = Vec::new();
        if agent_first {
            all.extend(h.at(2, agent_state("1001", "3001", AGENT_STATE_TALKING)));
            all.extend(h.at(3, established(&a, "3001")));
        } else {
            all.extend(h.at(2, established(&a, "3001")));
            all.extend(h.at(3, agent_state("1001", "3001", AGENT_STATE_TALKING)));
        }
        assert_eq!(all.len(), 2);
        let s = h.m.snapshot();
        (
            s.calls[0].state,
            s.calls[0].devices.clone(),
            s.agents[0].state,
        )
    };
    assert_eq!(run(true), run(false));
    assert_eq!(run(true).0, CallState::Connected);
}

#[test]
fn peripheral_offline_makes_calls_uncertain_and_following_ends_say_so() {
    let mut h = H::new();
    let (a, b, c) = (key(1, "3001"), key(2, "3002"), key(3, "3003"));
    h.at(1, begin(&a));
    h.at(1, begin(&b));
    h.at(1, begin_on(&c, 5001));
    assert_eq!(
        h.at(2, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL)),
        vec![
            Change::PeripheralStatus {
                peripheral_id: PERIPHERAL,
                online: false
            },
            Change::CallChanged(a.clone()),
            Change::CallChanged(b.clone()),
        ]
    );
    assert_eq!(h.at(3, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL)), vec![]);
    assert!(h.m.call(&a).unwrap().uncertain);
    assert!(!h.m.call(&c).unwrap().uncertain);
    // An END_CALL while the peripheral is offline suspends the call (see tests/outages.rs); once it is back, an
    // END_CALL of an uncertain call ends it "peripheral offline".
    assert_eq!(h.at(4, end(&a)), vec![Change::CallSuspended(a.clone())]);
    assert_eq!(
        h.at(5, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL)),
        vec![Change::PeripheralStatus {
            peripheral_id: PERIPHERAL,
            online: true
        }]
    );
    assert_eq!(
        h.at(5, end(&a)),
        vec![ended(&a, EndReason::PeripheralOffline)]
    );
    assert!(h.m.call(&b).unwrap().uncertain);
    // A BEGIN_CALL after the peripheral returned resumes the lingering call.
    assert_eq!(h.at(6, begin(&b)), vec![Change::CallChanged(b.clone())]);
    assert!(!h.m.call(&b).unwrap().uncertain);
    assert_eq!(h.m.call(&b).unwrap().began_at, secs(1));
    assert_eq!(h.at(7, end(&b)), vec![ended(&b, EndReason::EndCall)]);
    assert_eq!(h.m.peripheral_online(PERIPHERAL), Some(true));
    assert_eq!(h.at(8, end(&c)), vec![ended(&c, EndReason::EndCall)]);
}

#[test]
fn uncertain_calls_are_listed_by_peripheral_and_resumed_once() {
    let mut h = H::new();
    let (a, b, c) = (key(1, "3001"), key(2, "3002"), key(3, "3003"));
    h.at(1, begin(&a));
    h.at(1, begin(&b));
    h.at(1, begin_on(&c, 5001));
    h.at(2, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    let listed: Vec<_> =
        h.m.uncertain_calls(PERIPHERAL)
            .map(|c| c.key.clone())
            .collect();
    assert_eq!(listed, vec![a.clone(), b.clone()]);
    assert_eq!(h.m.uncertain_calls(5001).count(), 0);
    h.at(3, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL));
    let mut out = Vec::new();
    assert!(h.m.resume_call(&a, secs(4), &mut out));
    assert_eq!(out, vec![Change::CallChanged(a.clone())]);
    assert!(!h.m.call(&a).unwrap().uncertain);
    assert_eq!(h.m.call(&a).unwrap().updated_at, secs(4));
    out.clear();
    // A second confirmation, a call that is not uncertain, an unknown call: nothing.
    assert!(!h.m.resume_call(&a, secs(5), &mut out));
    assert!(!h.m.resume_call(&c, secs(5), &mut out));
    assert!(!h.m.resume_call(&key(9, "3009"), secs(5), &mut out));
    assert!(out.is_empty());
    let listed: Vec<_> =
        h.m.uncertain_calls(PERIPHERAL)
            .map(|c| c.key.clone())
            .collect();
    assert_eq!(listed, vec![b]);
}

#[test]
fn lingering_calls_stay_until_the_server_decides() {
    let mut h = H::new();
    let a = key(1, "3001");
    h.at(1, begin(&a));
    h.at(2, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.tick(100_000), vec![]);
    assert!(h.m.call(&a).unwrap().uncertain);
    // While still offline, events do not clear the doubt...
    assert_eq!(
        h.at(100_001, update_var(&a, 1, "x")),
        vec![Change::CallChanged(a.clone())]
    );
    assert!(h.m.call(&a).unwrap().uncertain);
    h.at(100_002, system(SYS_PERIPHERAL_ONLINE, PERIPHERAL));
    // ...once it is back, normal event reporting of the call shows it lingered and continues.
    assert_eq!(
        h.at(100_003, established(&a, "3001")),
        vec![Change::CallChanged(a.clone())]
    );
    assert!(!h.m.call(&a).unwrap().uncertain);
}

#[test]
fn after_a_reconnect_calls_not_reannounced_in_time_are_lost() {
    let mut h = H::new();
    let (a, b, c) = (key(1, "3001"), key(2, "3002"), key(3, "3003"));
    for k in [&a, &b, &c] {
        h.at(1, begin(k));
    }
    h.m.connection_lost(secs(10));
    assert_eq!(h.m.next_deadline(), None);
    h.m.session_opened(secs(20));
    assert_eq!(h.m.next_deadline(), Some(secs(30)));
    assert!(h.m.call(&a).unwrap().awaiting_reannouncement);
    let mut again = begin(&a);
    again.call_variable_1 = Some("after".into());
    assert_eq!(h.at(25, again), vec![Change::CallChanged(a.clone())]);
    assert!(!h.m.call(&a).unwrap().awaiting_reannouncement);
    assert_eq!(h.at(26, end(&c)), vec![ended(&c, EndReason::EndCall)]);
    assert_eq!(h.tick(29), vec![]);
    assert_eq!(h.tick(30), vec![ended(&b, EndReason::LostDuringOutage)]);
    assert_eq!(h.tick(31), vec![]);
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.var(&a, 0).as_deref(), Some("after"));
    assert_eq!(h.m.calls().count(), 1);
    // A late event of the lost call does not bring it back.
    assert_eq!(h.at(32, established(&b, "3002")), vec![]);
}

#[test]
fn sessions_that_flap_do_not_extend_the_window_but_an_outage_longer_than_it_does_not_end_calls_unseen()
 {
    let mut h = H::new();
    let (a, b, c) = (key(1, "3001"), key(2, "3002"), key(3, "3003"));
    h.at(1, begin(&a));
    h.m.connection_lost(secs(2));
    h.m.session_opened(secs(3));
    assert_eq!(h.m.next_deadline(), Some(secs(13)));
    h.at(4, begin(&b));
    // A reset every two seconds: `a` keeps its deadline, `b` (known before the second session) gets one.
    for t in [5, 7, 9, 11] {
        h.m.connection_lost(secs(t));
        h.m.session_opened(secs(t + 1));
        assert_eq!(h.m.next_deadline(), Some(secs(13)), "at {t}");
    }
    assert_eq!(h.tick(12), vec![]);
    assert_eq!(h.tick(13), vec![ended(&a, EndReason::LostDuringOutage)]);
    assert_eq!(
        h.m.next_deadline(),
        Some(secs(16)),
        "b asked from the session at 6"
    );
    // No session: nothing ends, whatever the clock says.
    h.m.connection_lost(secs(14));
    h.at(14, begin(&c));
    assert_eq!((h.m.next_deadline(), h.tick(100)), (None, vec![]));
    // Back after the deadline passed: `b` gets a new window, like `c`.
    h.m.session_opened(secs(100));
    assert_eq!(h.m.next_deadline(), Some(secs(110)));
    assert_eq!(
        h.tick(110),
        vec![
            ended(&b, EndReason::LostDuringOutage),
            ended(&c, EndReason::LostDuringOutage)
        ]
    );
    assert_eq!((h.m.calls().count(), h.m.next_deadline()), (0, None));
}

#[test]
fn an_all_events_client_reconciles_by_snapshot() {
    // No BEGIN_CALL_EVENT comes for an ALL_EVENTS session: the client asks about each waiting call.
    let mut h = H::new();
    let (a, b, c) = (key(1, "3001"), key(2, "3002"), key(3, "3003"));
    for k in [&a, &b, &c] {
        h.at(1, begin(k));
    }
    h.m.connection_lost(secs(10));
    h.m.session_opened(secs(20));
    let mut waiting: Vec<_> =
        h.m.awaiting_reannouncement()
            .map(|c| c.key.clone())
            .collect();
    waiting.sort_by_key(|k| k.connection_call_id);
    assert_eq!(waiting, [a.clone(), b.clone(), c.clone()]);
    let mut out = Vec::new();
    // SNAPSHOT_CALL_CONF for a: it continues.
    assert!(h.m.confirm_call(&a, secs(20), &mut out));
    assert!(!h.m.confirm_call(&a, secs(20), &mut out), "confirmed once");
    // CF_INVALID_CSTA_CONNECTION_IDENTIFIER for b: it ended while no session was open.
    assert!(h.m.end_call(&b, EndReason::EndedDuringOutage, &mut out));
    assert!(
        !h.m.end_call(&b, EndReason::EndedDuringOutage, &mut out),
        "ended once"
    );
    assert_eq!(
        out,
        [
            Change::CallChanged(a.clone()),
            ended(&b, EndReason::EndedDuringOutage)
        ]
    );
    assert_eq!(
        h.m.awaiting_reannouncement()
            .map(|c| c.key.clone())
            .collect::<Vec<_>>(),
        vec![c.clone()]
    );
    // Nobody asked about c: the window closes on it alone.
    assert_eq!(h.m.next_deadline(), Some(secs(30)));
    assert_eq!(h.tick(30), vec![ended(&c, EndReason::LostDuringOutage)]);
    assert_eq!(
        h.m.calls().map(|x| x.key.clone()).collect::<Vec<_>>(),
        vec![a.clone()]
    );
    // The ended call stays ended: a late event of it does not bring it back.
    assert_eq!(h.at(31, established(&b, "3002")), vec![]);
    assert_eq!(
        EndReason::EndedDuringOutage.to_string(),
        "ended during outage"
    );
    // Another reconnect: once the only waiting call is confirmed there is no deadline left to wake for.
    h.m.connection_lost(secs(40));
    h.m.session_opened(secs(41));
    assert_eq!(h.m.next_deadline(), Some(secs(51)));
    assert!(h.m.confirm_call(&a, secs(42), &mut out));
    assert_eq!(h.m.next_deadline(), None);
}

#[test]
fn a_reannouncement_after_the_deadline_is_a_new_call_even_without_tick() {
    let mut h = H::new();
    let a = key(1, "3001");
    h.at(1, begin(&a));
    h.m.connection_lost(secs(2));
    h.m.session_opened(secs(3));
    assert_eq!(
        h.at(13, begin(&a)),
        vec![
            ended(&a, EndReason::LostDuringOutage),
            Change::CallBegan(a.clone())
        ]
    );
    assert_eq!(h.m.call(&a).unwrap().began_at, secs(13));
}

#[test]
fn the_window_is_configurable_and_reannouncement_also_resumes_uncertain_calls() {
    let mut h = H {
        m: Model::new(ModelConfig {
            reannounce_window: Duration::from_secs(2),
            ..ModelConfig::default()
        }),
    };
    let (a, b) = (key(1, "3001"), key(2, "3002"));
    h.at(1, begin(&a));
    h.at(1, begin(&b));
    h.at(2, system(SYS_PERIPHERAL_OFFLINE, PERIPHERAL));
    h.m.connection_lost(secs(3));
    h.m.session_opened(secs(4));
    assert_eq!(h.m.next_deadline(), Some(secs(6)));
    assert_eq!(h.at(5, begin(&a)), vec![Change::CallChanged(a.clone())]);
    assert!(!h.m.call(&a).unwrap().uncertain);
    // An uncertain call not re-announced is lost with the outage, not kept lingering.
    assert_eq!(h.tick(6), vec![ended(&b, EndReason::LostDuringOutage)]);
}

#[test]
fn a_session_without_calls_sets_no_deadline() {
    let mut h = H::new();
    h.m.connection_lost(secs(1));
    h.m.session_opened(secs(2));
    assert_eq!(h.m.next_deadline(), None);
    assert_eq!(h.tick(1000), vec![]);
}

#[test]
fn changes_and_snapshots_serialize() {
    let a = key(7, "3001");
    let json = serde_json::to_value(ended(&a, EndReason::LostDuringOutage)).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "change": "call_ended",
            "key": {"connection_call_id": 7, "device_id_type": "CONNECTION_ID_STATIC", "device_id": "3001"},
            "reason": "lost_during_outage"
        })
    );
    let began = serde_json::to_value(Change::CallBegan(a.clone())).unwrap();
    assert_eq!(began["change"], "call_began");
    assert_eq!(began["connection_call_id"], 7);
    let mut h = H::new();
    h.at(1, begin(&a));
    h.at(1, agent_state("1001", "3001", AGENT_STATE_AVAILABLE));
    let snap = serde_json::to_value(h.m.snapshot()).unwrap();
    assert_eq!(snap["calls"][0]["state"], "unknown");
    assert_eq!(snap["calls"][0]["call_type"], "CALLTYPE_ACD_IN");
    assert_eq!(snap["agents"][0]["state"], "AGENT_STATE_AVAILABLE");
    assert_eq!(snap["agents"][0]["since"]["secs"], 1);
}

#[test]
fn pending_data_is_bounded() {
    let mut h = H {
        m: Model::new(ModelConfig {
            max_pending: 2,
            ..ModelConfig::default()
        }),
    };
    for i in 0..5 {
        h.at(u64::from(i), queued(&key(i, "q")));
    }
    assert_eq!(h.m.pending_len(), 2);
    // The oldest were dropped: call 0 begins without the queued state, call 4 with it.
    h.at(10, begin(&key(0, "q")));
    h.at(10, begin(&key(4, "q")));
    assert_eq!(h.m.call(&key(0, "q")).unwrap().state, CallState::Unknown);
    assert_eq!(h.m.call(&key(4, "q")).unwrap().state, CallState::Queued);
}
