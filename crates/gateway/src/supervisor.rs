//! One source over time: (as standby, until its lease is won) → leader: the CTI session, its publisher and
//! control, numbered on from the last `Cti-Seq` in the stream → until the gateway stops (CLOSE_REQ, the rest
//! published, the lease given up) or the lease is lost (the session closed, back to standby).

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream;
use cti_session::{Session, SessionConfig};
use tokio::sync::{mpsc, watch};

use crate::config::{HaConfig, SourceConfig};
use crate::lease::{LEASES_BUCKET, Lease};
use crate::live::LiveFeed;
use crate::metrics::SourceMetrics;
use crate::records::Recorder;
use crate::source::{Query, SourceState, SourceStatus, Wiring};
use crate::{buffer, control, publisher, source};

/// Everything one source's supervisor owns.
pub(crate) struct Runner {
    pub js: jetstream::Context,
    pub nats: async_nats::Client,
    pub cfg: SourceConfig,
    pub stream: String,
    pub buffer: usize,
    pub ha: Option<HaConfig>,
    pub metrics: Arc<SourceMetrics>,
    pub status: watch::Sender<SourceStatus>,
    pub queries: mpsc::Receiver<Query>,
    pub stop: watch::Receiver<bool>,
    pub live: LiveFeed,
}

/// The last `Cti-Seq` the stream holds for `source` (0 when none).
pub(crate) async fn last_seq(js: &jetstream::Context, stream: &str, source: &str) -> u64 {
    let Ok(stream) = js.get_stream(stream).await else {
        return 0;
    };
    match stream
        .get_last_raw_message_by_subject(&format!("cti.{source}.>"))
        .await
    {
        Ok(m) => m
            .headers
            .get("Cti-Seq")
            .and_then(|v| v.as_str().parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}

pub(crate) async fn supervise(mut r: Runner) {
    let name = r.cfg.name.clone();
    loop {
        let lease = match r.ha.clone() {
            Some(ha) => match standby(&mut r, &ha).await {
                Some(l) => Some((l, ha)),
                None => return,
            },
            None => None,
        };
        r.status.send_modify(|s| s.role = "leader");
        let next = last_seq(&r.js, &r.stream, &name).await + 1;
        tracing::info!("{name}: leading (Cti-Seq from {next})");
        let session = match Session::start(SessionConfig::new(name.clone(), r.cfg.client.clone())) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!("{name}: the client cannot start: {e}");
                return;
            }
        };
        let control = r.cfg.control.then(|| {
            tokio::spawn(control::serve(
                r.nats.clone(),
                name.clone(),
                session.client().clone(),
            ))
        });
        let (tx, rx) = buffer::buffer(r.buffer, Arc::clone(&r.metrics));
        let publisher = tokio::spawn(publisher::run(
            r.js.clone(),
            (r.stream.clone(), name.clone()),
            rx,
            Arc::clone(&r.metrics),
        ));
        let (local_stop, local_stop_rx) = watch::channel(false);
        let wiring = Wiring {
            tx,
            metrics: Arc::clone(&r.metrics),
            stop: local_stop_rx,
            queries: &mut r.queries,
            status: &r.status,
            live: r.live.clone(),
        };
        let mut recorder = Recorder::new(name.clone(), next);
        if r.cfg.raw_frames {
            recorder = recorder.with_raw_frames(r.cfg.client.version);
        }
        let run = source::run(session, recorder, r.cfg.client.version, wiring);
        tokio::pin!(run);
        let mut lease = lease;
        let mut lost = false;
        loop {
            let renew_every = lease
                .as_ref()
                .map_or(Duration::from_secs(3600), |(_, ha)| ha.lease() / 3);
            tokio::select! {
                () = &mut run => break,
                () = async { let _ = r.stop.wait_for(|s| *s).await; } => {
                    let _ = local_stop.send(true);
                    (&mut run).await;
                    break;
                }
                () = tokio::time::sleep(renew_every), if lease.is_some() => {
                    if let Some((l, ha)) = lease.as_mut()
                        && !l.renew(ha.lease() / 3).await
                    {
                        tracing::warn!("{name}: the lease was lost; closing the CTI session (standby)");
                        lost = true;
                        let _ = local_stop.send(true);
                        (&mut run).await;
                        break;
                    }
                }
            }
        }
        if let Some(c) = control {
            c.abort();
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), publisher).await;
        r.status.send_modify(|s| {
            s.connected = false;
            s.side = "-";
        });
        let stopping = *r.stop.borrow();
        if let Some((l, _)) = lease
            && (stopping || !lost)
        {
            l.release().await;
        }
        if stopping || r.ha.is_none() {
            return;
        }
    }
}

/// Waits as standby until the lease is won (`None` when the gateway stops first), answering queries with an
/// empty state meanwhile.
async fn standby(r: &mut Runner, ha: &HaConfig) -> Option<Lease> {
    r.status.send_modify(|s| s.role = "standby");
    let kv = loop {
        match r.js.get_key_value(LEASES_BUCKET).await {
            Ok(kv) => break kv,
            Err(e) => {
                tracing::warn!("{}: lease bucket: {e}", r.cfg.name);
                tokio::time::sleep(ha.lease() / 3).await;
            }
        }
    };
    loop {
        if let Some(l) = Lease::try_acquire(&kv, &r.cfg.name, &ha.instance).await {
            return Some(l);
        }
        tokio::select! {
            () = tokio::time::sleep(ha.lease() / 3) => {}
            () = async { let _ = r.stop.wait_for(|s| *s).await; } => return None,
            Some(Query::Snapshot(reply)) = r.queries.recv() => {
                let _ = reply.send(SourceState::empty());
            }
        }
    }
}
