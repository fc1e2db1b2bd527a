//! # Replay — the CTI Server of a recorded session, for a client under test
//!
//! [`ReplayServer`] listens on one address and plays the recorded sessions of a capture
//! ([`cti_capture::replay::Recording`]) to the connections that arrive, one session per connection in recorded
//! order, through [`cti_capture::replay::Player`]: the recorded OPEN_CONF (InvokeID rewritten), HEARTBEAT_CONF
//! and CLOSE_CONF answered by the replay itself, recorded replies reused by request type in recorded order
//! (InvokeID rewritten) else FAILURE_CONF E_CTI_FUNCTION_NOT_AVAILABLE, and the recorded events with their
//! spacing scaled by the [`Pace`]. A session the recorded server ended (a later session follows in the
//! recording: a failover) is ended the same way, by a reset, once its events are sent. Every connection is
//! also judged by the simulator's [conformance recorder](crate::conformance), and [`ReplayServer::report`]
//! gives both: what the client sent that the recording did not, and the conformance checks.
//!
//! Time is tokio time: under `tokio::time::pause()` a replay at the recorded pace takes no real time.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use cti_capture::DecoderConfig;
//! use cti_capture::replay::{Pace, Recording};
//! use cti_sim::replay::ReplayServer;
//!
//! let file = std::fs::File::open("session.pcapng")?;
//! let recording = Recording::read(std::io::BufReader::new(file), DecoderConfig::default())?;
//! let mut server = ReplayServer::bind("127.0.0.1:0".parse()?, recording, Pace::speed(2.0)?).await?;
//! println!("replaying on {}", server.local_addr());
//! server.finished().await; // every recorded session served, every connection closed
//! println!("{}", server.shutdown().await.to_text());
//! # Ok(()) }
//! ```

mod connection;
mod report;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use cti_capture::replay::{Pace, Recording, Tally};
use cti_capture::replay::{Player, RecordedSession};
pub use report::{ConnectionReport, ReplayReport};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::conformance::{self, ConnId};

/// What the connections share.
struct State {
    sessions: Vec<RecordedSession>,
    /// The next session to serve.
    next: usize,
    conformance: conformance::Recorder,
    connections: BTreeMap<ConnId, ConnectionReport>,
    active: usize,
    omitted: Vec<String>,
}

pub(crate) struct Shared {
    state: Mutex<State>,
    start: Instant,
    pace: Pace,
    done: watch::Sender<bool>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// A new connection from `peer`: its number and the player of the next recorded session.
    pub(crate) fn accept(&self, peer: SocketAddr) -> (ConnId, Player) {
        let mut s = self.lock();
        let conn = s.connections.len() as ConnId + 1;
        let session = s.sessions.get(s.next).cloned();
        let leaves =
            session.as_ref().is_some_and(|x| !x.client_closed) && s.next + 1 < s.sessions.len();
        s.next += 1;
        s.active += 1;
        let player = Player::new(session, self.pace, leaves);
        s.connections.insert(
            conn,
            ConnectionReport {
                conn,
                peer: peer.to_string(),
                tally: player.tally(),
            },
        );
        s.conformance
            .connection_accepted(conn, crate::Side::A, self.now());
        (conn, player)
    }

    /// Runs `f` on the conformance recorder.
    pub(crate) fn judge(&self, f: impl FnOnce(&mut conformance::Recorder)) {
        f(&mut self.lock().conformance);
    }

    /// The connection's account so far.
    pub(crate) fn update(&self, conn: ConnId, tally: Tally) {
        if let Some(c) = self.lock().connections.get_mut(&conn) {
            c.tally = tally;
        }
    }

    /// The connection ended.
    pub(crate) fn closed(&self, conn: ConnId, cause: conformance::CloseCause, tally: Tally) {
        let at = self.now();
        let mut s = self.lock();
        if let Some(c) = s.connections.get_mut(&conn) {
            c.tally = tally;
        }
        s.conformance.connection_closed(conn, cause, at);
        s.active = s.active.saturating_sub(1);
        if s.active == 0 && s.next >= s.sessions.len() {
            self.done.send_replace(true);
        }
    }
}

/// A running replay. Dropping it stops every task it started.
pub struct ReplayServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: JoinSet<()>,
    done: watch::Receiver<bool>,
}

impl ReplayServer {
    /// Listens on `addr` (port 0: any free port) and replays `recording` at `pace` to the clients that connect.
    /// A recording without a session is an error (`InvalidInput`): there would be nothing to serve.
    pub async fn bind(
        addr: SocketAddr,
        recording: Recording,
        pace: Pace,
    ) -> io::Result<ReplayServer> {
        if recording.sessions.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the capture holds no CTI session (an OPEN_REQ answered by OPEN_CONF)",
            ));
        }
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let (done, rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                sessions: recording.sessions,
                next: 0,
                conformance: conformance::Recorder::new(),
                connections: BTreeMap::new(),
                active: 0,
                omitted: recording.omitted.iter().map(ToString::to_string).collect(),
            }),
            start: Instant::now(),
            pace,
            done,
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(accept_loop(listener, shared.clone()));
        Ok(ReplayServer {
            addr,
            shared,
            tasks,
            done: rx,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Resolves once every recorded session has been served and every connection has closed.
    pub async fn finished(&mut self) {
        let _ = self.done.wait_for(|d| *d).await;
    }

    /// The report so far (connections still open are reported as they stand).
    pub fn report(&self) -> ReplayReport {
        let now = self.shared.now();
        let s = self.shared.lock();
        ReplayReport::new(
            s.sessions.len(),
            s.connections.values().cloned().collect(),
            s.omitted.clone(),
            s.conformance.report(now),
        )
    }

    /// Stops listening and every connection; the final report.
    pub async fn shutdown(mut self) -> ReplayReport {
        self.tasks.shutdown().await;
        self.report()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    conns.spawn(connection::serve(shared.clone(), stream, peer));
                }
                Err(e) => {
                    tracing::warn!("replay: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}
