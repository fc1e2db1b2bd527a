//! [`SessionCore`]: the CTI session as a sans-IO state machine (quinn-proto style). It owns everything the
//! protocol decides — the open handshake (OPEN_REQ out; OPEN_CONF or FAILURE_CONF in), InvokeIDs and the
//! matching of replies to requests in any order ([`crate::invoke`]), request timeouts, heartbeats when idle and
//! three unanswered = failure ([`crate::heartbeat`]), the CLOSE_REQ / CLOSE_CONF handshake with its 5 s wait,
//! and the framing of the byte stream — and nothing else: no sockets, no clock, no tasks.
//!
//! The caller moves bytes and time: it calls [`SessionCore::open`] once a transport is wanted,
//! [`SessionCore::handle_bytes`] with what arrived, [`SessionCore::handle_timeout`] when
//! [`SessionCore::poll_timeout`] is reached, [`SessionCore::request`] / [`SessionCore::close`] for what its
//! users ask; and after each call it drains [`SessionCore::poll_transmit`] (bytes to write),
//! [`SessionCore::poll_reply`] (outcomes of requests, by InvokeID) and [`SessionCore::poll_event`].
//! Time is a [`Duration`] from any fixed origin the caller chooses.
//!
//! ```
//! use std::time::Duration;
//! use cti_client::ClientConfig;
//! use cti_client::session::{SessionCore, SessionEvent, SessionState};
//! use cti_client::Side;
//! use cti_proto::message::OpenConf;
//! use cti_proto::{Frame, FrameDecoder, Message, MessageKind};
//!
//! let cfg = ClientConfig::builder("cti-a:42027").build()?;
//! let mut core = SessionCore::new(&cfg)?;
//! let t0 = Duration::ZERO;
//! core.open(t0, Side::A);
//! let open_req = core.poll_transmit().expect("OPEN_REQ to write");
//! let frame = FrameDecoder::default().decode(&mut open_req.as_ref().into())?.expect("one frame");
//! let Ok(Message::OpenReq(req)) = Message::decode(&frame, cfg.version) else { panic!() };
//!
//! let mut conf = OpenConf::default();
//! conf.invoke_id = req.invoke_id;
//! core.handle_bytes(t0, &Message::from(conf).to_bytes(cfg.version)?);
//! assert!(matches!(core.poll_event(), Some(SessionEvent::Opened { side: Side::A, .. })));
//! assert_eq!(core.state(), SessionState::Open(Side::A));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cti_proto::constants::StatusCode;
use cti_proto::message::{CloseReq, HeartbeatReq, OpenConf, OpenReq};
use cti_proto::{Frame, FrameDecoder, Message};

use crate::config::ClientConfig;
use crate::error::{ClientError, open_rejection_hint};
use crate::heartbeat::{HeartbeatAction, HeartbeatInterval, Heartbeats};
use crate::invoke::Outstanding;
use crate::schedule::Side;

/// How long CLOSE_CONF is awaited after CLOSE_REQ (facts §7.4).
pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionState {
    /// No session: before [`SessionCore::open`], or after the last one ended.
    Idle,
    /// OPEN_REQ sent (or queued) to this side; waiting for OPEN_CONF.
    Opening(Side),
    /// OPEN_CONF received: requests, replies, events and heartbeats flow.
    Open(Side),
    /// CLOSE_REQ sent; waiting up to [`CLOSE_WAIT`] for CLOSE_CONF (events still arrive).
    Closing(Side),
}

