//! One direction's bytes cut into GED-188 frames, with resynchronisation: at the start of a stream the capture
//! joined mid-way, after a gap, or after a header that cannot be one (a length over the maximum), the bytes up
//! to the next *plausible* header are skipped and counted. A header is plausible when its length is within the
//! maximum, its type is a known message type, its body decodes (at either floating width), and the header after
//! its body is plausible too (at the end of the stream: or nothing follows). A stream seen from its SYN
//! starts in step.

use bytes::{Buf, BytesMut};
use cti_proto::frame::{Frame, HEADER_LEN};
use cti_proto::version::MAX_MESSAGE_SIZE;
use cti_proto::{Message, MessageType};

/// What the splitter hands on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// A whole frame starting at `offset` in this direction's stream.
    Frame {
        /// Stream offset of its header.
        offset: u64,
        /// The frame.
        frame: Frame,
    },
    /// `bytes` bytes from `offset` were skipped to reach the next plausible header (or lost in a gap).
    Skipped {
        /// Stream offset of the first byte skipped.
        offset: u64,
        /// How many.
        bytes: u64,
    },
}

/// Frames out of one direction of a connection.
#[derive(Debug, Default)]
pub struct Splitter {
    buf: BytesMut,
    /// Stream offset of the first byte of `buf`.
    offset: u64,
    synced: bool,
    /// Bytes skipped since the last frame (reported with the next frame or at the end).
    skipping: Option<(u64, u64)>,
}

fn header(b: &[u8], at: usize) -> Option<(usize, u32)> {
    let h = b.get(at..at + HEADER_LEN)?;
    let mut h = h;
    let len = usize::try_from(h.get_u32()).unwrap_or(usize::MAX);
    Some((len, h.get_u32()))
}

fn plausible_header(b: &[u8], at: usize) -> Option<usize> {
    let (len, t) = header(b, at)?;
    (len <= MAX_MESSAGE_SIZE - HEADER_LEN && MessageType(t).name().is_some()).then_some(len)
}

/// Where to resynchronise in `b`.
enum Resync {
    /// A plausible header at this position, confirmed by the one after it.
    At(usize),
    /// A plausible header here, but the bytes that would confirm it have not arrived.
    Wait(usize),
    /// No header in the first `n` bytes.
    NoneBefore(usize),
}

/// True when the whole message at `at` (its body is there) decodes at a 2-byte or a 1-byte floating width.
fn decodes(b: &[u8], at: usize, len: usize, t: u32) -> bool {
    let Some(body) = b.get(at + HEADER_LEN..at + HEADER_LEN + len) else {
        return false;
    };
    let frame = Frame {
        message_type: MessageType(t),
        body: bytes::Bytes::copy_from_slice(body),
    };
    [24, 15].iter().any(|v| Message::decode(&frame, *v).is_ok())
}

/// Finds the next plausible header: a known type, a length within the maximum, a body that decodes, and a
/// plausible header after it (at the end of the stream, `finishing`: or nothing after it).
fn resync(b: &[u8], finishing: bool) -> Resync {
    let mut p = 0;
    while p + HEADER_LEN <= b.len() {
        if let Some(len) = plausible_header(b, p) {
            let next = p + HEADER_LEN + len;
            if b.len() < next + HEADER_LEN && !finishing {
                return Resync::Wait(p);
            }
            let t = header(b, p).map_or(0, |(_, t)| t);
            if next <= b.len()
                && decodes(b, p, len, t)
                && (b.len() < next + HEADER_LEN || plausible_header(b, next).is_some())
            {
                return Resync::At(p);
            }
        }
        p += 1;
    }
    Resync::NoneBefore(p)
}

impl Splitter {
    fn skip(&mut self, n: usize) {
        let n = n.min(self.buf.len());
        let (_, count) = self.skipping.get_or_insert((self.offset, 0));
        *count += n as u64;
        self.buf.advance(n);
        self.offset += n as u64;
    }

    fn report_skip(&mut self, out: &mut Vec<Split>) {
        if let Some((offset, bytes)) = self.skipping.take() {
            if bytes > 0 {
                out.push(Split::Skipped { offset, bytes });
            }
        }
    }

