//! Shared by the gateway's tests: a real nats-server ([`Nats`]), a busy simulator, a source and a gateway
//! configuration, and readers of what was stored.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support"
)]

mod nats;
pub mod proxy;

use std::collections::BTreeMap;
use std::time::Duration;

use async_nats::jetstream::{self, stream::Stream};
use cti_client::ClientConfig;
use cti_gateway::{GatewayConfig, SourceConfig};
use cti_proto::Message;
use cti_proto::constants::{AgentStateMask, CTI_SERVICE_ALL_EVENTS};
use cti_sim::{Side, SimConfig, Simulator};
use futures_util::StreamExt as _;
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub use nats::Nats;

/// A simulator with short calls so that calls begin and end within a test.
pub async fn busy_sim(calls_per_second: f64) -> Simulator {
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = calls_per_second;
    cfg.traffic.ring_secs = 0.1;
    cfg.traffic.talk_min_secs = 0.3;
    cfg.traffic.talk_max_secs = 2.0;
    cfg.traffic.wrap_secs = 0.1;
    Simulator::builder().config(cfg).start().await.unwrap()
}

pub fn source(name: &str, sim: &Simulator) -> SourceConfig {
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

pub fn gateway_config(nats: &Nats, sources: Vec<SourceConfig>) -> GatewayConfig {
    let mut cfg = GatewayConfig::default();
    cfg.nats.url = nats.url();
    cfg.sources = sources;
    cfg
}

/// Waits (bounded) until `f` holds.
pub async fn until(what: &str, mut f: impl FnMut() -> bool) {
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
pub struct Stored {
    pub subject: String,
    pub seq: u64,
    pub headers: BTreeMap<String, String>,
    pub body: Value,
}

pub async fn stored(stream: &Stream) -> Vec<Stored> {
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
pub async fn bucket(js: &jetstream::Context, name: &str, source: &str) -> BTreeMap<String, Value> {
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

pub fn message_of(body: &Value) -> Message {
    let mut v = body.clone();
    let map = v.as_object_mut().unwrap();
    map.remove("source");
    map.remove("cti_seq");
    serde_json::from_value(v).unwrap()
}

/// GET `path` over HTTP/1.1: (status, body).
pub async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}
