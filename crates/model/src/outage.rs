//! Behaviour during failures (rules in the crate docs, "Failures").

use std::time::Duration;

use cti_proto::constants::{SYS_PERIPHERAL_OFFLINE, SYS_PERIPHERAL_ONLINE, SystemEventId};

use crate::call::Call;
use crate::change::{Change, EndReason};
use crate::key::CallKey;
use crate::model::Model;

impl Model {
    /// The session dropped: no events arrive until [`Model::session_opened`]. Nothing is ended here.
    pub fn connection_lost(&mut self, now: Duration) {
        let _ = now;
        self.connected = false;
    }

    /// A new session is open at `now`: every call known before must be re-announced by a BEGIN_CALL_EVENT before
    /// `now + reannounce_window`, else [`Model::tick`] ends it as [`EndReason::LostDuringOutage`]. A call already
    /// awaiting its re-announcement from an earlier session keeps that session's deadline while it lies ahead
    /// (a reconnect does not extend it); one whose deadline passed while no session was open gets a new window.
    pub fn session_opened(&mut self, now: Duration) {
        self.sessions = self.sessions.saturating_add(1);
        if self.sessions == 1 {
            // Data kept before the first session may now reveal calls that began unseen, too.
            let at = now.saturating_add(self.cfg.discover_after);
            self.discover_queue
                .extend(self.pending.keys().map(|k| (at, k.clone())));
        }
        self.connected = true;
        let fresh = now.saturating_add(self.cfg.reannounce_window);
        for call in self.calls.values_mut() {
            if !(call.awaiting_reannouncement && call.reannounce_by > now) {
                call.awaiting_reannouncement = true;
                call.reannounce_by = fresh;
            }
        }
        self.awaiting = self.calls.len();
        self.reannounce_next = self.earliest_reannouncement();
    }

    /// The earliest deadline of the calls awaiting re-announcement (a walk of the calls: done when a session
    /// opens and when a deadline is reached, not per event).
    fn earliest_reannouncement(&self) -> Option<Duration> {
        self.calls
            .values()
            .filter(|c| c.awaiting_reannouncement)
            .map(|c| c.reannounce_by)
            .min()
    }

    /// Does what is due at `now`: ends the calls not re-announced once the re-announcement deadline is reached
    /// (`now >= deadline`), discovers pending calls whose BEGIN_CALL_EVENT did not come within
    /// [`ModelConfig::discover_after`](crate::ModelConfig::discover_after), and ends suspended calls whose
    /// peripheral's resume window has passed.
    pub fn tick(&mut self, now: Duration, out: &mut Vec<Change>) {
        self.tick_reannounce(now, out);
        self.tick_discoveries(now, out);
        self.tick_resume(now, out);
    }

    fn tick_reannounce(&mut self, now: Duration, out: &mut Vec<Change>) {
        let Some(deadline) = self.reannounce_next.filter(|_| self.connected) else {
            return;
        };
        if now < deadline {
            return;
        }
        let lost: Vec<_> = self
            .calls
            .values()
            .filter(|c| c.awaiting_reannouncement && c.reannounce_by <= now)
            .map(|c| c.key.clone())
            .collect();
        self.awaiting = self.awaiting.saturating_sub(lost.len());
        for key in lost {
            self.calls.remove(&key);
            out.push(Change::CallEnded {
                key: key.clone(),
                reason: EndReason::LostDuringOutage,
            });
            self.remember_ended(key);
        }
        self.reannounce_next = self.earliest_reannouncement();
    }

    /// The calls a new session has not re-announced yet — for an ALL_EVENTS client, the ones to ask about with
    /// SNAPSHOT_CALL_REQ (then [`Model::confirm_call`] or [`Model::end_call`]).
    pub fn awaiting_reannouncement(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().filter(|c| c.awaiting_reannouncement)
    }

