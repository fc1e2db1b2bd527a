//! The simulator's memory and CPU time, read from `/proc` (`--sim-pid`), and this process's own peak RSS.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

/// Samples a process's memory (and CPU time on request).
pub(crate) struct ProcSampler {
    pid: u32,
    rss_max_kib: AtomicU64,
    rss_last_kib: AtomicU64,
    hwm_kib: AtomicU64,
    threads: AtomicU64,
}

impl ProcSampler {
    fn status_kib(text: &str, key: &str) -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
    }

    fn sample(&self) -> bool {
        let Ok(text) = std::fs::read_to_string(format!("/proc/{}/status", self.pid)) else {
            return false;
        };
        if let Some(rss) = Self::status_kib(&text, "VmRSS:") {
            self.rss_last_kib.store(rss, Ordering::Relaxed);
            self.rss_max_kib.fetch_max(rss, Ordering::Relaxed);
        }
        if let Some(hwm) = Self::status_kib(&text, "VmHWM:") {
            self.hwm_kib.store(hwm, Ordering::Relaxed);
        }
        if let Some(t) = Self::status_kib(&text, "Threads:") {
            self.threads.store(t, Ordering::Relaxed);
        }
        true
    }

    /// utime + stime in clock ticks (USER_HZ = 100 on Linux).
    fn cpu_ticks(&self) -> Option<u64> {
        let text = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).ok()?;
        // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
        let rest = text.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some(utime + stime)
    }

    pub(crate) fn start(pid: Option<u32>) -> Option<Arc<ProcSampler>> {
        let sampler = Arc::new(ProcSampler {
            pid: pid?,
            rss_max_kib: AtomicU64::new(0),
            rss_last_kib: AtomicU64::new(0),
            hwm_kib: AtomicU64::new(0),
            threads: AtomicU64::new(0),
        });
        let s = sampler.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                if !s.sample() {
                    break;
                }
            }
        });
        Some(sampler)
    }

    /// Resets the RSS maximum (start of the measured window) and returns the CPU ticks so far.
    pub(crate) fn window_start(&self) -> Option<u64> {
        self.sample();
        self.rss_max_kib
            .store(self.rss_last_kib.load(Ordering::Relaxed), Ordering::Relaxed);
        self.cpu_ticks()
    }

    pub(crate) fn report(&self, cpu_start: Option<u64>, window: Duration) -> Value {
        self.sample();
        let cpu = match (cpu_start, self.cpu_ticks()) {
            (Some(a), Some(b)) if window > Duration::ZERO => {
                json!(((b.saturating_sub(a)) as f64 / window.as_secs_f64()).round())
            }
            _ => Value::Null,
        };
        let mib = |kib: u64| (kib as f64 / 1024.0 * 10.0).round() / 10.0;
        json!({
            "pid": self.pid,
            "rss_max_mib": mib(self.rss_max_kib.load(Ordering::Relaxed)),
            "rss_end_mib": mib(self.rss_last_kib.load(Ordering::Relaxed)),
            "hwm_mib": mib(self.hwm_kib.load(Ordering::Relaxed)),
            "threads": self.threads.load(Ordering::Relaxed),
            "cpu_percent": cpu,
        })
    }
}

/// This process's peak RSS.
pub(crate) fn own_hwm_mib() -> Value {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|t| ProcSampler::status_kib(&t, "VmHWM:"))
        .map_or(Value::Null, |k| json!(k / 1024))
}