/// Something the session reports (drained with [`SessionCore::poll_event`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SessionEvent {
    /// OPEN_CONF arrived: the session is open.
    Opened {
        /// The side.
        side: Side,
        /// The OPEN_CONF.
        conf: Box<OpenConf>,
    },
    /// The open attempt failed in a way the next step of the 17-step schedule may fix (no OPEN_CONF in time,
    /// a retryable FAILURE_CONF status, the transport lost); the session is idle again.
    OpenFailed {
        /// The side tried.
        side: Side,
        /// Why (e.g. `E_CTI_CTI_SERVER_OFFLINE`, `no OPEN_CONF within 30 s`).
        reason: String,
    },
    /// OPEN_REQ was refused with a status that the configuration must fix (an
    /// [`ClientError::OpenRejected`]); the session is idle again.
    OpenRejected {
        /// The side tried.
        side: Side,
        /// The refusal, with its status and what to fix.
        error: ClientError,
    },
    /// A message the server sent unasked (an event, or a reply nobody waits for that is not a CONF).
    Message(Message),
    /// The open session ended without being asked to (transport lost, bad framing, heartbeats unanswered);
    /// every outstanding request was failed. The caller must reset the transport.
    Lost {
        /// The side it was on.
        side: Side,
        /// Why.
        reason: String,
    },
    /// The session ended as asked by [`SessionCore::close`] (CLOSE_CONF arrived, or [`CLOSE_WAIT`] passed).
    Closed {
        /// The side it was on.
        side: Side,
    },
}

/// The outcome of one request (drained with [`SessionCore::poll_reply`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The InvokeID [`SessionCore::request`] assigned.
    pub invoke_id: u32,
    /// Its CONF, or why not: FAILURE_CONF, CONTROL_FAILURE_CONF, timeout, session lost or closed.
    pub result: Result<Message, ClientError>,
}

/// Heartbeat counters since the core was made (across sessions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeartbeatStats {
    /// HEARTBEAT_REQs sent.
    pub sent: u64,
    /// HEARTBEAT_CONFs received for an outstanding heartbeat.
    pub answered: u64,
    /// Time from the last answered HEARTBEAT_REQ to its HEARTBEAT_CONF.
    pub last_rtt: Option<Duration>,
}

/// The sans-IO CTI session. One core serves every session of a client in turn (InvokeIDs stay unique across
/// reconnects).
pub struct SessionCore {
    version: u32,
    open_req: OpenReq,
    open_timeout: Duration,
    request_timeout: Duration,
    interval: HeartbeatInterval,
    state: SessionState,
    /// Opening: when the OPEN_CONF wait ends; Closing: when the CLOSE_CONF wait ends.
    deadline: Option<Duration>,
    outstanding: Outstanding<()>,
    heartbeats: Heartbeats,
    stats: HeartbeatStats,
    buf: BytesMut,
    frames: FrameDecoder,
    transmit: VecDeque<Bytes>,
    events: VecDeque<SessionEvent>,
    replies: VecDeque<Reply>,
}

