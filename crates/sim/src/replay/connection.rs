//! One replayed connection: frames in, the player's answers and its due events out, the conformance recorder
//! told what happens.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use cti_capture::replay::Player;
use cti_proto::{DEFAULT_VERSION, FrameDecoder, Message, MessageKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use super::Shared;
use crate::conformance::{CloseCause, ConnId};

/// How long the replay waits for the client to close after CLOSE_CONF before closing itself.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

struct Conn {
    shared: Arc<Shared>,
    id: ConnId,
    player: Player,
    stream: TcpStream,
    accepted: Instant,
    version: u32,
}

pub(crate) async fn serve(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let (id, player) = shared.accept(peer);
    let _ = stream.set_nodelay(true);
    let version = player.version(DEFAULT_VERSION);
    tracing::info!("replay: connection {id} from {peer}");
    let mut c = Conn {
        shared,
        id,
        player,
        stream,
        accepted: Instant::now(),
        version,
    };
    let cause = c.run().await;
    tracing::info!("replay: connection {id} ended ({cause:?})");
    c.shared.closed(id, cause, c.player.tally());
    match cause {
        CloseCause::ClientClose | CloseCause::ServerReject => {
            let _ = c.stream.shutdown().await;
            // Let the client close first, so that nothing it still sends makes the close a reset.
            let mut sink = [0_u8; 1024];
            let _ = tokio::time::timeout(CLOSE_WAIT, async {
                while matches!(c.stream.read(&mut sink).await, Ok(n) if n > 0) {}
            })
            .await;
        }
        CloseCause::ServerFailover => {
            // The recorded server went away: a reset, as a failing CTI Server's.
            #[allow(
                deprecated,
                reason = "the zero linger is wanted: the close must be a reset"
            )]
            let _ = c.stream.set_linger(Some(Duration::ZERO));
        }
        _ => {}
    }
}

impl Conn {
    fn now(&self) -> Duration {
        self.accepted.elapsed()
    }

    async fn run(&mut self) -> CloseCause {
        let mut buf = BytesMut::with_capacity(8192);
        let mut frames = FrameDecoder::default();
        loop {
            // Events due first (with --as-fast-as-possible, all of them right after OPEN_CONF), then whole
            // frames already read.
            if let Some(cause) = self.send_due().await {
                return cause;
            }
            match frames.decode(&mut buf) {
                Ok(Some(frame)) => {
                    let msg = match Message::decode(&frame, self.version) {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::warn!("replay: connection {}: {e}; resetting", self.id);
                            return CloseCause::Garbage;
                        }
                    };
                    if let Some(cause) = self.client_message(&msg).await {
                        return cause;
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!("replay: connection {}: {e}; resetting", self.id);
                    return CloseCause::Garbage;
                }
            }
            let due = self.player.next_event_at().map(|d| self.accepted + d);
            tokio::select! {
                read = self.stream.read_buf(&mut buf) => match read {
                    Ok(0) | Err(_) => return CloseCause::ClientReset,
                    Ok(_) => {}
                },
                () = async {
                    match due {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {}
            }
        }
    }

    /// Sends the events due now; the cause when the connection ends with them.
    async fn send_due(&mut self) -> Option<CloseCause> {
        let events = self.player.poll_events(self.now());
        if !events.is_empty() {
            if !self.write(&events).await {
                return Some(CloseCause::ClientReset);
            }
            self.shared.update(self.id, self.player.tally());
        }
        self.player.finished().then_some(CloseCause::ServerFailover)
    }

    /// Answers one client message; the cause when the connection ends with it.
    async fn client_message(&mut self, msg: &Message) -> Option<CloseCause> {
        let at = self.shared.now();
        let first_open = matches!(msg, Message::OpenReq(_)) && !self.player.is_open();
        let id = self.id;
        self.shared.judge(|r| match msg {
            Message::OpenReq(req) if first_open => r.open_request(id, req, at),
            m => r.client_request(id, m, at),
        });
        let answer = self.player.on_message(msg, self.now());
        let at = self.shared.now();
        self.shared.judge(|r| {
            for m in &answer.messages {
                match m {
                    Message::OpenConf(_) if first_open => r.open_result(id, true, None, at),
                    Message::FailureConf(f) if first_open => {
                        r.open_result(id, false, Some(f.status), at);
                    }
                    m if m.kind() == MessageKind::Reply => {
                        if let Some(invoke_id) = m.invoke_id() {
                            r.server_reply(id, invoke_id, at);
                        }
                    }
                    _ => {}
                }
            }
        });
        if !self.write(&answer.messages).await {
            return Some(CloseCause::ClientReset);
        }
        self.shared.update(self.id, self.player.tally());
        if answer.close {
            return Some(if matches!(msg, Message::CloseReq(_)) {
                CloseCause::ClientClose
            } else {
                CloseCause::ServerReject
            });
        }
        None
    }

    /// Writes `messages` at the session's version; false when the client is gone.
    async fn write(&mut self, messages: &[Message]) -> bool {
        let mut out = BytesMut::new();
        for m in messages {
            if let Err(e) = m.encode(self.version, &mut out) {
                tracing::warn!("replay: connection {}: not sent: {e}", self.id);
            }
        }
        out.is_empty() || self.stream.write_all(&out).await.is_ok()
    }
}
