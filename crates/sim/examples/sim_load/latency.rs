//! Latency figures: percentiles of microsecond samples, shown in milliseconds.

use serde_json::{Value, json};

/// `p`-th percentile (0–100) of sorted values.
fn percentile(sorted: &[u64], p: u64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let len = u64::try_from(sorted.len()).ok()?;
    let idx = usize::try_from((len - 1) * p / 100).ok()?;
    sorted.get(idx).copied()
}

/// Microseconds → milliseconds, for JSON.
pub(crate) fn ms(us: Option<u64>) -> Value {
    us.map_or(Value::Null, |v| {
        json!((v as f64 / 1000.0 * 10.0).round() / 10.0)
    })
}

pub(crate) fn latency_json(mut us: Vec<u64>) -> Value {
    us.sort_unstable();
    json!({
        "p50_ms": ms(percentile(&us, 50)),
        "p99_ms": ms(percentile(&us, 99)),
        "max_ms": ms(us.last().copied()),
    })
}
