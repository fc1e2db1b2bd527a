//! Load generator for `cti sim`: measures the simulator against the performance goals of its issue. Built from
//! `cti-proto` only; it talks to a simulator running as a separate process (`cti sim`), on loopback.
//!
//! ```text
//! cargo run --release -p cti-sim --example sim_load -- sessions --addr 127.0.0.1:42127 --count 5000 \
//!     --heartbeat-secs 5 --duration-secs 60 [--open-concurrency 256] [--sim-pid PID]
//! cargo run --release -p cti-sim --example sim_load -- events --addr 127.0.0.1:42127 --duration-secs 30 \
//!     [--warmup-secs 5] [--decode] [--sim-pid PID]
//! cargo run --release -p cti-sim --example sim_load -- storm --addr-a 127.0.0.1:42127 \
//!     --addr-b 127.0.0.1:43127 --count 5000 [--timeout-secs 30] [--sim-pid PID]
//! ```
//!
//! * `sessions`: opens `count` ALL_EVENTS sessions (IdleTimeout 4 × the heartbeat interval, CallMsgMask
//!   BEGIN_CALL | END_CALL, no agent states), at most `open-concurrency` opening at a time. Each sends
//!   HEARTBEAT_REQ every `heartbeat-secs`, the sessions' phases spread evenly over the interval, and checks that
//!   every one gets its HEARTBEAT_CONF. A CONF is *late* when it comes more than one interval after its request
//!   (the next heartbeat was already due). The run lasts `duration-secs` after the last session opened; then
//!   every session waits up to one interval for its outstanding CONFs and closes (CLOSE_REQ). Exits with
//!   status 1 unless every session opened and every heartbeat was answered in time.
//! * `events`: one ALL_EVENTS session with every call event and agent state unmasked (heartbeat every 5 s);
//!   counts the messages and bytes it receives per second (framing only, or a full decode with `--decode`).
//!   Reports whether the simulator closed the session (it disconnects a consumer that falls 65,536 messages
//!   behind; the tool then exits with status 1), and the longest wait between two reads that returned data
//!   (`max_read_gap_ms`: a stall of the simulator's writer shows there).
//! * `storm`: `count` clients connect to side A at the same instant and each sends OPEN_REQ. A client whose
//!   connection is refused, or whose OPEN_REQ is refused with E_CTI_CTI_SERVER_OFFLINE, tries side B, as a
//!   client should. Every OPEN_REQ must get OPEN_CONF or FAILURE_CONF within `timeout-secs`; the sessions are
//!   held open until every client has its answer. Exits with status 1 if any OPEN_REQ went unanswered (or a
//!   client could not connect to either side).
//!
//! With `--sim-pid`, the simulator's VmRSS and VmHWM (`/proc/PID/status`) are sampled every 250 ms, and its
//! CPU time (`/proc/PID/stat`, 100 ticks/s) is read at the start and the end of the measured window.
//! Every mode prints one JSON line on stdout; progress goes to stderr.

#![allow(
    clippy::cast_precision_loss,
    reason = "counts and durations shown as f64 rates; far below 2^52"
)]

use std::collections::{BTreeMap, VecDeque};
use std::error::Error;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::constants::{
    AgentStateMask, BEGIN_CALL_MASK, CTI_SERVICE_ALL_EVENTS, CallMsgMask, E_CTI_CTI_SERVER_OFFLINE,
    END_CALL_MASK, MessageType, NULL_PERIPHERAL_ID, StatusCode,
};
use cti_proto::message::{CloseReq, HeartbeatReq, OpenReq};
use cti_proto::{Frame, FrameDecoder, Message};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

type BoxError = Box<dyn Error + Send + Sync>;

/// Protocol version every client speaks.
const VERSION: u32 = 24;
/// Read buffer of an event session.
const BIG_READ: usize = 4 * 1024 * 1024;

const USAGE: &str =
    "usage: sim_load sessions --addr A --count N --heartbeat-secs S --duration-secs D \
[--open-concurrency C] [--sim-pid P]
       sim_load events --addr A --duration-secs D [--warmup-secs W] [--decode] [--sim-pid P]
       sim_load storm --addr-a A --addr-b B --count N [--timeout-secs T] [--sim-pid P]";

// ---------------------------------------------------------------------------------------------------------------
// Arguments

/// `--key value` pairs (a flag without a value is `true`).
struct Flags(BTreeMap<String, String>);

