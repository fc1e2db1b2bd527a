//! Inbound calls, traffic, the queue, lookups and status.

use cti_proto::Message;
use cti_proto::constants::*;

use super::*;
use crate::engine::{AgentLookup, EngineError};

const RESERVED: AgentState = AgentState::AGENT_STATE_RESERVED;
const TALKING: AgentState = AgentState::AGENT_STATE_TALKING;
const HOLD: AgentState = AgentState::AGENT_STATE_HOLD;
const WORK_READY: AgentState = AgentState::AGENT_STATE_WORK_READY;
const AVAILABLE: AgentState = AgentState::AGENT_STATE_AVAILABLE;

#[test]
fn inbound_call_full_sequence_and_agent_states() {
    let mut e = engine(2);
    let (id, evs) = call(&mut e, 0.0);
    assert_eq!(
        names(&evs),
        [
            "BEGIN_CALL_EVENT",
            "CALL_DELIVERED_EVENT",
            "AGENT_STATE_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, RESERVED)]);
    assert!(evs.iter().all(|x| x.parties == [0] && x.peripheral_id == P));
    assert!(evs[0].group < evs[1].group && evs[1].group == evs[2].group);
    let Message::BeginCallEvent(b) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (b.connection_call_id, b.call_type),
        (id, CallType::CALLTYPE_ACD_IN)
    );
    assert_eq!(
        b.connection_device_id_type,
        ConnectionDeviceIdType::CONNECTION_ID_STATIC
    );
    assert_eq!(
        b.connection_device_id.as_ref().unwrap(),
        id.to_string().as_str()
    );
    let ani = b.ani.as_ref().unwrap().to_string();
    assert!(
        ani.len() == 10 && ani.bytes().all(|c| c.is_ascii_digit()),
        "{ani}"
    );
    assert!(["8005551000", "8005552000"].contains(&b.dnis.as_ref().unwrap().to_string().as_str()));
    assert!(
        b.call_variable_1
            .as_ref()
            .unwrap()
            .to_string()
            .starts_with("ACCT-")
    );
    assert_eq!(b.call_variable_2.as_ref().unwrap(), "gold");
    assert_eq!(
        b.call_variable_3.as_ref().unwrap().to_string(),
        format!("CASE-{id}")
    );
    assert_eq!(b.named_variables[1].value.to_string(), format!("C{id}"));
    assert_eq!(b.named_arrays.len(), 1);
    assert_eq!(b.router_call_key_call_id, Some(1));
    let Message::CallDeliveredEvent(d) = &evs[1].message else {
        panic!()
    };
    assert_eq!(d.local_connection_state, LocalConnectionState::LCS_ALERTING);
    assert_eq!(d.event_cause, EventCause::CEC_NEW_CALL);
    assert_eq!(d.alerting_device_id.as_ref().unwrap(), "2001");
    assert_eq!(d.calling_device_id, b.ani);
    assert_eq!((d.skill_group_number, d.skill_group_id), (100, 10_100));
    let Message::AgentStateEvent(s) = &evs[2].message else {
        panic!()
    };
    assert_eq!(
        (
            s.peripheral_id,
            s.mrd_id,
            s.num_tasks,
            s.max_task_limit,
            s.icm_agent_id
        ),
        (P, 1, 1, 1, 5001)
    );
    assert_eq!(
        (s.skill_group_number, s.skill_group_id, s.department_id),
        (100, 10_100, Some(0))
    );
    assert_eq!(s.agent_mode, AgentMode::AGENT_MODE_ROUTABLE);
    assert_eq!(s.agent_id.as_ref().unwrap(), "1001");
    assert_eq!(s.agent_extension.as_ref().unwrap(), "2001");
    assert_eq!(s.flt_skill_groups.len(), 2);
    assert_eq!(s.cti_client_signature, None);
    assert_eq!(e.agent_state(0), RESERVED);
    assert_eq!(e.next_deadline(), Some(t(2.0)));

    assert!(run(&mut e, 1.9).is_empty());
    let evs = run(&mut e, 2.0);
    assert_eq!(names(&evs), ["CALL_ESTABLISHED_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(0, TALKING)]);
    assert_eq!(evs[0].group, evs[1].group);
    let Message::CallEstablishedEvent(x) = &evs[0].message else {
        panic!()
    };
    assert_eq!(x.local_connection_state, LocalConnectionState::LCS_CONNECT);
    assert_eq!(x.answering_device_id.as_ref().unwrap(), "2001");

    let evs = run(&mut e, 3.0);
    assert_eq!(names(&evs), ["CALL_DATA_UPDATE_EVENT"]);
    let Message::CallDataUpdateEvent(u) = &evs[0].message else {
        panic!()
    };
    assert_eq!(u.call_variable_10.as_ref().unwrap(), "AGENT-1001");
    assert_eq!(u.call_variable_1, None);
    assert_eq!((u.named_variables.len(), u.named_arrays.len()), (2, 1));

    assert!(run(&mut e, 11.9).is_empty());
    let evs = run(&mut e, 12.0);
    assert_eq!(
        names(&evs),
        [
            "CALL_CONNECTION_CLEARED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_CLEARED_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, WORK_READY)]);
    assert!(
        evs[0].group == evs[1].group && evs[1].group < evs[2].group && evs[2].group < evs[3].group
    );
    let Message::CallConnectionClearedEvent(c) = &evs[0].message else {
        panic!()
    };
    assert_eq!(c.local_connection_state, LocalConnectionState::LCS_NULL);
    assert_eq!(c.releasing_device_id, b.ani);
    assert!(run(&mut e, 16.9).is_empty());
    let evs = run(&mut e, 17.0);
    assert_eq!(states(&evs), [(0, AVAILABLE)]);
    assert_eq!(e.next_deadline(), None);
    assert!(e.status().calls.is_empty());
}

#[test]
fn inbound_call_with_hold() {
    let mut e = Engine::new(&cfg(1, true), EPOCH);
    let (_, mut all) = call(&mut e, 0.0);
    let mut seq = Vec::new();
    for s in [2.0, 3.0, 5.5, 8.5, 15.0, 20.0] {
        let evs = run(&mut e, s);
        seq.push((s, names(&evs), states(&evs)));
        all.extend(evs);
    }
    assert_eq!(
        seq[2],
        (
            5.5,
            vec!["CALL_HELD_EVENT", "AGENT_STATE_EVENT"],
            vec![(0, HOLD)]
        )
    );
    assert_eq!(
        seq[3],
        (
            8.5,
            vec!["CALL_RETRIEVED_EVENT", "AGENT_STATE_EVENT"],
            vec![(0, TALKING)]
        )
    );
    assert_eq!(seq[4].1[0], "CALL_CONNECTION_CLEARED_EVENT");
    assert_eq!(seq[5].2, [(0, AVAILABLE)]);
    assert_eq!(
        states(&all).into_iter().map(|s| s.1).collect::<Vec<_>>(),
        [RESERVED, TALKING, HOLD, TALKING, WORK_READY, AVAILABLE]
    );
    encodes(&all);
}

#[test]
fn calls_go_to_the_longest_available_agent() {
    let mut e = engine(3);
    let (_, a) = call(&mut e, 0.0);
    let (_, b) = call(&mut e, 0.1);
    assert_eq!(
        (a[0].parties.clone(), b[0].parties.clone()),
        (vec![0], vec![1])
    );
    run(&mut e, 17.0); // agent 0 back at 17, agent 1 at 17.1
    let (_, c) = call(&mut e, 17.5);
    assert_eq!(c[0].parties, [2]);
    let (_, d) = call(&mut e, 17.6);
    assert_eq!(d[0].parties, [0]);
}

#[test]
fn poisson_traffic_is_reproducible() {
    let mut c = cfg(20, true);
    c.traffic.calls_per_second = 2.0;
    c.traffic.talk_min_secs = 5.0;
    c.traffic.talk_max_secs = 20.0;
    c.traffic.hold_probability = 0.3;
    let go = |c: &SimConfig| {
        let mut e = Engine::new(c, EPOCH);
        let mut out = Vec::new();
        for s in 1..=120 {
            e.advance(t(f64::from(s)), &mut out);
        }
        out
    };
    let (a, b) = (go(&c), go(&c));
    assert!(a.len() > 500, "{}", a.len());
    assert_eq!(a, b);
    // Arrivals = distinct router call keys (a queued call has two legs with the same key).
    let keys: std::collections::BTreeSet<_> = a
        .iter()
        .filter_map(|x| match &x.message {
            Message::BeginCallEvent(b) => b.router_call_key_call_id,
            _ => None,
        })
        .collect();
    assert!(
        (170..310).contains(&keys.len()),
        "{} calls in 120 s at 2/s",
        keys.len()
    );
    c.seed = 2;
    assert_ne!(go(&c), a);
    encodes(&a);
}

#[test]
fn rate_changes_reschedule_the_next_arrival() {
    let mut c = cfg(5, false);
    c.traffic.calls_per_second = 0.0;
    let mut e = Engine::new(&c, EPOCH);
    assert_eq!(e.next_deadline(), None);
    e.set_calls_per_second(10.0, t(1.0));
    assert_eq!(e.calls_per_second(), 10.0);
    let next = e.next_deadline().unwrap();
    assert!(next >= t(1.0) && next < t(3.0), "{next:?}");
    e.set_calls_per_second(0.0, t(1.0));
    assert_eq!(e.next_deadline(), None);
    e.set_calls_per_second(f64::NAN, t(1.0));
    assert_eq!(e.calls_per_second(), 0.0);
}

#[test]
fn queued_call_is_delivered_when_an_agent_becomes_available() {
    let mut e = engine(1);
    let (first, _) = call(&mut e, 0.0);
    let (queued, evs) = call(&mut e, 1.0);
    assert_eq!(names(&evs), ["BEGIN_CALL_EVENT", "CALL_QUEUED_EVENT"]);
    assert!(evs.iter().all(|x| x.parties.is_empty()));
    let Message::CallQueuedEvent(q) = &evs[1].message else {
        panic!()
    };
    assert_eq!(
        (q.num_queued, q.local_connection_state),
        (1, LocalConnectionState::LCS_QUEUED)
    );
    assert_eq!(e.status().calls[1].state, "queued");
    run(&mut e, 16.9);
    let evs = run(&mut e, 17.0); // wrap-up of the first call ends
    assert_eq!(
        names(&evs),
        [
            "AGENT_STATE_EVENT",
            "CALL_DEQUEUED_EVENT",
            "END_CALL_EVENT",
            "BEGIN_CALL_EVENT",
            "CALL_DELIVERED_EVENT",
            "AGENT_STATE_EVENT"
        ]
    );
    assert_eq!(states(&evs), [(0, AVAILABLE), (0, RESERVED)]);
    assert!(evs[1].parties.is_empty() && evs[2].parties.is_empty());
    let (Message::EndCallEvent(end), Message::BeginCallEvent(begin)) =
        (&evs[2].message, &evs[3].message)
    else {
        panic!()
    };
    assert_eq!(end.connection_call_id, queued);
    assert!(begin.connection_call_id != queued && begin.connection_call_id != first);
    assert_eq!(begin.router_call_key_call_id, Some(2)); // same router call key as the queue leg
    assert_eq!(evs[3].parties, [0]);
    // The abandon timer of the queue leg is stale: everything later concerns the agent's call.
    assert!(run(&mut e, 61.0).iter().all(|x| x.parties == [0]));
}

#[test]
fn queued_call_is_abandoned_after_a_minute() {
    let mut c = cfg(1, false);
    c.agents[0].initial_state = AgentState::AGENT_STATE_NOT_READY;
    let mut e = Engine::new(&c, EPOCH);
    let (id, evs) = call(&mut e, 0.0);
    assert_eq!(names(&evs), ["BEGIN_CALL_EVENT", "CALL_QUEUED_EVENT"]);
    assert!(run(&mut e, 59.9).is_empty());
    let evs = run(&mut e, 60.0);
    assert_eq!(names(&evs), ["CALL_CLEARED_EVENT", "END_CALL_EVENT"]);
    let Message::CallClearedEvent(x) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (x.connection_call_id, x.event_cause),
        (id, EventCause::CECX_ABAND_LOCAL_QUEUE)
    );
    assert!(e.status().calls.is_empty());
}

#[test]
fn start_call_validates_its_spec() {
    let mut e = engine(2);
    let mut out = Vec::new();
    let spec = |f: fn(&mut CallSpec)| {
        let mut s = CallSpec::default();
        f(&mut s);
        s
    };
    assert_eq!(
        e.start_call(spec(|s| s.peripheral_id = Some(1)), t(0.0), &mut out),
        Err(EngineError::UnknownPeripheral(1))
    );
    assert_eq!(
        e.start_call(spec(|s| s.agent_id = Some("9999".into())), t(0.0), &mut out),
        Err(EngineError::UnknownAgent("9999".into()))
    );
    assert_eq!(
        e.start_call(
            spec(|s| s.call_variables = vec![(11, "x".into())]),
            t(0.0),
            &mut out
        ),
        Err(EngineError::InvalidCallVariable(11))
    );
    assert!(out.is_empty());
    let s = spec(|s| {
        s.agent_id = Some("1002".into());
        s.ani = Some("5551234".into());
        s.dnis = Some("1800".into());
        s.call_variables = vec![(2, "silver".into())];
        s.named_variables = vec![("user.customer.tier".into(), "platinum".into())];
    });
    let id = e.start_call(s, t(0.0), &mut out).unwrap();
    let Message::BeginCallEvent(b) = &out[0].message else {
        panic!()
    };
    assert_eq!(
        (b.connection_call_id, out[0].parties.as_slice()),
        (id, &[1][..])
    );
    assert_eq!(
        (b.ani.as_ref().unwrap(), b.dnis.as_ref().unwrap()),
        (&"5551234".into(), &"1800".into())
    );
    assert_eq!(b.call_variable_2.as_ref().unwrap(), "silver");
    assert_eq!(b.named_variables[0].value, "platinum");
    // The targeted agent is busy now.
    let busy = spec(|s| s.agent_id = Some("1002".into()));
    assert_eq!(
        e.start_call(busy, t(0.5), &mut out),
        Err(EngineError::NoAgentAvailable)
    );
}

#[test]
fn begin_calls_for_lists_calls_in_progress() {
    let mut e = engine(3);
    let (a, _) = call(&mut e, 0.0);
    let (b, _) = call(&mut e, 0.0);
    let ids = |v: Vec<Message>| -> Vec<u32> {
        v.iter()
            .map(|m| match m {
                Message::BeginCallEvent(x) => x.connection_call_id,
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(ids(e.begin_calls_for(Some(0))), [a]);
    assert_eq!(ids(e.begin_calls_for(Some(1))), [b]);
    assert_eq!(ids(e.begin_calls_for(Some(2))), Vec::<u32>::new());
    assert_eq!(ids(e.begin_calls_for(None)), [a, b]);
    run(&mut e, 12.0);
    assert!(e.begin_calls_for(None).is_empty());
}

#[test]
fn find_agent_found_not_found_inconsistent() {
    let e = engine(3);
    assert_eq!(
        e.find_agent(P, Some("2002"), None, None),
        AgentLookup::Found(1)
    );
    assert_eq!(
        e.find_agent(P, None, Some("1003"), None),
        AgentLookup::Found(2)
    );
    assert_eq!(
        e.find_agent(P, Some("2001"), Some("1001"), Some("2001")),
        AgentLookup::Found(0)
    );
    assert_eq!(
        e.find_agent(P, Some(""), Some("1001"), Some("")),
        AgentLookup::Found(0)
    );
    assert_eq!(
        e.find_agent(P, Some("9999"), None, None),
        AgentLookup::NotFound
    );
    assert_eq!(e.find_agent(P, None, None, None), AgentLookup::NotFound);
    assert_eq!(
        e.find_agent(6000, Some("2001"), None, None),
        AgentLookup::NotFound
    );
    assert_eq!(
        e.find_agent(P, Some("2001"), Some("1002"), None),
        AgentLookup::Inconsistent
    );
    assert_eq!(
        e.find_agent(P, Some("2001"), Some("9999"), None),
        AgentLookup::Inconsistent
    );
}

#[test]
fn status_reports_calls_agents_and_peripherals() {
    let mut e = engine(2);
    let (id, _) = call(&mut e, 0.0);
    run(&mut e, 2.5);
    let s = e.status();
    assert_eq!(s.calls.len(), 1);
    assert_eq!(
        (s.calls[0].id, s.calls[0].peripheral, s.calls[0].state),
        (id, P, "connected")
    );
    assert_eq!(s.calls[0].agent.as_deref(), Some("1001"));
    assert_eq!(s.agents[0].state, "AGENT_STATE_TALKING");
    assert_eq!((s.agents[0].since, s.agents[0].call), (2.0, Some(id)));
    assert_eq!(s.agents[1].state, "AGENT_STATE_AVAILABLE");
    assert_eq!(
        s.peripherals,
        [crate::engine::PeripheralStatus {
            id: P,
            online: true
        }]
    );
    assert!(
        serde_json::to_string(&s)
            .unwrap()
            .contains("\"calls_per_second\":0.0")
    );
}

#[test]
fn odd_traffic_values_are_tamed() {
    let mut c = cfg(2, true);
    c.traffic.calls_per_second = f64::INFINITY;
    c.traffic.talk_min_secs = f64::NAN;
    c.traffic.talk_max_secs = f64::INFINITY;
    c.traffic.ring_secs = -1.0;
    c.traffic.hold_probability = 7.0;
    c.traffic.wrap_secs = f64::NAN;
    c.traffic.dnis.clear();
    c.traffic.call_variables = vec!["x{call}".repeat(20); 12];
    c.traffic.named_variables = vec![("n".repeat(50), "v{n}".repeat(100))];
    c.agents[0].agent_id = "A".repeat(40);
    let mut e = Engine::new(&c, EPOCH);
    assert_eq!(e.calls_per_second(), 0.0);
    let (_, mut evs) = call(&mut e, 0.0);
    let Message::BeginCallEvent(b) = &evs[0].message else {
        panic!()
    };
    assert_eq!(
        (b.dnis.as_ref(), b.call_variable_1.as_ref().unwrap().len()),
        (None, 40)
    );
    evs.extend(run(&mut e, 100.0));
    encodes(&evs);
    assert_eq!(states(&evs).last(), Some(&(0, AVAILABLE)));
}

/// Engine-only throughput (run with `cargo test --release -p cti-sim engine_throughput -- --ignored --nocapture`).
#[test]
#[ignore = "benchmark"]
fn engine_throughput() {
    let mut c = cfg(2000, true);
    c.agents = default_agents(2000, P);
    c.traffic.calls_per_second = 5000.0;
    c.traffic.ring_secs = 0.1;
    c.traffic.talk_min_secs = 0.1;
    c.traffic.talk_max_secs = 0.3;
    c.traffic.hold_probability = 0.2;
    c.traffic.hold_secs = 0.05;
    c.traffic.wrap_secs = 0.05;
    let mut e = Engine::new(&c, EPOCH);
    let start = std::time::Instant::now();
    let mut total = 0usize;
    let mut out = Vec::new();
    for ms in 1..=10_000u64 {
        e.advance(std::time::Duration::from_millis(ms), &mut out);
        total += out.len();
        out.clear();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{total} events in {secs:.3} s = {:.0} events/s",
        total as f64 / secs
    );
    assert!(total > 100_000);
}
