//! What a source lost to a full buffer and must repair once there is room: the range of `Cti-Seq` dropped (for
//! the `session.gap` record) and the KV keys the dropped records would have written. The repair writes those
//! keys again from the model — their cost is the keys lost, not the whole state — unless more keys were lost
//! than the buffer holds (and at least [`KEYS_MIN`]), or a lost batch was itself a whole-state rewrite: then the
//! whole state is written and the keys of calls and agents gone are pruned.

use std::collections::BTreeSet;

use cti_model::Model;

use crate::records::{Batch, KvOp, Recorder};

/// Keys remembered at least, whatever the buffer's size (about 100 bytes each): a repair by keys is cheaper than
/// a whole-state rewrite up to about the size of the state.
pub(crate) const KEYS_MIN: usize = 10_000;

/// A range of lost records and what it takes to repair the buckets.
#[derive(Debug)]
pub(crate) struct Lost {
    /// First `Cti-Seq` lost.
    pub from: u64,
    /// Last `Cti-Seq` lost.
    pub to: u64,
    /// Keys (bucket, key) the lost records wrote; empty once `whole` is set.
    keys: BTreeSet<(&'static str, String)>,
    /// Rewrite the whole state instead.
    whole: bool,
    /// The most keys remembered before falling back to the whole state.
    cap: usize,
}

impl Lost {
    /// Nothing lost yet from `from`; at most `cap` keys are remembered.
    pub fn new(from: u64, cap: usize) -> Self {
        Lost {
            from,
            to: from.saturating_sub(1),
            keys: BTreeSet::new(),
            whole: false,
            cap,
        }
    }

    /// Adds a dropped batch: its records extend the range, its KV writes are to be repaired. A batch without
    /// records (KV writes only) leaves the range as it is.
    pub fn add(&mut self, b: &Batch) {
        if let Some(last) = b.records.last() {
            self.to = self.to.max(last.seq);
        }
        if self.whole {
            return;
        }
        for op in &b.kv {
            match op {
                KvOp::Put { bucket, key, .. } | KvOp::Delete { bucket, key } => {
                    self.keys.insert((bucket, key.clone()));
                }
                KvOp::Prune { .. } => self.whole = true,
            }
        }
        if self.keys.len() > self.cap {
            self.whole = true;
        }
        if self.whole {
            self.keys = BTreeSet::new();
        }
    }

    /// True when the repair is a whole-state rewrite.
    pub fn whole(&self) -> bool {
        self.whole
    }

    /// The KV writes that repair the buckets, tagged with the gap record's sequence `seq`.
    pub fn repair(&self, rec: &Recorder, model: &Model, seq: u64) -> Vec<KvOp> {
        if self.whole {
            rec.resync(model, seq)
        } else {
            rec.refresh(model, &self.keys, seq)
        }
    }

    /// What the gap record and its repair will weigh in the buffer, known before they are built (building walks
    /// the model): exact for a repair by keys; for a whole-state rewrite, `last_whole`, what the last one weighed.
    pub fn weight(&self, last_whole: usize) -> usize {
        if self.whole {
            last_whole
        } else {
            self.keys.len().saturating_add(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use cti_model::CallKey;
    use cti_proto::Message;
    use cti_proto::constants::CONNECTION_ID_STATIC;
    use cti_proto::message::BeginCallEvent;

    use super::*;
    use crate::records::Context;
    use crate::subjects::{CALLS_BUCKET, call_key};

    const CTX: Context = Context {
        side: "A",
        session: 1,
        version: 24,
    };

    fn model_with_calls(ids: &[u32]) -> (Model, Vec<CallKey>) {
        let mut m = Model::default();
        let mut keys = Vec::new();
        for &id in ids {
            let mut b = BeginCallEvent::default();
            b.peripheral_id = 5000;
            b.connection_call_id = id;
            b.connection_device_id_type = CONNECTION_ID_STATIC;
            b.connection_device_id = Some("5000".into());
            m.apply(&Message::from(b), Duration::from_secs(1), &mut Vec::new());
            keys.push(CallKey::new(id, CONNECTION_ID_STATIC, "5000"));
        }
        (m, keys)
    }

    /// A dropped batch: one record numbered `seq`, and `kv`.
    fn dropped(seq: u64, kv: Vec<KvOp>) -> Batch {
        let mut b = Recorder::new("pg1", seq).gap(1, 1, SystemTime::UNIX_EPOCH, CTX);
        b.kv = kv;
        b
    }

    fn put(key: &str) -> KvOp {
        KvOp::Put {
            bucket: CALLS_BUCKET,
            key: key.to_owned(),
            value: Bytes::from_static(b"{}"),
        }
    }

    #[test]
    fn a_repair_by_keys_writes_again_what_the_lost_records_touched_and_nothing_else() {
        let (model, keys) = model_with_calls(&[1, 2]);
        let live = call_key("pg1", &keys[0]);
        let ended = "pg1.99.0.5000".to_owned();
        let mut lost = Lost::new(10, 100);
        lost.add(&dropped(10, vec![put(&live)]));
        lost.add(&dropped(
            11,
            vec![KvOp::Delete {
                bucket: CALLS_BUCKET,
                key: ended.clone(),
            }],
        ));
        assert_eq!((lost.from, lost.to, lost.whole()), (10, 11, false));
        assert_eq!(lost.weight(12_345), 3, "two keys and the gap record");
        let ops = lost.repair(&Recorder::new("pg1", 12), &model, 12);
        assert_eq!(ops.len(), 2, "{ops:?}");
        let KvOp::Put { bucket, key, value } = &ops[0] else {
            panic!("a put first: {ops:?}")
        };
        assert_eq!((*bucket, key.as_str()), (CALLS_BUCKET, live.as_str()));
        let v: serde_json::Value = serde_json::from_slice(value).unwrap();
        assert_eq!(
            (
                v["cti_seq"].as_u64(),
                v["key"]["connection_call_id"].as_u64()
            ),
            (Some(12), Some(1))
        );
        assert_eq!(
            ops[1],
            KvOp::Delete {
                bucket: CALLS_BUCKET,
                key: ended
            },
            "a key whose call is gone is deleted"
        );
    }

    #[test]
    fn more_keys_than_the_buffer_holds_or_a_lost_rewrite_mean_the_whole_state() {
        let (model, _) = model_with_calls(&[1, 2, 3]);
        let rec = Recorder::new("pg1", 20);
        let mut many = Lost::new(10, 2);
        many.add(&dropped(10, vec![put("pg1.a"), put("pg1.b")]));
        assert!(!many.whole());
        many.add(&dropped(11, vec![put("pg1.c")]));
        assert!(many.whole(), "three keys with room for two");
        assert_eq!(many.weight(77), 77, "the last whole rewrite's weight");
        assert_eq!(many.repair(&rec, &model, 20), rec.resync(&model, 20));

        let mut rewrite = Lost::new(10, 100);
        rewrite.add(&dropped(10, rec.resync(&model, 9)));
        assert!(
            rewrite.whole(),
            "a lost rewrite pruned keys that are not known one by one"
        );
        assert_eq!(rewrite.repair(&rec, &model, 20), rec.resync(&model, 20));
    }
}
