//! What the publisher sends next, and what it sends again after a failure — the publisher's queues without any
//! IO, so that their rules are tested without a NATS server ([`crate::publisher`] does the publishing).
//!
//! One queue waits to be sent: stream records (from the buffer, in order) and the KV writes flushed from
//! [`Coalesced`] once their records are acknowledged, in the order they joined it. At most [`WINDOW`]
//! publishes are in flight. Rules:
//!
//! - **The take bound**: batches are taken from the buffer only while fewer than [`WINDOW`] publishes wait here,
//!   so a slow NATS leaves the backlog in the buffer, where it is counted and bounded (taking a batch on every
//!   ack whatever waited here once made this an unbounded, uncounted queue).
//! - **Held KV writes** join the queue when nothing else waits or is in flight, or when they are due (see
//!   [`crate::coalesce`]).
//! - **Order after a failure**: everything in flight goes back to the front of the queue, in the order it was
//!   sent; the stream drops repeats by `Nats-Msg-Id`.

use std::collections::VecDeque;

use tokio::time::Instant;

use crate::coalesce::Coalesced;
use crate::records::{Batch, KvOp, StreamRecord};

/// Publishes in flight at most before the publisher waits for the oldest ack.
pub const WINDOW: usize = 512;

/// One publish to send.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Work {
    /// A stream record; `kv` holds the batch's KV writes when it is the batch's last record.
    Record {
        rec: StreamRecord,
        kv: Option<Vec<KvOp>>,
        queued: Instant,
    },
    /// A KV write.
    Kv(KvOp),
}

/// What an acknowledged publish was.
#[derive(Debug, PartialEq)]
pub(crate) enum Acked {
    /// A stream record, on `subject`, put in the buffer at `queued`.
    Record { subject: String, queued: Instant },
    /// A KV write.
    Kv,
}

/// What [`Outbox::forget_stored`] found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Forgotten {
    /// Records found stored, dropped from the queue.
    pub stored: usize,
    /// Of those, records stored ahead of an earlier one that was not (lost with the connection while they
    /// waited in the client's buffer, then written after the reconnect): the earlier ones, sent now, follow them
    /// in the stream.
    pub ahead: usize,
}

/// The publisher's queues; `A` is what it waits on for an ack (a JetStream ack future; `()` in tests).
#[derive(Debug)]
pub(crate) struct Outbox<A> {
    todo: VecDeque<Work>,
    inflight: VecDeque<(Work, A)>,
    held: Coalesced,
}

impl<A> Default for Outbox<A> {
    fn default() -> Self {
        Self {
            todo: VecDeque::new(),
            inflight: VecDeque::new(),
            held: Coalesced::default(),
        }
    }
}

impl<A> Outbox<A> {
    /// True while a batch may be taken from the buffer (fewer than [`WINDOW`] publishes wait).
    pub fn wants_batch(&self) -> bool {
        self.todo.len() < WINDOW
    }

    /// True when nothing waits, is in flight or is held.
    pub fn is_idle(&self) -> bool {
        self.is_quiet() && self.held.len() == 0
    }

    /// True when nothing is waiting to be sent or acknowledged (held KV writes aside): the publisher may wait
    /// for the buffer.
    pub fn is_quiet(&self) -> bool {
        self.todo.is_empty() && self.inflight.is_empty()
    }

    /// Queues a batch's records, put in the buffer at `queued`; its KV writes ride on its last record until that
    /// is acknowledged.
    pub fn push_batch(&mut self, b: Batch, queued: Instant) {
        let n = b.records.len();
        let mut kv = Some(b.kv);
        for (i, rec) in b.records.into_iter().enumerate() {
            let kv = if i + 1 == n { kv.take() } else { None };
            self.todo.push_back(Work::Record { rec, kv, queued });
        }
    }

    /// The next publish to send, or `None` when the window is full or nothing waits. Held KV writes join the
    /// queue (with `source`'s position marker) when nothing else is to be done or they have waited long enough.
    pub fn next(&mut self, source: &str) -> Option<Work> {
        if self.held.len() > 0 && (self.is_quiet() || self.held.due()) {
            self.todo
                .extend(self.held.take(source).into_iter().map(Work::Kv));
        }
        if self.inflight.len() >= WINDOW {
            return None;
        }
        self.todo.pop_front()
    }

    /// `w` was sent; `ack` will tell when it is stored.
    pub fn sent(&mut self, w: Work, ack: A) {
        self.inflight.push_back((w, ack));
    }

    /// `w` could not be sent: it goes back to the front of the queue.
    pub fn unsend(&mut self, w: Work) {
        self.todo.push_front(w);
    }

    /// A prune turned into the deletes it found: they are sent next, in order, through the window.
    pub fn expand(&mut self, deletes: Vec<KvOp>) {
        for op in deletes.into_iter().rev() {
            self.todo.push_front(Work::Kv(op));
        }
    }

    /// The oldest publish in flight, to wait for.
    pub fn oldest(&mut self) -> Option<(Work, A)> {
        self.inflight.pop_front()
    }

    /// `w` (from [`Self::oldest`]) was stored as `stream_seq` of `stream`; a batch's last record hands its KV
    /// writes to the coalescer.
    pub fn acked(&mut self, w: Work, stream: &str, stream_seq: u64) -> Acked {
        match w {
            Work::Kv(_) => Acked::Kv,
            Work::Record { rec, kv, queued } => {
                if let Some(kv) = kv {
                    self.held.add(kv, rec.seq, stream, stream_seq);
                }
                Acked::Record {
                    subject: rec.subject,
                    queued,
                }
            }
        }
    }

    /// Sending failed or an ack did not come: `unacked` (the oldest, already taken) and everything in flight go
    /// back to the front of the queue, in the order they were sent.
    pub fn failed(&mut self, unacked: Option<Work>) {
        let mut back: Vec<Work> = unacked.into_iter().collect();
        back.extend(self.inflight.drain(..).map(|(w, _)| w));
        for w in back.into_iter().rev() {
            self.todo.push_front(w);
        }
    }

    /// The `Cti-Seq` of the first stream record waiting to be sent (after [`Self::failed`]: the oldest not
    /// acknowledged).
    pub fn first_record_seq(&self) -> Option<u64> {
        self.todo.iter().find_map(|w| match w {
            Work::Record { rec, .. } => Some(rec.seq),
            Work::Kv(_) => None,
        })
    }

    /// After a failure: drops the waiting records that `stream` holds already (`found`: `Cti-Seq` → stream
    /// sequence, see [`crate::stored`]) — stored, their acks lost — as if acknowledged: a batch's KV writes go
    /// to the coalescer.
    pub fn forget_stored(
        &mut self,
        found: &std::collections::BTreeMap<u64, u64>,
        stream: &str,
    ) -> Forgotten {
        let mut out = Forgotten::default();
        let mut hole = false;
        let mut kept = VecDeque::with_capacity(self.todo.len());
        for w in self.todo.drain(..) {
            match w {
                Work::Record { rec, kv, .. } if found.contains_key(&rec.seq) => {
                    out.stored += 1;
                    if hole {
                        out.ahead += 1;
                    }
                    if let (Some(kv), Some(at)) = (kv, found.get(&rec.seq)) {
                        self.held.add(kv, rec.seq, stream, *at);
                    }
                }
                w => {
                    hole |= matches!(w, Work::Record { .. });
                    kept.push_back(w);
                }
            }
        }
        self.todo = kept;
        out
    }

    /// Publishes waiting to be sent (not in flight, not held).
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.todo.len()
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
