//! One listener per side. A side failed in `refuse` mode closes its listener (connection attempts are refused)
//! and binds the same address again when restored.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpSocket};
use tokio_rustls::TlsAcceptor;

use crate::config::Side;
use crate::net::handshake;
use crate::shared::Shared;
use crate::sides::{FailMode, SideState};

/// Listen backlog: a reconnect storm of thousands of clients must not overflow the SYN queue (tokio's default
/// is 128, which made clients resend SYNs after a second or more).
const BACKLOG: u32 = 4096;

/// Binds `addr` with SO_REUSEADDR and a deep backlog.
pub(crate) fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Accepts on `side` until shutdown; with `tls`, every connection starts with the TLS handshake.
pub(crate) async fn run(
    shared: Arc<Shared>,
    side: Side,
    first: TcpListener,
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
) {
    let mut state = shared.side_watch(side).subscribe();
    let mut shutdown = shared.shutdown.subscribe();
    let mut listener = Some(first);
    loop {
        let refuse = *state.borrow_and_update() == SideState::Failed(FailMode::Refuse);
        if refuse {
            listener = None;
        } else if listener.is_none() {
            match bind(addr) {
                Ok(l) => listener = Some(l),
                Err(e) => {
                    tracing::warn!(
                        "side {}: cannot listen on {addr} again: {e}; retrying",
                        side.name()
                    );
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_millis(200)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            }
        }
        tokio::select! {
            accepted = async {
                match &listener {
                    Some(l) => l.accept().await,
                    None => std::future::pending().await,
                }
            } => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(handshake::serve(shared.clone(), side, stream, peer, tls.clone()));
                }
                Err(e) => tracing::warn!("side {}: accept failed: {e}", side.name()),
            },
            changed = state.changed() => if changed.is_err() { return },
            _ = shutdown.changed() => return,
        }
    }
}