impl Flags {
    fn parse(args: &[String], allowed: &[&str]) -> Result<Flags, BoxError> {
        let mut map = BTreeMap::new();
        let mut it = args.iter().peekable();
        while let Some(arg) = it.next() {
            let key = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {arg:?}\n{USAGE}"))?;
            if !allowed.contains(&key) {
                return Err(format!("unknown flag --{key}\n{USAGE}").into());
            }
            let value = match it.next_if(|v| !v.starts_with("--")) {
                Some(v) => v.clone(),
                None => "true".to_owned(),
            };
            map.insert(key.to_owned(), value);
        }
        Ok(Flags(map))
    }

    fn opt<T: FromStr>(&self, key: &str) -> Result<Option<T>, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        self.0
            .get(key)
            .map(|v| {
                v.parse::<T>()
                    .map_err(|e| BoxError::from(format!("--{key} {v}: {e}")))
            })
            .transpose()
    }

    fn req<T: FromStr>(&self, key: &str) -> Result<T, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        self.opt(key)?
            .ok_or_else(|| format!("--{key} is required\n{USAGE}").into())
    }

    fn or<T: FromStr>(&self, key: &str, default: T) -> Result<T, BoxError>
    where
        T::Err: std::fmt::Display,
    {
        Ok(self.opt(key)?.unwrap_or(default))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Wire helpers

fn open_req(
    invoke_id: u32,
    client_id: &str,
    idle_timeout: u32,
    call_mask: CallMsgMask,
    agent_mask: AgentStateMask,
) -> Result<bytes::Bytes, BoxError> {
    let mut o = OpenReq::default();
    o.invoke_id = invoke_id;
    o.version_number = VERSION;
    o.idle_timeout = idle_timeout;
    o.peripheral_id = NULL_PERIPHERAL_ID;
    o.services_requested = CTI_SERVICE_ALL_EVENTS;
    o.call_msg_mask = call_mask;
    o.agent_state_mask = agent_mask;
    o.client_id = Some(client_id.into());
    o.client_password = Some("".into());
    Ok(Message::from(o).to_bytes(VERSION)?)
}

fn heartbeat_req(invoke_id: u32) -> Result<bytes::Bytes, BoxError> {
    let mut h = HeartbeatReq::default();
    h.invoke_id = invoke_id;
    Ok(Message::from(h).to_bytes(VERSION)?)
}

fn close_req(invoke_id: u32) -> Result<bytes::Bytes, BoxError> {
    let mut c = CloseReq::default();
    c.invoke_id = invoke_id;
    Ok(Message::from(c).to_bytes(VERSION)?)
}

/// The first UINT of a body (InvokeID of every CONF).
fn first_uint(frame: &Frame) -> Option<u32> {
    frame
        .body
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

/// FAILURE_CONF's Status (second UINT).
fn failure_status(frame: &Frame) -> Option<u32> {
    frame
        .body
        .get(4..8)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

fn status_name(status: u32) -> String {
    StatusCode(status)
        .name()
        .map_or_else(|| format!("status {status}"), str::to_owned)
}

async fn connect(addr: SocketAddr) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

// ---------------------------------------------------------------------------------------------------------------
// Statistics

/// `p`-th percentile (0–100) of sorted values.
fn percentile(sorted: &[u64], p: u64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let len = u64::try_from(sorted.len()).ok()?;
    let idx = usize::try_from((len - 1) * p / 100).ok()?;
    sorted.get(idx).copied()
}

/// Microseconds → milliseconds, for JSON.
fn ms(us: Option<u64>) -> Value {
    us.map_or(Value::Null, |v| {
        json!((v as f64 / 1000.0 * 10.0).round() / 10.0)
    })
}

fn latency_json(mut us: Vec<u64>) -> Value {
    us.sort_unstable();
    json!({
        "p50_ms": ms(percentile(&us, 50)),
        "p99_ms": ms(percentile(&us, 99)),
        "max_ms": ms(us.last().copied()),
    })
}

/// Samples a process's memory (and CPU time on request).
struct ProcSampler {
    pid: u32,
    rss_max_kib: AtomicU64,
    rss_last_kib: AtomicU64,
    hwm_kib: AtomicU64,
    threads: AtomicU64,
}

impl ProcSampler {
    fn status_kib(text: &str, key: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }

    fn sample(&self) -> bool {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", self.pid)) else {
            return false;
        };
        if let Some(rss) = Self::status_kib(&text, "VmRSS:") {
            self.rss_last_kib.store(rss, Ordering::Relaxed);
            self.rss_max_kib.fetch_max(rss, Ordering::Relaxed);
        }
        if let Some(hwm) = Self::status_kib(&text, "VmHWM:") {
            self.hwm_kib.store(hwm, Ordering::Relaxed);
        }
        if let Some(t) = Self::status_kib(&text, "Threads:") {
            self.threads.store(t, Ordering::Relaxed);
        }
        true
    }

    /// utime + stime in clock ticks (USER_HZ = 100 on Linux).
    fn cpu_ticks(&self) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let rest = text.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some(utime + stime)
    }

    fn start(pid: Option<u32>) -> Option<Arc<ProcSampler>> {
        let sampler = Arc::new(ProcSampler {
            pid: pid?,
            rss_max_kib: AtomicU64::new(0),
            rss_last_kib: AtomicU64::new(0),
            hwm_kib: AtomicU64::new(0),
            threads: AtomicU64::new(0),
        });
        let s = sampler.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                if !s.sample() {
                    break;
                }
            }
        });
        Some(sampler)
    }

    /// Resets the RSS maximum (start of the measured window) and returns the CPU ticks so far.
    fn window_start(&self) -> Option<u64> {
        self.sample();
        self.rss_max_kib
            .store(self.rss_last_kib.load(Ordering::Relaxed), Ordering::Relaxed);
        self.cpu_ticks()
    }

    fn report(&self, cpu_start: Option<u64>, window: Duration) -> Value {
        self.sample();
        let cpu = match (cpu_start, self.cpu_ticks()) {
            (Some(a), Some(b)) if window > Duration::ZERO => {
                json!(((b.saturating_sub(a)) as f64 / window.as_secs_f64()).round())
            }
            _ => Value::Null,
        };
        let mib = |kib: u64| (kib as f64 / 1024.0 * 10.0).round() / 10.0;
        json!({
            "pid": self.pid,
            "rss_max_mib": mib(self.rss_max_kib.load(Ordering::Relaxed)),
            "rss_end_mib": mib(self.rss_last_kib.load(Ordering::Relaxed)),
            "hwm_mib": mib(self.hwm_kib.load(Ordering::Relaxed)),
            "threads": self.threads.load(Ordering::Relaxed),
            "cpu_percent": cpu,
        })
    }
}

