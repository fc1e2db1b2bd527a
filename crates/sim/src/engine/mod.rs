//! The call and agent engine of the simulator: agents with their states, inbound ACD traffic, client-control
//! requests and peripheral outages, producing the CTI events a real UCCE would send.
//!
//! The engine is sans-IO: no clocks, threads or sockets. Time is a [`Duration`] since the simulator started,
//! passed in by the caller; randomness comes from a [`StdRng`] seeded with [`SimConfig::seed`], so the same
//! configuration and the same calls give the same events. The session layer calls [`Engine::advance`] when
//! [`Engine::next_deadline`] is reached, hands client requests to [`Engine::control`] and fans the resulting
//! [`WorldEvent`]s out to its sessions.
//!
//! Event groups: events that logically happen at the same instant share [`WorldEvent::group`] (for example
//! CALL_ESTABLISHED_EVENT and the agent's AGENT_STATE_EVENT TALKING), so the session layer may shuffle or delay
//! them ("Message Order" in the client guidelines). A group never holds two events of the same call, so
//! keeping groups in order keeps every call's own events in order (BEGIN_CALL first, END_CALL last).
//!
//! An inbound call ([`Engine::start_call`] or a Poisson arrival), `[..]` = one group:
//! `[BEGIN_CALL]` `[CALL_DELIVERED + AGENT_STATE RESERVED]` — ring — `[CALL_ESTABLISHED + AGENT_STATE
//! TALKING]` — 1 s — `[CALL_DATA_UPDATE]` — optional `[CALL_HELD + AGENT_STATE HOLD]` … `[CALL_RETRIEVED +
//! AGENT_STATE TALKING]` — talk — `[CALL_CONNECTION_CLEARED + AGENT_STATE WORK_READY]` `[CALL_CLEARED]`
//! `[END_CALL]` — wrap-up — `[AGENT_STATE AVAILABLE]`. Without an available agent: `[BEGIN_CALL]
//! [CALL_QUEUED]` (no parties), then either `[CALL_DEQUEUED] [END_CALL]` and the agent's leg as a new call
//! (same data and router call key), or after 60 s `[CALL_CLEARED] [END_CALL]`. The other sequences are
//! documented where they are produced (modules `flow`, `control_calls`, `complete`, `peripherals`).

mod agents;
mod calls;
mod complete;
mod control;
mod control_calls;
mod direction;
mod flow;
mod inbound;
mod messages;
mod peripherals;
mod schedule;
mod status;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use cti_proto::constants::{AgentState, ControlFailureCode, PeripheralType, PgStatus, StatusCode};
use cti_proto::{CtiString, Message};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::config::SimConfig;

use agents::{Agent, Directory};
use calls::{Call, Ended};
use inbound::Template;
use peripherals::Peripheral;
use schedule::{Schedule, Step};

pub use status::{AgentStatus, CallStatus, EngineStatus, PeripheralStatus};

/// Index of an agent in [`SimConfig::agents`].
pub type AgentIndex = usize;

/// One event produced by the engine, with who it concerns.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldEvent {
    /// The peripheral the event belongs to.
    pub peripheral_id: u32,
    /// The agents the event concerns: the CLIENT_EVENTS sessions bound to these agents receive it. ALL_EVENTS
    /// sessions receive every event. SYSTEM_EVENTs have no parties and are meant for every session.
    ///
    /// The engine never needs to introduce an existing call to a joining agent: an agent only ever joins a
    /// call at its start or through a consult call it already knows (transfer and conference keep the consult
    /// call), a queued call reaches its agent as a new call, so every session sees one BEGIN_CALL_EVENT per
    /// call.
    pub parties: Vec<AgentIndex>,
    /// Events with the same group happen logically at the same instant and may be delivered in any order;
    /// groups are numbered in the order they happened.
    pub group: u64,
    /// The event message.
    pub message: Message,
}

/// Who sent a client-control request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requester {
    /// The agent (device) a CLIENT_EVENTS session is bound to; such a session may only control that agent's
    /// own device and calls.
    pub agent: Option<AgentIndex>,
    /// True for an ALL_EVENTS session, which may control any device.
    pub all_events: bool,
    /// The session's ClientSignature (CTIClientSignature of the events and call data it causes).
    pub client_signature: String,
}

