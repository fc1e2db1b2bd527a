//! The classic libpcap format: a 24-byte file header (magic, version, snaplen, link type), then records of a
//! 16-byte header (seconds, micro- or nanoseconds, captured and original length) and the captured bytes.

use std::io::Read;

use crate::endian::Endian;
use crate::error::CaptureError;
use crate::file_bytes::{MAX_PACKET, Packet, read_exact, read_exact_or_eof};
use crate::timestamp::Timestamp;

/// A classic pcap file after its magic number.
pub(crate) struct PcapReader<R> {
    input: R,
    endian: Endian,
    units_per_second: u64,
    link_type: u16,
    offset: u64,
}

impl<R: Read> PcapReader<R> {
    pub(crate) fn new(magic: [u8; 4], mut input: R) -> Result<Self, CaptureError> {
        let (endian, units_per_second) = match magic {
            [0xD4, 0xC3, 0xB2, 0xA1] => (Endian::Little, 1_000_000),
            [0x4D, 0x3C, 0xB2, 0xA1] => (Endian::Little, 1_000_000_000),
            [0xA1, 0xB2, 0xC3, 0xD4] => (Endian::Big, 1_000_000),
            _ => (Endian::Big, 1_000_000_000),
        };
        let rest = read_exact(&mut input, 20, "pcap file header", 0)?;
        // version (4), thiszone (4), sigfigs (4), snaplen (4), network (4): the link type is the low 16 bits.
        let network = endian.u32(&rest, 16).unwrap_or(0);
        Ok(PcapReader {
            input,
            endian,
            units_per_second,
            link_type: u16::try_from(network & 0xFFFF).unwrap_or(0),
            offset: 24,
        })
    }

    pub(crate) fn next_packet(&mut self) -> Result<Option<Packet>, CaptureError> {
        let at = self.offset;
        let Some(h) = read_exact_or_eof(&mut self.input, 16, "pcap record header", at)? else {
            return Ok(None);
        };
        let e = self.endian;
        let secs = e.u32(&h, 0).unwrap_or(0);
        let frac = e.u32(&h, 4).unwrap_or(0);
        let caplen = e.u32(&h, 8).unwrap_or(0);
        if caplen > MAX_PACKET {
            return Err(CaptureError::BadLength {
                what: "pcap record",
                offset: at,
                length: u64::from(caplen),
                limit: u64::from(MAX_PACKET),
            });
        }
        let len = usize::try_from(caplen).unwrap_or(0);
        let data = read_exact(&mut self.input, len, "pcap record", at)?;
        self.offset = at + 16 + u64::from(caplen);
        let ts = Timestamp {
            secs: u64::from(secs),
            ..Timestamp::from_units(u64::from(frac), self.units_per_second)
        };
        Ok(Some(Packet {
            ts,
            link_type: self.link_type,
            interface: 0,
            data,
        }))
    }
}
