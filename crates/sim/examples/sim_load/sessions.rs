//! `sessions` mode: many ALL_EVENTS sessions that heartbeat, each checking that every HEARTBEAT_REQ is
//! answered in time.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::FrameDecoder;
use cti_proto::constants::{AgentStateMask, BEGIN_CALL_MASK, END_CALL_MASK, MessageType};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::BoxError;
use crate::flags::Flags;
use crate::latency::latency_json;
use crate::sampler::{ProcSampler, own_hwm_mib};
use crate::wire::{
    await_open_answer, close_req, connect, first_uint, heartbeat_req, open_req, status_name,
};

struct SessionsCfg {
    addr: SocketAddr,
    count: u32,
    period: Duration,
    idle_timeout: u32,
    start: Instant,
}

#[derive(Default)]
struct SessionOutcome {
    opened: bool,
    connect_error: bool,
    failed_status: Option<u32>,
    /// The connection ended before the OPEN answer, or the answer did not come.
    open_unanswered: bool,
    hb_sent: u64,
    hb_answered: u64,
    hb_late: u64,
    hb_failed: u64,
    hb_unanswered: u64,
    events: u64,
    /// The simulator closed the connection while the session ran.
    closed_by_server: bool,
    latencies_us: Vec<u64>,
}

/// Counters the main task watches while the sessions open.
#[derive(Default)]
struct Live {
    settled: AtomicU64,
    opened: AtomicU64,
}

async fn session_task(
    i: u32,
    cfg: Arc<SessionsCfg>,
    live: Arc<Live>,
    permits: Arc<Semaphore>,
    mut stop: watch::Receiver<bool>,
) -> SessionOutcome {
    let mut out = SessionOutcome::default();
    let mut buf = BytesMut::with_capacity(4096);
    let mut frames = FrameDecoder::default();
    let opening = async {
        let _permit = permits.acquire().await.ok();
        let Ok(mut stream) = connect(cfg.addr).await else {
            return Err(true);
        };
        let req = open_req(
            1,
            &format!("load-{i}"),
            cfg.idle_timeout,
            BEGIN_CALL_MASK | END_CALL_MASK,
            AgentStateMask(0),
        )
        .map_err(|_| false)?;
        if stream.write_all(&req).await.is_err() {
            return Err(true);
        }
        match tokio::time::timeout(
            Duration::from_secs(30),
            await_open_answer(&mut stream, &mut buf, &mut frames, &mut out.events),
        )
        .await
        {
            Ok(Ok(Some(Ok(())))) => Ok(stream),
            Ok(Ok(Some(Err(status)))) => {
                out.failed_status = Some(status);
                Err(false)
            }
            _ => {
                out.open_unanswered = true;
                Err(false)
            }
        }
    };
    let opened = opening.await;
    live.settled.fetch_add(1, Ordering::Relaxed);
    let mut stream = match opened {
        Ok(s) => s,
        Err(connect_error) => {
            out.connect_error = connect_error;
            return out;
        }
    };
    out.opened = true;
    live.opened.fetch_add(1, Ordering::Relaxed);

    // Phases spread evenly over the interval, on a common time origin.
    let phase = cfg
        .period
        .mul_f64(f64::from(i) / f64::from(cfg.count.max(1)));
    let mut next = cfg.start + phase;
    let now = Instant::now();
    while next <= now {
        next += cfg.period;
    }
    let mut invoke: u32 = 1;
    let mut outstanding: VecDeque<(u32, Instant)> = VecDeque::new();
    let mut stopping = false;
    let mut grace_end = Instant::now();
    loop {
        if *stop.borrow() && !stopping {
            stopping = true;
            grace_end = Instant::now() + cfg.period;
        }
        if stopping && outstanding.is_empty() {
            break;
        }
        tokio::select! {
            r = stream.read_buf(&mut buf) => {
                if !matches!(r, Ok(n) if n > 0) {
                    out.closed_by_server = true;
                    break;
                }
                let now = Instant::now();
                loop {
                    let f = match frames.decode(&mut buf) {
                        Ok(Some(f)) => f,
                        Ok(None) => break,
                        Err(_) => {
                            out.closed_by_server = true;
                            break;
                        }
                    };
                    match f.message_type {
                        MessageType::HEARTBEAT_CONF | MessageType::FAILURE_CONF => {
                            let id = first_uint(&f);
                            if let Some(pos) = outstanding.iter().position(|(x, _)| Some(*x) == id) {
                                if let Some((_, sent)) = outstanding.remove(pos) {
                                    if f.message_type == MessageType::FAILURE_CONF {
                                        out.hb_failed += 1;
                                    } else {
                                        let rtt = now - sent;
                                        out.hb_answered += 1;
                                        if rtt > cfg.period {
                                            out.hb_late += 1;
                                        }
                                        out.latencies_us
                                            .push(u64::try_from(rtt.as_micros()).unwrap_or(u64::MAX));
                                    }
                                }
                            }
                        }
                        _ => out.events += 1,
                    }
                }
                if out.closed_by_server {
                    break;
                }
            }
            () = tokio::time::sleep_until(next), if !stopping => {
                invoke = invoke.wrapping_add(1);
                let Ok(hb) = heartbeat_req(invoke) else { break };
                if stream.write_all(&hb).await.is_err() {
                    out.closed_by_server = true;
                    break;
                }
                out.hb_sent += 1;
                outstanding.push_back((invoke, Instant::now()));
                next += cfg.period;
            }
            () = tokio::time::sleep_until(grace_end), if stopping => break,
            _ = stop.changed(), if !stopping => {}
        }
    }
    out.hb_unanswered = u64::try_from(outstanding.len()).unwrap_or(u64::MAX);
    if !out.closed_by_server {
        if let Ok(c) = close_req(invoke.wrapping_add(1)) {
            let _ = stream.write_all(&c).await;
        }
    }
    out
}

