//! The replay server on virtual time, driven by a scripted client over loopback: events paced by the speed,
//! InvokeIDs rewritten on the wire, FAILURE_CONF for what the recording cannot answer, a failover recording
//! served as two sessions, and the report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use cti_capture::replay::{Pace, Recording};
use cti_capture::{DecoderConfig, RecordEvent, Recorder, Timestamp};
use cti_proto::constants::CTI_SERVICE_ALL_EVENTS;
use cti_proto::message::{
    BeginCallEvent, CloseReq, EndCallEvent, HeartbeatReq, OpenConf, OpenReq, QueryAgentStateConf,
    QueryAgentStateReq, SnapshotCallReq,
};
use cti_proto::{FrameDecoder, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::ReplayServer;
use crate::FineClock;
use crate::conformance::Verdict;

const V: u32 = 24;

fn open_req(invoke_id: u32) -> Message {
    let mut r = OpenReq::default();
    r.invoke_id = invoke_id;
    r.version_number = V;
    r.idle_timeout = 0xFFFF_FFFF;
    r.services_requested = CTI_SERVICE_ALL_EVENTS;
    r.client_id = Some("scripted".into());
    r.client_password = Some("pw".into());
    r.into()
}

fn open_conf() -> Message {
    let mut c = OpenConf::default();
    c.invoke_id = 1;
    c.services_granted = CTI_SERVICE_ALL_EVENTS;
    c.into()
}

fn begin(id: u32) -> Message {
    let mut b = BeginCallEvent::default();
    b.connection_call_id = id;
    b.into()
}

fn end(id: u32) -> Message {
    let mut e = EndCallEvent::default();
    e.connection_call_id = id;
    e.into()
}

fn query(invoke_id: u32) -> Message {
    let mut q = QueryAgentStateReq::default();
    q.invoke_id = invoke_id;
    q.into()
}

fn query_conf(invoke_id: u32) -> Message {
    let mut c = QueryAgentStateConf::default();
    c.invoke_id = invoke_id;
    c.agent_id = Some("1001".into());
    c.into()
}

/// A pcapng of `sessions`, each a list of (ms since the capture's start, from the client?, message).
fn capture(sessions: &[Vec<(u64, bool, Message)>]) -> Recording {
    let mut rec = Recorder::create(Vec::new(), ["A", "B"], false).unwrap();
    for (id, script) in sessions.iter().enumerate() {
        let client: SocketAddr = format!("10.0.0.1:{}", 40000 + id).parse().unwrap();
        let server: SocketAddr = format!("10.0.0.{}:42027", 2 + id).parse().unwrap();
        let id = id as u64;
        let ts = |ms: u64| Timestamp::from_units(1_700_000_000_000 + id * 100_000 + ms, 1000);
        let open = RecordEvent::Open {
            id,
            side: 0,
            client,
            server,
        };
        rec.handle(open, ts(0)).unwrap();
        for (ms, from_client, m) in script {
            let bytes = m.to_bytes(V).unwrap().to_vec();
            let e = RecordEvent::Data {
                id,
                from_client: *from_client,
                bytes,
            };
            rec.handle(e, ts(*ms)).unwrap();
        }
    }
    let file = rec.into_inner();
    Recording::read(&file[..], DecoderConfig::default()).unwrap()
}

/// One recorded session: OPEN at 0, a call from 1 s to 3 s after OPEN_CONF, one QUERY_AGENT_STATE exchange.
fn one_session() -> Vec<(u64, bool, Message)> {
    vec![
        (0, true, open_req(1)),
        (10, false, open_conf()),
        (1010, false, begin(7)),
        (1500, true, query(2)),
        (1510, false, query_conf(2)),
        (3010, false, end(7)),
    ]
}

struct Scripted {
    stream: TcpStream,
    buf: BytesMut,
    frames: FrameDecoder,
}

impl Scripted {
    async fn connect(addr: SocketAddr) -> Scripted {
        let stream = TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Scripted {
            stream,
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
        }
    }

    async fn send(&mut self, m: Message) {
        self.stream
            .write_all(&m.to_bytes(V).unwrap())
            .await
            .unwrap();
    }

    /// The next message, or None when the server closed or reset the connection.
    async fn next(&mut self) -> Option<Message> {
        loop {
            if let Some(f) = self.frames.decode(&mut self.buf).unwrap() {
                return Some(Message::decode(&f, V).unwrap());
            }
            match self.stream.read_buf(&mut self.buf).await {
                Ok(0) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn events_come_with_their_recorded_spacing_divided_by_the_speed() {
    let _clock = FineClock::start();
    for (speed, begin_ms, end_ms) in [(1.0, 1000, 3000), (2.0, 500, 1500), (0.5, 2000, 6000)] {
        let rec = capture(&[one_session()]);
        let pace = Pace::speed(speed).unwrap();
        let server = ReplayServer::bind("127.0.0.1:0".parse().unwrap(), rec, pace)
            .await
            .unwrap();
        let mut c = Scripted::connect(server.local_addr()).await;
        c.send(open_req(50)).await;
        let conf = c.next().await.unwrap();
        let opened = Instant::now();
        assert_eq!((conf.name(), conf.invoke_id()), ("OPEN_CONF", Some(50)));
        let mut got = Vec::new();
        for _ in 0..2 {
            let m = c.next().await.unwrap();
            got.push((m.name(), opened.elapsed().as_millis()));
        }
        let near = |ms: u128, want: u128| ms.abs_diff(want) <= 5;
        assert_eq!(got[0].0, "BEGIN_CALL_EVENT");
        assert_eq!(got[1].0, "END_CALL_EVENT");
        assert!(
            near(got[0].1, begin_ms) && near(got[1].1, end_ms),
            "speed {speed}: {got:?}"
        );
        drop(server);
    }
}

#[tokio::test(start_paused = true)]
async fn requests_get_recorded_replies_with_their_invoke_ids_then_failure_conf_and_a_report() {
    let _clock = FineClock::start();
    let rec = capture(&[one_session()]);
    let mut server =
        ReplayServer::bind("127.0.0.1:0".parse().unwrap(), rec, Pace::AsFastAsPossible)
            .await
            .unwrap();
    let mut c = Scripted::connect(server.local_addr()).await;
    // Before OPEN_REQ: E_CTI_SESSION_NOT_OPEN.
    c.send(query(90)).await;
    c.send(open_req(91)).await;
    c.send(query(92)).await;
    c.send(query(93)).await;
    let mut snap = SnapshotCallReq::default();
    snap.invoke_id = 94;
    c.send(snap.into()).await;
    let mut hb = HeartbeatReq::default();
    hb.invoke_id = 95;
    c.send(hb.into()).await;
    let mut close = CloseReq::default();
    close.invoke_id = 96;
    c.send(close.into()).await;
    let mut got = Vec::new();
    while let Some(m) = c.next().await {
        let status = match &m {
            Message::FailureConf(f) => f.status.to_string(),
            _ => String::new(),
        };
        got.push((m.name(), m.invoke_id(), status));
    }
    let want = [
        ("FAILURE_CONF", Some(90), "E_CTI_SESSION_NOT_OPEN"),
        ("OPEN_CONF", Some(91), ""),
        ("BEGIN_CALL_EVENT", None, ""),
        ("END_CALL_EVENT", None, ""),
        ("QUERY_AGENT_STATE_CONF", Some(92), ""),
        ("FAILURE_CONF", Some(93), "E_CTI_FUNCTION_NOT_AVAILABLE"),
        ("FAILURE_CONF", Some(94), "E_CTI_FUNCTION_NOT_AVAILABLE"),
        ("HEARTBEAT_CONF", Some(95), ""),
        ("CLOSE_CONF", Some(96), ""),
    ];
    let want: Vec<(&str, Option<u32>, String)> = want
        .iter()
        .map(|(n, i, s)| (*n, *i, (*s).to_owned()))
        .collect();
    assert_eq!(got, want);
    drop(c);
    tokio::time::timeout(Duration::from_secs(10), server.finished())
        .await
        .expect("finished once the client closed");
    let report = server.shutdown().await;
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["sessions_recorded"], 1);
    assert_eq!(json["sessions_replayed"], 1);
    assert_eq!(
        json["totals"]["not_in_recording"],
        serde_json::json!({"QUERY_AGENT_STATE_REQ": 2, "SNAPSHOT_CALL_REQ": 1, "CLOSE_REQ": 1})
    );
    assert_eq!(
        json["totals"]["failure_confs"],
        serde_json::json!({"QUERY_AGENT_STATE_REQ": 1, "SNAPSHOT_CALL_REQ": 1})
    );
    assert_eq!(json["totals"]["replies_reused"], 1);
    assert_eq!(json["connections"][0]["events_sent"], 2);
    assert_eq!(json["connections"][0]["stream"], 0);
    // The conformance checks: a request before OPEN_CONF fails open_before_requests.
    let client = report.conformance.client("scripted").unwrap();
    assert_eq!(
        client.check("open_before_requests").unwrap().result,
        Verdict::Fail
    );
    assert_eq!(
        client.check("close_before_leaving").unwrap().result,
        Verdict::Pass
    );
    assert!(!report.conformance_all_pass);
    let text = report.to_text();
    for needle in [
        "1 of 1 recorded session(s) replayed",
        "sent by the client, not in the recording: CLOSE_REQ 1, QUERY_AGENT_STATE_REQ 2, SNAPSHOT_CALL_REQ 1",
        "E_CTI_FUNCTION_NOT_AVAILABLE (no recorded reply left): QUERY_AGENT_STATE_REQ 1, SNAPSHOT_CALL_REQ 1",
        "open_before_requests",
        "FAIL",
    ] {
        assert!(text.contains(needle), "{needle:?} in\n{text}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_failover_recording_is_served_as_two_sessions_the_first_ended_by_the_server() {
    let _clock = FineClock::start();
    let second = vec![
        (0, true, open_req(1)),
        (10, false, open_conf()),
        (510, false, begin(8)),
        (600, true, CloseReq::default().into()),
    ];
    let rec = capture(&[one_session(), second]);
    assert_eq!(rec.sessions.len(), 2);
    let mut server = ReplayServer::bind("127.0.0.1:0".parse().unwrap(), rec, Pace::default())
        .await
        .unwrap();
    let mut c = Scripted::connect(server.local_addr()).await;
    c.send(open_req(1)).await;
    let mut first = Vec::new();
    while let Some(m) = c.next().await {
        first.push(m.name());
    }
    assert_eq!(
        first,
        ["OPEN_CONF", "BEGIN_CALL_EVENT", "END_CALL_EVENT"],
        "then the server went away"
    );
    let mut c = Scripted::connect(server.local_addr()).await;
    c.send(open_req(2)).await;
    assert_eq!(c.next().await.map(|m| m.name()), Some("OPEN_CONF"));
    let m = c.next().await.unwrap();
    let Message::BeginCallEvent(b) = m else {
        panic!("{m:?}")
    };
    assert_eq!(b.connection_call_id, 8, "the second recorded session");
    let mut close = CloseReq::default();
    close.invoke_id = 3;
    c.send(close.into()).await;
    assert_eq!(c.next().await.map(|m| m.name()), Some("CLOSE_CONF"));
    drop(c);
    tokio::time::timeout(Duration::from_secs(10), server.finished())
        .await
        .expect("finished: both sessions served and closed");
    let report = server.shutdown().await;
    assert_eq!((report.sessions_recorded, report.sessions_replayed), (2, 2));
    let streams: Vec<Option<u32>> = report.connections.iter().map(|c| c.tally.stream).collect();
    assert_eq!(streams, [Some(0), Some(1)]);
    // The first session's recorded client made a request this client did not.
    assert_eq!(
        report.totals.recorded_not_sent.get("QUERY_AGENT_STATE_REQ"),
        Some(&1)
    );
}
