//! `cti replay` of a recording reproduces the same call model: a `Session` (the path `cti monitor` uses)
//! against the simulator, recorded by the library `Recorder` through a proxy, then the recording replayed by
//! `ReplayServer` to a second `Session`. After every server message the two models (calls with their
//! variables, agents, peripherals; times left out) are the same, the messages come at the recorded times,
//! and the replay's report says the client sent nothing the recording did not and passes the conformance
//! checks. All on virtual time.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::net::SocketAddr;
use std::time::Duration;

use cti_capture::replay::{Pace, Recording};
use cti_capture::{DecoderConfig, RecordEvent, Recorder, Timestamp};
use cti_client::{ClientConfig, ClientEvent};
use cti_model::Snapshot;
use cti_proto::constants::CTI_SERVICE_ALL_EVENTS;
use cti_session::{Session, SessionConfig, UpdateKind};
use cti_sim::replay::ReplayServer;
use cti_sim::{FineClock, Side, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A capture time for a virtual instant: a fixed epoch plus the time since `base`.
fn stamp(base: Instant) -> Timestamp {
    let d = base.elapsed() + Duration::from_secs(1_700_000_000);
    Timestamp {
        secs: d.as_secs(),
        nanos: d.subsec_micros() * 1000,
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    from_client: bool,
    events: mpsc::UnboundedSender<(RecordEvent, Timestamp)>,
    base: Instant,
) {
    let mut buf = vec![0_u8; 65536];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 {
            break;
        }
        // Recorded before it is forwarded: an answer is never recorded before what it answers.
        let bytes = buf[..n].to_vec();
        let e = RecordEvent::Data {
            id: 0,
            from_client,
            bytes,
        };
        let _ = events.send((e, stamp(base)));
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    let _ = events.send((RecordEvent::Close { id: 0, from_client }, stamp(base)));
}

/// A one-connection recording proxy in front of `server`; the pcapng when both directions are closed.
async fn recording_proxy(server: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let base = Instant::now();
        let (client, client_addr) = listener.accept().await.unwrap();
        let upstream = TcpStream::connect(server).await.unwrap();
        // As `cti record` does: without it, Nagle and delayed ACKs hold small messages back for tens of real
        // milliseconds, seconds of virtual time.
        client.set_nodelay(true).unwrap();
        upstream.set_nodelay(true).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut rec = Recorder::create(Vec::new(), ["side A", "side B"], false).unwrap();
        let open = RecordEvent::Open {
            id: 0,
            side: 0,
            client: client_addr,
            server,
        };
        rec.handle(open, stamp(base)).unwrap();
        let (cr, cw) = client.into_split();
        let (sr, sw) = upstream.into_split();
        let up = tokio::spawn(pump(cr, sw, true, tx.clone(), base));
        let down = tokio::spawn(pump(sr, cw, false, tx, base));
        while let Some((e, ts)) = rx.recv().await {
            rec.handle(e, ts).unwrap();
        }
        up.await.unwrap();
        down.await.unwrap();
        rec.into_inner()
    });
    (addr, task)
}

fn client(addr: SocketAddr) -> ClientConfig {
    ClientConfig::builder(addr.to_string())
        .credentials("replay-test", "s3cret")
        .services(CTI_SERVICE_ALL_EVENTS)
        .heartbeat_secs(5)
        .build()
        .unwrap()
}

/// The model without its times (when a call began, when an agent's state changed: the replay's clock).
fn timeless(mut s: Snapshot) -> Snapshot {
    for c in &mut s.calls {
        c.began_at = Duration::ZERO;
        c.updated_at = Duration::ZERO;
    }
    for a in &mut s.agents {
        a.since = Duration::ZERO;
    }
    s
}

/// One step of a session: the server message, when it came (since the session opened), the model after it.
#[derive(Debug, PartialEq)]
struct Step {
    message: String,
    at: Duration,
    model: Snapshot,
}

/// Reads updates until `stop` says so or nothing comes for `quiet`; the steps after each server message.
async fn steps(
    s: &mut Session,
    opened: &mut Option<Duration>,
    quiet: Duration,
    mut stop: impl FnMut(&[Step]) -> bool,
) -> Vec<Step> {
    let mut out = Vec::new();
    while !stop(&out) {
        let Ok(u) = tokio::time::timeout(quiet, s.next()).await else {
            break;
        };
        let u = u.expect("the session goes on");
        match &u.kind {
            UpdateKind::Client(ClientEvent::Connected { .. }) => *opened = Some(u.at),
            UpdateKind::Client(ClientEvent::Disconnected { reason, .. }) => {
                panic!("disconnected: {reason}")
            }
            UpdateKind::Client(ClientEvent::Message(m)) => out.push(Step {
                message: m.name().to_owned(),
                at: u
                    .at
                    .saturating_sub(opened.expect("a message before CONNECTED")),
                model: timeless(s.model().snapshot()),
            }),
            _ => {}
        }
    }
    out
}

