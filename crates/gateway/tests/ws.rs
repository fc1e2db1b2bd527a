//! `GET /ws` with a real WebSocket client (tokio-tungstenite) against the simulator and a real nats-server: the
//! state, then every record exactly as stored in the stream, in order, without a gap; the `types` filter; a
//! slow client dropped with its close reason while a fast one gets everything; an unknown source refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use async_nats::jetstream;
use cti_gateway::Gateway;
use futures_util::StreamExt as _;
use serde_json::Value;
use support::{Nats, busy_sim, gateway_config, get, source, stored, until};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// A WebSocket client on `path`; `recv_buffer` sets the socket's receive buffer (a small one makes a client that
/// does not read fill up fast).
async fn connect(addr: SocketAddr, path: &str, recv_buffer: Option<u32>) -> Ws {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    if let Some(size) = recv_buffer {
        socket.set_recv_buffer_size(size).unwrap();
    }
    let tcp = socket.connect(addr).await.unwrap();
    let (ws, response) = tokio_tungstenite::client_async(format!("ws://{addr}{path}"), tcp)
        .await
        .unwrap();
    assert_eq!(response.status(), 101);
    ws
}

/// The next text message as JSON (bounded wait); `None` when the server closed (with its close frame).
async fn next(ws: &mut Ws) -> Result<Value, Option<(CloseCode, String)>> {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a message within 30 s");
        match m {
            Some(Ok(Message::Text(t))) => return Ok(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(frame))) => {
                return Err(frame.map(|f| (f.code, f.reason.to_string())));
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return Err(None),
        }
    }
}

async fn next_json(ws: &mut Ws) -> Value {
    next(ws).await.expect("a JSON line")
}

fn seq(v: &Value) -> u64 {
    v["cti_seq"].as_u64().unwrap()
}

/// (ConnectionCallID, ConnectionDeviceID) of a call's JSON.
fn call_id(call: &Value) -> (u64, String) {
    (
        call["key"]["connection_call_id"].as_u64().unwrap(),
        call["key"]["device_id"].as_str().unwrap().to_owned(),
    )
}

/// What a wallboard would hold: the `STATE` line's calls and agents, then every model line applied.
#[derive(Debug, Default, PartialEq)]
struct View {
    calls: BTreeMap<(u64, String), Value>,
    agents: BTreeMap<String, Value>,
}

impl View {
    fn of_state(state: &Value) -> View {
        let mut v = View::default();
        for c in state["calls"].as_array().unwrap() {
            v.calls.insert(call_id(c), c.clone());
        }
        for a in state["agents"].as_array().unwrap() {
            v.agents
                .insert(a["agent_id"].as_str().unwrap().to_owned(), a.clone());
        }
        v
    }

    fn apply(&mut self, line: &Value) {
        match line["type"].as_str().unwrap() {
            "CALL_BEGAN" | "CALL_CHANGED" => {
                self.calls
                    .insert(call_id(&line["call"]), line["call"].clone());
            }
            "CALL_ENDED" => {
                let id = (
                    line["connection_call_id"].as_u64().unwrap(),
                    line["connection_device_id"].as_str().unwrap().to_owned(),
                );
                assert!(self.calls.remove(&id).is_some(), "ended unknown {id:?}");
            }
            "CALL_REKEYED" => {
                let from = line["from"].as_u64().unwrap();
                self.calls.retain(|k, _| k.0 != from);
                self.calls
                    .insert(call_id(&line["call"]), line["call"].clone());
            }
            "AGENT_CHANGED" => {
                let id = line["agent_id"].as_str().unwrap().to_owned();
                self.agents.insert(id, line["agent"].clone());
            }
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_then_every_record_as_stored_in_order_and_the_types_filter() {
    let nats = Nats::start();
    let sim = busy_sim(20.0).await;
    let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
    cfg.http = Some("127.0.0.1:0".into());
    let gw = Gateway::start(cfg).await.unwrap();
    let addr = gw.http_addr().unwrap();
    let m = gw.sources()[0].metrics.clone();
    let began = || m.events_in().get("BEGIN_CALL_EVENT").copied().unwrap_or(0);
    until("calls in progress", || began() >= 10).await;

    // Unknown source: refused before the upgrade.
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    match tokio_tungstenite::client_async(format!("ws://{addr}/ws?source=nope"), tcp).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), 404);
            let body = String::from_utf8(r.body().clone().unwrap_or_default()).unwrap();
            assert_eq!(body, r#"{"error":"no source \"nope\""}"#);
        }
        other => panic!("expected 404, got {other:?}"),
    }

    let mut all = connect(addr, "/ws?source=pg1", None).await;
    let mut calls_only = connect(addr, "/ws?types=CALL_BEGAN,%20CALL_ENDED", None).await;
    let state = next_json(&mut all).await;
    assert_eq!(state["type"], "STATE");
    assert_eq!(state["source"], "pg1");
    assert_eq!(state["connected"], true);
    assert_eq!(state["side"], "A");
    let from = seq(&state) + 1;
    let mut view = View::of_state(&state);
    assert!(!view.agents.is_empty());
    assert!(!view.calls.is_empty());
    let state_b = next_json(&mut calls_only).await;
    assert_eq!(state_b["type"], "STATE");
    let from_b = seq(&state_b) + 1;

