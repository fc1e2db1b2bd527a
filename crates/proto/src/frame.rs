//! Framing (§1): every message starts with MHDR = MessageLength (UINT, body bytes, header excluded) + MessageType
//! (UINT), big-endian. [`FrameDecoder`] is sans-IO: feed it whatever bytes arrived, in any split, and take whole
//! frames out. An announced length over the maximum is refused from the header alone, before any allocation.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::constants::MessageType;
use crate::error::FrameError;
use crate::version::MAX_MESSAGE_SIZE;

/// Size of MHDR.
pub const HEADER_LEN: usize = 8;

/// One message as framed on the wire: its type and its body (the bytes after MHDR).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// MessageType from the header.
    pub message_type: MessageType,
    /// The body (fixed part + floating part), shared with the receive buffer.
    pub body: Bytes,
}

impl Frame {
    /// Header + body length.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.body.len()
    }

    /// Appends header + body. Panics never; a body over `u32::MAX` bytes cannot exist (see [`FrameDecoder`]).
    pub fn put(&self, buf: &mut BytesMut) {
        buf.reserve(self.total_len());
        buf.put_u32(u32::try_from(self.body.len()).unwrap_or(u32::MAX));
        buf.put_u32(self.message_type.0);
        buf.put_slice(&self.body);
    }
}

/// Sans-IO frame splitter with a maximum message size (header included).
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    max_total: usize,
    offset: u64,
}

impl Default for FrameDecoder {
    /// Accepts messages up to [`MAX_MESSAGE_SIZE`] (12500 bytes), whatever the version (lenient reader).
    fn default() -> Self {
        FrameDecoder::new(MAX_MESSAGE_SIZE)
    }
}

impl FrameDecoder {
    /// A decoder that refuses messages larger than `max_total` bytes (header included).
    pub fn new(max_total: usize) -> Self {
        FrameDecoder {
            max_total: max_total.max(HEADER_LEN),
            offset: 0,
        }
    }

    /// Largest accepted message, header included.
    pub fn max_total(&self) -> usize {
        self.max_total
    }

    /// Stream offset of the next frame (bytes consumed so far).
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// Takes the next whole frame out of `buf`, or `Ok(None)` when more bytes are needed.
    /// After an error the stream is unusable (the peer is out of step): reset the connection.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let Some(header) = buf.get(..HEADER_LEN) else {
            return Ok(None);
        };
        let mut h = header;
        let length = h.get_u32();
        let message_type = MessageType(h.get_u32());
        let max_body = self.max_total - HEADER_LEN;
        let body_len = usize::try_from(length).unwrap_or(usize::MAX);
        if body_len > max_body {
            return Err(FrameError::TooLong {
                offset: self.offset,
                length,
                max: max_body,
            });
        }
        let total = HEADER_LEN + body_len;
        if buf.len() < total {
            buf.reserve(total - buf.len());
            return Ok(None);
        }
        let mut frame = buf.split_to(total);
        frame.advance(HEADER_LEN);
        self.offset += total as u64;
        Ok(Some(Frame {
            message_type,
            body: frame.freeze(),
        }))
    }

    /// Call at end of stream: an incomplete message left in `buf` is an error.
    pub fn finish(&self, buf: &BytesMut) -> Result<(), FrameError> {
        if buf.is_empty() {
            return Ok(());
        }
        let needed = match buf.get(..4) {
            Some(&[a, b, c, d]) => HEADER_LEN.saturating_add(
                usize::try_from(u32::from_be_bytes([a, b, c, d])).unwrap_or(usize::MAX),
            ),
            _ => HEADER_LEN,
        };
        Err(FrameError::Truncated {
            offset: self.offset,
            needed,
            available: buf.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEARTBEAT_REQ: [u8; 12] = [0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 9];

    #[test]
    fn one_byte_at_a_time() {
        let mut d = FrameDecoder::default();
        let mut buf = BytesMut::new();
        let mut frames = Vec::new();
        for b in HEARTBEAT_REQ.iter().chain(HEARTBEAT_REQ.iter()) {
            buf.put_u8(*b);
            while let Some(f) = d.decode(&mut buf).unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames.len(), 2);
        assert_eq!(frames[0].message_type, MessageType(5));
        assert_eq!(&frames[1].body[..], &[0, 0, 0, 9]);
        assert_eq!(d.stream_offset(), 24);
        assert!(d.finish(&buf).is_ok());
    }

    #[test]
    fn oversize_is_refused_from_the_header_before_allocating() {
        let mut d = FrameDecoder::new(4329);
        let mut buf = BytesMut::from(&[0xFF, 0xFF, 0xFF, 0xF0, 0, 0, 0, 3][..]);
        let cap = buf.capacity();
        assert_eq!(
            d.decode(&mut buf),
            Err(FrameError::TooLong {
                offset: 0,
                length: 0xFFFF_FFF0,
                max: 4321
            })
        );
        assert_eq!(buf.capacity(), cap);
        // Exactly the maximum is fine.
        let mut ok = BytesMut::new();
        ok.put_u32(4321);
        ok.put_u32(3);
        assert_eq!(d.decode(&mut ok), Ok(None));
    }

    #[test]
    fn truncated_stream_is_reported_at_finish() {
        let d = FrameDecoder::default();
        let buf = BytesMut::from(&HEARTBEAT_REQ[..3]);
        assert_eq!(
            d.finish(&buf),
            Err(FrameError::Truncated {
                offset: 0,
                needed: 8,
                available: 3
            })
        );
        let buf = BytesMut::from(&HEARTBEAT_REQ[..10]);
        assert_eq!(
            d.finish(&buf),
            Err(FrameError::Truncated {
                offset: 0,
                needed: 12,
                available: 10
            })
        );
    }
}
