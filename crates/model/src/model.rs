//! The [`Model`]: calls built from call events (rules in the crate docs, "Call rules").

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use cti_proto::Message;
use serde::Serialize;

use crate::agents::{Agent, Agents};
use crate::call::{Call, Patch};
use crate::change::{Change, EndReason};
use crate::events::{Input, read};
use crate::key::CallKey;

/// Settings of a [`Model`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    /// After a new session opens, how long calls known before have to be re-announced by a BEGIN_CALL_EVENT
    /// before they end as [`EndReason::LostDuringOutage`]. Default 10 s.
    pub reannounce_window: Duration,
    /// At most this many keys with pending data (events before their BEGIN_CALL_EVENT); the oldest is dropped
    /// beyond it. Default 10 000.
    pub max_pending: usize,
    /// At most this many ended keys are remembered (to ignore late events for them). Default 10 000.
    pub max_ended: usize,
    /// Once a session has opened, how long an event for a call not begun may wait for its BEGIN_CALL_EVENT
    /// (which may arrive a little later: "Message Order") before the call is taken as one that began unseen and
    /// is discovered ([`Change::CallDiscovered`]). Default 2 s.
    pub discover_after: Duration,
    /// After a peripheral returns (SYS_PERIPHERAL_ONLINE), how long its suspended calls wait to be resumed by a
    /// BEGIN_CALL_EVENT before they end as [`EndReason::PeripheralOffline`]. Default 15 s.
    pub resume_window: Duration,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            reannounce_window: Duration::from_secs(10),
            max_pending: 10_000,
            max_ended: 10_000,
            discover_after: Duration::from_secs(2),
            resume_window: Duration::from_secs(15),
        }
    }
}

/// Everything the model knows at one moment, sorted (calls by key, agents by id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// Live calls.
    pub calls: Vec<Call>,
    /// Known agents.
    pub agents: Vec<Agent>,
    /// Peripherals reported by SYSTEM_EVENT: id → online.
    pub peripherals: BTreeMap<u32, bool>,
}

/// Data for a key that has not begun yet.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub patch: Patch,
    pub rekey_to: Option<CallKey>,
    pub first_seen: Duration,
    /// The Cisco name of the first message that named the key.
    pub by: &'static str,
}

/// The model of calls and agents. Pure: time is passed in as a `Duration` since any fixed origin.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) cfg: ModelConfig,
    pub(crate) calls: BTreeMap<CallKey, Call>,
    pub(crate) pending: BTreeMap<CallKey, Pending>,
    pub(crate) ended: BTreeMap<CallKey, u64>,
    ended_order: VecDeque<(u64, CallKey)>,
    ended_seq: u64,
    agents: Agents,
    pub(crate) peripherals: BTreeMap<u32, bool>,
    /// The earliest `reannounce_by` of the calls awaiting re-announcement.
    pub(crate) reannounce_next: Option<Duration>,
    /// A session is open (between [`Model::session_opened`] and [`Model::connection_lost`]): calls end as lost
    /// only then, since no re-announcement can arrive without a session.
    pub(crate) connected: bool,
    /// Live calls with `awaiting_reannouncement` set (kept so [`Model::next_deadline`] is O(1) per event).
    pub(crate) awaiting: usize,
    /// Sessions opened so far: from the first, events for unknown calls may reveal calls that began unseen.
    pub(crate) sessions: u64,
    /// Pending keys in the order they were first seen, with the time they are discovered unless begun.
    pub(crate) discover_queue: VecDeque<(Duration, CallKey)>,
    /// Peripherals back online with suspended calls: when those not resumed end.
    pub(crate) resume_deadlines: BTreeMap<u32, Duration>,
}

impl Default for Model {
    fn default() -> Self {
        Model::new(ModelConfig::default())
    }
}

impl Model {
    /// An empty model.
    pub fn new(cfg: ModelConfig) -> Self {
        Model {
            cfg,
            calls: BTreeMap::new(),
            pending: BTreeMap::new(),
            ended: BTreeMap::new(),
            ended_order: VecDeque::new(),
            ended_seq: 0,
            agents: Agents::default(),
            peripherals: BTreeMap::new(),
            reannounce_next: None,
            connected: false,
            awaiting: 0,
            sessions: 0,
            discover_queue: VecDeque::new(),
            resume_deadlines: BTreeMap::new(),
        }
    }

