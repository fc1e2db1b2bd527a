//! "Message Order" realism (client guidelines): events that happen at the same instant (one engine group) may
//! reach a client in any order, with a delay between them and other traffic in between. With the option off,
//! events go out at once in engine order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::config::MessageOrderConfig;
use crate::engine::WorldEvent;

struct Delayed {
    due: Duration,
    seq: u64,
    event: WorldEvent,
}

impl PartialEq for Delayed {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Delayed {}
impl PartialOrd for Delayed {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Delayed {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

/// Events waiting for their (shuffled, delayed) delivery time.
pub(crate) struct Pending {
    cfg: MessageOrderConfig,
    rng: StdRng,
    heap: BinaryHeap<Reverse<Delayed>>,
    seq: u64,
}

impl Pending {
    pub fn new(seed: u64, cfg: MessageOrderConfig) -> Self {
        Pending {
            cfg,
            rng: StdRng::seed_from_u64(seed),
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }

    /// Returns the events to deliver now; the rest wait.
    pub fn schedule(&mut self, events: Vec<WorldEvent>, now: Duration) -> Vec<WorldEvent> {
        if !self.cfg.shuffle || events.len() < 2 {
            return events;
        }
        let mut now_out = Vec::new();
        let mut iter = events.into_iter().peekable();
        while let Some(first) = iter.next() {
            let mut group = vec![first];
            while let Some(next) =
                iter.next_if(|e| group.first().is_some_and(|g| g.group == e.group))
            {
                group.push(next);
            }
            group.shuffle(&mut self.rng);
            let mut t = now;
            for (i, event) in group.into_iter().enumerate() {
                if i > 0 && self.cfg.max_delay_ms > 0 {
                    t += Duration::from_millis(self.rng.random_range(0..=self.cfg.max_delay_ms));
                }
                // Never before a waiting event of the same agents: only unrelated traffic may overtake.
                let floor = self.floor(&event);
                let at = floor.map_or(t, |f| f.max(t));
                if at <= now && floor.is_none() {
                    now_out.push(event);
                } else {
                    self.seq += 1;
                    self.heap.push(Reverse(Delayed {
                        due: at,
                        seq: self.seq,
                        event,
                    }));
                }
            }
        }
        now_out
    }

    /// The latest due time of a waiting event that concerns the same agents (or, for an event that concerns
    /// none, of any waiting event that concerns none).
    fn floor(&self, event: &WorldEvent) -> Option<Duration> {
        self.heap
            .iter()
            .filter(|Reverse(d)| {
                if event.parties.is_empty() {
                    d.event.parties.is_empty()
                } else {
                    d.event.parties.iter().any(|p| event.parties.contains(p))
                }
            })
            .map(|Reverse(d)| d.due)
            .max()
    }

    /// Events whose time has come, in time order.
    pub fn due(&mut self, now: Duration) -> Vec<WorldEvent> {
        let mut out = Vec::new();
        while self.heap.peek().is_some_and(|Reverse(d)| d.due <= now) {
            if let Some(Reverse(d)) = self.heap.pop() {
                out.push(d.event);
            }
        }
        out
    }

    /// When the next delayed event is due.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.heap.peek().map(|Reverse(d)| d.due)
    }
}

#[cfg(test)]
mod tests {
    use cti_proto::Message;
    use cti_proto::message::HeartbeatConf;

    use super::*;

    fn ev(group: u64, id: u32) -> WorldEvent {
        let mut m = HeartbeatConf::default();
        m.invoke_id = id;
        WorldEvent {
            peripheral_id: 1,
            parties: vec![7],
            group,
            message: Message::from(m),
        }
    }

    fn ids(v: &[WorldEvent]) -> Vec<u32> {
        v.iter().filter_map(|e| e.message.invoke_id()).collect()
    }

    #[test]
    fn off_means_at_once_in_order() {
        let mut p = Pending::new(1, MessageOrderConfig::default());
        assert_eq!(
            ids(&p.schedule(vec![ev(1, 1), ev(1, 2), ev(2, 3)], Duration::ZERO)),
            vec![1, 2, 3]
        );
        assert_eq!(p.next_deadline(), None);
    }

    #[test]
    fn shuffles_within_a_group_and_delays() {
        let cfg = MessageOrderConfig {
            shuffle: true,
            max_delay_ms: 500,
        };
        let mut seen_reordered = false;
        for seed in 0..20 {
            let mut p = Pending::new(seed, cfg.clone());
            let now = Duration::from_secs(1);
            let mut got = p.schedule(vec![ev(1, 1), ev(1, 2), ev(1, 3), ev(2, 4)], now);
            let mut t = now;
            while let Some(d) = p.next_deadline() {
                assert!(d >= now && d <= now + Duration::from_millis(1500));
                t = t.max(d);
                got.extend(p.due(d));
            }
            let order = ids(&got);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![1, 2, 3, 4], "nothing lost or duplicated");
            seen_reordered |= order[..3] != [1, 2, 3];
            assert_eq!(
                order[3], 4,
                "a later event of the same agent never overtakes"
            );
        }
        assert!(seen_reordered, "some seed must reorder a group");
    }
}
