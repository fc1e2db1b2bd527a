//! The workspace end to end, on simulated time: `cti demo`'s engine (simulator, client, model) runs headless for
//! 30 virtual seconds with a failover every 8 s; the JSON lines must show calls beginning and ending, each
//! failover survived on the other side, the model reconciled with nothing lost (against the simulator's own
//! calls), and the simulator's conformance report passing every check.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::HashSet;
use std::time::Duration;

use cti_demo::{Demo, DemoConfig};
use cti_session::lines::kind;
use cti_sim::FineClock;
use serde_json::Value;

/// Runs a demo to its end; every line, then the SUMMARY.
async fn run(cfg: DemoConfig) -> (Vec<Value>, Value) {
    let _clock = FineClock::start();
    let mut demo = Demo::start(cfg).await.unwrap();
    let mut out = Vec::new();
    while demo.step(&mut out).await.unwrap() {}
    let summary = demo.finish().await;
    (out, summary)
}

fn config(secs: u64, failover_every: Option<u64>) -> DemoConfig {
    let mut cfg = DemoConfig::default();
    cfg.duration = Some(Duration::from_secs(secs));
    cfg.failover_every = failover_every.map(Duration::from_secs);
    cfg
}

fn of_kind<'a>(lines: &'a [Value], k: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| kind(v) == k).collect()
}

