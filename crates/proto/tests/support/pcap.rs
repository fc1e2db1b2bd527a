//! A minimal classic-pcap writer for the dissector tests: one TCP connection, Ethernet/IPv4/TCP framing with
//! correct IPv4 and TCP checksums, the stream cut into segments of the given sizes.

#![allow(
    dead_code,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    reason = "test support"
)]

/// Ones' complement sum of 16-bit big-endian words (an odd last byte is padded with zero).
fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    let bytes: Vec<u8> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    for pair in bytes.chunks(2) {
        let hi = u32::from(pair.first().copied().unwrap_or(0));
        let lo = u32::from(pair.get(1).copied().unwrap_or(0));
        sum += (hi << 8) | lo;
    }
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// One Ethernet frame carrying `payload` from `src:sport` to `dst:dport` with sequence number `seq`.
pub fn tcp_frame(
    src: [u8; 4],
    sport: u16,
    dst: [u8; 4],
    dport: u16,
    seq: u32,
    payload: &[u8],
) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20 + payload.len());
    tcp.extend_from_slice(&sport.to_be_bytes());
    tcp.extend_from_slice(&dport.to_be_bytes());
    tcp.extend_from_slice(&seq.to_be_bytes());
    tcp.extend_from_slice(&1_u32.to_be_bytes()); // ack
    tcp.extend_from_slice(&[0x50, 0x18]); // header length 20, PSH|ACK
    tcp.extend_from_slice(&0xFFFF_u16.to_be_bytes()); // window
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    tcp.extend_from_slice(payload);
    let tcp_len = (tcp.len() as u16).to_be_bytes();
    let pseudo = [&src[..], &dst[..], &[0, 6], &tcp_len[..]].concat();
    let c = checksum(&[&pseudo, &tcp]).to_be_bytes();
    tcp[16] = c[0];
    tcp[17] = c[1];
    let total = (20 + tcp.len()) as u16;
    let mut ip = vec![0x45, 0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0, 0, 0x40, 0, 64, 6, 0, 0]);
    ip.extend_from_slice(&src);
    ip.extend_from_slice(&dst);
    let c = checksum(&[&ip]).to_be_bytes();
    ip[10] = c[0];
    ip[11] = c[1];
    let mut eth = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
    eth.extend_from_slice(&ip);
    eth.extend_from_slice(&tcp);
    eth
}

/// A classic pcap file (µs timestamps, Ethernet) of `stream` sent from 10.0.0.1:40000 to 10.0.0.2:`port`,
/// cut into segments of the sizes `cuts` yields (cycled).
pub fn pcap_of_stream(stream: &[u8], port: u16, cuts: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xA1B2_C3D4_u32.to_le_bytes());
    out.extend_from_slice(&2_u16.to_le_bytes());
    out.extend_from_slice(&4_u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535_u32.to_le_bytes());
    out.extend_from_slice(&1_u32.to_le_bytes()); // LINKTYPE_ETHERNET
    let (mut at, mut seq, mut n) = (0, 1_u32, 0_u32);
    let mut cut = cuts.iter().copied().cycle();
    while at < stream.len() {
        let len = cut.next().unwrap_or(1000).max(1).min(stream.len() - at);
        let frame = tcp_frame(
            [10, 0, 0, 1],
            40000,
            [10, 0, 0, 2],
            port,
            seq,
            &stream[at..at + len],
        );
        out.extend_from_slice(&(1_700_000_000 + n).to_le_bytes());
        out.extend_from_slice(&0_u32.to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        out.extend_from_slice(&frame);
        at += len;
        seq = seq.wrapping_add(len as u32);
        n += 1;
    }
    out
}
