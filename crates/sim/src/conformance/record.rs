//! What the recorder keeps per connection and per side; the checks read it at report time.

use std::collections::BTreeMap;
use std::time::Duration;

use cti_proto::constants::{AgentStateMask, CallMsgMask, ServiceMask, StatusCode};

use super::{CloseCause, ConnId};
use crate::config::Side;

/// Most heartbeats kept per connection (14 hours at the 5 s minimum).
pub(super) const MAX_HEARTBEATS: usize = 10_000;
/// Most individual findings kept per connection and kind (they are counted beyond that).
pub(super) const MAX_FINDINGS: usize = 20;

/// A client identity: ClientID and ClientSignature.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ClientKey {
    pub client_id: String,
    pub signature: String,
}

/// The OPEN_REQ of a connection.
#[derive(Debug, Clone)]
pub(super) struct OpenInfo {
    pub at: Duration,
    pub idle_timeout: u32,
    pub services: ServiceMask,
    pub call_mask: CallMsgMask,
    pub agent_mask: AgentStateMask,
}

/// OPEN_CONF (accepted) or FAILURE_CONF.
#[derive(Debug, Clone, Copy)]
pub(super) struct OpenResult {
    pub at: Duration,
    pub accepted: bool,
    pub status: Option<StatusCode>,
}

/// A HEARTBEAT_REQ and whether the client sent anything else since the previous one.
#[derive(Debug, Clone, Copy)]
pub(super) struct Heartbeat {
    pub at: Duration,
    pub other_traffic_before: bool,
}

/// A request sent while another with the same InvokeID was outstanding.
#[derive(Debug, Clone)]
pub(super) struct Reuse {
    pub at: Duration,
    pub invoke_id: u32,
    pub message: &'static str,
    pub first_at: Duration,
    pub first_message: &'static str,
}

/// A request sent before OPEN_CONF.
#[derive(Debug, Clone)]
pub(super) struct EarlyRequest {
    pub at: Duration,
    pub message: &'static str,
}

/// InvokeID bookkeeping of one connection.
#[derive(Debug, Clone, Default)]
pub(super) struct InvokeTracker {
    /// InvokeID → (sent at, message name) of each outstanding request, oldest first.
    pub outstanding: BTreeMap<u32, Vec<(Duration, &'static str)>>,
    pub last: Option<u32>,
    pub requests: u64,
    pub not_increasing: u64,
    pub first_not_increasing: Option<(Duration, u32, u32)>,
    pub reuses: Vec<Reuse>,
    pub reuse_count: u64,
}

impl InvokeTracker {
    /// Records a request: reuse while outstanding, order, then marks it outstanding.
    pub fn request(&mut self, invoke_id: u32, message: &'static str, at: Duration) {
        self.requests += 1;
        if let Some(last) = self.last {
            // A wrap from near u32::MAX back to a small number is still a counter.
            let wrapped = last > u32::MAX - 1024 && invoke_id < 1024;
            if invoke_id <= last && !wrapped {
                self.not_increasing += 1;
                if self.first_not_increasing.is_none() {
                    self.first_not_increasing = Some((at, last, invoke_id));
                }
            }
        }
        self.last = Some(invoke_id);
        let entry = self.outstanding.entry(invoke_id).or_default();
        if let Some(&(first_at, first_message)) = entry.first() {
            self.reuse_count += 1;
            if self.reuses.len() < MAX_FINDINGS {
                self.reuses.push(Reuse {
                    at,
                    invoke_id,
                    message,
                    first_at,
                    first_message,
                });
            }
        }
        entry.push((at, message));
    }

    /// The server answered `invoke_id`: the oldest outstanding request with it is done.
    pub fn reply(&mut self, invoke_id: u32) {
        if let Some(list) = self.outstanding.get_mut(&invoke_id) {
            if !list.is_empty() {
                list.remove(0);
            }
            if list.is_empty() {
                self.outstanding.remove(&invoke_id);
            }
        }
    }

    /// The oldest outstanding request (sent at, InvokeID, message name).
    pub fn oldest(&self) -> Option<(Duration, u32, &'static str)> {
        self.outstanding
            .iter()
            .filter_map(|(id, list)| list.first().map(|&(at, m)| (at, *id, m)))
            .min_by_key(|&(at, id, _)| (at, id))
    }
}

/// Everything recorded about one TCP connection.
#[derive(Debug, Clone)]
pub(super) struct ConnRecord {
    pub id: ConnId,
    pub side: Option<Side>,
    pub accepted_at: Duration,
    pub client: Option<ClientKey>,
    pub open: Option<OpenInfo>,
    pub result: Option<OpenResult>,
    pub closed: Option<(CloseCause, Duration)>,
    /// CLOSE_REQ: sent at, Status.
    pub close_req: Option<(Duration, StatusCode)>,
    pub heartbeats: Vec<Heartbeat>,
    pub heartbeats_dropped: u64,
    pub other_since_heartbeat: bool,
    pub invoke: InvokeTracker,
    pub early: Vec<EarlyRequest>,
    pub early_count: u64,
    /// Requests after OPEN_CONF (the proof that a session was used).
    pub requests_after_open: u64,
    /// The oldest request still unanswered when the connection closed (sent at, InvokeID, message).
    pub unanswered_at_close: Option<(Duration, u32, &'static str)>,
}

impl ConnRecord {
    /// A connection accepted on `side` at `at`.
    pub fn new(id: ConnId, side: Option<Side>, at: Duration) -> ConnRecord {
        ConnRecord {
            id,
            side,
            accepted_at: at,
            client: None,
            open: None,
            result: None,
            closed: None,
            close_req: None,
            heartbeats: Vec::new(),
            heartbeats_dropped: 0,
            other_since_heartbeat: false,
            invoke: InvokeTracker::default(),
            early: Vec::new(),
            early_count: 0,
            requests_after_open: 0,
            unanswered_at_close: None,
        }
    }

