//! Synthesised link-layer frames for a TCP connection whose bytes were seen above the socket layer (a proxy, a
//! test): Ethernet + IPv4 (or IPv6) + TCP with correct checksums, and per direction the sequence and
//! acknowledgement numbers the bytes would have had — so that Wireshark and [`CaptureDecoder`] read the file
//! as the real connection.
//!
//! [`CaptureDecoder`]: crate::CaptureDecoder

use std::net::{IpAddr, SocketAddr};

const SYN: u8 = 0x02;
const FIN: u8 = 0x01;
const ACK: u8 = 0x10;
const PSH: u8 = 0x08;
const RST: u8 = 0x04;

/// The largest payload put in one synthesised segment (larger writes are cut).
pub const MAX_SEGMENT_PAYLOAD: usize = 65_000;

fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u64 = 0;
    let mut odd: Option<u8> = None;
    for part in parts {
        for &b in *part {
            match odd.take() {
                Some(hi) => sum += u64::from(u16::from_be_bytes([hi, b])),
                None => odd = Some(b),
            }
        }
    }
    if let Some(hi) = odd {
        sum += u64::from(u16::from_be_bytes([hi, 0]));
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(0xFFFF)
}

fn mac(ip: IpAddr) -> [u8; 6] {
    let o = match ip {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().get(12..).unwrap_or_default().to_vec(),
    };
    let mut m = [0x02, 0, 0, 0, 0, 0];
    for (d, s) in m.iter_mut().skip(2).zip(o) {
        *d = s;
    }
    m
}

/// One Ethernet frame from `src` to `dst` with the given TCP header values and payload.
pub fn tcp_frame(
    src: SocketAddr,
    dst: SocketAddr,
    seq: u32,
    ack: u32,
    flags: u8,
    payload: &[u8],
) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20 + payload.len());
    tcp.extend_from_slice(&src.port().to_be_bytes());
    tcp.extend_from_slice(&dst.port().to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.extend_from_slice(&[0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0]);
    tcp.extend_from_slice(payload);
    let tcp_len = u16::try_from(tcp.len()).unwrap_or(u16::MAX);
    let mut frame = Vec::with_capacity(14 + 40 + tcp.len());
    frame.extend_from_slice(&mac(dst.ip()));
    frame.extend_from_slice(&mac(src.ip()));
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let c = checksum(&[
                &s.octets(),
                &d.octets(),
                &[0, 6],
                &tcp_len.to_be_bytes(),
                &tcp,
            ]);
            if let Some(slot) = tcp.get_mut(16..18) {
                slot.copy_from_slice(&c.to_be_bytes());
            }
            let total = tcp_len.saturating_add(20).to_be_bytes();
            let mut ip = vec![0x45, 0, total[0], total[1], 0, 0, 0x40, 0, 64, 6, 0, 0];
            ip.extend_from_slice(&s.octets());
            ip.extend_from_slice(&d.octets());
            let c = checksum(&[&ip]).to_be_bytes();
            if let Some(slot) = ip.get_mut(10..12) {
                slot.copy_from_slice(&c);
            }
            frame.extend_from_slice(&[0x08, 0x00]);
            frame.extend_from_slice(&ip);
        }
        (s, d) => {
            let s = match s {
                IpAddr::V4(v) => v.to_ipv6_mapped(),
                IpAddr::V6(v) => v,
            };
            let d = match d {
                IpAddr::V4(v) => v.to_ipv6_mapped(),
                IpAddr::V6(v) => v,
            };
            let len32 = u32::from(tcp_len).to_be_bytes();
            let c = checksum(&[&s.octets(), &d.octets(), &len32, &[0, 0, 0, 6], &tcp]);
            if let Some(slot) = tcp.get_mut(16..18) {
                slot.copy_from_slice(&c.to_be_bytes());
            }
            let l = tcp_len.to_be_bytes();
            frame.extend_from_slice(&[0x86, 0xDD, 0x60, 0, 0, 0, l[0], l[1], 6, 64]);
            frame.extend_from_slice(&s.octets());
            frame.extend_from_slice(&d.octets());
        }
    }
    frame.extend_from_slice(&tcp);
    frame
}

/// A TCP connection's two directions, numbered as the bytes go.
#[derive(Debug, Clone)]
pub struct TcpFlow {
    client: SocketAddr,
    server: SocketAddr,
    /// Next sequence number of the client and of the server.
    next: [u32; 2],
}

impl TcpFlow {
    /// A connection from `client` to `server`, with initial sequence numbers derived from the ports.
    pub fn new(client: SocketAddr, server: SocketAddr) -> Self {
        let isn = |a: SocketAddr, b: SocketAddr| {
            (u32::from(a.port()) << 16 | u32::from(b.port())).wrapping_mul(2_654_435_761)
        };
        TcpFlow {
            client,
            server,
            next: [isn(client, server), isn(server, client)],
        }
    }

    fn ends(&self, from_client: bool) -> (SocketAddr, SocketAddr, usize) {
        if from_client {
            (self.client, self.server, 0)
        } else {
            (self.server, self.client, 1)
        }
    }

    fn frame(&mut self, from_client: bool, flags: u8, payload: &[u8], consumes: u32) -> Vec<u8> {
        let (src, dst, i) = self.ends(from_client);
        let seq = self.next.get(i).copied().unwrap_or(0);
        let ack = self.next.get(1 - i).copied().unwrap_or(0);
        if let Some(n) = self.next.get_mut(i) {
            *n = n.wrapping_add(consumes);
        }
        let flags = if flags & SYN != 0 && from_client {
            flags & !ACK
        } else {
            flags
        };
        tcp_frame(src, dst, seq, ack, flags, payload)
    }

    /// The three frames of the handshake (SYN, SYN-ACK, ACK).
    pub fn handshake(&mut self) -> [Vec<u8>; 3] {
        [
            self.frame(true, SYN, &[], 1),
            self.frame(false, SYN | ACK, &[], 1),
            self.frame(true, ACK, &[], 0),
        ]
    }

    /// The frames carrying `payload` in one direction (cut at [`MAX_SEGMENT_PAYLOAD`]).
    pub fn data(&mut self, from_client: bool, payload: &[u8]) -> Vec<Vec<u8>> {
        payload
            .chunks(MAX_SEGMENT_PAYLOAD)
            .map(|c| {
                let n = u32::try_from(c.len()).unwrap_or(0);
                self.frame(from_client, PSH | ACK, c, n)
            })
            .collect()
    }

    /// A FIN from one side.
    pub fn fin(&mut self, from_client: bool) -> Vec<u8> {
        self.frame(from_client, FIN | ACK, &[], 1)
    }

    /// A RST from one side.
    pub fn rst(&mut self, from_client: bool) -> Vec<u8> {
        self.frame(from_client, RST | ACK, &[], 0)
    }
}
