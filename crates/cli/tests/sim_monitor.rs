//! `cti sim` and `cti monitor` as processes: the simulator on free loopback ports, the monitor printing JSON
//! lines (CONNECTED, events, CALL_BEGAN), Ctrl-C closing it with CLOSE_REQ, and `cti sim --report` writing the
//! conformance report on exit.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn cti() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cti"))
}

/// Sends SIGINT (what Ctrl-C does) and waits for the exit status.
fn interrupt(child: &mut Child) -> i32 {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT");
    child.wait().unwrap().code().unwrap_or(-1)
}

/// Lines of a pipe, read on a thread so the test can wait with a deadline.
fn lines(r: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Drain to the end even when nobody listens any more: closing the pipe early would make the child's
        // last writes fail.
        for l in BufReader::new(r).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    rx
}

fn wait_for(rx: &mpsc::Receiver<String>, what: &str, pred: impl Fn(&str) -> bool) -> String {
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) if pred(&l) => return l,
            Ok(_) => {}
            Err(e) => panic!("waiting for {what}: {e}"),
        }
    }
}

#[test]
fn monitor_against_sim_then_report() {
    let dir = std::env::temp_dir().join(format!("cti-sim-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let Sim {
        child: mut sim,
        a,
        b,
        control,
    } = start_sim(&[
        "--control",
        "127.0.0.1:0",
        "--calls-per-second",
        "20",
        "--report",
        report.to_str().unwrap(),
    ]);
    let (a, b) = (a.as_str(), b.as_str());

    let mut mon = cti()
        .args([
            "monitor",
            "--a",
            a,
            "--b",
            b,
            "--json",
            "--client-id",
            "cli-test",
            "--heartbeat",
            "5",
            "--services",
            "all-events,client-control",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = lines(mon.stdout.take().unwrap());
    let connected = wait_for(&out, "CONNECTED", |l| l.contains("\"CONNECTED\""));
    let v: serde_json::Value = serde_json::from_str(&connected).unwrap();
    assert_eq!(v["side"], "A");
    assert_eq!(
        v["services_granted"],
        0x10 | 0x04,
        "ALL_EVENTS | CLIENT_CONTROL"
    );
    wait_for(&out, "a BEGIN_CALL_EVENT", |l| {
        l.contains("\"BEGIN_CALL_EVENT\"")
    });
    wait_for(&out, "a CALL_BEGAN model line", |l| {
        l.contains("\"CALL_BEGAN\"")
    });
    // The monitor survives a failure of the active side: DISCONNECTED from A, then CONNECTED to B.
    let control = control.expect("control plane address");
    assert!(post(&control, "/sides/a/fail?mode=reset").contains("200"));
    wait_for(&out, "DISCONNECTED from A", |l| {
        l.contains("\"DISCONNECTED\"") && l.contains("\"side\":\"A\"")
    });
    wait_for(&out, "CONNECTED to B", |l| {
        l.contains("\"CONNECTED\"") && l.contains("\"side\":\"B\"")
    });
    // ALL_EVENTS + CLIENT_CONTROL: the calls known before the loss are asked about with SNAPSHOT_CALL_REQ.
    let asked = wait_for(&out, "RECONCILING on B", |l| l.contains("\"RECONCILING\""));
    let asked: serde_json::Value = serde_json::from_str(&asked).unwrap();
    assert_eq!(asked["side"], "B");
    assert!(asked["calls"].as_u64().unwrap() >= 1, "{asked}");
    let settled = wait_for(&out, "CALL_RECONCILED", |l| {
        l.contains("\"CALL_RECONCILED\"")
    });
    let settled: serde_json::Value = serde_json::from_str(&settled).unwrap();
    assert!(
        settled["outcome"] == "continues" || settled["outcome"] == "ended during outage",
        "{settled}"
    );
    wait_for(&out, "events on side B", |l| {
        l.contains("\"BEGIN_CALL_EVENT\"")
    });
    assert_eq!(interrupt(&mut mon), 0, "Ctrl-C closes the monitor cleanly");

    assert_eq!(interrupt(&mut sim), 0);
    let text = std::fs::read_to_string(&report).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    let me = r["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client_id"] == "cli-test")
        .expect("the monitor's report");
    let close = me["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "close_before_leaving")
        .unwrap();
    assert_eq!(close["result"], "pass", "{close}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `cti sim` on free ports; returns it with the side A and side B addresses.
/// POSTs to the simulator's control plane (a minimal HTTP/1.1 client); returns the status line.
fn post(control: &str, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(control).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.lines().next().unwrap_or_default().to_owned()
}

/// A running `cti sim`: the process, side A and side B addresses, and the control plane's if asked for.
struct Sim {
    child: Child,
    a: String,
    b: String,
    control: Option<String>,
}

fn start_sim(extra: &[&str]) -> Sim {
    let mut sim = cti()
        .args(["sim", "--side-a", "127.0.0.1:0", "--side-b", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let err = lines(sim.stderr.take().unwrap());
    let banner = wait_for(&err, "the sim banner", |l| l.contains("side A on"));
    let control = extra.contains(&"--control").then(|| {
        let line = wait_for(&err, "the control plane banner", |l| {
            l.contains("control plane on")
        });
        line.rsplit("http://")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    });
    let addrs: Vec<String> = banner
        .split_whitespace()
        .filter(|w| w.starts_with("127.0.0.1:"))
        .map(|w| w.trim_end_matches(',').to_owned())
        .collect();
    Sim {
        child: sim,
        a: addrs[0].clone(),
        b: addrs[1].clone(),
        control,
    }
}

#[test]
fn ctitest_style_agent_and_call_commands() {
    let Sim {
        child: mut sim,
        a,
        b,
        ..
    } = start_sim(&["--calls-per-second", "0"]);
    let run = |args: &[&str]| {
        let out = cti()
            .args(args)
            .args([
                "--a",
                &a,
                "--b",
                &b,
                "--agent-id",
                "1001",
                "--instrument",
                "2001",
            ])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["agent", "not-ready", "--reason", "5"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.trim(),
        r#"{"agent_state":"AGENT_STATE_NOT_READY","type":"SET_AGENT_STATE_CONF"}"#
    );
    let (code, out, _) = run(&["agent", "state"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["type"].as_str(), v["agent_state"].as_str()),
        (
            Some("QUERY_AGENT_STATE_CONF"),
            Some("AGENT_STATE_NOT_READY")
        )
    );
    let (code, _, err) = run(&["call", "hold", "--call", "99:99"]);
    assert_eq!(code, Some(1), "a refused request exits non-zero");
    assert!(
        err.contains("CF_INVALID_CSTA_CONNECTION_IDENTIFIER"),
        "{err}"
    );
    // The same from a TOML profile (ClientConfig keys), with the agent given on the command line.
    let profile = std::env::temp_dir().join(format!("cti-profile-{}.toml", std::process::id()));
    std::fs::write(
        &profile,
        format!("side_a = \"{a}\"\nside_b = \"{b}\"\nclient_id = \"from-profile\"\n"),
    )
    .unwrap();
    let out = cti()
        .args([
            "agent",
            "state",
            "--profile",
            profile.to_str().unwrap(),
            "--agent-id",
            "1002",
            "--instrument",
            "2002",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"agent_id\":\"1002\""));
    let _ = std::fs::remove_file(&profile);
    let (code, _, _) = run(&["call", "set-data", "--call", "1:1", "--var", "11=x"]);
    assert_eq!(code, Some(2), "usage error");
    assert_eq!(interrupt(&mut sim), 0);
}
