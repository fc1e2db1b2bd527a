//! Publishing one source's batches in order, with a JetStream ack for each: stream records first, then — once
//! a batch's last record is acknowledged — its KV writes and the source's position marker, coalesced while the
//! publisher is busy (see [`crate::coalesce`]). A window of
//! publishes is in flight at once; when NATS is unreachable everything not acknowledged is sent again, in the
//! same order, until it is (the stream drops the repeats by `Nats-Msg-Id`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::publish::PublishAck;
use bytes::Bytes;
use futures_util::StreamExt as _;
use tokio::time::Instant;

use crate::buffer::BufferRx;
use crate::coalesce::Coalesced;
use crate::metrics::SourceMetrics;
use crate::records::{Batch, KvOp, StreamRecord};
use crate::subjects::POSITION_KEY;

/// Publishes at most this many messages before waiting for the oldest ack.
pub const WINDOW: usize = 512;

/// One publish waiting to be sent or acknowledged.
#[derive(Debug, Clone)]
enum Work {
    /// A stream record; `kv` holds the batch's KV writes when it is the batch's last record.
    Record {
        rec: StreamRecord,
        kv: Option<Vec<KvOp>>,
        queued: Instant,
    },
    /// A KV write.
    Kv(KvOp),
}

/// Publishes `batches` for `source` until the channel closes and everything is acknowledged.
pub(crate) async fn run(
    js: jetstream::Context,
    source: String,
    mut batches: BufferRx,
    metrics: Arc<SourceMetrics>,
) {
    let mut todo: VecDeque<Work> = VecDeque::new();
    let mut inflight: VecDeque<(Work, PublishAckFuture)> = VecDeque::new();
    let mut held = Coalesced::default();
    let mut open = true;
    let mut backoff = Duration::from_millis(50);
    loop {
        // KV writes go out when nothing else is to be sent, or when they have waited long enough.
        if held.len() > 0 && ((todo.is_empty() && inflight.is_empty()) || held.due()) {
            todo.extend(held.take(&source).into_iter().map(Work::Kv));
        }
        // Take what is queued, without waiting when there is work already, and only while less than a window
        // is waiting: the rest stays in the buffer, where it is counted and bounded (taking a batch on every
        // ack whatever the backlog once moved an unbounded queue out of the buffer into this task).
        while open && todo.len() < WINDOW {
            let next = if todo.is_empty() && inflight.is_empty() {
                batches.recv().await
            } else {
                match batches.try_recv() {
                    Ok(Some(b)) => Some(b),
                    Ok(None) => break,
                    Err(()) => None,
                }
            };
            match next {
                Some(b) => enqueue(&mut todo, b),
                None => open = false,
            }
        }
        if todo.is_empty() && inflight.is_empty() {
            if open {
                continue;
            }
            return;
        }
        // Send up to the window.
        let mut failed = false;
        while inflight.len() < WINDOW {
            let Some(w) = todo.pop_front() else { break };
            match send(&js, &w).await {
                Ok(Sent::Pending(ack)) => inflight.push_back((w, ack)),
                Ok(Sent::Expand(deletes)) => {
                    // A prune becomes the deletes it found, sent next through the window like any KV write
                    // (one by one, each awaited, they stalled the publisher for minutes after a long overflow).
                    for op in deletes.into_iter().rev() {
                        todo.push_front(Work::Kv(op));
                    }
                }
                Err(e) => {
                    tracing::warn!("{source}: publish failed ({e}); retrying in order");
                    todo.push_front(w);
                    failed = true;
                    break;
                }
            }
        }
        // Wait for the oldest ack.
        let mut unacked = None;
        if !failed && let Some((w, ack)) = inflight.pop_front() {
            match ack.await {
                Ok(ack) => {
                    backoff = Duration::from_millis(50);
                    done(w, &ack, &mut held, &metrics);
                    continue;
                }
                Err(e) => {
                    tracing::warn!("{source}: no ack ({e}); publishing again in order");
                    unacked = Some(w);
                    failed = true;
                }
            }
        }
        if failed {
            // Everything not acknowledged goes back to the front, in order; JetStream drops the repeats.
            for (w, _) in inflight.drain(..).rev() {
                todo.push_front(w);
            }
            if let Some(w) = unacked {
                todo.push_front(w);
            }
            metrics.publish_retries.inc();
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(2));
        }
    }
}

fn enqueue(todo: &mut VecDeque<Work>, b: Batch) {
    let n = b.records.len();
    let mut kv = Some(b.kv);
    let queued = Instant::now();
    for (i, rec) in b.records.into_iter().enumerate() {
        let kv = if i + 1 == n { kv.take() } else { None };
        todo.push_back(Work::Record { rec, kv, queued });
    }
}

/// After an ack: count it, and for a batch's last record hold its KV writes (with the position marker to
/// follow them).
fn done(w: Work, ack: &PublishAck, held: &mut Coalesced, metrics: &SourceMetrics) {
    let Work::Record { rec, kv, queued } = w else {
        metrics.kv_writes.inc();
        return;
    };
    metrics.published(&rec.subject, queued.elapsed());
    if let Some(kv) = kv {
        held.add(kv, rec.seq, &ack.stream, ack.sequence);
    }
}

async fn send(js: &jetstream::Context, w: &Work) -> Result<Sent, async_nats::Error> {
    let (subject, publish) = match w {
        Work::Kv(KvOp::Prune {
            bucket,
            prefix,
            keep,
        }) => {
            let kv = js.get_key_value(*bucket).await?;
            let mut keys = kv.keys().await?;
            let mut stale = Vec::new();
            while let Some(k) = keys.next().await {
                let k = k?;
                if k.starts_with(prefix.as_str())
                    && !keep.contains(&k)
                    && !k.ends_with(POSITION_KEY)
                {
                    stale.push(KvOp::Delete { bucket, key: k });
                }
            }
            return Ok(Sent::Expand(stale));
        }
        Work::Record { rec, .. } => {
            let mut h = HeaderMap::new();
            for (k, v) in &rec.headers {
                h.insert(*k, v.as_str());
            }
            (
                rec.subject.clone(),
                PublishMessage::build()
                    .payload(rec.payload.clone())
                    .headers(h),
            )
        }
        Work::Kv(KvOp::Put { bucket, key, value }) => (
            format!("$KV.{bucket}.{key}"),
            PublishMessage::build().payload(value.clone()),
        ),
        Work::Kv(KvOp::Delete { bucket, key }) => {
            let mut h = HeaderMap::new();
            h.insert("KV-Operation", "DEL");
            (
                format!("$KV.{bucket}.{key}"),
                PublishMessage::build().payload(Bytes::new()).headers(h),
            )
        }
    };
    Ok(Sent::Pending(js.send_publish(subject, publish).await?))
}

/// A publish sent (its ack to wait for), or a prune turned into the deletes it found (to send next).
enum Sent {
    Pending(PublishAckFuture),
    Expand(Vec<KvOp>),
}