    /// A splitter for a stream seen from its SYN: its first byte starts a message.
    pub fn at_stream_start() -> Self {
        Splitter {
            synced: true,
            ..Splitter::default()
        }
    }

    /// The next bytes of the stream; whole frames (and skips) are appended to `out`.
    pub fn push(&mut self, data: &[u8], out: &mut Vec<Split>) {
        self.buf.extend_from_slice(data);
        self.split(false, out);
    }

    fn split(&mut self, finishing: bool, out: &mut Vec<Split>) {
        loop {
            if !self.synced {
                match resync(&self.buf, finishing) {
                    Resync::At(p) => {
                        self.skip(p);
                        self.synced = true;
                    }
                    Resync::Wait(p) | Resync::NoneBefore(p) => {
                        self.skip(p);
                        return;
                    }
                }
            }
            let Some((len, t)) = header(&self.buf, 0) else {
                return;
            };
            if len > MAX_MESSAGE_SIZE - HEADER_LEN {
                self.synced = false;
                self.skip(1);
                continue;
            }
            if self.buf.len() < HEADER_LEN + len {
                return;
            }
            self.report_skip(out);
            let mut frame = self.buf.split_to(HEADER_LEN + len);
            frame.advance(HEADER_LEN);
            out.push(Split::Frame {
                offset: self.offset,
                frame: Frame {
                    message_type: MessageType(t),
                    body: frame.freeze(),
                },
            });
            self.offset += (HEADER_LEN + len) as u64;
        }
    }

    /// `bytes` bytes of the stream were never captured: what is buffered is lost with them.
    pub fn gap(&mut self, bytes: u64) {
        let buffered = self.buf.len();
        self.skip(buffered);
        if let Some((_, count)) = &mut self.skipping {
            *count += bytes;
        }
        self.offset += bytes;
        self.synced = false;
    }

    /// End of the capture: a partial message left over is reported as skipped.
    pub fn finish(&mut self, out: &mut Vec<Split>) {
        self.split(true, out);
        let buffered = self.buf.len();
        self.skip(buffered);
        self.report_skip(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEARTBEAT_REQ: [u8; 12] = [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 9];

    fn frames(out: &[Split]) -> Vec<u64> {
        out.iter()
            .filter_map(|s| match s {
                Split::Frame { offset, .. } => Some(*offset),
                Split::Skipped { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_stream_joined_mid_message_skips_to_the_next_header() {
        let mut s = Splitter::default();
        let mut out = Vec::new();
        // The tail of some message (37 bytes), then two heartbeats, fed one byte at a time.
        let mut stream = vec![0xEE_u8; 37];
        stream.extend_from_slice(&HEARTBEAT_REQ);
        stream.extend_from_slice(&HEARTBEAT_REQ);
        for b in &stream {
            s.push(&[*b], &mut out);
        }
        s.finish(&mut out);
        assert_eq!(
            out.first(),
            Some(&Split::Skipped {
                offset: 0,
                bytes: 37
            })
        );
        assert_eq!(frames(&out), vec![37, 49]);
    }

    #[test]
    fn an_oversize_length_loses_sync_and_the_next_header_is_found() {
        let mut s = Splitter::at_stream_start();
        let mut out = Vec::new();
        let mut stream = HEARTBEAT_REQ.to_vec();
        stream.extend_from_slice(&[0x7F, 0, 0, 0, 0, 0, 0, 5]);
        stream.extend_from_slice(&HEARTBEAT_REQ);
        s.push(&stream, &mut out);
        s.finish(&mut out);
        assert_eq!(frames(&out), vec![0, 20]);
        assert!(out.contains(&Split::Skipped {
            offset: 12,
            bytes: 8
        }));
    }

    #[test]
    fn a_gap_drops_the_partial_message_and_resyncs() {
        let mut s = Splitter::default();
        let mut out = Vec::new();
        s.push(&HEARTBEAT_REQ[..6], &mut out);
        s.gap(100);
        s.push(&HEARTBEAT_REQ, &mut out);
        s.finish(&mut out);
        assert_eq!(
            out.first(),
            Some(&Split::Skipped {
                offset: 0,
                bytes: 106
            })
        );
        assert_eq!(frames(&out), vec![106]);
    }
}
