//! A scripted CTI client built from `cti-proto` only (never from the client crate): it sends exactly what a test
//! says and returns every message it receives.

#![allow(
    dead_code,
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "test support"
)]

use std::net::SocketAddr;
use std::time::Duration;

use bytes::BytesMut;
use cti_proto::constants::*;
use cti_proto::message::{HeartbeatReq, OpenReq};
use cti_proto::{Frame, FrameDecoder, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for a message before failing (tokio time: virtual under `pause`).
pub const WAIT: Duration = Duration::from_secs(600);

/// A scripted client connection.
pub struct Peer {
    pub stream: TcpStream,
    buf: BytesMut,
    frames: FrameDecoder,
    /// Protocol version used to encode and decode.
    pub version: u32,
    next_invoke: u32,
}

/// What a read produced.
#[derive(Debug)]
pub enum Got {
    Msg(Message, Frame),
    Closed,
}

impl Peer {
    pub async fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).unwrap();
        Peer {
            stream,
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
            version: 24,
            next_invoke: 100,
        }
    }

    /// A connection attempt that may be refused.
    pub async fn try_connect(addr: SocketAddr) -> Option<Peer> {
        let stream = TcpStream::connect(addr).await.ok()?;
        // Without NODELAY, Nagle holds small writes for real milliseconds while paused test time jumps ahead.
        stream.set_nodelay(true).ok()?;
        Some(Peer {
            stream,
            buf: BytesMut::new(),
            frames: FrameDecoder::default(),
            version: 24,
            next_invoke: 100,
        })
    }

    pub fn invoke(&mut self) -> u32 {
        self.next_invoke += 1;
        self.next_invoke
    }

    pub async fn send(&mut self, m: impl Into<Message>) {
        let bytes = m.into().to_bytes(self.version).expect("encode");
        self.stream.write_all(&bytes).await.expect("write");
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("write");
    }

    /// The next message, or `Closed` when the server closed/reset the connection.
    pub async fn next(&mut self) -> Got {
        let read = async {
            loop {
                if let Some(f) = self.frames.decode(&mut self.buf).expect("server framing") {
                    let m = Message::decode(&f, self.version).expect("server message decodes");
                    return Got::Msg(m, f);
                }
                match self.stream.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return Got::Closed,
                    Ok(_) => {}
                }
            }
        };
        tokio::time::timeout(WAIT, read)
            .await
            .expect("no message from the simulator in time")
    }

    pub async fn recv(&mut self) -> Message {
        match self.next().await {
            Got::Msg(m, _) => m,
            Got::Closed => panic!("connection closed"),
        }
    }

    /// Skips messages until `pred` matches; panics if the connection closes first.
    pub async fn recv_until(&mut self, mut pred: impl FnMut(&Message) -> bool) -> Message {
        loop {
            let m = self.recv().await;
            if pred(&m) {
                return m;
            }
        }
    }

    /// Reads until the connection closes; returns what arrived before.
    pub async fn until_closed(&mut self) -> Vec<Message> {
        let mut out = Vec::new();
        loop {
            match self.next().await {
                Got::Msg(m, _) => out.push(m),
                Got::Closed => return out,
            }
        }
    }

    /// Sends OPEN_REQ and returns the first answer (OPEN_CONF or FAILURE_CONF).
    pub async fn open(&mut self, req: OpenReq) -> Message {
        self.version = req.version_number;
        self.send(req).await;
        self.recv().await
    }

    pub async fn heartbeat(&mut self) -> u32 {
        let mut hb = HeartbeatReq::default();
        hb.invoke_id = self.invoke();
        let id = hb.invoke_id;
        self.send(hb).await;
        id
    }
}

/// An ALL_EVENTS OPEN_REQ at `version` with every call and agent event unmasked.
pub fn all_events(version: u32) -> OpenReq {
    let mut r = OpenReq::default();
    r.invoke_id = 1;
    r.version_number = version;
    r.idle_timeout = 60;
    r.peripheral_id = NULL_PERIPHERAL_ID;
    r.services_requested =
        CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL | CTI_SERVICE_CALL_DATA_UPDATE;
    r.call_msg_mask = CallMsgMask(0xFFFF_FFFF);
    r.agent_state_mask = AgentStateMask::KNOWN;
    r.client_id = Some("bridge".into());
    r.client_password = Some("".into());
    r
}