/// This process's peak RSS.
fn own_hwm_mib() -> Value {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| ProcSampler::status_kib(&t, "VmHWM:"))
        .map_or(Value::Null, |k| json!(k / 1024))
}

// ---------------------------------------------------------------------------------------------------------------
// sessions

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

/// Reads until OPEN_CONF / FAILURE_CONF; frames after it stay in `buf`.
async fn await_open_answer(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    frames: &mut FrameDecoder,
    events: &mut u64,
) -> Result<Option<Result<(), u32>>, BoxError> {
    loop {
        while let Some(f) = frames.decode(buf)? {
            match f.message_type {
                MessageType::OPEN_CONF => return Ok(Some(Ok(()))),
                MessageType::FAILURE_CONF => {
                    return Ok(Some(Err(failure_status(&f).unwrap_or(0))));
                }
                _ => *events += 1,
            }
        }
        if stream.read_buf(buf).await? == 0 {
            return Ok(None);
        }
    }
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

async fn run_sessions(flags: &Flags) -> Result<ExitCode, BoxError> {
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

// ---------------------------------------------------------------------------------------------------------------
// events

async fn run_events(flags: &Flags) -> Result<ExitCode, BoxError> {
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

// ---------------------------------------------------------------------------------------------------------------
// storm

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

async fn run_storm(flags: &Flags) -> Result<ExitCode, BoxError> {
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

// ---------------------------------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sim_load: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<ExitCode, BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match mode.as_str() {
        "sessions" => {
            let flags = Flags::parse(
                rest,
                &[
                    "addr",
                    "count",
                    "heartbeat-secs",
                    "duration-secs",
                    "open-concurrency",
                    "sim-pid",
                ],
            )?;
            run_sessions(&flags).await
        }
        "events" => {
            let flags = Flags::parse(
                rest,
                &["addr", "duration-secs", "warmup-secs", "decode", "sim-pid"],
            )?;
            run_events(&flags).await
        }
        "storm" => {
            let flags = Flags::parse(
                rest,
                &["addr-a", "addr-b", "count", "timeout-secs", "sim-pid"],
            )?;
            run_storm(&flags).await
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}
