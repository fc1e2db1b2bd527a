//! # cti-demo — the whole of ctikit in one process
//!
//! [`Demo`] wires a duplex CTI Server simulator (cti-sim, on free loopback ports), a client that follows every
//! one of Cisco's client guidelines (cti-client, All Events + Client Control, 5 s heartbeats, masks limited to
//! what is shown) and the call and agent model (cti-model) together. A renderer drives it one
//! [`Demo::step`] at a time and injects faults between steps: a side failure ([`Demo::fail_active_side`]), the
//! peripheral going offline and back ([`Demo::toggle_peripheral`]), a new call ([`Demo::start_call`]). After
//! every reconnect the demo reconciles the model with SNAPSHOT_CALL_REQ (an ALL_EVENTS session is not re-sent
//! BEGIN_CALL_EVENTs) and asks each known agent's device (SNAPSHOT_DEVICE_REQ) for the calls that began while no
//! session was open, so no call is lost from the model — which [`Demo::finish`] checks against the simulator's
//! own list of calls. [`Demo::finish`] closes the session with CLOSE_REQ and
//! returns the SUMMARY line with the simulator's conformance verdict on the client.
//!
//! The consumer path (client, model, reconciliation, JSON lines) is [`cti_session::Session`]; this crate adds
//! only what is the demo's: the embedded simulator, fault injection, the tally and the summary. `cti demo` is
//! this crate with three renderers: JSON lines, readable lines and the terminal dashboard.
//!
//! Every timer is tokio's, so a run can be tested in virtual time:
//!
//! ```
//! use std::time::Duration;
//! use cti_demo::{Demo, DemoConfig};
//! use cti_session::lines;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), cti_demo::DemoError> {
//! # // Bounds tokio's jumps to the next timer while bytes are on the loopback wire.
//! # let _clock = cti_sim::FineClock::start();
//! let mut cfg = DemoConfig::default();
//! cfg.duration = Some(Duration::from_secs(20));
//! let mut demo = Demo::start(cfg).await?;
//! let mut out = Vec::new();
//! while demo.step(&mut out).await? {}
//! assert!(out.iter().any(|l| lines::kind(l) == "CALL_BEGAN"));
//! let summary = demo.finish().await;
//! assert_eq!(summary["conformance_all_pass"], true);
//! # Ok(()) }
//! ```

mod config;
mod demo;
mod tally;
mod truth;

pub use config::DemoConfig;
pub use demo::{Demo, DemoError};
pub use tally::{RATE_HISTORY_SECS, Tally};
