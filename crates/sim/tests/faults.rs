//! Duplex behaviour and fault injection: side failover (no goodbye, the other side takes over, nothing is
//! replayed), the idle side and active/standby sessions, refused listeners, peripheral offline/online with and
//! without linger, half-open (silenced) and dropped sessions, and garbage input resetting one connection only.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use cti_proto::Message;
use cti_proto::constants::*;
use cti_sim::{FailMode, Side, Simulator};
use support::{Got, Peer, all_events, call_id, call_to, failure_status};

async fn quiet_sim() -> Simulator {
    Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .expect("start")
}

async fn open_all(sim: &Simulator, side: Side) -> Peer {
    let mut p = Peer::connect(sim.addr(side)).await;
    let mut req = all_events(24);
    req.idle_timeout = 0xFFFF_FFFF; // these tests watch for minutes of (virtual) time without heartbeats
    let conf = p.open(req).await;
    assert!(matches!(conf, Message::OpenConf(_)), "{conf:?}");
    assert!(matches!(p.recv().await, Message::SystemEvent(_)));
    p
}

#[tokio::test]
async fn idle_side_answers_offline_and_standby_sessions_take_over() {
    let sim = quiet_sim().await;
    let mut on_a = open_all(&sim, Side::A).await;

    let mut idle = Peer::connect(sim.addr(Side::B)).await;
    assert_eq!(
        failure_status(&idle.open(all_events(24)).await),
        E_CTI_CTI_SERVER_OFFLINE
    );
    assert!(matches!(idle.next().await, Got::Closed));

    let mut standby = Peer::connect(sim.addr(Side::B)).await;
    let mut req = all_events(24);
    req.services_requested |= CTI_SERVICE_ACTIVE_STANDBY;
    req.client_id = Some("standby".into());
    let Message::OpenConf(conf) = standby.open(req).await else {
        panic!("standby OPEN_CONF")
    };
    assert_eq!(conf.session_type, Some(SESSION_TYPE_STANDBY));

    // v23 cannot have a standby session.
    let mut old = Peer::connect(sim.addr(Side::B)).await;
    let mut req = all_events(23);
    req.services_requested |= CTI_SERVICE_ACTIVE_STANDBY;
    assert_eq!(
        failure_status(&old.open(req).await),
        E_CTI_CTI_SERVER_OFFLINE
    );

    sim.handle().fail_side(Side::A, FailMode::Reset);
    assert!(
        on_a.until_closed().await.is_empty(),
        "no goodbye on failover"
    );
    assert!(matches!(
        standby.recv().await,
        Message::StandbyActiveEvent(_)
    ));
    assert_eq!(sim.handle().status().active_side, Some(Side::B));

    // Side A in reset mode answers OPEN_REQ with E_CTI_CTI_SERVER_OFFLINE; side B now serves.
    let mut again_a = Peer::connect(sim.addr(Side::A)).await;
    assert_eq!(
        failure_status(&again_a.open(all_events(24)).await),
        E_CTI_CTI_SERVER_OFFLINE
    );
    let _b = open_all(&sim, Side::B).await;
}

#[tokio::test]
async fn refuse_mode_closes_the_listener_and_restore_reopens_it() {
    let sim = quiet_sim().await;
    sim.handle().fail_side(Side::B, FailMode::Refuse);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        Peer::try_connect(sim.addr(Side::B)).await.is_none(),
        "connection refused"
    );
    sim.handle().restore_side(Side::B);
    let mut refused = true;
    for _ in 0..50 {
        if Peer::try_connect(sim.addr(Side::B)).await.is_some() {
            refused = false;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!refused, "side B listens again on the same address");
    // Restored as idle: side A is still active.
    assert_eq!(sim.handle().status().active_side, Some(Side::A));
}

