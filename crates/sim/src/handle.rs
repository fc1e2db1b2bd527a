//! [`SimHandle`]: fault injection and inspection of a running simulator, from tests, the CLI and the HTTP
//! control plane alike.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::config::Side;
use crate::conformance::ConformanceReport;
use crate::core::SessionInfo;
use crate::engine::{CallSpec, EngineError, EngineStatus};
use crate::shared::Shared;
use crate::sides::{FailMode, SideState};

/// A cheap, clonable handle on a running simulator.
#[derive(Clone)]
pub struct SimHandle {
    pub(crate) shared: Arc<Shared>,
}

/// One side as `GET /status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SideStatus {
    /// `"A"` or `"B"`.
    pub side: Side,
    /// `active`, `idle`, or `{"failed": "refuse" | "reset"}`.
    pub state: SideState,
    /// Open sessions on this side.
    pub sessions: usize,
}

/// `GET /status`.
#[derive(Debug, Clone, Serialize)]
pub struct SimStatus {
    /// The active side, if any.
    pub active_side: Option<Side>,
    /// Both sides.
    pub sides: Vec<SideStatus>,
    /// Open sessions.
    pub sessions: usize,
    /// Milliseconds since start.
    pub uptime_ms: u64,
    /// Calls, agents, peripherals, traffic.
    #[serde(flatten)]
    pub engine: EngineStatus,
}

impl SimHandle {
    fn changed(&self) {
        self.shared.sync_sides();
        self.shared.wake.notify_one();
    }

    /// Sides, sessions, calls and agents.
    pub fn status(&self) -> SimStatus {
        let core = self.shared.core();
        let sessions = core.sessions();
        let sides = [Side::A, Side::B]
            .into_iter()
            .map(|side| SideStatus {
                side,
                state: core.sides.get(side),
                sessions: sessions.iter().filter(|s| s.side == side).count(),
            })
            .collect();
        SimStatus {
            active_side: core.sides.active(),
            sides,
            sessions: sessions.len(),
            uptime_ms: u64::try_from(self.shared.now().as_millis()).unwrap_or(u64::MAX),
            engine: core.engine.status(),
        }
    }

    /// The open sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.shared.core().sessions()
    }

    /// Fails `side`: with `Refuse` its listener closes; with `Reset` it answers every OPEN_REQ with
    /// E_CTI_CTI_SERVER_OFFLINE. If it was active, every connection on it is closed without a goodbye and the
    /// other side takes over. Events that happen while a client is away are never replayed.
    pub fn fail_side(&self, side: Side, mode: FailMode) {
        let now = self.shared.now();
        tracing::warn!(
            "fault: side {} failed ({})",
            side.name(),
            match mode {
                FailMode::Refuse => "refuse: connections are refused",
                FailMode::Reset => "reset: OPEN_REQ is answered E_CTI_CTI_SERVER_OFFLINE",
            }
        );
        self.shared.core().fail_side(side, mode, now);
        self.changed();
    }

    /// Brings a failed side back (idle, or active if no side is).
    pub fn restore_side(&self, side: Side) {
        let now = self.shared.now();
        tracing::warn!("fault: side {} restored", side.name());
        self.shared.core().restore_side(side, now);
        self.changed();
    }

    /// The peripheral goes offline: SYSTEM_EVENT, then END_CALL_EVENT for every call at once, or after
    /// `linger` if it is not back by then.
    pub fn peripheral_offline(&self, id: u32, linger: Option<Duration>) -> Result<(), EngineError> {
        let now = self.shared.now();
        let mut core = self.shared.core();
        let mut events = Vec::new();
        core.engine
            .peripheral_offline(id, linger, now, &mut events)?;
        tracing::warn!(
            "fault: peripheral {id} offline ({})",
            linger.map_or_else(
                || "its calls end now".to_owned(),
                |l| format!(
                    "its calls end after {} s unless it is back",
                    l.as_secs_f64()
                )
            )
        );
        core.publish(events, now);
        drop(core);
        self.changed();
        Ok(())
    }

    /// The peripheral is back: SYSTEM_EVENT, and BEGIN_CALL_EVENT for the calls that continue.
    pub fn peripheral_online(&self, id: u32) -> Result<(), EngineError> {
        let now = self.shared.now();
        let mut core = self.shared.core();
        let mut events = Vec::new();
        core.engine.peripheral_online(id, now, &mut events)?;
        tracing::warn!("fault: peripheral {id} online again");
        core.publish(events, now);
        drop(core);
        self.changed();
        Ok(())
    }

    /// Starts one inbound call; returns its ConnectionCallID.
    pub fn start_call(&self, spec: CallSpec) -> Result<u32, EngineError> {
        let now = self.shared.now();
        let mut core = self.shared.core();
        let mut events = Vec::new();
        let id = core.engine.start_call(spec, now, &mut events)?;
        core.publish(events, now);
        drop(core);
        self.changed();
        Ok(id)
    }

    /// Sets the generated traffic (mean calls per second; 0 stops it).
    pub fn set_traffic(&self, calls_per_second: f64) {
        let now = self.shared.now();
        tracing::info!("traffic: {calls_per_second} calls per second");
        self.shared
            .core()
            .engine
            .set_calls_per_second(calls_per_second, now);
        self.changed();
    }

    /// Stops answering heartbeats and sending anything on a session (a half-open connection). False if no such
    /// session.
    pub fn silence_session(&self, id: u64) -> bool {
        self.shared.core().silence(id)
    }

    /// Closes a session abruptly. False if no such session.
    pub fn drop_session(&self, id: u64) -> bool {
        let now = self.shared.now();
        self.shared.core().drop_session(id, now)
    }

    /// What every client did, judged against Cisco's client guidelines.
    pub fn conformance(&self) -> ConformanceReport {
        let now = self.shared.now();
        self.shared.core().recorder.report(now)
    }
}
