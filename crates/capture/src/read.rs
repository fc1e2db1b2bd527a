//! Reading a capture: the format is told by the magic number (pcap in either byte order and time unit, or
//! pcapng), then [`CaptureReader::next_packet`] gives the packets in file order.

use std::io::Read;

use crate::error::CaptureError;
use crate::file_bytes::read_exact;
pub use crate::file_bytes::{MAX_PACKET, Packet};
use crate::pcap::PcapReader;
use crate::pcapng::PcapngReader;

/// The two capture formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Classic libpcap.
    Pcap,
    /// pcapng.
    Pcapng,
}

impl Format {
    /// The format whose magic number starts `head`, if any.
    pub fn detect(head: &[u8]) -> Option<Format> {
        match head.get(..4)? {
            [0xD4, 0xC3, 0xB2, 0xA1]
            | [0xA1, 0xB2, 0xC3, 0xD4]
            | [0x4D, 0x3C, 0xB2, 0xA1]
            | [0xA1, 0xB2, 0x3C, 0x4D] => Some(Format::Pcap),
            [0x0A, 0x0D, 0x0D, 0x0A] => Some(Format::Pcapng),
            _ => None,
        }
    }
}

enum Inner<R> {
    Pcap(PcapReader<R>),
    Pcapng(PcapngReader<R>),
}

/// A pcap or pcapng file, packet by packet.
pub struct CaptureReader<R> {
    inner: Inner<R>,
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header of `input` (whose first four bytes, already read, are `magic`).
    pub fn with_magic(magic: [u8; 4], input: R) -> Result<Self, CaptureError> {
        let inner = match Format::detect(&magic) {
            Some(Format::Pcap) => Inner::Pcap(PcapReader::new(magic, input)?),
            Some(Format::Pcapng) => Inner::Pcapng(PcapngReader::new(magic, input)),
            None => return Err(CaptureError::NotACapture(u32::from_be_bytes(magic))),
        };
        Ok(CaptureReader { inner })
    }

    /// Reads the magic number and the file header of `input`.
    pub fn new(mut input: R) -> Result<Self, CaptureError> {
        let head = read_exact(&mut input, 4, "file header", 0)?;
        let magic: [u8; 4] = head.try_into().unwrap_or_default();
        Self::with_magic(magic, input)
    }

    /// The next packet, or `None` at the end of the file.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, CaptureError> {
        match &mut self.inner {
            Inner::Pcap(r) => r.next_packet(),
            Inner::Pcapng(r) => r.next_packet(),
        }
    }
}
