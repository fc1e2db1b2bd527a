//! The gateway's counters: those of one source, and those of `/ws`; read by `/metrics` and by tests.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The value now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Upper bounds (µs) of the publish latency histogram's buckets (`le` in seconds; `+Inf` is the count).
pub const LATENCY_BUCKETS_US: [u64; 13] = [
    250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
    5_000_000,
];

/// The counters of one source.
#[derive(Debug, Default)]
pub struct SourceMetrics {
    /// Server messages received from the CTI Server, by type.
    events_in: Mutex<BTreeMap<String, u64>>,
    /// Stream records acknowledged, by subject.
    records_out: Mutex<BTreeMap<String, u64>>,
    /// KV writes acknowledged.
    pub kv_writes: Counter,
    /// Times the publisher started over after a failure (NATS unreachable, no ack).
    pub publish_retries: Counter,
    /// Gap records published (the buffer overflowed).
    pub gaps: Counter,
    /// Records lost to buffer overflows (counted when dropped; each range is then covered by a gap record).
    pub records_lost: Counter,
    /// Records found in the stream after a failure although their acks were lost, so not sent again.
    pub records_found_stored: Counter,
    /// Of those, records stored ahead of earlier ones lost with the connection (the stream holds them out of
    /// `Cti-Seq` order).
    pub records_stored_ahead: Counter,
    /// CTI sessions opened (reconnects are this minus one).
    pub sessions_opened: Counter,
    buffer_depth: AtomicU64,
    /// Sum and count of publish latencies (put in the buffer → acknowledged), microseconds.
    latency_sum_us: Counter,
    latency_count: Counter,
    /// Publish latencies by bucket of [`LATENCY_BUCKETS_US`] (each counted in its own bucket only).
    latency_buckets: [Counter; LATENCY_BUCKETS_US.len()],
}

impl SourceMetrics {
    /// Counts a server message of type `name`.
    pub fn event_in(&self, name: &str) {
        let mut m = self
            .events_in
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = m.get_mut(name) {
            *n += 1;
        } else {
            m.insert(name.to_owned(), 1);
        }
    }

    /// Counts an acknowledged record and its latency.
    pub fn published(&self, subject: &str, latency: Duration) {
        let mut m = self
            .records_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = m.get_mut(subject) {
            *n += 1;
        } else {
            m.insert(subject.to_owned(), 1);
        }
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_us.add(us);
        self.latency_count.inc();
        if let Some(i) = LATENCY_BUCKETS_US.iter().position(|b| us <= *b)
            && let Some(c) = self.latency_buckets.get(i)
        {
            c.inc();
        }
    }

    /// The publish latency histogram: (bucket bound in µs, records at most that late, cumulative), the sum of
    /// all latencies in µs, and the count (the `+Inf` bucket).
    pub fn latency_histogram(&self) -> (Vec<(u64, u64)>, u64, u64) {
        let mut total = 0;
        let buckets = LATENCY_BUCKETS_US
            .iter()
            .zip(&self.latency_buckets)
            .map(|(b, c)| {
                total += c.get();
                (*b, total)
            })
            .collect();
        (buckets, self.latency_sum_us.get(), self.latency_count.get())
    }

    /// Publishes (stream records and KV writes) waiting for the publisher now.
    pub fn set_buffer_depth(&self, n: usize) {
        self.buffer_depth
            .store(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Publishes (stream records and KV writes) waiting for the publisher.
    pub fn buffer_depth(&self) -> u64 {
        self.buffer_depth.load(Ordering::Relaxed)
    }

    /// Server messages received, by type.
    pub fn events_in(&self) -> BTreeMap<String, u64> {
        self.events_in
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records acknowledged, by subject.
    pub fn records_out(&self) -> BTreeMap<String, u64> {
        self.records_out
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records acknowledged in all.
    pub fn records_out_total(&self) -> u64 {
        self.latency_count.get()
    }

    /// Mean publish latency so far.
    pub fn mean_latency(&self) -> Option<Duration> {
        let n = self.latency_count.get();
        (n > 0).then(|| Duration::from_micros(self.latency_sum_us.get() / n))
    }
}

/// The WebSocket counters shown by `/metrics`.
#[derive(Debug, Default)]
pub(crate) struct WsMetrics {
    /// Clients connected now.
    pub clients: AtomicU64,
    /// Clients accepted since the start.
    pub accepted: AtomicU64,
    /// Clients dropped for being slow.
    pub dropped_slow: AtomicU64,
    /// Records sent, all clients together.
    pub sent: AtomicU64,
}
