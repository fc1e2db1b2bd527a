//! The gateway benchmark (BENCHMARKS.md, "Gateway"): simulator → `cti gateway` (the release binary, in its own
//! process, as a site runs it) → JetStream (file storage, an ack for every record) → consumers, on this machine.
//!
//! ```sh
//! cargo build --release -p cti-cli && cargo run --release -p cti-gateway --example gateway_bench [SECS] [latency|ceiling]
//! ```
//!
//! Starts a nats-server with JetStream on a free loopback port (Debian's `nats-server`), the simulator in this
//! process, and prints one JSON line per measurement:
//! 0. the CTI messages per call with `cti gateway`'s default masks (to size the rest);
//! 1. latency at 5,000 events/s, probe calls timed from the simulator's send of BEGIN_CALL_EVENT to the
//!    JetStream consumer's receipt of its record;
//! 2. 100 `/ws` clients at 2,000 events/s: every record to every client, without a gap;
//! 3. sustained throughput, in steps of offered calls/s, until records are lost (a gap) or the gateway falls
//!    behind; with the CPU each process used, to name the bottleneck;
//! 4. the gateway's memory;
//! 5. leader takeover in an HA pair: SIGKILL the leader, time until the standby leads and publishes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::indexing_slicing,
    clippy::float_cmp,
    reason = "a benchmark: arithmetic on counters for printing, JSON looked up by key, counters compared as read"
)]

#[path = "../../tests/support/mod.rs"]
mod support;

mod ceiling;
mod consumer;
mod procs;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use consumer::{Probes, Seen, WsSeen, percentiles, window};
use cti_sim::engine::CallSpec;
use cti_sim::{Side, SimConfig, Simulator};
use procs::{GatewayProcess, cpu_secs, rss_mib};
use serde_json::{Value, json};

/// Counters of the source at one moment.
struct Reading {
    at: Instant,
    events_in: f64,
    records_out: f64,
    gaps: f64,
    lost: f64,
    depth: f64,
    consumer: f64,
    cpu_gateway: f64,
    cpu_nats: f64,
    cpu_bench: f64,
}