pub(crate) async fn run_sessions(flags: &Flags) -> Result<ExitCode, BoxError> {
    let addr: SocketAddr = flags.req("addr")?;
    let count: u32 = flags.req("count")?;
    let hb_secs: u32 = flags.req("heartbeat-secs")?;
    let duration = Duration::from_secs(flags.req("duration-secs")?);
    let concurrency: usize = flags.or("open-concurrency", 256)?;
    let sampler = ProcSampler::start(flags.opt("sim-pid")?);
    let cfg = Arc::new(SessionsCfg {
        addr,
        count,
        period: Duration::from_secs(u64::from(hb_secs)),
        idle_timeout: hb_secs.saturating_mul(4),
        start: Instant::now(),
    });
    let live = Arc::new(Live::default());
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    for i in 0..count {
        tasks.spawn(session_task(
            i,
            cfg.clone(),
            live.clone(),
            permits.clone(),
            stop_rx.clone(),
        ));
    }
    let t0 = Instant::now();
    while live.settled.load(Ordering::Relaxed) < u64::from(count) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let open_secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "sessions: {} of {count} open after {open_secs:.1} s; running {} s",
        live.opened.load(Ordering::Relaxed),
        duration.as_secs()
    );
    let cpu0 = sampler.as_ref().and_then(|s| s.window_start());
    let w0 = Instant::now();
    tokio::time::sleep(duration).await;
    let window = w0.elapsed();
    let sim = sampler
        .as_ref()
        .map_or(Value::Null, |s| s.report(cpu0, window));
    let _ = stop_tx.send(true);

    let mut total = SessionOutcome::default();
    let mut failed: BTreeMap<String, u64> = BTreeMap::new();
    let mut latencies = Vec::new();
    let (mut opened, mut connect_errors, mut open_unanswered, mut closed) =
        (0u64, 0u64, 0u64, 0u64);
    while let Some(r) = tasks.join_next().await {
        let o = r?;
        opened += u64::from(o.opened);
        connect_errors += u64::from(o.connect_error);
        open_unanswered += u64::from(o.open_unanswered);
        closed += u64::from(o.closed_by_server);
        if let Some(s) = o.failed_status {
            *failed.entry(status_name(s)).or_default() += 1;
        }
        total.hb_sent += o.hb_sent;
        total.hb_answered += o.hb_answered;
        total.hb_late += o.hb_late;
        total.hb_failed += o.hb_failed;
        total.hb_unanswered += o.hb_unanswered;
        total.events += o.events;
        latencies.extend(o.latencies_us);
    }
    let ok = opened == u64::from(count)
        && total.hb_unanswered == 0
        && total.hb_failed == 0
        && total.hb_late == 0
        && closed == 0;
    let report = json!({
        "mode": "sessions",
        "addr": addr.to_string(),
        "count": count,
        "heartbeat_secs": hb_secs,
        "idle_timeout": cfg.idle_timeout,
        "open_secs": (open_secs * 10.0).round() / 10.0,
        "duration_secs": window.as_secs_f64().round(),
        "opened": opened,
        "failed": failed,
        "connect_errors": connect_errors,
        "open_unanswered": open_unanswered,
        "closed_by_server": closed,
        "heartbeats_sent": total.hb_sent,
        "heartbeats_answered": total.hb_answered,
        "heartbeats_late": total.hb_late,
        "heartbeats_failed": total.hb_failed,
        "heartbeats_unanswered": total.hb_unanswered,
        "heartbeat_rtt": latency_json(latencies),
        "events_received": total.events,
        "sim": sim,
        "load_hwm_mib": own_hwm_mib(),
        "ok": ok,
    });
    println!("{report}");
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
