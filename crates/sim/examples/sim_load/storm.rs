//! `storm` mode: many clients open at the same instant against side A, falling back to side B.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::FrameDecoder;
use cti_proto::constants::{
    AgentStateMask, BEGIN_CALL_MASK, E_CTI_CTI_SERVER_OFFLINE, END_CALL_MASK,
};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::BoxError;
use crate::flags::Flags;
use crate::latency::{latency_json, ms};
use crate::sampler::{ProcSampler, own_hwm_mib};
use crate::wire::{await_open_answer, close_req, connect, open_req, status_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    OpenConf,
    Failure(u32),
    /// The connection closed before any answer.
    Closed,
    /// No answer within the timeout.
    Timeout,
}

#[derive(Default)]
struct StormOutcome {
    /// (side index, answer, microseconds from OPEN_REQ to the answer).
    attempts: Vec<(usize, Answer, u64)>,
    /// Sides whose connection failed, with the error.
    connect_errors: Vec<(usize, String)>,
    connect_us: Vec<u64>,
    /// When the final answer came (since the start).
    settled_us: Option<u64>,
    opened: bool,
}

async fn storm_client(
    i: u32,
    addrs: [SocketAddr; 2],
    timeout: Duration,
    mut go: watch::Receiver<bool>,
    mut release: watch::Receiver<bool>,
    settled: Arc<AtomicU64>,
    t0: Arc<std::sync::OnceLock<Instant>>,
) -> StormOutcome {
    let mut out = StormOutcome::default();
    let _ = go.wait_for(|g| *g).await;
    let start = t0.get().copied().unwrap_or_else(Instant::now);
    let deadline = Instant::now() + timeout;
    let mut held = None;
    for (side, addr) in addrs.iter().enumerate() {
        let c0 = Instant::now();
        let mut stream = match tokio::time::timeout_at(deadline, connect(*addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                out.connect_errors.push((side, e.kind().to_string()));
                continue;
            }
            Err(_) => {
                out.connect_errors
                    .push((side, "connect timeout".to_owned()));
                continue;
            }
        };
        out.connect_us
            .push(u64::try_from(c0.elapsed().as_micros()).unwrap_or(u64::MAX));
        let Ok(req) = open_req(
            1,
            &format!("storm-{i}"),
            120,
            BEGIN_CALL_MASK | END_CALL_MASK,
            AgentStateMask(0),
        ) else {
            break;
        };
        let sent = Instant::now();
        if let Err(e) = stream.write_all(&req).await {
            out.connect_errors
                .push((side, format!("write: {}", e.kind())));
            continue;
        }
        let mut buf = BytesMut::with_capacity(4096);
        let mut frames = FrameDecoder::default();
        let mut ignored = 0;
        let answer = match tokio::time::timeout_at(
            deadline,
            await_open_answer(&mut stream, &mut buf, &mut frames, &mut ignored),
        )
        .await
        {
            Ok(Ok(Some(Ok(())))) => Answer::OpenConf,
            Ok(Ok(Some(Err(status)))) => Answer::Failure(status),
            Ok(Ok(None) | Err(_)) => Answer::Closed,
            Err(_) => Answer::Timeout,
        };
        out.attempts.push((
            side,
            answer,
            u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX),
        ));
        match answer {
            Answer::OpenConf => {
                out.opened = true;
                held = Some(stream);
                break;
            }
            Answer::Failure(s) if s == E_CTI_CTI_SERVER_OFFLINE.0 => {}
            _ => break,
        }
    }
    out.settled_us = Some(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
    settled.fetch_add(1, Ordering::Relaxed);
    if let Some(mut s) = held {
        let _ = release.wait_for(|r| *r).await;
        if let Ok(c) = close_req(2) {
            let _ = s.write_all(&c).await;
        }
    }
    out
}

