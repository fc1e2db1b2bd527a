//! One source: its [`Session`] turned into batches for the publisher. The CTI session never waits for NATS:
//! when the publisher's buffer (see [`crate::buffer`]) is full, the batch is dropped, its sequence range and KV
//! keys remembered ([`crate::lost`]), and a `session.gap` record saying so goes out, with those keys written
//! again from the model, as soon as there is room for both.

use std::sync::Arc;
use std::time::SystemTime;

use cti_client::{ClientEvent, ClientStatus};
use cti_model::Snapshot;
use cti_session::{Session, UpdateKind};
use tokio::sync::{mpsc, oneshot, watch};

use crate::buffer::{self, BufferTx, Refused};
use crate::live::{self, LiveFeed};
use crate::lost::{self, Lost};
use crate::metrics::SourceMetrics;
use crate::records::{Batch, Context, Recorder};

/// A question to a running source (answered between updates).
#[derive(Debug)]
pub(crate) enum Query {
    /// The model's calls and agents now, the client's status, and the `Cti-Seq` of the next record.
    Snapshot(oneshot::Sender<SourceState>),
}

/// A source's state between two updates: every record numbered below `next_seq` is in `snapshot`, every record
/// from `next_seq` on comes after it.
#[derive(Debug, Clone)]
pub(crate) struct SourceState {
    pub snapshot: Snapshot,
    pub status: ClientStatus,
    pub next_seq: u64,
}

impl SourceState {
    /// The state of a source without a session (standby): empty, and every record to come is new.
    pub(crate) fn empty() -> Self {
        SourceState {
            snapshot: cti_model::Model::default().snapshot(),
            status: ClientStatus::default(),
            next_seq: 0,
        }
    }
}

/// Where a source's CTI session is, as the HTTP endpoints show it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStatus {
    /// `leader` (this gateway holds the source's CTI session) or `standby` (another gateway of the HA pair does).
    pub role: &'static str,
    /// A CTI session is open.
    pub connected: bool,
    /// Its side ("A", "B"), or "-".
    pub side: &'static str,
    /// CTI sessions opened since the gateway started.
    pub sessions: u64,
}

/// What a source task needs besides its session.
pub(crate) struct Wiring<'a> {
    pub tx: BufferTx,
    pub metrics: Arc<SourceMetrics>,
    pub stop: watch::Receiver<bool>,
    pub queries: &'a mut mpsc::Receiver<Query>,
    pub status: &'a watch::Sender<SourceStatus>,
    pub live: LiveFeed,
}

