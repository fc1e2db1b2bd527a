//! Reading a capture: the format is told by the magic number (pcap in either byte order and time unit, or
//! pcapng), then [`CaptureReader::next_packet`] gives the packets in file order.

use std::io::{ErrorKind, Read};

use crate::error::CaptureError;
use crate::pcap::PcapReader;
use crate::pcapng::PcapngReader;
use crate::timestamp::Timestamp;

/// The largest packet accepted (bytes captured); larger records are refused before allocation.
pub const MAX_PACKET: u32 = 256 * 1024;

/// One captured packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    /// When it was captured.
    pub ts: Timestamp,
    /// Its link-layer type (LINKTYPE_ETHERNET = 1, LINKTYPE_RAW = 101, ...).
    pub link_type: u16,
    /// The pcapng interface it was captured on (0 for pcap).
    pub interface: u32,
    /// The captured bytes, from the link-layer header on.
    pub data: Vec<u8>,
}

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

/// Reads `n` bytes; `Ok(None)` at a clean end of input (no byte read), an error on a partial read.
pub(crate) fn read_exact_or_eof(
    r: &mut impl Read,
    n: usize,
    what: &'static str,
    offset: u64,
) -> Result<Option<Vec<u8>>, CaptureError> {
    let mut buf = vec![0_u8; n];
    let mut filled = 0;
    while filled < n {
        let Some(rest) = buf.get_mut(filled..) else {
            break;
        };
        match r.read(rest) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(CaptureError::Truncated { what, offset }),
            Ok(k) => filled += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Some(buf))
}

/// Reads exactly `n` bytes (end of input is an error).
pub(crate) fn read_exact(
    r: &mut impl Read,
    n: usize,
    what: &'static str,
    offset: u64,
) -> Result<Vec<u8>, CaptureError> {
    read_exact_or_eof(r, n, what, offset)?.ok_or(CaptureError::Truncated { what, offset })
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
