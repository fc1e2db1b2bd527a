//! `cti record`: a transparent proxy between a CTI client and the CTI Server that writes every byte of both
//! directions to a pcapng file (see `cti_capture::record`). Forwarded bytes are never changed; the file has the
//! credentials blanked unless `--keep-secrets`. Each client connection is its own TCP stream in the file, so a
//! failover through the proxy (side A, then side B) shows as separate streams.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use cti_capture::{RecordEvent, Recorder, Timestamp};

use crate::error::CliError;

/// Arguments of `cti record`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Record a CTI session through a transparent proxy into a pcapng file",
    long_about = "Listen on --listen (and --listen-b) and forward every connection to the CTI Server side A \
                  (--a; side B: --b), unchanged, writing both directions to --out as pcapng: Ethernet/IPv4/TCP \
                  framing with the true endpoints and sequence numbers, one interface per side, µs timestamps. \
                  ClientPassword and AgentPassword are blanked in the file (zero bytes of the same length) \
                  unless --keep-secrets. Runs until Ctrl-C; `cti decode FILE` and Wireshark read the file."
)]
pub struct RecordArgs {
    /// Address the client connects to instead of side A
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// The CTI Server's side A (HOST:PORT)
    #[arg(long = "a", value_name = "H:P")]
    a: String,
    /// The CTI Server's side B (HOST:PORT), proxied on --listen-b
    #[arg(long = "b", value_name = "H:P", requires = "listen_b")]
    b: Option<String>,
    /// Address the client connects to instead of side B
    #[arg(long, value_name = "ADDR", requires = "b")]
    listen_b: Option<SocketAddr>,
    /// The pcapng file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Keep ClientPassword / AgentPassword in the file
    #[arg(long)]
    keep_secrets: bool,
}

/// Copies one direction, reporting each read; on end of input half-closes the other side.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    id: u64,
    from_client: bool,
    events: mpsc::UnboundedSender<RecordEvent>,
) {
    let mut buf = vec![0_u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let Some(data) = buf.get(..n) else { break };
        // Reported before it is forwarded, so that the file has every answer after what it answers (the
        // other direction's pump runs on another thread).
        let _ = events.send(RecordEvent::Data {
            id,
            from_client,
            bytes: data.to_vec(),
        });
        if to.write_all(data).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
    let _ = events.send(RecordEvent::Close { id, from_client });
}

async fn proxy(
    client: TcpStream,
    target: String,
    side: usize,
    id: u64,
    events: mpsc::UnboundedSender<RecordEvent>,
) {
    let Ok(client_addr) = client.peer_addr() else {
        return;
    };
    let server = match TcpStream::connect(&target).await {
        Ok(s) => s,
        Err(e) => {
            crate::logging::note!("cti record: {client_addr}: cannot connect to {target}: {e}");
            return;
        }
    };
    let Ok(server_addr) = server.peer_addr() else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    crate::logging::note!("cti record: connection {id}: {client_addr} -> {server_addr}");
    let _ = events.send(RecordEvent::Open {
        id,
        side,
        client: client_addr,
        server: server_addr,
    });
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = tokio::spawn(pump(cr, sw, id, true, events.clone()));
    let down = tokio::spawn(pump(sr, cw, id, false, events));
    let _ = tokio::join!(up, down);
}

async fn accept_loop(
    listener: TcpListener,
    target: String,
    side: usize,
    events: mpsc::UnboundedSender<RecordEvent>,
    ids: std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    while let Ok((client, _)) = listener.accept().await {
        let id = ids.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tokio::spawn(proxy(client, target.clone(), side, id, events.clone()));
    }
}

/// The wall-clock time, as a capture timestamp (µs).
fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: d.as_secs(),
        nanos: d.subsec_micros() * 1000,
    }
}

/// Runs `cti record` until Ctrl-C.
pub fn run(args: &RecordArgs) -> Result<(), CliError> {
    let file = std::fs::File::create(&args.out)
        .map_err(|e| CliError::Run(format!("creating {}: {e}", args.out.display())))?;
    let b_name = args.b.clone().unwrap_or_else(|| "-".to_owned());
    let mut recorder = Recorder::create(
        std::io::BufWriter::new(file),
        [&format!("side A {}", args.a), &format!("side B {b_name}")],
        args.keep_secrets,
    )
    .map_err(|e| CliError::Run(format!("writing {}: {e}", args.out.display())))?;
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let ids = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let listen = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| CliError::Run(format!("cannot listen on {addr}: {e}")))
        };
        let la = listen(args.listen).await?;
        let bound_a = la.local_addr().map_err(|e| CliError::Run(e.to_string()))?;
        crate::logging::note!("cti record: side A on {bound_a} -> {}", args.a);
        tokio::spawn(accept_loop(la, args.a.clone(), 0, tx.clone(), ids.clone()));
        if let (Some(lb), Some(b)) = (args.listen_b, &args.b) {
            let lb = listen(lb).await?;
            let bound_b = lb.local_addr().map_err(|e| CliError::Run(e.to_string()))?;
            crate::logging::note!("cti record: side B on {bound_b} -> {b}");
            tokio::spawn(accept_loop(lb, b.clone(), 1, tx.clone(), ids));
        }
        drop(tx);
        let stop = tokio::signal::ctrl_c();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                event = rx.recv() => match event {
                    Some(e) => recorder
                        .handle(e, now())
                        .map_err(|e| CliError::Run(format!("writing {}: {e}", args.out.display())))?,
                    None => break,
                },
            }
        }
        // What the connections reported before the stop is in the file.
        while let Ok(e) = rx.try_recv() {
            let _ = recorder.handle(e, now());
        }
        crate::logging::note!("cti record: stopping; {} written", args.out.display());
        Ok(())
    })
}
