//! # cti-model — calls and agents built from CTI Server (GED-188) events
//!
//! A pure model (no I/O, no clocks: time is passed in as a [`Duration`](std::time::Duration) since any fixed
//! origin) of the calls and agents a CTI client sees, following Cisco's client guidelines:
//!
//! * **Generic call objects** ("Generic vs ACD-Specific Applications"): BEGIN_CALL_EVENT creates a call keyed by
//!   [`CallKey`] (ConnectionCallID + ConnectionDeviceIDType + ConnectionDeviceID), CALL_DATA_UPDATE_EVENT updates
//!   it (and may re-key it), END_CALL_EVENT ends it; the other call events enrich it ([`CallState`], devices)
//!   when present.
//! * **Message order**: events of a call not yet begun are kept and merged when it begins, END before other
//!   events and duplicates are handled, agent and call events are independent — without losing or inventing
//!   calls. Missed events are never invented.
//! * **Failures**: calls not re-announced after a reconnect end as [`EndReason::LostDuringOutage`]; calls that
//!   began while no session was open are discovered ([`Change::CallDiscovered`]); an END_CALL_EVENT that a
//!   peripheral outage caused suspends its call ([`Change::CallSuspended`]) until the peripheral returns and
//!   the call is resumed ([`Change::CallResumed`]) or the resume window passes.
//! * **Agents** from AGENT_STATE_EVENT and QUERY_AGENT_STATE_CONF ([`Agent`]).
//!
//! Changes are reported as a stream of [`Change`]s; [`Model::snapshot`] gives everything at once.
//!
//! ## Call rules
//!
//! * A call begins only with a BEGIN_CALL_EVENT. An event for a key that has not begun is kept as pending data
//!   for that key; the BEGIN_CALL_EVENT begins the call with that data merged on top (the early events
//!   logically followed the BEGIN_CALL_EVENT, which precedes all events of a call).
//! * END_CALL_EVENT ends a live call. For a key that never began: once a session has opened
//!   ([`Model::session_opened`]) the call is discovered and then ended (see "Calls that began unseen"); before
//!   any session (a model fed messages without one) it drops the pending data and emits nothing. A duplicate
//!   END_CALL_EVENT, and any event for an ended key, is ignored until a new BEGIN_CALL_EVENT.
//! * A BEGIN_CALL_EVENT for a live call merges its data ([`Change::CallChanged`] when anything changed), never
//!   a second [`Change::CallBegan`].
//! * [`Change::CallChanged`] is emitted exactly when what the model knows of the call changed, so duplicate
//!   events emit nothing.
//! * CALL_DATA_UPDATE_EVENT (and the other events carrying call data) replace the values they carry and leave
//!   the others unchanged, except the ECC set (named variables and arrays), which is always complete from v22:
//!   it replaces the stored set when the event carries any ECC value and is kept when it carries none.
//! * A CALL_DATA_UPDATE_EVENT whose NewConnectionCallID/NewConnectionDeviceIDType/NewConnectionDeviceID differ
//!   from the key re-keys the call ([`Change::CallRekeyed`]; data changes first, as a [`Change::CallChanged`]
//!   under the old key). No re-key when the new key is that of another live call, or when the new
//!   ConnectionDeviceID is absent (or empty with a zero NewConnectionCallID). A re-key that arrives before the
//!   BEGIN_CALL_EVENT is kept with the pending data: the call then begins under its new key.
//! * [`CallState`] comes only from the enriching events (DELIVERED → ringing, ESTABLISHED/RETRIEVED →
//!   connected, HELD, QUEUED, ORIGINATED/SERVICE_INITIATED → initiated, FAILED, CLEARED); CONNECTION_CLEARED,
//!   DIVERTED, DEQUEUED and REACHED_NETWORK leave it as it is. An ACD that sends none leaves it `unknown`.
//! * Memory is bounded: [`ModelConfig::max_pending`] keys with pending data, [`ModelConfig::max_ended`] ended
//!   keys remembered.
//!
//! ## Agents
//!
//! AGENT_STATE_EVENT and QUERY_AGENT_STATE_CONF update the agent keyed by AgentID (else AgentIDLong; a report
//! without either is matched to a known agent by extension, then instrument, else keys a new agent by them; when
//! that agent's AgentID is reported later, the entry is re-keyed to it, [`Change::AgentRekeyed`]).
//! [`Change::AgentChanged`] is emitted when the overall state changes (and for a new agent, `from: None`);
//! duplicates and reason-code-only changes emit nothing. Agent reports and call events are independent.
//!
//! ## Failures
//!
//! **CTI Server failure / lost session.** Events that occur while no session is open are never reported again.
//! After [`Model::session_opened`] every call known before awaits re-announcement: a BEGIN_CALL_EVENT for it
//! before `now + reannounce_window` keeps it (merged data, [`Change::CallChanged`]); at the deadline
//! ([`Model::tick`], or the next [`Model::apply`]) the others end as [`EndReason::LostDuringOutage`]. A
//! later session does not move a call's deadline while it lies ahead (connections that flap faster than the
//! window would otherwise keep every unconfirmed call forever); calls end this way only while a session is
//! open, and a deadline that passed while none was gives the call a new window at the next. Only a
//! BEGIN_CALL_EVENT re-announces a call; other events update it but do not re-announce it. ClientEvents
//! sessions receive a BEGIN_CALL_EVENT for every call in progress, so only calls that really ended during the
//! outage are lost. ALL_EVENTS sessions do not: their client asks the server about each call of
//! [`Model::awaiting_reannouncement`] (SNAPSHOT_CALL_REQ) and tells the model the answer — [`Model::confirm_call`]
//! keeps a call that continues, [`Model::end_call`] with [`EndReason::EndedDuringOutage`] ends one the server no
//! longer knows (cti-demo does this). Calls nobody asks about end as "lost during outage" when the window
//! closes — the honest outcome, since the model cannot know that they continue.
//!
//! **Calls that began unseen.** An ALL_EVENTS session is not re-sent BEGIN_CALL_EVENTs, so a call that began
//! while no session was open (or before the first one) would never begin. Once a session has opened, an event
//! naming an unknown key (CALL_ESTABLISHED, CALL_DATA_UPDATE, CALL_HELD, CALL_CLEARED, ... — every call event the
//! model reads; AGENT_STATE_EVENT names no call) is kept as pending data for
//! [`ModelConfig::discover_after`] (its BEGIN_CALL_EVENT may simply come a little later: "Message Order"); if
//! none comes, the call is created from that data as *discovered* ([`Change::CallDiscovered`]: what revealed
//! it, whether a session had been open before, the fields known and not known — `began_at` is never known, it
//! is when the call was first seen; [`Call::discovered`] is set). An END_CALL_EVENT for a key never seen is
//! reported as a [`Change::CallDiscovered`] (by `END_CALL_EVENT`) followed by its [`Change::CallEnded`], never
//! dropped. [`Model::discover_call`] adds a call the server lists for a device (SNAPSHOT_DEVICE_CONF), unless
//! it is live or has ended already. The invariant of the change stream holds: every [`Change::CallEnded`]
//! follows a [`Change::CallBegan`] or a [`Change::CallDiscovered`] of that key.
//!
//! **Peripheral (ACD link) failure.** SYSTEM_EVENT SYS_PERIPHERAL_OFFLINE (Arg1 = PeripheralID) marks that
//! peripheral's calls uncertain. The server may then send END_CALL_EVENT for every call "even though the actual
//! voice calls may still be in progress", and a new BEGIN_CALL_EVENT for each call whose reporting resumes when
//! the peripheral is back. So an END_CALL_EVENT that arrives while its call's peripheral is offline does not end
//! the call: it is *suspended* ([`Change::CallSuspended`], [`Call::suspended_since`]), still live. A
//! BEGIN_CALL_EVENT for it — or any event of it once the peripheral is online, or the server confirming it
//! ([`Model::resume_call`]) — resumes it: one call, never a second [`Change::CallBegan`]
//! ([`Change::CallResumed`] with the gap's duration). The suspended calls not resumed within
//! [`ModelConfig::resume_window`] after SYS_PERIPHERAL_ONLINE end as [`EndReason::PeripheralOffline`] (a new
//! outage before then stops the window until the next return). An END_CALL_EVENT of an uncertain call after the
//! peripheral returned ends it as [`EndReason::PeripheralOffline`]. Calls that linger (no END_CALL_EVENT) stay
//! uncertain until an event or the server decides: a BEGIN_CALL_EVENT resumes one ([`Change::CallChanged`]),
//! and so does any other event once the peripheral is reported online again (normal reporting continued).
//!
//! Deadlines — the re-announcement window, pending keys due for discovery, resume windows — are handled by
//! [`Model::tick`] (and at the start of every [`Model::apply`]); [`Model::next_deadline`] says when.
//!
//! ## Example
//!
//! ```
//! use std::time::Duration;
//! use cti_model::{CallKey, Change, EndReason, Model, ModelConfig};
//! use cti_proto::Message;
//! use cti_proto::constants::*;
//! use cti_proto::message::{BeginCallEvent, CallEstablishedEvent, EndCallEvent};
//!
//! let mut model = Model::new(ModelConfig::default());
//! let mut out = Vec::new();
//! let t = Duration::from_secs;
//!
//! // The ESTABLISHED arrives before the BEGIN_CALL: kept, not a call yet.
//! let mut est = CallEstablishedEvent::default();
//! est.peripheral_id = 5000;
//! est.connection_call_id = 42;
//! est.connection_device_id_type = CONNECTION_ID_STATIC;
//! est.connection_device_id = Some("3001".into());
//! est.answering_device_id = Some("3001".into());
//! model.apply(&Message::from(est), t(1), &mut out);
//! assert!(out.is_empty());
//!
//! let mut begin = BeginCallEvent::default();
//! begin.peripheral_id = 5000;
//! begin.connection_call_id = 42;
//! begin.connection_device_id_type = CONNECTION_ID_STATIC;
//! begin.connection_device_id = Some("3001".into());
//! begin.ani = Some("5551234".into());
//! model.apply(&Message::from(begin), t(2), &mut out);
//!
//! let key = CallKey::new(42, CONNECTION_ID_STATIC, "3001");
//! assert_eq!(out, vec![Change::CallBegan(key.clone())]);
//! let call = model.call(&key).unwrap();
//! assert_eq!(call.state, cti_model::CallState::Connected);
//! assert!(call.devices.contains("3001"));
//!
//! let mut end = EndCallEvent::default();
//! end.peripheral_id = 5000;
//! end.connection_call_id = 42;
//! end.connection_device_id_type = CONNECTION_ID_STATIC;
//! end.connection_device_id = Some("3001".into());
//! out.clear();
//! model.apply(&Message::from(end), t(3), &mut out);
//! assert_eq!(out, vec![Change::CallEnded { key, reason: EndReason::EndCall }]);
//! assert_eq!(model.calls().count(), 0);
//! ```

#![forbid(unsafe_code)]

mod agents;
mod call;
mod change;
mod discovery;
mod events;
#[doc(hidden)]
pub mod fuzzing;
mod key;
mod model;
mod outage;
mod suspended;

pub use agents::Agent;
pub use call::{CALL_FIELDS, Call, CallState, RouterCallKey};
pub use change::{Change, EndReason};
pub use key::CallKey;
pub use model::{Model, ModelConfig, Snapshot};
