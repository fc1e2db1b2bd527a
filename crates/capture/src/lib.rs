//! # cti-capture — packet captures of GED-188 sessions
//!
//! Reads pcap and pcapng files (told apart by their magic numbers), reassembles each TCP connection per
//! direction (retransmissions, reordering, captures joined mid-stream, holes), cuts the GED-188 frames out of it
//! and decodes them at the protocol version of the stream's OPEN_REQ ([`CaptureDecoder`]). Writes pcapng and pcap
//! ([`PcapngWriter`], [`PcapWriter`]) with TCP framing synthesised for bytes seen above the socket ([`TcpFlow`]). No tokio and no
//! clocks: packets in, events out. [`replay`] takes the CTI sessions out of a capture and plays the server side
//! of one to a client under test (sans-IO). Every length read from a file is checked before use, and a record or block
//! over its limit is refused before anything is allocated for it.
//!
//! ```
//! use cti_capture::{CaptureDecoder, CaptureEvent, CaptureReader, DecoderConfig};
//!
//! // A pcap file holding one TCP segment to port 42027 with a HEARTBEAT_REQ (InvokeID 9).
//! let mut file = vec![0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0];
//! let mut frame = vec![0_u8; 12];
//! frame.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 52, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
//! frame.extend_from_slice(&[0x9C, 0x40, 0xA4, 0x2B, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18, 0xFF, 0xFF, 0, 0, 0, 0]);
//! frame.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0, 9]);
//! for v in [0_u32, 0, frame.len() as u32, frame.len() as u32] {
//!     file.extend_from_slice(&v.to_le_bytes());
//! }
//! file.extend_from_slice(&frame);
//!
//! let mut reader = CaptureReader::new(&file[..]).unwrap();
//! let mut decoder = CaptureDecoder::new(DecoderConfig::default());
//! let mut events = Vec::new();
//! while let Some(packet) = reader.next_packet().unwrap() {
//!     decoder.push(&packet, &mut events);
//! }
//! // The capture joined the stream mid-way (no SYN): its last message is confirmed at the end.
//! decoder.finish(Default::default(), &mut events);
//! let Some(CaptureEvent::Message { origin, message: Ok(m), .. }) = events.first() else { panic!() };
//! assert_eq!(m.name(), "HEARTBEAT_REQ");
//! assert_eq!(origin.dst.to_string(), "10.0.0.2:42027");
//! ```

#![forbid(unsafe_code)]

pub mod credentials;
pub mod decoder;
mod endian;
pub mod error;
mod file_bytes;
pub mod packet;
mod pcap;
mod pcapng;
pub mod read;
pub mod reassembly;
pub mod record;
pub mod replay;
pub mod splitter;
pub mod tcp_frame;
pub mod timestamp;
pub mod write;

pub use credentials::{StreamBlanker, blank_credentials};
pub use decoder::{CaptureDecoder, CaptureEvent, DEFAULT_PORTS, DecoderConfig, Origin};
pub use error::CaptureError;
pub use packet::{TcpSegment, tcp_segment};
pub use read::{CaptureReader, Format, Packet};
pub use record::{RecordEvent, Recorder};
pub use tcp_frame::TcpFlow;
pub use timestamp::Timestamp;
pub use write::{PcapWriter, PcapngWriter};
