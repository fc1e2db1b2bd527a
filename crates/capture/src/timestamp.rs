//! Capture timestamps: seconds and nanoseconds since 1970-01-01 UTC, shown as RFC 3339 with microseconds.

use std::fmt;

/// A packet's capture time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    pub secs: u64,
    /// Nanoseconds within the second (below 1e9).
    pub nanos: u32,
}

impl Timestamp {
    /// From a count of `units` of `1 / per_second` seconds each (e.g. microseconds: `per_second` = 1e6).
    pub fn from_units(units: u64, per_second: u64) -> Self {
        let per_second = per_second.max(1);
        let secs = units / per_second;
        let frac = u128::from(units % per_second) * 1_000_000_000 / u128::from(per_second);
        Timestamp {
            secs,
            nanos: u32::try_from(frac).unwrap_or(0),
        }
    }

    /// Microseconds since the epoch.
    pub fn as_micros(self) -> u64 {
        self.secs
            .saturating_mul(1_000_000)
            .saturating_add(u64::from(self.nanos / 1000))
    }
}

/// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian calendar).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Timestamp {
    /// `2026-12-04T18:50:29.123456Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d) = civil(self.secs / 86_400);
        let rem = self.secs % 86_400;
        write!(
            f,
            "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60,
            self.nanos / 1000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_microseconds() {
        let t = Timestamp::from_units(1_700_000_000_123_456, 1_000_000);
        assert_eq!(t.to_string(), "2023-11-14T22:13:20.123456Z");
        assert_eq!(
            Timestamp::default().to_string(),
            "1970-01-01T00:00:00.000000Z"
        );
        // A leap day and nanosecond units.
        let t = Timestamp::from_units(951_782_400_000_000_999, 1_000_000_000);
        assert_eq!(t.to_string(), "2000-02-29T00:00:00.000000Z");
        assert_eq!(t.nanos, 999);
    }
}
