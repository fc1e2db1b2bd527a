//! The client goals measured through the whole consumer path (`cti_session::Session`: client, model,
//! reconciliation): events/s through one session into the model, event latency, the time from a side failure
//! to the next open session, reconciliation after OPEN_CONF, and model memory per tracked call. Real time, on
//! this machine: a benchmark, not a test.
//!
//! `cargo run --release -p cti-session --example session_bench [SECONDS]`

use std::time::{Duration, Instant};

use cti_client::{ClientConfig, ClientEvent};
use cti_model::{Model, ModelConfig};
use cti_proto::Message;
use cti_proto::constants::{AgentStateMask, CTI_SERVICE_ALL_EVENTS, CallMsgMask};
use cti_proto::message::BeginCallEvent;
use cti_session::{Session, SessionConfig, UpdateKind};
use cti_sim::{FailMode, Side, SimConfig, Simulator};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::args().nth(1).map_or(Ok(10), |s| s.parse())?;

    // 1. Throughput: a busy simulator, one All-Events session with everything unmasked, into the model.
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(12_000, 5000);
    cfg.traffic.calls_per_second = 20_000.0;
    cfg.traffic.ring_secs = 0.05;
    cfg.traffic.talk_min_secs = 0.2;
    cfg.traffic.talk_max_secs = 0.5;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.wrap_secs = 0.05;
    let sim = Simulator::builder().config(cfg).start().await?;
    let mut c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .services(CTI_SERVICE_ALL_EVENTS)
        .build()?;
    c.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    c.agent_state_mask = AgentStateMask::KNOWN;
    // Throughput, not back-pressure, is measured here: a queue as deep as the unbounded one of old (the default
    // 10,000 is 50 ms at this rate, and a busy second core can stall the reader that long). Overflows are printed.
    c.event_queue = 1_000_000;
    let mut session = Session::start(SessionConfig::new("bench", c))?;
    let start = Instant::now();
    let mut counted = 0u64;
    let mut measuring_since = None;
    while start.elapsed() < Duration::from_secs(secs + 2) {
        let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), session.next()).await else {
            break;
        };
        if u.message().is_some() && measuring_since.is_some() {
            counted += 1;
        }
        if measuring_since.is_none() && start.elapsed() > Duration::from_secs(2) {
            measuring_since = Some(Instant::now());
        }
    }
    let window = measuring_since
        .map_or(Duration::ZERO, |t| t.elapsed())
        .as_secs_f64()
        .max(0.001);
    println!(
        "{{\"throughput_events_per_s\": {:.0}, \"window_s\": {window:.1}, \"live_calls\": {}, \"event_overflows\": {}}}",
        f64::from(u32::try_from(counted).unwrap_or(u32::MAX)) / window,
        session.model().calls().count(),
        session.status().event_overflows
    );
    sim.handle().set_traffic(0.0);

    // 2. Failover: time from the active side's failure to the session open on the other side.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), session.next()).await {
    }
    let t = Instant::now();
    sim.handle().fail_side(Side::A, FailMode::Reset);
    let mut reconnect_ms = None;
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(10), session.next()).await {
        if let UpdateKind::Client(ClientEvent::Connected {
            side: cti_client::Side::B,
            ..
        }) = u.kind
        {
            reconnect_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
            break;
        }
    }
    println!(
        "{{\"failover_to_open_session_ms\": {:.2}}}",
        reconnect_ms.unwrap_or(f64::NAN)
    );
    session.close().await;

    // 3. Latency: probe calls started through the simulator while background traffic runs; each probe is timed
    //    from the simulator's send of its BEGIN_CALL_EVENT to the model having applied it.
    drop(sim);
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(4_000, 5000);
    cfg.traffic.calls_per_second = 2_000.0;
    cfg.traffic.ring_secs = 0.05;
    cfg.traffic.talk_min_secs = 0.2;
    cfg.traffic.talk_max_secs = 0.5;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.wrap_secs = 0.05;
    let sim = Simulator::builder().config(cfg).start().await?;
    let mut c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .services(CTI_SERVICE_ALL_EVENTS)
        .build()?;
    c.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    c.agent_state_mask = AgentStateMask::KNOWN;
    let mut session = Session::start(SessionConfig::new("bench", c))?;
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), session.next()).await {
        if matches!(u.kind, UpdateKind::Client(ClientEvent::Connected { .. })) {
            break;
        }
    }
    let probes: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u32, Instant>>> =
        std::sync::Arc::default();
    let (handle, sent) = (sim.handle(), probes.clone());
    let probe_task = tokio::spawn(async move {
        for _ in 0..2_000 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            let t0 = Instant::now();
            if let Ok(id) = handle.start_call(cti_sim::engine::CallSpec::default()) {
                sent.lock().map(|mut m| m.insert(id, t0)).ok();
            }
        }
    });
    let (mut latencies, mut events_seen) = (Vec::new(), 0u64);
    let t_start = Instant::now();
    while latencies.len() < 1_900 && t_start.elapsed() < Duration::from_secs(30) {
        let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), session.next()).await else {
            break;
        };
        if let Some(m) = u.message() {
            events_seen += 1;
            if let Message::BeginCallEvent(b) = m {
                if let Some(t0) = probes
                    .lock()
                    .ok()
                    .and_then(|mut p| p.remove(&b.connection_call_id))
                {
                    latencies.push(t0.elapsed());
                }
            }
        }
    }
    let rate =
        f64::from(u32::try_from(events_seen).unwrap_or(u32::MAX)) / t_start.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: usize| {
        latencies
            .get(latencies.len() * p / 100)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"latency_probes\": {}, \"background_events_per_s\": {rate:.0}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"max_ms\": {:.3}}}",
        latencies.len(),
        pct(50),
        pct(99),
        latencies
            .last()
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    );
    probe_task.abort();
    session.close().await;

    // 4. Reconciliation: a ClientEvents session with a call in progress; after the active side fails, the time
    //    from OPEN_CONF on the other side to the model having every call re-announced (BEGIN_CALL_EVENT).
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.talk_min_secs = 600.0;
    cfg.traffic.talk_max_secs = 600.0;
    let sim = Simulator::builder().config(cfg).start().await?;
    let c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .services(cti_proto::constants::CTI_SERVICE_CLIENT_EVENTS)
        .agent(5000, "1001")
        .build()?;
    let mut session = Session::start(SessionConfig::new("bench", c))?;
    let mut spec = cti_sim::engine::CallSpec::default();
    spec.agent_id = Some("1001".into());
    let mut started = false;
    let mut opened_at = None;
    let mut reconciled_ms = None;
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(10), session.next()).await {
        let model = session.model();
        match &u.kind {
            UpdateKind::Client(ClientEvent::Connected {
                side: cti_client::Side::A,
                ..
            }) if !started => {
                sim.handle().start_call(spec.clone())?;
                started = true;
            }
            UpdateKind::Client(ClientEvent::Connected { .. }) => opened_at = Some(Instant::now()),
            UpdateKind::Client(ClientEvent::Message(_))
                if started && opened_at.is_none() && model.calls().count() == 1 =>
            {
                sim.handle().fail_side(Side::A, FailMode::Reset);
            }
            _ => {}
        }
        if let Some(t) = opened_at {
            if model.calls().count() == 1 && model.calls().all(|c| !c.awaiting_reannouncement) {
                reconciled_ms = Some(t.elapsed().as_secs_f64() * 1000.0);
                break;
            }
        }
    }
    println!(
        "{{\"reconciled_after_open_conf_ms\": {:.3}}}",
        reconciled_ms.unwrap_or(f64::NAN)
    );
    session.close().await;
    drop(sim);

    // 5. Memory per tracked call: 15,000 calls with 10 call variables and 5 ECC variables in a fresh model.
    let before = rss_kib();
    let mut model = Model::new(ModelConfig::default());
    let mut changes = Vec::new();
    for i in 0..15_000u32 {
        let mut b = BeginCallEvent::default();
        b.peripheral_id = 5000;
        b.connection_call_id = i;
        b.connection_device_id = Some(i.to_string().as_str().into());
        b.ani = Some("4085550123".into());
        b.dnis = Some("8005551000".into());
        b.call_variable_1 = Some(format!("ACCT-{i:08}").as_str().into());
        b.call_variable_2 = Some("gold".into());
        b.call_variable_3 = Some(format!("CASE-{i}").as_str().into());
        for k in 0..5 {
            b.named_variables.push(cti_proto::NamedVariable::new(
                format!("user.var{k}").as_str(),
                "value-123",
            ));
        }
        model.apply(&Message::from(b), Duration::ZERO, &mut changes);
        changes.clear();
    }
    let after = rss_kib();
    println!(
        "{{\"calls\": {}, \"rss_delta_kib\": {}, \"bytes_per_call\": {:.0}}}",
        model.calls().count(),
        after.saturating_sub(before),
        f64::from(u32::try_from(after.saturating_sub(before) * 1024).unwrap_or(u32::MAX))
            / 15_000.0
    );
    Ok(())
}
