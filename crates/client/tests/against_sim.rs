//! The client against the simulator over loopback (port 0): sessions, InvokeID correlation, failover by the
//! 17 steps, half-open detection by heartbeats, refused OPEN_REQ, CLOSE_REQ, and the simulator's conformance
//! report on this client.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use cti_client::{
    Agent, CallRef, Client, ClientConfig, ClientError, ClientEvent, ErrorKind, Events, Side,
};
use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::QueryAgentStateReq;
use cti_sim::{FailMode, Simulator};

async fn sim() -> Simulator {
    Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap()
}

fn config(sim: &Simulator, heartbeat: i64) -> ClientConfig {
    ClientConfig::builder(sim.addr(cti_sim::Side::A).to_string())
        .side_b(sim.addr(cti_sim::Side::B).to_string())
        .credentials("ctikit-test", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(heartbeat)
        .build()
        .unwrap()
}

/// The next event that is not a server message.
async fn lifecycle(ev: &mut Events) -> ClientEvent {
    loop {
        let e = tokio::time::timeout(Duration::from_secs(600), ev.next())
            .await
            .expect("an event")
            .expect("open");
        if !matches!(e, ClientEvent::Message(_)) {
            return e;
        }
    }
}

fn query(agent_id: &str) -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = 5000;
    q.agent_id = Some(agent_id.into());
    q
}

#[tokio::test]
async fn connects_and_matches_concurrent_replies_by_invoke_id() {
    let sim = sim().await;
    let (client, mut ev) = Client::start(config(&sim, -1)).unwrap();
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    let connected = lifecycle(&mut ev).await;
    let ClientEvent::Connected {
        side,
        services_granted,
        ..
    } = &connected
    else {
        panic!("{connected:?}")
    };
    assert_eq!(
        (*side, *services_granted),
        (Side::A, CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
    );
    assert_eq!(connected.services_not_granted(), Some(ServiceMask(0)));

    let ids = ["1001", "1002", "1003", "1004", "1005", "1006"];
    // Six requests outstanding at once, from clones of the handle.
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let c = client.clone();
            let q = query(id);
            tokio::spawn(async move { c.request(q).await })
        })
        .collect();
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    for (id, reply) in ids.iter().zip(replies) {
        let Ok(Message::QueryAgentStateConf(conf)) = reply else {
            panic!("{reply:?}")
        };
        assert_eq!(
            conf.agent_id.as_ref().map(ToString::to_string).as_deref(),
            Some(*id),
            "reply routed by InvokeID"
        );
    }
    let err = client.request(query("9999")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ControlFailure);
    assert!(
        err.to_string().contains("CF_INVALID_AGENT_ID_SPECIFIED"),
        "{err}"
    );
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn failover_moves_to_the_other_side_by_the_17_steps() {
    let sim = sim().await;
    let (client, mut ev) = Client::start(config(&sim, 5)).unwrap();
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connected { side: Side::A, .. }
    ));
    let t0 = tokio::time::Instant::now();
    sim.handle().fail_side(cti_sim::Side::A, FailMode::Reset);
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Disconnected { side: Side::A, .. }
    ));
    // Step 1: the same side (offline now), step 2: the other side.
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    let failed = lifecycle(&mut ev).await;
    assert!(
        matches!(&failed, ClientEvent::AttemptFailed { side: Side::A, reason } if reason == "E_CTI_CTI_SERVER_OFFLINE"),
        "{failed:?}"
    );
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::B }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connected { side: Side::B, .. }
    ));
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());

    // The next loss starts with B (the last successful side).
    sim.handle().restore_side(cti_sim::Side::A);
    sim.handle().fail_side(cti_sim::Side::B, FailMode::Reset);
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Disconnected { side: Side::B, .. }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::B }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::AttemptFailed { side: Side::B, .. }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connected { side: Side::A, .. }
    ));
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn half_open_connection_is_found_by_three_unanswered_heartbeats() {
    let sim = sim().await;
    let (client, mut ev) = Client::start(config(&sim, 5)).unwrap();
    lifecycle(&mut ev).await;
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connected { .. }
    ));
    let id = sim.handle().sessions()[0].id;
    let t0 = tokio::time::Instant::now();
    assert!(sim.handle().silence_session(id));
    let lost = lifecycle(&mut ev).await;
    let ClientEvent::Disconnected { reason, .. } = &lost else {
        panic!("{lost:?}")
    };
    assert!(reason.contains("3 heartbeats unanswered"), "{reason}");
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(20) && waited < Duration::from_secs(21),
        "{waited:?}"
    );
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    assert!(matches!(
        lifecycle(&mut ev).await,
        ClientEvent::Connected { side: Side::A, .. }
    ));
    client.close().await;
}

