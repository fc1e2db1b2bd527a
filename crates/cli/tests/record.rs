//! `cti record` between `cti sim` and `cti monitor` through a failover (side A failed through the sim's control
//! plane). The file holds exactly what both ends saw:
//!
//! * per session, the server's messages in the file (replies aside) are, field for field and in order, the
//!   message lines `cti monitor --json` printed for that session;
//! * the sessions in the file are the sessions the simulator's log opened (side, ClientID, version) and
//!   closed (side A failed, side B closed by CLOSE_REQ);
//! * the password is blanked (zero bytes, same length) and appears nowhere in the file;
//! * tshark with the generated dissector opens the file and finds the same messages, in the same order.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::io::{Read as _, Write as _};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::sim::{Guard, cti, lines, post, start_sim, wait_for, wait_for_in};
use common::{json_lines, text};
use cti_proto::MessageType;
use serde_json::Value;

const PASSWORD: &str = "hunter2";

/// Short calls, so that once traffic stops everything in progress ends within seconds.
const SIM_CONFIG: &str = "[traffic]\ncalls_per_second = 20\nring_secs = 0.1\ntalk_min_secs = 0.3\n\
                          talk_max_secs = 0.8\nhold_probability = 0\nwrap_secs = 0.2\n";

/// POSTs `body` as JSON to a control plane; returns the status line.
fn post_json(control: &str, path: &str, body: &str) -> String {
    let mut s = std::net::TcpStream::connect(control).expect("connect to the control plane");
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines().next().unwrap_or_default().to_owned()
}

/// The lines that come until none has come for `quiet`.
fn until_quiet(rx: &mpsc::Receiver<String>, quiet: Duration, into: &mut Vec<String>) {
    while let Ok(l) = rx.recv_timeout(quiet) {
        into.push(l);
    }
}

fn is_message(v: &Value) -> bool {
    v["type"]
        .as_str()
        .and_then(MessageType::from_name)
        .is_some()
}

