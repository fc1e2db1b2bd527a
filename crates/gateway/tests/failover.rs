//! A CTI side failover seen from the stream (simulator + real nats-server): `session.disconnected` from side A,
//! `session.connected` on side B, `session.reconciling` naming the calls that were live, then one
//! `session.reconciled` per such call, with a gapless `Cti-Seq` and the session headers moving from (A, 1) to
//! (B, 2). The events missed while no session was open cannot be recovered (Cisco says so); what consumers get
//! is this account of it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use cti_proto::constants::CTI_SERVICE_CLIENT_CONTROL;
use cti_sim::{FailMode, Side};
use support::{Nats, Stored, busy_sim, gateway_config, source, stored};

fn kind(r: &Stored) -> &str {
    r.body["type"].as_str().unwrap()
}

fn call_of(r: &Stored) -> (u64, String) {
    (
        r.body["connection_call_id"].as_u64().unwrap(),
        r.body["connection_device_id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_side_failover_publishes_disconnected_connected_and_each_calls_reconciliation() {
    let nats = Nats::start();
    let sim = busy_sim(10.0).await;
    let mut src = source("pg1", &sim);
    // ALL_EVENTS + CLIENT_CONTROL: after the reconnect the session asks about each call (SNAPSHOT_CALL_REQ).
    src.client.services |= CTI_SERVICE_CLIENT_CONTROL;
    let gw = Gateway::start(gateway_config(&nats, vec![src]))
        .await
        .unwrap();
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (snap, _) = gw.sources()[0].snapshot().await.unwrap();
        if snap.calls.len() >= 3 {
            break;
        }
        assert!(tokio::time::Instant::now() < give_up, "no calls");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    sim.handle().fail_side(Side::A, FailMode::Reset);
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let stream = js.get_stream("CTI").await.unwrap();
    // Wait until every call named by RECONCILING has its CALL_RECONCILED record in the stream.
    let records = loop {
        let records = stored(&stream).await;
        let reconciling = records.iter().position(|r| kind(r) == "RECONCILING");
        if let Some(at) = reconciling {
            let expected = records[at].body["calls"].as_u64().unwrap();
            let done = records[at..]
                .iter()
                .filter(|r| kind(r) == "CALL_RECONCILED")
                .count() as u64;
            if done >= expected {
                break records;
            }
        }
        assert!(tokio::time::Instant::now() < give_up, "no reconciliation");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    gw.stop(Duration::from_secs(10)).await;

    // Gapless, numbered from 1.
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=records.len() as u64).collect::<Vec<_>>());

    let at = |t: &str| records.iter().position(|r| kind(r) == t).unwrap();
    let (disconnected, reconciling) = (at("DISCONNECTED"), at("RECONCILING"));
    assert_eq!(
        records[disconnected].subject,
        "cti.pg1.session.disconnected"
    );
    assert_eq!(records[disconnected].body["side"], "A");
    let connected_b = records
        .iter()
        .position(|r| kind(r) == "CONNECTED" && r.body["side"] == "B")
        .unwrap();
    assert_eq!(records[connected_b].subject, "cti.pg1.session.connected");
    assert!(disconnected < connected_b && connected_b < reconciling);
    assert_eq!(records[reconciling].subject, "cti.pg1.session.reconciling");
    assert_eq!(records[reconciling].body["side"], "B");

    // The calls live when side A went: replayed from the stream's own model lines.
    let mut live = BTreeSet::new();
    for r in &records[..disconnected] {
        match kind(r) {
            "CALL_BEGAN" => {
                live.insert(call_of(r));
            }
            "CALL_ENDED" => {
                live.remove(&call_of(r));
            }
            _ => {}
        }
    }
    assert!(!live.is_empty());
    assert_eq!(
        records[reconciling].body["calls"].as_u64().unwrap(),
        live.len() as u64
    );
    // One CALL_RECONCILED per such call, each with an outcome, on session 2 of side B.
    let reconciled: Vec<&Stored> = records[reconciling..]
        .iter()
        .filter(|r| kind(r) == "CALL_RECONCILED")
        .collect();
    let named: BTreeSet<(u64, String)> = reconciled.iter().map(|r| call_of(r)).collect();
    assert_eq!(named.len(), reconciled.len(), "a call reconciled twice");
    assert_eq!(named, live);
    for r in &reconciled {
        assert_eq!(r.subject, "cti.pg1.session.reconciled");
        let outcome = r.body["outcome"].as_str().unwrap();
        assert!(
            ["continues", "ended during outage"].contains(&outcome),
            "{outcome}"
        );
        assert_eq!(r.headers["Cti-Side"], "B");
        assert_eq!(r.headers["Cti-Session"], "2");
    }
    // Before the first OPEN_CONF: no session (0, "-"); then session 1 on side A until it fails.
    assert_eq!(kind(&records[0]), "CONNECTING");
    assert_eq!(records[0].headers["Cti-Session"], "0");
    assert_eq!(records[0].headers["Cti-Side"], "-");
    assert_eq!(records[disconnected - 1].headers["Cti-Session"], "1");
    assert_eq!(records[disconnected - 1].headers["Cti-Side"], "A");
    sim.shutdown().await;
}
