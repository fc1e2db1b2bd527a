//! InvokeIDs (client guidelines, "InvokeIDs"): a counter gives every request a unique InvokeID, many requests
//! may be outstanding at once, and each reply — its CONF, FAILURE_CONF or CONTROL_FAILURE_CONF — is matched to
//! its request by InvokeID, whatever order replies come in. Requests time out; when the connection drops every
//! outstanding request fails. Pure: the caller keeps what it wants per request (e.g. a reply channel) in `T`.

use std::collections::HashMap;
use std::time::Duration;

/// Requests waiting for their reply.
#[derive(Debug)]
pub struct Outstanding<T> {
    next: u32,
    waiting: HashMap<u32, (T, Duration)>,
}

impl<T> Default for Outstanding<T> {
    fn default() -> Self {
        Outstanding {
            next: 1,
            waiting: HashMap::new(),
        }
    }
}

impl<T> Outstanding<T> {
    /// Nothing outstanding; InvokeIDs start at 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh InvokeID: the next counter value that is not outstanding (0 is skipped on wrap-around).
    pub fn next_id(&mut self) -> u32 {
        loop {
            let id = self.next;
            self.next = self.next.wrapping_add(1).max(1);
            if !self.waiting.contains_key(&id) {
                return id;
            }
        }
    }

    /// Records a request sent with `invoke_id`, failing at `deadline` if unanswered.
    pub fn insert(&mut self, invoke_id: u32, value: T, deadline: Duration) {
        self.waiting.insert(invoke_id, (value, deadline));
    }

    /// The reply for `invoke_id` arrived: its request, if it was outstanding.
    pub fn complete(&mut self, invoke_id: u32) -> Option<T> {
        self.waiting.remove(&invoke_id).map(|(v, _)| v)
    }

    /// Requests whose deadline passed at `now` (removed).
    pub fn expired(&mut self, now: Duration) -> Vec<(u32, T)> {
        let ids: Vec<u32> = self
            .waiting
            .iter()
            .filter(|(_, (_, d))| *d <= now)
            .map(|(id, _)| *id)
            .collect();
        ids.into_iter()
            .filter_map(|id| self.waiting.remove(&id).map(|(v, _)| (id, v)))
            .collect()
    }

    /// The connection dropped: every outstanding request (removed).
    pub fn drain(&mut self) -> Vec<(u32, T)> {
        self.waiting.drain().map(|(id, (v, _))| (id, v)).collect()
    }

    /// The earliest deadline.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.waiting.values().map(|(_, d)| *d).min()
    }

    /// Number of outstanding requests.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// True when nothing is outstanding.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn replies_match_in_any_order() {
        let mut o = Outstanding::new();
        let ids: Vec<u32> = (0..3).map(|_| o.next_id()).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        for (i, id) in ids.iter().enumerate() {
            o.insert(*id, i, s(30));
        }
        assert_eq!(o.complete(3), Some(2));
        assert_eq!(o.complete(1), Some(0));
        assert_eq!(o.complete(1), None, "a reply is delivered once");
        assert_eq!(o.complete(99), None);
        assert_eq!(o.len(), 1);
    }

    #[test]
    fn ids_are_unique_among_outstanding_even_after_wrap() {
        let mut o = Outstanding::new();
        o.next = u32::MAX;
        o.insert(1, (), s(1));
        assert_eq!(o.next_id(), u32::MAX);
        assert_eq!(o.next_id(), 2, "0 skipped, 1 still outstanding");
    }

    #[test]
    fn timeouts_and_drops() {
        let mut o = Outstanding::new();
        o.insert(1, "a", s(10));
        o.insert(2, "b", s(20));
        assert_eq!(o.next_deadline(), Some(s(10)));
        assert_eq!(o.expired(s(9)), vec![]);
        assert_eq!(o.expired(s(10)), vec![(1, "a")]);
        let mut rest = o.drain();
        rest.sort_unstable();
        assert_eq!(rest, vec![(2, "b")]);
        assert!(o.is_empty());
    }
}
