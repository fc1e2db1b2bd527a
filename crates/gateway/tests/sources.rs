//! Two CTI Server pairs in one gateway process: each source's records are on its own subjects with its own
//! gapless sequence, and the live state of each is kept apart in the buckets.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::{Gateway, GatewayConfig, GatewayError};
use support::{Nats, bucket, busy_sim, gateway_config, source, stored, until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sources_in_one_process_are_kept_apart() {
    let nats = Nats::start();
    let (sim1, sim2) = (busy_sim(10.0).await, busy_sim(10.0).await);
    let gw = Gateway::start(gateway_config(
        &nats,
        vec![source("pg1", &sim1), source("pg2", &sim2)],
    ))
    .await
    .unwrap();
    let names: Vec<&str> = gw.sources().iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["pg1", "pg2"]);
    let (m1, m2) = (
        gw.sources()[0].metrics.clone(),
        gw.sources()[1].metrics.clone(),
    );
    until("events from both", || {
        m1.events_in().values().sum::<u64>() >= 100 && m2.events_in().values().sum::<u64>() >= 100
    })
    .await;
    sim1.handle().set_traffic(0.0);
    sim2.handle().set_traffic(0.0);
    gw.stop(Duration::from_secs(20)).await;

    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let records = stored(&js.get_stream("CTI").await.unwrap()).await;
    for (name, m) in [("pg1", &m1), ("pg2", &m2)] {
        let mine: Vec<_> = records
            .iter()
            .filter(|r| r.subject.starts_with(&format!("cti.{name}.")))
            .collect();
        assert!(mine.iter().all(|r| r.headers["Cti-Source"] == name));
        let seqs: Vec<u64> = mine.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, (1..=mine.len() as u64).collect::<Vec<_>>(), "{name}");
        let events = mine
            .iter()
            .filter(|r| r.subject.contains(".event."))
            .count();
        assert_eq!(events as u64, m.events_in().values().sum::<u64>(), "{name}");
        let agents = bucket(&js, "cti_agents", name).await;
        assert!(!agents.is_empty(), "{name}");
        assert!(agents.keys().all(|k| k.starts_with(&format!("{name}."))));
    }
    sim1.shutdown().await;
    sim2.shutdown().await;
}

#[tokio::test]
async fn a_bad_configuration_or_an_unreachable_nats_is_a_clear_error() {
    let err = Gateway::start(GatewayConfig::default()).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "gateway configuration: no [[source]]: name at least one CTI Server pair"
    );
    // Nothing listens on this port (it was free a moment ago): the start says where and why.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let sim = busy_sim(0.0).await;
    let mut cfg = GatewayConfig::default();
    cfg.nats.url = format!("nats://127.0.0.1:{port}");
    cfg.sources.push(source("pg1", &sim));
    let err = Gateway::start(cfg).await.unwrap_err();
    assert!(matches!(err, GatewayError::Nats { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("NATS at nats://127.0.0.1:{port}: ")),
        "{text}"
    );
    assert!(text.to_lowercase().contains("refused"), "{text}");
    sim.shutdown().await;
}
