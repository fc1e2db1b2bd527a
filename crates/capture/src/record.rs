//! Recording sessions seen through a proxy (`cti record`) to pcapng: one interface per side, each proxied
//! connection as the TCP connection between the true endpoints (the client's address, the CTI Server's),
//! with its handshake, its bytes in order with true sequence numbers, its FINs; credentials blanked unless
//! asked to keep them. No I/O of its own beyond the writer, no clock: each event comes with its time.

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::SocketAddr;

use crate::credentials::StreamBlanker;
use crate::tcp_frame::TcpFlow;
use crate::timestamp::Timestamp;
use crate::write::PcapngWriter;

/// What a proxied connection reports to the file.
#[derive(Debug)]
pub enum RecordEvent {
    /// A client connected through side `side` (0 = A, 1 = B) to `server`.
    Open {
        /// Connection id.
        id: u64,
        /// 0 for side A, 1 for side B.
        side: usize,
        /// The client's address.
        client: SocketAddr,
        /// The CTI Server's address.
        server: SocketAddr,
    },
    /// Bytes forwarded.
    Data {
        /// Connection id.
        id: u64,
        /// From the client (else from the server).
        from_client: bool,
        /// The bytes, as forwarded.
        bytes: Vec<u8>,
    },
    /// One side closed its direction.
    Close {
        /// Connection id.
        id: u64,
        /// The client closed (else the server).
        from_client: bool,
    },
}

struct Conn {
    interface: u32,
    flow: TcpFlow,
    blankers: [StreamBlanker; 2],
    closed: [bool; 2],
}

/// The capture file being written.
pub struct Recorder<W: Write> {
    out: PcapngWriter<W>,
    interfaces: [u32; 2],
    conns: HashMap<u64, Conn>,
    keep_secrets: bool,
}

impl<W: Write> Recorder<W> {
    /// Starts the file on `out` with two interfaces (side A, side B) named `names`.
    pub fn create(out: W, names: [&str; 2], keep_secrets: bool) -> io::Result<Self> {
        let mut out = PcapngWriter::new(out, "ctikit cti record")?;
        let a = out.add_interface(names[0])?;
        let b = out.add_interface(names[1])?;
        out.flush()?;
        Ok(Recorder {
            out,
            interfaces: [a, b],
            conns: HashMap::new(),
            keep_secrets,
        })
    }

    fn write(&mut self, interface: u32, ts: Timestamp, frames: Vec<Vec<u8>>) -> io::Result<()> {
        for f in frames {
            self.out.write_packet(interface, ts, &f)?;
        }
        Ok(())
    }

    /// Writes what `event`, which happened at `ts`, means to the file (and flushes it, so a killed recorder
    /// leaves a readable file).
    pub fn handle(&mut self, event: RecordEvent, ts: Timestamp) -> io::Result<()> {
        match event {
            RecordEvent::Open {
                id,
                side,
                client,
                server,
            } => {
                let interface = self.interfaces.get(side).copied().unwrap_or(0);
                let mut flow = TcpFlow::new(client, server);
                let frames = flow.handshake().to_vec();
                let v = cti_proto::DEFAULT_VERSION;
                self.conns.insert(
                    id,
                    Conn {
                        interface,
                        flow,
                        blankers: [StreamBlanker::new(v), StreamBlanker::new(v)],
                        closed: [false; 2],
                    },
                );
                self.write(interface, ts, frames)?;
            }
            RecordEvent::Data {
                id,
                from_client,
                bytes,
            } => {
                let keep = self.keep_secrets;
                let Some(c) = self.conns.get_mut(&id) else {
                    return Ok(());
                };
                let recorded = if keep {
                    bytes
                } else {
                    c.blankers
                        .get_mut(usize::from(!from_client))
                        .map(|b| b.push(&bytes))
                        .unwrap_or_default()
                };
                let frames = if recorded.is_empty() {
                    Vec::new()
                } else {
                    c.flow.data(from_client, &recorded)
                };
                let interface = c.interface;
                self.write(interface, ts, frames)?;
            }
            RecordEvent::Close { id, from_client } => {
                let Some(c) = self.conns.get_mut(&id) else {
                    return Ok(());
                };
                let i = usize::from(!from_client);
                let rest = c
                    .blankers
                    .get_mut(i)
                    .map(StreamBlanker::finish)
                    .unwrap_or_default();
                let mut frames = if rest.is_empty() {
                    Vec::new()
                } else {
                    c.flow.data(from_client, &rest)
                };
                frames.push(c.flow.fin(from_client));
                if let Some(closed) = c.closed.get_mut(i) {
                    *closed = true;
                }
                let interface = c.interface;
                if c.closed == [true, true] {
                    self.conns.remove(&id);
                }
                self.write(interface, ts, frames)?;
            }
        }
        self.out.flush()
    }

    /// The output back (flushed by every [`Recorder::handle`]).
    pub fn into_inner(self) -> W {
        self.out.into_inner()
    }
}
