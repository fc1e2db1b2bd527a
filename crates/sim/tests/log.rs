//! What the simulator logs at the default level (info) for what only time shows — a silent session reset after
//! its IdleTimeout, a connection that never sends OPEN_REQ — under paused time, captured from `tracing`.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "tests"
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use cti_proto::Message;
use cti_sim::{Side, Simulator};
use support::{Peer, all_events};

/// Everything logged at info and above while the returned guard lives (this thread only: the tests run on a
/// current-thread runtime, so the simulator's tasks log here too).
fn capture() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(move || sink.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

fn text(buf: &Mutex<Vec<u8>>) -> Vec<String> {
    String::from_utf8_lossy(&buf.lock().unwrap())
        .lines()
        .map(|l| l.trim().to_owned())
        .collect()
}

async fn sim() -> Simulator {
    Simulator::builder()
        .calls_per_second(0.0)
        .start()
        .await
        .expect("start")
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_and_a_missing_open_req_are_logged() {
    let (buf, _guard) = capture();
    let sim = sim().await;

    let mut peer = Peer::connect(sim.addr(Side::A)).await;
    let mut req = all_events(24);
    req.idle_timeout = 20;
    assert!(matches!(peer.open(req).await, Message::OpenConf(_)));
    let _ = peer.until_closed().await;
    let lines = text(&buf);
    let closed: Vec<&String> = lines.iter().filter(|l| l.contains("closed")).collect();
    let [closed] = closed.as_slice() else {
        panic!("one close: {lines:#?}");
    };
    assert!(
        closed.starts_with("INFO session 1 closed on side A (client \"bridge\"): ")
            && closed.ends_with("nothing received for 20 s (IdleTimeout)"),
        "{lines:#?}"
    );

    // A connection that never sends its OPEN_REQ is closed after 60 s, and said so.
    let mut silent = Peer::connect(sim.addr(Side::A)).await;
    let _ = silent.until_closed().await;
    let lines = text(&buf);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("WARN connection 2 from 127.0.0.1:")
                && l.ends_with("on side A: no OPEN_REQ within 60 s; closing")),
        "{lines:#?}"
    );
}