/// Runs until `stop` turns true (then CLOSE_REQ) or the session ends.
pub(crate) async fn run(
    mut session: Session,
    mut recorder: Recorder,
    version: u32,
    wiring: Wiring<'_>,
) {
    let Wiring {
        tx,
        metrics,
        mut stop,
        queries,
        status,
        live,
    } = wiring;
    let name: Arc<str> = Arc::from(session.source());
    let mut sessions = status.borrow().sessions;
    let mut lost: Option<Lost> = None;
    // What the last gap record with a whole-state rewrite weighed: the room to wait for before building the next
    // one (building walks the whole model, so it is not tried on every update while there is too little room).
    let mut whole_weight = 1;
    // Side and session number as the updates tell them (the client's status may be ahead of the update).
    let mut side = "-";
    loop {
        let update = tokio::select! {
            u = session.next() => u,
            () = async { let _ = stop.wait_for(|s| *s).await; } => None,
            Some(Query::Snapshot(reply)) = queries.recv() => {
                let _ = reply.send(SourceState {
                    snapshot: session.model().snapshot(),
                    status: session.status(),
                    next_seq: recorder.next_seq(),
                });
                continue;
            }
        };
        let Some(u) = update else {
            // Stopping (or the session ended): a range still unreported is reported now, waiting for room.
            session.close().await;
            if let Some(l) = &lost {
                let ctx = Context {
                    side,
                    session: sessions,
                    version,
                };
                let mut gap = recorder.gap(l.from, l.to, SystemTime::now(), ctx);
                gap.kv = l.repair(&recorder, session.model(), last_seq(&gap, l.to));
                live::send(&live, &name, &gap);
                if tx.send(gap).await.is_ok() {
                    metrics.gaps.inc();
                }
            }
            return;
        };
        match &u.kind {
            UpdateKind::Client(ClientEvent::Message(m)) => metrics.event_in(m.name()),
            UpdateKind::Client(ClientEvent::Connected { side: s, .. }) => {
                metrics.sessions_opened.inc();
                sessions += 1;
                side = s.name();
                status.send_modify(|st| {
                    st.connected = true;
                    st.side = side;
                    st.sessions = sessions;
                });
            }
            UpdateKind::Client(
                ClientEvent::Disconnected { .. }
                | ClientEvent::Stopped(_)
                | ClientEvent::Overflow { .. },
            ) => {
                status.send_modify(|st| {
                    st.connected = false;
                    st.side = "-";
                });
            }
            _ => {}
        }
        let ctx = Context {
            side,
            session: sessions,
            version,
        };
        // A range still unreported goes first, so that sequence numbers stay in order in the stream; only once the
        // buffer is half empty with room for it (this task is the only sender, so room seen here stays), since
        // the repair walks the model.
        let mut repaired = false;
        if let Some(l) = lost
            .as_mut()
            .filter(|l| tx.room_after_overflow(l.weight(whole_weight)))
        {
            let (from, to) = (l.from, l.to);
            let mut gap = recorder.gap(from, to, SystemTime::now(), ctx);
            // The KV writes of the lost records are lost too: write their keys again from the model with the gap.
            let gap_seq = last_seq(&gap, to);
            gap.kv = l.repair(&recorder, session.model(), gap_seq);
            if l.whole() {
                whole_weight = buffer::weight(&gap);
            }
            // A gap record that finds no room is numbered again later: the live feed gets only the one stored.
            let for_live = Batch {
                records: gap.records.clone(),
                kv: Vec::new(),
            };
            match tx.try_send(gap) {
                Ok(()) => {
                    live::send(&live, &name, &for_live);
                    tracing::warn!(
                        "{}: NATS buffer overflowed: records {from}..={to} lost (gap record published)",
                        session.source()
                    );
                    metrics.gaps.inc();
                    repaired = true;
                }
                Err(Refused::Full(g)) => {
                    metrics.records_lost.add(count(&g));
                    l.add(&g);
                }
                Err(Refused::Closed) => return,
            }
        }
        if repaired {
            lost = None;
        }
        let batch = recorder.batch(&u, session.model(), ctx);
        // The live feed gets every record at once, whether or not the publisher has room for it.
        live::send(&live, &name, &batch);
        if matches!(
            u.kind,
            UpdateKind::Client(ClientEvent::Disconnected { .. } | ClientEvent::Stopped(_))
        ) {
            side = "-";
        }
        if batch.is_empty() {
            continue;
        }
        match &mut lost {
            Some(l) => {
                metrics.records_lost.add(count(&batch));
                l.add(&batch);
            }
            None => match tx.try_send(batch) {
                Ok(()) => {}
                Err(Refused::Full(b)) => {
                    metrics.records_lost.add(count(&b));
                    let first = b.records.first().map_or(recorder.next_seq(), |r| r.seq);
                    let mut l = Lost::new(first, tx.size().max(lost::KEYS_MIN));
                    l.add(&b);
                    lost = Some(l);
                }
                Err(Refused::Closed) => return,
            },
        }
    }
}

fn count(b: &Batch) -> u64 {
    u64::try_from(b.records.len()).unwrap_or(u64::MAX)
}

fn last_seq(b: &Batch, or: u64) -> u64 {
    b.records.last().map_or(or, |r| r.seq)
}
