//! A new connection on a side: served at once in plain TCP, or after the TLS handshake on a TLS side. A
//! handshake that fails (no or an untrusted client certificate, a plain-TCP client, a client that refuses the
//! side's certificate) refuses that connection only: one info line, an entry in the conformance report's
//! refused connections, and the side goes on serving the others.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::config::Side;
use crate::net::connection::{self, OPEN_WAIT};
use crate::shared::Shared;
use crate::tls::refusal;

pub(crate) async fn serve(
    shared: Arc<Shared>,
    side: Side,
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
) {
    let Some(acceptor) = tls else {
        connection::serve(shared, side, stream, peer).await;
        return;
    };
    let _ = stream.set_nodelay(true);
    let mut shutdown = shared.shutdown.subscribe();
    let handshake = tokio::select! {
        r = tokio::time::timeout(OPEN_WAIT, acceptor.accept(stream)) => r,
        _ = shutdown.changed() => return,
    };
    let reason = match handshake {
        Ok(Ok(tls)) => {
            connection::serve(shared, side, tls, peer).await;
            return;
        }
        Ok(Err(e)) => refusal::describe(&e),
        Err(_) => format!("no TLS handshake within {} s", OPEN_WAIT.as_secs()),
    };
    tracing::info!(
        "side {}: refused the connection from {peer}: {reason}",
        side.name()
    );
    let now = shared.now();
    shared
        .core()
        .recorder
        .connection_refused(side, peer.to_string(), reason, now);
}
