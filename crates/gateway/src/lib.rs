//! # cti-gateway — one CTI session per CTI Server pair, every consumer through NATS JetStream
//!
//! A CTI Server admits only a few All Events clients per peripheral gateway; every recorder, screen pop,
//! wallboard and WFM feed wants the same events. [`Gateway`] holds one guideline-following
//! [`cti_session::Session`] per source (a CTI Server pair) and publishes every update to a JetStream stream (`CTI`
//! by default, subjects `cti.<source>.>`, see [`subjects`]) with a JetStream ack for each record, and keeps the
//! live calls and agents in the KV buckets `cti_calls` and `cti_agents`. A consumer that starts late reads the
//! buckets, then follows the stream from where they are complete ([`follow::LiveState`]).
//!
//! The path of one update: [`records::Recorder`] turns it into numbered stream records (`Cti-Seq`, no holes)
//! and KV writes (pure, no NATS); a bounded queue per source holds the batches while NATS is slow or away (an
//! overflow becomes a `session.gap` record and a rewrite of the buckets); the publisher sends them in order with
//! a window of acks in flight and sends again what was not acknowledged; the KV writes of a burst are coalesced
//! (the last write to each key, one position marker per flush, at most 50 ms late while the gateway is busy).
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use cti_gateway::records::{Context, Recorder};
//! use cti_model::Model;
//!
//! // What a gap looks like on the stream (the recorder is pure: no NATS needed).
//! let mut rec = Recorder::new("pg1", 41);
//! let ctx = Context { side: "A", session: 1, version: 24 };
//! let batch = rec.gap(38, 40, SystemTime::UNIX_EPOCH + Duration::from_secs(1), ctx);
//! let gap = &batch.records[0];
//! assert_eq!(gap.subject, "cti.pg1.session.gap");
//! assert_eq!(gap.seq, 41);
//! assert!(gap.headers.contains(&("Nats-Msg-Id", "cti:pg1:41".to_owned())));
//! assert!(gap.headers.contains(&("Cti-Received", "1970-01-01T00:00:01.000000Z".to_owned())));
//! let body: serde_json::Value = serde_json::from_slice(&gap.payload).unwrap();
//! assert_eq!(body["lost"], 3);
//! assert!(rec.resync(&Model::default(), 41).len() == 2); // an empty model: prune both buckets
//! ```
//!
//! Runnable against a real server: `cargo run -p cti-gateway --example late_consumer` (see its docs).

mod buffer;
mod coalesce;
pub mod config;
mod control;
pub mod follow;
mod gateway;
mod http;
mod http_state;
mod lease;
mod live;
mod lost;
pub mod metrics;
mod outbox;
mod publisher;
pub mod records;
pub mod rfc3339;
mod source;
mod source_info;
pub mod stored;
pub mod subjects;
mod supervisor;
mod ws;

pub use config::{GatewayConfig, GatewayConfigError, SourceConfig};
pub use gateway::{Gateway, GatewayError};
pub use source::SourceStatus;
pub use source_info::SourceInfo;