#[tokio::test(start_paused = true)]
async fn events_while_away_are_not_replayed() {
    let sim = quiet_sim().await;
    let mut a = open_all(&sim, Side::A).await;
    sim.handle().fail_side(Side::A, FailMode::Reset);
    assert!(a.until_closed().await.is_empty());
    let call = sim
        .handle()
        .start_call(call_to("1001", "4085550100"))
        .unwrap();
    let mut b = open_all(&sim, Side::B).await;
    let seen = b.collect_for(Duration::from_secs(120)).await;
    assert!(
        sim.handle().sessions().iter().any(|s| s.side == Side::B),
        "still connected after 120 s"
    );
    assert!(
        !seen
            .iter()
            .any(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call)),
        "BEGIN_CALL of a call begun while away is never replayed to an ALL_EVENTS client"
    );
    assert!(
        seen.iter().any(|m| call_id(m) == Some(call)),
        "later events of the call do arrive: {seen:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn peripheral_offline_without_linger_ends_every_call_at_once() {
    let sim = quiet_sim().await;
    let mut p = open_all(&sim, Side::A).await;
    let call = sim
        .handle()
        .start_call(call_to("1001", "4085550101"))
        .unwrap();
    p.recv_until(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call))
        .await;
    sim.handle().peripheral_offline(5000, None).unwrap();
    let sys = p.recv_until(|m| matches!(m, Message::SystemEvent(_))).await;
    let Message::SystemEvent(sys) = sys else {
        unreachable!()
    };
    assert_eq!(
        (sys.system_event_id, sys.system_event_arg_1),
        (SYS_PERIPHERAL_OFFLINE, 5000)
    );
    assert!(sys.pg_status.contains(PGS_PERIPHERAL_OFFLINE));
    let end = p
        .recv_until(|m| matches!(m, Message::EndCallEvent(_)))
        .await;
    assert_eq!(call_id(&end), Some(call));
}

#[tokio::test(start_paused = true)]
async fn ended_calls_are_begun_again_when_the_peripheral_returns() {
    let sim = quiet_sim().await;
    let mut p = open_all(&sim, Side::A).await;
    let h = sim.handle();
    let call = h.start_call(call_to("1004", "4085550104")).unwrap();
    p.recv_until(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call))
        .await;
    h.peripheral_offline(5000, None).unwrap();
    p.recv_until(|m| matches!(m, Message::EndCallEvent(e) if e.connection_call_id == call))
        .await;
    h.peripheral_online(5000).unwrap();
    let after = p.collect_for(Duration::from_secs(1)).await;
    let online = after
        .iter()
        .position(
            |m| matches!(m, Message::SystemEvent(s) if s.system_event_id == SYS_PERIPHERAL_ONLINE),
        )
        .expect("SYSTEM_EVENT peripheral online");
    assert!(
        after[online..]
            .iter()
            .any(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call)),
        "the call that continues is begun again: {after:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn lingering_calls_resume_or_end() {
    let sim = quiet_sim().await;
    let mut p = open_all(&sim, Side::A).await;
    let h = sim.handle();
    let call = h.start_call(call_to("1002", "4085550102")).unwrap();
    p.recv_until(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call))
        .await;

    // Back within the linger window: no END_CALL, no events during the outage, and normal reporting
    // continues afterwards (guidelines: "normal call event reporting continues").
    h.peripheral_offline(5000, Some(Duration::from_secs(30)))
        .unwrap();
    let got = p.collect_for(Duration::from_secs(10)).await;
    let offline = got
        .iter()
        .position(
            |m| matches!(m, Message::SystemEvent(s) if s.system_event_id == SYS_PERIPHERAL_OFFLINE),
        )
        .expect("SYSTEM_EVENT peripheral offline");
    let during = &got[offline + 1..];
    assert!(
        !during.iter().any(|m| matches!(m, Message::EndCallEvent(_))),
        "{during:?}"
    );
    assert!(
        !during.iter().any(|m| call_id(m) == Some(call)),
        "no events during the outage: {during:?}"
    );
    h.peripheral_online(5000).unwrap();
    let end = p
        .recv_until(|m| matches!(m, Message::EndCallEvent(e) if e.connection_call_id == call))
        .await;
    assert!(
        matches!(end, Message::EndCallEvent(_)),
        "the call ends normally later"
    );

    // Not back within the window: END_CALL after it.
    let call2 = h.start_call(call_to("1003", "4085550103")).unwrap();
    p.recv_until(|m| matches!(m, Message::BeginCallEvent(e) if e.connection_call_id == call2))
        .await;
    let t0 = tokio::time::Instant::now();
    h.peripheral_offline(5000, Some(Duration::from_secs(5)))
        .unwrap();
    p.recv_until(|m| matches!(m, Message::EndCallEvent(e) if e.connection_call_id == call2))
        .await;
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(6),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn silenced_session_stops_answering_heartbeats_then_times_out() {
    let sim = quiet_sim().await;
    let mut p = Peer::connect(sim.addr(Side::A)).await;
    let mut req = all_events(24);
    req.idle_timeout = 20;
    assert!(matches!(p.open(req).await, Message::OpenConf(_)));
    let _ = p.recv().await;
    let id = sim.handle().sessions()[0].id;
    assert!(sim.handle().silence_session(id));
    p.heartbeat().await;
    // Neither a heartbeat nor a request is answered, and a CLOSE_REQ gets no CLOSE_CONF.
    let mut q = cti_proto::message::QueryAgentStateReq::default();
    q.invoke_id = p.invoke();
    q.peripheral_id = 5000;
    q.agent_id = Some("1001".into());
    p.send(q).await;
    let mut c = cti_proto::message::CloseReq::default();
    c.invoke_id = p.invoke();
    p.send(c).await;
    let got = p.collect_for(Duration::from_secs(10)).await;
    assert!(
        got.is_empty(),
        "a half-open session answers nothing: {got:?}"
    );
    assert!(!sim.handle().silence_session(999), "unknown session");
}

