//! # cti-client — a CTI Server client that follows every one of Cisco's client guidelines
//!
//! [`Client`] is a cheap handle to one driver task that owns the
//! connection: it connects by the 17-step Side A/B algorithm, opens the session, sends each request with a
//! unique InvokeID and matches the reply back whatever order replies come in, sends heartbeats when idle and
//! declares the session failed after three unanswered ones, reports every event and lifecycle change on
//! [`Events`], reconnects after every loss, and closes with CLOSE_REQ; [`Client::status`] reads the session's
//! state (side, services granted, heartbeats) at any time. Its sans-IO cores:
//!
//! * [`schedule`] — Side A/B selection, the 17 steps, as a pure iterator with the random source injected;
//! * [`heartbeat`] — heartbeat interval rules (−1 disables, ≥ 5 s), when to send, three unanswered = failure;
//! * [`invoke`] — unique InvokeIDs, replies matched by InvokeID in any order, timeouts, failure on disconnect;
//! * [`session`] — the session state machine ([`session::SessionCore`]): open handshake, replies vs events,
//!   heartbeats, timeouts, CLOSE handshake, framing; fed bytes and time, polled for bytes, replies and events;
//! * [`config`] — the client configuration (builder and serde), the generic message masks, OPEN_REQ;
//! * [`tls`] — TLS to the secured ports: trust roots, client certificates, pinning, plain handshake errors;
//! * [`address`] — `HOST[:PORT]` and the default ports (42027/43027, 42030/43030 with TLS).
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

pub mod address;
mod client;
mod command;
pub mod config;
mod driver;
pub mod error;
pub mod event;
#[doc(hidden)]
pub mod fuzzing;
pub mod heartbeat;
pub mod invoke;
pub mod requests;
pub mod schedule;
pub mod session;
pub mod status;
pub mod tls;

pub use client::{Client, Events};
pub use config::{ClientConfig, ClientConfigBuilder, ConfigError};
pub use error::{ClientError, ErrorKind};
pub use event::ClientEvent;
pub use requests::{Agent, CallRef};
pub use schedule::{ConnectSchedule, Side, Step};
pub use status::ClientStatus;
pub use tls::{TlsConfig, TlsConnect};
