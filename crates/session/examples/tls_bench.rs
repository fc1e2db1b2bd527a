//! TLS against plain TCP, in one run on this machine (real time, a benchmark, not a test): events/s through one
//! session into the model, the time from starting a client to its open session (TCP connect, the TLS handshake
//! when on, OPEN_REQ / OPEN_CONF), and the time from a side failure to the session open on the other side. The
//! TLS runs use mutual TLS with throwaway certificates (ECDSA P-256, TLS 1.2 as the CTI Server's secured ports).
//!
//! `cargo run --release -p cti-session --example tls_bench [SECONDS]`

use std::time::{Duration, Instant};

use cti_client::{ClientConfig, ClientEvent, TlsConfig};
use cti_proto::constants::{AgentStateMask, CTI_SERVICE_ALL_EVENTS, CallMsgMask};
use cti_session::{Session, SessionConfig, UpdateKind};
use cti_sim::config::ServeTls;
use cti_sim::tls::pki::SelfSignedFiles;
use cti_sim::{FailMode, Side, SimConfig, Simulator};

/// A simulator on loopback with `traffic` calls/s, both sides serving mutual TLS with `pki` when given.
async fn sim(traffic: f64, pki: Option<&SelfSignedFiles>) -> std::io::Result<Simulator> {
    let mut cfg = SimConfig::loopback();
    cfg.agents = cti_sim::config::default_agents(12_000, 5000);
    cfg.traffic.calls_per_second = traffic;
    cfg.traffic.ring_secs = 0.05;
    cfg.traffic.talk_min_secs = 0.2;
    cfg.traffic.talk_max_secs = 0.5;
    cfg.traffic.hold_probability = 0.0;
    cfg.traffic.wrap_secs = 0.05;
    if let Some(f) = pki {
        let serve = ServeTls {
            cert: f.server_cert.clone(),
            key: f.server_key.clone(),
            client_ca: Some(f.ca.clone()),
        };
        cfg.tls_a = Some(serve.clone());
        cfg.tls_b = Some(serve);
    }
    Simulator::builder().config(cfg).start().await
}

/// An All-Events client of both sides with everything unmasked, over mutual TLS with `pki` when given.
fn client(
    sim: &Simulator,
    pki: Option<&SelfSignedFiles>,
) -> Result<ClientConfig, Box<dyn std::error::Error>> {
    let mut c = ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .services(CTI_SERVICE_ALL_EVENTS)
        .build()?;
    c.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    c.agent_state_mask = AgentStateMask::KNOWN;
    c.tls = pki.map(|f| TlsConfig {
        ca: Some(f.ca.clone()),
        cert: Some(f.client_cert.clone()),
        key: Some(f.client_key.clone()),
        ..TlsConfig::default()
    });
    Ok(c)
}

/// Waits for the session's `Connected` on `side`; the time it took, or none.
async fn connected(session: &mut Session, side: cti_client::Side) -> Option<Instant> {
    while let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(10), session.next()).await {
        if let UpdateKind::Client(ClientEvent::Connected { side: s, .. }) = u.kind {
            if s == side {
                return Some(Instant::now());
            }
        }
    }
    None
}

/// Median of the times from `Session::start` to an open session, over `n` sessions, in ms.
async fn open_ms(
    n: usize,
    pki: Option<&SelfSignedFiles>,
) -> Result<f64, Box<dyn std::error::Error>> {
    let sim = sim(0.0, pki).await?;
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t0 = Instant::now();
        let mut session = Session::start(SessionConfig::new("bench", client(&sim, pki)?))?;
        if let Some(t) = connected(&mut session, cti_client::Side::A).await {
            times.push(t.duration_since(t0).as_secs_f64() * 1000.0);
        }
        session.close().await;
    }
    times.sort_by(f64::total_cmp);
    Ok(times.get(times.len() / 2).copied().unwrap_or(f64::NAN))
}

/// Events/s into the model over `secs` after 2 s of warm-up, then the failover time to side B, in ms.
async fn throughput_and_failover(
    secs: u64,
    pki: Option<&SelfSignedFiles>,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let sim = sim(20_000.0, pki).await?;
    let mut session = Session::start(SessionConfig::new("bench", client(&sim, pki)?))?;
    let start = Instant::now();
    let (mut counted, mut since) = (0_u64, None);
    while start.elapsed() < Duration::from_secs(secs + 2) {
        let Ok(Some(u)) = tokio::time::timeout(Duration::from_secs(5), session.next()).await else {
            break;
        };
        if u.message().is_some() && since.is_some() {
            counted += 1;
        }
        if since.is_none() && start.elapsed() > Duration::from_secs(2) {
            since = Some(Instant::now());
        }
    }
    let window = since
        .map_or(Duration::ZERO, |t| t.elapsed())
        .as_secs_f64()
        .max(0.001);
    let rate = f64::from(u32::try_from(counted).unwrap_or(u32::MAX)) / window;
    sim.handle().set_traffic(0.0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(200), session.next()).await {
    }
    let t = Instant::now();
    sim.handle().fail_side(Side::A, FailMode::Reset);
    let failover = connected(&mut session, cti_client::Side::B)
        .await
        .map_or(f64::NAN, |at| at.duration_since(t).as_secs_f64() * 1000.0);
    session.close().await;
    Ok((rate, failover))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::args().nth(1).map_or(Ok(10), |s| s.parse())?;
    let dir = std::env::temp_dir().join(format!("ctikit-tls-bench-{}", std::process::id()));
    let pki = cti_sim::tls::pki::write_self_signed(&dir)?;
    let (plain_rate, plain_failover) = throughput_and_failover(secs, None).await?;
    let (tls_rate, tls_failover) = throughput_and_failover(secs, Some(&pki)).await?;
    let plain_open = open_ms(50, None).await?;
    let tls_open = open_ms(50, Some(&pki)).await?;
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{{\"plain_events_per_s\": {plain_rate:.0}, \"tls_events_per_s\": {tls_rate:.0}, \"tls_over_plain\": {:.3}}}",
        tls_rate / plain_rate
    );
    println!(
        "{{\"plain_open_session_ms_p50\": {plain_open:.2}, \"tls_open_session_ms_p50\": {tls_open:.2}, \"tls_handshake_ms\": {:.2}}}",
        tls_open - plain_open
    );
    println!(
        "{{\"plain_failover_to_open_session_ms\": {plain_failover:.2}, \"tls_failover_to_open_session_ms\": {tls_failover:.2}}}"
    );
    Ok(())
}
