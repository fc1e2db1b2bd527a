//! Writing captures: pcapng (one Interface Description per interface, microsecond timestamps, Enhanced Packet
//! Blocks) and classic pcap (Ethernet, microseconds), both in little-endian byte order.

use std::io::{self, Write};

use crate::timestamp::Timestamp;

/// LINKTYPE_ETHERNET, the link type of the frames [`TcpFlow`](crate::tcp_frame::TcpFlow) makes.
pub const LINKTYPE_ETHERNET: u16 = 1;

fn pad4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

fn option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&u16::try_from(value.len()).unwrap_or(0).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len() + pad4(value.len()) - value.len(), 0);
}

fn block(out: &mut impl Write, block_type: u32, body: &[u8]) -> io::Result<()> {
    let total = u32::try_from(12 + pad4(body.len()))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pcapng block too large"))?;
    out.write_all(&block_type.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&vec![0; pad4(body.len()) - body.len()])?;
    out.write_all(&total.to_le_bytes())
}

/// A pcapng file being written.
pub struct PcapngWriter<W: Write> {
    out: W,
    interfaces: u32,
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the Section Header Block (with a `shb_userappl` option naming `application`).
    pub fn new(mut out: W, application: &str) -> io::Result<Self> {
        let mut body = Vec::new();
        body.extend_from_slice(&0x1A2B_3C4D_u32.to_le_bytes());
        body.extend_from_slice(&1_u16.to_le_bytes());
        body.extend_from_slice(&0_u16.to_le_bytes());
        body.extend_from_slice(&u64::MAX.to_le_bytes()); // section length unknown
        option(&mut body, 4, application.as_bytes());
        option(&mut body, 0, &[]);
        block(&mut out, 0x0A0D_0D0A, &body)?;
        Ok(PcapngWriter { out, interfaces: 0 })
    }

    /// Adds an interface (Ethernet, µs timestamps) named `name`; returns its id.
    pub fn add_interface(&mut self, name: &str) -> io::Result<u32> {
        let mut body = Vec::new();
        body.extend_from_slice(&LINKTYPE_ETHERNET.to_le_bytes());
        body.extend_from_slice(&0_u16.to_le_bytes());
        body.extend_from_slice(&262_144_u32.to_le_bytes());
        option(&mut body, 2, name.as_bytes()); // if_name
        option(&mut body, 9, &[6]); // if_tsresol: microseconds
        option(&mut body, 0, &[]);
        block(&mut self.out, 1, &body)?;
        let id = self.interfaces;
        self.interfaces += 1;
        Ok(id)
    }

    /// Writes one packet captured on `interface` at `ts`.
    pub fn write_packet(&mut self, interface: u32, ts: Timestamp, data: &[u8]) -> io::Result<()> {
        let micros = ts.as_micros();
        let len = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too large"))?;
        let mut body = Vec::with_capacity(20 + data.len());
        body.extend_from_slice(&interface.to_le_bytes());
        body.extend_from_slice(&u32::try_from(micros >> 32).unwrap_or(0).to_le_bytes());
        body.extend_from_slice(
            &u32::try_from(micros & 0xFFFF_FFFF)
                .unwrap_or(0)
                .to_le_bytes(),
        );
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(&len.to_le_bytes());
        body.extend_from_slice(data);
        block(&mut self.out, 6, &body)
    }

    /// Flushes the output.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The output back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

/// A classic pcap file (Ethernet, µs) being written.
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut out: W) -> io::Result<Self> {
        out.write_all(&0xA1B2_C3D4_u32.to_le_bytes())?;
        out.write_all(&2_u16.to_le_bytes())?;
        out.write_all(&4_u16.to_le_bytes())?;
        out.write_all(&[0; 8])?;
        out.write_all(&262_144_u32.to_le_bytes())?;
        out.write_all(&u32::from(LINKTYPE_ETHERNET).to_le_bytes())?;
        Ok(PcapWriter { out })
    }

    /// Writes one packet.
    pub fn write_packet(&mut self, ts: Timestamp, data: &[u8]) -> io::Result<()> {
        let len = u32::try_from(data.len())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "packet too large"))?;
        self.out
            .write_all(&u32::try_from(ts.secs).unwrap_or(u32::MAX).to_le_bytes())?;
        self.out.write_all(&(ts.nanos / 1000).to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(data)
    }

    /// The output back.
    pub fn into_inner(self) -> W {
        self.out
    }
}
