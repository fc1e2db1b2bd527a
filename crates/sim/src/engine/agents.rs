//! Agents: their configuration turned into wire strings once, the lookup directory, state changes with their
//! AGENT_STATE_EVENTs, the longest-available queue and wrap-up.

use std::collections::HashMap;
use std::time::Duration;

use cti_proto::CtiString;
use cti_proto::constants::{AgentState, LocalConnectionState, NULL_SKILL_GROUP, PeripheralType};

use super::peripherals::Peripheral;
use super::schedule::Step;
use super::{AgentIndex, AgentLookup, Engine, WorldEvent, calls, messages};
use crate::config::SimConfig;

/// SkillGroupID = SkillGroupNumber + this (a stable, distinct skill-target id per skill group).
const SKILL_GROUP_ID_BASE: u32 = 10_000;
/// ICMAgentID (skill target id) of agent index i = this + i.
const ICM_AGENT_ID_BASE: i32 = 5001;

/// The SkillGroupID of a SkillGroupNumber.
pub(super) fn skill_group_id(number: u32) -> u32 {
    if number == NULL_SKILL_GROUP {
        NULL_SKILL_GROUP
    } else {
        number.wrapping_add(SKILL_GROUP_ID_BASE)
    }
}

/// One agent.
#[derive(Debug, Clone)]
pub(super) struct Agent {
    /// AgentID as configured (for lookups and status).
    pub(super) config_id: String,
    /// AgentID, AgentExtension, AgentInstrument as sent on the wire.
    pub(super) id: CtiString,
    pub(super) ext: CtiString,
    pub(super) instrument: CtiString,
    pub(super) peripheral_id: u32,
    /// Index of the agent's peripheral (`None` when it is not configured: the agent never gets calls).
    pub(super) pidx: Option<usize>,
    pub(super) ptype: PeripheralType,
    /// (SkillGroupNumber, SkillGroupID), the first one is the agent's main skill group.
    pub(super) skill_groups: Vec<(u32, u32)>,
    pub(super) icm_id: i32,
    pub(super) state: AgentState,
    /// EventReasonCode of the current state (Not Ready / Logout reason).
    pub(super) reason: u16,
    /// When the current state began.
    pub(super) since: Duration,
    /// The last state reported in an AGENT_STATE_EVENT (differs from `state` after an outage).
    pub(super) reported: AgentState,
    /// The calls the agent has a connection on.
    pub(super) calls: Vec<u32>,
    /// The state (AVAILABLE or NOT_READY) to return to after a call that has no wrap-up.
    pub(super) idle_state: AgentState,
    /// A state asked for while on a call, taken when the call ends.
    pub(super) pending: Option<(AgentState, u16)>,
    /// Changes whenever the agent leaves wrap-up, so that a scheduled wrap end can tell it is stale.
    pub(super) wrap_generation: u32,
    /// Stamp of the agent's entry in the available queue.
    pub(super) avail_seq: u64,
    /// The ended call whose wrap-up data the agent may still set.
    pub(super) wrap_call: Option<u32>,
}

impl Agent {
    /// Whether the agent can take a new call now: AVAILABLE and without calls.
    pub(super) fn routable(&self) -> bool {
        self.state == AgentState::AGENT_STATE_AVAILABLE && self.calls.is_empty()
    }

    /// The main (SkillGroupNumber, SkillGroupID).
    pub(super) fn main_skill_group(&self) -> (u32, u32) {
        self.skill_groups
            .first()
            .copied()
            .unwrap_or((NULL_SKILL_GROUP, NULL_SKILL_GROUP))
    }
}

/// Whether `s` is one of the two wrap-up states.
pub(super) fn is_work(s: AgentState) -> bool {
    s == AgentState::AGENT_STATE_WORK_READY || s == AgentState::AGENT_STATE_WORK_NOT_READY
}

/// Agent lookup by extension, AgentID and instrument, per peripheral.
#[derive(Debug, Default)]
pub(super) struct Directory {
    by_peripheral: HashMap<u32, Names>,
}