/// A CLIENT_EVENTS OPEN_REQ for the agent with AgentID `agent_id` on peripheral 5000.
pub fn client_events(version: u32, agent_id: &str) -> OpenReq {
    let mut r = all_events(version);
    r.services_requested =
        CTI_SERVICE_CLIENT_EVENTS | CTI_SERVICE_CLIENT_CONTROL | CTI_SERVICE_CALL_DATA_UPDATE;
    r.peripheral_id = 5000;
    r.agent_id = Some(agent_id.into());
    r.client_id = Some(format!("desk-{agent_id}").as_str().into());
    r
}

/// The status of a FAILURE_CONF, or a panic.
pub fn failure_status(m: &Message) -> StatusCode {
    match m {
        Message::FailureConf(f) => f.status,
        other => panic!("expected FAILURE_CONF, got {other:?}"),
    }
}

impl Peer {
    /// Every message that arrives within `d` (tokio time); stops early if the connection closes.
    pub async fn collect_for(&mut self, d: Duration) -> Vec<Message> {
        let mut out = Vec::new();
        let deadline = tokio::time::Instant::now() + d;
        loop {
            match tokio::time::timeout_at(deadline, self.next()).await {
                Ok(Got::Msg(m, _)) => out.push(m),
                Ok(Got::Closed) | Err(_) => return out,
            }
        }
    }
}

/// The ConnectionCallID of a call event, if `m` is one that carries it in its fixed part.
pub fn call_id(m: &Message) -> Option<u32> {
    Some(match m {
        Message::BeginCallEvent(e) => e.connection_call_id,
        Message::EndCallEvent(e) => e.connection_call_id,
        Message::CallDataUpdateEvent(e) => e.connection_call_id,
        Message::CallDeliveredEvent(e) => e.connection_call_id,
        Message::CallEstablishedEvent(e) => e.connection_call_id,
        Message::CallHeldEvent(e) => e.connection_call_id,
        Message::CallRetrievedEvent(e) => e.connection_call_id,
        Message::CallClearedEvent(e) => e.connection_call_id,
        Message::CallConnectionClearedEvent(e) => e.connection_call_id,
        _ => return None,
    })
}

/// `CallSpec` for one call to agent `agent_id` with ANI `ani`.
pub fn call_to(agent_id: &str, ani: &str) -> cti_sim::engine::CallSpec {
    let mut spec = cti_sim::engine::CallSpec::default();
    spec.agent_id = Some(agent_id.into());
    spec.ani = Some(ani.into());
    spec
}

/// The ConnectionCallID of any call event that carries one in its fixed part ([`call_id`] plus the events of
/// placed calls and the queue); CALL_TRANSFERRED / CALL_CONFERENCED name two calls and give `None`.
pub fn any_call_id(m: &Message) -> Option<u32> {
    call_id(m).or(match m {
        Message::CallOriginatedEvent(e) => Some(e.connection_call_id),
        Message::CallServiceInitiatedEvent(e) => Some(e.connection_call_id),
        Message::CallQueuedEvent(e) => Some(e.connection_call_id),
        Message::CallDequeuedEvent(e) => Some(e.connection_call_id),
        _ => None,
    })
}

/// A compact, comparable label: the message name without `_EVENT`, with the call named through `calls` (else
/// its number) or the agent and its state: `"BEGIN_CALL P"`, `"AGENT_STATE 1001 TALKING"`, `"CALL_TRANSFERRED"`.
pub fn label(m: &Message, calls: &[(u32, &str)]) -> String {
    if let Message::AgentStateEvent(a) = m {
        let agent = a
            .agent_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        let state = a.agent_state.to_string();
        return format!(
            "AGENT_STATE {agent} {}",
            state.trim_start_matches("AGENT_STATE_")
        );
    }
    let kind = m.name().trim_end_matches("_EVENT");
    match any_call_id(m) {
        Some(id) => match calls.iter().find(|(c, _)| *c == id) {
            Some((_, name)) => format!("{kind} {name}"),
            None => format!("{kind} {id}"),
        },
        None => kind.to_owned(),
    }
}

/// [`label`] of every message.
pub fn labels(ms: &[Message], calls: &[(u32, &str)]) -> Vec<String> {
    ms.iter().map(|m| label(m, calls)).collect()
}

/// Under paused time tokio advances the clock to the next timer whenever the runtime has nothing to run, which
/// can happen while a message is still in flight on a loopback socket; a task that ticks every `tick` bounds such
/// jumps, so that a request never "takes" seconds of simulated time.
pub fn fine_clock(tick: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(tick).await;
        }
    });
}

/// [`labels`] joined with `", "`.
pub fn seq(ms: &[Message], calls: &[(u32, &str)]) -> String {
    labels(ms, calls).join(", ")
}