    /// Applies one received message at time `now`, appending what changed to `out`. Messages the model does not
    /// use are ignored. An expired re-announcement window is handled first (as [`Model::tick`] would), so the
    /// outcome does not depend on how often `tick` is called.
    pub fn apply(&mut self, msg: &Message, now: Duration, out: &mut Vec<Change>) {
        self.tick(now, out);
        let Some(input) = read(msg) else {
            return;
        };
        let by = msg.name();
        match input {
            Input::Begin { key, patch } => self.begin(key, &patch, now, out),
            Input::End { key, peripheral_id } => self.end(&key, peripheral_id, now, out),
            Input::Update {
                key,
                new_key,
                patch,
            } => self.update(key, new_key, patch, now, by, out),
            Input::Event { key, patch } => self.update(key, None, patch, now, by, out),
            Input::Agent(a) => self.agents.apply(a, now, out),
            Input::System { id, arg1 } => self.system_event(id, arg1, now, out),
        }
    }

    /// Live calls, sorted by key.
    pub fn calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values()
    }

    /// One live call.
    pub fn call(&self, key: &CallKey) -> Option<&Call> {
        self.calls.get(key)
    }

    /// Known agents, sorted by id.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.agents.iter()
    }

    /// One agent by its key (AgentID, else extension, else instrument).
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.get(id)
    }

    /// What SYSTEM_EVENT last said of a peripheral (`None`: nothing yet).
    pub fn peripheral_online(&self, peripheral_id: u32) -> Option<bool> {
        self.peripherals.get(&peripheral_id).copied()
    }

    /// How many keys have data from events that arrived before their BEGIN_CALL_EVENT.
    pub fn pending_len(&self) -> usize {
        self.pending.len()
    }

    /// Everything the model knows now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            calls: self.calls.values().cloned().collect(),
            agents: self.agents.iter().cloned().collect(),
            peripherals: self.peripherals.clone(),
        }
    }

    fn begin(&mut self, key: CallKey, patch: &Patch, now: Duration, out: &mut Vec<Change>) {
        self.forget_ended(&key);
        if let Some(call) = self.calls.get_mut(&key) {
            // A duplicate, a re-announcement after a reconnect, or a resumption after a peripheral outage.
            let mut changed = call.merge(patch);
            changed |= std::mem::take(&mut call.uncertain);
            if std::mem::take(&mut call.awaiting_reannouncement) {
                self.awaiting = self.awaiting.saturating_sub(1);
                changed = true;
            }
            if let Some(since) = call.suspended_since.take() {
                call.updated_at = now;
                out.push(Change::CallResumed {
                    key,
                    gap: now.saturating_sub(since),
                });
            } else if changed {
                call.updated_at = now;
                out.push(Change::CallChanged(key));
            }
            return;
        }
        let mut call = Call::new(key, now);
        call.merge(patch);
        if let Some(pending) = self.pending.remove(&call.key) {
            call.merge(&pending.patch);
            if let Some(to) = pending.rekey_to.filter(|to| !self.calls.contains_key(to)) {
                self.forget_ended(&to);
                if let Some(more) = self.pending.remove(&to) {
                    call.merge(&more.patch);
                }
                call.key = to;
            }
        }
        let key = call.key.clone();
        self.calls.insert(key.clone(), call);
        out.push(Change::CallBegan(key));
    }

    fn end(&mut self, key: &CallKey, peripheral_id: u32, now: Duration, out: &mut Vec<Change>) {
        if !self.calls.contains_key(key) {
            if self.sessions == 0 || self.ended.contains_key(key) {
                // No session yet (a model fed without one), or a duplicate END_CALL_EVENT: nothing to report.
                self.pending.remove(key);
                self.remember_ended(key.clone());
                return;
            }
            // Never seen: it began while no session was open. Reported, not dropped.
            self.discover_unseen(key, peripheral_id, now, "END_CALL_EVENT", out);
        }
        let Some(call) = self.calls.get_mut(key) else {
            return;
        };
        if self.peripherals.get(&call.peripheral_id) == Some(&false) {
            if call.suspended_since.is_some() {
                return; // a repeated END_CALL_EVENT during the same outage
            }
            // The server may end calls only because their peripheral went offline: hold it.
            call.uncertain = true;
            call.suspended_since = Some(now);
            call.updated_at = now;
            out.push(Change::CallSuspended(key.clone()));
            return;
        }
        if let Some(call) = self.calls.remove(key) {
            self.awaiting = self
                .awaiting
                .saturating_sub(usize::from(call.awaiting_reannouncement));
            let reason = if call.uncertain {
                EndReason::PeripheralOffline
            } else {
                EndReason::EndCall
            };
            out.push(Change::CallEnded {
                key: key.clone(),
                reason,
            });
        }
        self.remember_ended(key.clone());
    }

    fn update(
        &mut self,
        key: CallKey,
        new_key: Option<CallKey>,
        patch: Patch,
        now: Duration,
        by: &'static str,
        out: &mut Vec<Change>,
    ) {
        if self.ended.contains_key(&key) {
            return;
        }
        let online = patch
            .peripheral_id
            .and_then(|p| self.peripherals.get(&p).copied());
        let Some(call) = self.calls.get_mut(&key) else {
            self.add_pending(key, new_key, patch, now, by);
            return;
        };
        let mut changed = call.merge(&patch);
        let mut resumed = None;
        if call.uncertain && online == Some(true) {
            // Normal event reporting continued after the peripheral returned: the call lingered and is alive.
            call.uncertain = false;
            resumed = call.suspended_since.take();
            changed = true;
        }
        if let Some(since) = resumed {
            call.updated_at = now;
            out.push(Change::CallResumed {
                key: key.clone(),
                gap: now.saturating_sub(since),
            });
        } else if changed {
            call.updated_at = now;
            out.push(Change::CallChanged(key.clone()));
        }
        let Some(to) = new_key.filter(|to| !self.calls.contains_key(to)) else {
            return;
        };
        if let Some(mut call) = self.calls.remove(&key) {
            self.forget_ended(&to);
            if let Some(more) = self.pending.remove(&to) {
                call.merge(&more.patch);
            }
            call.key = to.clone();
            call.updated_at = now;
            self.calls.insert(to.clone(), call);
            out.push(Change::CallRekeyed { from: key, to });
        }
    }

    fn add_pending(
        &mut self,
        key: CallKey,
        new_key: Option<CallKey>,
        patch: Patch,
        now: Duration,
        by: &'static str,
    ) {
        if let Some(p) = self.pending.get_mut(&key) {
            p.patch.then(patch);
            if new_key.is_some() {
                p.rekey_to = new_key;
            }
            return;
        }
        while self.pending.len() >= self.cfg.max_pending {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.first_seen)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => self.pending.remove(&k),
                None => return,
            };
        }
        if self.sessions > 0 {
            let at = now.saturating_add(self.cfg.discover_after);
            self.discover_queue.push_back((at, key.clone()));
        }
        self.pending.insert(
            key,
            Pending {
                patch,
                rekey_to: new_key,
                first_seen: now,
                by,
            },
        );
    }

    pub(crate) fn remember_ended(&mut self, key: CallKey) {
        if self.cfg.max_ended == 0 {
            return;
        }
        self.ended_seq = self.ended_seq.wrapping_add(1);
        self.ended.insert(key.clone(), self.ended_seq);
        self.ended_order.push_back((self.ended_seq, key));
        while self.ended_order.len() > self.cfg.max_ended {
            let Some((seq, k)) = self.ended_order.pop_front() else {
                break;
            };
            if self.ended.get(&k) == Some(&seq) {
                self.ended.remove(&k);
            }
        }
    }

    pub(crate) fn forget_ended(&mut self, key: &CallKey) {
        self.ended.remove(key);
    }
}
