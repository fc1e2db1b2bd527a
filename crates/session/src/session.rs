//! [`Session`]: one CTI Server pair's whole consumer path — client, model, reconciliation — behind one
//! `next().await`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use cti_client::{Client, ClientConfig, ClientError, ClientEvent, ClientStatus, Events, Side};
use cti_model::{Change, Model, ModelConfig};
use cti_proto::constants::ServiceMask;
use serde_json::Value;
use tokio::time::Instant;

use crate::devices::DeviceAsk;
use crate::reconcile::{Cause, ReconcileConfig, Reconciler, Reply, worth_reconciling};
use crate::update::{Update, UpdateKind};

/// Settings of a [`Session`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionConfig {
    /// The name a user gives this CTI Server pair (e.g. `pg1`), carried by every [`Update`] and, when not
    /// empty, by every JSON line as `"source"`. Default empty.
    pub source: String,
    /// The client: sides, protocol version, services, masks, heartbeats, credentials, queue size.
    pub client: ClientConfig,
    /// The call model's settings (re-announcement window, bounds).
    pub model: ModelConfig,
    /// Reconciliation by snapshot after reconnects and peripheral returns.
    pub reconcile: ReconcileConfig,
}

impl SessionConfig {
    /// A session named `source` with the client `client` and default model and reconciliation settings.
    pub fn new(source: impl Into<String>, client: ClientConfig) -> Self {
        SessionConfig {
            source: source.into(),
            client,
            model: ModelConfig::default(),
            reconcile: ReconcileConfig::default(),
        }
    }
}

/// One CTI Server pair's consumer path: the guideline-following [`Client`], its event stream, the call and agent
/// [`Model`] and the reconciler, driven by [`Session::next`].
///
/// Each [`Update`] carries the client event (server message or lifecycle) or the reconciliation step that
/// happened and the model changes it caused, in order. Model time is tokio time since the session started, so
/// re-announcement windows expire by themselves (no `tick` to remember) and tests run on virtual time. After
/// every reconnect of an ALL_EVENTS + CLIENT_CONTROL session, and whenever a peripheral comes back online, the
/// session asks the server about the calls in doubt (SNAPSHOT_CALL_REQ, a bounded number in flight) and
/// reports each outcome; after a reconnect it also asks each known agent's device (SNAPSHOT_DEVICE_REQ) and
/// discovers the calls that began while no session was open.
#[derive(Debug)]
pub struct Session {
    source: Arc<str>,
    client: Client,
    events: Events,
    model: Model,
    reconcile: ReconcileConfig,
    reconciler: Reconciler,
    start: Instant,
    /// Updates made and not handed out yet: at most the few that one event causes.
    queue: VecDeque<Update>,
    /// The model's changes for the update being made.
    scratch: Vec<Change>,
    seq: u64,
    side: Option<Side>,
    granted: ServiceMask,
    ended: bool,
}

impl Session {
    /// Checks the configuration and starts the client (inside a tokio runtime); it connects by the 17-step Side
    /// A/B algorithm. Nothing happens until [`Session::next`] is awaited, apart from the client connecting.
    pub fn start(cfg: SessionConfig) -> Result<Session, ClientError> {
        let (client, events) = Client::start(cfg.client)?;
        Ok(Session {
            source: cfg.source.into(),
            client,
            events,
            model: Model::new(cfg.model),
            reconciler: Reconciler::new(cfg.reconcile.max_in_flight),
            reconcile: cfg.reconcile,
            start: Instant::now(),
            queue: VecDeque::new(),
            scratch: Vec::new(),
            seq: 0,
            side: None,
            granted: ServiceMask(0),
            ended: false,
        })
    }