#[derive(Debug, Default)]
struct Names {
    ext: HashMap<String, AgentIndex>,
    id: HashMap<String, AgentIndex>,
    instrument: HashMap<String, AgentIndex>,
}

impl Directory {
    /// See [`Engine::find_agent`].
    pub(super) fn find(
        &self,
        peripheral_id: u32,
        extension: Option<&str>,
        agent_id: Option<&str>,
        instrument: Option<&str>,
    ) -> AgentLookup {
        let Some(names) = self.by_peripheral.get(&peripheral_id) else {
            return AgentLookup::NotFound;
        };
        let mut found: Option<AgentIndex> = None;
        let mut missing = false;
        let mut conflict = false;
        for (map, value) in [
            (&names.ext, extension),
            (&names.id, agent_id),
            (&names.instrument, instrument),
        ] {
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            match map.get(value) {
                None => missing = true,
                Some(&a) => match found {
                    Some(f) if f != a => conflict = true,
                    _ => found = Some(a),
                },
            }
        }
        if conflict {
            AgentLookup::Inconsistent
        } else if missing {
            // One value names an agent and another names nobody: the data does not fit together either.
            if found.is_some() {
                AgentLookup::Inconsistent
            } else {
                AgentLookup::NotFound
            }
        } else {
            found.map_or(AgentLookup::NotFound, AgentLookup::Found)
        }
    }

    /// The agent whose extension or instrument is `device` on `peripheral_id`.
    pub(super) fn device(&self, peripheral_id: u32, device: &str) -> Option<AgentIndex> {
        let names = self.by_peripheral.get(&peripheral_id)?;
        names
            .instrument
            .get(device)
            .or_else(|| names.ext.get(device))
            .copied()
    }
}

/// The agents of `cfg` and their directory.
pub(super) fn build(cfg: &SimConfig, periphs: &[Peripheral]) -> (Vec<Agent>, Directory) {
    let mut dir = Directory::default();
    let agents = cfg
        .agents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let names = dir.by_peripheral.entry(c.peripheral_id).or_default();
            names.ext.entry(c.extension.clone()).or_insert(i);
            names.id.entry(c.agent_id.clone()).or_insert(i);
            names.instrument.entry(c.instrument.clone()).or_insert(i);
            let pidx = periphs.iter().position(|p| p.id == c.peripheral_id);
            let ptype = pidx
                .and_then(|p| periphs.get(p))
                .map_or(PeripheralType::PT_ENTERPRISE_AGENT, |p| p.ptype);
            let state = match c.initial_state {
                AgentState::AGENT_STATE_LOGOUT => AgentState::AGENT_STATE_LOGOUT,
                AgentState::AGENT_STATE_NOT_READY => AgentState::AGENT_STATE_NOT_READY,
                _ => AgentState::AGENT_STATE_AVAILABLE,
            };
            Agent {
                config_id: c.agent_id.clone(),
                id: calls::fit(&c.agent_id, 12),
                ext: calls::fit(&c.extension, 16),
                instrument: calls::fit(&c.instrument, 64),
                peripheral_id: c.peripheral_id,
                pidx,
                ptype,
                skill_groups: c
                    .skill_groups
                    .iter()
                    .map(|&n| (n, skill_group_id(n)))
                    .collect(),
                icm_id: i32::try_from(i).map_or(i32::MAX, |i| i.saturating_add(ICM_AGENT_ID_BASE)),
                state,
                reason: 0,
                since: Duration::ZERO,
                reported: state,
                calls: Vec::new(),
                idle_state: AgentState::AGENT_STATE_NOT_READY,
                pending: None,
                wrap_generation: 0,
                avail_seq: 0,
                wrap_call: None,
            }
        })
        .collect();
    (agents, dir)
}

