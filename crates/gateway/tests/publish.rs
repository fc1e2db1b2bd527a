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

use async_nats::jetstream::{self, stream::Stream};
use cti_client::ClientConfig;
use cti_gateway::subjects::{agent_key, call_key};
use cti_gateway::{Gateway, GatewayConfig, SourceConfig};
use cti_model::Model;
use cti_proto::Message;
use cti_proto::constants::{AgentStateMask, CTI_SERVICE_ALL_EVENTS};
use cti_sim::{Side, SimConfig, Simulator};
use futures_util::StreamExt as _;
use serde_json::Value;
use support::Nats;

/// A simulator with short calls so that calls begin and end within a test.
async fn busy_sim(calls_per_second: f64) -> Simulator {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = calls_per_second;
    cfg.traffic.ring_secs = 0.1;
    cfg.traffic.talk_min_secs = 0.3;
    cfg.traffic.talk_max_secs = 2.0;
    cfg.traffic.wrap_secs = 0.1;
    Simulator::builder().config(cfg).start().await.unwrap()
}

fn source(name: &str, sim: &Simulator) -> SourceConfig {
    let mut c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials(&format!("gateway-{name}"), "")
        .services(CTI_SERVICE_ALL_EVENTS)
        .heartbeat_secs(5)
        .build()
        .unwrap();
    c.agent_state_mask = AgentStateMask::KNOWN;
    SourceConfig::new(name, c)
}

fn gateway_config(nats: &Nats, sources: Vec<SourceConfig>) -> GatewayConfig {
    let mut cfg = GatewayConfig::default();
    cfg.nats.url = nats.url();
    cfg.sources = sources;
    cfg
}

/// Waits (bounded) until `f` holds.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    while !f() {
        assert!(
            tokio::time::Instant::now() < give_up,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One stored record.
#[derive(Debug)]
struct Stored {
    subject: String,
    seq: u64,
    headers: BTreeMap<String, String>,
    body: Value,
}

async fn stored(stream: &Stream) -> Vec<Stored> {
    let mut stream = stream.clone();
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut out = Vec::new();
    for n in 1..=last {
        let m = stream.get_raw_message(n).await.unwrap();
        let headers: BTreeMap<String, String> = m
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    v.first().map(ToString::to_string).unwrap_or_default(),
                )
            })
            .collect();
        out.push(Stored {
            subject: m.subject.to_string(),
            seq: headers["Cti-Seq"].parse().unwrap(),
            headers,
            body: serde_json::from_slice(&m.payload).unwrap(),
        });
    }
    out
}

/// The KV values of one source (without its position marker), by key.
async fn bucket(js: &jetstream::Context, name: &str, source: &str) -> BTreeMap<String, Value> {
    let kv = js.get_key_value(name).await.unwrap();
    let mut keys = kv.keys().await.unwrap();
    let mut out = BTreeMap::new();
    while let Some(k) = keys.next().await {
        let k = k.unwrap();
        if k.starts_with(&format!("{source}.")) && !k.ends_with("._position") {
            let v = kv.get(&k).await.unwrap().unwrap();
            out.insert(k, serde_json::from_slice(&v).unwrap());
        }
    }
    out
}

fn message_of(body: &Value) -> Message {
    let mut v = body.clone();
    let map = v.as_object_mut().unwrap();
    map.remove("source");
    map.remove("cti_seq");
    serde_json::from_value(v).unwrap()
}

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
