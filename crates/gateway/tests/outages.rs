//! The gateway through NATS outages, against the simulator and a real nats-server: a server killed and started
//! again loses nothing; a buffer too small for the outage yields one gap record naming exactly the records lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use cti_gateway::subjects::agent_key;
use support::proxy::Proxy;
use support::{Nats, bucket, busy_sim, gateway_config, source, stored, until};

fn events_total(m: &cti_gateway::metrics::SourceMetrics) -> u64 {
    m.events_in().values().sum()
}

/// Once NATS is back: `more` events, then the traffic stops and the gateway stops (publishing what is left).
async fn finish_after(gw: Gateway, sim: &cti_sim::Simulator, more: u64) {
    until("NATS back", || gw.nats_connected()).await;
    let m = gw.sources()[0].metrics.clone();
    let target = events_total(&m) + more;
    until("more events", || events_total(&m) >= target).await;
    sim.handle().set_traffic(0.0);
    gw.stop(Duration::from_secs(30)).await;
}

/// Every `Cti-Seq` from 1 stored once, in order; names the first records out of place.
fn assert_once_each_in_order(records: &[support::Stored]) {
    let out_of_place: Vec<(usize, u64)> = records
        .iter()
        .enumerate()
        .filter(|(i, r)| r.seq != *i as u64 + 1)
        .map(|(i, r)| (i, r.seq))
        .take(8)
        .collect();
    assert!(
        out_of_place.is_empty(),
        "once each, in order; first out of place (index, Cti-Seq): {out_of_place:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_killed_and_restarted_mid_run_loses_nothing() {
    let mut nats = Nats::start();
    let sim = busy_sim(20.0).await;
    let gw = Gateway::start(gateway_config(&nats, vec![source("pg1", &sim)]))
        .await
        .unwrap();
    let m = gw.sources()[0].metrics.clone();
    until("100 events", || events_total(&m) >= 100).await;

    // NATS goes away; the CTI session goes on receiving.
    nats.kill();
    let at_kill = events_total(&m);
    until("100 more events while NATS is down", || {
        events_total(&m) >= at_kill + 100
    })
    .await;
    assert!(!gw.nats_connected());
    nats.restart();
    finish_after(gw, &sim, 50).await;
    assert_eq!(m.gaps.get(), 0);
    assert_eq!(m.records_lost.get(), 0);

    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let records = stored(&js.get_stream("CTI").await.unwrap()).await;
    assert_once_each_in_order(&records);
    let mut published: BTreeMap<String, u64> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.subject.starts_with("cti.pg1.event."))
    {
        *published
            .entry(r.subject.trim_start_matches("cti.pg1.event.").to_owned())
            .or_default() += 1;
    }
    assert_eq!(published, m.events_in());
    sim.shutdown().await;
}

