//! One client connection: read frames, answer per §7, write what the core queues for the session, enforce the
//! idle timeout, and reset the connection on garbage. Whatever one connection does, the others are untouched.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cti_proto::constants::{
    E_CTI_BAD_MESSAGE_FORMAT, E_CTI_INVALID_FIELD_LENGTH, E_CTI_INVALID_FIELD_TAG,
    E_CTI_INVALID_MESSAGE_LENGTH, E_CTI_INVALID_MSG_TYPE_FOR_VERSION, E_CTI_SESSION_ALREADY_OPEN,
    E_CTI_SESSION_NOT_OPEN, MessageType, StatusCode, Tag,
};
use cti_proto::message::OpenReq;
use cti_proto::{DEFAULT_VERSION, DecodeError, Frame, FrameDecoder, FrameError, Message};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::config::Side;
use crate::conformance::{CloseCause, ConnId};
use crate::core::{OpenOutcome, Outbound, failure_conf};
use crate::session::open::NO_IDLE_TIMEOUT;
use crate::shared::Shared;

/// How long a new connection may take to send its OPEN_REQ.
pub const OPEN_WAIT: Duration = Duration::from_secs(60);
/// Largest batch of queued frames written at once.
const WRITE_BATCH: usize = 64 * 1024;

/// A connection's byte stream: plain TCP, or TLS over TCP.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send {
    /// The TCP connection underneath.
    fn tcp(&self) -> &TcpStream;
}

impl Transport for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Transport for tokio_rustls::server::TlsStream<TcpStream> {
    fn tcp(&self) -> &TcpStream {
        self.get_ref().0
    }
}

struct Io<S> {
    stream: S,
    buf: BytesMut,
    frames: FrameDecoder,
}

enum Read {
    Frame(Frame),
    /// The peer closed (or reset) the connection.
    Eof,
    /// The header announced more than the maximum.
    TooLong,
}

impl<S: Transport> Io<S> {
    /// The next frame; cancel-safe (partial input stays in `buf`).
    async fn read(&mut self) -> Read {
        loop {
            match self.frames.decode(&mut self.buf) {
                Ok(Some(f)) => return Read::Frame(f),
                Ok(None) => {}
                Err(FrameError::TooLong { .. }) => return Read::TooLong,
                Err(_) => return Read::Eof,
            }
            match self.stream.read_buf(&mut self.buf).await {
                Ok(0) | Err(_) => return Read::Eof,
                Ok(_) => {}
            }
        }
    }

    async fn write(&mut self, b: &[u8]) -> bool {
        self.stream.write_all(b).await.is_ok()
    }

    /// Resets the TCP connection (RST, no goodbye), as a failing CTI Server does.
    fn reset(self) {
        // SO_LINGER 0 makes the close a reset.
        #[allow(
            deprecated,
            reason = "the zero linger is wanted: the close must be a reset"
        )]
        let _ = self.stream.tcp().set_linger(Some(Duration::ZERO));
    }
}

/// The InvokeID of a request body (its first UINT), for FAILURE_CONF to requests that cannot be decoded.
fn invoke_id_of(body: &Bytes) -> u32 {
    body.get(..4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_be_bytes)
}

/// The FAILURE_CONF status for a body that does not decode (§7.1 field validation).
fn status_for(e: &DecodeError) -> StatusCode {
    if e.field.starts_with("floating field")
        || matches!(e.kind, cti_proto::DecodeErrorKind::FieldLength { .. })
    {
        E_CTI_INVALID_FIELD_LENGTH
    } else {
        E_CTI_BAD_MESSAGE_FORMAT
    }
}

/// A floating tag that exists in no message of the protocol (a known tag in an unexpected message is accepted:
/// real clients add tags such as CTIOS_CIL_CLIENT_ID to many requests).
fn unknown_tag(m: &Message) -> Option<u16> {
    m.unknown_fields()
        .iter()
        .map(|f| f.tag)
        .find(|t| Tag(*t).name().is_none())
}

pub(crate) async fn serve<S: Transport>(
    shared: Arc<Shared>,
    side: Side,
    stream: S,
    peer: SocketAddr,
) {
    let Some(conn) = shared.core().accept(side, shared.now()) else {
        return;
    };
    let _ = stream.tcp().set_nodelay(true);
    let mut io = Io {
        stream,
        buf: BytesMut::with_capacity(8192),
        frames: FrameDecoder::default(),
    };
    let cause = run(&shared, conn, side, peer, &mut io).await;
    if let Some(cause) = cause {
        shared.core().closed(conn, cause, shared.now());
        if cause == CloseCause::ClientClose {
            let _ = io.stream.shutdown().await;
            return;
        }
    }
    io.reset();
}

