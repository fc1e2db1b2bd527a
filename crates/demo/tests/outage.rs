//! Issue 14, end to end on simulated time: both sides of the CTI Server go down for 12 s while the simulator's
//! traffic goes on, so calls begin (and some end) while no session is open. After the reconnect the model must
//! hold exactly the simulator's calls (`calls_lost` is measured against the simulator's own list), and the calls
//! that began unseen are surfaced as `CALL_DISCOVERED` and counted in `calls_discovered_after_outage`.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::collections::BTreeSet;
use std::time::Duration;

use cti_demo::{Demo, DemoConfig};
use cti_session::lines::kind;
use cti_sim::{FailMode, FineClock, Side};
use serde_json::Value;
use tokio::time::Instant;

/// Steps the demo until `t` (since `origin`).
async fn until(demo: &mut Demo, out: &mut Vec<Value>, origin: Instant, t: Duration) {
    while origin.elapsed() < t {
        tokio::select! {
            r = demo.step(out) => assert!(r.unwrap(), "the run ended early"),
            () = tokio::time::sleep_until(origin + t) => {}
        }
    }
}

/// The simulator's calls in progress: (id, since in seconds).
fn server_calls(demo: &Demo) -> Vec<(u32, f64)> {
    demo.sim()
        .status()
        .engine
        .calls
        .iter()
        .map(|c| (c.id, c.since))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn calls_that_begin_and_end_while_both_sides_are_down() {
    let _clock = FineClock::start();
    let origin = Instant::now();
    let mut demo = Demo::start(DemoConfig::default()).await.unwrap();
    let mut out = Vec::new();
    until(&mut demo, &mut out, origin, Duration::from_secs(15)).await;

    // Both sides down: connections refused, the session lost; the traffic goes on.
    let last_before = server_calls(&demo).iter().map(|c| c.0).max().unwrap();
    demo.sim().fail_side(Side::A, FailMode::Refuse);
    demo.sim().fail_side(Side::B, FailMode::Refuse);
    until(&mut demo, &mut out, origin, Duration::from_secs(27)).await;
    let at_restore = server_calls(&demo);
    let live_now: BTreeSet<u32> = at_restore.iter().map(|c| c.0).collect();
    let last = *live_now.iter().max().unwrap();
    let begun_and_ended = (last_before + 1..=last)
        .filter(|id| !live_now.contains(id))
        .count();
    let begun_and_live = live_now.iter().filter(|id| **id > last_before).count();
    assert!(
        begun_and_ended > 0,
        "calls began and ended during the outage"
    );
    assert!(
        begun_and_live > 0,
        "calls began during the outage and go on"
    );
    demo.sim().restore_side(Side::A);
    demo.sim().restore_side(Side::B);
    let restored = out.len();

    // Reconnect (the 17-step schedule: the attempt after the 15 s wait, at about 30 s), then 20 s of normal operation.
    let deadline = Duration::from_secs(60);
    while !out[restored..].iter().any(|v| kind(v) == "CONNECTED") {
        assert!(origin.elapsed() < deadline, "no reconnect");
        assert!(demo.step(&mut out).await.unwrap());
    }
    let reconnected = origin.elapsed();

    // Right after the reconnect's questions are answered, every call the simulator has that began before the
    // reconnect is in the model already: found at the agents' devices, not waiting for its next event.
    let answered = |out: &[Value]| {
        let asked = out[restored..]
            .iter()
            .find(|v| kind(v) == "RECONCILING_DEVICES")
            .and_then(|v| v["devices"].as_u64());
        let got = out[restored..]
            .iter()
            .filter(|v| kind(v) == "DEVICE_RECONCILED")
            .count() as u64;
        asked == Some(got)
    };
    while !answered(&out) {
        assert!(
            origin.elapsed() < reconnected + Duration::from_secs(5),
            "no answers"
        );
        assert!(demo.step(&mut out).await.unwrap());
    }
    let t = origin.elapsed() + Duration::from_millis(100);
    until(&mut demo, &mut out, origin, t).await;
    let uptime = Duration::from_millis(demo.sim().status().uptime_ms).as_secs_f64();
    let since_reconnect = origin
        .elapsed()
        .checked_sub(reconnected)
        .unwrap()
        .as_secs_f64();
    let model: BTreeSet<u32> = demo
        .model()
        .calls()
        .map(|c| c.key.connection_call_id)
        .collect();
    let missing: Vec<(u32, f64)> = server_calls(&demo)
        .into_iter()
        .filter(|(id, since)| *since < uptime - since_reconnect - 0.5 && !model.contains(id))
        .collect();
    assert_eq!(missing, [], "calls of the simulator missing from the model");

    until(
        &mut demo,
        &mut out,
        origin,
        reconnected + Duration::from_secs(20),
    )
    .await;
    let summary = demo.finish().await;

    // Ground truth: every call in progress in the simulator is in the model, and nothing else is.
    assert_eq!(summary["calls_lost"], 0, "{summary}");
    assert_eq!(summary["lost_call_ids"], serde_json::json!([]));
    assert_eq!(summary["calls_unknown_to_server"], 0, "{summary}");
    assert_eq!(
        summary["calls_live"], summary["calls_live_server"],
        "{summary}"
    );

    // The calls that began unseen were surfaced, each once, and the summary counts them.
    let discovered: Vec<&Value> = out[restored..]
        .iter()
        .filter(|v| kind(v) == "CALL_DISCOVERED")
        .collect();
    let ids: BTreeSet<u64> = discovered
        .iter()
        .map(|v| v["connection_call_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids.len(), discovered.len(), "each discovered once");
    assert!(
        discovered.len() >= begun_and_live,
        "{} discovered, {begun_and_live} began during the outage and went on",
        discovered.len()
    );
    for v in &discovered {
        assert_eq!(v["after_outage"], true, "{v}");
        let id = v["connection_call_id"].as_u64().unwrap();
        assert!(id > u64::from(last_before), "began during the outage: {v}");
        assert!(
            v["unknown"]
                .as_array()
                .unwrap()
                .contains(&"began_at".into())
        );
    }
    let by: BTreeSet<&str> = discovered
        .iter()
        .map(|v| v["by"].as_str().unwrap())
        .collect();
    assert!(by.contains("SNAPSHOT_DEVICE_CONF"), "{by:?}");
    assert_eq!(
        summary["calls_discovered_after_outage"],
        discovered.len() as u64,
        "{summary}"
    );
    // Every CALL_ENDED is of a call that began or was discovered; none was lost by the model itself.
    let known: BTreeSet<u64> = out
        .iter()
        .filter(|v| matches!(kind(v), "CALL_BEGAN" | "CALL_DISCOVERED"))
        .map(|v| v["connection_call_id"].as_u64().unwrap())
        .collect();
    for v in out.iter().filter(|v| kind(v) == "CALL_ENDED") {
        assert!(
            known.contains(&v["connection_call_id"].as_u64().unwrap()),
            "{v}"
        );
        assert_ne!(v["reason"], "lost during outage", "{v}");
    }
    assert_eq!(summary["calls_lost_during_outage"], 0);
    // The reconnect asked about the calls known before and the agents' devices.
    assert!(out[restored..].iter().any(|v| kind(v) == "RECONCILING"));
    let devices: Vec<&Value> = out[restored..]
        .iter()
        .filter(|v| kind(v) == "DEVICE_RECONCILED")
        .collect();
    let asked = out[restored..]
        .iter()
        .find(|v| kind(v) == "RECONCILING_DEVICES")
        .unwrap();
    assert_eq!(asked["devices"], devices.len() as u64);
    assert!(devices.iter().all(|v| v["error"].is_null()), "{devices:?}");
    assert_eq!(summary["conformance_all_pass"], true, "{summary}");
}
