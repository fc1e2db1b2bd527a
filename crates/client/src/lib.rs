//! # cti-client — a CTI Server client that follows every one of Cisco's client guidelines
//!
//! Work in progress (see the client issue). What exists now are the sans-IO cores, each tested on its own:
//!
//! * [`schedule`] — Side A/B selection, the 17 steps, as a pure iterator with the random source injected;
//! * [`heartbeat`] — heartbeat interval rules (−1 disables, ≥ 5 s), when to send, three unanswered = failure;
//! * [`invoke`] — unique InvokeIDs, replies matched by InvokeID in any order, timeouts, failure on disconnect;
//! * [`config`] — the client configuration (builder and serde), the generic message masks, OPEN_REQ.
//!
//! ```
//! use cti_client::schedule::{ConnectSchedule, Side, Step};
//! use std::time::Duration;
//!
//! let mut steps = ConnectSchedule::new(200, true, |max: u64| max / 2);
//! assert_eq!(steps.next(), Some(Step::Attempt(Side::A)));
//! assert_eq!(steps.next(), Some(Step::Attempt(Side::B)));
//! assert_eq!(steps.next(), Some(Step::Wait(Duration::from_secs(10))));
//! ```

pub mod config;
pub mod heartbeat;
pub mod invoke;
pub mod schedule;

pub use config::{ClientConfig, ClientConfigBuilder, ConfigError};
pub use schedule::{ConnectSchedule, Side, Step};
