//! Publishing one source's batches in order, with a JetStream ack for each: stream records first, then — once
//! a batch's last record is acknowledged — its KV writes and the source's position marker, coalesced while the
//! publisher is busy (see [`crate::coalesce`]) and paced so they do not delay the records (see
//! [`crate::outbox`], which decides what goes next). A window of publishes is in flight at once; when NATS is
//! unreachable everything not acknowledged is sent again, in the same order, until it is — except what the stream
//! turns out to hold already (stored, the ack lost; see [`crate::stored`]); the stream's duplicate window drops
//! any other repeat by `Nats-Msg-Id`.

use std::sync::Arc;
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use futures_util::StreamExt as _;

use crate::buffer::BufferRx;
use crate::metrics::SourceMetrics;
use crate::outbox::{Acked, Outbox, Work};
use crate::records::KvOp;
use crate::stored;
use crate::subjects::POSITION_KEY;

pub use crate::outbox::WINDOW;

/// Publishes `batches` for `source` into `stream` until the channel closes and everything is acknowledged.
pub(crate) async fn run(
    js: jetstream::Context,
    (stream, source): (String, String),
    mut batches: BufferRx,
    metrics: Arc<SourceMetrics>,
) {
    let mut out: Outbox<PublishAckFuture> = Outbox::default();
    let mut open = true;
    let mut backoff = Duration::from_millis(50);
    // After a failure: read what the stream holds before sending again (see `crate::stored`), back to where
    // the last acknowledged record was stored at the most.
    let mut recheck = false;
    let mut last_stored = 0;
    loop {
        if recheck {
            if let Err(e) =
                recheck_stored(&js, (&stream, &source), &mut out, last_stored, &metrics).await
            {
                tracing::warn!("{source}: cannot read stream {stream} yet ({e}); retrying");
                pause(&mut backoff).await;
                continue;
            }
            recheck = false;
        }
        // Take what is queued: wait for it only when there is nothing else to do (see the take bound in
        // `crate::outbox`).
        while open && out.wants_batch() {
            let next = if out.is_idle() {
                batches.recv().await
            } else {
                match batches.try_recv() {
                    Ok(Some(b)) => Some(b),
                    Ok(None) => break,
                    Err(()) => None,
                }
            };
            match next {
                Some(q) => out.push_batch(q.batch, q.since),
                None => open = false,
            }
        }
        // Send what the outbox gives, up to the window.
        let mut failed = false;
        while let Some(w) = out.next(&source) {
            match send(&js, &w).await {
                Ok(Sent::Pending(ack)) => out.sent(w, ack),
                // A prune becomes the deletes it found, sent next through the window like any KV write (one by
                // one, each awaited, they stalled the publisher for minutes after a long overflow).
                Ok(Sent::Expand(deletes)) => out.expand(deletes),
                Err(e) => {
                    tracing::warn!("{source}: publish failed ({e}); retrying in order");
                    out.unsend(w);
                    failed = true;
                    break;
                }
            }
        }
        // Wait for the oldest ack.
        let mut unacked = None;
        if !failed {
            let Some((w, ack)) = out.oldest() else {
                if out.is_idle() && !open {
                    return;
                }
                continue;
            };
            match ack.await {
                Ok(ack) => {
                    backoff = Duration::from_millis(50);
                    match out.acked(w, &ack.stream, ack.sequence) {
                        Acked::Record { subject, queued } => {
                            last_stored = ack.sequence;
                            metrics.published(&subject, queued.elapsed());
                        }
                        Acked::Kv => metrics.kv_writes.inc(),
                    }
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
            out.failed(unacked);
            recheck = true;
            metrics.publish_retries.inc();
            pause(&mut backoff).await;
        }
    }
}

/// Waits `backoff`, then doubles it (up to 2 s).
async fn pause(backoff: &mut Duration) {
    tokio::time::sleep(*backoff).await;
    *backoff = (*backoff * 2).min(Duration::from_secs(2));
}

/// Drops from `out` the waiting records the stream holds already (stored, acks lost), counting them; reads the
/// stream back no further than `last_stored`, where the last acknowledged record is.
async fn recheck_stored(
    js: &jetstream::Context,
    (stream, source): (&str, &str),
    out: &mut Outbox<PublishAckFuture>,
    last_stored: u64,
    metrics: &SourceMetrics,
) -> Result<(), async_nats::Error> {
    let Some(from) = out.first_record_seq() else {
        return Ok(());
    };
    let found = stored::stored_since(js, stream, source, from, last_stored).await?;
    let f = out.forget_stored(&found, stream);
    if f.stored > 0 {
        tracing::info!(
            "{source}: {} records were stored although their acks were lost; not sent again",
            f.stored
        );
        metrics.records_found_stored.add(f.stored as u64);
    }
    if f.ahead > 0 {
        tracing::warn!(
            "{source}: {} records were stored ahead of earlier ones lost with the connection; \
             those follow them in the stream (Cti-Seq gives the order)",
            f.ahead
        );
        metrics.records_stored_ahead.add(f.ahead as u64);
    }
    Ok(())
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