/// A decoded line without what `cti decode` adds to the message's own JSON form.
fn message_only(v: &Value) -> Value {
    let mut v = v.clone();
    for k in ["ts", "src", "dst", "stream"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

#[test]
fn record_a_failover_between_sim_and_monitor() {
    let dir = std::env::temp_dir().join(format!("cti-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.pcapng");
    let config = dir.join("sim.toml");
    std::fs::write(&config, SIM_CONFIG).unwrap();
    let sim = start_sim(&[
        "--config",
        config.to_str().unwrap(),
        "--control",
        "127.0.0.1:0",
        "--client-id",
        "rec-test",
        "--client-password",
        PASSWORD,
    ]);
    let control = sim.control.clone().unwrap();

    let mut rec = cti()
        .args(["record", "--listen", "127.0.0.1:0", "--a", &sim.a])
        .args(["--listen-b", "127.0.0.1:0", "--b", &sim.b])
        .arg("--out")
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cti record");
    let rec_err = lines(rec.stderr.take().unwrap());
    let mut rec = Guard(rec);
    let addr = |l: String| l.split_whitespace().nth(5).unwrap().to_owned();
    let ra = addr(wait_for(&rec_err, "side A banner", |l| {
        l.contains("side A on")
    }));
    let rb = addr(wait_for(&rec_err, "side B banner", |l| {
        l.contains("side B on")
    }));

    let mut mon = cti()
        .args(["monitor", "--a", &ra, "--b", &rb, "--json"])
        .args(["--client-id", "rec-test", "--client-password", PASSWORD])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cti monitor");
    let out = lines(mon.stdout.take().unwrap());
    let mut mon = Guard(mon);
    let mut printed = Vec::new();
    let mut keep = |what: &str, pred: &dyn Fn(&str) -> bool| {
        let l = wait_for_in(&out, &mut printed, what, pred);
        printed.push(l);
    };
    keep("CONNECTED to A", &|l| l.contains("\"CONNECTED\""));
    for _ in 0..3 {
        keep("calls on A", &|l| l.contains("END_CALL_EVENT"));
    }
    assert!(post(&control, "/sides/a/fail?mode=reset").contains("200"));
    keep("CONNECTED again", &|l| l.contains("\"CONNECTED\""));
    for _ in 0..3 {
        keep("calls on B", &|l| l.contains("END_CALL_EVENT"));
    }
    // Traffic stops; the calls in progress end; then nothing more is sent.
    assert!(post_json(&control, "/traffic", r#"{"calls_per_second":0}"#).contains("200"));
    until_quiet(&out, Duration::from_secs(4), &mut printed);
    assert_eq!(mon.interrupt(), Some(0), "cti monitor quits cleanly");
    let mut log = Vec::new();
    wait_for_in(&sim.err, &mut log, "the session on B closed", |l| {
        l.contains("closed on side B") && l.contains("CLOSE_REQ")
    });
    rec.interrupt();
    let (sim_a, sim_b) = (sim.a.clone(), sim.b.clone());
    let mut sim_log = log;
    while let Ok(l) = sim.err.try_recv() {
        sim_log.push(l);
    }
    drop(sim);

    // The password: nowhere in the file, blanked in each OPEN_REQ.
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes
            .windows(PASSWORD.len())
            .any(|w| w == PASSWORD.as_bytes()),
        "the password is in the file"
    );
    let (code, stdout, stderr) = text(&common::cti(
        &["decode", "--show-secrets", file.to_str().unwrap()],
        &[],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    let decoded = json_lines(&stdout);
    for o in decoded.iter().filter(|l| l["type"] == "OPEN_REQ") {
        assert_eq!(o["client_password"], "\u{0}".repeat(PASSWORD.len()));
        assert_eq!(o["client_id"], "rec-test");
    }

    // The sessions: those the simulator's log opened, in order, on the sides it names.
    let opened: Vec<(&str, &str)> = sim_log
        .iter()
        .filter(|l| l.contains(" opened on side "))
        .map(|l| {
            let side = l.split(" opened on side ").nth(1).unwrap();
            let version = l.split("version ").nth(1).unwrap();
            (&side[..1], version.split(',').next().unwrap())
        })
        .collect();
    let sessions: Vec<(u64, &str, String)> = decoded
        .iter()
        .filter(|l| l["type"] == "OPEN_CONF")
        .map(|l| {
            let stream = l["stream"].as_u64().unwrap();
            let server = l["src"].as_str().unwrap();
            let side = if server == sim_a {
                "A"
            } else {
                assert_eq!(server, sim_b);
                "B"
            };
            let open = decoded
                .iter()
                .find(|o| o["stream"] == stream && o["type"] == "OPEN_REQ")
                .unwrap();
            (stream, side, open["version_number"].to_string())
        })
        .collect();
    assert_eq!(
        sessions
            .iter()
            .map(|(_, s, v)| (*s, v.as_str()))
            .collect::<Vec<_>>(),
        opened,
        "sessions in the file vs the simulator's log:\n{}",
        sim_log.join("\n")
    );
    assert_eq!(
        opened.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        ["A", "B"]
    );
    assert!(
        sim_log
            .iter()
            .any(|l| l.contains("closed on side A") && l.contains("side A failed")),
        "{}",
        sim_log.join("\n")
    );

    // Per session, the server's messages (replies aside) are exactly the message lines the monitor printed.
    let monitor = json_lines(&printed.join("\n"));
    let mut per_session: Vec<Vec<Value>> = Vec::new();
    for l in &monitor {
        if l["type"] == "CONNECTED" {
            per_session.push(Vec::new());
        } else if is_message(l) {
            per_session
                .last_mut()
                .expect("a message before CONNECTED")
                .push(l.clone());
        }
    }
    assert_eq!(per_session.len(), sessions.len());
    for ((stream, side, _), seen) in sessions.iter().zip(&per_session) {
        let server = if *side == "A" { &sim_a } else { &sim_b };
        let in_file: Vec<Value> = decoded
            .iter()
            .filter(|l| l["stream"] == *stream && l["src"] == server.as_str())
            .filter(|l| !l["type"].as_str().unwrap().ends_with("_CONF"))
            .map(message_only)
            .collect();
        assert!(in_file.len() > 3, "stream {stream}: {in_file:?}");
        assert_eq!(in_file.len(), seen.len(), "stream {stream} (side {side})");
        for (i, (f, m)) in in_file.iter().zip(seen).enumerate() {
            assert_eq!(f, m, "stream {stream} (side {side}), message {i}");
        }
    }
    // The session on B ended with CLOSE_REQ / CLOSE_CONF.
    let on_b = sessions[1].0;
    let last: Vec<&str> = decoded
        .iter()
        .filter(|l| l["stream"] == on_b)
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(last[last.len() - 2..], ["CLOSE_REQ", "CLOSE_CONF"]);

    // tshark opens the file and the generated dissector finds the same messages in the same order.
    let lua = concat!(env!("CARGO_MANIFEST_DIR"), "/../../dissector/ged188.lua");
    let shark = std::process::Command::new("tshark")
        .arg("-X")
        .arg(format!("lua_script:{lua}"))
        .arg("-o")
        .arg(format!(
            "ged188.ports:{},{}",
            sim_a.rsplit(':').next().unwrap(),
            sim_b.rsplit(':').next().unwrap()
        ))
        .args(["-r"])
        .arg(&file)
        .args(["-Y", "ged188", "-T", "fields", "-e", "ged188.type"])
        .output()
        .expect(
            "tshark is required (apt-get install -y tshark); this test does not skip without it",
        );
    assert!(
        shark.status.success(),
        "{}",
        String::from_utf8_lossy(&shark.stderr)
    );
    let shown: Vec<u32> = String::from_utf8_lossy(&shark.stdout)
        .split([',', '\n'])
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.trim().parse().unwrap())
        .collect();
    let types: Vec<u32> = decoded
        .iter()
        .map(|l| {
            MessageType::from_name(l["type"].as_str().unwrap())
                .unwrap()
                .0
        })
        .collect();
    assert_eq!(shown, types, "tshark's messages vs cti decode's");
    let _ = std::fs::remove_dir_all(&dir);
}
