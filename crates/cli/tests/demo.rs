//! `cti demo` end to end as a process — the README's first command as CI checks it: `cti demo --duration 20
//! --failover-every 8 --json` shows calls beginning and ending, DISCONNECTED then CONNECTED on the other side, no
//! call lost from the model, and a SUMMARY whose conformance report passes every check (real time: 20 s; the
//! same run on simulated time is cti-demo's e2e test). Also: the dashboard's text capture.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

use std::process::Command;

#[test]
fn demo_survives_a_failover_and_passes_conformance() {
    let out = Command::new(env!("CARGO_BIN_EXE_cti"))
        .args([
            "demo",
            "--duration",
            "20",
            "--failover-every",
            "8",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kind = |v: &serde_json::Value| v["type"].as_str().unwrap_or_default().to_owned();
    assert!(lines.iter().any(|v| kind(v) == "CALL_BEGAN"), "calls begin");
    assert!(lines.iter().any(|v| kind(v) == "CALL_ENDED"), "calls end");
    let connects: Vec<String> = lines
        .iter()
        .filter(|v| kind(v) == "CONNECTED")
        .map(|v| v["side"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        connects.len() >= 2 && connects[0] != connects[1],
        "moved to the other side: {connects:?}"
    );
    let lost = lines
        .iter()
        .position(|v| kind(v) == "DISCONNECTED")
        .expect("a DISCONNECTED line");
    let back = lines.iter().rposition(|v| kind(v) == "CONNECTED").unwrap();
    assert!(back > lost, "CONNECTED again after DISCONNECTED");
    let summary = lines.last().unwrap();
    assert_eq!(kind(summary), "SUMMARY");
    assert!(
        summary["failovers_survived"].as_u64().unwrap() >= 1,
        "{summary}"
    );
    assert_eq!(
        summary["failovers_survived"], summary["failovers"],
        "{summary}"
    );
    assert_eq!(summary["conformance_all_pass"], true, "{summary}");
    assert_eq!(summary["failovers"], 2, "{summary}");
    assert_eq!(
        summary["calls_lost"], 0,
        "no call lost from the model: {summary}"
    );
    // No call lost or invented: every CALL_ENDED refers to a call that began.
    let began: std::collections::HashSet<u64> = lines
        .iter()
        .filter(|v| kind(v) == "CALL_BEGAN")
        .map(|v| v["connection_call_id"].as_u64().unwrap())
        .collect();
    for v in lines.iter().filter(|v| kind(v) == "CALL_ENDED") {
        assert!(
            began.contains(&v["connection_call_id"].as_u64().unwrap()),
            "{v}"
        );
    }
}

#[test]
fn screenshot_prints_one_dashboard_frame() {
    let out = Command::new(env!("CARGO_BIN_EXE_cti"))
        .args(["demo", "--screenshot-after", "3", "--screen-size", "100x30"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 30, "{text}");
    assert!(lines.iter().all(|l| l.chars().count() <= 100), "{text}");
    assert!(
        lines[0].starts_with("┌ ctikit demo · embedded duplex CTI Server"),
        "{text}"
    );
    assert!(lines[1].contains("Side       A (active)"), "{text}");
    assert!(text.contains(" Agents ("), "{text}");
    assert!(lines[29].contains("f  fail the active side"), "{text}");
}

#[test]
fn bad_screen_size_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_cti"))
        .args(["demo", "--screenshot-after", "1", "--screen-size", "10x5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not a size from 20 to 1000"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn no_dashboard_prints_readable_lines_and_the_summary_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_cti"))
        .args(["demo", "--no-dashboard", "--duration", "3"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "CONNECTING side=A", "{text}");
    assert_eq!(lines[1], "CONNECTED side=A", "{text}");
    assert!(!text.contains('\x1b'), "no colour into a pipe");
    assert!(!text.contains('{'), "no JSON: {text}");
    let report = text
        .find("ctikit demo summary")
        .expect("the summary report");
    assert!(
        text[report..].contains("conformance all checks pass"),
        "{text}"
    );
    assert!(
        text[report..].contains("failovers   0 injected, 0 survived"),
        "{text}"
    );
}
