//! The gateway against the duplex simulator and a real nats-server: every event of a run arrives once, in
//! order, with a gapless `Cti-Seq`; the KV buckets equal the model rebuilt from the published events.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use cti_gateway::subjects::{agent_key, call_key};
use cti_model::Model;
use support::{Nats, bucket, busy_sim, gateway_config, message_of, source, stored, until};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_arrives_once_in_order_and_kv_equals_the_model() {
    let nats = Nats::start();
    let sim = busy_sim(20.0).await;
    let gw = Gateway::start(gateway_config(&nats, vec![source("pg1", &sim)]))
        .await
        .unwrap();
    let metrics = gw.sources()[0].metrics.clone();
    until("300 events", || {
        metrics.events_in().values().sum::<u64>() >= 300
    })
    .await;
    sim.handle().set_traffic(0.0);
    // Calls in progress go on ending; stop while some are still live, so KV holds some.
    gw.stop(Duration::from_secs(20)).await;
    let events_in = metrics.events_in();

    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = jetstream::new(client);
    let stream = js.get_stream("CTI").await.unwrap();
    let records = stored(&stream).await;

    // Cti-Seq 1..=N in stream order, no holes, no repeats; headers as documented.
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=records.len() as u64).collect::<Vec<_>>());
    for r in &records {
        assert_eq!(r.headers["Cti-Source"], "pg1");
        assert_eq!(r.headers["Nats-Msg-Id"], format!("cti:pg1:{}", r.seq));
        assert_eq!(r.headers["Cti-Version"], "24");
        let (session, side) = if r.seq == 1 { ("0", "-") } else { ("1", "A") };
        assert_eq!(r.headers["Cti-Session"], session, "{r:?}");
        assert_eq!(r.headers["Cti-Side"], side, "{r:?}");
        let t = &r.headers["Cti-Received"];
        assert_eq!(t.len(), "2026-12-04T18:08:18.123456Z".len(), "{t}");
        assert!(t.ends_with('Z'));
        assert_eq!(r.body["cti_seq"], r.seq);
        assert_eq!(r.body["source"], "pg1");
    }
    assert_eq!(records[0].subject, "cti.pg1.session.connecting");
    assert_eq!(records[1].subject, "cti.pg1.session.connected");

    // Every event received from the CTI Server is published once, on its subject.
    let mut published: BTreeMap<String, u64> = BTreeMap::new();
    for r in records
        .iter()
        .filter(|r| r.subject.starts_with("cti.pg1.event."))
    {
        let name = r.subject.trim_start_matches("cti.pg1.event.");
        assert_eq!(r.body["type"], name);
        *published.entry(name.to_owned()).or_default() += 1;
    }
    assert_eq!(published, events_in);
    assert!(published["BEGIN_CALL_EVENT"] >= 10, "{published:?}");

    // The live state: a model rebuilt from the published events equals the KV buckets.
    let mut model = Model::default();
    let mut changes = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.subject.starts_with("cti.pg1.event."))
    {
        model.apply(&message_of(&r.body), Duration::ZERO, &mut changes);
    }
    let calls = bucket(&js, "cti_calls", "pg1").await;
    let want: BTreeSet<String> = model.calls().map(|c| call_key("pg1", &c.key)).collect();
    assert_eq!(calls.keys().cloned().collect::<BTreeSet<_>>(), want);
    for c in model.calls() {
        let v = &calls[&call_key("pg1", &c.key)];
        assert_eq!(v["ani"], serde_json::to_value(&c.ani).unwrap());
        assert_eq!(
            v["call_variables"],
            serde_json::to_value(&c.call_variables).unwrap()
        );
        assert_eq!(v["state"], serde_json::to_value(c.state).unwrap());
    }
    let agents = bucket(&js, "cti_agents", "pg1").await;
    let want: BTreeSet<String> = model
        .agents()
        .map(|a| agent_key("pg1", &a.agent_id))
        .collect();
    assert!(!want.is_empty());
    assert_eq!(agents.keys().cloned().collect::<BTreeSet<_>>(), want);
    for a in model.agents() {
        assert_eq!(
            agents[&agent_key("pg1", &a.agent_id)]["state"],
            serde_json::to_value(a.state).unwrap()
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_consumer_reconstructs_exactly_the_state_of_an_early_one() {
    use cti_gateway::follow::{Applied, LiveState};
    let nats = Nats::start();
    let sim = busy_sim(20.0).await;
    let gw = Gateway::start(gateway_config(&nats, vec![source("pg1", &sim)]))
        .await
        .unwrap();
    let metrics = gw.sources()[0].metrics.clone();
    until("200 events", || {
        metrics.events_in().values().sum::<u64>() >= 200
    })
    .await;

    // A consumer that starts now, mid-run: the buckets, then the stream from the position on.
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let (mut late, from) = LiveState::load(&js, "pg1").await.unwrap();
    assert!(from > 1, "the position marker is there");
    let at_load = metrics.events_in().values().sum::<u64>();
    until("200 more events", || {
        metrics.events_in().values().sum::<u64>() >= at_load + 200
    })
    .await;
    sim.handle().set_traffic(0.0);
    gw.stop(Duration::from_secs(20)).await;

    let stream = js.get_stream("CTI").await.unwrap();
    let all = stored(&stream).await;
    // The early consumer followed everything from the first record.
    let mut early = LiveState::default();
    for (n, r) in all.iter().enumerate() {
        assert_ne!(early.apply(&r.subject, &r.body), Applied::Reload);
        if n as u64 + 1 >= from {
            assert_ne!(late.apply(&r.subject, &r.body), Applied::Reload);
        }
    }
    for (what, l, e) in [
        ("calls", &late.calls, &early.calls),
        ("agents", &late.agents, &early.agents),
    ] {
        let (lk, ek): (BTreeSet<_>, BTreeSet<_>) = (l.keys().collect(), e.keys().collect());
        assert_eq!(
            (
                lk.difference(&ek).collect::<Vec<_>>(),
                ek.difference(&lk).collect::<Vec<_>>()
            ),
            (vec![], vec![]),
            "{what}: keys only the late / only the early consumer has ({} / {})",
            lk.len(),
            ek.len()
        );
        for (k, v) in l {
            assert_eq!(v, &e[k], "{what} {k}");
        }
    }
    assert!(!early.agents.is_empty());
    // And both equal the buckets at the end.
    let calls = bucket(&js, "cti_calls", "pg1").await;
    let agents = bucket(&js, "cti_agents", "pg1").await;
    assert_eq!(early.calls, calls);
    assert_eq!(early.agents, agents);
    sim.shutdown().await;
}
