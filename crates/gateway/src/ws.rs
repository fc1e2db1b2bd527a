//! `GET /ws?source=&types=`: a WebSocket for browsers and wallboards. It sends, per source, one `STATE` line (the
//! live calls and agents and the `cti_seq` they are complete to), then every later record of the stream as a
//! JSON text message (the stream record's body, byte for byte), in order, without a gap or a repeat.
//!
//! `source` picks one source (default: all; an unknown name gets 404 before the upgrade); `types` is a comma
//! separated list of line types to send (`BEGIN_CALL_EVENT,CALL_ENDED,AGENT_CHANGED`; default: all). The
//! `STATE` lines are always sent.
//!
//! Each client has its own queue of `ws_buffer` records between the live feed and its socket. A client whose
//! queue fills (its socket does not take the records as fast as they come) is dropped: the close frame (code
//! 1013 "try again later", reason `too slow: ...`) follows what its socket still holds and is given up after
//! [`SEND_TIMEOUT`]. One slow client never slows the sources or the other clients; it reconnects and gets the
//! state again.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Json;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt as _, StreamExt as _};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::http_state::HttpState;
use crate::live::LiveRecord;
use crate::metrics::WsMetrics;
use crate::source_info::SourceInfo;

/// How long a close frame (or the end of a dropped client's data) may take to be written.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Records written to a socket before it is flushed (when that many are waiting).
const BATCH: u64 = 256;

/// The query string.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WsQuery {
    source: Option<String>,
    types: Option<String>,
}

/// The upgrade: checks the query, then hands the socket to [`serve`].
pub(crate) async fn handler(
    ws: WebSocketUpgrade,
    State(st): State<HttpState>,
    Query(q): Query<WsQuery>,
) -> Response {
    let sources: Vec<SourceInfo> = st
        .sources
        .iter()
        .filter(|s| q.source.as_ref().is_none_or(|n| *n == s.name))
        .cloned()
        .collect();
    if sources.is_empty() {
        let name = q.source.as_deref().unwrap_or("");
        let body = json!({"error": format!("no source {name:?}")});
        return (StatusCode::NOT_FOUND, Json(body)).into_response();
    }
    let types = q.types.as_deref().map(parse_types);
    ws.on_upgrade(move |socket| serve(socket, st, sources, types))
}

/// `"A, B,,C"` → {A, B, C}.
fn parse_types(text: &str) -> BTreeSet<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Which live records one client gets.
#[derive(Debug)]
struct Filter {
    /// Per source: the first `Cti-Seq` not already in the `STATE` line sent.
    from: HashMap<Arc<str>, u64>,
    types: Option<BTreeSet<String>>,
}

impl Filter {
    fn wants(&self, r: &LiveRecord) -> bool {
        self.from.get(&r.source).is_some_and(|from| r.seq >= *from)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(r.line_type.as_str()))
    }
}

/// Why a client's session ended.
#[derive(Debug)]
enum End {
    /// The client closed, or the socket failed.
    Gone,
    /// The gateway stops.
    Stopping,
    /// More than `ws_buffer` records were waiting for its socket.
    TooSlow(usize),
}

async fn serve(
    socket: WebSocket,
    st: HttpState,
    sources: Vec<SourceInfo>,
    types: Option<BTreeSet<String>>,
) {
    st.ws.accepted.fetch_add(1, Ordering::Relaxed);
    st.ws.clients.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    // Subscribe first, then ask each source for its state: what the state does not hold is in the receiver.
    let rx = st.live.subscribe();
    let mut filter = Filter {
        from: HashMap::new(),
        types,
    };
    let mut states = Vec::new();
    for s in &sources {
        let Some(state) = s.state().await else {
            continue;
        };
        filter
            .from
            .insert(Arc::from(s.name.as_str()), state.next_seq);
        let line = json!({
            "type": "STATE",
            "source": s.name,
            "cti_seq": state.next_seq.saturating_sub(1),
            "connected": state.status.side.is_some(),
            "side": state.status.side.map_or("-", |side| side.name()),
            "calls": state.snapshot.calls,
            "agents": state.snapshot.agents,
        });
        states.push(Message::Text(Utf8Bytes::from(line.to_string())));
    }
    // The pump moves the records this client wants from the feed to its own queue, never waiting: when the
    // queue is full (the socket does not take them fast enough), the client is dropped.
    let capacity = st.live_capacity.max(1);
    let metrics = Arc::clone(&st.ws);
    let (queue_tx, queue) = mpsc::channel(capacity);
    let (end_tx, end_rx) = oneshot::channel();
    let pump = tokio::spawn(pump(rx, filter, queue_tx, end_tx));
    let mut stop = st.stop.clone();
    drop(st);
    let end = {
        let writer = write(&mut sink, states, queue, &metrics);
        tokio::pin!(writer);
        tokio::select! {
            e = &mut writer => e,
            Ok(e) = end_rx => e,
            () = client_gone(&mut stream) => End::Gone,
            _ = stop.wait_for(|s| *s) => End::Stopping,
        }
    };
    pump.abort();
    let close = |code, reason: String| {
        Message::Close(Some(CloseFrame {
            code,
            reason: Utf8Bytes::from(reason),
        }))
    };
    match end {
        End::Gone => {}
        End::Stopping => {
            let msg = close(close_code::AWAY, "the gateway is stopping".into());
            let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(msg)).await;
        }
        End::TooSlow(n) => {
            metrics.dropped_slow.fetch_add(1, Ordering::Relaxed);
            tracing::info!("/ws: a client fell more than {n} records behind and was dropped");
            let reason =
                format!("too slow: more than {n} records behind; reconnect to get the state again");
            // The close frame follows what the socket still holds; it arrives if the client reads on.
            let _ = tokio::time::timeout(SEND_TIMEOUT, sink.send(close(close_code::AGAIN, reason)))
                .await;
        }
    }
    metrics.clients.fetch_sub(1, Ordering::Relaxed);
}

