//! The buffer between a source and its publisher, bounded in publishes rather than in updates: a batch weighs
//! its stream records plus its KV writes, and the buffer admits a batch only while the total stays within its
//! size. One exception keeps a gap's repair possible: a batch heavier than the whole buffer (the KV keys lost,
//! or the full state, written again after records were lost; see [`crate::lost`]) is admitted into an empty
//! buffer. So the memory held is at most `size` publishes, or one repair.
//!
//! (An earlier buffer counted updates. An update weighs from one to thousands of publishes, so while NATS was
//! slow a buffer of 10,000 updates could hold gigabytes, and its depth, read only when the publisher took a
//! batch, showed 0 meanwhile.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{Notify, mpsc};
use tokio::time::Instant;

use crate::metrics::SourceMetrics;
use crate::records::Batch;

/// What a batch counts for in the buffer: one per stream record and per KV write.
pub(crate) fn weight(b: &Batch) -> usize {
    b.records.len() + b.kv.len()
}

/// A batch taken from the buffer, with when it was put in (publish latencies count from there).
#[derive(Debug)]
pub(crate) struct Queued {
    pub batch: Batch,
    pub since: Instant,
}

/// Why a batch was not admitted.
#[derive(Debug)]
pub(crate) enum Refused {
    /// No room for it now; the batch is handed back.
    Full(Batch),
    /// The publisher has stopped.
    Closed,
}

/// What both ends share: the publishes held, and a wake-up for a source waiting for room.
#[derive(Debug, Default)]
struct Shared {
    held: AtomicUsize,
    room: Notify,
}

/// The source's end.
#[derive(Debug)]
pub(crate) struct BufferTx {
    tx: mpsc::UnboundedSender<Queued>,
    shared: Arc<Shared>,
    size: usize,
    metrics: Arc<SourceMetrics>,
}

/// The publisher's end.
#[derive(Debug)]
pub(crate) struct BufferRx {
    rx: mpsc::UnboundedReceiver<Queued>,
    shared: Arc<Shared>,
    metrics: Arc<SourceMetrics>,
}

/// A buffer holding at most `size` publishes (at least 1); its depth goes to `metrics` on every change.
pub(crate) fn buffer(size: usize, metrics: Arc<SourceMetrics>) -> (BufferTx, BufferRx) {
    let (tx, rx) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared::default());
    metrics.set_buffer_depth(0);
    (
        BufferTx {
            tx,
            shared: Arc::clone(&shared),
            size: size.max(1),
            metrics: Arc::clone(&metrics),
        },
        BufferRx {
            rx,
            shared,
            metrics,
        },
    )
}

impl BufferTx {
    /// Publishes held now (sent and not yet taken by the publisher).
    pub(crate) fn depth(&self) -> usize {
        self.shared.held.load(Ordering::Acquire)
    }

    /// The most publishes held (beyond one batch heavier than that, admitted into an empty buffer).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// True when a batch of `weight` would be admitted now. The publisher only takes batches out, so room seen
    /// here stays until the source sends.
    pub(crate) fn has_room(&self, weight: usize) -> bool {
        let depth = self.depth();
        depth == 0 || depth.saturating_add(weight) <= self.size
    }

    /// After an overflow: true when the gap record and its repair, weighing `weight`, should go now — the buffer
    /// is at most half full and has room for them. Waiting for half makes a sustained overload (NATS slower than
    /// the CTI Server) a few long gap records with one repair each, instead of one per batch's worth of room:
    /// the records lost are the same (what NATS cannot take), the repairs merge (a key lost twice is written
    /// once) and a consumer sees fewer gaps.
    pub(crate) fn room_after_overflow(&self, weight: usize) -> bool {
        self.depth() <= self.size / 2 && self.has_room(weight)
    }

    /// Queues `batch` when there is room for it.
    pub(crate) fn try_send(&self, batch: Batch) -> Result<(), Refused> {
        if self.tx.is_closed() {
            return Err(Refused::Closed);
        }
        let w = weight(&batch);
        if !self.has_room(w) {
            return Err(Refused::Full(batch));
        }
        // Counted before it is sent, so the publisher never takes out more than was put in.
        let depth = self.shared.held.fetch_add(w, Ordering::AcqRel) + w;
        let queued = Queued {
            batch,
            since: Instant::now(),
        };
        if self.tx.send(queued).is_err() {
            self.shared.held.fetch_sub(w, Ordering::AcqRel);
            return Err(Refused::Closed);
        }
        self.metrics.set_buffer_depth(depth);
        Ok(())
    }

    /// Waits for room and queues `batch` (used once, for the last gap record when stopping).
    pub(crate) async fn send(&self, mut batch: Batch) -> Result<(), Refused> {
        loop {
            // A permit stored by a take between the check and the wait is not lost (`notify_one`).
            match self.try_send(batch) {
                Err(Refused::Full(b)) => {
                    batch = b;
                    self.shared.room.notified().await;
                }
                other => return other,
            }
        }
    }
}

impl BufferRx {
    /// The next batch; `None` once the source has stopped and everything was taken.
    pub(crate) async fn recv(&mut self) -> Option<Queued> {
        let q = self.rx.recv().await?;
        self.took(&q.batch);
        Some(q)
    }

