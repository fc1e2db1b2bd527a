//! The driver task: connects by the 17 steps, opens the session, then moves bytes — requests out with unique
//! InvokeIDs, replies matched back, events out, heartbeats when idle — until the session ends, and starts over.

use std::time::Duration;

use bytes::BytesMut;
use cti_proto::constants::{MessageType, StatusCode};
use cti_proto::message::{CloseReq, HeartbeatReq};
use cti_proto::{Frame, FrameDecoder, Message};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::client::Command;
use crate::config::ClientConfig;
use crate::error::{ClientError, open_rejection_hint};
use crate::event::ClientEvent;
use crate::heartbeat::{HeartbeatAction, Heartbeats};
use crate::invoke::Outstanding;
use crate::schedule::{ConnectSchedule, Side, Step};
use crate::status::SharedStatus;

/// How long CLOSE_CONF is awaited (facts §7.4).
const CLOSE_WAIT: Duration = Duration::from_secs(5);

type Reply = oneshot::Sender<Result<Message, ClientError>>;

struct Session {
    side: Side,
    stream: TcpStream,
    buf: BytesMut,
    frames: FrameDecoder,
}

enum Attempt {
    Open(Session, Box<cti_proto::message::OpenConf>),
    Retry(String),
    Fatal(ClientError),
}

enum End {
    Closed,
    Lost(String),
}

struct Driver {
    cfg: ClientConfig,
    cmds: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<ClientEvent>,
    outstanding: Outstanding<Reply>,
    start: Instant,
    status: SharedStatus,
}

pub(crate) async fn run(
    cfg: ClientConfig,
    cmds: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<ClientEvent>,
    status: SharedStatus,
) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| {
            u64::try_from(d.as_nanos() & u128::from(u64::MAX)).unwrap_or(0)
        });
    let mut rng = StdRng::seed_from_u64(seed ^ u64::from(std::process::id()));
    let mut schedule = ConnectSchedule::new(
        cfg.expected_clients,
        cfg.side_b.is_some(),
        move |max: u64| rng.random_range(0..=max),
    );
    let mut d = Driver {
        cfg,
        cmds,
        events,
        outstanding: Outstanding::new(),
        start: Instant::now(),
        status,
    };
    loop {
        let session = loop {
            let Some(step) = schedule.next() else { return };
            match step {
                Step::Attempt(side) => {
                    d.emit(ClientEvent::Connecting { side });
                    match d.attempt(side).await {
                        Some(Attempt::Open(s, conf)) => {
                            d.status.update(|st| {
                                st.side = Some(side);
                                st.connected_at = Some(Instant::now());
                                st.services_granted = conf.services_granted;
                                st.sessions_opened += 1;
                            });
                            d.emit(ClientEvent::Connected {
                                side,
                                services_requested: d.cfg.services,
                                services_granted: conf.services_granted,
                                pg_status: conf.pg_status,
                                peripheral_online: conf.peripheral_online,
                            });
                            break s;
                        }
                        Some(Attempt::Retry(reason)) => {
                            d.emit(ClientEvent::AttemptFailed { side, reason });
                        }
                        Some(Attempt::Fatal(e)) => {
                            d.emit(ClientEvent::Stopped(e));
                            return;
                        }
                        None => return, // closed while connecting
                    }
                }
                Step::Wait(wait) => {
                    d.emit(ClientEvent::Waiting {
                        secs: wait.as_secs(),
                    });
                    if !d.idle_for(wait).await {
                        return;
                    }
                }
            }
        };
        let side = session.side;
        schedule.succeeded(side);
        let end = d.serve(session).await;
        d.status.update(|st| {
            st.side = None;
            st.connected_at = None;
            st.services_granted = cti_proto::constants::ServiceMask(0);
            st.outstanding_requests = 0;
        });
        match end {
            End::Closed => return,
            End::Lost(reason) => {
                for (_, reply) in d.outstanding.drain() {
                    let _ = reply.send(Err(ClientError::NotConnected(format!(
                        "connection lost: {reason}"
                    ))));
                }
                d.emit(ClientEvent::Disconnected { side, reason });
            }
        }
    }
}

