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
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            reannounce_window: Duration::from_secs(10),
            max_pending: 10_000,
            max_ended: 10_000,
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
}

/// The model of calls and agents. Pure: time is passed in as a `Duration` since any fixed origin.
#[derive(Debug, Clone)]
pub struct Model {
    pub(crate) cfg: ModelConfig,
    pub(crate) calls: BTreeMap<CallKey, Call>,
    pub(crate) pending: BTreeMap<CallKey, Pending>,
    ended: BTreeMap<CallKey, u64>,
    ended_order: VecDeque<(u64, CallKey)>,
    ended_seq: u64,
    agents: Agents,
    pub(crate) peripherals: BTreeMap<u32, bool>,
    pub(crate) reannounce_deadline: Option<Duration>,
    /// Live calls with `awaiting_reannouncement` set (kept so [`Model::next_deadline`] is O(1) per event).
    pub(crate) awaiting: usize,
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
            reannounce_deadline: None,
            awaiting: 0,
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
        match input {
            Input::Begin { key, patch } => self.begin(key, &patch, now, out),
            Input::End { key } => self.end(&key, out),
            Input::Update {
                key,
                new_key,
                patch,
            } => self.update(key, new_key, patch, now, out),
            Input::Event { key, patch } => self.update(key, None, patch, now, out),
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
            if changed {
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

    fn end(&mut self, key: &CallKey, out: &mut Vec<Change>) {
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
        } else {
            self.pending.remove(key);
        }
        self.remember_ended(key.clone());
    }

    fn update(
        &mut self,
        key: CallKey,
        new_key: Option<CallKey>,
        patch: Patch,
        now: Duration,
        out: &mut Vec<Change>,
    ) {
        if self.ended.contains_key(&key) {
            return;
        }
        let online = patch
            .peripheral_id
            .and_then(|p| self.peripherals.get(&p).copied());
        let Some(call) = self.calls.get_mut(&key) else {
            self.add_pending(key, new_key, patch, now);
            return;
        };
        let mut changed = call.merge(&patch);
        if call.uncertain && online == Some(true) {
            // Normal event reporting continued after the peripheral returned: the call lingered and is alive.
            call.uncertain = false;
            changed = true;
        }
        if changed {
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

    fn add_pending(&mut self, key: CallKey, new_key: Option<CallKey>, patch: Patch, now: Duration) {
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
        self.pending.insert(
            key,
            Pending {
                patch,
                rekey_to: new_key,
                first_seen: now,
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

    fn forget_ended(&mut self, key: &CallKey) {
        self.ended.remove(key);
    }
}