#[tokio::test]
async fn drop_closes_one_session() {
    let sim = quiet_sim().await;
    let mut p1 = open_all(&sim, Side::A).await;
    let mut p2 = open_all(&sim, Side::A).await;
    let id = sim.handle().sessions()[0].id;
    assert!(sim.handle().drop_session(id));
    assert!(p1.until_closed().await.is_empty());
    let hb = p2.heartbeat().await;
    assert!(matches!(p2.recv().await, Message::HeartbeatConf(h) if h.invoke_id == hb));
}

#[tokio::test]
async fn garbage_resets_only_that_connection() {
    let sim = quiet_sim().await;
    let mut good = open_all(&sim, Side::A).await;

    // Oversize MessageLength.
    let mut big = open_all(&sim, Side::A).await;
    big.send_raw(&[0x00, 0x01, 0x00, 0x00, 0, 0, 0, 5]).await;
    let got = big.until_closed().await;
    assert_eq!(got.len(), 1);
    assert_eq!(failure_status(&got[0]), E_CTI_INVALID_MESSAGE_LENGTH);

    // Short body (HEARTBEAT_REQ with 2 bytes).
    let mut short = open_all(&sim, Side::A).await;
    short.send_raw(&[0, 0, 0, 2, 0, 0, 0, 5, 0, 1]).await;
    let got = short.until_closed().await;
    assert_eq!(failure_status(&got[0]), E_CTI_BAD_MESSAGE_FORMAT);

    // A floating tag no message has (tag 0x2000 in a CLOSE_REQ at v24).
    let mut tag = open_all(&sim, Side::A).await;
    tag.send_raw(&[
        0, 0, 0, 12, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0x20, 0x00, 0, 0,
    ])
    .await;
    let got = tag.until_closed().await;
    assert_eq!(failure_status(&got[0]), E_CTI_INVALID_FIELD_TAG);

    // Garbage before OPEN_REQ.
    let mut junk = Peer::connect(sim.addr(Side::A)).await;
    junk.send_raw(&[0xFF; 16]).await;
    let got = junk.until_closed().await;
    assert_eq!(failure_status(&got[0]), E_CTI_INVALID_MESSAGE_LENGTH);

    // The good session is untouched.
    let hb = good.heartbeat().await;
    assert!(matches!(good.recv().await, Message::HeartbeatConf(h) if h.invoke_id == hb));
    assert_eq!(sim.handle().sessions().len(), 1);
}
