//! `cti record` between `cti sim` and `cti monitor` through a failover (side A failed through the sim's control
//! plane): the monitor works through the proxy on both sides, and `cti decode` of the file gives both
//! sessions as separate streams with the true endpoints, the password blanked (zero bytes, same length).

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::process::Stdio;

use common::sim::{Guard, cti, lines, post, start_sim, wait_for};
use common::{json_lines, text};

const PASSWORD: &str = "hunter2";

#[test]
fn record_a_failover_between_sim_and_monitor() {
    let dir = std::env::temp_dir().join(format!("cti-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("session.pcapng");
    let sim = start_sim(&[
        "--control",
        "127.0.0.1:0",
        "--calls-per-second",
        "20",
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
        .args([
            "monitor",
            "--a",
            &ra,
            "--b",
            &rb,
            "--json",
            "--client-id",
            "rec-test",
        ])
        .args(["--client-password", PASSWORD])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cti monitor");
    let out = lines(mon.stdout.take().unwrap());
    let mut mon = Guard(mon);
    wait_for(&out, "CONNECTED to A", |l| l.contains("\"CONNECTED\""));
    wait_for(&out, "a call", |l| {
        l.contains("BEGIN_CALL") || l.contains("CALL_BEGAN")
    });
    assert!(post(&control, "/sides/a/fail?mode=reset").contains("200"));
    wait_for(&out, "CONNECTED again", |l| l.contains("\"CONNECTED\""));
    wait_for(&out, "a call on B", |l| {
        l.contains("BEGIN_CALL") || l.contains("CALL_BEGAN")
    });
    mon.interrupt();
    rec.interrupt();
    let (sim_a, sim_b) = (sim.a.clone(), sim.b.clone());
    drop(sim);

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
    let lines = json_lines(&stdout);
    let opens: Vec<&serde_json::Value> = lines.iter().filter(|l| l["type"] == "OPEN_REQ").collect();
    assert!(opens.len() >= 2, "{stdout}");
    for o in &opens {
        assert_eq!(o["client_password"], "\u{0}".repeat(PASSWORD.len()));
        assert_eq!(o["client_id"], "rec-test");
    }
    // Stream 0 is the session on side A; a later stream the one on side B (after side A refused a retry,
    // perhaps), each with the OPEN_CONF of its server and, on B, the calls.
    let stream_of = |server: &str| {
        lines
            .iter()
            .find(|l| l["type"] == "OPEN_CONF" && l["src"] == server)
            .and_then(|l| l["stream"].as_u64())
    };
    assert_eq!(stream_of(&sim_a), Some(0), "{stdout}");
    let on_b = stream_of(&sim_b).expect("a session on side B");
    assert!(on_b > 0);
    let of = |stream: u64, ty: &str| {
        lines
            .iter()
            .any(|l| l["stream"] == stream && l["type"] == ty)
    };
    for stream in [0, on_b] {
        assert!(
            of(stream, "OPEN_REQ") && of(stream, "OPEN_CONF"),
            "stream {stream}"
        );
    }
    assert!(of(on_b, "BEGIN_CALL_EVENT"), "{stdout}");
    let client_of_b = lines
        .iter()
        .find(|l| l["stream"] == on_b && l["type"] == "OPEN_REQ")
        .unwrap();
    assert_eq!(client_of_b["dst"], sim_b.as_str());
    // tshark (installed by .ci/run) opens the file and the generated dissector reads the sessions (the sim's
    // ports given by the dissector's port preference).
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
        .arg("-r")
        .arg(&file)
        .output()
        .expect("tshark is required (apt-get install -y tshark)");
    let shown = String::from_utf8_lossy(&shark.stdout);
    assert!(
        shark.status.success(),
        "{}",
        String::from_utf8_lossy(&shark.stderr)
    );
    assert!(
        shown.contains("GED-188") && shown.contains("OPEN_REQ"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
