//! The HTTP/JSON control plane: every endpoint, over loopback, with a minimal HTTP/1.1 client.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::net::SocketAddr;

use cti_proto::Message;
use cti_sim::{Side, Simulator};
use serde_json::Value;
use support::{Got, Peer, all_events};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one request; returns the status code and the JSON body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.unwrap();
    let text = String::from_utf8(raw).unwrap();
    let status: u16 = text[9..12].parse().unwrap();
    let json = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, serde_json::from_str(json).unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_endpoint() {
    let mut sim = Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .unwrap();
    let control = sim
        .serve_control("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();

    let (code, status) = http(control, "GET", "/status", None).await;
    assert_eq!(code, 200);
    assert_eq!(status["active_side"], "A");
    assert_eq!(status["sides"][1]["state"], "idle");
    assert_eq!(status["agents"].as_array().map(Vec::len), Some(20));

    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    assert!(matches!(
        peer.open(all_events(24)).await,
        Message::OpenConf(_)
    ));
    let (_, sessions) = http(control, "GET", "/sessions", None).await;
    assert_eq!(sessions.as_array().map(Vec::len), Some(1));
    assert_eq!(sessions[0]["client_id"], "bridge");
    let id = sessions[0]["id"].as_u64().unwrap();

    let (code, call) = http(
        control,
        "POST",
        "/calls",
        Some(r#"{"ani":"4085550199","dnis":"8005551000","call_variables":[[1,"ACCT-1"]],"named_variables":[["user.x","y"]],"agent_id":"1005"}"#),
    )
    .await;
    assert_eq!(code, 200, "{call}");
    let call_id = call["connection_call_id"].as_u64().unwrap();
    let begin = peer
        .recv_until(|m| matches!(m, Message::BeginCallEvent(_)))
        .await;
    let Message::BeginCallEvent(begin) = begin else {
        unreachable!()
    };
    assert_eq!(u64::from(begin.connection_call_id), call_id);
    assert_eq!(
        begin.ani.as_ref().map(ToString::to_string).as_deref(),
        Some("4085550199")
    );
    assert_eq!(
        begin
            .call_variable_1
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("ACCT-1")
    );

    assert_eq!(
        http(
            control,
            "POST",
            "/traffic",
            Some(r#"{"calls_per_second": 2.5}"#)
        )
        .await
        .1["calls_per_second"],
        2.5
    );
    assert_eq!(
        http(
            control,
            "POST",
            "/traffic",
            Some(r#"{"calls_per_second": -1}"#)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        http(
            control,
            "POST",
            "/traffic",
            Some(r#"{"calls_per_second": 0}"#)
        )
        .await
        .0,
        200
    );

    assert_eq!(
        http(
            control,
            "POST",
            "/peripherals/5000/offline?linger_secs=10",
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        http(control, "POST", "/peripherals/5000/online", None)
            .await
            .0,
        200
    );
    assert_eq!(
        http(control, "POST", "/peripherals/42/offline", None)
            .await
            .0,
        404
    );

    assert_eq!(
        http(control, "POST", &format!("/sessions/{id}/silence"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        http(control, "POST", "/sessions/99999/silence", None)
            .await
            .0,
        404
    );

    let (code, after) = http(control, "POST", "/sides/a/fail?mode=reset", None).await;
    assert_eq!(code, 200);
    assert_eq!(after["active_side"], "B");
    assert_eq!(
        after["sides"][0]["state"],
        serde_json::json!({"failed": "reset"})
    );
    let heard = peer.until_closed().await;
    // Events raised before the silence may still be queued; the reset itself must say nothing.
    assert!(
        !heard
            .iter()
            .any(|m| matches!(m, Message::FailureEvent(_) | Message::CloseConf(_))),
        "a reset side sends no goodbye: {heard:?}"
    );
    assert_eq!(http(control, "POST", "/sides/c/fail", None).await.0, 404);
    let (_, restored) = http(control, "POST", "/sides/a/restore", None).await;
    assert_eq!(restored["sides"][0]["state"], "idle");

    let mut p2 = Peer::connect(sim.addr(Side::B)).await;
    assert!(matches!(
        p2.open(all_events(24)).await,
        Message::OpenConf(_)
    ));
    let (_, sessions) = http(control, "GET", "/sessions", None).await;
    let id2 = sessions[0]["id"].as_u64().unwrap();
    assert_eq!(
        http(control, "POST", &format!("/sessions/{id2}/drop"), None)
            .await
            .0,
        200
    );
    loop {
        if matches!(p2.next().await, Got::Closed) {
            break;
        }
    }

    let (code, report) = http(control, "GET", "/conformance", None).await;
    assert_eq!(code, 200);
    let clients = report["clients"].as_array().unwrap();
    assert_eq!(clients[0]["client_id"], "bridge");
    assert!(
        clients[0]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "side_selection")
    );
}
