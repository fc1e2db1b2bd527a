//! The consumers: one JetStream consumer that counts every record and times the probe calls, and WebSocket
//! clients that count what `/ws` sends them and check that the sequence has no gap.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, consumer::DeliverPolicy, consumer::pull::OrderedConfig};
use futures_util::StreamExt as _;
use tokio_tungstenite::tungstenite::Message;

/// When each probe call was started (by its number, the digits of its ANI `probe<N>`): the monotonic clock for
/// the total, the wall clock to split it at the gateway's `Cti-Received` and the stream's store time.
pub type Probes = Arc<Mutex<HashMap<u64, (Instant, SystemTime)>>>;

/// One probe's latency and its three parts, in µs: simulator → gateway (`Cti-Received`), gateway → stored in the
/// stream (the JetStream message's timestamp), stored → here.
#[derive(Debug, Clone, Copy)]
pub struct Probe {
    pub total: u64,
    pub to_gateway: u64,
    pub to_stream: u64,
    pub to_consumer: u64,
}

/// What the JetStream consumer has seen.
#[derive(Debug, Default)]
pub struct Seen {
    /// Records received.
    pub records: AtomicU64,
    /// Probe latencies (start of the call in the simulator → the record's receipt here).
    pub latencies: Mutex<Vec<Probe>>,
    /// When the last `session.connecting` record arrived (a leader's first record).
    pub connecting_at: Mutex<Option<Instant>>,
}

/// Follows the stream (the benchmark's one source) from now on; runs until the task is aborted.
pub async fn follow(
    js: jetstream::Context,
    probes: Probes,
    seen: Arc<Seen>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let stream = js.get_stream("CTI").await.map_err(|e| e.to_string())?;
    let consumer = stream
        .create_consumer(OrderedConfig {
            // cti.bench.> is not a subset of the stream's subjects (cti.*.event.>, ...): no filter, one source.
            deliver_policy: DeliverPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut messages = consumer.messages().await.map_err(|e| e.to_string())?;
    Ok(tokio::spawn(async move {
        while let Some(Ok(m)) = messages.next().await {
            seen.records.fetch_add(1, Ordering::Relaxed);
            if m.subject.as_str() == "cti.bench.session.connecting"
                && let Ok(mut at) = seen.connecting_at.lock()
            {
                *at = Some(Instant::now());
            }
            if m.subject.as_str() != "cti.bench.event.BEGIN_CALL_EVENT" {
                continue;
            }
            // Only probes are parsed past their ANI's first bytes.
            let Some(at) = find(&m.payload, b"\"ani\":\"probe") else {
                continue;
            };
            let digits: String = m.payload[at..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .map(|b| char::from(*b))
                .collect();
            let Ok(n) = digits.parse::<u64>() else {
                continue;
            };
            let started = probes.lock().ok().and_then(|mut p| p.remove(&n));
            let Some((t, wall)) = started else { continue };
            let total = micros(t.elapsed());
            let now = unix_micros(SystemTime::now());
            let start = unix_micros(wall);
            // The stream's store time (ns since the epoch) and the gateway's receipt (RFC 3339, µs, UTC).
            let stored = m
                .info()
                .ok()
                .map(|i| u64::try_from(i.published.unix_timestamp_nanos() / 1000).unwrap_or(0));
            let received = m
                .headers
                .as_ref()
                .and_then(|h| h.get("Cti-Received"))
                .and_then(|v| received_micros(v.as_str(), start));
            if let (Some(stored), Some(received), Ok(mut l)) =
                (stored, received, seen.latencies.lock())
            {
                l.push(Probe {
                    total,
                    to_gateway: received.saturating_sub(start),
                    to_stream: stored.saturating_sub(received),
                    to_consumer: now.saturating_sub(stored),
                });
            }
        }
    }))
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

fn unix_micros(t: SystemTime) -> u64 {
    micros(t.duration_since(UNIX_EPOCH).unwrap_or_default())
}

/// A `Cti-Received` value (`YYYY-MM-DDTHH:MM:SS.ffffffZ`) as µs since the epoch, taking the date from `near`
/// (µs since the epoch, within the same or the previous day): only the time of day is read.
fn received_micros(v: &str, near: u64) -> Option<u64> {
    const DAY: u64 = 86_400_000_000;
    let t = v.get(11..26)?;
    let n = |r: std::ops::Range<usize>| t.get(r)?.parse::<u64>().ok();
    let of_day = ((n(0..2)? * 60 + n(3..5)?) * 60 + n(6..8)?) * 1_000_000 + n(9..15)?;
    let midnight = near / DAY * DAY;
    // A receipt just after midnight of a probe started just before it.
    Some(if of_day + DAY / 2 < near - midnight {
        midnight + DAY + of_day
    } else {
        midnight + of_day
    })
}

/// The index just past `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + needle.len())
}

/// What one WebSocket client saw.
#[derive(Debug, Default)]
pub struct WsSeen {
    /// Records (after the STATE line).
    pub records: AtomicU64,
    /// Times a record's `cti_seq` was not the one after the last.
    pub gaps: AtomicU64,
    /// The server closed the socket (dropped as slow, or stopping).
    pub closed: AtomicU64,
}

/// A `/ws` client that counts until the task is aborted.
pub async fn ws_client(
    addr: SocketAddr,
    seen: Arc<WsSeen>,
) -> Result<tokio::task::JoinHandle<()>, String> {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws"))
        .await
        .map_err(|e| e.to_string())?;
    Ok(tokio::spawn(async move {
        let mut last: Option<u64> = None;
        while let Some(Ok(m)) = ws.next().await {
            let Message::Text(t) = m else {
                if matches!(m, Message::Close(_)) {
                    seen.closed.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            };
            // Every line has one top-level `"cti_seq":N` (the STATE line: the sequence its state is complete to).
            let seq = find(t.as_bytes(), b"\"cti_seq\":").and_then(|at| {
                t[at..]
                    .bytes()
                    .take_while(u8::is_ascii_digit)
                    .fold(None, |n: Option<u64>, d| {
                        Some(n.unwrap_or(0) * 10 + u64::from(d - b'0'))
                    })
            });
            let Some(seq) = seq else { continue };
            if find(t.as_bytes(), b"\"type\":\"STATE\"").is_some() {
                last = Some(seq);
                continue;
            }
            seen.records.fetch_add(1, Ordering::Relaxed);
            if last.is_some_and(|l| seq != l + 1) {
                seen.gaps.fetch_add(1, Ordering::Relaxed);
            }
            last = Some(seq);
        }
    }))
}

/// p50, p99, max of µs samples, in ms.
pub fn percentiles(mut us: Vec<u64>) -> (f64, f64, f64) {
    if us.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    us.sort_unstable();
    let at = |q: f64| {
        let i = ((us.len() - 1) as f64 * q).round() as usize;
        us[i.min(us.len() - 1)] as f64 / 1000.0
    };
    (at(0.5), at(0.99), at(1.0))
}

/// Waits `d` (the measuring windows are real time: this is a benchmark, not a test).
pub async fn window(d: Duration) {
    tokio::time::sleep(d).await;
}