#[tokio::test(start_paused = true)]
async fn a_replayed_recording_reproduces_the_call_model() {
    let _clock = FineClock::start();
    let mut cfg = SimConfig::loopback();
    cfg.traffic.calls_per_second = 1.0;
    cfg.traffic.talk_min_secs = 2.0;
    cfg.traffic.talk_max_secs = 8.0;
    let sim = Simulator::builder()
        .config(cfg)
        .agents(6)
        .seed(11)
        .start()
        .await
        .unwrap();

    // The original run, through the recording proxy.
    let (proxy, recorded) = recording_proxy(sim.addr(Side::A)).await;
    let mut original = Session::start(SessionConfig::new("", client(proxy))).unwrap();
    let mut opened = None;
    let mut seen = steps(&mut original, &mut opened, Duration::from_secs(60), |s| {
        s.last().is_some_and(|x| x.at > Duration::from_secs(20))
    })
    .await;
    sim.handle().set_traffic(0.0);
    // Every call ends; then silence.
    seen.extend(
        steps(&mut original, &mut opened, Duration::from_secs(15), |_| {
            false
        })
        .await,
    );
    original.close().await;
    drop(original);
    let file = tokio::time::timeout(Duration::from_secs(30), recorded)
        .await
        .expect("the proxy sees both ends close")
        .unwrap();
    sim.shutdown().await;

    let calls_seen = seen.iter().map(|s| s.model.calls.len()).max().unwrap_or(0);
    assert!(calls_seen >= 3, "a few calls at once: {calls_seen}");
    assert!(seen.iter().any(|s| s.message == "END_CALL_EVENT"));
    assert!(
        seen.iter()
            .any(|s| s.model.calls.iter().any(|c| c.call_variables[0].is_some()))
    );
    assert!(
        !file.windows(6).any(|w| w == b"s3cret"),
        "the password is blanked in the recording"
    );

    let recording = Recording::read(&file[..], DecoderConfig::default()).unwrap();
    assert_eq!(recording.sessions.len(), 1, "{:?}", recording.omitted);
    assert_eq!(recording.omitted, vec![]);
    assert_eq!(recording.sessions[0].events.len(), seen.len());

    // The replay, to a second session.
    let mut server = ReplayServer::bind("127.0.0.1:0".parse().unwrap(), recording, Pace::default())
        .await
        .unwrap();
    let mut replayed = Session::start(SessionConfig::new("", client(server.local_addr()))).unwrap();
    let n = seen.len();
    let again = steps(&mut replayed, &mut None, Duration::from_secs(60), |s| {
        s.len() == n
    })
    .await;
    assert_eq!(again.len(), n);
    for (i, (a, b)) in seen.iter().zip(&again).enumerate() {
        assert_eq!(a.message, b.message, "message {i}");
        assert_eq!(
            a.model, b.model,
            "the model after message {i} ({})",
            a.message
        );
        let skew = a.at.abs_diff(b.at);
        assert!(
            skew <= Duration::from_millis(20),
            "message {i} at {:?} in the replay, {:?} in the recording",
            b.at,
            a.at
        );
    }
    replayed.close().await;
    drop(replayed);
    tokio::time::timeout(Duration::from_secs(30), server.finished())
        .await
        .expect("the replay ends once the client closed");
    let report = server.shutdown().await;

    assert_eq!((report.sessions_recorded, report.sessions_replayed), (1, 1));
    let t = &report.totals;
    assert_eq!((t.events_sent, t.events_recorded), (n as u64, n as u64));
    assert_eq!(t.not_in_recording.len(), 0, "{t:?}");
    assert_eq!(t.recorded_not_sent.len(), 0, "{t:?}");
    assert_eq!(t.failure_confs.len(), 0, "{t:?}");
    assert_eq!(t.client_sent.get("CLOSE_REQ"), Some(&1), "{t:?}");
    assert!(
        t.client_sent.get("HEARTBEAT_REQ").is_some_and(|n| *n >= 4),
        "{t:?}"
    );
    assert!(report.conformance_all_pass, "{}", report.to_text());
    let client = report.conformance.client("replay-test").expect("judged");
    let verdict = |name: &str| client.check(name).map(|c| c.result);
    assert_eq!(
        verdict("heartbeat_interval"),
        Some(cti_sim::conformance::Verdict::Pass)
    );
    assert_eq!(
        verdict("close_before_leaving"),
        Some(cti_sim::conformance::Verdict::Pass)
    );
}
