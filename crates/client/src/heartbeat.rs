//! Heartbeats (client guidelines, "Heartbeat Messages"; facts §7.3): the interval is configurable, −1 disables
//! heartbeats (the developer default), and 5 s is the minimum (a smaller value is a configuration error).
//! HEARTBEAT_REQ is sent when nothing was sent for one interval; three heartbeats without any answer declare
//! the session failed — the way half-open connections are found. Pure: time is passed in.

use std::collections::VecDeque;
use std::time::Duration;

/// The smallest heartbeat interval the guidelines allow.
pub const MIN_HEARTBEAT: Duration = Duration::from_secs(5);
/// Unanswered heartbeats that declare the session failed.
pub const MAX_UNANSWERED: usize = 3;
/// IdleTimeout sent when heartbeats are disabled: the server must not time the session out.
pub const NO_IDLE_TIMEOUT: u32 = 0xFFFF_FFFF;

/// A heartbeat interval that breaks the guidelines.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "heartbeat interval {0} s is not allowed: use -1 (disabled, the default) or at least 5 s \
     (5 s suits a CTI bridge, desktops should use 90 s or more)"
)]
pub struct HeartbeatIntervalError(pub i64);

/// Heartbeat interval: disabled, or at least 5 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatInterval(Option<Duration>);

impl HeartbeatInterval {
    /// Heartbeats disabled (−1, the guidelines' default for developers).
    pub const DISABLED: HeartbeatInterval = HeartbeatInterval(None);

    /// From the configured number of seconds: −1 disables; 5 or more enables; anything else is an error.
    pub fn from_secs(secs: i64) -> Result<Self, HeartbeatIntervalError> {
        match secs {
            -1 => Ok(Self::DISABLED),
            s if s >= 5 => Ok(HeartbeatInterval(Some(Duration::from_secs(
                s.unsigned_abs(),
            )))),
            s => Err(HeartbeatIntervalError(s)),
        }
    }

    /// The interval, if heartbeats are enabled.
    pub fn get(self) -> Option<Duration> {
        self.0
    }

    /// The IdleTimeout to request in OPEN_REQ: 4 × the interval (0xFFFFFFFF when disabled).
    pub fn default_idle_timeout(self) -> u32 {
        self.0.map_or(NO_IDLE_TIMEOUT, |d| {
            u32::try_from(d.as_secs().saturating_mul(4)).unwrap_or(NO_IDLE_TIMEOUT)
        })
    }
}

/// What the session must do about heartbeats now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeartbeatAction {
    /// Nothing yet.
    Idle,
    /// Send HEARTBEAT_REQ now (then call [`Heartbeats::sent_heartbeat`]).
    Send,
    /// Three heartbeats went unanswered: declare the session failed and reset the connection.
    Failed,
}

/// Heartbeat accounting of one session.
#[derive(Debug, Clone)]
pub struct Heartbeats {
    interval: HeartbeatInterval,
    last_sent: Duration,
    unanswered: VecDeque<(u32, Duration)>,
}

impl Heartbeats {
    /// Accounting for a session opened at `now`.
    pub fn new(interval: HeartbeatInterval, now: Duration) -> Self {
        Heartbeats {
            interval,
            last_sent: now,
            unanswered: VecDeque::new(),
        }
    }

    /// Any message was sent at `now` (heartbeats are needed only when nothing else was sent).
    pub fn sent_anything(&mut self, now: Duration) {
        self.last_sent = self.last_sent.max(now);
    }

    /// A HEARTBEAT_REQ with `invoke_id` was sent at `now`.
    pub fn sent_heartbeat(&mut self, invoke_id: u32, now: Duration) {
        self.sent_anything(now);
        self.unanswered.push_back((invoke_id, now));
    }

    /// A HEARTBEAT_CONF arrived: the server is alive; every earlier heartbeat counts as answered. Returns when
    /// the answered heartbeat was sent (`None` for an InvokeID not outstanding).
    pub fn answered(&mut self, invoke_id: u32) -> Option<Duration> {
        let i = self
            .unanswered
            .iter()
            .position(|(id, _)| *id == invoke_id)?;
        self.unanswered
            .drain(..=i)
            .next_back()
            .map(|(_, sent)| sent)
    }

    /// Heartbeats sent and not answered yet.
    pub fn unanswered(&self) -> usize {
        self.unanswered.len()
    }

    /// When [`Heartbeats::poll`] next has something to do.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.interval.get().map(|i| self.last_sent + i)
    }

    /// What to do at `now`.
    pub fn poll(&self, now: Duration) -> HeartbeatAction {
        let Some(interval) = self.interval.get() else {
            return HeartbeatAction::Idle;
        };
        if now < self.last_sent + interval {
            return HeartbeatAction::Idle;
        }
        if self.unanswered.len() >= MAX_UNANSWERED {
            HeartbeatAction::Failed
        } else {
            HeartbeatAction::Send
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn interval_rules() {
        assert_eq!(
            HeartbeatInterval::from_secs(-1),
            Ok(HeartbeatInterval::DISABLED)
        );
        assert_eq!(
            HeartbeatInterval::from_secs(5).map(HeartbeatInterval::get),
            Ok(Some(s(5)))
        );
        assert_eq!(
            HeartbeatInterval::from_secs(4),
            Err(HeartbeatIntervalError(4))
        );
        assert_eq!(
            HeartbeatInterval::from_secs(0),
            Err(HeartbeatIntervalError(0))
        );
        assert_eq!(
            HeartbeatInterval::from_secs(-2),
            Err(HeartbeatIntervalError(-2))
        );
        assert_eq!(
            HeartbeatInterval::from_secs(30)
                .unwrap()
                .default_idle_timeout(),
            120
        );
        assert_eq!(
            HeartbeatInterval::DISABLED.default_idle_timeout(),
            0xFFFF_FFFF
        );
    }

    #[test]
    fn sends_only_after_an_interval_of_silence() {
        let mut h = Heartbeats::new(HeartbeatInterval::from_secs(5).unwrap(), s(0));
        assert_eq!(h.poll(s(4)), HeartbeatAction::Idle);
        h.sent_anything(s(3)); // a request went out: the interval restarts
        assert_eq!(h.poll(s(7)), HeartbeatAction::Idle);
        assert_eq!(h.next_deadline(), Some(s(8)));
        assert_eq!(h.poll(s(8)), HeartbeatAction::Send);
    }

    #[test]
    fn three_unanswered_declare_failure() {
        let mut h = Heartbeats::new(HeartbeatInterval::from_secs(5).unwrap(), s(0));
        for (i, t) in [5, 10, 15].into_iter().enumerate() {
            assert_eq!(h.poll(s(t)), HeartbeatAction::Send, "heartbeat {i}");
            h.sent_heartbeat(u32::try_from(i).unwrap() + 1, s(t));
        }
        assert_eq!(h.unanswered(), 3);
        assert_eq!(h.poll(s(19)), HeartbeatAction::Idle);
        assert_eq!(h.poll(s(20)), HeartbeatAction::Failed);
        // An answer to the second heartbeat clears it and the first.
        h.answered(2);
        assert_eq!(h.unanswered(), 1);
        assert_eq!(h.poll(s(20)), HeartbeatAction::Send);
    }

    #[test]
    fn disabled_never_sends() {
        let h = Heartbeats::new(HeartbeatInterval::DISABLED, s(0));
        assert_eq!(h.poll(s(100_000)), HeartbeatAction::Idle);
        assert_eq!(h.next_deadline(), None);
    }
}