#[tokio::test]
async fn a_refused_open_surfaces_the_status_by_name() {
    let sim = Simulator::builder()
        .calls_per_second(0.0)
        .versions(13, 23)
        .start()
        .await
        .unwrap();
    let (client, mut ev) = Client::start(config(&sim, -1)).unwrap();
    lifecycle(&mut ev).await;
    let stopped = lifecycle(&mut ev).await;
    let ClientEvent::Stopped(err) = &stopped else {
        panic!("{stopped:?}")
    };
    assert!(
        matches!(err, ClientError::OpenRejected { status, .. } if *status == E_CTI_INVALID_VERSION)
    );
    assert!(err.to_string().contains("E_CTI_INVALID_VERSION"), "{err}");
    assert_eq!(
        client.request(query("1001")).await.unwrap_err().kind(),
        ErrorKind::Closed
    );
}

#[tokio::test]
async fn events_flow_and_close_sends_close_req() {
    let sim = sim().await;
    let (client, mut ev) = Client::start(config(&sim, -1)).unwrap();
    lifecycle(&mut ev).await;
    lifecycle(&mut ev).await;
    let mut spec = cti_sim::engine::CallSpec::default();
    spec.ani = Some("4085550111".into());
    let call = sim.handle().start_call(spec).unwrap();
    let begin = loop {
        match ev.next().await {
            Some(ClientEvent::Message(Message::BeginCallEvent(b))) => break b,
            Some(_) => {}
            None => panic!("events ended"),
        }
    };
    assert_eq!(begin.connection_call_id, call);
    client.close().await;
    let report = sim.handle().conformance();
    let me = report.client("ctikit-test").unwrap();
    assert_eq!(
        me.check("close_before_leaving").map(|c| c.result),
        Some(cti_sim::conformance::Verdict::Pass)
    );
    assert!(sim.handle().sessions().is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_simulator_judges_this_client_conformant() {
    let sim = sim().await;
    let (client, mut ev) = Client::start(config(&sim, 5)).unwrap();
    lifecycle(&mut ev).await;
    lifecycle(&mut ev).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    sim.handle().fail_side(cti_sim::Side::A, FailMode::Reset);
    loop {
        if let ClientEvent::Connected { side: Side::B, .. } = lifecycle(&mut ev).await {
            break;
        }
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    client.close().await;
    let report = sim.handle().conformance();
    let me = report.client("ctikit-test").unwrap();
    assert!(
        me.all_pass(),
        "{}",
        serde_json::to_string_pretty(me).unwrap()
    );
    for check in [
        "heartbeat_interval",
        "side_selection",
        "close_before_leaving",
        "invoke_ids_unique",
        "message_masks",
    ] {
        assert_eq!(
            me.check(check).map(|c| c.result),
            Some(cti_sim::conformance::Verdict::Pass),
            "{check}"
        );
    }
}

/// A simulator without generated traffic whose calls last 10 minutes, and a client (with `services` added to
/// the defaults) whose session is open on it.
async fn quiet_sim_and_client(services: ServiceMask) -> (Simulator, Client, Events) {
    let mut cfg = cti_sim::SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    let sim = Simulator::builder().config(cfg).start().await.unwrap();
    let mut conf = config(&sim, -1);
    conf.services |= services;
    let (client, mut ev) = Client::start(conf).unwrap();
    lifecycle(&mut ev).await;
    lifecycle(&mut ev).await;
    (sim, client, ev)
}

/// Agent `id` at instrument `instrument` on peripheral 5000.
fn desk(id: &str, instrument: &str) -> Agent {
    Agent {
        peripheral_id: 5000,
        agent_id: Some(id.into()),
        instrument: Some(instrument.into()),
        ..Agent::default()
    }
}

/// Starts an inbound call for agent 1001 and waits for its BEGIN_CALL_EVENT: the call as requests name it.
async fn ring_1001(sim: &Simulator, ev: &mut Events) -> CallRef {
    let mut spec = cti_sim::engine::CallSpec::default();
    spec.agent_id = Some("1001".into());
    let id = sim.handle().start_call(spec).unwrap();
    loop {
        // The generic masks (BEGIN_CALL, END_CALL, CALL_DATA_UPDATE) are all this client asked for.
        if let Some(ClientEvent::Message(Message::BeginCallEvent(d))) = ev.next().await {
            if d.connection_call_id == id {
                let device = d
                    .connection_device_id
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                return CallRef::new(id, device);
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn typed_requests_against_the_simulator() {
    let (sim, client, mut ev) = quiet_sim_and_client(CTI_SERVICE_CALL_DATA_UPDATE).await;
    let agent = desk("1001", "2001");

    let q = client.query_agent_state(&agent).await.unwrap();
    assert_eq!(q.agent_state, AGENT_STATE_AVAILABLE);
    client
        .set_agent_state(&agent, AGENT_STATE_NOT_READY, 3, None)
        .await
        .unwrap();
    assert_eq!(
        client.query_agent_state(&agent).await.unwrap().agent_state,
        AGENT_STATE_NOT_READY
    );
    client
        .set_agent_state(&agent, AGENT_STATE_AVAILABLE, 0, None)
        .await
        .unwrap();

    // An inbound call rings at 1001: answer, hold, retrieve, set data, snapshot, clear.
    let call = ring_1001(&sim, &mut ev).await;
    client.answer_call(&agent, &call).await.unwrap();
    client.hold_call(&agent, &call).await.unwrap();
    let err = client.hold_call(&agent, &call).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ControlFailure, "{err}");
    client.retrieve_call(&agent, &call).await.unwrap();
    client
        .set_call_data(
            5000,
            &call,
            &[(5, "VIP".into())],
            &[("user.tier".into(), "gold".into())],
        )
        .await
        .unwrap();
    let snap = client.snapshot_call(5000, &call).await.unwrap();
    assert_eq!(
        snap.call_variable_5.map(|s| s.to_string()).as_deref(),
        Some("VIP")
    );
    let dev = client.snapshot_device(&agent).await.unwrap();
    assert_eq!(dev.calls.len(), 1);
    client.clear_call(&agent, &call).await.unwrap();
    let mc = client.make_call(&agent, "4085550999").await;
    assert!(
        mc.is_ok()
            || mc
                .as_ref()
                .is_err_and(|e| e.kind() == ErrorKind::ControlFailure),
        "{mc:?}"
    );
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn consult_alternate_and_transfer_against_the_simulator() {
    let (sim, client, mut ev) = quiet_sim_and_client(ServiceMask(0)).await;
    let agent = desk("1001", "2001");
    let p = ring_1001(&sim, &mut ev).await;
    client.answer_call(&agent, &p).await.unwrap();

    // Consult agent 1002 (extension 2002): the customer call is held, a consult call C rings there.
    let cc = client.consultation_call(&agent, &p, "2002").await.unwrap();
    let c = CallRef::new(
        cc.new_connection_call_id,
        cc.new_connection_device_id
            .map(|s| s.to_string())
            .unwrap_or_default(),
    );
    assert_ne!(c.connection_call_id, p.connection_call_id);
    tokio::time::sleep(Duration::from_secs(5)).await; // 1002 answers
    // Alternate: C held, P retrieved; again the other way; the same request twice is refused by state.
    client.alternate_call(&agent, &c, &p).await.unwrap();
    let err = client.alternate_call(&agent, &c, &p).await.unwrap_err();
    assert_eq!(
        err,
        ClientError::ControlFailure {
            code: ControlFailureCode::CF_INVALID_OBJECT_STATE,
            peripheral_error: 0
        }
    );
    client.alternate_call(&agent, &p, &c).await.unwrap();
    // Transfer: the customer (held P) goes to 1002; the result is a new call.
    let t = client.transfer_call(&agent, &c, &p).await.unwrap();
    assert!(
        t.new_connection_call_id != p.connection_call_id
            && t.new_connection_call_id != c.connection_call_id,
        "{t:?}"
    );
    let snap = client.snapshot_device(&desk("1002", "2002")).await.unwrap();
    assert_eq!(snap.calls.len(), 1, "1002 now holds the transferred call");
    client.close().await;
}
