//! The client over TLS against the simulator (loopback, port 0), with certificates made at test time: mutual
//! authentication, each handshake failure with its own plain reason and the 17-step move to the other side,
//! pinning without a CA, heartbeats and failover as over TCP (paused time), and a plain-TCP client refused by
//! a TLS side while the TLS clients are served.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod tls_support;

use std::time::Duration;

use cti_client::tls::{hex, sha256};
use cti_client::{Client, ClientConfig, ClientEvent, Events, Side, TlsConfig};
use cti_proto::Message;
use cti_sim::{FailMode, FineClock, Simulator};
use tls_support::{Bad, Pki, config, sim, sim_active};

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

/// The lifecycle events up to the first `Connected` (or 12 events), as short strings.
async fn until_connected(ev: &mut Events) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..12 {
        let e = lifecycle(ev).await;
        let done = matches!(e, ClientEvent::Connected { .. });
        seen.push(match e {
            ClientEvent::Connecting { side } => format!("connecting {}", side.name()),
            ClientEvent::AttemptFailed { side, reason } => {
                format!("failed {}: {reason}", side.name())
            }
            ClientEvent::Waiting { secs } => format!("waiting {secs}"),
            ClientEvent::Connected { side, .. } => format!("connected {}", side.name()),
            other => format!("{other:?}"),
        });
        if done {
            break;
        }
    }
    seen
}

#[tokio::test]
async fn mutual_tls_opens_a_session_and_events_flow() {
    let pki = Pki::new("mutual");
    let serve = pki.serve("server", &pki.good_server(), true);
    let sim = sim(Some(serve.clone()), Some(serve)).await;
    let cfg = config(&sim, pki.client_tls(true), -1);
    let (client, mut ev) = Client::start(cfg).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        ["connecting A", "connected A"]
    );
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
    assert_eq!(report.client("ctikit-tls").map(|c| c.connections), Some(1));
    assert!(report.refused_connections.is_empty());
}

/// Side A serves `a` (with client certificates required when `a_mutual`), side B — the active side — a good
/// certificate; the client must fail on A with `reason` and land on B.
async fn fails_on_a_then_lands_on_b(
    pki: &Pki,
    a: &cti_sim::tls::pki::Issued,
    a_mutual: bool,
    tls: TlsConfig,
    reason: &str,
) {
    let sim = sim_active(
        Some(pki.serve("a", a, a_mutual)),
        Some(pki.serve("b", &pki.good_server(), false)),
        cti_sim::Side::B,
    )
    .await;
    let addr_a = sim.addr(cti_sim::Side::A);
    let (client, mut ev) = Client::start(config(&sim, tls, -1)).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        [
            "connecting A".to_owned(),
            format!("failed A: {addr_a}: {reason}"),
            "connecting B".to_owned(),
            "connected B".to_owned(),
        ]
    );
    assert_eq!(client.status().side, Some(Side::B));
    client.close().await;
}

#[tokio::test]
async fn unknown_ca_fails_and_the_client_moves_to_side_b() {
    let pki = Pki::new("unknown-ca");
    let a = pki.bad_server(Bad::UnknownCa);
    fails_on_a_then_lands_on_b(
        &pki,
        &a,
        false,
        pki.client_tls(false),
        "unknown CA: the server's certificate was not issued by a trusted CA (give its CA with --ca, or pin it)",
    )
    .await;
}

#[tokio::test]
async fn expired_certificate_fails_and_the_client_moves_to_side_b() {
    let pki = Pki::new("expired");
    let a = pki.bad_server(Bad::Expired);
    fails_on_a_then_lands_on_b(
        &pki,
        &a,
        false,
        pki.client_tls(false),
        "certificate expired: the server's certificate is past its validity (renew it, or check the clocks)",
    )
    .await;
}

#[tokio::test]
async fn wrong_name_fails_and_the_client_moves_to_side_b() {
    let pki = Pki::new("wrong-name");
    let a = pki.bad_server(Bad::OtherName);
    fails_on_a_then_lands_on_b(
        &pki,
        &a,
        false,
        pki.client_tls(false),
        "name mismatch: the server's certificate is not valid for 127.0.0.1 (set --server-name to a name it carries)",
    )
    .await;
}