/// The answer to a client-control request.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlReply {
    /// The request's confirmation (its InvokeID echoed).
    Conf(Message),
    /// FAILURE_CONF with this status.
    Failure(StatusCode),
    /// CONTROL_FAILURE_CONF with this FailureCode and PeripheralErrorCode.
    ControlFailure(ControlFailureCode, u32),
}

/// The result of [`Engine::find_agent`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentLookup {
    /// Every given value names this agent.
    Found(AgentIndex),
    /// A given value names no agent of the peripheral (or no value was given).
    NotFound,
    /// The given values name different agents.
    Inconsistent,
}

/// Why the engine refused an operation.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// No such peripheral.
    #[error("unknown peripheral {0}")]
    UnknownPeripheral(u32),
    /// No agent with this AgentID.
    #[error("unknown agent {0:?}")]
    UnknownAgent(String),
    /// The requested agent is not available, or no peripheral can take the call.
    #[error("no agent available")]
    NoAgentAvailable,
    /// The peripheral is offline and takes no new calls.
    #[error("peripheral {0} is offline")]
    PeripheralOffline(u32),
    /// A call variable index outside 1..=10.
    #[error("call variable index {0} is not in 1..=10")]
    InvalidCallVariable(u8),
}

/// A call to start now (`POST /calls`). Everything is optional: what is not given comes from the traffic
/// configuration (random ANI, a configured DNIS, the call-variable and ECC templates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CallSpec {
    /// ANI (calling number).
    pub ani: Option<String>,
    /// DNIS (number dialed by the caller).
    pub dnis: Option<String>,
    /// CallVariable1..10 values, overriding the templates: (index 1..=10, value).
    pub call_variables: Vec<(u8, String)>,
    /// ECC scalar variables (name, value), added to (or overriding) the configured ones.
    pub named_variables: Vec<(String, String)>,
    /// ECC array elements (index, name, value), added to (or overriding) the configured ones.
    pub named_arrays: Vec<(u8, String, String)>,
    /// The agent (AgentID) that must get the call; `None` = the longest-available agent (or the queue).
    pub agent_id: Option<String>,
    /// The peripheral the call arrives on; `None` = any online peripheral.
    pub peripheral_id: Option<u32>,
}

/// Call-flow parameters from [`crate::config::TrafficConfig`], converted once.
#[derive(Debug, Clone)]
struct Traffic {
    ring: Duration,
    talk_min: f64,
    talk_max: f64,
    hold_probability: f64,
    hold: Duration,
    wrap: Duration,
    dnis: Vec<CtiString>,
    call_variables: Vec<Template>,
    named_variables: Vec<(CtiString, Template)>,
    named_arrays: Vec<(u8, CtiString, Template)>,
}

/// How long a queued call waits before it is abandoned.
const QUEUE_ABANDON: Duration = Duration::from_secs(60);
/// How long after the answer the routing script's CALL_DATA_UPDATE_EVENT comes.
const DATA_UPDATE_DELAY: Duration = Duration::from_secs(1);
/// Highest accepted traffic rate (calls per second).
const MAX_CALLS_PER_SECOND: f64 = 1_000_000.0;
/// The first ConnectionCallID handed out (CUCM-style call ids).
const FIRST_CALL_ID: u32 = 0x0100_0001;

/// The simulated contact center: peripherals, agents, calls and the timeline of what happens next.
#[derive(Debug)]
pub struct Engine {
    epoch: u32,
    now: Duration,
    rng: StdRng,
    traffic: Traffic,
    cps: f64,
    arrival_generation: u64,
    periphs: Vec<Peripheral>,
    agents: Vec<Agent>,
    directory: Directory,
    calls: BTreeMap<u32, Call>,
    /// Queued call ids, oldest first.
    queue: VecDeque<u32>,
    /// (avail_seq, agent) in the order agents became available (longest available first); stale entries are
    /// skipped.
    avail: VecDeque<(u64, AgentIndex)>,
    avail_seq: u64,
    /// Agents that became available while calls were queued; served at the end of the current operation.
    to_dispatch: Vec<AgentIndex>,
    /// Calls that ended but whose wrap-up data may still be set (until the agents leave wrap-up or
    /// RELEASE_CALL_REQ).
    ended: BTreeMap<u32, Ended>,
    sched: Schedule,
    next_call_id: u32,
    next_router_call_id: u32,
    router_day: u32,
    next_group: u64,
}

