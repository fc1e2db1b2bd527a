//! A serializable snapshot of the engine for the control plane (`GET /status`).

use cti_proto::constants::LocalConnectionState;
use serde::Serialize;

use super::Engine;
use super::calls::Call;

/// Everything the engine is doing right now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EngineStatus {
    /// Calls in progress, oldest first.
    pub calls: Vec<CallStatus>,
    /// Every agent, in configuration order.
    pub agents: Vec<AgentStatus>,
    /// The current mean rate of generated inbound calls.
    pub calls_per_second: f64,
    /// Every peripheral.
    pub peripherals: Vec<PeripheralStatus>,
}

/// One call in progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallStatus {
    /// ConnectionCallID.
    pub id: u32,
    /// PeripheralID.
    pub peripheral: u32,
    /// ANI.
    pub ani: Option<String>,
    /// DNIS.
    pub dnis: Option<String>,
    /// AgentID of the (first) agent on the call.
    pub agent: Option<String>,
    /// `queued`, `initiated`, `alerting`, `connected` or `held` (from the agents' point of view).
    pub state: &'static str,
    /// When the call began, in seconds since the simulator started.
    pub since: f64,
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentStatus {
    /// AgentID.
    pub agent_id: String,
    /// AgentExtension.
    pub extension: String,
    /// Cisco's name of the agent state (`AGENT_STATE_TALKING`).
    pub state: String,
    /// When the agent entered the state, in seconds since the simulator started.
    pub since: f64,
    /// The ConnectionCallID of the agent's (first) call.
    pub call: Option<u32>,
}

/// One peripheral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeripheralStatus {
    /// PeripheralID.
    pub id: u32,
    /// Whether it is online.
    pub online: bool,
}

fn call_state(c: &Call) -> &'static str {
    if c.queued {
        return "queued";
    }
    let agent_states = || {
        c.conns
            .iter()
            .filter(|x| x.agent.is_some())
            .map(|x| x.state)
    };
    if agent_states().any(|s| s == LocalConnectionState::LCS_CONNECT) {
        "connected"
    } else if agent_states().any(|s| s == LocalConnectionState::LCS_INITIATE) {
        "initiated"
    } else if agent_states().any(|s| s == LocalConnectionState::LCS_ALERTING) {
        "alerting"
    } else if agent_states().any(|s| s == LocalConnectionState::LCS_HOLD) {
        "held"
    } else {
        "connected"
    }
}

pub(super) fn status(e: &Engine) -> EngineStatus {
    let calls = e
        .calls
        .values()
        .map(|c| CallStatus {
            id: c.id,
            peripheral: c.peripheral_id,
            ani: c.ani.as_ref().map(ToString::to_string),
            dnis: c.dnis.as_ref().map(ToString::to_string),
            agent: c
                .conns
                .iter()
                .find_map(|x| x.agent)
                .and_then(|a| e.agents.get(a))
                .map(|a| a.config_id.clone()),
            state: call_state(c),
            since: c.since.as_secs_f64(),
        })
        .collect();
    let agents = e
        .agents
        .iter()
        .map(|a| AgentStatus {
            agent_id: a.config_id.clone(),
            extension: a.ext.to_string(),
            state: a.state.to_string(),
            since: a.since.as_secs_f64(),
            call: a.calls.first().copied(),
        })
        .collect();
    EngineStatus {
        calls,
        agents,
        calls_per_second: e.cps,
        peripherals: e
            .periphs
            .iter()
            .map(|p| PeripheralStatus {
                id: p.id,
                online: p.online,
            })
            .collect(),
    }
}
