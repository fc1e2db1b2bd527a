//! KV writes held while the publisher is busy, so that a key written many times in a burst is written once and
//! the source's position marker once per flush instead of once per batch (at a high event rate these were half
//! the gateway's JetStream publishes).
//!
//! The publisher adds a batch's KV writes once the batch's last stream record is acknowledged, and flushes
//! ([`Coalesced::take`]) when it has nothing else to send or the oldest write has waited [`MAX_HOLD`]. A flush
//! gives the writes, the last write to each key in the place of its first, then the position marker of the last
//! batch added: everything up to the marker's `cti_seq` is in the buckets once the marker is stored, as before.
//! A prune (after a resync) is a barrier: writes after it are never moved before it.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use serde_json::json;
use tokio::time::Instant;

use crate::records::KvOp;
use crate::subjects::{CALLS_BUCKET, position_key};

/// The longest a KV write waits for the publisher to be idle (the live state lags the stream by at most this,
/// plus the time to publish, when the gateway is busy).
pub const MAX_HOLD: Duration = Duration::from_millis(50);

/// Writes held at most before a flush, whatever the time.
pub const MAX_HELD: usize = 4096;

/// The KV writes of acknowledged batches, not yet sent.
#[derive(Debug, Default)]
pub(crate) struct Coalesced {
    ops: Vec<KvOp>,
    /// (bucket, key) → index in `ops` of the write to that key since the last barrier.
    index: HashMap<(&'static str, String), usize>,
    /// `cti_seq`, stream, stream sequence of the last batch added.
    position: Option<(u64, String, u64)>,
    since: Option<Instant>,
}

impl Coalesced {
    /// Adds the KV writes of a batch whose last record, `cti_seq`, was stored as `stream_seq` of `stream`.
    pub fn add(&mut self, kv: Vec<KvOp>, cti_seq: u64, stream: &str, stream_seq: u64) {
        if kv.is_empty() {
            return;
        }
        for op in kv {
            let slot = match &op {
                KvOp::Put { bucket, key, .. } | KvOp::Delete { bucket, key } => {
                    self.index.get(&(*bucket, key.clone())).copied()
                }
                KvOp::Prune { .. } => {
                    self.index.clear();
                    None
                }
            };
            if let Some(held) = slot.and_then(|i| self.ops.get_mut(i)) {
                *held = op;
                continue;
            }
            if let KvOp::Put { bucket, key, .. } | KvOp::Delete { bucket, key } = &op {
                self.index.insert((*bucket, key.clone()), self.ops.len());
            }
            self.ops.push(op);
        }
        self.position = Some((cti_seq, stream.to_owned(), stream_seq));
        self.since.get_or_insert_with(Instant::now);
    }

    /// Writes held.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// True when a flush is due although the publisher has other work: the oldest write waited
    /// [`MAX_HOLD`], or [`MAX_HELD`] are held.
    pub fn due(&self) -> bool {
        self.ops.len() >= MAX_HELD || self.since.is_some_and(|s| s.elapsed() >= MAX_HOLD)
    }

    /// The writes to send, in order, then `source`'s position marker; empty when nothing is held.
    pub fn take(&mut self, source: &str) -> Vec<KvOp> {
        self.index.clear();
        self.since = None;
        let mut ops = std::mem::take(&mut self.ops);
        if let Some((cti_seq, stream, stream_seq)) = self.position.take() {
            let position = json!({"cti_seq": cti_seq, "stream": stream, "stream_seq": stream_seq});
            ops.push(KvOp::Put {
                bucket: CALLS_BUCKET,
                key: position_key(source),
                value: Bytes::from(position.to_string()),
            });
        }
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subjects::AGENTS_BUCKET;

    fn put(key: &str, v: &str) -> KvOp {
        KvOp::Put {
            bucket: CALLS_BUCKET,
            key: key.into(),
            value: Bytes::from(v.to_owned()),
        }
    }

    fn del(key: &str) -> KvOp {
        KvOp::Delete {
            bucket: CALLS_BUCKET,
            key: key.into(),
        }
    }

    fn marker(cti_seq: u64, stream_seq: u64) -> KvOp {
        put(
            "pg1._position",
            &format!(r#"{{"cti_seq":{cti_seq},"stream":"CTI","stream_seq":{stream_seq}}}"#),
        )
    }

    #[test]
    fn the_last_write_to_a_key_takes_the_place_of_the_first_and_one_marker_ends_the_flush() {
        let mut c = Coalesced::default();
        c.add(vec![put("pg1.1", "a")], 1, "CTI", 10);
        c.add(vec![put("pg1.2", "b")], 3, "CTI", 12);
        c.add(vec![put("pg1.1", "c"), del("pg1.2")], 5, "CTI", 14);
        let agent = KvOp::Put {
            bucket: AGENTS_BUCKET,
            key: "pg1.1".into(),
            value: Bytes::from_static(b"x"),
        };
        c.add(vec![agent.clone()], 6, "CTI", 15);
        assert_eq!(c.len(), 3);
        assert_eq!(
            c.take("pg1"),
            vec![put("pg1.1", "c"), del("pg1.2"), agent, marker(6, 15)]
        );
        assert_eq!(c.len(), 0);
        assert!(c.take("pg1").is_empty());
    }

    #[test]
    fn a_prune_is_a_barrier() {
        let mut c = Coalesced::default();
        let prune = KvOp::Prune {
            bucket: CALLS_BUCKET,
            prefix: "pg1.".into(),
            keep: std::collections::BTreeSet::new(),
        };
        c.add(vec![put("pg1.1", "a"), prune.clone()], 1, "CTI", 1);
        c.add(vec![put("pg1.1", "b")], 2, "CTI", 2);
        assert_eq!(
            c.take("pg1"),
            vec![put("pg1.1", "a"), prune, put("pg1.1", "b"), marker(2, 2)]
        );
    }

    #[test]
    fn a_batch_without_kv_writes_moves_no_marker() {
        let mut c = Coalesced::default();
        c.add(Vec::new(), 1, "CTI", 1);
        assert!(c.take("pg1").is_empty());
        assert!(!c.due());
    }

    #[tokio::test(start_paused = true)]
    async fn due_after_the_hold_time_or_when_full() {
        let mut c = Coalesced::default();
        c.add(vec![put("pg1.1", "a")], 1, "CTI", 1);
        assert!(!c.due());
        tokio::time::advance(Duration::from_millis(49)).await;
        c.add(vec![put("pg1.2", "a")], 2, "CTI", 2);
        assert!(!c.due());
        tokio::time::advance(Duration::from_millis(1)).await;
        assert!(c.due());
        c.take("pg1");
        assert!(!c.due());
        for i in 0..MAX_HELD {
            c.add(vec![put(&format!("pg1.{i}"), "a")], 3, "CTI", 3);
        }
        assert!(c.due());
    }
}