/// Serves the connection; returns the cause of its end when the connection saw it (None when the core
/// ordered the close and has recorded it).
async fn run<S: Transport>(
    shared: &Arc<Shared>,
    conn: ConnId,
    side: Side,
    peer: SocketAddr,
    io: &mut Io<S>,
) -> Option<CloseCause> {
    let who = format!("connection {conn} from {peer} on side {}", side.name());
    let open = match tokio::time::timeout(OPEN_WAIT, wait_for_open(shared, conn, &who, io)).await {
        Ok(Ok(req)) => req,
        Ok(Err(cause)) => return Some(cause),
        Err(_) => {
            tracing::warn!(
                "{who}: no OPEN_REQ within {} s; closing",
                OPEN_WAIT.as_secs()
            );
            return Some(CloseCause::IdleTimeout);
        }
    };
    let outcome = shared.core().open(conn, side, peer, &open, shared.now());
    let (version, first, rx, idle_timeout) = match outcome {
        OpenOutcome::Rejected { reply } => {
            // The core has logged the refusal.
            let _ = io.write(&reply).await;
            return Some(CloseCause::ServerReject);
        }
        OpenOutcome::Accepted {
            version,
            first,
            rx,
            idle_timeout,
        } => (version, first, rx, idle_timeout),
    };
    let mut out = BytesMut::new();
    for b in &first {
        out.extend_from_slice(b);
    }
    if !io.write(&out).await {
        return Some(CloseCause::ClientReset);
    }
    session(shared, conn, version, idle_timeout, rx, io).await
}

/// Reads until an OPEN_REQ arrives; anything else first gets FAILURE_CONF E_CTI_SESSION_NOT_OPEN.
async fn wait_for_open<S: Transport>(
    shared: &Arc<Shared>,
    conn: ConnId,
    who: &str,
    io: &mut Io<S>,
) -> Result<OpenReq, CloseCause> {
    loop {
        let frame = match io.read().await {
            Read::Frame(f) => f,
            Read::Eof => return Err(CloseCause::ClientReset),
            Read::TooLong => {
                tracing::warn!(
                    "{who}: dropped before OPEN_REQ: a message over the maximum size (E_CTI_INVALID_MESSAGE_LENGTH)"
                );
                let _ = io
                    .write(&failure_conf(
                        0,
                        E_CTI_INVALID_MESSAGE_LENGTH,
                        DEFAULT_VERSION,
                    ))
                    .await;
                return Err(CloseCause::Garbage);
            }
        };
        if frame.message_type == MessageType::OPEN_REQ {
            // The OPEN_REQ's own VersionNumber (second UINT) decides its floating-field width.
            let version = frame
                .body
                .get(4..8)
                .and_then(|b| b.try_into().ok())
                .map_or(DEFAULT_VERSION, u32::from_be_bytes);
            return match OpenReq::decode_body(&frame.body, version) {
                Ok(req) => Ok(req),
                Err(e) => {
                    let status = status_for(&e);
                    tracing::warn!("{who}: dropped before OPEN_REQ: bad OPEN_REQ ({status}): {e}");
                    let _ = io
                        .write(&failure_conf(
                            invoke_id_of(&frame.body),
                            status,
                            DEFAULT_VERSION,
                        ))
                        .await;
                    Err(CloseCause::Garbage)
                }
            };
        }
        if let Ok(m) = Message::decode(&frame, DEFAULT_VERSION) {
            shared
                .core()
                .recorder
                .client_request(conn, &m, shared.now());
        }
        let reply = failure_conf(
            invoke_id_of(&frame.body),
            E_CTI_SESSION_NOT_OPEN,
            DEFAULT_VERSION,
        );
        if !io.write(&reply).await {
            return Err(CloseCause::ClientReset);
        }
    }
}

