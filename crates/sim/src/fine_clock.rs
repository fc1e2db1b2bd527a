//! [`FineClock`]: for tests that run the simulator and a client on tokio's paused clock.
//!
//! Under `tokio::time::pause()` the runtime jumps to the next timer whenever it is idle, which can happen while a
//! message is still on its way through a loopback socket; a timer that fires every millisecond bounds such jumps
//! to one millisecond, so timings measured in virtual time stay exact to that.

use std::time::Duration;

use tokio::task::JoinHandle;

/// A task that wakes the runtime every millisecond of (virtual) time while it lives; aborted on drop.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let _clock = cti_sim::FineClock::start();
/// // ... start a simulator and a client, then assert on virtual-time timings ...
/// # }
/// ```
#[derive(Debug)]
pub struct FineClock(JoinHandle<()>);

impl FineClock {
    /// Starts ticking (inside a tokio runtime).
    pub fn start() -> Self {
        FineClock(tokio::spawn(async {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }))
    }
}

impl Drop for FineClock {
    fn drop(&mut self) {
        self.0.abort();
    }
}
