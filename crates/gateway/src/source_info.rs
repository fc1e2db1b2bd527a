//! [`SourceInfo`]: one running source as the HTTP endpoints, the WebSocket and tests see it — its counters, its
//! status, and its state on request.

use std::sync::Arc;

use cti_client::ClientStatus;
use cti_model::Snapshot;
use tokio::sync::{mpsc, oneshot, watch};

use crate::metrics::SourceMetrics;
use crate::source::{Query, SourceState, SourceStatus};

/// One running source, as the HTTP endpoints and tests see it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The name.
    pub name: String,
    /// Its counters.
    pub metrics: Arc<SourceMetrics>,
    status: watch::Receiver<SourceStatus>,
    queries: mpsc::Sender<Query>,
}

impl SourceInfo {
    pub(crate) fn new(
        name: String,
        metrics: Arc<SourceMetrics>,
        status: watch::Receiver<SourceStatus>,
        queries: mpsc::Sender<Query>,
    ) -> Self {
        SourceInfo {
            name,
            metrics,
            status,
            queries,
        }
    }

    /// Where its CTI session is now.
    pub fn status(&self) -> SourceStatus {
        self.status.borrow().clone()
    }

    /// The model's calls and agents and the client's status now; `None` once the source has stopped.
    pub async fn snapshot(&self) -> Option<(Snapshot, ClientStatus)> {
        self.state().await.map(|s| (s.snapshot, s.status))
    }

    /// The state and the `Cti-Seq` the next record will get.
    pub(crate) async fn state(&self) -> Option<SourceState> {
        let (tx, rx) = oneshot::channel();
        self.queries.send(Query::Snapshot(tx)).await.ok()?;
        rx.await.ok()
    }
}
