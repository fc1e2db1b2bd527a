//! Peripheral outages ("CTI Operations During Unified CCE Failures").

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::QueryAgentStateReq;

use super::*;
use crate::config::PeripheralConfig;
use crate::engine::EngineError;

/// Agent 0 talks on a call from t = 2 (caller hangs up at 12, wrap-up until 17); events up to t = 3.
fn talking() -> (Engine, u32) {
    let mut e = engine(2);
    let (id, _) = call(&mut e, 0.0);
    run(&mut e, 3.0);
    (e, id)
}

fn offline(e: &mut Engine, linger: Option<f64>, secs: f64) -> Vec<WorldEvent> {
    let mut out = Vec::new();
    e.peripheral_offline(P, linger.map(t), t(secs), &mut out)
        .unwrap();
    out
}

fn online(e: &mut Engine, secs: f64) -> Vec<WorldEvent> {
    let mut out = Vec::new();
    e.peripheral_online(P, t(secs), &mut out).unwrap();
    out
}

fn call_id(m: &Message) -> u32 {
    match m {
        Message::BeginCallEvent(x) => x.connection_call_id,
        Message::EndCallEvent(x) => x.connection_call_id,
        other => panic!("{other:?}"),
    }
}

#[track_caller]
fn system(ev: &WorldEvent, id: SystemEventId, status: PgStatus) {
    let Message::SystemEvent(s) = &ev.message else {
        panic!("{:?}", ev.message)
    };
    assert_eq!(
        (s.system_event_id, s.system_event_arg_1, s.pg_status),
        (id, P, status)
    );
    assert!(ev.parties.is_empty());
    assert_eq!(ev.peripheral_id, P);
}

#[test]
fn offline_without_linger_ends_every_call_at_once() {
    let (mut e, id) = talking();
    let evs = offline(&mut e, None, 3.5);
    assert_eq!(names(&evs), ["SYSTEM_EVENT", "END_CALL_EVENT"]);
    system(
        &evs[0],
        SystemEventId::SYS_PERIPHERAL_OFFLINE,
        PgStatus::PGS_PERIPHERAL_OFFLINE,
    );
    let Message::SystemEvent(s) = &evs[0].message else {
        panic!()
    };
    assert_eq!(s.icm_central_controller_time, EPOCH + 3);
    assert_eq!(
        (call_id(&evs[1].message), evs[1].parties.as_slice()),
        (id, &[0][..])
    );
    assert_eq!(e.pg_status(), PgStatus::PGS_PERIPHERAL_OFFLINE);
    assert_eq!(e.peripheral_online_flag(P), Some(false));
    assert_eq!(names_of(e.system_events()), ["SYSTEM_EVENT"]);
    assert!(e.begin_calls_for(None).is_empty());
    // No new calls, no control, no events while offline; the call goes on silently.
    let mut out = Vec::new();
    assert_eq!(
        e.start_call(CallSpec::default(), t(4.0), &mut out),
        Err(EngineError::PeripheralOffline(P))
    );
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = P;
    q.agent_extension = Some("2001".into());
    assert_eq!(
        failure(ctl(&mut e, q, &desk(0), 4.0).0),
        CF_RESOURCE_OUT_OF_SERVICE
    );
    assert!(run(&mut e, 8.0).is_empty());
    // Back before the call ended: a new BEGIN_CALL_EVENT for it, then normal reporting.
    let evs = online(&mut e, 9.0);
    assert_eq!(names(&evs), ["SYSTEM_EVENT", "BEGIN_CALL_EVENT"]);
    system(&evs[0], SystemEventId::SYS_PERIPHERAL_ONLINE, PgStatus(0));
    assert_eq!(
        (call_id(&evs[1].message), evs[1].parties.as_slice()),
        (id, &[0][..])
    );
    assert_eq!(e.pg_status(), PgStatus(0));
    assert_eq!(
        names(&run(&mut e, 12.0))[0],
        "CALL_CONNECTION_CLEARED_EVENT"
    );
}

fn names_of(v: Vec<Message>) -> Vec<&'static str> {
    v.iter().map(Message::name).collect()
}

#[test]
fn calls_that_end_during_the_outage_are_not_replayed() {
    let (mut e, _) = talking();
    offline(&mut e, None, 3.5);
    assert!(run(&mut e, 17.5).is_empty()); // ended at 12, wrap-up over at 17
    let evs = online(&mut e, 18.0);
    // Only the agent's current state (it changed during the outage); no call events.
    assert_eq!(names(&evs), ["SYSTEM_EVENT", "AGENT_STATE_EVENT"]);
    assert_eq!(states(&evs), [(0, AgentState::AGENT_STATE_AVAILABLE)]);
}

