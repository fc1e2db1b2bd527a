//! Errors of reading a capture file.

use std::io;

/// Why a capture file cannot be read (further).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// The input does not start with a pcap or pcapng magic number.
    #[error("not a pcap or pcapng file (magic {0:#010x})")]
    NotACapture(u32),
    /// The file ends inside a header or a record.
    #[error("the capture ends inside a {what} at byte {offset}")]
    Truncated {
        /// What was being read.
        what: &'static str,
        /// File offset of its first byte.
        offset: u64,
    },
    /// A record or block announces a length this reader refuses (before allocating it).
    #[error("{what} at byte {offset} announces {length} bytes (limit {limit})")]
    BadLength {
        /// What was being read.
        what: &'static str,
        /// File offset of its first byte.
        offset: u64,
        /// The announced length.
        length: u64,
        /// The largest accepted.
        limit: u64,
    },
    /// A pcapng section header with an unknown byte-order magic.
    #[error("pcapng section at byte {0} has no valid byte-order magic")]
    ByteOrder(u64),
    /// Reading the input failed.
    #[error("reading the capture: {0}")]
    Io(#[from] io::Error),
}
