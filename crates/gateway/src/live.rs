//! The live feed behind `GET /ws`: every stream record of every source, in order, as it is handed to the
//! publisher (it does not wait for NATS, so a wallboard keeps its view while NATS is away). A tokio broadcast
//! channel: the sources never wait for a receiver; each WebSocket client's pump moves what it wants into the
//! client's own bounded queue (see [`crate::ws`]).

use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::broadcast;

use crate::records::Batch;

/// One stream record as the WebSocket clients get it.
#[derive(Debug)]
pub(crate) struct LiveRecord {
    /// The source's name.
    pub source: Arc<str>,
    /// Its `Cti-Seq`.
    pub seq: u64,
    /// The body's `type`, for `?types=`.
    pub line_type: String,
    /// The body, one JSON object (the stream record's body, byte for byte).
    pub text: Utf8Bytes,
}

/// The sending side, shared by every source of a gateway.
pub(crate) type LiveFeed = broadcast::Sender<Arc<LiveRecord>>;

/// Records the feed holds for its slowest receiver at least: a client's pump takes every record at once into
/// the client's own queue, so only a pump that gets no CPU for this many records falls behind here.
const FEED_MIN: usize = 8192;

/// A feed holding `ws_buffer` records per receiver, and at least [`FEED_MIN`].
pub(crate) fn feed(ws_buffer: usize) -> LiveFeed {
    broadcast::channel(ws_buffer.max(FEED_MIN)).0
}

/// Sends the records of `batch` to whoever listens (nothing is done when no one does).
pub(crate) fn send(feed: &LiveFeed, source: &Arc<str>, batch: &Batch) {
    if feed.receiver_count() == 0 {
        return;
    }
    for r in &batch.records {
        // The body is serde_json's output, hence UTF-8; a record that somehow is not is left out of the feed.
        let Ok(text) = Utf8Bytes::try_from(r.payload.clone()) else {
            continue;
        };
        let _ = feed.send(Arc::new(LiveRecord {
            source: Arc::clone(source),
            seq: r.seq,
            line_type: r.line_type.clone(),
            text,
        }));
    }
}
