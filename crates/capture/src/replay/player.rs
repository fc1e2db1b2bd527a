//! [`Player`]: the CTI Server side of one replayed connection, sans-IO. Client messages in
//! ([`Player::on_message`]), answers out; the recorded events come out when due ([`Player::next_event_at`],
//! [`Player::poll_events`]). Time is a `Duration` since the connection was accepted, passed in by the caller.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::Duration;

use cti_proto::constants::{
    E_CTI_CTI_SERVER_OFFLINE, E_CTI_FUNCTION_NOT_AVAILABLE, E_CTI_INVALID_MSG_TYPE_FOR_VERSION,
    E_CTI_SESSION_ALREADY_OPEN, E_CTI_SESSION_NOT_OPEN, StatusCode,
};
use cti_proto::message::{CloseConf, FailureConf, HeartbeatConf};
use cti_proto::{Message, MessageKind};

use super::open_check::check_open;
use super::pace::Pace;
use super::recording::{RecordedSession, TimedEvent};
use super::tally::{Tally, add};

/// What the server does after an answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// Messages to send now, in order.
    pub messages: Vec<Message>,
    /// Close the connection once they are written (the OPEN_REQ was refused, or CLOSE_CONF was sent).
    pub close: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitOpen,
    Open { at: Duration },
    Closed,
}

/// The server side of one replayed connection.
#[derive(Debug, Clone)]
pub struct Player {
    session: Option<RecordedSession>,
    pace: Pace,
    phase: Phase,
    /// The recorded replies still unused, per request type, in recorded order.
    replies: HashMap<&'static str, VecDeque<Vec<Message>>>,
    events: VecDeque<TimedEvent>,
    /// Recorded client messages not yet matched by this client's, by type.
    recorded_left: BTreeMap<&'static str, u64>,
    leaves: bool,
    tally: Tally,
}

const HEARTBEAT: &str = "HEARTBEAT_REQ";

fn failure(invoke_id: u32, status: StatusCode, text: Option<String>) -> Message {
    let mut f = FailureConf::default();
    f.invoke_id = invoke_id;
    f.status = status;
    f.text = text.map(|t| t.as_str().into());
    f.into()
}

impl Player {
    /// Serves `session` at `pace`; `None` once the recording's sessions are used up (every OPEN_REQ is then
    /// refused with E_CTI_CTI_SERVER_OFFLINE). With `server_leaves`, the recorded server ended the session (a
    /// failover: the recording has a later session): [`Player::finished`] then asks the caller to close the
    /// connection once every event is sent.
    pub fn new(session: Option<RecordedSession>, pace: Pace, server_leaves: bool) -> Player {
        let mut replies: HashMap<&'static str, VecDeque<Vec<Message>>> = HashMap::new();
        let mut events = VecDeque::new();
        let mut recorded_left = BTreeMap::new();
        let mut tally = Tally::default();
        if let Some(s) = &session {
            for x in &s.exchanges {
                replies
                    .entry(x.request)
                    .or_default()
                    .push_back(x.replies.clone());
            }
            events = s.events.iter().cloned().collect();
            recorded_left.clone_from(&s.client_sent);
            tally.stream = Some(s.stream);
            tally.events_recorded = s.events.len() as u64;
        }
        Player {
            session,
            pace,
            phase: Phase::AwaitOpen,
            replies,
            events,
            recorded_left,
            leaves: server_leaves,
            tally,
        }
    }

    /// The protocol version to encode and decode at (the recording's; `fallback` without a session).
    pub fn version(&self, fallback: u32) -> u32 {
        self.session.as_ref().map_or(fallback, |s| s.version)
    }