async fn read(gw: &GatewayProcess, nats_pid: u32, seen: &Seen) -> Reading {
    let s = gw.source().await.unwrap_or(Value::Null);
    let n = |k: &str| s[k].as_f64().unwrap_or(0.0);
    Reading {
        at: Instant::now(),
        events_in: n("events_in"),
        records_out: n("records_out"),
        gaps: n("gaps"),
        lost: n("records_lost"),
        depth: n("buffer_depth"),
        consumer: seen.records.load(Ordering::Relaxed) as f64,
        cpu_gateway: cpu_secs(gw.pid()),
        cpu_nats: cpu_secs(nats_pid),
        cpu_bench: cpu_secs(std::process::id()),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::args().nth(1).map_or(Ok(10), |s| s.parse())?;
    // `latency` as the second argument stops after measurement 1 (to compare changes to the p99 quickly);
    // `ceiling` measures nats-server alone instead (see `ceiling.rs`).
    let mode = std::env::args().nth(2).unwrap_or_default();
    let only_latency = mode == "latency";
    let measure = Duration::from_secs(secs);
    let nats = support::Nats::start();
    let nats_pid = nats.pid().ok_or("nats-server did not start")?;
    let url = nats.url();
    if mode == "ceiling" {
        return ceiling::run(&url, nats_pid, secs)
            .await
            .map_err(|e| e.to_string().into());
    }

    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(12_000, 5000);
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.ring_secs = 0.05;
    cfg.traffic.talk_min_secs = 0.2;
    cfg.traffic.talk_max_secs = 0.5;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.wrap_secs = 0.05;
    let sim = Simulator::builder().config(cfg).start().await?;
    let (a, b) = (sim.addr(Side::A), sim.addr(Side::B));

    let gw = GatewayProcess::start(&url, a, b, &[])?;
    gw.until_leading(Duration::from_secs(30)).await?;
    let js = jetstream::new(async_nats::connect(&url).await?);
    let probes: Probes = Arc::default();
    let seen = Arc::new(Seen::default());
    let follower = consumer::follow(js.clone(), Arc::clone(&probes), Arc::clone(&seen)).await?;

    // 0. The CTI messages per call with `cti gateway`'s default masks, to size the phases.
    sim.handle().set_traffic(500.0);
    window(Duration::from_secs(2)).await;
    let r0 = read(&gw, nats_pid, &seen).await;
    window(Duration::from_secs(3)).await;
    let r1 = read(&gw, nats_pid, &seen).await;
    let per_call =
        ((r1.events_in - r0.events_in) / r1.at.duration_since(r0.at).as_secs_f64() / 500.0)
            .max(0.1);
    println!("{}", json!({"events_per_call": per_call}));
    sim.handle().set_traffic(0.0);
    drain(&gw, nats_pid, &seen).await;

    // 1. Latency at 5,000 events/s: 200 probe calls/s and background traffic for the rest.
    sim.handle()
        .set_traffic((5_000.0 / per_call - 200.0).max(0.0));
    window(Duration::from_secs(2)).await;
    let r0 = read(&gw, nats_pid, &seen).await;
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let n_probes = secs * 200;
    for n in 0..n_probes {
        tick.tick().await;
        probes
            .lock()
            .unwrap()
            .insert(n, (Instant::now(), std::time::SystemTime::now()));
        let spec = CallSpec {
            ani: Some(format!("probe{n}")),
            ..CallSpec::default()
        };
        if sim.handle().start_call(spec).is_err() {
            probes.lock().unwrap().remove(&n);
        }
    }
    let r1 = read(&gw, nats_pid, &seen).await;
    window(Duration::from_secs(2)).await;
    let latencies = std::mem::take(&mut *seen.latencies.lock().unwrap());
    let dt = r1.at.duration_since(r0.at).as_secs_f64();
    let part = |f: fn(&consumer::Probe) -> u64| {
        let (p50, p99, max) = percentiles(latencies.iter().map(f).collect());
        json!({"p50_ms": p50, "p99_ms": p99, "max_ms": max})
    };
    let (p50, p99, max) = percentiles(latencies.iter().map(|p| p.total).collect());
    println!(
        "{}",
        json!({
            "latency_probes": latencies.len(),
            "events_in_per_s": ((r1.events_in - r0.events_in) / dt).round(),
            "p50_ms": p50, "p99_ms": p99, "max_ms": max,
            "parts": {"simulator_to_gateway": part(|p| p.to_gateway),
                      "gateway_to_stream": part(|p| p.to_stream),
                      "stream_to_consumer": part(|p| p.to_consumer)},
        })
    );
    sim.handle().set_traffic(0.0);
    drain(&gw, nats_pid, &seen).await;
    if only_latency {
        gw.kill();
        follower.abort();
        sim.shutdown().await;
        return Ok(());
    }

    // 2. 100 WebSocket clients at 2,000 events/s.
    let mut clients = Vec::new();
    for _ in 0..100 {
        let s = Arc::new(WsSeen::default());
        clients.push((consumer::ws_client(gw.http, Arc::clone(&s)).await?, s));
    }
    sim.handle().set_traffic(2_000.0 / per_call);
    window(Duration::from_secs(2)).await;
    let r0 = read(&gw, nats_pid, &seen).await;
    let c0: Vec<u64> = clients
        .iter()
        .map(|(_, s)| s.records.load(Ordering::Relaxed))
        .collect();
    window(measure).await;
    let r1 = read(&gw, nats_pid, &seen).await;
    let c1: Vec<u64> = clients
        .iter()
        .map(|(_, s)| s.records.load(Ordering::Relaxed))
        .collect();
    let per_client: Vec<u64> = c1.iter().zip(&c0).map(|(x, y)| x - y).collect();
    let dt = r1.at.duration_since(r0.at).as_secs_f64();
    println!(
        "{}",
        json!({
            "ws_clients": clients.len(),
            "events_in_per_s": ((r1.events_in - r0.events_in) / dt).round(),
            "consumer_records_in_window": r1.consumer - r0.consumer,
            "ws_records_per_client_in_window": {"min": per_client.iter().min(), "max": per_client.iter().max()},
            "ws_gaps": clients.iter().map(|(_, s)| s.gaps.load(Ordering::Relaxed)).sum::<u64>(),
            "ws_closed_by_server": clients.iter().map(|(_, s)| s.closed.load(Ordering::Relaxed)).sum::<u64>(),
            "cpu_percent": {"gateway": ((r1.cpu_gateway - r0.cpu_gateway) / dt * 100.0).round(),
                            "nats_server": ((r1.cpu_nats - r0.cpu_nats) / dt * 100.0).round(),
                            "simulator_and_clients": ((r1.cpu_bench - r0.cpu_bench) / dt * 100.0).round()},
        })
    );
    sim.handle().set_traffic(0.0);
    for (task, _) in clients {
        task.abort();
    }

    // 3. Throughput in steps of offered calls/s, last because the steps past the limit leave a backlog.
    for offered in [500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0] {
        sim.handle().set_traffic(offered);
        window(Duration::from_secs(2)).await;
        let r0 = read(&gw, nats_pid, &seen).await;
        window(measure).await;
        let r1 = read(&gw, nats_pid, &seen).await;
        let dt = r1.at.duration_since(r0.at).as_secs_f64();
        let rate = |f: fn(&Reading) -> f64| ((f(&r1) - f(&r0)) / dt).round();
        let cpu = |f: fn(&Reading) -> f64| ((f(&r1) - f(&r0)) / dt * 100.0).round();
        let lost = r1.lost - r0.lost;
        let behind = r1.depth > 1000.0;
        println!(
            "{}",
            json!({
                "offered_calls_per_s": offered,
                "events_in_per_s": rate(|r| r.events_in),
                "records_out_per_s": rate(|r| r.records_out),
                "consumer_records_per_s": rate(|r| r.consumer),
                "buffer_depth_at_end": r1.depth,
                "gaps": r1.gaps - r0.gaps,
                "records_lost": lost,
                "cpu_percent": {"gateway": cpu(|r| r.cpu_gateway), "nats_server": cpu(|r| r.cpu_nats),
                                "simulator_and_consumer": cpu(|r| r.cpu_bench)},
                "gateway_rss_mib": rss_mib(gw.pid()).0.round(),
            })
        );
        if lost > 0.0 || behind {
            break;
        }
    }
    sim.handle().set_traffic(0.0);
    drain(&gw, nats_pid, &seen).await;

    // 4. Memory of the gateway after all of the above.
    let (rss, hwm) = rss_mib(gw.pid());
    println!(
        "{}",
        json!({"gateway_rss_mib": rss.round(), "gateway_peak_rss_mib": hwm.round()})
    );
    gw.kill();

    // 5. Leader takeover: two gateways of an HA pair, the leader killed.
    sim.handle().set_traffic(1_000.0 / per_call);
    let one = GatewayProcess::start(&url, a, b, &["--ha", "one"])?;
    one.until_leading(Duration::from_secs(30)).await?;
    let two = GatewayProcess::start(&url, a, b, &["--ha", "two"])?;
    while two.source().await.is_none_or(|s| s["role"] != "standby") {
        window(Duration::from_millis(10)).await;
    }
    window(Duration::from_secs(2)).await;
    let killed = Instant::now();
    one.kill();
    let mut first_record = None;
    let mut leading = None;
    while (first_record.is_none() || leading.is_none())
        && killed.elapsed() < Duration::from_secs(60)
    {
        // A leader's first record is its session.connecting.
        let connecting = *seen.connecting_at.lock().unwrap();
        if let Some(at) = connecting.filter(|at| *at > killed) {
            first_record = Some(at.duration_since(killed).as_secs_f64());
        }
        if leading.is_none()
            && two
                .source()
                .await
                .is_some_and(|s| s["role"] == "leader" && s["connected"] == true)
        {
            leading = Some(killed.elapsed().as_secs_f64());
        }
        window(Duration::from_millis(5)).await;
    }
    println!(
        "{}",
        json!({"lease_secs": 6, "standby_leads_after_s": leading, "first_record_after_kill_s": first_record})
    );
    drop(two);
    follower.abort();
    sim.shutdown().await;
    Ok(())
}

/// Waits until the gateway's buffer is empty and the consumer receives nothing more (bounded).
async fn drain(gw: &GatewayProcess, nats_pid: u32, seen: &Seen) {
    let give_up = Instant::now() + Duration::from_secs(120);
    let mut last = f64::NAN;
    loop {
        window(Duration::from_millis(500)).await;
        let r = read(gw, nats_pid, seen).await;
        if (r.depth == 0.0 && r.consumer + r.events_in == last) || Instant::now() > give_up {
            return;
        }
        last = r.consumer + r.events_in;
    }
}
