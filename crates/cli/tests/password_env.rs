//! `CTI_CLIENT_PASSWORD`: the ClientPassword of `cti monitor` / `cti agent` / `cti call` read from the
//! environment reaches the OPEN_REQ (a simulator requiring it accepts the session), and is printed nowhere.

#![allow(clippy::expect_used, clippy::panic, reason = "tests")]

mod common;

use std::process::Stdio;

use common::sim::{Guard, cti, lines, start_sim, wait_for};

const PASSWORD: &str = "pw-from-the-environment-7f3a";

#[test]
fn the_password_from_the_environment_opens_the_session() {
    let mut sim = start_sim(&[
        "--calls-per-second",
        "0",
        "--client-id",
        "bridge",
        "--client-password",
        PASSWORD,
    ]);
    let monitor = |env: Option<&str>| {
        let mut c = cti();
        c.args([
            "monitor",
            "--a",
            &sim.a,
            "--b",
            &sim.b,
            "--json",
            "--client-id",
            "bridge",
        ])
        .env_remove("CTI_CLIENT_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if let Some(pw) = env {
            c.env("CTI_CLIENT_PASSWORD", pw);
        }
        let mut child = c.spawn().expect("spawn cti monitor");
        let out = lines(child.stdout.take().expect("stdout"));
        let err = lines(child.stderr.take().expect("stderr"));
        (Guard(child), out, err)
    };

    // Without the variable the server refuses the session and the monitor stops.
    let (mut mon, out, _err) = monitor(None);
    let stopped = wait_for(&out, "STOPPED", |l| {
        l.contains("\"CONNECTED\"") || l.contains("\"STOPPED\"")
    });
    assert!(stopped.contains("\"STOPPED\""), "{stopped}");
    assert_eq!(mon.0.wait().ok().and_then(|s| s.code()), Some(1));

    // With it, the same command opens the session.
    let (mut mon, out, err) = monitor(Some(PASSWORD));
    let connected = wait_for(&out, "CONNECTED", |l| {
        l.contains("\"CONNECTED\"") || l.contains("\"STOPPED\"")
    });
    assert!(connected.contains("\"CONNECTED\""), "{connected}");
    assert_eq!(mon.interrupt(), Some(0));
    drop(mon);

    // A one-shot command too.
    let agent = cti()
        .args(["agent", "state", "--a", &sim.a, "--b", &sim.b])
        .args([
            "--client-id",
            "bridge",
            "--agent-id",
            "1001",
            "--instrument",
            "2001",
        ])
        .env("CTI_CLIENT_PASSWORD", PASSWORD)
        .output()
        .expect("run cti agent");
    let agent_out = String::from_utf8_lossy(&agent.stdout);
    let agent_err = String::from_utf8_lossy(&agent.stderr);
    assert_eq!(agent.status.code(), Some(0), "{agent_err}");
    assert!(agent_out.contains("QUERY_AGENT_STATE_CONF"), "{agent_out}");

    // Nothing anybody printed contains the password.
    assert_eq!(sim.child.interrupt(), Some(0));
    // (Each iterator ends when its process has closed the pipe: everything it printed is read.)
    let mut printed: Vec<String> = out.iter().chain(err.iter()).collect();
    printed.extend(sim.err.iter());
    printed.push(agent_out.into_owned());
    printed.push(agent_err.into_owned());
    assert!(
        printed.iter().all(|l| !l.contains(PASSWORD)),
        "{printed:#?}"
    );
}
