//! Calls that began while no session was open (rules in the crate docs, "Calls that began unseen").
//!
//! An ALL_EVENTS session is not re-sent BEGIN_CALL_EVENTs after a reconnect, so a call that began during the
//! outage shows up only through its other events, its END_CALL_EVENT, or a SNAPSHOT_DEVICE_CONF of an agent's
//! device. Once a session has opened, such a call is created as *discovered* ([`Change::CallDiscovered`]) rather
//! than waited for forever.

use std::time::Duration;

use crate::call::{Call, CallState, Patch};
use crate::change::Change;
use crate::key::CallKey;
use crate::model::Model;

impl Model {
    /// A call the server reported at `now` without the model having seen it (e.g. listed by a
    /// SNAPSHOT_DEVICE_CONF of an agent's device after a reconnect): it is discovered ([`Change::CallDiscovered`],
    /// `by` = `SNAPSHOT_DEVICE_CONF`) with what the report says — its peripheral, the state of the device's
    /// connection and the device — merged with any data events already brought for it. False (nothing emitted)
    /// when the call is live already, or ended (an END_CALL_EVENT processed before the report is newer).
    pub fn discover_call(
        &mut self,
        key: &CallKey,
        peripheral_id: u32,
        state: Option<CallState>,
        device: Option<&str>,
        now: Duration,
        out: &mut Vec<Change>,
    ) -> bool {
        if self.calls.contains_key(key) || self.ended.contains_key(key) {
            return false;
        }
        let patch = Patch {
            peripheral_id: Some(peripheral_id),
            state,
            devices: device
                .filter(|d| !d.is_empty())
                .map(str::to_owned)
                .into_iter()
                .collect(),
            ..Patch::default()
        };
        self.discover(key.clone(), &patch, now, "SNAPSHOT_DEVICE_CONF", false, out);
        true
    }

    /// Live calls first seen without their BEGIN_CALL_EVENT, sorted by key.
    pub fn discovered_calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().filter(|c| c.discovered)
    }

    /// An END_CALL_EVENT for a key never seen: the call is discovered now (with any pending data), so that its
    /// end can be reported.
    pub(crate) fn discover_unseen(
        &mut self,
        key: &CallKey,
        peripheral_id: u32,
        now: Duration,
        by: &'static str,
        out: &mut Vec<Change>,
    ) {
        let patch = Patch {
            peripheral_id: Some(peripheral_id),
            ..Patch::default()
        };
        self.discover(key.clone(), &patch, now, by, false, out);
    }

    /// Pending keys whose BEGIN_CALL_EVENT did not come within `discover_after` are discovered.
    pub(crate) fn tick_discoveries(&mut self, now: Duration, out: &mut Vec<Change>) {
        while let Some((at, _)) = self.discover_queue.front() {
            if *at > now {
                break;
            }
            let Some((_, key)) = self.discover_queue.pop_front() else {
                break;
            };
            let due = self
                .pending
                .get(&key)
                .is_some_and(|p| p.first_seen.saturating_add(self.cfg.discover_after) <= now);
            if due && !self.calls.contains_key(&key) {
                let by = self.pending.get(&key).map_or("", |p| p.by);
                self.discover(key, &Patch::default(), now, by, true, out);
            }
        }
    }

    /// When the next pending key is due for discovery.
    pub(crate) fn next_discovery(&self) -> Option<Duration> {
        self.discover_queue.front().map(|(at, _)| *at)
    }

    /// Creates the discovered call `key` from its pending data (first seen then) and `extra` on top; with
    /// `follow_rekey` a re-key kept with the pending data is applied (as a BEGIN_CALL_EVENT would).
    fn discover(
        &mut self,
        key: CallKey,
        extra: &Patch,
        now: Duration,
        by: &'static str,
        follow_rekey: bool,
        out: &mut Vec<Change>,
    ) {
        self.forget_ended(&key);
        let pending = self.pending.remove(&key);
        let first_seen = pending.as_ref().map_or(now, |p| p.first_seen);
        let mut call = Call::new(key, first_seen);
        call.updated_at = now;
        call.discovered = true;
        if let Some(p) = pending {
            call.merge(&p.patch);
            if let Some(to) = p
                .rekey_to
                .filter(|to| follow_rekey && !self.calls.contains_key(to))
            {
                self.forget_ended(&to);
                if let Some(more) = self.pending.remove(&to) {
                    call.merge(&more.patch);
                }
                call.key = to;
            }
        }
        call.merge(extra);
        let (known, unknown) = call.known_fields();
        let key = call.key.clone();
        self.calls.insert(key.clone(), call);
        out.push(Change::CallDiscovered {
            key,
            by,
            after_outage: self.sessions > 1,
            known,
            unknown,
        });
    }
}
