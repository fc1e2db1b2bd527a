//! `events` mode: one ALL_EVENTS session with everything unmasked, counting what it receives per second.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::constants::{AgentStateMask, CallMsgMask, MessageType};
use cti_proto::{FrameDecoder, Message};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use crate::BoxError;
use crate::flags::Flags;
use crate::latency::ms;
use crate::sampler::ProcSampler;
use crate::wire::{VERSION, await_open_answer, connect, heartbeat_req, open_req, status_name};

/// Read buffer of an event session.
const BIG_READ: usize = 4 * 1024 * 1024;

pub(crate) async fn run_events(flags: &Flags) -> Result<ExitCode, BoxError> {
    let addr: SocketAddr = flags.req("addr")?;
    let duration = Duration::from_secs(flags.req("duration-secs")?);
    let warmup = Duration::from_secs(flags.or("warmup-secs", 0)?);
    let decode = flags.or("decode", false)?;
    let sampler = ProcSampler::start(flags.opt("sim-pid")?);

    let mut stream = connect(addr).await?;
    let req = open_req(
        1,
        "load-events",
        20,
        CallMsgMask::KNOWN,
        AgentStateMask::KNOWN,
    )?;
    stream.write_all(&req).await?;
    let mut buf = BytesMut::with_capacity(BIG_READ);
    let mut frames = FrameDecoder::default();
    let mut opening_events = 0;
    match tokio::time::timeout(
        Duration::from_secs(30),
        await_open_answer(&mut stream, &mut buf, &mut frames, &mut opening_events),
    )
    .await
    {
        Ok(Ok(Some(Ok(())))) => {}
        Ok(Ok(Some(Err(status)))) => {
            return Err(format!("OPEN_REQ refused: {}", status_name(status)).into());
        }
        Ok(Ok(None)) => return Err("connection closed before OPEN_CONF".into()),
        Ok(Err(e)) => return Err(e),
        Err(_) => return Err("no OPEN_CONF within 30 s".into()),
    }
    let (mut rd, mut wr) = stream.into_split();
    let heartbeats = tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.tick().await;
        let mut invoke: u32 = 1;
        loop {
            tick.tick().await;
            invoke = invoke.wrapping_add(1);
            let Ok(hb) = heartbeat_req(invoke) else {
                return;
            };
            if wr.write_all(&hb).await.is_err() {
                return;
            }
        }
    });

    eprintln!(
        "events: session open; warm-up {} s, then {} s measured",
        warmup.as_secs(),
        duration.as_secs()
    );
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let mut cpu0 = None;
    let mut measuring = warmup.is_zero();
    if measuring {
        cpu0 = sampler.as_ref().and_then(|s| s.window_start());
    }
    let mut per_second: Vec<u64> = Vec::new();
    let mut second_end = measure_from + Duration::from_secs(1);
    let (mut this_second, mut messages, mut bytes_total) = (0u64, 0u64, 0u64);
    let mut by_type: BTreeMap<u32, u64> = BTreeMap::new();
    let mut decode_errors = 0u64;
    let mut closed_after: Option<f64> = None;
    let mut heartbeat_confs = 0u64;
    // The longest wait for data, and when it ended (seconds since the session opened).
    let (mut last_data, mut max_gap, mut max_gap_at) = (start, Duration::ZERO, 0.0);
    loop {
        let now = Instant::now();
        if !measuring && now >= measure_from {
            measuring = true;
            cpu0 = sampler.as_ref().and_then(|s| s.window_start());
        }
        while measuring && now >= second_end && second_end <= end {
            per_second.push(this_second);
            this_second = 0;
            second_end += Duration::from_secs(1);
        }
        if now >= end {
            break;
        }
        buf.reserve(64 * 1024);
        let n = match tokio::time::timeout_at(end, rd.read_buf(&mut buf)).await {
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => {
                closed_after = Some(start.elapsed().as_secs_f64());
                break;
            }
            Ok(Ok(n)) => n,
        };
        let now = Instant::now();
        if now - last_data > max_gap {
            max_gap = now - last_data;
            max_gap_at = (now - start).as_secs_f64();
        }
        last_data = now;
        let mut got = 0u64;
        while let Some(f) = frames.decode(&mut buf)? {
            got += 1;
            if f.message_type == MessageType::HEARTBEAT_CONF {
                heartbeat_confs += 1;
            }
            if measuring {
                *by_type.entry(f.message_type.0).or_default() += 1;
            }
            if decode && Message::decode(&f, VERSION).is_err() {
                decode_errors += 1;
            }
        }
        if measuring {
            messages += got;
            this_second += got;
            bytes_total += u64::try_from(n).unwrap_or(0);
        }
    }
    heartbeats.abort();
    let window = Instant::now()
        .min(end)
        .saturating_duration_since(measure_from);
    let sim = sampler
        .as_ref()
        .map_or(Value::Null, |s| s.report(cpu0, window));
    let secs = window.as_secs_f64().max(1e-9);
    let types: BTreeMap<String, u64> = by_type
        .iter()
        .map(|(t, n)| {
            (
                MessageType(*t)
                    .name()
                    .map_or_else(|| t.to_string(), str::to_owned),
                *n,
            )
        })
        .collect();
    let report = json!({
        "mode": "events",
        "addr": addr.to_string(),
        "warmup_secs": warmup.as_secs(),
        "window_secs": (secs * 10.0).round() / 10.0,
        "messages": messages,
        "bytes": bytes_total,
        "events_per_sec": (messages as f64 / secs).round(),
        "mb_per_sec": (bytes_total as f64 / secs / 1e5).round() / 10.0,
        "per_second_min": per_second.iter().min(),
        "per_second_max": per_second.iter().max(),
        "per_second": per_second,
        "by_type": types,
        "decoded": decode,
        "decode_errors": decode_errors,
        "heartbeat_confs": heartbeat_confs,
        "max_read_gap_ms": ms(u64::try_from(max_gap.as_micros()).ok()),
        "max_read_gap_at_secs": (max_gap_at * 1000.0_f64).round() / 1000.0,
        "closed_by_server": closed_after.is_some(),
        "closed_after_secs": closed_after.map(|s| (s * 10.0).round() / 10.0),
        "sim": sim,
    });
    println!("{report}");
    Ok(if closed_after.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
