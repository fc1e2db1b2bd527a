//! From packets to GED-188 messages: TCP segments grouped by connection, each direction reassembled
//! ([`Reassembler`]) and cut into frames ([`Splitter`]), each frame decoded at the connection's protocol
//! version — the VersionNumber of its OPEN_REQ once seen, the configured default before (or without) one.
//!
//! A connection is GED-188 when one of its ports is a CTI port (42027, 43027 and the configured ones), or, when
//! content detection is on, when its first payload starts with a plausible GED-188 header. Streams are
//! numbered from 0 in the order they are first seen; a new SYN on a connection already used starts a new stream.

use std::collections::HashMap;
use std::net::SocketAddr;

use bytes::Buf;
use cti_proto::frame::Frame;
use cti_proto::{DecodeError, Message, MessageType};

use crate::file_bytes::Packet;
use crate::packet::{TcpSegment, tcp_segment};
use crate::reassembly::{Delivery, Reassembler};
use crate::splitter::{Split, Splitter};
use crate::timestamp::Timestamp;

/// The CTI Server ports of side A and side B.
pub const DEFAULT_PORTS: [u16; 2] = [42027, 43027];

/// How to find and decode the GED-188 streams of a capture.
#[derive(Debug, Clone)]
pub struct DecoderConfig {
    /// Ports that mark a connection as GED-188 (default 42027 and 43027).
    pub ports: Vec<u16>,
    /// Also take connections whose first payload starts with a plausible GED-188 header.
    pub by_content: bool,
    /// Protocol version of a stream whose OPEN_REQ is not in the capture.
    pub default_version: u32,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            ports: DEFAULT_PORTS.to_vec(),
            by_content: true,
            default_version: cti_proto::DEFAULT_VERSION,
        }
    }
}

/// Where an event happened: time, direction and stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Capture time of the segment that completed it.
    pub ts: Timestamp,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Stream number (0, 1, ... in order of appearance).
    pub stream: u32,
    /// Offset of the message (or of the first byte skipped) in this direction's byte stream.
    pub offset: u64,
}

/// What the decoder found.
#[derive(Debug)]
#[non_exhaustive]
pub enum CaptureEvent {
    /// A message, decoded at the stream's version.
    Message {
        /// Where.
        origin: Origin,
        /// The protocol version used.
        version: u32,
        /// The message, or why its body does not decode.
        message: Result<Message, DecodeError>,
    },
    /// Bytes skipped to reach the next plausible header (a capture joined mid-stream, a gap, bad framing).
    Skipped {
        /// Where.
        origin: Origin,
        /// How many bytes.
        bytes: u64,
    },
}

struct Half {
    /// The receiver.
    dst: SocketAddr,
    reassembler: Reassembler,
    splitter: Splitter,
}

struct Connection {
    stream: Option<u32>,
    decided: bool,
    version: Option<u32>,
    /// The two directions, keyed by sender.
    halves: HashMap<SocketAddr, Half>,
    used: bool,
    /// SYN sequence numbers per sender seen before the connection was found to be GED-188 (content
    /// detection decides at the first payload, after the handshake): its halves still start in step.
    early_syns: HashMap<SocketAddr, u32>,
}

/// Decodes the GED-188 messages of a capture, packet by packet.
pub struct CaptureDecoder {
    config: DecoderConfig,
    connections: HashMap<(SocketAddr, SocketAddr), Connection>,
    next_stream: u32,
}