impl Driver {
    fn emit(&self, e: ClientEvent) {
        let _ = self.events.send(e);
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Publishes the number of outstanding requests in the status.
    fn note_outstanding(&self) {
        let n = self.outstanding.len();
        self.status.update(|st| st.outstanding_requests = n);
    }

    fn addr(&self, side: Side) -> Option<&str> {
        match side {
            Side::A => Some(&self.cfg.side_a),
            Side::B => self.cfg.side_b.as_deref(),
        }
    }

    /// Answers commands while no session is open; false when the client was closed.
    fn refuse(cmd: Option<Command>) -> bool {
        match cmd {
            Some(Command::Request { reply, .. }) => {
                let _ = reply.send(Err(ClientError::NotConnected("connecting".into())));
                true
            }
            Some(Command::Close { done }) => {
                let _ = done.send(());
                false
            }
            None => false,
        }
    }

    /// Waits `d` (a step of the schedule); false when the client was closed meanwhile.
    async fn idle_for(&mut self, d: Duration) -> bool {
        let until = Instant::now() + d;
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(until) => return true,
                cmd = self.cmds.recv() => if !Self::refuse(cmd) { return false },
            }
        }
    }

    /// One attempt; `None` when the client was closed meanwhile.
    async fn attempt(&mut self, side: Side) -> Option<Attempt> {
        let addr = self.addr(side)?.to_owned();
        let timeout = self.cfg.open_timeout();
        let invoke_id = self.outstanding.next_id();
        let work = open_session(&self.cfg, side, &addr, invoke_id);
        tokio::pin!(work);
        let deadline = Instant::now() + timeout;
        loop {
            tokio::select! {
                r = &mut work => return Some(r),
                () = tokio::time::sleep_until(deadline) => {
                    return Some(Attempt::Retry(format!("no OPEN_CONF within {} s", timeout.as_secs())));
                }
                cmd = self.cmds.recv() => if !Self::refuse(cmd) { return None },
            }
        }
    }

    async fn write(&mut self, s: &mut Session, m: &Message) -> Result<(), String> {
        let bytes = m.to_bytes(self.cfg.version).map_err(|e| e.to_string())?;
        s.stream
            .write_all(&bytes)
            .await
            .map_err(|e| format!("write failed: {e}"))
    }

    /// Serves an open session until it ends.
    async fn serve(&mut self, mut s: Session) -> End {
        let interval = self
            .cfg
            .heartbeat()
            .unwrap_or(crate::heartbeat::HeartbeatInterval::DISABLED);
        let mut hb = Heartbeats::new(interval, self.now());
        loop {
            // Frames already buffered first.
            loop {
                match s.frames.decode(&mut s.buf) {
                    Ok(Some(f)) => self.dispatch(&f, &mut hb),
                    Ok(None) => break,
                    Err(e) => return End::Lost(format!("bad framing from the server: {e}")),
                }
            }
            let deadline = match (hb.next_deadline(), self.outstanding.next_deadline()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            let at = deadline.map(|d| self.start + d);
            tokio::select! {
                read = s.stream.read_buf(&mut s.buf) => match read {
                    Ok(0) => return End::Lost("the server closed the connection".into()),
                    Err(e) => return End::Lost(format!("connection reset: {e}")),
                    Ok(_) => {}
                },
                cmd = self.cmds.recv() => match cmd {
                    Some(Command::Request { mut message, reply }) => {
                        let id = self.outstanding.next_id();
                        if !message.set_invoke_id(id) {
                            let _ = reply.send(Err(ClientError::Failure(StatusCode::E_CTI_INVALID_MESSAGE_LENGTH)));
                            continue;
                        }
                        if let Err(reason) = self.write(&mut s, &message).await {
                            let _ = reply.send(Err(ClientError::NotConnected(reason.clone())));
                            return End::Lost(reason);
                        }
                        let now = self.now();
                        hb.sent_anything(now);
                        self.outstanding.insert(id, reply, now + self.cfg.request_timeout());
                        self.note_outstanding();
                    }
                    Some(Command::Close { done }) => {
                        self.close(&mut s, &mut hb).await;
                        let _ = done.send(());
                        return End::Closed;
                    }
                    None => {
                        self.close(&mut s, &mut hb).await;
                        return End::Closed;
                    }
                },
                () = async {
                    match at {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {
                    let now = self.now();
                    for (_, reply) in self.outstanding.expired(now) {
                        let _ = reply.send(Err(ClientError::Timeout(self.cfg.request_timeout_secs)));
                    }
                    self.note_outstanding();
                    match hb.poll(now) {
                        HeartbeatAction::Idle => {}
                        HeartbeatAction::Send => {
                            let id = self.outstanding.next_id();
                            let mut req = HeartbeatReq::default();
                            req.invoke_id = id;
                            if let Err(reason) = self.write(&mut s, &Message::from(req)).await {
                                return End::Lost(reason);
                            }
                            hb.sent_heartbeat(id, now);
                            self.status.update(|st| st.heartbeats_sent += 1);
                        }
                        HeartbeatAction::Failed => {
                            reset(&s);
                            return End::Lost("3 heartbeats unanswered (half-open connection)".into());
                        }
                    }
                }
            }
        }
    }

    /// A frame from the server: a reply to an outstanding request, a heartbeat answer, or an event.
    fn dispatch(&mut self, f: &Frame, hb: &mut Heartbeats) {
        let m = match Message::decode(f, self.cfg.version) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("undecodable message from the server: {e}");
                return;
            }
        };
        if let Message::HeartbeatConf(c) = &m {
            if let Some(sent) = hb.answered(c.invoke_id) {
                let rtt = self.now().saturating_sub(sent);
                self.status.update(|st| {
                    st.heartbeats_answered += 1;
                    st.last_heartbeat_rtt = Some(rtt);
                });
            }
            return;
        }
        if let Some(reply) = m.invoke_id().and_then(|id| self.outstanding.complete(id)) {
            self.note_outstanding();
            let result = match m {
                Message::FailureConf(f) => Err(ClientError::Failure(f.status)),
                Message::ControlFailureConf(c) => Err(ClientError::ControlFailure {
                    code: c.failure_code,
                    peripheral_error: c.peripheral_error_code,
                }),
                other => Ok(other),
            };
            let _ = reply.send(result);
            return;
        }
        if m.name().ends_with("_CONF") {
            // A reply whose request timed out (or was failed on a loss): not an event of the server's own.
            tracing::debug!("late {} for InvokeID {:?} dropped", m.name(), m.invoke_id());
            return;
        }
        self.emit(ClientEvent::Message(m));
    }

    /// CLOSE_REQ, then up to 5 s for CLOSE_CONF (events meanwhile still go out).
    async fn close(&mut self, s: &mut Session, hb: &mut Heartbeats) {
        let id = self.outstanding.next_id();
        let mut req = CloseReq::default();
        req.invoke_id = id;
        req.status = StatusCode::E_CTI_NO_ERROR;
        if self.write(s, &Message::from(req)).await.is_err() {
            return;
        }
        let until = Instant::now() + CLOSE_WAIT;
        loop {
            while let Ok(Some(f)) = s.frames.decode(&mut s.buf) {
                if f.message_type == MessageType::CLOSE_CONF {
                    let _ = s.stream.shutdown().await;
                    return;
                }
                self.dispatch(&f, hb);
            }
            tokio::select! {
                read = s.stream.read_buf(&mut s.buf) => if matches!(read, Ok(0) | Err(_)) { return },
                () = tokio::time::sleep_until(until) => return,
            }
        }
    }
}

