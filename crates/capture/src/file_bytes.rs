//! What both capture formats read: the packet they yield, the largest one accepted, and exact reads that tell a
//! clean end of the file from a truncated one.

use std::io::{ErrorKind, Read};

use crate::error::CaptureError;
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