    /// True once the session is open.
    pub fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open { .. })
    }

    /// The client sent `msg` at `now`: what to answer.
    pub fn on_message(&mut self, msg: &Message, now: Duration) -> Answer {
        if self.phase == Phase::Closed {
            return Answer::default();
        }
        if let (Message::OpenReq(req), Phase::AwaitOpen) = (msg, self.phase) {
            let version = self.session.as_ref().map(|s| s.version);
            let verdict = match version {
                Some(v) => check_open(req, v),
                None => Err(E_CTI_CTI_SERVER_OFFLINE),
            };
            let conf = self.session.as_ref().map(|s| s.open_conf.clone());
            return match verdict.and(conf.ok_or(E_CTI_CTI_SERVER_OFFLINE)) {
                Ok(mut conf) => {
                    conf.invoke_id = req.invoke_id;
                    self.phase = Phase::Open { at: now };
                    self.tally.opened = true;
                    Answer {
                        messages: vec![conf.into()],
                        close: false,
                    }
                }
                Err(status) => {
                    self.tally.open_refused = Some(status.to_string());
                    self.phase = Phase::Closed;
                    Answer {
                        messages: vec![failure(req.invoke_id, status, None)],
                        close: true,
                    }
                }
            };
        }
        self.count(msg);
        let id = msg.invoke_id();
        let answer = |m: Message, close: bool| Answer {
            messages: vec![m],
            close,
        };
        match (msg, id) {
            (Message::CloseReq(c), _) => {
                self.phase = Phase::Closed;
                let mut conf = CloseConf::default();
                conf.invoke_id = c.invoke_id;
                answer(conf.into(), true)
            }
            (Message::OpenReq(r), _) => answer(
                failure(r.invoke_id, E_CTI_SESSION_ALREADY_OPEN, None),
                false,
            ),
            (_, Some(id)) if !self.is_open() && msg.kind() == MessageKind::Request => {
                answer(failure(id, E_CTI_SESSION_NOT_OPEN, None), false)
            }
            (Message::HeartbeatReq(h), _) => {
                let mut conf = HeartbeatConf::default();
                conf.invoke_id = h.invoke_id;
                answer(conf.into(), false)
            }
            (Message::Unknown { body, .. }, _) => {
                let id = body
                    .as_bytes()
                    .get(..4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(0, u32::from_be_bytes);
                answer(failure(id, E_CTI_INVALID_MSG_TYPE_FOR_VERSION, None), false)
            }
            (_, Some(id)) if msg.kind() == MessageKind::Request => self.request(msg.name(), id),
            _ => Answer::default(),
        }
    }

    /// A request after OPEN_CONF: its next recorded reply (InvokeID rewritten), else FAILURE_CONF
    /// E_CTI_FUNCTION_NOT_AVAILABLE.
    fn request(&mut self, name: &'static str, invoke_id: u32) -> Answer {
        let recorded = self.replies.get_mut(name).and_then(VecDeque::pop_front);
        let messages = if let Some(mut replies) = recorded {
            self.tally.replies_reused += 1;
            for r in &mut replies {
                r.set_invoke_id(invoke_id);
            }
            replies
        } else {
            add(&mut self.tally.failure_confs, name, 1);
            vec![failure(
                invoke_id,
                E_CTI_FUNCTION_NOT_AVAILABLE,
                Some(format!("ctikit replay: no recorded reply to {name} left")),
            )]
        };
        Answer {
            messages,
            close: false,
        }
    }

    /// Counts a client message (after its OPEN_REQ) against what the recorded client sent.
    fn count(&mut self, msg: &Message) {
        let name = msg.name();
        add(&mut self.tally.client_sent, name, 1);
        match self.recorded_left.get_mut(name) {
            Some(n) if *n > 0 => *n -= 1,
            _ if name == HEARTBEAT => {}
            _ => add(&mut self.tally.not_in_recording, name, 1),
        }
    }

    /// When the next recorded event is due (time since the connection was accepted); `None` before the
    /// session is open, after it closed, or when every event was sent.
    pub fn next_event_at(&self) -> Option<Duration> {
        let Phase::Open { at } = self.phase else {
            return None;
        };
        let e = self.events.front()?;
        Some(at.saturating_add(self.pace.scale(e.after)))
    }

    /// The events due at `now`, in recorded order.
    pub fn poll_events(&mut self, now: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        while self.next_event_at().is_some_and(|due| due <= now) {
            if let Some(e) = self.events.pop_front() {
                out.push(e.message);
            }
        }
        self.tally.events_sent += out.len() as u64;
        out
    }

    /// True when the replay should close the connection now: the session is open, every recorded event was
    /// sent, and the recorded server ended this session (a later session follows in the recording).
    pub fn finished(&self) -> bool {
        self.leaves && self.is_open() && self.events.is_empty()
    }

    /// True when every recorded event was sent (or there is no session to send).
    pub fn exhausted(&self) -> bool {
        self.events.is_empty()
    }

    /// The account of this connection so far.
    pub fn tally(&self) -> Tally {
        let mut t = self.tally.clone();
        for (name, n) in &self.recorded_left {
            if *name != HEARTBEAT {
                add(&mut t.recorded_not_sent, name, *n);
            }
        }
        t
    }
}
