//! The driver task: the thin async shell around [`SessionCore`]. It performs the 17-step schedule (connect to
//! the side the schedule names, or wait), writes the bytes the core gives, reads into the core, sleeps until the
//! core's deadline, hands each reply to the oneshot of its caller by InvokeID, and reports lifecycle and server
//! events on the bounded event queue. Every protocol decision is the core's.
//!
//! Back-pressure: while a session is open, events go on the queue without waiting. When the queue is full the
//! consumer has fallen behind; the driver resets that session (as a CTI Server treats a slow client), counts it
//! in the status, waits — still answering requests and close — until the consumer reads, reports
//! [`ClientEvent::Overflow`] then [`ClientEvent::Disconnected`], and reconnects by the schedule.

use std::collections::HashMap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::command::{Command, ReplyTx};
use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::event::ClientEvent;
use crate::schedule::{ConnectSchedule, Side, Step};
use crate::session::{SessionCore, SessionEvent, SessionState};
use crate::status::SharedStatus;
use crate::tls::{TlsConnect, failure};

/// Size of the read buffer of a connection.
const READ_CHUNK: usize = 16 * 1024;

/// How one attempt (connect, open, serve) ended.
enum Outcome {
    /// The open failed; the schedule goes on.
    OpenFailed(String),
    /// OPEN_REQ refused for a reason the configuration must fix: stop.
    Rejected(ClientError),
    /// The open session was lost.
    Lost(String),
    /// The open session was reset because the event queue was full.
    Overflow,
    /// The client was closed.
    Closed,
}

/// A connection of one attempt: plain TCP or TLS over it.
enum Transport {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

struct Driver {
    cfg: ClientConfig,
    /// TLS, ready to connect (files read at start).
    tls: Option<TlsConnect>,
    /// The name verified on the current attempt's TLS connection (for the reason of a failed first read).
    tls_name: Option<String>,
    core: SessionCore,
    cmds: mpsc::UnboundedReceiver<Command>,
    /// False once every handle is gone.
    cmds_open: bool,
    events: mpsc::Sender<ClientEvent>,
    /// Callers waiting for a reply, by InvokeID.
    pending: HashMap<u32, ReplyTx>,
    /// Callers of `close` waiting for the driver to finish (answered when it stops).
    closing: Vec<oneshot::Sender<()>>,
    /// What a request is told while no session is open.
    refusal: &'static str,
    start: Instant,
    status: SharedStatus,
}

pub(crate) async fn run(
    cfg: ClientConfig,
    tls: Option<TlsConnect>,
    core: SessionCore,
    cmds: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<ClientEvent>,
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
        tls,
        tls_name: None,
        core,
        cmds,
        cmds_open: true,
        events,
        pending: HashMap::new(),
        closing: Vec::new(),
        refusal: CONNECTING,
        start: Instant::now(),
        status,
    };
    d.steps(&mut schedule).await;
    for done in d.closing.drain(..) {
        let _ = done.send(());
    }
}

/// What requests are told between sessions.
const CONNECTING: &str = "connecting";
/// What requests are told while the driver waits for the consumer to read after an overflow.
const OVERFLOW_WAIT: &str =
    "event queue full: waiting for the consumer to read before reconnecting";

