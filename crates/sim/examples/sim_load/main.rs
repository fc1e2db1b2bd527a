//! Load generator for `cti sim`: measures the simulator against the performance goals of its issue. Built from
//! `cti-proto` only; it talks to a simulator running as a separate process (`cti sim`), on loopback.
//!
//! ```text
//! cargo run --release -p cti-sim --example sim_load -- sessions --addr 127.0.0.1:42127 --count 5000 \
//!     --heartbeat-secs 5 --duration-secs 60 [--open-concurrency 256] [--sim-pid PID]
//! cargo run --release -p cti-sim --example sim_load -- events --addr 127.0.0.1:42127 --duration-secs 30 \
//!     [--warmup-secs 5] [--decode] [--sim-pid PID]
//! cargo run --release -p cti-sim --example sim_load -- storm --addr-a 127.0.0.1:42127 \
//!     --addr-b 127.0.0.1:43127 --count 5000 [--timeout-secs 30] [--sim-pid PID]
//! ```
//!
//! * `sessions`: opens `count` ALL_EVENTS sessions (IdleTimeout 4 × the heartbeat interval, CallMsgMask
//!   BEGIN_CALL | END_CALL, no agent states), at most `open-concurrency` opening at a time. Each sends
//!   HEARTBEAT_REQ every `heartbeat-secs`, the sessions' phases spread evenly over the interval, and checks that
//!   every one gets its HEARTBEAT_CONF. A CONF is *late* when it comes more than one interval after its request
//!   (the next heartbeat was already due). The run lasts `duration-secs` after the last session opened; then
//!   every session waits up to one interval for its outstanding CONFs and closes (CLOSE_REQ). Exits with
//!   status 1 unless every session opened and every heartbeat was answered in time.
//! * `events`: one ALL_EVENTS session with every call event and agent state unmasked (heartbeat every 5 s);
//!   counts the messages and bytes it receives per second (framing only, or a full decode with `--decode`).
//!   Reports whether the simulator closed the session (it disconnects a consumer that falls 65,536 messages
//!   behind; the tool then exits with status 1), and the longest wait between two reads that returned data
//!   (`max_read_gap_ms`: a stall of the simulator's writer shows there).
//! * `storm`: `count` clients connect to side A at the same instant and each sends OPEN_REQ. A client whose
//!   connection is refused, or whose OPEN_REQ is refused with E_CTI_CTI_SERVER_OFFLINE, tries side B, as a
//!   client should. Every OPEN_REQ must get OPEN_CONF or FAILURE_CONF within `timeout-secs`; the sessions are
//!   held open until every client has its answer. Exits with status 1 if any OPEN_REQ went unanswered (or a
//!   client could not connect to either side).
//!
//! With `--sim-pid`, the simulator's VmRSS and VmHWM (`/proc/PID/status`) are sampled every 250 ms, and its
//! CPU time (`/proc/PID/stat`, 100 ticks/s) is read at the start and the end of the measured window.
//! Every mode prints one JSON line on stdout; progress goes to stderr.

#![allow(
    clippy::cast_precision_loss,
    reason = "counts and durations shown as f64 rates; far below 2^52"
)]

mod events;
mod flags;
mod latency;
mod sampler;
mod sessions;
mod storm;
mod wire;

use std::error::Error;
use std::process::ExitCode;

use flags::{Flags, USAGE};

type BoxError = Box<dyn Error + Send + Sync>;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sim_load: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<ExitCode, BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match mode.as_str() {
        "sessions" => {
            let flags = Flags::parse(
                rest,
                &[
                    "addr",
                    "count",
                    "heartbeat-secs",
                    "duration-secs",
                    "open-concurrency",
                    "sim-pid",
                ],
            )?;
            sessions::run_sessions(&flags).await
        }
        "events" => {
            let flags = Flags::parse(
                rest,
                &["addr", "duration-secs", "warmup-secs", "decode", "sim-pid"],
            )?;
            events::run_events(&flags).await
        }
        "storm" => {
            let flags = Flags::parse(
                rest,
                &["addr-a", "addr-b", "count", "timeout-secs", "sim-pid"],
            )?;
            storm::run_storm(&flags).await
        }
        _ => {
            eprintln!("{USAGE}");
            Ok(ExitCode::from(2))
        }
    }
}
