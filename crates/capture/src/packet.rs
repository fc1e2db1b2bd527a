//! From a captured packet to its TCP segment: the link layer (Ethernet with VLAN tags, BSD loopback, raw IP,
//! Linux cooked v1/v2), IPv4 (unfragmented) or IPv6 (with hop-by-hop, routing and destination options), TCP.
//! Anything else is not a segment (`None`); nothing here indexes or trusts a length it has not checked.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::file_bytes::Packet;
use crate::timestamp::Timestamp;

/// LINKTYPE_NULL (BSD loopback).
pub const LINKTYPE_NULL: u16 = 0;
/// LINKTYPE_ETHERNET.
pub const LINKTYPE_ETHERNET: u16 = 1;
/// LINKTYPE_RAW (IPv4 or IPv6).
pub const LINKTYPE_RAW: u16 = 101;
/// LINKTYPE_LINUX_SLL.
pub const LINKTYPE_LINUX_SLL: u16 = 113;
/// LINKTYPE_IPV4.
pub const LINKTYPE_IPV4: u16 = 228;
/// LINKTYPE_IPV6.
pub const LINKTYPE_IPV6: u16 = 229;
/// LINKTYPE_LINUX_SLL2.
pub const LINKTYPE_LINUX_SLL2: u16 = 276;

/// One TCP segment of a capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSegment {
    /// Capture time.
    pub ts: Timestamp,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (of the SYN when `syn`).
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// The payload.
    pub payload: Vec<u8>,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The IP packet inside the link-layer frame.
fn ip_of(link_type: u16, data: &[u8]) -> Option<&[u8]> {
    match link_type {
        LINKTYPE_ETHERNET => {
            let mut at = 12;
            let mut ethertype = be16(data, at)?;
            while matches!(ethertype, 0x8100 | 0x88A8 | 0x9100) {
                at += 4;
                ethertype = be16(data, at)?;
            }
            matches!(ethertype, 0x0800 | 0x86DD).then_some(())?;
            data.get(at + 2..)
        }
        LINKTYPE_NULL => data.get(4..),
        LINKTYPE_RAW | LINKTYPE_IPV4 | LINKTYPE_IPV6 => Some(data),
        LINKTYPE_LINUX_SLL => data.get(16..),
        LINKTYPE_LINUX_SLL2 => data.get(20..),
        _ => None,
    }
}

/// Source, destination and the TCP header + payload of an IP packet carrying TCP.
fn tcp_of(ip: &[u8]) -> Option<(IpAddr, IpAddr, &[u8])> {
    match ip.first()? >> 4 {
        4 => {
            let ihl = usize::from(ip.first()? & 0x0F) * 4;
            let total = usize::from(be16(ip, 2)?);
            let frag = be16(ip, 6)?;
            // Fragments (MF set or an offset) are not reassembled.
            if *ip.get(9)? != 6 || frag & 0x3FFF != 0 || ihl < 20 || total < ihl {
                return None;
            }
            let src: [u8; 4] = ip.get(12..16)?.try_into().ok()?;
            let dst: [u8; 4] = ip.get(16..20)?.try_into().ok()?;
            // `total` trims the Ethernet padding of short frames; a snapped packet keeps what was captured.
            let end = total.min(ip.len());
            Some((
                IpAddr::V4(Ipv4Addr::from(src)),
                IpAddr::V4(Ipv4Addr::from(dst)),
                ip.get(ihl..end)?,
            ))
        }
        6 => {
            let payload_len = usize::from(be16(ip, 4)?);
            let src: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let end = (40 + payload_len).min(ip.len());
            let mut next = *ip.get(6)?;
            let mut at = 40;
            // Hop-by-hop (0), routing (43), destination options (60): skip to TCP.
            while matches!(next, 0 | 43 | 60) {
                next = *ip.get(at)?;
                at += (usize::from(*ip.get(at + 1)?) + 1) * 8;
            }
            if next != 6 {
                return None;
            }
            Some((
                IpAddr::V6(Ipv6Addr::from(src)),
                IpAddr::V6(Ipv6Addr::from(dst)),
                ip.get(at..end)?,
            ))
        }
        _ => None,
    }
}

/// The TCP segment of `packet`, if it carries one.
pub fn tcp_segment(packet: &Packet) -> Option<TcpSegment> {
    let ip = ip_of(packet.link_type, &packet.data)?;
    let (src, dst, tcp) = tcp_of(ip)?;
    let sport = be16(tcp, 0)?;
    let dport = be16(tcp, 2)?;
    let seq = be32(tcp, 4)?;
    let data_offset = usize::from(tcp.get(12)? >> 4) * 4;
    let flags = *tcp.get(13)?;
    if data_offset < 20 {
        return None;
    }
    Some(TcpSegment {
        ts: packet.ts,
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        seq,
        syn: flags & 0x02 != 0,
        fin: flags & 0x01 != 0,
        rst: flags & 0x04 != 0,
        payload: tcp.get(data_offset..)?.to_vec(),
    })
}