impl Driver {
    /// Performs the schedule until the client is closed or stopped.
    async fn steps<R: crate::schedule::RandomSource>(&mut self, schedule: &mut ConnectSchedule<R>) {
        while let Some(step) = schedule.next() {
            let side = match step {
                Step::Attempt(side) => side,
                Step::Wait(wait) => {
                    let secs = wait.as_secs();
                    if !self.emit(ClientEvent::Waiting { secs }).await || !self.idle_for(wait).await
                    {
                        return;
                    }
                    continue;
                }
            };
            if !self.emit(ClientEvent::Connecting { side }).await {
                return;
            }
            let mut overflowed = false;
            let next = match self.attempt(side).await {
                Outcome::OpenFailed(reason) => ClientEvent::AttemptFailed { side, reason },
                Outcome::Rejected(e) => {
                    self.emit(ClientEvent::Stopped(e)).await;
                    return;
                }
                Outcome::Lost(reason) => {
                    schedule.succeeded(side);
                    ClientEvent::Disconnected { side, reason }
                }
                Outcome::Overflow => {
                    schedule.succeeded(side);
                    let capacity = self.cfg.event_queue;
                    self.refusal = OVERFLOW_WAIT;
                    overflowed = true;
                    if !self.emit(ClientEvent::Overflow { side, capacity }).await {
                        return;
                    }
                    let reason =
                        format!("event queue full ({capacity} events unread): session reset");
                    ClientEvent::Disconnected { side, reason }
                }
                Outcome::Closed => return,
            };
            if !self.emit(next).await || (overflowed && !self.drained().await) {
                return;
            }
            self.refusal = CONNECTING;
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Reports a lifecycle event, waiting for room on the queue while answering commands; false when the
    /// client was closed meanwhile.
    async fn emit(&mut self, e: ClientEvent) -> bool {
        let events = self.events.clone();
        match self.answering(events.reserve()).await {
            Some(permit) => {
                // A consumer that dropped `Events` reads nothing: go on without it.
                if let Ok(permit) = permit {
                    permit.send(e);
                }
                true
            }
            None => false,
        }
    }

    /// After an overflow: waits until the consumer has read at least half the queue, answering commands, so the
    /// next session starts with room to spare instead of overflowing again at once (a consumer slower than the
    /// server would otherwise cause a reconnect storm); false when the client was closed meanwhile.
    async fn drained(&mut self) -> bool {
        let events = self.events.clone();
        let half = events.max_capacity().div_ceil(2);
        // The permits go back to the queue when dropped; a consumer that dropped `Events` reads nothing.
        self.answering(events.reserve_many(half)).await.is_some()
    }

    /// Waits for `fut` while no session is open, answering the commands that come meanwhile; `None` when the
    /// client was closed first.
    async fn answering<T>(&mut self, fut: impl Future<Output = T>) -> Option<T> {
        let mut fut = std::pin::pin!(fut);
        loop {
            tokio::select! {
                out = &mut fut => return Some(out),
                cmd = self.cmds.recv(), if self.cmds_open => if !self.refuse(cmd) { return None },
            }
        }
    }

    /// Answers a command while no session is open; false when the client is closing.
    fn refuse(&mut self, cmd: Option<Command>) -> bool {
        match cmd {
            Some(Command::Request { reply, .. }) => {
                let _ = reply.send(Err(ClientError::NotConnected(self.refusal.into())));
                true
            }
            Some(Command::Close { done }) => {
                self.closing.push(done);
                false
            }
            None => {
                self.cmds_open = false;
                false
            }
        }
    }

    /// Waits `d` (a step of the schedule); false when the client was closed meanwhile.
    async fn idle_for(&mut self, d: Duration) -> bool {
        self.answering(tokio::time::sleep(d)).await.is_some()
    }

    /// A command while the core has (or is opening) a session.
    fn command(&mut self, cmd: Option<Command>) {
        let now = self.now();
        match cmd {
            Some(Command::Request { message, reply }) => match self.core.request(now, message) {
                Ok(invoke_id) => {
                    self.pending.insert(invoke_id, reply);
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            Some(Command::Close { done }) => {
                self.closing.push(done);
                self.core.close(now);
            }
            None => {
                self.cmds_open = false;
                self.core.close(now);
            }
        }
    }

    /// Hands every completed request to its caller.
    fn deliver_replies(&mut self) {
        while let Some(r) = self.core.poll_reply() {
            if let Some(tx) = self.pending.remove(&r.invoke_id) {
                let _ = tx.send(r.result);
            }
        }
    }

    /// Publishes what the core counts in the status.
    fn sync_status(&self) {
        let hb = self.core.heartbeat_stats();
        let outstanding = self.core.outstanding();
        self.status.update(|st| {
            st.heartbeats_sent = hb.sent;
            st.heartbeats_answered = hb.answered;
            st.last_heartbeat_rtt = hb.last_rtt;
            st.outstanding_requests = outstanding;
        });
    }

    /// The session is over: the status shows none.
    fn note_ended(&self, overflow: bool) {
        self.status.update(|st| {
            st.side = None;
            st.connected_at = None;
            st.services_granted = cti_proto::constants::ServiceMask(0);
            st.outstanding_requests = 0;
            if overflow {
                st.event_overflows += 1;
            }
        });
    }

    /// Where the core's next deadline is, as tokio time.
    fn deadline(&self) -> Option<Instant> {
        self.core.poll_timeout().map(|d| self.start + d)
    }

    /// One attempt: connect to `side` (TCP, then the TLS handshake when TLS is on for it), open the session,
    /// serve it until it ends. A handshake failure is a failed attempt with the plain reason of [`failure`].
    async fn attempt(&mut self, side: Side) -> Outcome {
        let Some(addr) = self.cfg.address(side) else {
            return Outcome::OpenFailed(format!("no address for side {}", side.name()));
        };
        let tls = self.tls.clone().filter(|t| t.on(side));
        self.tls_name = tls.as_ref().map(|t| {
            let host = crate::address::split(&addr).0;
            t.server_name(side, host)
        });
        self.core.open(self.now(), side);
        let connect = connect(side, addr.clone(), tls);
        tokio::pin!(connect);
        let stream = loop {
            let at = self.deadline();
            tokio::select! {
                r = &mut connect => match r {
                    Ok(s) => break Some(s),
                    Err(e) => self.core.transport_lost(&format!("{addr}: {e}")),
                },
                () = sleep_until(at) => self.core.handle_timeout(self.now()),
                cmd = self.cmds.recv(), if self.cmds_open => {
                    self.command(cmd);
                    self.deliver_replies();
                }
            }
            // The open attempt failed, timed out, or the client was closed.
            if self.core.state() == SessionState::Idle {
                break None;
            }
        };
        match stream {
            None => self.ended_unopened(),
            Some(Transport::Plain(s)) => self.serve(s, &addr).await,
            Some(Transport::Tls(s)) => self.serve(*s, &addr).await,
        }
    }

    /// The outcome of an attempt that ended before a transport existed.
    fn ended_unopened(&mut self) -> Outcome {
        self.deliver_replies();
        while let Some(e) = self.core.poll_event() {
            match e {
                SessionEvent::OpenFailed { reason, .. } => return Outcome::OpenFailed(reason),
                SessionEvent::OpenRejected { error, .. } => return Outcome::Rejected(error),
                SessionEvent::Closed { .. } => return Outcome::Closed,
                _ => {}
            }
        }
        Outcome::Closed
    }

    /// Moves bytes between the connection and the core until the session ends.
    async fn serve<S>(&mut self, mut stream: S, addr: &str) -> Outcome
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let mut chunk = vec![0_u8; READ_CHUNK];
        loop {
            while let Some(bytes) = self.core.poll_transmit() {
                if let Err(e) = stream.write_all(&bytes).await {
                    let reason = match self.core.state() {
                        SessionState::Opening(_) => format!("{addr}: {e}"),
                        _ => format!("write failed: {e}"),
                    };
                    self.core.transport_lost(&reason);
                }
            }
            self.deliver_replies();
            if let Some(outcome) = self.report_events(&mut stream).await {
                return outcome;
            }
            self.sync_status();
            let at = self.deadline();
            tokio::select! {
                read = stream.read(&mut chunk) => {
                    let opening = matches!(self.core.state(), SessionState::Opening(_));
                    match read {
                        Ok(0) if opening => {
                            self.core.transport_lost(&format!("{addr}: closed before OPEN_CONF"));
                        }
                        Ok(0) => self.core.transport_lost("the server closed the connection"),
                        Err(e) if opening => {
                            // A TLS 1.3 server refuses a client certificate after the client's handshake is done.
                            let tls = self.tls_name.as_deref().and_then(|name| {
                                let cert = self.tls.as_ref().is_some_and(TlsConnect::client_cert);
                                failure::describe_io(&e, name, cert)
                            });
                            let reason = tls.unwrap_or_else(|| e.to_string());
                            self.core.transport_lost(&format!("{addr}: {reason}"));
                        }
                        Err(e) => self.core.transport_lost(&format!("connection reset: {e}")),
                        Ok(n) => {
                            let now = self.now();
                            self.core.handle_bytes(now, chunk.get(..n).unwrap_or_default());
                        }
                    }
                }
                cmd = self.cmds.recv(), if self.cmds_open => self.command(cmd),
                () = sleep_until(at) => self.core.handle_timeout(self.now()),
            }
        }
    }

    /// Reports what the core reported; the outcome when the session ended.
    async fn report_events<S>(&mut self, stream: &mut S) -> Option<Outcome>
    where
        S: AsyncWrite + Unpin,
    {
        while let Some(e) = self.core.poll_event() {
            let event = match e {
                SessionEvent::Opened { side, conf } => {
                    self.status.update(|st| {
                        st.side = Some(side);
                        st.connected_at = Some(Instant::now());
                        st.services_granted = conf.services_granted;
                        st.sessions_opened += 1;
                    });
                    ClientEvent::Connected {
                        side,
                        services_requested: self.cfg.services,
                        services_granted: conf.services_granted,
                        pg_status: conf.pg_status,
                        peripheral_online: conf.peripheral_online,
                    }
                }
                SessionEvent::Message(m) => ClientEvent::Message(m),
                SessionEvent::OpenFailed { reason, .. } => {
                    return Some(Outcome::OpenFailed(reason));
                }
                SessionEvent::OpenRejected { error, .. } => return Some(Outcome::Rejected(error)),
                SessionEvent::Lost { reason, .. } => {
                    self.deliver_replies();
                    self.note_ended(false);
                    return Some(Outcome::Lost(reason));
                }
                SessionEvent::Closed { .. } => {
                    self.deliver_replies();
                    self.note_ended(false);
                    let _ = stream.shutdown().await;
                    return Some(Outcome::Closed);
                }
            };
            if let Err(TrySendError::Full(_)) = self.events.try_send(event) {
                if matches!(self.core.state(), SessionState::Closing(_)) {
                    // Closing at the user's request: the rest of the session is not wanted.
                    tracing::debug!("event queue full while closing: event dropped");
                    continue;
                }
                return Some(self.overflow());
            }
        }
        None
    }

    /// The event queue is full: the session is reset (the connection is dropped with SO_LINGER 0), its
    /// outstanding requests fail, the overflow is counted.
    fn overflow(&mut self) -> Outcome {
        let capacity = self.cfg.event_queue;
        tracing::warn!("event queue full ({capacity} events unread): resetting the session");
        self.core.abort(&ClientError::Overflow { capacity });
        self.deliver_replies();
        self.note_ended(true);
        Outcome::Overflow
    }
}

/// Connects to `addr` and, with `tls`, performs the handshake. The TCP socket gets TCP_NODELAY and SO_LINGER 0
/// as the reference recommends: dropping the connection (after a loss, failed heartbeats or an overflow)
/// resets it.
async fn connect(side: Side, addr: String, tls: Option<TlsConnect>) -> Result<Transport, String> {
    let tcp = TcpStream::connect(addr.as_str())
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    #[allow(deprecated, reason = "SO_LINGER 0 as the reference recommends")]
    let _ = tcp.set_linger(Some(Duration::ZERO));
    match tls {
        None => Ok(Transport::Plain(tcp)),
        Some(tls) => {
            let host = crate::address::split(&addr).0;
            let stream = tls.handshake(side, host, tcp).await?;
            Ok(Transport::Tls(Box::new(stream)))
        }
    }
}

/// Sleeps until `at`, or forever when there is no deadline.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
