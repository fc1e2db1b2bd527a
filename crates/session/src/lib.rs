//! # cti-session — one CTI Server pair's whole consumer path
//!
//! A [`Session`] holds the guideline-following [`cti_client::Client`], its event stream, the call and agent
//! [`cti_model::Model`] and the reconciler, and hands out one [`Update`] per thing that happened: a server
//! message or a lifecycle event of the client, a reconciliation step, a model deadline — each with the model
//! changes it caused, in order. Every consumer of ctikit (`cti monitor`, `cti demo`, the bridge example, your
//! program) is this loop:
//!
//! ```
//! use std::time::Duration;
//! use cti_client::ClientConfig;
//! use cti_model::Change;
//! use cti_proto::constants::{CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL};
//! use cti_session::{Session, SessionConfig};
//! use cti_sim::{FailMode, Side, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let _clock = cti_sim::FineClock::start(); // bounds virtual-time jumps while bytes are on the wire
//! let sim = Simulator::builder().calls_per_second(2.0).seed(7).start().await?;
//! let client = ClientConfig::builder(sim.addr(Side::A).to_string())
//!     .side_b(sim.addr(Side::B).to_string())
//!     .credentials("doc-example", "")
//!     .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
//!     .heartbeat_secs(5)
//!     .build()?;
//! let mut session = Session::start(SessionConfig::new("pg1", client))?;
//! let mut began = 0;
//! while let Some(update) = session.next().await {
//!     assert_eq!(&*update.source, "pg1");
//!     began += update.changes.iter().filter(|c| matches!(c, Change::CallBegan(_))).count();
//!     if update.at > Duration::from_secs(10) { break; }
//!     if update.at > Duration::from_secs(5) && session.status().side == Some(cti_client::Side::A) {
//!         sim.handle().fail_side(Side::A, FailMode::Reset); // the session moves to side B, the model stays
//!     }
//! }
//! assert!(began > 0);
//! session.close().await;
//! # sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## Reconciliation
//!
//! Events that occur while no session is open are never reported again, and an ALL_EVENTS session is not
//! re-sent BEGIN_CALL_EVENTs for calls in progress. So after every reconnect of a session granted ALL_EVENTS and
//! CLIENT_CONTROL, the session asks the server about every call the model had (SNAPSHOT_CALL_REQ, at most
//! [`ReconcileConfig::max_in_flight`] at a time): calls that continue are kept, calls the server no longer knows
//! end "ended during outage", and the others are left to the model's re-announcement window. When a peripheral
//! comes back online, its calls the outage left uncertain are asked about the same way (resumed, or ended
//! "peripheral offline"). After a reconnect it also asks each agent device the model knows
//! (SNAPSHOT_DEVICE_REQ, within the same bound) which calls it has, and the calls found that the model did not
//! know are discovered: they began while no session was open. See [`reconcile`] and [`devices`].
//!
//! ## Back-pressure
//!
//! Memory stays bounded when a consumer stops reading: the client's event queue holds at most
//! [`ClientConfig::event_queue`](cti_client::ClientConfig::event_queue) events; when it is full the client resets
//! that CTI session (as a CTI Server treats a slow client), counts it (`ClientStatus::event_overflows`) and, once
//! the consumer reads again, reports [`ClientEvent::Overflow`](cti_client::ClientEvent::Overflow) — an update and
//! an `OVERFLOW` line — before the `DISCONNECTED` of that session; then it reconnects and the session reconciles
//! as after any reconnect. The session itself holds only the updates of the one event it is handing out, and at
//! most [`ReconcileConfig::max_in_flight`] reconciliation answers (an unread answer stops the asking). Nothing
//! is dropped silently.
//!
//! ## The JSON line format
//!
//! [`Update::lines`] turns an update into JSON objects, one per line, each with a `"type"`: the line format of
//! `cti monitor --json`, `cti demo --json` and the gateway. Server messages are their own JSON form (`"type"` is
//! the message name, fields as in `cti decode`); the other lines are:
//!
//! | `type` | fields |
//! |---|---|
//! | `CONNECTING` | `side` |
//! | `ATTEMPT_FAILED` | `side`, `reason` |
//! | `WAITING` | `secs` |
//! | `CONNECTED` | `side`, `services_requested`, `services_granted`, `services_not_granted`, `pg_status`, `peripheral_online` |
//! | `DISCONNECTED` | `side`, `reason` |
//! | `STOPPED` | `error` |
//! | `OVERFLOW` | `side`, `capacity`: the consumer fell behind, the client's event queue (`ClientConfig::event_queue`) filled, and the session on `side` was reset (then `DISCONNECTED`, a reconnect and reconciliation follow) |
//! | `CALL_BEGAN` | `connection_call_id`, `connection_device_id`, `ani`, `dnis` |
//! | `CALL_DISCOVERED` | `connection_call_id`, `connection_device_id`, `by` (the message that revealed the call: `CALL_ESTABLISHED_EVENT`, `END_CALL_EVENT`, `SNAPSHOT_DEVICE_CONF`, ...), `after_outage` (false: in progress before the first session), `known` and `unknown` (call fields, `began_at` always unknown), `peripheral_id`, `state`, `ani`, `dnis` (null when not known, or when the call ended at once) |
//! | `CALL_SUSPENDED` | `connection_call_id`, `connection_device_id`, `peripheral_id`: an END_CALL_EVENT came while the call's peripheral was offline; the call is held, still live |
//! | `CALL_RESUMED` | `connection_call_id`, `connection_device_id`, `gap_secs`: a suspended call reported again after its peripheral returned (the same call, not a new one) |
//! | `CALL_ENDED` | `connection_call_id`, `connection_device_id`, `reason` (`end call`, `lost during outage`, `peripheral offline` — also for suspended calls not resumed within the resume window —, `ended during outage`) |
//! | `CALL_REKEYED` | `from`, `to` |
//! | `AGENT_REKEYED` | `from` (extension or instrument), `to` (AgentID) |
//! | `PERIPHERAL_STATUS` | `peripheral_id`, `online` |
//! | `RECONCILING` | `side`, `calls` (SNAPSHOT_CALL_REQs sent), `peripheral_id` (only after a peripheral returned) |
//! | `CALL_RECONCILED` | `connection_call_id`, `connection_device_id`, `outcome` (`continues`, `ended during outage`, `peripheral offline`, `unsettled`), `applied`, `error` |
//! | `RECONCILING_DEVICES` | `side`, `devices` (SNAPSHOT_DEVICE_REQs sent after a reconnect, one per known agent device) |
//! | `DEVICE_RECONCILED` | `peripheral_id`, `agent_id`, `instrument`, `calls` (ConnectionCallIDs at the device), `discovered` (how many the model did not know), `error` |
//!
//! A session with a non-empty [`SessionConfig::source`] adds `"source"` to every line, so that the lines of
//! several CTI Server pairs can be merged downstream.
//!
//! **Compatibility promise** (format version [`lines::LINE_FORMAT_VERSION`]): a field is never renamed or
//! removed and never changes meaning; new fields and new line types may appear in any release, so a reader must
//! ignore what it does not know. Should a field ever have to change, the version changes and the change is
//! announced in the README.
//!
//! [`lines`] also gives each line's readable form (`TYPE key=value ...`, what `cti monitor` prints without
//! `--json`) and its colour.

pub mod devices;
pub mod lines;
pub mod reconcile;
mod session;
mod update;

pub use devices::{DeviceAnswer, DeviceAsk, FoundCall};
pub use reconcile::{Answer, Cause, Outcome, ReconcileConfig};
pub use session::{Session, SessionConfig};
pub use update::{Update, UpdateKind};