pub(crate) async fn run_storm(flags: &Flags) -> Result<ExitCode, BoxError> {
    let addr_a: SocketAddr = flags.req("addr-a")?;
    let addr_b: SocketAddr = flags.req("addr-b")?;
    let count: u32 = flags.req("count")?;
    let timeout = Duration::from_secs(flags.or("timeout-secs", 30)?);
    let sampler = ProcSampler::start(flags.opt("sim-pid")?);
    let (go_tx, go_rx) = watch::channel(false);
    let (release_tx, release_rx) = watch::channel(false);
    let settled = Arc::new(AtomicU64::new(0));
    let t0 = Arc::new(std::sync::OnceLock::new());
    let mut tasks = JoinSet::new();
    for i in 0..count {
        tasks.spawn(storm_client(
            i,
            [addr_a, addr_b],
            timeout,
            go_rx.clone(),
            release_rx.clone(),
            settled.clone(),
            t0.clone(),
        ));
    }
    // Let every task reach its wait before the signal.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cpu0 = sampler.as_ref().and_then(|s| s.window_start());
    let start = Instant::now();
    let _ = t0.set(start);
    eprintln!("storm: {count} clients go");
    let _ = go_tx.send(true);
    while settled.load(Ordering::Relaxed) < u64::from(count) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let window = start.elapsed();
    let sim = sampler
        .as_ref()
        .map_or(Value::Null, |s| s.report(cpu0, window));
    let _ = release_tx.send(true);

    let mut per_side = [[0u64; 4]; 2];
    let mut failures: BTreeMap<String, u64> = BTreeMap::new();
    let mut connect_errors: BTreeMap<String, u64> = BTreeMap::new();
    let (mut open_reqs, mut conf, mut failure, mut unanswered) = (0u64, 0u64, 0u64, 0u64);
    let (mut opened, mut no_session, mut never_sent) = (0u64, 0u64, 0u64);
    let (mut answer_us, mut connect_us, mut settled_us) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(r) = tasks.join_next().await {
        let o = r?;
        if o.opened {
            opened += 1;
        } else {
            no_session += 1;
        }
        if o.attempts.is_empty() {
            never_sent += 1;
        }
        for (side, e) in &o.connect_errors {
            let name = if *side == 0 { "A" } else { "B" };
            *connect_errors.entry(format!("{name}: {e}")).or_default() += 1;
        }
        for (side, answer, us) in &o.attempts {
            open_reqs += 1;
            let slot = match answer {
                Answer::OpenConf => {
                    conf += 1;
                    answer_us.push(*us);
                    0
                }
                Answer::Failure(s) => {
                    failure += 1;
                    answer_us.push(*us);
                    *failures.entry(status_name(*s)).or_default() += 1;
                    1
                }
                Answer::Closed => {
                    unanswered += 1;
                    2
                }
                Answer::Timeout => {
                    unanswered += 1;
                    3
                }
            };
            if let Some(c) = per_side.get_mut(*side).and_then(|s| s.get_mut(slot)) {
                *c += 1;
            }
        }
        connect_us.extend(o.connect_us);
        settled_us.extend(o.settled_us);
    }
    let side_json = |s: [u64; 4]| json!({"open_conf": s[0], "failure_conf": s[1], "closed_unanswered": s[2], "timeout": s[3]});
    let [side_a, side_b] = per_side;
    let ok = unanswered == 0 && never_sent == 0;
    settled_us.sort_unstable();
    let report = json!({
        "mode": "storm",
        "addr_a": addr_a.to_string(),
        "addr_b": addr_b.to_string(),
        "clients": count,
        "timeout_secs": timeout.as_secs(),
        "open_reqs_sent": open_reqs,
        "open_conf": conf,
        "failure_conf": failure,
        "failure_by_status": failures,
        "unanswered": unanswered,
        "connect_errors": connect_errors,
        "sessions_opened": opened,
        "clients_without_session": no_session,
        "clients_never_sent": never_sent,
        "side_a": side_json(side_a),
        "side_b": side_json(side_b),
        "open_answer": latency_json(answer_us),
        "connect": latency_json(connect_us),
        "all_settled_ms": ms(settled_us.last().copied()),
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