/// Resets the connection when it is dropped (SO_LINGER 0).
fn reset(s: &Session) {
    #[allow(
        deprecated,
        reason = "the zero linger is wanted: the close must be a reset"
    )]
    let _ = s.stream.set_linger(Some(Duration::ZERO));
}

/// Connects to `addr`, sends OPEN_REQ and waits for the answer.
async fn open_session(cfg: &ClientConfig, side: Side, addr: &str, invoke_id: u32) -> Attempt {
    let stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return Attempt::Retry(format!("{addr}: {e}")),
    };
    let _ = stream.set_nodelay(true);
    #[allow(deprecated, reason = "SO_LINGER 0 as the reference recommends")]
    let _ = stream.set_linger(Some(Duration::ZERO));
    let mut s = Session {
        side,
        stream,
        buf: BytesMut::with_capacity(16 * 1024),
        frames: FrameDecoder::default(),
    };
    let open = match cfg.open_req(invoke_id) {
        Ok(o) => o,
        Err(e) => return Attempt::Fatal(e.into()),
    };
    let bytes = match Message::from(open).to_bytes(cfg.version) {
        Ok(b) => b,
        Err(e) => return Attempt::Fatal(ClientError::NotConnected(e.to_string())),
    };
    if let Err(e) = s.stream.write_all(&bytes).await {
        return Attempt::Retry(format!("{addr}: {e}"));
    }
    loop {
        let frame = match s.frames.decode(&mut s.buf) {
            Ok(Some(f)) => f,
            Ok(None) => match s.stream.read_buf(&mut s.buf).await {
                Ok(0) => return Attempt::Retry(format!("{addr}: closed before OPEN_CONF")),
                Err(e) => return Attempt::Retry(format!("{addr}: {e}")),
                Ok(_) => continue,
            },
            Err(e) => return Attempt::Retry(format!("{addr}: {e}")),
        };
        match Message::decode(&frame, cfg.version) {
            Ok(Message::OpenConf(conf)) => return Attempt::Open(s, conf),
            Ok(Message::FailureConf(f)) => {
                return match open_rejection_hint(f.status) {
                    None => Attempt::Retry(f.status.to_string()),
                    Some(hint) => Attempt::Fatal(ClientError::OpenRejected {
                        status: f.status,
                        hint,
                    }),
                };
            }
            _ => {}
        }
    }
}