/// Feed → this client's queue, for as long as the queue has room.
async fn pump(
    mut rx: broadcast::Receiver<Arc<LiveRecord>>,
    filter: Filter,
    queue: mpsc::Sender<Arc<LiveRecord>>,
    end: oneshot::Sender<End>,
) {
    let capacity = queue.max_capacity();
    let why = loop {
        match rx.recv().await {
            Ok(r) if filter.wants(&r) => match queue.try_send(r) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => break End::TooSlow(capacity),
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            },
            Ok(_) => {}
            // The feed itself holds `ws_buffer` records: a pump that far behind is as slow as its socket.
            Err(RecvError::Lagged(_)) => break End::TooSlow(capacity),
            Err(RecvError::Closed) => break End::Stopping,
        }
    };
    let _ = end.send(why);
}

/// Writes the `STATE` lines, then the queue, flushing after each run of up to [`BATCH`] records.
async fn write(
    sink: &mut SplitSink<WebSocket, Message>,
    states: Vec<Message>,
    mut queue: mpsc::Receiver<Arc<LiveRecord>>,
    metrics: &WsMetrics,
) -> End {
    for m in states {
        if sink.feed(m).await.is_err() {
            return End::Gone;
        }
    }
    if sink.flush().await.is_err() {
        return End::Gone;
    }
    while let Some(first) = queue.recv().await {
        let mut next = Some(first);
        let mut written = 0u64;
        while let Some(r) = next.take() {
            if sink.feed(Message::Text(r.text.clone())).await.is_err() {
                return End::Gone;
            }
            written += 1;
            if written < BATCH {
                next = queue.try_recv().ok();
            }
        }
        if sink.flush().await.is_err() {
            return End::Gone;
        }
        metrics.sent.fetch_add(written, Ordering::Relaxed);
    }
    End::Stopping
}

/// Resolves when the client closes or its socket fails (pings are answered by the socket itself; anything
/// else the client sends is ignored).
async fn client_gone(stream: &mut SplitStream<WebSocket>) {
    while let Some(Ok(m)) = stream.next().await {
        if matches!(m, Message::Close(_)) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(source: &str, seq: u64, t: &str) -> LiveRecord {
        LiveRecord {
            source: Arc::from(source),
            seq,
            line_type: t.to_owned(),
            text: Utf8Bytes::from_static("{}"),
        }
    }

    #[test]
    fn types_are_a_comma_list() {
        let t = parse_types(" BEGIN_CALL_EVENT,,CALL_ENDED ,");
        assert_eq!(
            t.into_iter().collect::<Vec<_>>(),
            ["BEGIN_CALL_EVENT", "CALL_ENDED"]
        );
    }

    #[test]
    fn the_filter_skips_what_the_state_holds_and_unwanted_types_and_sources() {
        let f = Filter {
            from: HashMap::from([(Arc::from("pg1"), 10)]),
            types: Some(parse_types("CALL_BEGAN")),
        };
        assert!(!f.wants(&rec("pg1", 9, "CALL_BEGAN")));
        assert!(f.wants(&rec("pg1", 10, "CALL_BEGAN")));
        assert!(!f.wants(&rec("pg1", 11, "BEGIN_CALL_EVENT")));
        assert!(!f.wants(&rec("pg2", 11, "CALL_BEGAN")));
        let all = Filter {
            from: HashMap::from([(Arc::from("pg1"), 0)]),
            types: None,
        };
        assert!(all.wants(&rec("pg1", 0, "ANYTHING")));
    }
}