    /// The next update; `None` once the client has stopped and every update was handed out. Cancel-safe: it
    /// may be raced against timers and key presses in a `select!`.
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            if let Some(u) = self.queue.pop_front() {
                return Some(u);
            }
            if self.ended {
                return None;
            }
            let wake = self.model.next_deadline().map(|d| self.start + d);
            tokio::select! {
                () = async {
                    match wake {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {
                    let now = self.elapsed();
                    self.model.tick(now, &mut self.scratch);
                    if !self.scratch.is_empty() {
                        self.push(UpdateKind::Deadline, now);
                    }
                }
                e = self.events.next() => match e {
                    Some(e) => self.client_event(e),
                    None => self.ended = true,
                },
                Some(reply) = self.reconciler.next_reply() => {
                    let now = self.elapsed();
                    match reply {
                        Reply::Call(answer) => {
                            let applied = answer.settle(&mut self.model, now, &mut self.scratch);
                            self.push(UpdateKind::Reconciled { answer, applied }, now);
                        }
                        Reply::Device(answer) => {
                            let discovered = answer.settle(&mut self.model, now, &mut self.scratch);
                            self.push(UpdateKind::DeviceReconciled { answer, discovered }, now);
                        }
                    }
                }
            }
        }
    }

    fn client_event(&mut self, e: ClientEvent) {
        let now = self.elapsed();
        let mut opened = None;
        match &e {
            ClientEvent::Message(m) => self.model.apply(m, now, &mut self.scratch),
            ClientEvent::Connected {
                side,
                services_granted,
                ..
            } => {
                self.model.session_opened(now);
                self.side = Some(*side);
                self.granted = *services_granted;
                opened = Some(*side);
            }
            ClientEvent::Disconnected { .. } | ClientEvent::Stopped(_) => {
                self.model.connection_lost(now);
                self.side = None;
                self.granted = ServiceMask(0);
            }
            _ => {}
        }
        let returned: Vec<u32> = self
            .scratch
            .iter()
            .filter_map(|c| match c {
                Change::PeripheralStatus {
                    peripheral_id,
                    online: true,
                } => Some(*peripheral_id),
                _ => None,
            })
            .collect();
        self.push(UpdateKind::Client(e), now);
        if let Some(side) = opened {
            // An ALL_EVENTS session is not re-sent BEGIN_CALL_EVENTs: ask about the calls known before, and ask
            // each known agent's device for calls that began while no session was open.
            self.reconcile(Cause::Reconnect(side), now);
            self.reconcile_devices(side, now);
        }
        for id in returned {
            self.reconcile(Cause::PeripheralOnline(id), now);
        }
    }

    fn reconcile(&mut self, cause: Cause, now: Duration) {
        let Some(side) = self.side else { return };
        if !self.reconcile.enabled || !worth_reconciling(self.granted) {
            return;
        }
        let calls = Reconciler::calls_for(&self.model, cause);
        if calls.is_empty() {
            return;
        }
        let calls = self.reconciler.ask(&self.client, calls, cause);
        self.push(UpdateKind::Reconciling { cause, side, calls }, now);
    }

    fn reconcile_devices(&mut self, side: Side, now: Duration) {
        if !self.reconcile.enabled || !worth_reconciling(self.granted) {
            return;
        }
        let devices = DeviceAsk::all(&self.model);
        if devices.is_empty() {
            return;
        }
        let devices = self.reconciler.ask_devices(&self.client, devices);
        self.push(UpdateKind::ReconcilingDevices { side, devices }, now);
    }

    fn push(&mut self, kind: UpdateKind, at: Duration) {
        self.seq += 1;
        self.queue.push_back(Update {
            source: Arc::clone(&self.source),
            seq: self.seq,
            at,
            received: SystemTime::now(),
            kind,
            changes: std::mem::take(&mut self.scratch),
        });
    }

    /// The JSON lines of an update just returned by [`Session::next`] (see [`Update::lines`]).
    pub fn lines(&self, update: &Update) -> Vec<Value> {
        update.lines(&self.model)
    }

    /// The call and agent model as of the last update handed out.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The client, for requests (agent and call control, snapshots, ...). Cheap to clone.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The client's session state now (side, since, services granted, heartbeats, outstanding requests).
    pub fn status(&self) -> ClientStatus {
        self.client.status()
    }

    /// The source label.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Model time: since the session started.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    /// Closes the CTI session (CLOSE_REQ, at most 5 s for CLOSE_CONF) and stops the client; [`Session::next`]
    /// then hands out what is left and returns `None`.
    pub async fn close(&self) {
        self.client.close().await;
    }
}