    /// The next batch if one is queued: `Ok(None)` when none is, `Err(())` when the source has stopped and
    /// everything was taken.
    pub(crate) fn try_recv(&mut self) -> Result<Option<Queued>, ()> {
        match self.rx.try_recv() {
            Ok(q) => {
                self.took(&q.batch);
                Ok(Some(q))
            }
            Err(mpsc::error::TryRecvError::Empty) => Ok(None),
            Err(mpsc::error::TryRecvError::Disconnected) => Err(()),
        }
    }

    fn took(&self, b: &Batch) {
        let w = weight(b);
        let depth = self
            .shared
            .held
            .fetch_sub(w, Ordering::AcqRel)
            .saturating_sub(w);
        self.metrics.set_buffer_depth(depth);
        self.shared.room.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::KvOp;
    use bytes::Bytes;

    fn batch(kv: usize) -> Batch {
        Batch {
            records: Vec::new(),
            kv: (0..kv)
                .map(|i| KvOp::Put {
                    bucket: "cti_calls",
                    key: format!("k{i}"),
                    value: Bytes::new(),
                })
                .collect(),
        }
    }

    /// A buffer of `size` publishes and the metrics it reports to.
    fn fresh(size: usize) -> (Arc<SourceMetrics>, BufferTx, BufferRx) {
        let m = Arc::new(SourceMetrics::default());
        let (tx, rx) = buffer(size, Arc::clone(&m));
        (m, tx, rx)
    }

    #[tokio::test]
    async fn the_bound_is_in_publishes_and_the_depth_is_exact() {
        let (m, tx, mut rx) = fresh(10);
        tx.try_send(batch(4)).unwrap();
        tx.try_send(batch(6)).unwrap();
        assert_eq!(m.buffer_depth(), 10);
        assert!(matches!(tx.try_send(batch(1)), Err(Refused::Full(b)) if b.kv.len() == 1));
        assert_eq!(rx.recv().await.unwrap().batch.kv.len(), 4);
        assert_eq!(m.buffer_depth(), 6);
        assert!(!tx.has_room(5));
        tx.try_send(batch(4)).unwrap();
        assert_eq!(m.buffer_depth(), 10);
        assert_eq!(rx.try_recv().unwrap().unwrap().batch.kv.len(), 6);
        assert_eq!(rx.try_recv().unwrap().unwrap().batch.kv.len(), 4);
        assert!(rx.try_recv().unwrap().is_none());
        assert_eq!(m.buffer_depth(), 0);
    }

    #[tokio::test]
    async fn after_an_overflow_the_gap_waits_for_a_half_empty_buffer() {
        let (_, tx, mut rx) = fresh(10);
        tx.try_send(batch(4)).unwrap();
        tx.try_send(batch(2)).unwrap();
        assert!(
            tx.has_room(3) && !tx.room_after_overflow(3),
            "room, but 6 of 10 held"
        );
        rx.recv().await.unwrap();
        assert!(tx.room_after_overflow(3), "2 of 10 held");
        assert!(!tx.room_after_overflow(9), "half empty, but no room for 9");
        rx.recv().await.unwrap();
        assert!(
            tx.room_after_overflow(25),
            "an empty buffer takes a heavier repair"
        );
    }

    #[tokio::test]
    async fn a_batch_heavier_than_the_buffer_goes_only_into_an_empty_one() {
        let (m, tx, mut rx) = fresh(10);
        tx.try_send(batch(1)).unwrap();
        assert!(matches!(tx.try_send(batch(25)), Err(Refused::Full(_))));
        rx.recv().await.unwrap();
        tx.try_send(batch(25)).unwrap();
        assert_eq!(m.buffer_depth(), 25);
        assert!(matches!(tx.try_send(batch(1)), Err(Refused::Full(_))));
        assert_eq!(rx.recv().await.unwrap().batch.kv.len(), 25);
        assert_eq!(m.buffer_depth(), 0);
    }

    #[tokio::test]
    async fn a_stopped_publisher_refuses_and_a_stopped_source_ends_the_stream() {
        let (m, tx, rx) = fresh(10);
        drop(rx);
        assert!(matches!(tx.try_send(batch(1)), Err(Refused::Closed)));
        assert_eq!(m.buffer_depth(), 0);
        let (tx, mut rx) = buffer(10, m);
        tx.try_send(batch(2)).unwrap();
        drop(tx);
        assert_eq!(rx.recv().await.unwrap().batch.kv.len(), 2);
        assert!(rx.recv().await.is_none());
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test]
    async fn send_waits_for_room() {
        let (m, tx, mut rx) = fresh(3);
        tx.try_send(batch(3)).unwrap();
        let waiting = tokio::spawn(async move { tx.send(batch(2)).await.is_ok() });
        tokio::task::yield_now().await;
        assert_eq!(m.buffer_depth(), 3, "nothing admitted while full");
        assert_eq!(rx.recv().await.unwrap().batch.kv.len(), 3);
        assert!(waiting.await.unwrap());
        assert_eq!(rx.recv().await.unwrap().batch.kv.len(), 2);
    }
}
