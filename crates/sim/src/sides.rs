//! The duplex pair: which side is active, which is idle, which has failed and how.

use serde::Serialize;

use crate::config::Side;

/// How a failed side behaves towards clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailMode {
    /// The listener is closed: connection attempts are refused.
    Refuse,
    /// The listener accepts, reads OPEN_REQ, answers FAILURE_CONF E_CTI_CTI_SERVER_OFFLINE and closes.
    Reset,
}

/// The state of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SideState {
    /// Serves sessions.
    Active,
    /// Running but not active: answers OPEN_REQ with E_CTI_CTI_SERVER_OFFLINE, except v24+ clients asking for
    /// CTI_SERVICE_ACTIVE_STANDBY, which get a standby session.
    Idle,
    /// Failed (fault injection).
    Failed(FailMode),
}

/// Both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sides {
    a: SideState,
    b: SideState,
}

/// What changed when a side failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failover {
    /// The failed side was the active one (its sessions must be closed).
    pub was_active: bool,
    /// The side that took over, if any.
    pub new_active: Option<Side>,
}

impl Sides {
    /// `active` serves, the other side is idle.
    pub fn new(active: Side) -> Self {
        let mut s = Sides {
            a: SideState::Idle,
            b: SideState::Idle,
        };
        s.set(active, SideState::Active);
        s
    }

    /// The state of `side`.
    pub fn get(&self, side: Side) -> SideState {
        match side {
            Side::A => self.a,
            Side::B => self.b,
        }
    }

    fn set(&mut self, side: Side, state: SideState) {
        match side {
            Side::A => self.a = state,
            Side::B => self.b = state,
        }
    }

    /// The active side, if one is.
    pub fn active(&self) -> Option<Side> {
        [Side::A, Side::B]
            .into_iter()
            .find(|s| self.get(*s) == SideState::Active)
    }

    /// Fails `side`; the other side takes over if it is idle.
    pub fn fail(&mut self, side: Side, mode: FailMode) -> Failover {
        let was_active = self.get(side) == SideState::Active;
        self.set(side, SideState::Failed(mode));
        let mut new_active = None;
        if was_active && self.get(side.other()) == SideState::Idle {
            self.set(side.other(), SideState::Active);
            new_active = Some(side.other());
        }
        Failover {
            was_active,
            new_active,
        }
    }

    /// Restores a failed side: it comes back idle, or active when no side is. Returns true if it became active.
    pub fn restore(&mut self, side: Side) -> bool {
        if !matches!(self.get(side), SideState::Failed(_)) {
            return false;
        }
        let active = self.active().is_none();
        self.set(
            side,
            if active {
                SideState::Active
            } else {
                SideState::Idle
            },
        );
        active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failover_and_restore() {
        let mut s = Sides::new(Side::A);
        assert_eq!(s.active(), Some(Side::A));
        assert_eq!(
            s.fail(Side::B, FailMode::Reset),
            Failover {
                was_active: false,
                new_active: None
            }
        );
        assert_eq!(s.active(), Some(Side::A));
        assert!(!s.restore(Side::B));
        assert_eq!(s.get(Side::B), SideState::Idle);
        assert_eq!(
            s.fail(Side::A, FailMode::Refuse),
            Failover {
                was_active: true,
                new_active: Some(Side::B)
            }
        );
        assert_eq!(s.get(Side::A), SideState::Failed(FailMode::Refuse));
        assert_eq!(
            s.fail(Side::B, FailMode::Reset),
            Failover {
                was_active: true,
                new_active: None
            }
        );
        assert_eq!(s.active(), None);
        assert!(s.restore(Side::A));
        assert_eq!(s.active(), Some(Side::A));
        assert!(!s.restore(Side::B));
        assert_eq!(s.get(Side::B), SideState::Idle);
    }
}
