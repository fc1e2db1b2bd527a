//! nats-server alone, with the gateway's way of publishing and nothing else on the machine: the ceiling under
//! the gateway's figures. A stream like `CTI` (file storage, the same duplicate window), records of a record's
//! size with the gateway's seven headers (a unique `Nats-Msg-Id` each), a JetStream ack for each:
//!
//! 1. as fast as the acks come, a window of 512 in flight (the gateway's publisher): publishes/s and CPU;
//! 2. paced at 9,200 publishes/s (the records of 4,600 CTI events/s, the latency measurement's load, without
//!    the KV writes): the send → ack latency.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{self, context::PublishAckFuture, stream};
use bytes::Bytes;
use futures_util::StreamExt as _;
use futures_util::stream::FuturesUnordered;
use serde_json::json;

use crate::consumer::percentiles;
use crate::procs::cpu_secs;

const WINDOW: usize = 512;

/// A record's body size (a BEGIN_CALL_EVENT's JSON is 500–700 bytes).
const BODY: usize = 600;

fn headers(seq: u64) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Nats-Msg-Id", format!("cti:bench:{seq}").as_str());
    h.insert("Cti-Source", "bench");
    h.insert("Cti-Side", "A");
    h.insert("Cti-Session", "1");
    h.insert("Cti-Seq", seq.to_string().as_str());
    h.insert("Cti-Received", "2026-12-06T04:00:00.000000Z");
    h.insert("Cti-Version", "24");
    h
}

async fn publish(
    js: &jetstream::Context,
    seq: u64,
    body: &Bytes,
) -> Result<PublishAckFuture, async_nats::Error> {
    Ok(js
        .publish_with_headers(
            "ceiling.bench.event.BEGIN_CALL_EVENT",
            headers(seq),
            body.clone(),
        )
        .await?)
}

/// Runs both measurements for `secs` each and prints a JSON line for each.
pub async fn run(url: &str, nats_pid: u32, secs: u64) -> Result<(), async_nats::Error> {
    let js = jetstream::new(async_nats::connect(url).await?);
    js.create_stream(stream::Config {
        name: "CEILING".into(),
        subjects: vec!["ceiling.>".into()],
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await?;
    let body = Bytes::from(vec![b'x'; BODY]);
    let measure = Duration::from_secs(secs);
    let mut seq = 0u64;

    // 1. As fast as the acks come.
    let (cpu_nats, cpu_self, start) = (
        cpu_secs(nats_pid),
        cpu_secs(std::process::id()),
        Instant::now(),
    );
    let mut inflight = VecDeque::new();
    let mut acked = 0u64;
    while start.elapsed() < measure {
        while inflight.len() < WINDOW {
            seq += 1;
            inflight.push_back(publish(&js, seq, &body).await?);
        }
        if let Some(ack) = inflight.pop_front() {
            ack.await?;
            acked += 1;
        }
    }
    let dt = start.elapsed().as_secs_f64();
    for ack in inflight {
        ack.await?;
    }
    println!(
        "{}",
        json!({
            "nats_alone": "window 512, an ack each",
            "publishes_acked_per_s": (acked as f64 / dt).round(),
            "cpu_percent": {"nats_server": ((cpu_secs(nats_pid) - cpu_nats) / dt * 100.0).round(),
                            "publisher": ((cpu_secs(std::process::id()) - cpu_self) / dt * 100.0).round()},
        })
    );

    // 2. Paced: 46 publishes every 5 ms.
    let (cpu_nats, start) = (cpu_secs(nats_pid), Instant::now());
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let mut pending = FuturesUnordered::new();
    let mut latencies = Vec::new();
    while start.elapsed() < measure {
        tokio::select! {
            _ = tick.tick() => {
                for _ in 0..46 {
                    seq += 1;
                    let sent = Instant::now();
                    let ack = publish(&js, seq, &body).await?;
                    pending.push(async move { ack.await.map(|_| sent.elapsed()) });
                }
            }
            Some(done) = pending.next() => {
                latencies.push(u64::try_from(done?.as_micros()).unwrap_or(u64::MAX));
            }
        }
    }
    let dt = start.elapsed().as_secs_f64();
    while let Some(done) = pending.next().await {
        latencies.push(u64::try_from(done?.as_micros()).unwrap_or(u64::MAX));
    }
    let n = latencies.len();
    let (p50, p99, max) = percentiles(latencies);
    println!(
        "{}",
        json!({
            "nats_alone": "paced",
            "publishes_per_s": (n as f64 / dt).round(),
            "ack_p50_ms": p50, "ack_p99_ms": p99, "ack_max_ms": max,
            "cpu_percent": {"nats_server": ((cpu_secs(nats_pid) - cpu_nats) / dt * 100.0).round()},
        })
    );
    Ok(())
}