impl std::fmt::Debug for SessionCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The OPEN_REQ (with the password) is left out on purpose.
        f.debug_struct("SessionCore")
            .field("state", &self.state)
            .field("outstanding", &self.outstanding.len())
            .field("heartbeats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Whether `m` is a reply (a CONF, FAILURE_CONF, ...) rather than an event of the server's own, by its kind in
/// the message tables.
fn is_reply(m: &Message) -> bool {
    m.kind() == cti_proto::MessageKind::Reply
}

impl SessionCore {
    /// A core for sessions configured by `cfg` (checked: an invalid configuration is an error).
    pub fn new(cfg: &ClientConfig) -> Result<Self, ClientError> {
        let open_req = cfg.open_req(0)?;
        let interval = cfg.heartbeat()?;
        // The OPEN_REQ must encode, or no session can ever open.
        Message::from(open_req.clone()).to_bytes(cfg.version)?;
        Ok(SessionCore {
            version: cfg.version,
            open_req,
            open_timeout: cfg.open_timeout(),
            request_timeout: cfg.request_timeout(),
            interval,
            state: SessionState::Idle,
            deadline: None,
            outstanding: Outstanding::new(),
            heartbeats: Heartbeats::new(HeartbeatInterval::DISABLED, Duration::ZERO),
            stats: HeartbeatStats::default(),
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            replies: VecDeque::new(),
        })
    }

    /// Where the session is.
    pub fn state(&self) -> SessionState {
        self.state
    }

    /// Requests sent and not answered yet.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// Heartbeat counters.
    pub fn heartbeat_stats(&self) -> HeartbeatStats {
        self.stats
    }

    /// Starts a session with `side` at `now`: queues OPEN_REQ (write it once the transport is up) and waits
    /// for OPEN_CONF until `now` + the open timeout. A session still in progress is dropped first (its
    /// requests fail as on a loss, without an event).
    pub fn open(&mut self, now: Duration, side: Side) {
        if self.state != SessionState::Idle {
            self.end_session(&ClientError::NotConnected("session restarted".into()));
        }
        self.buf.clear();
        self.frames = FrameDecoder::default();
        let mut req = self.open_req.clone();
        req.invoke_id = self.outstanding.next_id();
        match Message::from(req).to_bytes(self.version) {
            Ok(bytes) => self.transmit.push_back(bytes),
            // Checked in `new`; kept as an error, never a panic.
            Err(e) => {
                self.events.push_back(SessionEvent::OpenRejected {
                    side,
                    error: e.into(),
                });
                return;
            }
        }
        self.state = SessionState::Opening(side);
        self.deadline = Some(now + self.open_timeout);
    }

    /// Sends `message` as a request at `now`: gives it a fresh InvokeID (returned; its reply comes out of
    /// [`SessionCore::poll_reply`] with that ID) and queues it. Refused — nothing queued — when no session is
    /// open, when the message has no InvokeID, or when it does not encode.
    pub fn request(&mut self, now: Duration, mut message: Message) -> Result<u32, ClientError> {
        match self.state {
            SessionState::Open(_) => {}
            SessionState::Idle => return Err(ClientError::NotConnected("no session".into())),
            SessionState::Opening(_) => return Err(ClientError::NotConnected("connecting".into())),
            SessionState::Closing(_) => return Err(ClientError::Closed),
        }
        let id = self.outstanding.next_id();
        if !message.set_invoke_id(id) {
            return Err(ClientError::NoInvokeId {
                name: message.name(),
            });
        }
        let bytes = message.to_bytes(self.version)?;
        self.transmit.push_back(bytes);
        self.heartbeats.sent_anything(now);
        self.outstanding.insert(id, (), now + self.request_timeout);
        Ok(id)
    }

    /// Closes the session at `now`: CLOSE_REQ, then up to [`CLOSE_WAIT`] for CLOSE_CONF, after which
    /// [`SessionEvent::Closed`] is reported. A session not open yet ends at once (no CLOSE_REQ); an idle core
    /// does nothing.
    pub fn close(&mut self, now: Duration) {
        match self.state {
            SessionState::Open(side) => {
                let mut req = CloseReq::default();
                req.invoke_id = self.outstanding.next_id();
                req.status = StatusCode::E_CTI_NO_ERROR;
                match Message::from(req).to_bytes(self.version) {
                    Ok(bytes) => {
                        self.transmit.push_back(bytes);
                        self.state = SessionState::Closing(side);
                        self.deadline = Some(now + CLOSE_WAIT);
                    }
                    Err(_) => self.finish_close(side),
                }
            }
            SessionState::Opening(side) => self.finish_close(side),
            SessionState::Closing(_) | SessionState::Idle => {}
        }
    }

    /// Bytes arrived from the server at `now`. A byte stream that is not a sequence of frames ends the session
    /// (one [`SessionEvent::Lost`] or [`SessionEvent::OpenFailed`]); bytes after that are ignored.
    pub fn handle_bytes(&mut self, now: Duration, data: &[u8]) {
        if self.state == SessionState::Idle {
            return;
        }
        self.buf.extend_from_slice(data);
        loop {
            match self.frames.decode(&mut self.buf) {
                Ok(Some(frame)) => {
                    self.handle_frame(now, &frame);
                    if self.state == SessionState::Idle {
                        return;
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    self.transport_lost(&format!("bad framing from the server: {e}"));
                    return;
                }
            }
        }
    }

    /// One whole frame arrived from the server at `now` (for callers that frame the stream themselves).
    pub fn handle_frame(&mut self, now: Duration, frame: &Frame) {
        let m = match Message::decode(frame, self.version) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("undecodable message from the server: {e}");
                return;
            }
        };
        match self.state {
            SessionState::Idle => {}
            SessionState::Opening(side) => self.handle_open_answer(now, side, m),
            SessionState::Open(_) => self.dispatch(now, m),
            SessionState::Closing(side) => {
                if let Message::CloseConf(_) = m {
                    self.finish_close(side);
                } else {
                    self.dispatch(now, m);
                }
            }
        }
    }

    /// The transport failed or the server closed it (`reason` says how); the session ends: outstanding
    /// requests fail and [`SessionEvent::Lost`] (or [`SessionEvent::OpenFailed`] while opening, or
    /// [`SessionEvent::Closed`] while closing) is reported.
    pub fn transport_lost(&mut self, reason: &str) {
        match self.state {
            SessionState::Idle => {}
            SessionState::Opening(side) => {
                self.end_session(&ClientError::NotConnected(reason.to_owned()));
                self.events.push_back(SessionEvent::OpenFailed {
                    side,
                    reason: reason.to_owned(),
                });
            }
            SessionState::Open(side) => {
                self.end_session(&ClientError::NotConnected(format!(
                    "connection lost: {reason}"
                )));
                self.events.push_back(SessionEvent::Lost {
                    side,
                    reason: reason.to_owned(),
                });
            }
            SessionState::Closing(side) => self.finish_close(side),
        }
    }

    /// Ends the session at once with no event, e.g. because the caller resets it: outstanding requests fail
    /// with `error`; unsent bytes and unread events are discarded.
    pub fn abort(&mut self, error: &ClientError) {
        self.end_session(error);
        self.events.clear();
    }

    /// Ends the session: outstanding requests fail with `error`; unsent and unframed bytes are discarded
    /// (events already reported stay to be polled).
    fn end_session(&mut self, error: &ClientError) {
        for (invoke_id, ()) in self.outstanding.drain() {
            self.replies.push_back(Reply {
                invoke_id,
                result: Err(error.clone()),
            });
        }
        self.transmit.clear();
        self.buf.clear();
        self.deadline = None;
        self.state = SessionState::Idle;
    }

    /// Time passed: `now` is at or after [`SessionCore::poll_timeout`] (earlier calls do nothing harmful).
    pub fn handle_timeout(&mut self, now: Duration) {
        match self.state {
            SessionState::Idle => {}
            SessionState::Opening(side) => {
                if self.deadline.is_some_and(|d| now >= d) {
                    let reason = format!("no OPEN_CONF within {} s", self.open_timeout.as_secs());
                    self.end_session(&ClientError::NotConnected(reason.clone()));
                    self.events
                        .push_back(SessionEvent::OpenFailed { side, reason });
                }
            }
            SessionState::Closing(side) => {
                if self.deadline.is_some_and(|d| now >= d) {
                    self.finish_close(side);
                } else {
                    self.expire(now);
                }
            }
            SessionState::Open(side) => {
                self.expire(now);
                match self.heartbeats.poll(now) {
                    HeartbeatAction::Idle => {}
                    HeartbeatAction::Send => self.send_heartbeat(now),
                    HeartbeatAction::Failed => {
                        let reason = "3 heartbeats unanswered (half-open connection)";
                        self.end_session(&ClientError::NotConnected(format!(
                            "connection lost: {reason}"
                        )));
                        self.events.push_back(SessionEvent::Lost {
                            side,
                            reason: reason.to_owned(),
                        });
                    }
                }
            }
        }
    }

    /// When [`SessionCore::handle_timeout`] next has something to do.
    pub fn poll_timeout(&self) -> Option<Duration> {
        let requests = self.outstanding.next_deadline();
        let own = match self.state {
            SessionState::Idle => return None,
            SessionState::Opening(_) => return self.deadline,
            SessionState::Open(_) => self.heartbeats.next_deadline(),
            SessionState::Closing(_) => self.deadline,
        };
        match (own, requests) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The next bytes to write to the server, in order.
    pub fn poll_transmit(&mut self) -> Option<Bytes> {
        self.transmit.pop_front()
    }

    /// The next outcome of a request.
    pub fn poll_reply(&mut self) -> Option<Reply> {
        self.replies.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    fn handle_open_answer(&mut self, now: Duration, side: Side, m: Message) {
        match m {
            Message::OpenConf(conf) => {
                self.state = SessionState::Open(side);
                self.deadline = None;
                self.heartbeats = Heartbeats::new(self.interval, now);
                self.events.push_back(SessionEvent::Opened { side, conf });
            }
            Message::FailureConf(f) => {
                let reason = f.status.to_string();
                self.end_session(&ClientError::NotConnected(reason.clone()));
                self.events.push_back(match open_rejection_hint(f.status) {
                    None => SessionEvent::OpenFailed { side, reason },
                    Some(hint) => SessionEvent::OpenRejected {
                        side,
                        error: ClientError::OpenRejected {
                            status: f.status,
                            hint,
                        },
                    },
                });
            }
            // Nothing else is expected before OPEN_CONF; it is not an event of an open session either.
            other => tracing::debug!("{} before OPEN_CONF ignored", other.name()),
        }
    }

    /// A message of an open (or closing) session: a heartbeat answer, a reply to an outstanding request, a
    /// late reply, or an event.
    fn dispatch(&mut self, now: Duration, m: Message) {
        if let Message::HeartbeatConf(c) = &m {
            if let Some(sent) = self.heartbeats.answered(c.invoke_id) {
                self.stats.answered += 1;
                self.stats.last_rtt = Some(now.saturating_sub(sent));
            }
            return;
        }
        let Some(invoke_id) = m
            .invoke_id()
            .filter(|id| self.outstanding.complete(*id).is_some())
        else {
            if is_reply(&m) {
                // A reply whose request timed out (or was failed on a loss): not an event of the server's own.
                tracing::debug!("late {} for InvokeID {:?} dropped", m.name(), m.invoke_id());
            } else {
                self.events.push_back(SessionEvent::Message(m));
            }
            return;
        };
        let result = match m {
            Message::FailureConf(f) => Err(ClientError::Failure(f.status)),
            Message::ControlFailureConf(c) => Err(ClientError::ControlFailure {
                code: c.failure_code,
                peripheral_error: c.peripheral_error_code,
            }),
            other => Ok(other),
        };
        self.replies.push_back(Reply { invoke_id, result });
    }

    fn expire(&mut self, now: Duration) {
        let secs = self.request_timeout.as_secs();
        for (invoke_id, ()) in self.outstanding.expired(now) {
            self.replies.push_back(Reply {
                invoke_id,
                result: Err(ClientError::Timeout(secs)),
            });
        }
    }

    fn send_heartbeat(&mut self, now: Duration) {
        let invoke_id = self.outstanding.next_id();
        let mut req = HeartbeatReq::default();
        req.invoke_id = invoke_id;
        match Message::from(req).to_bytes(self.version) {
            Ok(bytes) => {
                self.transmit.push_back(bytes);
                self.heartbeats.sent_heartbeat(invoke_id, now);
                self.stats.sent += 1;
            }
            Err(e) => tracing::warn!("HEARTBEAT_REQ not encoded: {e}"),
        }
    }

    /// The close handshake is over (or was cut short): requests still outstanding fail as closed.
    fn finish_close(&mut self, side: Side) {
        self.end_session(&ClientError::Closed);
        self.events.push_back(SessionEvent::Closed { side });
    }
}
