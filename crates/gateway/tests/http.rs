//! The gateway's HTTP endpoints against the simulator and a real nats-server: health follows the CTI session
//! and NATS, the sources, calls, agents and metrics read as documented.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::time::Duration;

use cti_gateway::Gateway;
use cti_sim::{FailMode, Side};
use serde_json::Value;
use support::{Nats, busy_sim, gateway_config, get, source, until};

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_sources_calls_agents_and_metrics() {
    let mut nats = Nats::start();
    let sim = busy_sim(10.0).await;
    let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
    cfg.http = Some("127.0.0.1:0".into());
    let gw = Gateway::start(cfg).await.unwrap();
    let addr = gw.http_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let m = gw.sources()[0].metrics.clone();
    until("events", || m.events_in().values().sum::<u64>() >= 50).await;

    assert_eq!(
        get(addr, "/health").await,
        (200, r#"{"status":"ready"}"#.to_owned())
    );
    let (status, body) = get(addr, "/sources").await;
    assert_eq!(status, 200);
    let v = json(&body);
    assert_eq!(v["nats_connected"], true);
    assert_eq!(v["sources"][0]["name"], "pg1");
    assert_eq!(v["sources"][0]["connected"], true);
    assert_eq!(v["sources"][0]["side"], "A");

    let (status, body) = get(addr, "/agents?source=pg1").await;
    assert_eq!(status, 200);
    assert!(!json(&body)["pg1"].as_array().unwrap().is_empty());
    let (status, body) = get(addr, "/calls").await;
    assert_eq!(status, 200);
    let calls = json(&body);
    assert!(calls["pg1"].is_array());
    assert_eq!(
        calls.as_object().map(serde_json::Map::len),
        Some(1),
        "{body}"
    );
    assert_eq!(get(addr, "/calls?source=nope").await.0, 404);

    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.lines().any(|l| l == "cti_gateway_nats_connected 1"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l
            .starts_with("cti_gateway_events_in_total{source=\"pg1\",type=\"BEGIN_CALL_EVENT\"} ")),
        "{text}"
    );

    // Without NATS, or without a CTI session, the gateway is not ready and says why.
    nats.kill();
    until("NATS gone", || !gw.nats_connected()).await;
    let (status, body) = get(addr, "/health").await;
    assert_eq!(status, 503);
    assert_eq!(
        json(&body)["reasons"],
        serde_json::json!(["NATS is not connected"])
    );
    nats.restart();
    until("NATS back", || gw.nats_connected()).await;
    sim.handle().fail_side(Side::A, FailMode::Reset);
    sim.handle().fail_side(Side::B, FailMode::Reset);
    until("the CTI session lost", || {
        !gw.sources()[0].status().connected
    })
    .await;
    let (status, body) = get(addr, "/health").await;
    assert_eq!(status, 503);
    assert_eq!(
        json(&body)["reasons"],
        serde_json::json!(["pg1: no CTI session open"])
    );
    gw.stop(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