impl Engine {
    /// Puts an agent that starts AVAILABLE into the available queue (no event: the login happened before).
    pub(super) fn enter_initial_availability(&mut self, a: AgentIndex) {
        if let Some(agent) = self.agents.get_mut(a) {
            if agent.state == AgentState::AGENT_STATE_AVAILABLE {
                self.avail_seq += 1;
                agent.avail_seq = self.avail_seq;
                self.avail.push_back((self.avail_seq, a));
            }
        }
    }

    /// Sets an agent's state and reports it (AGENT_STATE_EVENT in `group`, parties = the agent).
    pub(super) fn change_state(
        &mut self,
        a: AgentIndex,
        new: AgentState,
        reason: u16,
        sig: Option<&CtiString>,
        group: u64,
        out: &mut Vec<WorldEvent>,
    ) {
        let now = self.now;
        let Some(agent) = self.agents.get_mut(a) else {
            return;
        };
        let old = agent.state;
        agent.state = new;
        agent.reason = reason;
        agent.since = now;
        let left_wrap = is_work(old) && !is_work(new);
        if left_wrap {
            agent.wrap_generation = agent.wrap_generation.wrapping_add(1);
        }
        if new == AgentState::AGENT_STATE_AVAILABLE {
            self.avail_seq += 1;
            agent.avail_seq = self.avail_seq;
            self.avail.push_back((self.avail_seq, a));
        }
        let pidx = agent.pidx;
        if left_wrap {
            self.release_wrap(a);
        }
        if new == AgentState::AGENT_STATE_AVAILABLE && !self.queue.is_empty() {
            self.to_dispatch.push(a);
        }
        self.compact_avail();
        if let (Some(p), true) = (pidx, self.online(pidx)) {
            if let Some(agent) = self.agents.get_mut(a) {
                agent.reported = new;
            }
            if let Some(agent) = self.agents.get(a) {
                let msg = messages::agent_state(agent, sig, self.direction_of(a));
                self.emit(out, group, p, vec![a], msg);
            }
        }
    }

    /// Re-derives the state of an agent that is on calls from its connections (TALKING when a connection is
    /// active, RESERVED when only ringing, HOLD when all are held) and reports a change.
    pub(super) fn refresh_agent(
        &mut self,
        a: AgentIndex,
        sig: Option<&CtiString>,
        group: u64,
        out: &mut Vec<WorldEvent>,
    ) {
        let Some(agent) = self.agents.get(a) else {
            return;
        };
        let (mut active, mut alerting, mut held) = (false, false, false);
        for call in agent.calls.iter().filter_map(|c| self.calls.get(c)) {
            for conn in call.conns.iter().filter(|c| c.agent == Some(a)) {
                match conn.state {
                    LocalConnectionState::LCS_ALERTING => alerting = true,
                    LocalConnectionState::LCS_HOLD => held = true,
                    _ => active = true,
                }
            }
        }
        let new = if active {
            AgentState::AGENT_STATE_TALKING
        } else if alerting {
            AgentState::AGENT_STATE_RESERVED
        } else if held {
            AgentState::AGENT_STATE_HOLD
        } else {
            return;
        };
        if new != agent.state {
            self.change_state(a, new, 0, sig, group, out);
        }
    }

    /// Records that agent `a` gets a connection on call `cid`.
    pub(super) fn attach(&mut self, a: AgentIndex, cid: u32) {
        if let Some(agent) = self.agents.get_mut(a) {
            if agent.calls.is_empty() {
                agent.idle_state = if agent.state == AgentState::AGENT_STATE_AVAILABLE {
                    AgentState::AGENT_STATE_AVAILABLE
                } else {
                    AgentState::AGENT_STATE_NOT_READY
                };
            }
            agent.calls.push(cid);
        }
    }