impl Engine {
    /// A new engine for `cfg`, with every agent in its initial state and the first traffic arrival scheduled.
    /// `epoch_unix_secs` is the wall-clock time of the simulator start, for the TIME fields.
    pub fn new(cfg: &SimConfig, epoch_unix_secs: u32) -> Engine {
        let periphs = peripherals::build(cfg);
        let (agents, directory) = agents::build(cfg, &periphs);
        let mut engine = Engine {
            epoch: epoch_unix_secs,
            now: Duration::ZERO,
            rng: StdRng::seed_from_u64(cfg.seed),
            traffic: inbound::traffic(&cfg.traffic),
            cps: 0.0,
            arrival_generation: 0,
            periphs,
            agents,
            directory,
            calls: BTreeMap::new(),
            queue: VecDeque::new(),
            avail: VecDeque::new(),
            avail_seq: 0,
            to_dispatch: Vec::new(),
            ended: BTreeMap::new(),
            sched: Schedule::default(),
            next_call_id: FIRST_CALL_ID,
            next_router_call_id: 1,
            router_day: epoch_unix_secs / 86_400,
            next_group: 0,
        };
        for a in 0..engine.agents.len() {
            engine.enter_initial_availability(a);
        }
        engine.set_calls_per_second(cfg.traffic.calls_per_second, Duration::ZERO);
        engine
    }

