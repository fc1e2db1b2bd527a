//! What every task of a running simulator shares: the core behind its lock, the clock origin, the wake-up
//! signal of the clock task, the shutdown signal and each side's state for its listener.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::time::Instant;

use crate::config::Side;
use crate::core::Core;
use crate::sides::SideState;

pub(crate) struct Shared {
    core: Mutex<Core>,
    start: Instant,
    /// Wakes the clock task when the schedule changed (traffic rate, a started call, a request).
    pub wake: Notify,
    /// Set to true once to stop every task.
    pub shutdown: watch::Sender<bool>,
    side_a: watch::Sender<SideState>,
    side_b: watch::Sender<SideState>,
}

impl Shared {
    pub fn new(core: Core) -> Self {
        let (a, b) = (core.sides.get(Side::A), core.sides.get(Side::B));
        Shared {
            core: Mutex::new(core),
            start: Instant::now(),
            wake: Notify::new(),
            shutdown: watch::Sender::new(false),
            side_a: watch::Sender::new(a),
            side_b: watch::Sender::new(b),
        }
    }

    /// The core. A panic while holding the lock would be a bug; the state is still usable, so the poison is
    /// ignored rather than taking every connection down with it.
    pub fn core(&self) -> MutexGuard<'_, Core> {
        self.core
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Time since the simulator started (tokio time: virtual under `tokio::time::pause`).
    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The instant `at` (time since start).
    pub fn instant(&self, at: Duration) -> Instant {
        self.start + at
    }

    /// The state watch of `side`, for its listener.
    pub fn side_watch(&self, side: Side) -> &watch::Sender<SideState> {
        match side {
            Side::A => &self.side_a,
            Side::B => &self.side_b,
        }
    }

    /// Publishes the sides' states from the core to the listeners.
    pub fn sync_sides(&self) {
        let (a, b) = {
            let c = self.core();
            (c.sides.get(Side::A), c.sides.get(Side::B))
        };
        self.side_a.send_replace(a);
        self.side_b.send_replace(b);
    }
}