#[tokio::test]
async fn server_name_verifies_the_name_the_certificate_carries() {
    let pki = Pki::new("server-name");
    let named = pki.bad_server(Bad::OtherName);
    let serve = pki.serve("named", &named, false);
    let sim = sim(Some(serve.clone()), Some(serve)).await;
    let tls = TlsConfig {
        server_name: Some("cti-b.example.com".into()),
        ..pki.client_tls(false)
    };
    let (client, mut ev) = Client::start(config(&sim, tls, -1)).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        ["connecting A", "connected A"]
    );
    client.close().await;
}

#[tokio::test]
async fn missing_client_certificate_fails_and_the_client_moves_to_side_b() {
    let pki = Pki::new("no-client-cert");
    let a = pki.good_server();
    fails_on_a_then_lands_on_b(
        &pki,
        &a,
        true,
        pki.client_tls(false),
        "client certificate required: the server asked for a client certificate and none is configured (--cert, --key)",
    )
    .await;
}

#[tokio::test]
async fn pin_mismatch_fails_and_the_client_moves_to_side_b() {
    let pki = Pki::new("pin-mismatch");
    let a = pki.good_server();
    let b = pki.good_server();
    let sim = sim_active(
        Some(pki.serve("a", &a, false)),
        Some(pki.serve("b", &b, false)),
        cti_sim::Side::B,
    )
    .await;
    let pin_b = hex(&sha256(&b.cert_der));
    let tls = TlsConfig {
        pin_sha256: vec![pin_b],
        ..TlsConfig::default()
    };
    let addr_a = sim.addr(cti_sim::Side::A);
    let (client, mut ev) = Client::start(config(&sim, tls, -1)).unwrap();
    let pin_a = hex(&sha256(&a.cert_der));
    assert_eq!(
        until_connected(&mut ev).await,
        [
            "connecting A".to_owned(),
            format!(
                "failed A: {addr_a}: pin mismatch: the server's certificate has SHA-256 {pin_a}, which is not pinned"
            ),
            "connecting B".to_owned(),
            "connected B".to_owned(),
        ]
    );
    client.close().await;
}

#[tokio::test]
async fn pinning_succeeds_without_a_ca() {
    let pki = Pki::new("pinned");
    // Issued by a CA the client does not know: only the pin vouches for it.
    let a = pki.bad_server(Bad::UnknownCa);
    let serve = pki.serve("a", &a, false);
    let sim = sim(Some(serve.clone()), Some(serve)).await;
    let upper_with_colons = sha256(&a.cert_der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let tls = TlsConfig {
        pin_sha256: vec![upper_with_colons],
        ..TlsConfig::default()
    };
    let (client, mut ev) = Client::start(config(&sim, tls, -1)).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        ["connecting A", "connected A"]
    );
    client.close().await;
}

#[tokio::test]
async fn insecure_skip_verify_accepts_any_certificate() {
    let pki = Pki::new("insecure");
    let serve = pki.serve("a", &pki.bad_server(Bad::UnknownCa), false);
    let sim = sim(Some(serve.clone()), Some(serve)).await;
    let tls = TlsConfig {
        insecure_skip_verify: true,
        ..TlsConfig::default()
    };
    let (client, mut ev) = Client::start(config(&sim, tls, -1)).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        ["connecting A", "connected A"]
    );
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn both_sides_failing_waits_as_the_schedule_says() {
    let _clock = FineClock::start();
    let pki = Pki::new("both-fail");
    let bad = pki.serve("a", &pki.bad_server(Bad::UnknownCa), false);
    let sim = sim(Some(bad.clone()), Some(bad)).await;
    let (a, b) = (sim.addr(cti_sim::Side::A), sim.addr(cti_sim::Side::B));
    let (client, mut ev) = Client::start(config(&sim, pki.client_tls(false), -1)).unwrap();
    let reason = "unknown CA: the server's certificate was not issued by a trusted CA (give its CA with --ca, or pin it)";
    let t0 = tokio::time::Instant::now();
    // Steps 1-2, the random wait of 0..=1/10 s (0), steps 5-6, then 15 s.
    let want = [
        "connecting A".to_owned(),
        format!("failed A: {a}: {reason}"),
        "connecting B".to_owned(),
        format!("failed B: {b}: {reason}"),
        "waiting 0".to_owned(),
        "connecting A".to_owned(),
        format!("failed A: {a}: {reason}"),
        "connecting B".to_owned(),
        format!("failed B: {b}: {reason}"),
        "waiting 15".to_owned(),
        "connecting A".to_owned(),
        format!("failed A: {a}: {reason}"),
    ];
    assert_eq!(until_connected(&mut ev).await, want);
    let waited = t0.elapsed();
    assert!(
        waited >= Duration::from_secs(15) && waited < Duration::from_secs(16),
        "{waited:?}"
    );
    client.close().await;
}