    /// The time of the earliest scheduled step (traffic arrivals included), if any.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.sched.peek().map(|(at, _)| at)
    }

    /// Runs every step due at or before `now`, in time order, appending the events they produce.
    pub fn advance(&mut self, now: Duration, out: &mut Vec<WorldEvent>) {
        while let Some((at, step)) = self.sched.pop_due(now) {
            self.now = at.max(self.now);
            self.run_step(step, out);
            self.flush_dispatch(out);
        }
        self.now = now.max(self.now);
        self.prune();
    }

    /// Changes the mean rate of generated inbound calls (0 stops them); the next arrival is drawn from `now`.
    pub fn set_calls_per_second(&mut self, cps: f64, now: Duration) {
        self.now = now.max(self.now);
        self.cps = if cps.is_finite() && cps > 0.0 {
            cps.min(MAX_CALLS_PER_SECOND)
        } else {
            0.0
        };
        self.arrival_generation += 1;
        self.schedule_arrival(now);
        self.prune();
    }

    /// The current mean rate of generated inbound calls.
    pub fn calls_per_second(&self) -> f64 {
        self.cps
    }

    /// Starts an inbound ACD call now; returns its ConnectionCallID. Without an available agent the call is
    /// queued (unless a specific agent was asked for).
    #[allow(
        clippy::needless_pass_by_value,
        reason = "the spec is built for this call (POST /calls)"
    )]
    pub fn start_call(
        &mut self,
        spec: CallSpec,
        now: Duration,
        out: &mut Vec<WorldEvent>,
    ) -> Result<u32, EngineError> {
        self.now = now.max(self.now);
        let pidx = match spec.peripheral_id {
            Some(id) => Some(
                self.periph_index(id)
                    .ok_or(EngineError::UnknownPeripheral(id))?,
            ),
            None => None,
        };
        let target = match &spec.agent_id {
            Some(id) => Some(
                self.agent_by_id(pidx, id)
                    .ok_or_else(|| EngineError::UnknownAgent(id.clone()))?,
            ),
            None => None,
        };
        let mut inbound = self.template_inbound(Some(&spec))?;
        inbound.target = target;
        inbound.pidx = pidx;
        let result = self.start_inbound(inbound, out);
        self.flush_dispatch(out);
        self.prune();
        result
    }

    /// Handles a client-control request; `None` when `req` is not a request the engine handles (the session
    /// layer answers FAILURE_CONF E_CTI_FUNCTION_NOT_AVAILABLE). The effects are appended to `out` as events,
    /// which the session may send before or after the reply. Scheduled steps are not run here: call
    /// [`Engine::advance`] up to `now` first (the same holds for the other operations taking `now`).
    pub fn control(
        &mut self,
        req: &Message,
        who: &Requester,
        now: Duration,
        out: &mut Vec<WorldEvent>,
    ) -> Option<ControlReply> {
        self.now = now.max(self.now);
        let reply = self.dispatch_control(req, who, out);
        self.flush_dispatch(out);
        self.prune();
        reply
    }

    /// Takes a peripheral offline (a data-link failure between the ACD and the PG): SYSTEM_EVENT
    /// SYS_PERIPHERAL_OFFLINE, then END_CALL_EVENT for every call at once (`linger` = `None`) or only if the
    /// peripheral is not back within `linger`. Calls go on silently meanwhile.
    pub fn peripheral_offline(
        &mut self,
        peripheral_id: u32,
        linger: Option<Duration>,
        now: Duration,
        out: &mut Vec<WorldEvent>,
    ) -> Result<(), EngineError> {
        self.now = now.max(self.now);
        let p = self
            .periph_index(peripheral_id)
            .ok_or(EngineError::UnknownPeripheral(peripheral_id))?;
        self.go_offline(p, linger, out);
        self.prune();
        Ok(())
    }

    /// Brings a peripheral back: SYSTEM_EVENT SYS_PERIPHERAL_ONLINE, END_CALL_EVENT for lingering calls that
    /// ended during the outage, BEGIN_CALL_EVENT for every call that goes on (with its current data), and
    /// AGENT_STATE_EVENT for agents whose state changed meanwhile. Missed events are not replayed.
    pub fn peripheral_online(
        &mut self,
        peripheral_id: u32,
        now: Duration,
        out: &mut Vec<WorldEvent>,
    ) -> Result<(), EngineError> {
        self.now = now.max(self.now);
        let p = self
            .periph_index(peripheral_id)
            .ok_or(EngineError::UnknownPeripheral(peripheral_id))?;
        self.go_online(p, out);
        self.flush_dispatch(out);
        self.prune();
        Ok(())
    }

    /// The agent of `peripheral_id` named by the given values (empty strings count as not given).
    pub fn find_agent(
        &self,
        peripheral_id: u32,
        extension: Option<&str>,
        agent_id: Option<&str>,
        instrument: Option<&str>,
    ) -> AgentLookup {
        self.directory
            .find(peripheral_id, extension, agent_id, instrument)
    }

    /// The agent's current state (AGENT_STATE_UNKNOWN for an index out of range).
    pub fn agent_state(&self, agent: AgentIndex) -> AgentState {
        self.agents
            .get(agent)
            .map_or(AgentState::AGENT_STATE_UNKNOWN, |a| a.state)
    }

    /// BEGIN_CALL_EVENT for every call in progress that clients know of (calls on offline peripherals whose
    /// END_CALL_EVENT was sent are left out); only `agent`'s calls when `Some`.
    pub fn begin_calls_for(&self, agent: Option<AgentIndex>) -> Vec<Message> {
        self.calls
            .values()
            .filter(|c| c.announced && self.online(Some(c.pidx)))
            .filter(|c| agent.is_none_or(|a| c.has_agent(a)))
            .map(messages::begin_call)
            .collect()
    }

    /// One SYSTEM_EVENT per peripheral (SYS_PERIPHERAL_ONLINE or SYS_PERIPHERAL_OFFLINE, Arg1 = PeripheralID),
    /// as sent to ALL_EVENTS sessions after OPEN_CONF.
    pub fn system_events(&self) -> Vec<Message> {
        (0..self.periphs.len())
            .filter_map(|p| self.system_event(p))
            .collect()
    }

    /// PGStatus: PGS_PERIPHERAL_OFFLINE while any peripheral is offline, else 0.
    pub fn pg_status(&self) -> PgStatus {
        if self.periphs.iter().all(|p| p.online) {
            PgStatus(0)
        } else {
            PgStatus::PGS_PERIPHERAL_OFFLINE
        }
    }

    /// Whether the peripheral is online (`None` for an unknown peripheral).
    pub fn peripheral_online_flag(&self, id: u32) -> Option<bool> {
        self.periph_index(id)
            .and_then(|p| self.periphs.get(p))
            .map(|p| p.online)
    }

    /// The peripheral's PeripheralType (`None` for an unknown peripheral).
    pub fn peripheral_type(&self, id: u32) -> Option<PeripheralType> {
        self.periph_index(id)
            .and_then(|p| self.periphs.get(p))
            .map(|p| p.ptype)
    }

    /// A snapshot of calls, agents, traffic rate and peripherals for the control plane.
    pub fn status(&self) -> EngineStatus {
        status::status(self)
    }

    // ---- internals shared by the submodules ----

    /// A new event group.
    fn group(&mut self) -> u64 {
        self.next_group += 1;
        self.next_group
    }

    /// Whether events of peripheral index `p` are reported (known and online).
    fn online(&self, p: Option<usize>) -> bool {
        p.and_then(|p| self.periphs.get(p))
            .is_some_and(|p| p.online)
    }

    /// Appends an event of peripheral index `p` unless the peripheral is offline.
    fn emit(
        &self,
        out: &mut Vec<WorldEvent>,
        group: u64,
        p: usize,
        parties: Vec<AgentIndex>,
        message: Message,
    ) {
        if let Some(periph) = self.periphs.get(p).filter(|x| x.online) {
            out.push(WorldEvent {
                peripheral_id: periph.id,
                parties,
                group,
                message,
            });
        }
    }

    /// The wall-clock time now (TIME fields).
    fn wall_time(&self) -> u32 {
        self.epoch
            .saturating_add(u32::try_from(self.now.as_secs()).unwrap_or(u32::MAX))
    }

    fn periph_index(&self, id: u32) -> Option<usize> {
        self.periphs.iter().position(|p| p.id == id)
    }

    /// The agent with AgentID `id` (on peripheral index `p` when given).
    fn agent_by_id(&self, p: Option<usize>, id: &str) -> Option<AgentIndex> {
        self.agents
            .iter()
            .position(|a| a.config_id == id && (p.is_none() || a.pidx == p))
    }

    fn run_step(&mut self, step: Step, out: &mut Vec<WorldEvent>) {
        match step {
            Step::Arrival { generation } => {
                if generation == self.arrival_generation {
                    if let Ok(inbound) = self.template_inbound(None) {
                        // No online peripheral: the arrival is lost, as on a real system.
                        let _ = self.start_inbound(inbound, out);
                    }
                    self.schedule_arrival(self.now);
                }
            }
            Step::Answer { call, agent } => {
                self.answer(call, agent, None, out);
            }
            Step::FarAnswer { call } => self.far_answer(call, out),
            Step::DataUpdate { call } => self.scripted_data_update(call, out),
            Step::Hold { call } => self.auto_hold(call, out),
            Step::Retrieve { call } => self.auto_retrieve(call, out),
            Step::Hangup { call } => self.far_hangup(call, out),
            Step::WrapEnd { agent, generation } => self.wrap_end(agent, generation, out),
            Step::Abandon { call } => self.abandon(call, out),
            Step::LingerExpired {
                peripheral,
                generation,
            } => self.linger_expired(peripheral, generation, out),
        }
    }

    /// Whether a scheduled step would do nothing if it ran now.
    fn is_stale(&self, step: Step) -> bool {
        match step {
            Step::Arrival { generation } => generation != self.arrival_generation,
            Step::Answer { call, .. }
            | Step::FarAnswer { call }
            | Step::DataUpdate { call }
            | Step::Hold { call }
            | Step::Retrieve { call }
            | Step::Hangup { call }
            | Step::Abandon { call } => !self.calls.contains_key(&call),
            Step::WrapEnd { agent, generation } => self
                .agents
                .get(agent)
                .is_none_or(|a| a.wrap_generation != generation),
            Step::LingerExpired {
                peripheral,
                generation,
            } => self
                .periphs
                .get(peripheral)
                .is_none_or(|p| p.online || p.generation != generation),
        }
    }

    /// Drops stale steps from the front of the timeline so that [`Engine::next_deadline`] is accurate.
    fn prune(&mut self) {
        while let Some((_, step)) = self.sched.peek() {
            if !self.is_stale(step) {
                break;
            }
            self.sched.pop();
        }
    }
}