fn key(a: SocketAddr, b: SocketAddr) -> (SocketAddr, SocketAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

/// True when `payload` starts with a plausible GED-188 header.
fn looks_like_ged188(payload: &[u8]) -> bool {
    let mut h = payload.get(..8).unwrap_or_default();
    if h.len() < 8 {
        return false;
    }
    let len = h.get_u32();
    let t = h.get_u32();
    usize::try_from(len).is_ok_and(|l| l <= cti_proto::version::MAX_MESSAGE_SIZE - 8)
        && MessageType(t).name().is_some()
}

/// VersionNumber of an OPEN_REQ frame (its second fixed field).
fn open_req_version(frame: &Frame) -> Option<u32> {
    if frame.message_type != MessageType::OPEN_REQ {
        return None;
    }
    let mut b = frame.body.get(4..8)?;
    Some(b.get_u32())
}

impl CaptureDecoder {
    /// A decoder with `config`.
    pub fn new(config: DecoderConfig) -> Self {
        CaptureDecoder {
            config,
            connections: HashMap::new(),
            next_stream: 0,
        }
    }

    /// Takes one packet; the events it completes are appended to `out`.
    pub fn push(&mut self, packet: &Packet, out: &mut Vec<CaptureEvent>) {
        if let Some(seg) = tcp_segment(packet) {
            self.segment(&seg, out);
        }
    }

    fn segment(&mut self, seg: &TcpSegment, out: &mut Vec<CaptureEvent>) {
        let k = key(seg.src, seg.dst);
        let reused = seg.syn
            && self.connections.get(&k).is_some_and(|c| {
                c.used
                    && c.halves
                        .get(&seg.src)
                        .is_some_and(|h| h.reassembler.started())
            });
        if reused {
            // Port reuse: close out the old stream, start a new one.
            if let Some(old) = self.connections.remove(&k) {
                Self::finish_connection(old, seg.ts, out, &self.config);
            }
        }
        let by_port = [seg.src.port(), seg.dst.port()]
            .iter()
            .any(|p| self.config.ports.contains(p));
        let conn = self.connections.entry(k).or_insert_with(|| Connection {
            stream: None,
            decided: false,
            version: None,
            halves: HashMap::new(),
            used: false,
            early_syns: HashMap::new(),
        });
        if !conn.decided && (by_port || !seg.payload.is_empty()) {
            conn.decided = true;
            let cti = by_port || (self.config.by_content && looks_like_ged188(&seg.payload));
            if cti {
                conn.stream = Some(self.next_stream);
                self.next_stream += 1;
            }
        }
        let Some(stream) = conn.stream else {
            if seg.syn && !conn.decided {
                conn.early_syns.insert(seg.src, seg.seq);
            }
            return;
        };
        let early_syn = conn.early_syns.remove(&seg.src);
        let half = conn.halves.entry(seg.src).or_insert_with(|| Half {
            dst: seg.dst,
            reassembler: Reassembler::default(),
            splitter: Splitter::default(),
        });
        let syn = if seg.syn { Some(seg.seq) } else { early_syn };
        if let (Some(seq), false) = (syn, half.reassembler.started()) {
            half.reassembler.syn(seq);
            half.splitter = Splitter::at_stream_start();
        }
        let mut delivered = Vec::new();
        half.reassembler.push(seg.seq, &seg.payload, &mut delivered);
        conn.used |= !delivered.is_empty();
        let mut splits = Vec::new();
        for d in delivered {
            match d {
                Delivery::Data(b) => half.splitter.push(&b, &mut splits),
                Delivery::Gap(n) => half.splitter.gap(n),
            }
        }
        let at = |offset| Origin {
            ts: seg.ts,
            src: seg.src,
            dst: seg.dst,
            stream,
            offset,
        };
        emit(splits, &mut conn.version, &self.config, &at, out);
    }

    fn finish_connection(
        mut conn: Connection,
        ts: Timestamp,
        out: &mut Vec<CaptureEvent>,
        config: &DecoderConfig,
    ) {
        let Some(stream) = conn.stream else {
            return;
        };
        let mut halves: Vec<(SocketAddr, Half)> = conn.halves.drain().collect();
        halves.sort_by_key(|(src, _)| *src);
        for (src, mut half) in halves {
            let dst = half.dst;
            let mut delivered = Vec::new();
            half.reassembler.finish(&mut delivered);
            let mut splits = Vec::new();
            for d in delivered {
                match d {
                    Delivery::Data(b) => half.splitter.push(&b, &mut splits),
                    Delivery::Gap(n) => half.splitter.gap(n),
                }
            }
            half.splitter.finish(&mut splits);
            let at = |offset| Origin {
                ts,
                src,
                dst,
                stream,
                offset,
            };
            emit(splits, &mut conn.version, config, &at, out);
        }
    }

    /// End of the capture: what waited behind holes is delivered, partial messages are reported skipped.
    /// `ts` is the time given to those events (the last packet's).
    pub fn finish(&mut self, ts: Timestamp, out: &mut Vec<CaptureEvent>) {
        let mut conns: Vec<Connection> = self.connections.drain().map(|(_, c)| c).collect();
        conns.sort_by_key(|c| c.stream);
        for c in conns {
            Self::finish_connection(c, ts, out, &self.config);
        }
    }
}

fn emit(
    splits: Vec<Split>,
    version: &mut Option<u32>,
    config: &DecoderConfig,
    at: &dyn Fn(u64) -> Origin,
    out: &mut Vec<CaptureEvent>,
) {
    for s in splits {
        match s {
            Split::Frame { offset, frame } => {
                if let Some(v) = open_req_version(&frame) {
                    *version = Some(v);
                }
                let v = version.unwrap_or(config.default_version);
                out.push(CaptureEvent::Message {
                    origin: at(offset),
                    version: v,
                    message: Message::decode(&frame, v),
                });
            }
            Split::Skipped { offset, bytes } => out.push(CaptureEvent::Skipped {
                origin: at(offset),
                bytes,
            }),
        }
    }
}
