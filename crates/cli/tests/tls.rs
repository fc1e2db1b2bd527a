//! `cti sim --tls-self-signed` and `cti monitor` over mutual TLS as processes: the simulator prints the monitor
//! command line, which connects and receives events; a monitor without a client certificate fails its attempts
//! with the plain reason and the simulator logs the refusal.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod common;

use std::process::Stdio;

use common::sim::{Guard, cti, lines, start_sim, wait_for};

#[test]
fn self_signed_sim_and_the_monitor_line_it_prints() {
    let dir = std::env::temp_dir().join(format!("cti-tls-cli-{}", std::process::id()));
    let sim = start_sim(&[
        "--tls-self-signed",
        dir.to_str().unwrap(),
        "--calls-per-second",
        "20",
    ]);
    let line = wait_for(&sim.err, "the monitor command line", |l| {
        l.trim_start().starts_with("cti monitor ")
    });
    let args: Vec<String> = line.split_whitespace().skip(1).map(str::to_owned).collect();
    assert_eq!(
        args,
        [
            "monitor",
            "--a",
            &sim.a,
            "--b",
            &sim.b,
            "--ca",
            dir.join("ca.pem").to_str().unwrap(),
            "--cert",
            dir.join("client.pem").to_str().unwrap(),
            "--key",
            dir.join("client.key").to_str().unwrap(),
        ]
    );
    let mut mon = cti()
        .args(&args)
        .args(["--json", "--client-id", "tls-cli"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = lines(mon.stdout.take().unwrap());
    let mut mon = Guard(mon);
    let connected = wait_for(&out, "CONNECTED", |l| l.contains("\"CONNECTED\""));
    let v: serde_json::Value = serde_json::from_str(&connected).unwrap();
    assert_eq!(v["side"], "A");
    wait_for(&out, "a BEGIN_CALL_EVENT", |l| {
        l.contains("\"BEGIN_CALL_EVENT\"")
    });
    assert_eq!(mon.interrupt(), Some(0));

    // Without a client certificate: refused by the side, reported in plain words by the monitor.
    let mut bare = cti()
        .args(["monitor", "--a", &sim.a, "--json", "--ca"])
        .arg(dir.join("ca.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = lines(bare.stdout.take().unwrap());
    let _bare = Guard(bare);
    let failed = wait_for(&out, "ATTEMPT_FAILED", |l| l.contains("\"ATTEMPT_FAILED\""));
    let v: serde_json::Value = serde_json::from_str(&failed).unwrap();
    assert_eq!(
        v["reason"],
        format!(
            "{}: client certificate required: the server asked for a client certificate and none is configured (--cert, --key)",
            sim.a
        )
    );
    let refused = wait_for(&sim.err, "the refusal log line", |l| {
        l.contains("refused the connection")
    });
    assert!(
        refused.ends_with("no client certificate (this side requires one issued by its client CA)"),
        "{refused}"
    );
    drop(sim);
    let _ = std::fs::remove_dir_all(&dir);
}
