//! pcapng: blocks of type, length, body, length. Read here: the Section Header (byte order), Interface
//! Description (link type, `if_tsresol`), Enhanced Packet and Simple Packet blocks; other blocks are skipped.

use std::io::Read;

use crate::endian::Endian;
use crate::error::CaptureError;
use crate::file_bytes::{MAX_PACKET, Packet, read_exact, read_exact_or_eof};
use crate::timestamp::Timestamp;

/// The largest block accepted; larger ones are refused before allocation.
const MAX_BLOCK: u32 = 4 * 1024 * 1024;

const INTERFACE_DESCRIPTION: u32 = 1;
const SIMPLE_PACKET: u32 = 3;
const ENHANCED_PACKET: u32 = 6;
const OPT_IF_TSRESOL: u16 = 9;

struct Interface {
    link_type: u16,
    units_per_second: u64,
}

/// A pcapng file after its first four bytes.
pub(crate) struct PcapngReader<R> {
    input: R,
    endian: Endian,
    interfaces: Vec<Interface>,
    first_type: Option<[u8; 4]>,
    offset: u64,
}

/// Units per second of an `if_tsresol` value: 10^-n, or 2^-n with the top bit set.
fn resolution(v: u8) -> u64 {
    if v & 0x80 == 0 {
        10_u64.checked_pow(u32::from(v)).unwrap_or(1_000_000)
    } else {
        1_u64.checked_shl(u32::from(v & 0x7F)).unwrap_or(1_000_000)
    }
}

impl<R: Read> PcapngReader<R> {
    pub(crate) fn new(magic: [u8; 4], input: R) -> Self {
        PcapngReader {
            input,
            endian: Endian::Little,
            interfaces: Vec::new(),
            first_type: Some(magic),
            offset: 0,
        }
    }

    /// Reads the next block: its type and body (without the trailing length).
    fn next_block(&mut self) -> Result<Option<(u32, Vec<u8>)>, CaptureError> {
        let at = self.offset;
        let raw_type = match self.first_type.take() {
            Some(t) => t,
            None => match read_exact_or_eof(&mut self.input, 4, "pcapng block", at)? {
                Some(t) => t.try_into().unwrap_or_default(),
                None => return Ok(None),
            },
        };
        let head = read_exact(&mut self.input, 4, "pcapng block", at)?;
        let mut body_start = Vec::new();
        if raw_type == [0x0A, 0x0D, 0x0D, 0x0A] {
            // The byte-order magic decides how this section's numbers are read, its own length included.
            let bom = read_exact(&mut self.input, 4, "pcapng section header", at)?;
            self.endian = match bom.as_slice() {
                [0x4D, 0x3C, 0x2B, 0x1A] => Endian::Little,
                [0x1A, 0x2B, 0x3C, 0x4D] => Endian::Big,
                _ => return Err(CaptureError::ByteOrder(at)),
            };
            self.interfaces.clear();
            body_start = bom;
        }
        let e = self.endian;
        let block_type = e.u32(&raw_type, 0).unwrap_or(0);
        let total = e.u32(&head, 0).unwrap_or(0);
        if total < 12 || total % 4 != 0 || total > MAX_BLOCK {
            return Err(CaptureError::BadLength {
                what: "pcapng block",
                offset: at,
                length: u64::from(total),
                limit: u64::from(MAX_BLOCK),
            });
        }
        let rest_len = usize::try_from(total)
            .unwrap_or(0)
            .saturating_sub(12 + body_start.len());
        let rest = read_exact(&mut self.input, rest_len, "pcapng block", at)?;
        let _trailer = read_exact(&mut self.input, 4, "pcapng block", at)?;
        self.offset = at + u64::from(total);
        body_start.extend_from_slice(&rest);
        Ok(Some((block_type, body_start)))
    }

    fn interface(&mut self, body: &[u8]) {
        let e = self.endian;
        let link_type = e.u16(body, 0).unwrap_or(0);
        let mut units_per_second = 1_000_000;
        let mut at = 8;
        while let (Some(code), Some(len)) = (e.u16(body, at), e.u16(body, at + 2)) {
            if code == 0 {
                break;
            }
            if code == OPT_IF_TSRESOL {
                if let Some(&v) = body.get(at + 4) {
                    units_per_second = resolution(v);
                }
            }
            at += 4 + usize::from(len).div_ceil(4) * 4;
        }
        self.interfaces.push(Interface {
            link_type,
            units_per_second,
        });
    }

    fn packet_data(&self, body: &[u8], from: usize, caplen: u32) -> Result<Vec<u8>, CaptureError> {
        if caplen > MAX_PACKET {
            return Err(CaptureError::BadLength {
                what: "pcapng packet",
                offset: self.offset,
                length: u64::from(caplen),
                limit: u64::from(MAX_PACKET),
            });
        }
        let len = usize::try_from(caplen).unwrap_or(0);
        body.get(from..from + len)
            .map(<[u8]>::to_vec)
            .ok_or(CaptureError::Truncated {
                what: "pcapng packet",
                offset: self.offset,
            })
    }

    pub(crate) fn next_packet(&mut self) -> Result<Option<Packet>, CaptureError> {
        while let Some((block_type, body)) = self.next_block()? {
            let e = self.endian;
            match block_type {
                INTERFACE_DESCRIPTION => self.interface(&body),
                ENHANCED_PACKET => {
                    let interface = e.u32(&body, 0).unwrap_or(0);
                    let high = u64::from(e.u32(&body, 4).unwrap_or(0));
                    let low = u64::from(e.u32(&body, 8).unwrap_or(0));
                    let caplen = e.u32(&body, 12).unwrap_or(0);
                    let data = self.packet_data(&body, 20, caplen)?;
                    let (link_type, units) = usize::try_from(interface)
                        .ok()
                        .and_then(|i| self.interfaces.get(i))
                        .map_or((1, 1_000_000), |i| (i.link_type, i.units_per_second));
                    return Ok(Some(Packet {
                        ts: Timestamp::from_units((high << 32) | low, units),
                        link_type,
                        interface,
                        data,
                    }));
                }
                SIMPLE_PACKET => {
                    let orig = e.u32(&body, 0).unwrap_or(0);
                    let available = u32::try_from(body.len().saturating_sub(4)).unwrap_or(0);
                    let data = self.packet_data(&body, 4, orig.min(available))?;
                    let link_type = self.interfaces.first().map_or(1, |i| i.link_type);
                    return Ok(Some(Packet {
                        ts: Timestamp::default(),
                        link_type,
                        interface: 0,
                        data,
                    }));
                }
                _ => {}
            }
        }
        Ok(None)
    }
}
