//! The client's services and masks against the simulator over loopback (port 0): what OPEN_CONF grants (and
//! what it does not) for each service, CallMsgMask / AgentStateMask honoured on a whole call, every refused
//! OPEN_REQ surfaced by its Cisco name, and E_CTI_CTI_SERVER_OFFLINE retried on the other side.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::time::Duration;

use cti_client::{
    Client, ClientConfig, ClientConfigBuilder, ClientError, ClientEvent, ErrorKind, Events, Side,
};
use cti_proto::Message;
use cti_proto::constants::*;
use cti_proto::message::QueryAgentStateReq;
use cti_sim::engine::CallSpec;
use cti_sim::{FailMode, SimConfig, Simulator};

async fn sim() -> Simulator {
    Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap()
}

/// A builder for a client of both sides of `sim`, heartbeats disabled.
fn builder(sim: &Simulator, client_id: &str, services: ServiceMask) -> ClientConfigBuilder {
    ClientConfig::builder(sim.addr(cti_sim::Side::A).to_string())
        .side_b(sim.addr(cti_sim::Side::B).to_string())
        .credentials(client_id, "")
        .services(services)
        .heartbeat_secs(-1)
}

fn config(sim: &Simulator, services: ServiceMask) -> ClientConfig {
    builder(sim, "ctikit-test", services).build().unwrap()
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

/// Starts a client and waits for its `Connected` (after `Connecting`).
async fn connected(cfg: ClientConfig) -> (Client, Events, ClientEvent) {
    let (client, mut ev) = Client::start(cfg).unwrap();
    let first = lifecycle(&mut ev).await;
    assert!(
        matches!(first, ClientEvent::Connecting { side: Side::A }),
        "{first:?}"
    );
    let c = lifecycle(&mut ev).await;
    assert!(
        matches!(c, ClientEvent::Connected { side: Side::A, .. }),
        "{c:?}"
    );
    (client, ev, c)
}

fn granted(c: &ClientEvent) -> ServiceMask {
    let ClientEvent::Connected {
        services_granted, ..
    } = c
    else {
        panic!("{c:?}")
    };
    *services_granted
}

fn query(agent_id: &str) -> QueryAgentStateReq {
    let mut q = QueryAgentStateReq::default();
    q.peripheral_id = 5000;
    q.agent_id = Some(agent_id.into());
    q
}

#[tokio::test]
async fn opens_with_each_service() {
    let sim = sim().await;
    let (all, supervisor) = (CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_SUPERVISOR);
    let cases = [
        (all, None, all, ServiceMask(0)),
        (
            CTI_SERVICE_CLIENT_EVENTS,
            Some("1001"),
            CTI_SERVICE_CLIENT_EVENTS,
            ServiceMask(0),
        ),
        (
            all | CTI_SERVICE_CLIENT_CONTROL,
            None,
            all | CTI_SERVICE_CLIENT_CONTROL,
            ServiceMask(0),
        ),
        (
            all | CTI_SERVICE_CALL_DATA_UPDATE,
            None,
            all | CTI_SERVICE_CALL_DATA_UPDATE,
            ServiceMask(0),
        ),
        (
            CTI_SERVICE_CONNECTION_MONITOR,
            None,
            CTI_SERVICE_CONNECTION_MONITOR,
            ServiceMask(0),
        ),
        (all | supervisor, None, all, supervisor),
    ];
    for (requested, agent, want, not_granted) in cases {
        let mut b = builder(&sim, "ctikit-test", requested);
        if let Some(a) = agent {
            b = b.agent(5000, a);
        }
        let (client, _ev, c) = connected(b.build().unwrap()).await;
        assert_eq!(granted(&c), want, "{requested:?}");
        assert_eq!(c.services_not_granted(), Some(not_granted), "{requested:?}");
        client.close().await;
    }

    // A server that downgrades CLIENT_CONTROL to CTI_AGENT_STATE_CONTROL_ONLY: the loss is reported.
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.agent_state_control_only = true;
    let sim = Simulator::builder().config(cfg).start().await.unwrap();
    let (client, _ev, c) = connected(config(&sim, all | CTI_SERVICE_CLIENT_CONTROL)).await;
    assert_eq!(granted(&c), all | CTI_AGENT_STATE_CONTROL_ONLY);
    assert_eq!(c.services_not_granted(), Some(CTI_SERVICE_CLIENT_CONTROL));
    client.close().await;
}

/// Under paused time the clock jumps to the next timer whenever the runtime is idle, possibly while a message
/// is in flight on loopback; a task ticking every 10 ms bounds such jumps.
fn fine_clock() {
    tokio::spawn(async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

/// The names of the server messages received within `span` (SYSTEM_EVENT left out), and the AgentStateEvents.
async fn collect(
    ev: &mut Events,
    call: u32,
    span: Duration,
) -> (Vec<&'static str>, Vec<AgentState>) {
    let deadline = tokio::time::Instant::now() + span;
    let (mut names, mut states) = (Vec::new(), Vec::new());
    while let Ok(e) = tokio::time::timeout_at(deadline, ev.next()).await {
        let Some(ClientEvent::Message(m)) = e else {
            panic!("{e:?}")
        };
        match &m {
            Message::SystemEvent(_) => continue,
            Message::BeginCallEvent(b) => assert_eq!(b.connection_call_id, call),
            Message::EndCallEvent(b) => assert_eq!(b.connection_call_id, call),
            Message::AgentStateEvent(a) => {
                assert_eq!(
                    a.agent_id.as_ref().map(ToString::to_string).as_deref(),
                    Some("1001")
                );
                states.push(a.agent_state);
            }
            _ => {}
        }
        names.push(m.name());
    }
    (names, states)
}

#[tokio::test(start_paused = true)]
async fn masks_are_honoured() {
    fine_clock();
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.talk_min_secs = 5.0;
    cfg.traffic.talk_max_secs = 5.0;
    let sim = Simulator::builder().config(cfg).start().await.unwrap();
    let generic = builder(&sim, "generic", CTI_SERVICE_ALL_EVENTS)
        .build()
        .unwrap();
    assert_eq!(
        (generic.call_msg_mask, generic.agent_state_mask),
        (
            BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK,
            AgentStateMask(0)
        )
    );
    let (c1, mut ev1, _) = connected(generic).await;
    let talking = builder(&sim, "talking", CTI_SERVICE_ALL_EVENTS)
        .with_call_events(CALL_ESTABLISHED_MASK)
        .with_agent_states(AGENT_TALKING_MASK)
        .build()
        .unwrap();
    let (c2, mut ev2, _) = connected(talking).await;

    let mut spec = CallSpec::default();
    spec.agent_id = Some("1001".into());
    let call = sim.handle().start_call(spec).unwrap();
    let span = Duration::from_secs(60);
    let ((n1, s1), (n2, s2)) =
        tokio::join!(collect(&mut ev1, call, span), collect(&mut ev2, call, span));
    assert_eq!(
        n1,
        [
            "BEGIN_CALL_EVENT",
            "CALL_DATA_UPDATE_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert!(s1.is_empty());
    assert_eq!(
        n2,
        [
            "BEGIN_CALL_EVENT",
            "CALL_ESTABLISHED_EVENT",
            "AGENT_STATE_EVENT",
            "CALL_DATA_UPDATE_EVENT",
            "END_CALL_EVENT"
        ]
    );
    assert_eq!(s2, [AGENT_STATE_TALKING]);
    c1.close().await;
    c2.close().await;
}

/// The client stops with OPEN_REJECTED `status`, shown by name; requests then fail as closed.
async fn refused(cfg: ClientConfig, status: StatusCode, name: &str) {
    let (client, mut ev) = Client::start(cfg).unwrap();
    let first = lifecycle(&mut ev).await;
    assert!(
        matches!(first, ClientEvent::Connecting { side: Side::A }),
        "{first:?}"
    );
    let stopped = lifecycle(&mut ev).await;
    let ClientEvent::Stopped(err) = &stopped else {
        panic!("{status}: {stopped:?}")
    };
    assert!(
        matches!(err, ClientError::OpenRejected { status: s, .. } if *s == status),
        "{status}: {err:?}"
    );
    assert_eq!(err.kind(), ErrorKind::OpenRejected);
    assert!(err.to_string().contains(name), "{err}");
    assert_eq!(
        client.request(query("1001")).await.unwrap_err().kind(),
        ErrorKind::Closed
    );
    client.close().await;
}

#[tokio::test]
async fn each_open_refusal_surfaces_by_name() {
    let locked = Simulator::builder()
        .calls_per_second(0.0)
        .auth("rec", "pw")
        .start()
        .await
        .unwrap();
    let cfg = builder(&locked, "rec", CTI_SERVICE_ALL_EVENTS)
        .credentials("rec", "bad")
        .build()
        .unwrap();
    refused(cfg, E_CTI_INVALID_PASSWORD, "E_CTI_INVALID_PASSWORD").await;

    let old = Simulator::builder()
        .calls_per_second(0.0)
        .versions(13, 20)
        .start()
        .await
        .unwrap();
    let cfg = builder(&old, "v", CTI_SERVICE_ALL_EVENTS)
        .version(24)
        .build()
        .unwrap();
    refused(cfg, E_CTI_INVALID_VERSION, "E_CTI_INVALID_VERSION").await;

    let sim = sim().await;
    let agent = |peripheral: u32, id: &str, client_id: &str| {
        builder(&sim, client_id, CTI_SERVICE_CLIENT_EVENTS)
            .agent(peripheral, id)
            .build()
            .unwrap()
    };
    refused(
        agent(4999, "1001", "p"),
        E_CTI_INVALID_PERIPHERAL_ID,
        "E_CTI_INVALID_PERIPHERAL_ID",
    )
    .await;
    refused(
        agent(5000, "9999", "a"),
        E_CTI_INVALID_AGENT_DATA,
        "E_CTI_INVALID_AGENT_DATA",
    )
    .await;

    let (one, _ev, _) = connected(agent(5000, "1001", "one")).await;
    refused(
        agent(5000, "1001", "two"),
        E_CTI_DEVICE_IN_USE,
        "E_CTI_DEVICE_IN_USE",
    )
    .await;
    one.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_server_offline_answer_is_retried_not_fatal() {
    let sim = sim().await;
    sim.handle().fail_side(cti_sim::Side::A, FailMode::Reset);
    let (client, mut ev) = Client::start(config(&sim, CTI_SERVICE_ALL_EVENTS)).unwrap();
    let e = lifecycle(&mut ev).await;
    assert!(
        matches!(e, ClientEvent::Connecting { side: Side::A }),
        "{e:?}"
    );
    let e = lifecycle(&mut ev).await;
    assert!(
        matches!(&e, ClientEvent::AttemptFailed { side: Side::A, reason } if reason == "E_CTI_CTI_SERVER_OFFLINE"),
        "{e:?}"
    );
    let e = lifecycle(&mut ev).await;
    assert!(
        matches!(e, ClientEvent::Connecting { side: Side::B }),
        "{e:?}"
    );
    let e = lifecycle(&mut ev).await;
    assert!(
        matches!(e, ClientEvent::Connected { side: Side::B, .. }),
        "{e:?}"
    );
    client.close().await;
}