#[tokio::test(start_paused = true)]
async fn heartbeats_and_failover_behave_as_over_tcp() {
    let _clock = FineClock::start();
    let pki = Pki::new("failover");
    let serve = pki.serve("server", &pki.good_server(), true);
    let sim = sim(Some(serve.clone()), Some(serve)).await;
    let (client, mut ev) = Client::start(config(&sim, pki.client_tls(true), 5)).unwrap();
    assert_eq!(
        until_connected(&mut ev).await,
        ["connecting A", "connected A"]
    );
    // Heartbeats every 5 s, answered over TLS.
    tokio::time::sleep(Duration::from_millis(16_500)).await;
    let st = client.status();
    assert_eq!((st.heartbeats_sent, st.heartbeats_answered), (3, 3));

    let t0 = tokio::time::Instant::now();
    sim.handle().fail_side(cti_sim::Side::A, FailMode::Reset);
    let lost = lifecycle(&mut ev).await;
    assert!(
        matches!(lost, ClientEvent::Disconnected { side: Side::A, .. }),
        "{lost:?}"
    );
    assert_eq!(
        until_connected(&mut ev).await,
        [
            "connecting A",
            "failed A: E_CTI_CTI_SERVER_OFFLINE",
            "connecting B",
            "connected B"
        ]
    );
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());

    // A half-open session is found by three unanswered heartbeats, as over TCP.
    let id = sim.handle().sessions()[0].id;
    let t1 = tokio::time::Instant::now();
    assert!(sim.handle().silence_session(id));
    let lost = lifecycle(&mut ev).await;
    let ClientEvent::Disconnected { reason, .. } = &lost else {
        panic!("{lost:?}")
    };
    assert!(reason.contains("3 heartbeats unanswered"), "{reason}");
    let waited = t1.elapsed();
    assert!(
        waited >= Duration::from_secs(20) && waited < Duration::from_secs(21),
        "{waited:?}"
    );
    client.close().await;
}

#[tokio::test]
async fn a_plain_tcp_client_on_a_tls_side_is_refused_and_tls_clients_are_served() {
    let pki = Pki::new("plain-on-tls");
    let serve = pki.serve("server", &pki.good_server(), true);
    let sim: Simulator = sim(Some(serve.clone()), Some(serve)).await;
    let tls_cfg = config(&sim, pki.client_tls(true), -1);
    let (tls_client, mut tls_ev) = Client::start(tls_cfg.clone()).unwrap();
    assert_eq!(
        until_connected(&mut tls_ev).await,
        ["connecting A", "connected A"]
    );
    let plain = ClientConfig {
        tls: None,
        client_id: "plain".into(),
        side_b: None,
        ..tls_cfg
    };
    let addr_a = sim.addr(cti_sim::Side::A);
    let (plain_client, mut plain_ev) = Client::start(plain).unwrap();
    assert!(matches!(
        lifecycle(&mut plain_ev).await,
        ClientEvent::Connecting { side: Side::A }
    ));
    let failed = lifecycle(&mut plain_ev).await;
    let ClientEvent::AttemptFailed { reason, .. } = &failed else {
        panic!("{failed:?}")
    };
    // The side answers the plain OPEN_REQ with a TLS alert and hangs up.
    assert_eq!(reason, &format!("{addr_a}: closed before OPEN_CONF"));
    plain_client.close().await;
    // The TLS session is still served.
    let reply = tls_client
        .request({
            let mut q = cti_proto::message::QueryAgentStateReq::default();
            q.peripheral_id = 5000;
            q.agent_id = Some("1001".into());
            q
        })
        .await;
    assert!(
        matches!(reply, Ok(Message::QueryAgentStateConf(_))),
        "{reply:?}"
    );
    let refused = sim.handle().conformance().refused_connections;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(
        refused[0].reason,
        "not TLS: a plain-TCP client on a TLS side (its first bytes are no TLS handshake)"
    );
    tls_client.close().await;
}
