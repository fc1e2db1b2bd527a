//! [`Tally`]: what the demo counts while it runs — events by type, the event rate, calls, failovers — and the
//! SUMMARY line made from it at the end.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use cti_model::{Change, EndReason};

/// Seconds of event-rate history kept (the dashboard's sparkline shows at most this many).
pub const RATE_HISTORY_SECS: usize = 120;

/// Counters of one demo run.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Tally {
    /// Server messages received, by message name.
    pub events_by_type: BTreeMap<String, u64>,
    /// Server messages received.
    pub events: u64,
    /// Calls the model began.
    pub calls_began: u64,
    /// Calls the model ended (for any reason).
    pub calls_ended: u64,
    /// Calls the model ended as "lost during outage": known before a reconnect and never accounted for after
    /// it. (The SUMMARY's `calls_lost` is measured against the simulator's own calls instead:
    /// [`crate::Demo::finish`].)
    pub calls_lost: u64,
    /// Calls first seen after a reconnect without their BEGIN_CALL_EVENT (`CALL_DISCOVERED` with
    /// `after_outage`): they began while no session was open.
    pub calls_discovered_after_outage: u64,
    /// Calls an END_CALL_EVENT suspended while their peripheral was offline.
    pub calls_suspended: u64,
    /// Suspended calls resumed after their peripheral returned.
    pub calls_resumed: u64,
    /// Calls the server reported gone after a reconnect ("ended during outage").
    pub calls_ended_during_outage: u64,
    /// Calls the server confirmed after a reconnect (SNAPSHOT_CALL_CONF).
    pub calls_confirmed: u64,
    /// Side failures injected.
    pub failovers: u64,
    /// For each failure survived: milliseconds from the injection to the next OPEN_CONF.
    pub reconnect_ms: Vec<f64>,
    /// Events per second: (second since the start, count), seconds without events left out.
    rate: VecDeque<(u64, u64)>,
}

impl Tally {
    /// A server message named `name` arrived `now` after the start.
    pub(crate) fn event(&mut self, name: &str, now: Duration) {
        self.events += 1;
        match self.events_by_type.get_mut(name) {
            Some(n) => *n += 1,
            None => {
                self.events_by_type.insert(name.to_owned(), 1);
            }
        }
        let second = now.as_secs();
        match self.rate.back_mut() {
            Some((s, n)) if *s == second => *n += 1,
            _ => self.rate.push_back((second, 1)),
        }
        while self
            .rate
            .front()
            .is_some_and(|(s, _)| *s + (RATE_HISTORY_SECS as u64) <= second)
        {
            self.rate.pop_front();
        }
    }

    /// A change of the call model.
    pub(crate) fn change(&mut self, c: &Change) {
        match c {
            Change::CallBegan(_) => self.calls_began += 1,
            Change::CallDiscovered { after_outage, .. } => {
                self.calls_discovered_after_outage += u64::from(*after_outage);
            }
            Change::CallSuspended(_) => self.calls_suspended += 1,
            Change::CallResumed { .. } => self.calls_resumed += 1,
            Change::CallEnded { reason, .. } => {
                self.calls_ended += 1;
                match reason {
                    EndReason::LostDuringOutage => self.calls_lost += 1,
                    EndReason::EndedDuringOutage => self.calls_ended_during_outage += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// Events per second over the `n` complete seconds before `now`, oldest first (zero where none came).
    pub fn rate(&self, now: Duration, n: usize) -> Vec<u64> {
        let n = n.min(RATE_HISTORY_SECS);
        let current = now.as_secs();
        let first = current.saturating_sub(n as u64);
        let mut out = vec![0; usize::try_from(current - first).unwrap_or(0)];
        for (s, count) in &self.rate {
            if *s >= first && *s < current {
                if let Some(slot) = usize::try_from(s - first).ok().and_then(|i| out.get_mut(i)) {
                    *slot = *count;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_fills_gaps_and_forgets_old_seconds() {
        let mut t = Tally::default();
        for ms in [100, 200, 2_500, 2_600, 2_700, 4_000] {
            t.event("BEGIN_CALL_EVENT", Duration::from_millis(ms));
        }
        assert_eq!(t.events, 6);
        assert_eq!(t.events_by_type["BEGIN_CALL_EVENT"], 6);
        // Seconds 0..5 complete at 5.2 s: second 4 is complete, second 5 is not.
        assert_eq!(t.rate(Duration::from_millis(5_200), 5), [2, 0, 3, 0, 1]);
        assert_eq!(t.rate(Duration::from_millis(5_200), 2), [0, 1]);
        assert_eq!(t.rate(Duration::from_millis(500), 10), Vec::<u64>::new());
        t.event("X", Duration::from_secs(200));
        assert_eq!(t.rate(Duration::from_secs(201), 3), [0, 0, 1]);
        assert_eq!(
            t.rate.len(),
            1,
            "history older than {RATE_HISTORY_SECS} s dropped"
        );
    }
}
