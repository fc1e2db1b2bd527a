//! A recorded CTI session, taken out of a capture: the client's OPEN_REQ and the server's OPEN_CONF, the
//! server's unsolicited messages with their time after the OPEN_CONF, and each recorded request with the
//! replies the server gave it (paired by InvokeID).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::net::SocketAddr;
use std::time::Duration;

use cti_proto::message::{OpenConf, OpenReq};
use cti_proto::{Message, MessageKind};

use crate::decoder::{CaptureDecoder, CaptureEvent, DecoderConfig, Origin};
use crate::error::CaptureError;
use crate::read::CaptureReader;
use crate::timestamp::Timestamp;

/// A server message sent on its own (an event, an indication, a server request), `after` the OPEN_CONF.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedEvent {
    /// Time since the recorded OPEN_CONF (zero for anything recorded before it).
    pub after: Duration,
    /// The message as recorded.
    pub message: Message,
}

/// A request the recorded client made and the replies the recorded server gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// Cisco's name of the request type (`"SNAPSHOT_CALL_REQ"`).
    pub request: &'static str,
    /// The recorded InvokeID of the request.
    pub invoke_id: u32,
    /// The replies (a CONF, FAILURE_CONF or CONTROL_FAILURE_CONF), in recorded order.
    pub replies: Vec<Message>,
}

/// One CTI session of a capture: a TCP stream with an OPEN_REQ answered by an OPEN_CONF.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedSession {
    /// The capture's stream number.
    pub stream: u32,
    /// The recorded client's address.
    pub client: SocketAddr,
    /// The recorded server's address.
    pub server: SocketAddr,
    /// The protocol version (the OPEN_REQ's VersionNumber).
    pub version: u32,
    /// The recorded OPEN_REQ (credentials as the file has them, blanked by `cti record`).
    pub open_req: OpenReq,
    /// The recorded OPEN_CONF.
    pub open_conf: OpenConf,
    /// The server's unsolicited messages, in recorded order.
    pub events: Vec<TimedEvent>,
    /// The client's requests that got replies (not OPEN_REQ, HEARTBEAT_REQ, CLOSE_REQ), in recorded order.
    pub exchanges: Vec<Exchange>,
    /// Every message the recorded client sent after its OPEN_REQ, counted by type.
    pub client_sent: BTreeMap<&'static str, u64>,
    /// The recorded client sent CLOSE_REQ (else the session ended otherwise: the server went away, or the
    /// capture stopped).
    pub client_closed: bool,
}

/// Something of the capture that a replay leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Omission {
    /// A message whose body does not decode.
    Undecodable {
        /// The stream.
        stream: u32,
        /// Its offset in its direction's byte stream.
        offset: u64,
        /// The decode error.
        error: String,
    },
    /// Bytes skipped to the next plausible header.
    Skipped {
        /// The stream.
        stream: u32,
        /// Offset of the first byte skipped.
        offset: u64,
        /// How many.
        bytes: u64,
    },
    /// A stream without an OPEN_REQ answered by OPEN_CONF (a refused session, a capture joined mid-session).
    NotASession {
        /// The stream.
        stream: u32,
        /// Messages it carried.
        messages: u64,
    },
    /// A server reply whose InvokeID matches no recorded request.
    UnpairedReply {
        /// The stream.
        stream: u32,
        /// The reply's type.
        message: &'static str,
        /// Its InvokeID.
        invoke_id: u32,
    },
}

impl std::fmt::Display for Omission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Omission::Undecodable {
                stream,
                offset,
                error,
            } => write!(f, "stream {stream} at offset {offset}: {error}"),
            Omission::Skipped {
                stream,
                offset,
                bytes,
            } => write!(
                f,
                "stream {stream} at offset {offset}: {bytes} bytes skipped"
            ),
            Omission::NotASession { stream, messages } => write!(
                f,
                "stream {stream}: no OPEN_REQ answered by OPEN_CONF ({messages} messages)"
            ),
            Omission::UnpairedReply {
                stream,
                message,
                invoke_id,
            } => write!(
                f,
                "stream {stream}: {message} (InvokeID {invoke_id}) answers no recorded request"
            ),
        }
    }
}

/// The CTI sessions of a capture, in the order their streams appear.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    /// The sessions.
    pub sessions: Vec<RecordedSession>,
    /// What was left out, and why.
    pub omitted: Vec<Omission>,
}

/// A stream's messages while they are collected.
struct Collected {
    messages: Vec<(Origin, Message)>,
}

fn since(t: Timestamp, origin: Timestamp) -> Duration {
    let a = Duration::new(t.secs, t.nanos);
    let b = Duration::new(origin.secs, origin.nanos);
    a.saturating_sub(b)
}

