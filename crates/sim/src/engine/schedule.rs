//! The engine's timeline: a min-heap of scheduled steps keyed by (due time, insertion order), so steps due
//! at the same instant run in the order they were scheduled and a run is reproducible.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::Duration;

use super::AgentIndex;

/// Something that happens later. Steps never hold references: they name calls by ConnectionCallID and agents
/// by index, and check when they run that what they act on is still there (and, where a generation number is
/// carried, still in the same episode); a stale step does nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// The next generated inbound call (Poisson traffic); `generation` changes when the rate changes.
    Arrival { generation: u64 },
    /// A simulated agent answers the call ringing at its device.
    Answer { call: u32, agent: AgentIndex },
    /// The external party of an outbound or consult call answers.
    FarAnswer { call: u32 },
    /// The routing script / IVR attaches more data to a talking call (CALL_DATA_UPDATE_EVENT).
    DataUpdate { call: u32 },
    /// The simulated agent puts the call on hold (cancelled when a client controls the call).
    Hold { call: u32 },
    /// The simulated agent retrieves the call it held.
    Retrieve { call: u32 },
    /// The external party (caller or called number) hangs up.
    Hangup { call: u32 },
    /// The agent's wrap-up time is over.
    WrapEnd { agent: AgentIndex, generation: u32 },
    /// A queued call gives up.
    Abandon { call: u32 },
    /// An offline peripheral's linger time is over.
    LingerExpired { peripheral: usize, generation: u32 },
}

#[derive(Debug)]
struct Entry {
    at: Duration,
    seq: u64,
    step: Step,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The scheduled steps.
#[derive(Debug, Default)]
pub(super) struct Schedule {
    heap: BinaryHeap<Reverse<Entry>>,
    seq: u64,
}

impl Schedule {
    /// Schedules `step` at `at`.
    pub(super) fn push(&mut self, at: Duration, step: Step) {
        self.seq += 1;
        self.heap.push(Reverse(Entry {
            at,
            seq: self.seq,
            step,
        }));
    }

    /// The earliest step and its time, without removing it.
    pub(super) fn peek(&self) -> Option<(Duration, Step)> {
        self.heap.peek().map(|Reverse(e)| (e.at, e.step))
    }

    /// Removes and returns the earliest step if it is due at or before `now`.
    pub(super) fn pop_due(&mut self, now: Duration) -> Option<(Duration, Step)> {
        match self.heap.peek() {
            Some(Reverse(e)) if e.at <= now => self.heap.pop().map(|Reverse(e)| (e.at, e.step)),
            _ => None,
        }
    }

    /// Removes the earliest step (used to drop stale steps).
    pub(super) fn pop(&mut self) {
        self.heap.pop();
    }

    /// Number of scheduled steps (stale ones included).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut s = Schedule::default();
        s.push(Duration::from_secs(2), Step::Hangup { call: 2 });
        s.push(Duration::from_secs(1), Step::Hangup { call: 1 });
        s.push(Duration::from_secs(2), Step::Hangup { call: 3 });
        assert_eq!(
            s.peek(),
            Some((Duration::from_secs(1), Step::Hangup { call: 1 }))
        );
        assert_eq!(s.pop_due(Duration::from_millis(999)), None);
        let order: Vec<_> = std::iter::from_fn(|| s.pop_due(Duration::from_secs(5)))
            .map(|(_, st)| st)
            .collect();
        assert_eq!(
            order,
            vec![
                Step::Hangup { call: 1 },
                Step::Hangup { call: 2 },
                Step::Hangup { call: 3 }
            ]
        );
        assert_eq!(s.len(), 0);
    }
}
