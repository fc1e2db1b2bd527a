//! A TCP proxy between the gateway and nats-server that a test can make misbehave in ways a real outage does:
//! swallow the server's replies (JetStream stores what it receives, the acks never arrive), then cut every
//! connection and refuse new ones, then let clients in again.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The proxy; dropping it stops it and its connections.
pub struct Proxy {
    addr: SocketAddr,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    /// Bytes from the server are read and dropped.
    mute: AtomicBool,
    /// New connections are closed at once.
    refuse: AtomicBool,
    /// Bumped to close every open connection.
    cut: watch::Sender<u64>,
    /// Bytes dropped while muted.
    swallowed: AtomicU64,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            mute: AtomicBool::new(false),
            refuse: AtomicBool::new(false),
            cut: watch::channel(0).0,
            swallowed: AtomicU64::new(0),
        });
        let st = Arc::clone(&state);
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if st.refuse.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                tokio::spawn(pipe(client, server, Arc::clone(&st)));
            }
        });
        Proxy {
            addr,
            state,
            accept,
        }
    }

    /// `nats://` URL of the proxy.
    pub fn url(&self) -> String {
        format!("nats://{}", self.addr)
    }

    /// From now on the server's bytes are dropped (what clients send still reaches the server).
    pub fn mute_replies(&self) {
        self.state.mute.store(true, Ordering::SeqCst);
    }

    /// Bytes of the server's replies dropped so far.
    pub fn swallowed(&self) -> u64 {
        self.state.swallowed.load(Ordering::SeqCst)
    }

    /// Closes every connection and refuses new ones until [`Proxy::open`].
    pub fn cut(&self) {
        self.state.refuse.store(true, Ordering::SeqCst);
        self.state.cut.send_modify(|n| *n += 1);
    }

    /// Lets clients connect again, with replies forwarded.
    pub fn open(&self) {
        self.state.mute.store(false, Ordering::SeqCst);
        self.state.refuse.store(false, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

async fn pipe(client: TcpStream, server: TcpStream, st: Arc<State>) {
    let mut cut = st.cut.subscribe();
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = cr.read(&mut buf).await.unwrap_or(0);
            if n == 0 || sw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = sr.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                return;
            }
            if st.mute.load(Ordering::SeqCst) {
                st.swallowed.fetch_add(n as u64, Ordering::SeqCst);
                continue;
            }
            if cw.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
        _ = cut.changed() => {}
    }
}