#[tokio::test(start_paused = true)]
async fn thirty_seconds_with_a_failover_every_eight() {
    let started = tokio::time::Instant::now();
    let (lines, summary) = run(config(30, Some(8))).await;
    // Simulated time: exactly the duration passed (plus the CLOSE handshake, which takes no time here).
    assert_eq!(started.elapsed().as_secs(), 30);

    // Calls begin and end, and every CALL_ENDED is of a call that began.
    let began: HashSet<u64> = of_kind(&lines, "CALL_BEGAN")
        .iter()
        .map(|v| v["connection_call_id"].as_u64().unwrap())
        .collect();
    assert!(
        began.len() >= 30,
        "about 2 calls/s for 30 s: {}",
        began.len()
    );
    let ended = of_kind(&lines, "CALL_ENDED");
    assert!(!ended.is_empty());
    // (A call that began in the few milliseconds of a failover is discovered instead: CALL_DISCOVERED.)
    let discovered: HashSet<u64> = of_kind(&lines, "CALL_DISCOVERED")
        .iter()
        .map(|v| v["connection_call_id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        summary["calls_discovered_after_outage"],
        discovered.len() as u64
    );
    for v in &ended {
        let id = v["connection_call_id"].as_u64().unwrap();
        assert!(began.contains(&id) || discovered.contains(&id), "{v}");
        assert_ne!(v["reason"], "lost during outage", "{v}");
    }

    // Failovers at 8, 16 and 24 s; each: FAILOVER_INJECTED, DISCONNECTED from that side, CONNECTED on the other.
    let sides: Vec<(String, String)> = lines
        .iter()
        .filter(|v| matches!(kind(v), "FAILOVER_INJECTED" | "DISCONNECTED" | "CONNECTED"))
        .map(|v| {
            let side = v.get("side").or_else(|| v.get("failed_side")).unwrap();
            (kind(v).to_owned(), side.as_str().unwrap().to_owned())
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("CONNECTED", "A"),
        ("FAILOVER_INJECTED", "A"),
        ("DISCONNECTED", "A"),
        ("CONNECTED", "B"),
        ("FAILOVER_INJECTED", "B"),
        ("DISCONNECTED", "B"),
        ("CONNECTED", "A"),
        ("FAILOVER_INJECTED", "A"),
        ("DISCONNECTED", "A"),
        ("CONNECTED", "B"),
    ]
    .iter()
    .map(|(k, s)| ((*k).to_owned(), (*s).to_owned()))
    .collect();
    assert_eq!(sides, expected);

    // After each reconnect the calls the model had were asked about, and every answer settled one.
    let reconciled = of_kind(&lines, "CALL_RECONCILED");
    let asked: u64 = of_kind(&lines, "RECONCILING")
        .iter()
        .map(|v| v["calls"].as_u64().unwrap())
        .sum();
    assert!(asked > 0, "calls were in progress at some failover");
    assert_eq!(reconciled.len() as u64, asked);
    for v in &reconciled {
        assert_ne!(v["outcome"], "unsettled", "{v}");
    }

    // The summary agrees with the lines.
    assert_eq!(kind(&summary), "SUMMARY");
    assert_eq!(summary["failovers"], 3);
    assert_eq!(summary["failovers_survived"], 3);
    for ms in summary["reconnect_ms"].as_array().unwrap() {
        assert!(ms.as_f64().unwrap() < 100.0, "{summary}");
    }
    assert_eq!(summary["calls_lost"], 0, "no call lost from the model");
    assert_eq!(summary["calls_began"], began.len() as u64);
    assert_eq!(summary["calls_ended"], ended.len() as u64);
    let confirmed = reconciled
        .iter()
        .filter(|v| v["outcome"] == "continues" && v["applied"] == true)
        .count();
    assert_eq!(summary["calls_confirmed"], confirmed as u64);
    assert_eq!(summary["conformance_all_pass"], true, "{summary}");
    let checks: Vec<&str> = summary["conformance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "invoke_ids_unique",
            "heartbeat_interval",
            "message_masks",
            "side_selection",
            "close_before_leaving",
            "open_before_requests"
        ]
    );
    let events: u64 = summary["events_by_type"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(summary["events"], events);
    let messages = lines.iter().filter(|v| kind(v).ends_with("_EVENT")).count() as u64;
    assert_eq!(events, messages, "every server message became one line");
}

#[tokio::test(start_paused = true)]
async fn with_longer_sessions_every_check_is_observed_and_passes() {
    // Sessions of 12 s: long enough for two heartbeats each (the client sends one after each 5 s of its own
    // silence), and two failovers for the side-selection check.
    let (lines, summary) = run(config(30, Some(12))).await;
    assert_eq!(of_kind(&lines, "DISCONNECTED").len(), 2);
    assert_eq!(of_kind(&lines, "CONNECTED").len(), 3);
    let results: Vec<(&str, &str)> = summary["conformance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["result"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [
            ("invoke_ids_unique", "pass"),
            ("heartbeat_interval", "pass"),
            ("message_masks", "pass"),
            ("side_selection", "pass"),
            ("close_before_leaving", "pass"),
            ("open_before_requests", "pass")
        ],
        "{summary}"
    );
    let heartbeat = summary["conformance"][1]["summary"].as_str().unwrap();
    assert!(heartbeat.starts_with("heartbeat every 5.0"), "{heartbeat}");
    assert_eq!(summary["failovers_survived"], 2);
    assert_eq!(summary["calls_lost"], 0);
}

#[tokio::test(start_paused = true)]
async fn the_demo_over_mutual_tls_survives_its_failovers() {
    let mut cfg = config(20, Some(8));
    cfg.tls = true;
    let (lines, summary) = run(cfg).await;
    assert_eq!(summary["tls"], true);
    assert_eq!(summary["failovers"], 2);
    assert_eq!(summary["failovers_survived"], 2, "{summary}");
    for ms in summary["reconnect_ms"].as_array().unwrap() {
        assert!(ms.as_f64().unwrap() < 100.0, "{summary}");
    }
    assert_eq!(summary["calls_lost"], 0, "{summary}");
    assert!(!of_kind(&lines, "CALL_BEGAN").is_empty());
    assert_eq!(summary["conformance_all_pass"], true, "{summary}");
    let dir = std::env::temp_dir().join(format!("ctikit-demo-tls-{}", std::process::id()));
    assert!(!dir.exists(), "the throwaway certificates are gone");
}