    // The first client reads while the traffic runs, until the target sequence is set.
    let (target_tx, mut target) = tokio::sync::watch::channel(u64::MAX);
    let all_task = tokio::spawn(async move {
        let mut lines = Vec::new();
        loop {
            let v = next_json(&mut all).await;
            let s = seq(&v);
            lines.push(v);
            if target.wait_for(|_| true).await.is_ok_and(|t| s >= *t) {
                return lines;
            }
        }
    });
    let more = began() + 40;
    until("more calls", || began() >= more).await;
    // A late client: its state is the early client's state plus every line up to the late state's sequence.
    let mut late = connect(addr, "/ws?source=pg1", None).await;
    let late_state = next_json(&mut late).await;
    let end = seq(&late_state);
    target_tx.send(end).unwrap();
    let mut lines = all_task.await.unwrap();
    lines.truncate(usize::try_from(end + 1 - from).unwrap());
    let seqs: Vec<u64> = lines.iter().map(seq).collect();
    assert_eq!(seqs, (from..=end).collect::<Vec<u64>>());
    for l in &lines {
        view.apply(l);
    }
    assert_eq!(view, View::of_state(&late_state));

    // Every line is the stream record's body, exactly.
    let js = jetstream::new(async_nats::connect(nats.url()).await.unwrap());
    let stream = js.get_stream("CTI").await.unwrap();
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    let records = loop {
        let r: Vec<Value> = stored(&stream)
            .await
            .into_iter()
            .map(|r| r.body)
            .filter(|r| r["source"] == "pg1" && (from..=end).contains(&seq(r)))
            .collect();
        if r.len() == lines.len() {
            break r;
        }
        assert!(
            tokio::time::Instant::now() < give_up,
            "the stream never caught up"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(lines.len() > 100, "{} records", lines.len());
    assert_eq!(lines, records);

    // The filtered client: only CALL_BEGAN and CALL_ENDED, the same bodies, in order.
    let expected_b: Vec<Value> = records
        .iter()
        .filter(|r| seq(r) >= from_b && (r["type"] == "CALL_BEGAN" || r["type"] == "CALL_ENDED"))
        .cloned()
        .collect();
    assert!(expected_b.len() >= 40, "{} call lines", expected_b.len());
    let mut lines_b = Vec::new();
    while lines_b.len() < expected_b.len() {
        lines_b.push(next_json(&mut calls_only).await);
    }
    assert_eq!(lines_b, expected_b);

    // Stopping the gateway closes the clients with code 1001.
    gw.stop(Duration::from_secs(10)).await;
    let close = loop {
        if let Err(close) = next(&mut late).await {
            break close;
        }
    };
    assert_eq!(close.map(|c| c.0), Some(CloseCode::Away));
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_is_dropped_with_a_reason_and_never_slows_a_fast_one() {
    let nats = Nats::start();
    let sim = busy_sim(60.0).await;
    let mut cfg = gateway_config(&nats, vec![source("pg1", &sim)]);
    cfg.http = Some("127.0.0.1:0".into());
    cfg.ws_buffer = 256;
    let gw = Gateway::start(cfg).await.unwrap();
    let addr = gw.http_addr().unwrap();

    // The slow client does not read (and has a small receive buffer); the fast one reads everything.
    let mut slow = connect(addr, "/ws", Some(4096)).await;
    let mut fast = connect(addr, "/ws", None).await;
    let state = next_json(&mut fast).await;
    let from = seq(&state) + 1;
    let fast_task = tokio::spawn(async move {
        let mut seqs = Vec::new();
        while seqs.len() < 3000 {
            seqs.push(seq(&next_json(&mut fast).await));
        }
        (seqs, fast)
    });

    let dropped = || async {
        let (_, text) = get(addr, "/metrics").await;
        text.lines()
            .any(|l| l == "cti_gateway_ws_dropped_slow_total 1")
    };
    let give_up = tokio::time::Instant::now() + Duration::from_secs(60);
    while !dropped().await {
        assert!(
            tokio::time::Instant::now() < give_up,
            "the slow client was never dropped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // It reads now: what its socket held, then the close frame with the reason.
    let close = loop {
        match next(&mut slow).await {
            Ok(_) => {}
            Err(close) => break close,
        }
    };
    let (code, reason) = close.expect("a close frame");
    assert_eq!(code, CloseCode::Again);
    assert_eq!(
        reason,
        "too slow: more than 256 records behind; reconnect to get the state again"
    );

    // The fast client got every record, in order, and is still connected.
    let (seqs, fast) = fast_task.await.unwrap();
    let want: Vec<u64> = (from..from + 3000).collect();
    assert_eq!(seqs, want);
    let (_, text) = get(addr, "/metrics").await;
    assert!(
        text.lines().any(|l| l == "cti_gateway_ws_clients 1"),
        "{text}"
    );
    drop(fast);
    gw.stop(Duration::from_secs(10)).await;
    sim.shutdown().await;
}