#[test]
fn linger_restored_in_time() {
    let (mut e, id) = talking();
    let evs = offline(&mut e, Some(30.0), 3.5);
    assert_eq!(names(&evs), ["SYSTEM_EVENT"]);
    assert!(run(&mut e, 8.0).is_empty());
    // No END_CALL_EVENT; a BEGIN_CALL_EVENT refreshes the call (its state may have moved on).
    let evs = online(&mut e, 9.0);
    assert_eq!(names(&evs), ["SYSTEM_EVENT", "BEGIN_CALL_EVENT"]);
    assert_eq!(
        (call_id(&evs[1].message), evs[1].parties.as_slice()),
        (id, &[0][..])
    );
    assert_eq!(names_of(e.begin_calls_for(Some(0))), ["BEGIN_CALL_EVENT"]);
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
    assert_eq!(call_id(&evs[3].message), id);
    assert!(
        run(&mut e, 40.0)
            .iter()
            .all(|x| x.message.name() == "AGENT_STATE_EVENT")
    ); // linger timer stale
}

#[test]
fn linger_expired_ends_the_calls_later() {
    let (mut e, id) = talking();
    offline(&mut e, Some(5.0), 3.5);
    assert!(run(&mut e, 8.4).is_empty());
    let evs = run(&mut e, 8.5);
    assert_eq!(names(&evs), ["END_CALL_EVENT"]);
    assert_eq!(
        (call_id(&evs[0].message), evs[0].parties.as_slice()),
        (id, &[0][..])
    );
    let evs = online(&mut e, 9.0);
    assert_eq!(names(&evs), ["SYSTEM_EVENT", "BEGIN_CALL_EVENT"]);
    assert_eq!(call_id(&evs[1].message), id);
}

#[test]
fn a_lingering_call_that_ended_meanwhile_gets_its_end_call() {
    // Restored after the call ended: END_CALL_EVENT on restore.
    let (mut e, id) = talking();
    offline(&mut e, Some(30.0), 3.5);
    assert!(run(&mut e, 20.0).is_empty());
    let evs = online(&mut e, 21.0);
    assert_eq!(
        names(&evs),
        ["SYSTEM_EVENT", "END_CALL_EVENT", "AGENT_STATE_EVENT"]
    );
    assert_eq!(
        (call_id(&evs[1].message), evs[1].parties.as_slice()),
        (id, &[0][..])
    );
    assert_eq!(states(&evs), [(0, AgentState::AGENT_STATE_AVAILABLE)]);
    // Linger ran out after the call ended: END_CALL_EVENT then.
    let (mut e, id) = talking();
    offline(&mut e, Some(10.0), 3.5);
    let evs = run(&mut e, 13.5);
    assert_eq!(names(&evs), ["END_CALL_EVENT"]);
    assert_eq!(call_id(&evs[0].message), id);
    assert_eq!(
        names(&online(&mut e, 14.0)),
        ["SYSTEM_EVENT", "AGENT_STATE_EVENT"]
    );
}

#[test]
fn other_peripherals_go_on() {
    let mut c = cfg(2, false);
    c.peripherals.push(PeripheralConfig {
        id: 6000,
        peripheral_type: PeripheralType::PT_ENTERPRISE_AGENT,
    });
    c.agents[1].peripheral_id = 6000;
    let mut e = Engine::new(&c, EPOCH);
    assert_eq!(
        names_of(e.system_events()),
        ["SYSTEM_EVENT", "SYSTEM_EVENT"]
    );
    assert_eq!(
        e.peripheral_type(6000),
        Some(PeripheralType::PT_ENTERPRISE_AGENT)
    );
    assert_eq!(e.peripheral_type(7000), None);
    offline(&mut e, None, 1.0);
    let (_, evs) = call(&mut e, 2.0);
    assert!(
        evs.iter()
            .all(|x| x.peripheral_id == 6000 && x.parties == [1])
    );
    let sys = e.system_events();
    let Message::SystemEvent(s) = &sys[1] else {
        panic!()
    };
    assert_eq!(s.system_event_id, SystemEventId::SYS_PERIPHERAL_ONLINE);
    let mut out = Vec::new();
    assert_eq!(
        e.peripheral_offline(1, None, t(3.0), &mut out),
        Err(EngineError::UnknownPeripheral(1))
    );
    assert_eq!(
        e.peripheral_online(1, t(3.0), &mut out),
        Err(EngineError::UnknownPeripheral(1))
    );
    assert_eq!(e.next_deadline(), Some(t(2.0) + Duration::from_secs(2)));
}