    /// Agent `a` has left call `cid` (its connection is gone). With other calls left its state is re-derived;
    /// otherwise it goes to wrap-up after an ACD call (WORK_READY, or WORK_NOT_READY when NOT_READY was asked
    /// for meanwhile) or back to its idle state (or the state asked for) after any other call.
    pub(super) fn leave_call(
        &mut self,
        a: AgentIndex,
        cid: u32,
        acd: bool,
        sig: Option<&CtiString>,
        group: u64,
        out: &mut Vec<WorldEvent>,
    ) {
        let wrap = self.traffic.wrap;
        let Some(agent) = self.agents.get_mut(a) else {
            return;
        };
        agent.calls.retain(|&c| c != cid);
        if !agent.calls.is_empty() {
            self.refresh_agent(a, sig, group, out);
            return;
        }
        let pending = agent.pending.take();
        let (state, reason) = match (acd, pending) {
            (true, Some((s, r)))
                if s == AgentState::AGENT_STATE_NOT_READY
                    || s == AgentState::AGENT_STATE_WORK_NOT_READY =>
            {
                (AgentState::AGENT_STATE_WORK_NOT_READY, r)
            }
            (true, _) => (AgentState::AGENT_STATE_WORK_READY, 0),
            (false, Some((s, r))) => (s, r),
            (false, None) => (agent.idle_state, 0),
        };
        self.change_state(a, state, reason, sig, group, out);
        if is_work(state) {
            if let Some(agent) = self.agents.get(a) {
                let generation = agent.wrap_generation;
                self.sched.push(
                    self.now.saturating_add(wrap),
                    Step::WrapEnd {
                        agent: a,
                        generation,
                    },
                );
            }
        }
    }

    /// The wrap-up timer of agent `a` expired: WORK_READY → AVAILABLE, WORK_NOT_READY → NOT_READY.
    pub(super) fn wrap_end(&mut self, a: AgentIndex, generation: u32, out: &mut Vec<WorldEvent>) {
        let Some(agent) = self.agents.get(a) else {
            return;
        };
        if agent.wrap_generation != generation || !agent.calls.is_empty() {
            return;
        }
        let (next, reason) = match agent.state {
            AgentState::AGENT_STATE_WORK_READY => (AgentState::AGENT_STATE_AVAILABLE, 0),
            AgentState::AGENT_STATE_WORK_NOT_READY => {
                (AgentState::AGENT_STATE_NOT_READY, agent.reason)
            }
            _ => return,
        };
        let g = self.group();
        self.change_state(a, next, reason, None, g, out);
    }

    /// Ends agent `a`'s wrap-up data window.
    pub(super) fn release_wrap(&mut self, a: AgentIndex) {
        let Some(cid) = self.agents.get_mut(a).and_then(|x| x.wrap_call.take()) else {
            return;
        };
        if let Some(ended) = self.ended.get_mut(&cid) {
            ended.agents.retain(|&x| x != a);
            if ended.agents.is_empty() {
                self.ended.remove(&cid);
            }
        }
    }

    /// Takes the longest-available routable agent (of peripheral index `p` when given, online peripherals
    /// only) out of the available queue.
    pub(super) fn take_available(&mut self, p: Option<usize>) -> Option<AgentIndex> {
        let mut i = 0;
        while let Some(&(seq, a)) = self.avail.get(i) {
            let Some(agent) = self.agents.get(a) else {
                self.avail.remove(i);
                continue;
            };
            if agent.avail_seq != seq || !agent.routable() {
                self.avail.remove(i);
                continue;
            }
            if self.online(agent.pidx) && (p.is_none() || agent.pidx == p) {
                self.avail.remove(i);
                return Some(a);
            }
            i += 1;
        }
        None
    }

    /// Drops stale entries once the available queue has grown well past the number of agents.
    fn compact_avail(&mut self) {
        if self.avail.len() > 4 * self.agents.len() + 16 {
            let agents = &self.agents;
            self.avail.retain(|&(seq, a)| {
                agents
                    .get(a)
                    .is_some_and(|x| x.avail_seq == seq && x.routable())
            });
        }
    }

    /// Serves queued calls to the agents that became available during the current operation.
    pub(super) fn flush_dispatch(&mut self, out: &mut Vec<WorldEvent>) {
        while !self.to_dispatch.is_empty() {
            let agents = std::mem::take(&mut self.to_dispatch);
            for a in agents {
                self.dispatch_to(a, out);
            }
        }
    }
}