    /// True once OPEN_CONF was sent.
    pub fn opened(&self) -> bool {
        self.result.is_some_and(|r| r.accepted)
    }

    /// When the connection ended as far as the client's next attempt is concerned: its close, else its
    /// OPEN result, else its accept.
    pub fn ended_at(&self) -> Duration {
        self.closed
            .map(|(_, at)| at)
            .or(self.result.map(|r| r.at))
            .unwrap_or(self.accepted_at)
    }

    /// True when the client closed on purpose: a CLOSE_REQ with E_CTI_NO_ERROR (or a ClientClose without
    /// a recorded CLOSE_REQ). A CLOSE_REQ with E_CTI_CTI_SERVER_OFFLINE / E_CTI_TIMEOUT is a failure the
    /// client detected.
    pub fn closed_on_purpose(&self) -> bool {
        match (self.close_req, self.closed) {
            (Some((_, status)), _) => status == StatusCode::E_CTI_NO_ERROR,
            (None, Some((cause, _))) => cause == CloseCause::ClientClose,
            (None, None) => false,
        }
    }

    /// True for an opened session that ended without the client asking for it.
    pub fn lost(&self) -> bool {
        self.opened() && self.closed.is_some() && !self.closed_on_purpose()
    }
}

/// When a side's listener may have refused connections (attempts there are invisible to the server).
#[derive(Debug, Clone, Default)]
pub(super) struct SideTrack {
    /// The session layer reported the listener state: use only what it said.
    explicit: bool,
    /// Intervals `[start, end)` in which the listener may have been closed.
    refusing: Vec<(Duration, Option<Duration>)>,
}

impl SideTrack {
    fn open_interval(&self) -> bool {
        self.refusing.last().is_some_and(|(_, end)| end.is_none())
    }

    fn start(&mut self, at: Duration) {
        if !self.open_interval() {
            self.refusing.push((at, None));
        }
    }

    fn end(&mut self, at: Duration) {
        if let Some(last) = self.refusing.last_mut() {
            if last.1.is_none() {
                last.1 = Some(at.max(last.0));
            }
        }
    }

    /// True when the listener may have refused connections at some moment of `[from, to]`.
    pub fn maybe_refusing(&self, from: Duration, to: Duration) -> bool {
        self.refusing
            .iter()
            .any(|&(start, end)| start <= to && end.is_none_or(|e| e > from))
    }
}

/// Listener knowledge of both sides.
#[derive(Debug, Clone, Default)]
pub(super) struct Sides {
    a: SideTrack,
    b: SideTrack,
}

impl Sides {
    /// The track of `side`.
    pub fn track(&self, side: Side) -> &SideTrack {
        match side {
            Side::A => &self.a,
            Side::B => &self.b,
        }
    }

    fn track_mut(&mut self, side: Side) -> &mut SideTrack {
        match side {
            Side::A => &mut self.a,
            Side::B => &mut self.b,
        }
    }

    /// A connection was accepted: the listener was open.
    pub fn accepted(&mut self, side: Side, at: Duration) {
        self.track_mut(side).end(at);
    }

    /// The side failed (its connections were closed with ServerFailover): its listener may be down until
    /// a connection is accepted there again (unless the session layer reports listener states).
    pub fn failed_over(&mut self, side: Side, at: Duration) {
        let track = self.track_mut(side);
        if track.explicit {
            return;
        }
        // Several connections close with the same failover; a straggler right after an accept must not
        // reopen the interval.
        let recent = track
            .refusing
            .last()
            .is_some_and(|&(start, _)| at.saturating_sub(start) < Duration::from_secs(1));
        if !recent {
            track.start(at);
        }
    }

    /// The session layer says whether the side's listener accepts connections.
    pub fn listener(&mut self, side: Side, listening: bool, at: Duration) {
        let track = self.track_mut(side);
        if !track.explicit {
            track.explicit = true;
            track.refusing.clear();
        }
        if listening {
            track.end(at);
        } else {
            track.start(at);
        }
    }
}
