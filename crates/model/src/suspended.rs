//! Calls a peripheral outage suspended (rules in the crate docs, "Failures"): END_CALL_EVENTs that arrive while
//! their peripheral is offline hold the call; a BEGIN_CALL_EVENT after the peripheral returns resumes it; the
//! others end once the resume window after the return has passed.

use std::time::Duration;

use crate::call::Call;
use crate::change::{Change, EndReason};
use crate::model::Model;

impl Model {
    /// Live calls held by an END_CALL_EVENT that arrived while their peripheral was offline, sorted by key.
    pub fn suspended_calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values().filter(|c| c.suspended_since.is_some())
    }

    /// The peripheral's status changed: back online, its suspended calls get until `now + resume_window` to be
    /// resumed; offline again, the window is off until the next return.
    pub(crate) fn peripheral_changed(&mut self, peripheral_id: u32, online: bool, now: Duration) {
        if !online {
            self.resume_deadlines.remove(&peripheral_id);
            return;
        }
        let any = self
            .calls
            .values()
            .any(|c| c.peripheral_id == peripheral_id && c.suspended_since.is_some());
        if any {
            let at = now.saturating_add(self.cfg.resume_window);
            self.resume_deadlines.insert(peripheral_id, at);
        }
    }

    /// Ends the suspended calls of every peripheral whose resume window has passed (`now >= deadline`).
    pub(crate) fn tick_resume(&mut self, now: Duration, out: &mut Vec<Change>) {
        let due: Vec<u32> = self
            .resume_deadlines
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(p, _)| *p)
            .collect();
        for p in due {
            self.resume_deadlines.remove(&p);
            let gone: Vec<_> = self
                .calls
                .values()
                .filter(|c| c.peripheral_id == p && c.suspended_since.is_some())
                .map(|c| c.key.clone())
                .collect();
            for key in gone {
                self.end_call(&key, EndReason::PeripheralOffline, out);
            }
        }
    }

    /// The earliest resume window to close.
    pub(crate) fn next_resume_deadline(&self) -> Option<Duration> {
        self.resume_deadlines.values().min().copied()
    }
}