/// The open session: requests in, replies and events out, idle timeout.
async fn session<S: Transport>(
    shared: &Arc<Shared>,
    conn: ConnId,
    version: u32,
    idle_timeout: u32,
    mut rx: mpsc::Receiver<Outbound>,
    io: &mut Io<S>,
) -> Option<CloseCause> {
    let idle =
        (idle_timeout != NO_IDLE_TIMEOUT).then(|| Duration::from_secs(u64::from(idle_timeout)));
    let mut deadline = idle.map(|d| tokio::time::Instant::now() + d);
    let mut shutdown = shared.shutdown.subscribe();
    let mut batch = BytesMut::new();
    loop {
        tokio::select! {
            read = io.read() => {
                deadline = idle.map(|d| tokio::time::Instant::now() + d);
                let frame = match read {
                    Read::Frame(f) => f,
                    Read::Eof => return Some(CloseCause::ClientReset),
                    Read::TooLong => {
                        tracing::info!("connection {conn}: message over the maximum size; resetting");
                        let _ = io.write(&failure_conf(0, E_CTI_INVALID_MESSAGE_LENGTH, version)).await;
                        return Some(CloseCause::Garbage);
                    }
                };
                match handle(shared, conn, version, &frame) {
                    Handled::Reply(Some(b)) => if !io.write(&b).await { return Some(CloseCause::ClientReset) },
                    Handled::Reply(None) => {}
                    Handled::Close(b) => {
                        let _ = io.write(&b).await;
                        return Some(CloseCause::ClientClose);
                    }
                    Handled::Garbage(b) => {
                        let _ = io.write(&b).await;
                        return Some(CloseCause::Garbage);
                    }
                }
            }
            out = rx.recv() => match out {
                Some(Outbound::Frame(b)) => {
                    batch.clear();
                    batch.extend_from_slice(&b);
                    while batch.len() < WRITE_BATCH {
                        match rx.try_recv() {
                            Ok(Outbound::Frame(b)) => batch.extend_from_slice(&b),
                            Ok(Outbound::Close(cause)) => {
                                tracing::debug!("connection {conn}: closed by the server ({cause:?})");
                                let _ = io.write(&batch).await;
                                return None;
                            }
                            Err(mpsc::error::TryRecvError::Disconnected) => {
                                let _ = io.write(&batch).await;
                                return None;
                            }
                            Err(mpsc::error::TryRecvError::Empty) => break,
                        }
                    }
                    if !io.write(&batch).await {
                        return Some(CloseCause::ClientReset);
                    }
                }
                Some(Outbound::Close(cause)) => {
                    tracing::debug!("connection {conn}: closed by the server ({cause:?})");
                    return None;
                }
                None => return None,
            },
            () = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            } => {
                // The core logs the close with the IdleTimeout.
                return Some(CloseCause::IdleTimeout);
            }
            _ = shutdown.changed() => return None,
        }
    }
}

enum Handled {
    Reply(Option<Bytes>),
    Close(Bytes),
    Garbage(Bytes),
}

fn handle(shared: &Arc<Shared>, conn: ConnId, version: u32, frame: &Frame) -> Handled {
    let now = shared.now();
    let msg = match Message::decode(frame, version) {
        Ok(m) => m,
        Err(e) => {
            tracing::info!("connection {conn}: {e}; resetting");
            return Handled::Garbage(failure_conf(
                invoke_id_of(&frame.body),
                status_for(&e),
                version,
            ));
        }
    };
    if let Some(tag) = unknown_tag(&msg) {
        tracing::info!(
            "connection {conn}: {} carries tag {tag}, which no message has; resetting",
            msg.name()
        );
        return Handled::Garbage(failure_conf(
            invoke_id_of(&frame.body),
            E_CTI_INVALID_FIELD_TAG,
            version,
        ));
    }
    let mut core = shared.core();
    match &msg {
        Message::HeartbeatReq(_) => Handled::Reply(core.heartbeat(conn, &msg, now)),
        Message::CloseReq(_) => match core.close_request(conn, &msg, now) {
            Some(b) => Handled::Close(b),
            None => Handled::Reply(None),
        },
        Message::OpenReq(o) => {
            core.recorder.client_request(conn, &msg, now);
            let refusal = failure_conf(o.invoke_id, E_CTI_SESSION_ALREADY_OPEN, version);
            Handled::Reply(core.reply(conn, o.invoke_id, Some(refusal), now))
        }
        Message::Unknown { .. } => {
            core.recorder.client_request(conn, &msg, now);
            let invoke_id = invoke_id_of(&frame.body);
            let refusal = failure_conf(invoke_id, E_CTI_INVALID_MSG_TYPE_FOR_VERSION, version);
            Handled::Reply(core.reply(conn, invoke_id, Some(refusal), now))
        }
        _ => {
            let reply = core.request(conn, &msg, now);
            drop(core);
            shared.wake.notify_one();
            Handled::Reply(reply)
        }
    }
}
