//! `tokio_util::codec` adapters over the sans-IO [`FrameDecoder`] (feature `codec`).

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::error::{DecodeError, EncodeError, FrameError};
use crate::frame::{Frame, FrameDecoder};
use crate::message::Message;

/// Frames in, frames out.
#[derive(Debug, Clone, Default)]
pub struct FrameCodec {
    frames: FrameDecoder,
}

impl FrameCodec {
    /// A codec refusing messages over `max_total` bytes (header included).
    pub fn new(max_total: usize) -> Self {
        FrameCodec {
            frames: FrameDecoder::new(max_total),
        }
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        self.frames.decode(src)
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        match self.frames.decode(src)? {
            Some(f) => Ok(Some(f)),
            None => self.frames.finish(src).map(|()| None),
        }
    }
}

impl Encoder<&Frame> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, item: &Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        item.put(dst);
        Ok(())
    }
}

/// Any error of the message codec.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Bad framing (oversize length, truncated stream) or I/O.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A frame whose body does not decode.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message that cannot be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl From<std::io::Error> for CodecError {
    fn from(e: std::io::Error) -> Self {
        CodecError::Frame(FrameError::from(e))
    }
}

/// Typed messages in and out at a protocol version that can change once the session is open.
#[derive(Debug, Clone)]
pub struct MessageCodec {
    frames: FrameDecoder,
    version: u32,
}

impl MessageCodec {
    /// A codec at protocol `version` accepting messages up to 12500 bytes.
    pub fn new(version: u32) -> Self {
        MessageCodec {
            frames: FrameDecoder::default(),
            version,
        }
    }

    /// The protocol version in use.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Switches version (e.g. after OPEN_CONF).
    pub fn set_version(&mut self, version: u32) {
        self.version = version;
    }
}

impl Decoder for MessageCodec {
    type Item = Message;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Message>, CodecError> {
        match self.frames.decode(src)? {
            Some(f) => Ok(Some(Message::decode(&f, self.version)?)),
            None => Ok(None),
        }
    }
}

impl Encoder<&Message> for MessageCodec {
    type Error = CodecError;

    fn encode(&mut self, item: &Message, dst: &mut BytesMut) -> Result<(), CodecError> {
        Ok(item.encode(self.version, dst)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::HeartbeatReq;

    #[test]
    fn message_codec_round_trip() {
        let mut c = MessageCodec::new(24);
        let mut buf = BytesMut::new();
        let mut hb = HeartbeatReq::default();
        hb.invoke_id = 7;
        c.encode(&Message::from(hb), &mut buf).unwrap();
        assert_eq!(&buf[..], &[0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 7]);
        let m = c.decode(&mut buf).unwrap();
        assert_eq!(m.and_then(|m| m.invoke_id()), Some(7));
    }
}
