//! One direction of a TCP connection put back in order: retransmitted bytes are dropped, segments that arrive
//! early wait for the bytes before them (up to a bound), and a hole that is never filled becomes a [`Gap`]
//! (its length) so that the reader above can resynchronise. A stream seen from its SYN starts after the SYN;
//! one that the capture joined mid-way starts at its first payload byte.
//!
//! [`Gap`]: Delivery::Gap

use std::collections::BTreeMap;

/// Bytes held out of order before the earliest hole is given up as a gap.
pub const MAX_PENDING: usize = 1 << 20;

/// What the reassembler hands on, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The next bytes of the stream.
    Data(Vec<u8>),
    /// This many bytes of the stream were never captured.
    Gap(u64),
}

/// One direction of a TCP connection.
#[derive(Debug, Default)]
pub struct Reassembler {
    /// Sequence number of stream position 0.
    start: Option<u32>,
    /// Stream position of the next byte to deliver.
    next: u64,
    /// Segments that arrived before the bytes ahead of them, by stream position.
    pending: BTreeMap<u64, Vec<u8>>,
    pending_bytes: usize,
    /// Payload bytes seen a second time (retransmissions and overlaps).
    pub retransmitted: u64,
    /// Segments that arrived ahead of a hole.
    pub out_of_order: u64,
}

impl Reassembler {
    /// A SYN with sequence number `seq`: the stream starts at `seq + 1`.
    pub fn syn(&mut self, seq: u32) {
        if self.start.is_none() {
            self.start = Some(seq.wrapping_add(1));
        }
    }

    /// True once the stream's start is known (a SYN or a first payload byte).
    pub fn started(&self) -> bool {
        self.start.is_some()
    }

    /// Stream position of sequence number `seq` (modulo-2^32 distance from the next expected byte).
    #[allow(
        clippy::cast_possible_wrap,
        clippy::cast_possible_truncation,
        reason = "TCP sequence arithmetic is modulo 2^32: the distance is read as a signed 32-bit number"
    )]
    fn position(&self, start: u32, seq: u32) -> i64 {
        let next_seq = start.wrapping_add(self.next as u32);
        let delta = i64::from(seq.wrapping_sub(next_seq) as i32);
        i64::try_from(self.next)
            .unwrap_or(i64::MAX)
            .saturating_add(delta)
    }

    /// A segment's payload; what becomes deliverable is appended to `out`.
    pub fn push(&mut self, seq: u32, payload: &[u8], out: &mut Vec<Delivery>) {
        if payload.is_empty() {
            return;
        }
        let start = *self.start.get_or_insert(seq);
        let pos = self.position(start, seq);
        let len = i64::try_from(payload.len()).unwrap_or(i64::MAX);
        let next = i64::try_from(self.next).unwrap_or(i64::MAX);
        if pos.saturating_add(len) <= next {
            self.retransmitted += payload.len() as u64;
            return;
        }
        if pos <= next {
            let skip = usize::try_from(next - pos).unwrap_or(0);
            self.retransmitted += skip as u64;
            let fresh = payload.get(skip..).unwrap_or_default();
            self.next += fresh.len() as u64;
            out.push(Delivery::Data(fresh.to_vec()));
            self.drain(out);
            return;
        }
        self.out_of_order += 1;
        let at = u64::try_from(pos).unwrap_or(0);
        let keep = self
            .pending
            .get(&at)
            .is_none_or(|p| p.len() < payload.len());
        if keep {
            if let Some(old) = self.pending.insert(at, payload.to_vec()) {
                self.pending_bytes -= old.len();
            }
            self.pending_bytes += payload.len();
        }
        while self.pending_bytes > MAX_PENDING {
            self.skip_hole(out);
        }
    }

    /// Delivers the pending segments that now continue the stream.
    fn drain(&mut self, out: &mut Vec<Delivery>) {
        while let Some(entry) = self.pending.first_entry() {
            let at = *entry.key();
            if at > self.next {
                break;
            }
            let data = entry.remove();
            self.pending_bytes -= data.len();
            let end = at + data.len() as u64;
            if end <= self.next {
                self.retransmitted += data.len() as u64;
                continue;
            }
            let skip = usize::try_from(self.next - at).unwrap_or(0);
            self.retransmitted += skip as u64;
            let fresh = data.get(skip..).unwrap_or_default();
            self.next = end;
            out.push(Delivery::Data(fresh.to_vec()));
        }
    }

    /// Gives up the earliest hole: a gap, then what follows it.
    fn skip_hole(&mut self, out: &mut Vec<Delivery>) {
        let Some((&at, _)) = self.pending.first_key_value() else {
            return;
        };
        if at > self.next {
            out.push(Delivery::Gap(at - self.next));
            self.next = at;
        }
        self.drain(out);
    }

    /// End of the capture: every hole left becomes a gap and what waited behind it is delivered.
    pub fn finish(&mut self, out: &mut Vec<Delivery>) {
        while !self.pending.is_empty() {
            self.skip_hole(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(out: &[Delivery]) -> Vec<u8> {
        out.iter()
            .flat_map(|d| match d {
                Delivery::Data(b) => b.clone(),
                Delivery::Gap(_) => Vec::new(),
            })
            .collect()
    }

    #[test]
    fn retransmitted_reordered_and_overlapping_segments() {
        let mut r = Reassembler::default();
        let mut out = Vec::new();
        r.syn(u32::MAX - 2); // the stream wraps around 2^32
        r.push(u32::MAX - 1, b"abc", &mut out);
        r.push(4, b"ghi", &mut out); // early: waits for "def"
        r.push(u32::MAX - 1, b"abc", &mut out); // retransmission
        r.push(0, b"cdef", &mut out); // overlaps "c", fills the hole
        r.push(5, b"hij", &mut out); // overlaps "hi"
        assert_eq!(data(&out), b"abcdefghij");
        assert_eq!(r.retransmitted, 3 + 1 + 2);
        assert_eq!(r.out_of_order, 1);
    }

    #[test]
    fn a_hole_never_filled_is_a_gap_at_the_end() {
        let mut r = Reassembler::default();
        let mut out = Vec::new();
        r.push(1000, b"ab", &mut out); // mid-stream: starts here
        r.push(1005, b"fg", &mut out);
        r.finish(&mut out);
        assert_eq!(
            out,
            vec![
                Delivery::Data(b"ab".to_vec()),
                Delivery::Gap(3),
                Delivery::Data(b"fg".to_vec())
            ]
        );
    }
}
