//! Side A/B selection — the 17 steps of Cisco's client guidelines ("Side AB Selection TCP/IP Connections"):
//!
//! connect to the same side as the last successful connection (step 1), then the opposite side (2); wait a
//! random N seconds, 0 ≤ N ≤ expected clients / 10 (3–4); same, opposite (5–6); wait 15 s (7); same, opposite
//! (8–9); wait 30 s (10); same, opposite (11–12); wait 60 s (13); same, opposite (14–15); wait 120 s (16); repeat
//! 14–16 until connected (17).
//!
//! [`ConnectSchedule`] is a pure iterator of [`Step`]s with the random source injected, so the exact sequence
//! and timings are testable; the async runner only performs them. "Success" is an open session (OPEN_CONF), not
//! just a TCP connection: the runner calls [`ConnectSchedule::succeeded`] then, which also decides where the
//! next loss starts.

use std::time::Duration;

/// Side A or side B: one definition in cti-proto, shared with the simulator.
pub use cti_proto::Side;

/// One step of the algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Try to connect (and open a session) to this side.
    Attempt(Side),
    /// Wait this long before the next attempt.
    Wait(Duration),
}

/// The random source of step 3: an integer uniformly chosen in `0..=max`.
pub trait RandomSource {
    /// A uniformly chosen integer in `0..=max`.
    fn up_to(&mut self, max: u64) -> u64;
}

impl<F: FnMut(u64) -> u64> RandomSource for F {
    fn up_to(&mut self, max: u64) -> u64 {
        self(max).min(max)
    }
}

/// The fixed waits of steps 7, 10, 13 and 16 (and of every repetition of 14–16).
pub const FIXED_WAITS: [Duration; 4] = [
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
];

/// The 17-step schedule of one reconnection, as an endless iterator (it ends only when the caller stops at a
/// success).
#[derive(Debug, Clone)]
pub struct ConnectSchedule<R> {
    same: Side,
    expected_clients: u32,
    random: R,
    /// Steps produced since the last success (or the start).
    pos: usize,
    /// Whether side B exists (a simplex server has only side A: "the opposite side" is then skipped).
    duplex: bool,
}

impl<R: RandomSource> ConnectSchedule<R> {
    /// A schedule for a client at a site with `expected_clients` CTI clients; the first connection starts with
    /// side A. `duplex` false means a simplex server (side A only).
    pub fn new(expected_clients: u32, duplex: bool, random: R) -> Self {
        ConnectSchedule {
            same: Side::A,
            expected_clients,
            random,
            pos: 0,
            duplex,
        }
    }

    /// The side of the last successful connection (side A before any).
    pub fn last_success(&self) -> Side {
        self.same
    }

    /// A session opened on `side`: the next loss of connection starts again at step 1 with that side.
    pub fn succeeded(&mut self, side: Side) {
        self.same = side;
        self.pos = 0;
    }

    /// The upper bound of the random wait of step 4, in seconds.
    pub fn random_wait_max(&self) -> u64 {
        u64::from(self.expected_clients / 10)
    }

    fn step_at(&mut self, i: usize) -> Step {
        // Steps 1-2, 4, 5-6, 7, 8-9, 10, 11-12, 13, then 14-16 forever: pattern of (attempt, attempt, wait).
        let group = i / 3;
        match i % 3 {
            0 => Step::Attempt(self.same),
            1 => Step::Attempt(self.same.other()),
            _ => {
                let wait = match group {
                    0 => Duration::from_secs(self.random.up_to(self.random_wait_max())),
                    g => FIXED_WAITS
                        .get(g - 1)
                        .copied()
                        .unwrap_or(Duration::from_secs(120)),
                };
                Step::Wait(wait)
            }
        }
    }
}

impl<R: RandomSource> Iterator for ConnectSchedule<R> {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        loop {
            let step = self.step_at(self.pos);
            self.pos += 1;
            // A simplex server has no opposite side: its attempts are skipped.
            if !self.duplex && step == Step::Attempt(self.same.other()) {
                continue;
            }
            return Some(step);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Side::{A, B};

    fn secs(s: u64) -> Step {
        Step::Wait(Duration::from_secs(s))
    }

    #[test]
    fn the_seventeen_steps_exactly() {
        let mut asked = Vec::new();
        let sched = ConnectSchedule::new(500, true, |max| {
            asked.push(max);
            37
        });
        let steps: Vec<Step> = sched.take(20).collect();
        assert_eq!(
            steps,
            vec![
                Step::Attempt(A), // 1
                Step::Attempt(B), // 2
                secs(37),         // 3-4: N in [0, 500/10]
                Step::Attempt(A), // 5
                Step::Attempt(B), // 6
                secs(15),         // 7
                Step::Attempt(A), // 8
                Step::Attempt(B), // 9
                secs(30),         // 10
                Step::Attempt(A), // 11
                Step::Attempt(B), // 12
                secs(60),         // 13
                Step::Attempt(A), // 14
                Step::Attempt(B), // 15
                secs(120),        // 16
                Step::Attempt(A), // 17: repeat 14-16
                Step::Attempt(B),
                secs(120),
                Step::Attempt(A),
                Step::Attempt(B),
            ]
        );
        assert_eq!(asked, vec![50]);
    }

    #[test]
    fn after_a_success_on_b_the_next_loss_starts_with_b() {
        let mut s = ConnectSchedule::new(10, true, |_| 0);
        assert_eq!(s.next(), Some(Step::Attempt(A)));
        assert_eq!(s.next(), Some(Step::Attempt(B)));
        s.succeeded(B);
        let steps: Vec<Step> = s.take(6).collect();
        assert_eq!(
            steps,
            vec![
                Step::Attempt(B),
                Step::Attempt(A),
                secs(0),
                Step::Attempt(B),
                Step::Attempt(A),
                secs(15)
            ]
        );
    }

    #[test]
    fn random_wait_is_bounded_by_expected_clients_over_ten() {
        let mut s = ConnectSchedule::new(9, true, |max| max + 100);
        assert_eq!(s.random_wait_max(), 0);
        assert_eq!(s.nth(2), Some(secs(0)));
        let mut s = ConnectSchedule::new(5000, true, |max| max);
        assert_eq!(s.nth(2), Some(secs(500)));
    }

    #[test]
    fn simplex_has_no_opposite_side() {
        let s = ConnectSchedule::new(0, false, |_| 0);
        let steps: Vec<Step> = s.take(5).collect();
        assert_eq!(
            steps,
            vec![
                Step::Attempt(A),
                secs(0),
                Step::Attempt(A),
                secs(15),
                Step::Attempt(A)
            ]
        );
    }
}