    /// The server confirmed at `now` that a call awaiting re-announcement continues (a SNAPSHOT_CALL_CONF for
    /// it): it is kept past the window, as a BEGIN_CALL_EVENT would keep it ([`Change::CallChanged`]). False
    /// (and nothing emitted) when the call is not live or was not awaiting re-announcement.
    pub fn confirm_call(&mut self, key: &CallKey, now: Duration, out: &mut Vec<Change>) -> bool {
        let Some(call) = self
            .calls
            .get_mut(key)
            .filter(|c| c.awaiting_reannouncement)
        else {
            return false;
        };
        call.awaiting_reannouncement = false;
        call.updated_at = now;
        self.awaiting = self.awaiting.saturating_sub(1);
        out.push(Change::CallChanged(key.clone()));
        true
    }

    /// The server reported that a live call no longer exists (e.g. SNAPSHOT_CALL_REQ refused with
    /// CF_INVALID_CSTA_CONNECTION_IDENTIFIER after a reconnect): it ends now with `reason`. False (and nothing
    /// emitted) when the call is not live.
    pub fn end_call(&mut self, key: &CallKey, reason: EndReason, out: &mut Vec<Change>) -> bool {
        let Some(call) = self.calls.remove(key) else {
            return false;
        };
        self.awaiting = self
            .awaiting
            .saturating_sub(usize::from(call.awaiting_reannouncement));
        out.push(Change::CallEnded {
            key: key.clone(),
            reason,
        });
        self.remember_ended(key.clone());
        true
    }

    /// The live calls of `peripheral_id` that a peripheral outage left uncertain (neither ended nor resumed by
    /// an event yet) — the ones to ask about with SNAPSHOT_CALL_REQ once the peripheral is back online.
    pub fn uncertain_calls(&self, peripheral_id: u32) -> impl Iterator<Item = &Call> {
        self.calls
            .values()
            .filter(move |c| c.uncertain && c.peripheral_id == peripheral_id)
    }

    /// The server confirmed at `now` that a call a peripheral outage left uncertain continues (a
    /// SNAPSHOT_CALL_CONF for it): normal reporting resumes, uncertain cleared ([`Change::CallChanged`], or
    /// [`Change::CallResumed`] for a suspended call). False (and nothing emitted) when the call is not live or
    /// not uncertain.
    pub fn resume_call(&mut self, key: &CallKey, now: Duration, out: &mut Vec<Change>) -> bool {
        let Some(call) = self.calls.get_mut(key).filter(|c| c.uncertain) else {
            return false;
        };
        call.uncertain = false;
        call.updated_at = now;
        match call.suspended_since.take() {
            Some(since) => out.push(Change::CallResumed {
                key: key.clone(),
                gap: now.saturating_sub(since),
            }),
            None => out.push(Change::CallChanged(key.clone())),
        }
        true
    }

    /// When [`Model::tick`] next has something to do: the re-announcement deadline while calls await it, the
    /// next pending call due for discovery, the next resume window to close.
    pub fn next_deadline(&self) -> Option<Duration> {
        [
            self.reannounce_next
                .filter(|_| self.awaiting > 0 && self.connected),
            self.next_discovery(),
            self.next_resume_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    pub(crate) fn system_event(
        &mut self,
        id: SystemEventId,
        peripheral_id: u32,
        now: Duration,
        out: &mut Vec<Change>,
    ) {
        let online = if id == SYS_PERIPHERAL_OFFLINE {
            false
        } else if id == SYS_PERIPHERAL_ONLINE {
            true
        } else {
            return;
        };
        if self.peripherals.insert(peripheral_id, online) != Some(online) {
            out.push(Change::PeripheralStatus {
                peripheral_id,
                online,
            });
            self.peripheral_changed(peripheral_id, online, now);
        }
        if online {
            return;
        }
        for call in self.calls.values_mut() {
            if call.peripheral_id == peripheral_id && !call.uncertain {
                call.uncertain = true;
                call.updated_at = now;
                out.push(Change::CallChanged(call.key.clone()));
            }
        }
    }
}
