//! [`HttpState`]: what the HTTP endpoints and the WebSocket share — the sources, the NATS client, the live feed
//! and the `/ws` counters.

use std::sync::Arc;

use crate::live::LiveFeed;
use crate::metrics::WsMetrics;
use crate::source_info::SourceInfo;

/// What the handlers read.
#[derive(Debug, Clone)]
pub(crate) struct HttpState {
    pub sources: Vec<SourceInfo>,
    pub nats: async_nats::Client,
    /// Every source's records, for `/ws`.
    pub live: LiveFeed,
    /// Records a `/ws` client may have waiting (`ws_buffer`).
    pub live_capacity: usize,
    /// `/ws` counters.
    pub ws: Arc<WsMetrics>,
    /// Turns true when the gateway stops (the `/ws` clients are closed with code 1001).
    pub stop: tokio::sync::watch::Receiver<bool>,
}

impl HttpState {
    pub(crate) fn nats_connected(&self) -> bool {
        self.nats.connection_state() == async_nats::connection::State::Connected
    }
}