impl Recording {
    /// Reads a pcap or pcapng capture and takes its sessions out (see [`Recording::from_events`]).
    pub fn read(input: impl Read, config: DecoderConfig) -> Result<Recording, CaptureError> {
        let mut reader = CaptureReader::new(input)?;
        let mut decoder = CaptureDecoder::new(config);
        let mut events = Vec::new();
        let mut last = Timestamp::default();
        while let Some(packet) = reader.next_packet()? {
            last = packet.ts;
            decoder.push(&packet, &mut events);
        }
        decoder.finish(last, &mut events);
        Ok(Recording::from_events(events))
    }

    /// The sessions of the decoded capture `events`: each stream whose client sent OPEN_REQ and whose server
    /// answered OPEN_CONF. Streams without one, messages that do not decode and skipped bytes are listed in
    /// [`Recording::omitted`].
    pub fn from_events(events: impl IntoIterator<Item = CaptureEvent>) -> Recording {
        let mut streams: BTreeMap<u32, Collected> = BTreeMap::new();
        let mut omitted = Vec::new();
        for e in events {
            match e {
                CaptureEvent::Message {
                    origin,
                    message: Ok(m),
                    ..
                } => streams
                    .entry(origin.stream)
                    .or_insert_with(|| Collected {
                        messages: Vec::new(),
                    })
                    .messages
                    .push((origin, m)),
                CaptureEvent::Message {
                    origin,
                    message: Err(err),
                    ..
                } => omitted.push(Omission::Undecodable {
                    stream: origin.stream,
                    offset: origin.offset,
                    error: err.to_string(),
                }),
                CaptureEvent::Skipped { origin, bytes } => omitted.push(Omission::Skipped {
                    stream: origin.stream,
                    offset: origin.offset,
                    bytes,
                }),
            }
        }
        let mut sessions = Vec::new();
        for (stream, c) in streams {
            let count = c.messages.len() as u64;
            match session(stream, c, &mut omitted) {
                Some(s) => sessions.push(s),
                None => omitted.push(Omission::NotASession {
                    stream,
                    messages: count,
                }),
            }
        }
        Recording { sessions, omitted }
    }
}

/// The session of one stream, if it has an OPEN_REQ answered by OPEN_CONF.
fn session(stream: u32, c: Collected, omitted: &mut Vec<Omission>) -> Option<RecordedSession> {
    let (client, server, open_req) = c.messages.iter().find_map(|(o, m)| match m {
        Message::OpenReq(r) => Some((o.src, o.dst, (**r).clone())),
        _ => None,
    })?;
    let (opened_at, open_conf) = c.messages.iter().find_map(|(o, m)| match m {
        Message::OpenConf(conf) if o.src == server => Some((o.ts, (**conf).clone())),
        _ => None,
    })?;
    let mut s = RecordedSession {
        stream,
        client,
        server,
        version: open_req.version_number,
        open_req,
        open_conf,
        events: Vec::new(),
        exchanges: Vec::new(),
        client_sent: BTreeMap::new(),
        client_closed: false,
    };
    // Outstanding recorded requests by InvokeID: the index of their exchange.
    let mut outstanding: HashMap<u32, usize> = HashMap::new();
    let mut seen_open = false;
    for (origin, m) in c.messages {
        if origin.src == client {
            client_message(&mut s, &mut outstanding, &mut seen_open, &m);
        } else if m.kind() == MessageKind::Reply {
            let (name, id) = (m.name(), m.invoke_id());
            let Some(id) = id else { continue };
            if matches!(
                m,
                Message::OpenConf(_) | Message::HeartbeatConf(_) | Message::CloseConf(_)
            ) {
                continue;
            }
            match outstanding.remove(&id).and_then(|i| s.exchanges.get_mut(i)) {
                Some(x) => x.replies.push(m),
                // A FAILURE_CONF to OPEN_REQ / HEARTBEAT_REQ is answered by the replay itself.
                None if matches!(m, Message::FailureConf(_)) => {}
                None => omitted.push(Omission::UnpairedReply {
                    stream,
                    message: name,
                    invoke_id: id,
                }),
            }
        } else {
            s.events.push(TimedEvent {
                after: since(origin.ts, opened_at),
                message: m,
            });
        }
    }
    s.exchanges.retain(|x| !x.replies.is_empty());
    Some(s)
}

/// Counts one recorded client message; a request (other than those the replay answers itself) opens an
/// exchange.
fn client_message(
    s: &mut RecordedSession,
    outstanding: &mut HashMap<u32, usize>,
    seen_open: &mut bool,
    m: &Message,
) {
    if matches!(m, Message::OpenReq(_)) && !*seen_open {
        *seen_open = true;
        return;
    }
    *s.client_sent.entry(m.name()).or_default() += 1;
    match m {
        Message::CloseReq(_) => s.client_closed = true,
        Message::HeartbeatReq(_) => {}
        r if r.kind() == MessageKind::Request => {
            if let Some(id) = r.invoke_id() {
                outstanding.insert(id, s.exchanges.len());
                s.exchanges.push(Exchange {
                    request: r.name(),
                    invoke_id: id,
                    replies: Vec::new(),
                });
            }
        }
        _ => {}
    }
}
