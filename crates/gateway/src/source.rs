//! One source: its [`Session`] turned into batches for the publisher. The CTI session never waits for NATS:
//! when the publisher's buffer is full, the batch is dropped, its sequence range remembered, and a
//! `session.gap` record saying so goes out as soon as there is room again.

use std::sync::Arc;
use std::time::SystemTime;

use cti_client::ClientEvent;
use cti_session::{Session, UpdateKind};
use tokio::sync::{mpsc, watch};

use crate::metrics::SourceMetrics;
use crate::records::{Batch, Context, Recorder};

/// Runs until `stop` turns true (then CLOSE_REQ) or the session ends.
pub(crate) async fn run(
    mut session: Session,
    mut recorder: Recorder,
    version: u32,
    tx: mpsc::Sender<Batch>,
    metrics: Arc<SourceMetrics>,
    mut stop: watch::Receiver<bool>,
) {
    let mut lost: Option<(u64, u64)> = None;
    // Side and session number as the updates tell them (the client's status may be ahead of the update).
    let mut side = "-";
    let mut sessions = 0;
    loop {
        let update = tokio::select! {
            u = session.next() => u,
            () = async { let _ = stop.wait_for(|s| *s).await; } => {
                session.close().await;
                // What the close produced (DISCONNECTED is not reported for a close; nothing else matters).
                return;
            }
        };
        let Some(u) = update else { return };
        match &u.kind {
            UpdateKind::Client(ClientEvent::Message(m)) => metrics.event_in(m.name()),
            UpdateKind::Client(ClientEvent::Connected { side: s, .. }) => {
                metrics.sessions_opened.inc();
                sessions += 1;
                side = s.name();
            }
            _ => {}
        }
        let ctx = Context {
            side,
            session: sessions,
            version,
        };
        let batch = recorder.batch(&u, session.model(), ctx);
        if matches!(
            u.kind,
            UpdateKind::Client(ClientEvent::Disconnected { .. } | ClientEvent::Stopped(_))
        ) {
            side = "-";
        }
        if batch.is_empty() {
            continue;
        }
        if let Some((from, to)) = lost {
            let mut gap = recorder.gap(from, to, SystemTime::now(), ctx);
            // The KV writes of the lost records are lost too: write the whole state again with the gap.
            let gap_seq = last_seq(&gap, to);
            gap.kv = recorder.resync(session.model(), gap_seq);
            match tx.try_send(gap) {
                Ok(()) => {
                    tracing::warn!(
                        "{}: NATS buffer overflowed: records {from}..={to} lost (gap record published)",
                        session.source()
                    );
                    metrics.gaps.inc();
                    metrics.records_lost.add(to + 1 - from);
                    lost = None;
                }
                Err(mpsc::error::TrySendError::Full(g)) => lost = Some((from, last_seq(&g, to))),
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
        }
        match lost {
            Some((from, to)) => lost = Some((from, last_seq(&batch, to))),
            None => match tx.try_send(batch) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(b)) => {
                    let first = b.records.first().map_or(recorder.next_seq(), |r| r.seq);
                    lost = Some((first, last_seq(&b, first)));
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            },
        }
    }
}

fn last_seq(b: &Batch, or: u64) -> u64 {
    b.records.last().map_or(or, |r| r.seq)
}
