//! Peripherals and their outages ("CTI Operations During Unified CCE Failures" in the client guidelines):
//! SYSTEM_EVENTs, END_CALL_EVENT at once or after a linger time, silent calls during the outage, and what
//! is reported when the peripheral comes back.

use std::time::Duration;

use cti_proto::constants::{NULL_SKILL_GROUP, PeripheralType};
use cti_proto::{CtiString, Message};

use super::schedule::Step;
use super::{AgentIndex, Engine, WorldEvent, agents, messages};
use crate::config::SimConfig;

/// Whether a call that lingered through an outage gets a new BEGIN_CALL_EVENT when the peripheral is back.
const REFRESH_LINGERING: bool = true;

/// One peripheral (ACD).
#[derive(Debug, Clone)]
pub(super) struct Peripheral {
    pub(super) id: u32,
    pub(super) ptype: PeripheralType,
    pub(super) online: bool,
    /// Changes at every outage, so that a linger timer of an earlier outage is stale.
    pub(super) generation: u32,
    /// Calls that ended during the outage while clients still believed in them: their END_CALL_EVENT is owed.
    pub(super) ghosts: Vec<Ghost>,
    /// (SkillGroupNumber, SkillGroupID) calls are queued for.
    pub(super) default_skill_group: (u32, u32),
    /// Whether any agent belongs to it.
    pub(super) has_agents: bool,
}

/// A call that ended silently during an outage.
#[derive(Debug, Clone)]
pub(super) struct Ghost {
    pub(super) id: u32,
    pub(super) device: CtiString,
    pub(super) ptype: PeripheralType,
    pub(super) peripheral_id: u32,
    pub(super) parties: Vec<AgentIndex>,
}

/// The peripherals of `cfg` (a repeated id is ignored), all online.
pub(super) fn build(cfg: &SimConfig) -> Vec<Peripheral> {
    let mut out: Vec<Peripheral> = Vec::new();
    for p in &cfg.peripherals {
        if out.iter().any(|x| x.id == p.id) {
            continue;
        }
        let sg = cfg
            .agents
            .iter()
            .filter(|a| a.peripheral_id == p.id)
            .find_map(|a| a.skill_groups.first().copied())
            .unwrap_or(NULL_SKILL_GROUP);
        out.push(Peripheral {
            id: p.id,
            ptype: p.peripheral_type,
            online: true,
            generation: 0,
            ghosts: Vec::new(),
            default_skill_group: (sg, agents::skill_group_id(sg)),
            has_agents: cfg.agents.iter().any(|a| a.peripheral_id == p.id),
        });
    }
    out
}

impl Engine {
    /// SYSTEM_EVENT describing peripheral index `p` now.
    pub(super) fn system_event(&self, p: usize) -> Option<Message> {
        let periph = self.periphs.get(p)?;
        Some(messages::system_event(
            self.pg_status(),
            self.wall_time(),
            periph.id,
            periph.online,
        ))
    }

    /// Appends an event of peripheral index `p` whether or not it is online (outage notifications).
    fn push_always(
        &self,
        out: &mut Vec<WorldEvent>,
        group: u64,
        p: usize,
        parties: Vec<AgentIndex>,
        message: Message,
    ) {
        if let Some(periph) = self.periphs.get(p) {
            out.push(WorldEvent {
                peripheral_id: periph.id,
                parties,
                group,
                message,
            });
        }
    }

    pub(super) fn go_offline(
        &mut self,
        p: usize,
        linger: Option<Duration>,
        out: &mut Vec<WorldEvent>,
    ) {
        let Some(periph) = self.periphs.get_mut(p).filter(|x| x.online) else {
            return;
        };
        periph.online = false;
        periph.generation = periph.generation.wrapping_add(1);
        let generation = periph.generation;
        let g = self.group();
        if let Some(msg) = self.system_event(p) {
            self.push_always(out, g, p, Vec::new(), msg);
        }
        match linger {
            None => self.end_all(p, out),
            Some(d) => self.sched.push(
                self.now.saturating_add(d),
                Step::LingerExpired {
                    peripheral: p,
                    generation,
                },
            ),
        }
    }

    /// The linger time of an outage ran out: END_CALL_EVENT for every call clients still believe in.
    pub(super) fn linger_expired(&mut self, p: usize, generation: u32, out: &mut Vec<WorldEvent>) {
        if self
            .periphs
            .get(p)
            .is_some_and(|x| !x.online && x.generation == generation)
        {
            self.end_all(p, out);
        }
    }

    /// END_CALL_EVENT (one group) for the calls of peripheral index `p` that clients believe in: the ones
    /// that ended during the outage and the ones still going on (whose reporting stops until it is back).
    fn end_all(&mut self, p: usize, out: &mut Vec<WorldEvent>) {
        let g = self.group();
        let ghosts = self
            .periphs
            .get_mut(p)
            .map(|x| std::mem::take(&mut x.ghosts))
            .unwrap_or_default();
        for gh in ghosts {
            let msg = messages::end_call_of(gh.peripheral_id, gh.ptype, gh.id, &gh.device);
            self.push_always(out, g, p, gh.parties, msg);
        }
        let mut ends = Vec::new();
        for call in self
            .calls
            .values_mut()
            .filter(|c| c.pidx == p && c.announced)
        {
            call.announced = false;
            ends.push((call.agents(), messages::end_call(call)));
        }
        for (parties, msg) in ends {
            self.push_always(out, g, p, parties, msg);
        }
    }

    pub(super) fn go_online(&mut self, p: usize, out: &mut Vec<WorldEvent>) {
        let Some(periph) = self.periphs.get_mut(p).filter(|x| !x.online) else {
            return;
        };
        periph.online = true;
        periph.generation = periph.generation.wrapping_add(1);
        let ghosts = std::mem::take(&mut periph.ghosts);
        let g = self.group();
        if let Some(msg) = self.system_event(p) {
            self.emit(out, g, p, Vec::new(), msg);
        }
        let g = self.group();
        for gh in ghosts {
            let msg = messages::end_call_of(gh.peripheral_id, gh.ptype, gh.id, &gh.device);
            self.emit(out, g, p, gh.parties, msg);
        }
        // Every call that goes on gets a BEGIN_CALL_EVENT with its current data (its state may have moved on):
        // the calls whose END_CALL_EVENT was sent resume reporting, and the lingering ones are refreshed.
        // (The guidelines only promise "normal call event reporting continues" for lingering calls; set
        // REFRESH_LINGERING to false to send nothing for them.)
        let mut begins = Vec::new();
        for call in self
            .calls
            .values_mut()
            .filter(|c| c.pidx == p && (REFRESH_LINGERING || !c.announced))
        {
            call.announced = true;
            begins.push((call.agents(), messages::begin_call(call)));
        }
        let g = self.group();
        for (parties, msg) in begins {
            self.emit(out, g, p, parties, msg);
        }
        // Agents' current states where they changed during the outage (current state, not a replay).
        let g = self.group();
        let queue_waiting = !self.queue.is_empty();
        for a in 0..self.agents.len() {
            let Some(agent) = self.agents.get_mut(a).filter(|x| x.pidx == Some(p)) else {
                continue;
            };
            if queue_waiting && agent.routable() {
                self.to_dispatch.push(a);
            }
            if agent.reported != agent.state {
                agent.reported = agent.state;
                if let Some(agent) = self.agents.get(a) {
                    let msg = messages::agent_state(agent, None, self.direction_of(a));
                    self.emit(out, g, p, vec![a], msg);
                }
            }
        }
    }
}
