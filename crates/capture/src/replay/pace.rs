//! How fast a replay sends the recorded events: their recorded spacing divided by a speed, or all at once.

use std::time::Duration;

/// The pace of a replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pace {
    /// The recorded spacing divided by this speed (`2.0`: twice as fast). Made by [`Pace::speed`].
    Scaled(f64),
    /// Every event as soon as the session is open, in recorded order.
    AsFastAsPossible,
}

/// A speed that is not a positive finite number within [`Pace::MIN_SPEED`]..=[`Pace::MAX_SPEED`].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("speed {0} is not between {min} and {max}", min = Pace::MIN_SPEED, max = Pace::MAX_SPEED)]
pub struct BadSpeed(pub f64);

impl Pace {
    /// The slowest speed accepted (a thousand times slower than recorded).
    pub const MIN_SPEED: f64 = 0.001;
    /// The fastest speed accepted (above it, use [`Pace::AsFastAsPossible`]).
    pub const MAX_SPEED: f64 = 1_000_000.0;

    /// The recorded spacing divided by `x`.
    pub fn speed(x: f64) -> Result<Pace, BadSpeed> {
        if x.is_finite() && (Self::MIN_SPEED..=Self::MAX_SPEED).contains(&x) {
            Ok(Pace::Scaled(x))
        } else {
            Err(BadSpeed(x))
        }
    }

    /// When an event recorded `after` the session opened is due in the replay (saturating; never panics).
    pub fn scale(self, after: Duration) -> Duration {
        match self {
            Pace::AsFastAsPossible => Duration::ZERO,
            Pace::Scaled(x) if x > 0.0 && x.is_finite() => {
                Duration::try_from_secs_f64(after.as_secs_f64() / x).unwrap_or(Duration::MAX)
            }
            Pace::Scaled(_) => after,
        }
    }
}

impl Default for Pace {
    /// The recorded pace (speed 1).
    fn default() -> Self {
        Pace::Scaled(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_is_divided_by_the_speed() {
        let p = Pace::speed(2.0).unwrap_or_default();
        assert_eq!(p.scale(Duration::from_secs(3)), Duration::from_millis(1500));
        let p = Pace::speed(0.5).unwrap_or_default();
        assert_eq!(p.scale(Duration::from_secs(3)), Duration::from_secs(6));
        assert_eq!(
            Pace::AsFastAsPossible.scale(Duration::from_secs(3)),
            Duration::ZERO
        );
        assert_eq!(
            Pace::default().scale(Duration::from_secs(3)),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn bad_speeds_are_refused_and_huge_delays_saturate() {
        for x in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-9, 1e12] {
            assert!(Pace::speed(x).is_err(), "speed {x} accepted");
        }
        let slow = Pace::speed(Pace::MIN_SPEED).unwrap_or_default();
        assert_eq!(slow.scale(Duration::MAX), Duration::MAX);
    }
}
