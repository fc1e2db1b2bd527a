//! `cti replay` as a process, with `cti monitor` as the client under test: the bound address is printed, the
//! monitor sees the recorded call with its variables, the replay ends by itself once the monitor has closed,
//! and its JSON report says what was served and judged; bad input is a clear error (exit status 2).

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::net::SocketAddr;
use std::process::Stdio;

use common::sim::{Guard, cti, lines, wait_for};
use common::text;
use cti_capture::{RecordEvent, Recorder, Timestamp};
use cti_proto::Message;
use cti_proto::constants::{CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL};
use cti_proto::message::{BeginCallEvent, CloseConf, CloseReq, EndCallEvent, OpenConf, OpenReq};

/// A recorded session as `cti record` writes it: OPEN, a call with CallVariable1 from 0.2 s to 0.6 s, CLOSE.
fn recording() -> Vec<u8> {
    let mut open = OpenReq::default();
    open.invoke_id = 1;
    open.version_number = 24;
    open.idle_timeout = 20;
    open.services_requested = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    open.client_id = Some("replay-cli".into());
    open.client_password = Some("topsecret".into());
    let mut conf = OpenConf::default();
    conf.invoke_id = 1;
    conf.services_granted = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
    conf.peripheral_online = true;
    let mut begin = BeginCallEvent::default();
    begin.peripheral_id = 5000;
    begin.connection_call_id = 4242;
    begin.ani = Some("4085550123".into());
    begin.call_variable_1 = Some("ACCT-REPLAY".into());
    let mut end = EndCallEvent::default();
    end.peripheral_id = 5000;
    end.connection_call_id = 4242;
    let mut close = CloseReq::default();
    close.invoke_id = 2;
    let mut closed = CloseConf::default();
    closed.invoke_id = 2;
    let script: Vec<(u64, bool, Message)> = vec![
        (0, true, open.into()),
        (5, false, conf.into()),
        (205, false, begin.into()),
        (605, false, end.into()),
        (900, true, close.into()),
        (901, false, closed.into()),
    ];
    let client: SocketAddr = "10.1.1.1:50123".parse().unwrap();
    let server: SocketAddr = "10.1.1.2:42027".parse().unwrap();
    let ts = |ms: u64| Timestamp::from_units(1_765_000_000_000 + ms, 1000);
    let mut rec = Recorder::create(Vec::new(), ["side A", "side B"], false).unwrap();
    let open = RecordEvent::Open {
        id: 0,
        side: 0,
        client,
        server,
    };
    rec.handle(open, ts(0)).unwrap();
    for (ms, from_client, m) in script {
        let bytes = m.to_bytes(24).unwrap().to_vec();
        let e = RecordEvent::Data {
            id: 0,
            from_client,
            bytes,
        };
        rec.handle(e, ts(ms)).unwrap();
    }
    rec.into_inner()
}

/// A fresh directory for one test's files.
fn temp_dir(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cti-replay-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cti_replay_serves_cti_monitor_and_reports() {
    let dir = temp_dir("monitor");
    let file = dir.join("session.pcapng");
    std::fs::write(&file, recording()).unwrap();
    let mut replay = cti()
        .arg("replay")
        .arg(&file)
        .args(["--listen", "127.0.0.1:0", "--speed", "2", "--json"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cti replay");
    let report = lines(replay.stdout.take().unwrap());
    let err = lines(replay.stderr.take().unwrap());
    let mut replay = Guard(replay);
    let banner = wait_for(&err, "the listening banner", |l| l.contains("listening on"));
    assert!(
        banner.contains("(1 recorded session(s), 2 events)"),
        "{banner}"
    );
    let addr = banner
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap()
        .to_owned();

    let mut mon = cti()
        .args([
            "monitor",
            "--a",
            &addr,
            "--json",
            "--client-id",
            "replay-cli",
        ])
        .args(["--client-password", "whatever"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cti monitor");
    let out = lines(mon.stdout.take().unwrap());
    let mut mon = Guard(mon);
    let began = wait_for(&out, "the recorded call", |l| {
        l.contains("BEGIN_CALL_EVENT")
    });
    let began: serde_json::Value = serde_json::from_str(&began).unwrap();
    assert_eq!(began["connection_call_id"], 4242);
    assert_eq!(began["call_variable_1"], "ACCT-REPLAY");
    wait_for(&out, "its end", |l| l.contains("END_CALL_EVENT"));
    assert_eq!(mon.interrupt(), Some(0), "cti monitor quits with CLOSE_REQ");

    // The replay ends by itself: the recording is served and the client closed.
    let line = wait_for(&report, "the report", |l| l.starts_with('{'));
    assert_eq!(replay.0.wait().unwrap().code(), Some(0));
    let r: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(r["sessions_recorded"], 1);
    assert_eq!(r["sessions_replayed"], 1);
    assert_eq!(r["totals"]["events_sent"], 2);
    assert_eq!(r["totals"]["events_recorded"], 2);
    assert_eq!(r["totals"]["client_sent"]["CLOSE_REQ"], 1);
    assert_eq!(r["totals"]["not_in_recording"], serde_json::json!({}));
    assert_eq!(r["totals"]["failure_confs"], serde_json::json!({}));
    assert_eq!(r["connections"][0]["opened"], true);
    assert_eq!(r["conformance"]["clients"][0]["client_id"], "replay-cli");
    assert_eq!(r["conformance_all_pass"], true, "{line}");
    assert!(
        !line.contains("whatever"),
        "the client's password is not reported"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_a_clear_error() {
    let dir = temp_dir("errors");
    let missing = dir.join("missing.pcapng");
    let (code, _, err) = text(&common::cti(&["replay", missing.to_str().unwrap()], &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cti replay: reading") && err.contains("missing.pcapng"),
        "{err}"
    );

    let file = dir.join("ok.pcapng");
    std::fs::write(&file, recording()).unwrap();
    let (code, _, err) = text(&common::cti(
        &["replay", file.to_str().unwrap(), "--speed", "0"],
        &[],
    ));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--speed: speed 0 is not between"), "{err}");

    let not_capture = dir.join("text.pcapng");
    std::fs::write(&not_capture, b"hello, world").unwrap();
    let (code, _, err) = text(&common::cti(
        &["replay", not_capture.to_str().unwrap()],
        &[],
    ));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a pcap or pcapng file"), "{err}");

    // A capture without a session (no packets at all).
    let mut w = cti_capture::PcapngWriter::new(Vec::new(), "test").unwrap();
    w.add_interface("eth0").unwrap();
    let empty = dir.join("empty.pcapng");
    std::fs::write(&empty, w.into_inner()).unwrap();
    let (code, _, err) = text(&common::cti(&["replay", empty.to_str().unwrap()], &[]));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no CTI session to replay"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
