//! `cti sim` says what it does at the default log level (no RUST_LOG): one line per session opened and closed,
//! per refused OPEN_REQ, per connection dropped for garbage before its OPEN_REQ, per fault injected through the
//! control plane and per failover — and never a password.

#![allow(clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use common::hex;
use common::sim::{Guard, cti, lines, post, start_sim, wait_for, wait_for_in};

/// OPEN_REQ v24, IdleTimeout 20, ALL_EVENTS, ClientID "recorder-1", ClientPassword "hunter2".
const OPEN_REQ: &str = "00000046 00000003 00000001 00000018 00000014 ffffffff 00000010 00006000 00000000 \
                        00000000 00000000 00000000 00000000 0001 000b 7265636f726465722d3100 \
                        0002 0007 68756e74657232";

/// Sends `bytes` on a new connection to `addr` and reads until the server closes it.
fn exchange(addr: &str, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(common::sim::LINE_DEADLINE))
        .expect("read timeout");
    s.write_all(bytes).expect("send");
    let mut reply = Vec::new();
    // A reset after the FAILURE_CONF is expected: what was read before it counts.
    let _ = s.read_to_end(&mut reply);
    reply
}

/// The session number of a `session N opened ...` / `session N closed ...` line.
fn session_id(line: &str) -> u64 {
    line.split("session ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no session id in {line:?}"))
}

#[test]
fn the_simulator_logs_sessions_refusals_garbage_and_faults() {
    let mut sim = start_sim(&["--control", "127.0.0.1:0", "--calls-per-second", "0"]);
    let control = sim.control.clone().expect("control plane address");
    let mut seen = Vec::new();
    let mut expect = |what: &str, pred: &dyn Fn(&str) -> bool| -> String {
        let line = wait_for_in(&sim.err, &mut seen, what, pred);
        seen.push(line.clone());
        line
    };

    // A session opened by `cti monitor`.
    let mut mon = cti()
        .args(["monitor", "--a", &sim.a, "--b", &sim.b, "--json"])
        .args(["--client-id", "log-test", "--services", "all-events"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn cti monitor");
    let mon_out = lines(mon.stdout.take().expect("stdout"));
    let mut mon = Guard(mon);
    let opened = expect("the session opened on A", &|l| {
        l.contains("opened on side A") && l.contains("\"log-test\"")
    });
    assert!(
        opened.contains("version 24")
            && opened.contains("services CTI_SERVICE_ALL_EVENTS")
            && opened.contains("INFO"),
        "{opened}"
    );
    let first = session_id(&opened);
    wait_for(&mon_out, "CONNECTED", |l| l.contains("\"CONNECTED\""));

    // An OPEN_REQ to the idle side is refused, by name; the password is not in the line.
    let reply = exchange(&sim.b, &hex(OPEN_REQ));
    assert!(!reply.is_empty(), "a FAILURE_CONF");
    let refused = expect("the refusal", &|l| l.contains("refused with"));
    assert!(
        refused.contains("on side B")
            && refused.contains("\"recorder-1\"")
            && refused.ends_with("refused with E_CTI_CTI_SERVER_OFFLINE"),
        "{refused}"
    );

    // Garbage before an OPEN_REQ.
    exchange(&sim.a, &hex("ffffffff 00000005"));
    let dropped = expect("the garbage line", &|l| {
        l.contains("dropped before OPEN_REQ")
    });
    assert!(
        dropped.contains("on side A") && dropped.contains("E_CTI_INVALID_MESSAGE_LENGTH"),
        "{dropped}"
    );

    // Side A fails: the fault, the failover, the session closed; the monitor opens again on B.
    assert!(post(&control, "/sides/a/fail?mode=reset").contains("200"));
    let fault = expect("the fault", &|l| l.contains("fault: side A failed"));
    assert!(fault.contains("reset"), "{fault}");
    let failover = expect("the failover", &|l| l.contains("failover:"));
    assert!(
        failover.ends_with("failover: side A failed while active; side B is now active"),
        "{failover}"
    );
    let closed = expect("the session closed", &|l| {
        l.contains(&format!("session {first} closed"))
    });
    assert!(closed.ends_with("side A failed"), "{closed}");
    let reopened = expect("the session opened on B", &|l| {
        l.contains("opened on side B") && l.contains("\"log-test\"")
    });
    let second = session_id(&reopened);

    // Peripheral offline and online, a session silenced then dropped, side A restored.
    assert!(post(&control, "/peripherals/5000/offline").contains("200"));
    expect("peripheral offline", &|l| {
        l.ends_with("fault: peripheral 5000 offline (its calls end now)")
    });
    assert!(post(&control, "/peripherals/5000/online").contains("200"));
    expect("peripheral online", &|l| {
        l.ends_with("fault: peripheral 5000 online again")
    });
    assert!(post(&control, &format!("/sessions/{second}/silence")).contains("200"));
    expect("silenced", &|l| {
        l.contains(&format!("fault: session {second} silenced"))
    });
    assert!(post(&control, &format!("/sessions/{second}/drop")).contains("200"));
    expect("dropped", &|l| {
        l.contains(&format!("fault: session {second} dropped"))
    });
    let closed = expect("the dropped session closed", &|l| {
        l.contains(&format!("session {second} closed"))
    });
    assert!(closed.ends_with("dropped by the server"), "{closed}");
    assert!(post(&control, "/sides/a/restore").contains("200"));
    expect("restored", &|l| l.ends_with("fault: side A restored"));

    assert_eq!(mon.interrupt(), Some(0));
    assert_eq!(sim.child.interrupt(), Some(0));
    seen.extend(sim.err.iter());
    assert!(seen.iter().all(|l| !l.contains("hunter2")), "{seen:#?}");
    // Plain text on a pipe: no colour codes.
    assert!(seen.iter().all(|l| !l.contains('\u{1b}')), "{seen:#?}");
}