/// Records JetStream stored but whose acks never arrived (the connection broke in between) are not stored again
/// after an outage longer than the stream's duplicate window (1 s here): the publisher reads what the stream
/// holds before it sends again (`cti_gateway::stored`), where the window alone would let the repeats in under
/// the same `Cti-Seq`. A proxy swallows the server's replies, then cuts the connection for longer than the window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_stored_whose_acks_were_lost_are_not_stored_again_after_the_duplicate_window() {
    let nats = Nats::start();
    let proxy = Proxy::start(nats.addr()).await;
    let sim = busy_sim(300.0).await;
    let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
    cfg.nats.url = proxy.url();
    cfg.stream.duplicate_window_secs = 1;
    let gw = Gateway::start(cfg).await.unwrap();
    let m = gw.sources()[0].metrics.clone();
    until("200 records out", || m.records_out_total() >= 200).await;

    // The server stores what it receives; its acks are lost. Once nothing more arrives (the publisher waits
    // for the oldest ack before it takes more), the records stored beyond those acknowledged are the ones whose
    // acks were lost. When only KV writes were in flight (their acks swallowed, no record stored unacknowledged),
    // the replies flow again, the publisher recovers (its acks time out, it sends again), and the test mutes again.
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let mut stream = js.get_stream("CTI").await.unwrap();
    let mut attempts = 0;
    let unacked_stored = loop {
        proxy.mute_replies();
        let mut stored_now = 0;
        let mut still = 0;
        while still < 10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let n = stream.info().await.unwrap().state.messages;
            still = if n == stored_now { still + 1 } else { 0 };
            stored_now = n;
        }
        let unacked = stored_now - m.records_out_total();
        if unacked > 0 {
            break unacked;
        }
        attempts += 1;
        assert!(
            attempts < 5,
            "no record was ever in flight when the replies stopped"
        );
        proxy.open();
        let out = m.records_out_total();
        until("records acknowledged again", || {
            m.records_out_total() >= out + 200
        })
        .await;
    };
    assert!(proxy.swallowed() > 0);
    // The connection breaks, and stays broken well past the duplicate window (polled on the CTI events
    // received meanwhile, ≈ 600 a second).
    proxy.cut();
    let at_cut = events_total(&m);
    until("1,200 more events while NATS is unreachable", || {
        events_total(&m) >= at_cut + 1_200
    })
    .await;
    proxy.open();
    finish_after(gw, &sim, 200).await;
    assert_eq!(m.records_lost.get(), 0);

    let records = stored(&stream).await;
    assert_once_each_in_order(&records);
    assert_eq!(
        m.records_found_stored.get(),
        unacked_stored,
        "exactly the records stored without their acks were found"
    );
    assert_eq!(
        m.records_stored_ahead.get(),
        0,
        "all of them reached the server: none is ahead of a lost one"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflowing_buffer_yields_one_gap_record_with_the_range_lost() {
    let mut nats = Nats::start();
    let sim = busy_sim(30.0).await;
    let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
    cfg.buffer = 4;
    let gw = Gateway::start(cfg).await.unwrap();
    let m = gw.sources()[0].metrics.clone();
    until("50 events", || events_total(&m) >= 50).await;
    nats.kill();
    until("records dropped", || m.records_lost.get() > 0).await;
    let at_drop = events_total(&m);
    until("50 more events", || events_total(&m) >= at_drop + 50).await;
    nats.restart();
    until("a gap record queued", || m.gaps.get() >= 1).await;
    sim.handle().set_traffic(0.0);
    // The state at the end: every call over, and no event for half a second (polled, not slept).
    let src = gw.sources()[0].clone();
    let mut end = None;
    let mut quiet = 0;
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    while quiet < 25 {
        assert!(
            tokio::time::Instant::now() < give_up,
            "the run never went quiet"
        );
        let n = events_total(&m);
        let (snap, _) = src.snapshot().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        quiet = if snap.calls.is_empty() && events_total(&m) == n {
            quiet + 1
        } else {
            0
        };
        end = Some(snap);
    }
    let end = end.unwrap();
    gw.stop(Duration::from_secs(30)).await;
    assert!(m.gaps.get() >= 1);

    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let records = stored(&js.get_stream("CTI").await.unwrap()).await;
    let gaps: Vec<_> = records
        .iter()
        .filter(|r| r.subject == "cti.pg1.session.gap")
        .collect();
    assert_eq!(gaps.len() as u64, m.gaps.get());
    let mut missing = Vec::new();
    for gap in &gaps {
        let (from, to) = (
            gap.body["from_seq"].as_u64().unwrap(),
            gap.body["to_seq"].as_u64().unwrap(),
        );
        assert_eq!(gap.body["type"], "GAP");
        assert_eq!(gap.body["lost"], to + 1 - from);
        assert_eq!(gap.seq, to + 1, "a gap record follows the range it reports");
        missing.extend(from..=to);
    }
    assert_eq!(
        missing.len() as u64,
        m.records_lost.get(),
        "the ranges are exactly the records dropped"
    );
    // Every sequence number is stored once, in order, except exactly the ranges reported.
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    let last = *seqs.last().unwrap();
    let want: Vec<u64> = (1..=last).filter(|s| !missing.contains(s)).collect();
    assert_eq!(seqs, want);
    // The buckets were repaired: the keys the lost records wrote were written again, so they equal the model —
    // no call left over from the records lost, every agent in its last state.
    let calls = bucket(&js, "cti_calls", "pg1").await;
    assert_eq!(calls.keys().collect::<Vec<_>>(), Vec::<&String>::new());
    let agents = bucket(&js, "cti_agents", "pg1").await;
    let want: BTreeMap<String, serde_json::Value> = end
        .agents
        .iter()
        .map(|a| {
            (
                agent_key("pg1", &a.agent_id),
                serde_json::to_value(a.state).unwrap(),
            )
        })
        .collect();
    let got: BTreeMap<String, serde_json::Value> = agents
        .into_iter()
        .map(|(k, v)| (k, v["state"].clone()))
        .collect();
    assert_eq!(got, want);
    sim.shutdown().await;
}
