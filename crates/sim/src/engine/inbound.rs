//! Inbound ACD calls: generated traffic (Poisson arrivals), call data from the templates, delivery to the
//! longest-available agent, the queue, and the simulated agent's plan for the call (talk, hold, data update).

use std::time::Duration;

use cti_proto::constants::{CallType, LineType, LocalConnectionState};
use cti_proto::{CtiString, NamedArray, NamedVariable};
use rand::Rng;

use super::calls::{Call, Conn, fit, secs, set_array, set_named};
use super::schedule::Step;
use super::{
    AgentIndex, CallSpec, DATA_UPDATE_DELAY, Engine, EngineError, QUEUE_ABANDON, Traffic,
    WorldEvent, messages,
};
use crate::config::TrafficConfig;

/// A value template: fixed, or with `{call}` / `{n}` to fill in per call.
#[derive(Debug, Clone)]
pub(super) enum Template {
    Fixed(CtiString),
    Dynamic(String),
}

impl Template {
    fn new(s: &str) -> Template {
        if s.contains("{call}") || s.contains("{n}") {
            Template::Dynamic(s.to_owned())
        } else {
            Template::Fixed(fit(s, 211))
        }
    }

    fn render(&self, call: u32, max: usize, rng: &mut impl Rng) -> CtiString {
        match self {
            Template::Fixed(s) if s.len() < max => s.clone(),
            Template::Fixed(s) => fit(&s.to_str(), max),
            Template::Dynamic(t) => {
                let n: u32 = rng.random_range(100_000..1_000_000);
                fit(
                    &t.replace("{call}", &call.to_string())
                        .replace("{n}", &n.to_string()),
                    max,
                )
            }
        }
    }
}

/// Seconds for a random range: finite, 0 ..= one year.
fn finite_secs(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 31_536_000.0)
    } else {
        0.0
    }
}

/// The traffic parameters, converted once.
pub(super) fn traffic(t: &TrafficConfig) -> Traffic {
    Traffic {
        ring: secs(t.ring_secs),
        talk_min: finite_secs(t.talk_min_secs),
        talk_max: finite_secs(t.talk_max_secs).max(finite_secs(t.talk_min_secs)),
        hold_probability: t.hold_probability,
        hold: secs(t.hold_secs),
        wrap: secs(t.wrap_secs),
        dnis: t.dnis.iter().map(|d| fit(d, 32)).collect(),
        call_variables: t
            .call_variables
            .iter()
            .take(10)
            .map(|v| Template::new(v))
            .collect(),
        named_variables: t
            .named_variables
            .iter()
            .map(|(n, v)| (fit(n, 33), Template::new(v)))
            .collect(),
        named_arrays: t
            .named_arrays
            .iter()
            .map(|(i, n, v)| (*i, fit(n, 33), Template::new(v)))
            .collect(),
    }
}

/// What a new inbound call carries.
#[derive(Debug, Clone, Default)]
pub(super) struct Inbound {
    pub(super) id: u32,
    pub(super) ani: Option<CtiString>,
    pub(super) dnis: Option<CtiString>,
    pub(super) vars: [Option<CtiString>; 10],
    pub(super) named_vars: Vec<NamedVariable>,
    pub(super) named_arrays: Vec<NamedArray>,
    pub(super) target: Option<AgentIndex>,
    pub(super) pidx: Option<usize>,
}

impl Engine {
    /// A new inbound call's data from the templates, with `spec`'s values on top.
    pub(super) fn template_inbound(
        &mut self,
        spec: Option<&CallSpec>,
    ) -> Result<Inbound, EngineError> {
        let id = self.new_call_id();
        let rng = &mut self.rng;
        let t = &self.traffic;
        let ani = match spec.and_then(|s| s.ani.as_deref()) {
            Some(a) => fit(a, 40),
            None => CtiString::from(
                rng.random_range(2_000_000_000_u64..10_000_000_000)
                    .to_string(),
            ),
        };
        let dnis = match spec.and_then(|s| s.dnis.as_deref()) {
            Some(d) => Some(fit(d, 32)),
            None if t.dnis.is_empty() => None,
            None => t.dnis.get(rng.random_range(0..t.dnis.len())).cloned(),
        };
        let mut vars: [Option<CtiString>; 10] = Default::default();
        for (slot, tpl) in vars.iter_mut().zip(&t.call_variables) {
            *slot = Some(tpl.render(id, 41, rng));
        }
        let mut named_vars: Vec<NamedVariable> = t
            .named_variables
            .iter()
            .map(|(n, v)| NamedVariable {
                name: n.clone(),
                value: v.render(id, 211, rng),
            })
            .collect();
        let mut named_arrays: Vec<NamedArray> = t
            .named_arrays
            .iter()
            .map(|(i, n, v)| NamedArray {
                index: *i,
                name: n.clone(),
                value: v.render(id, 211, rng),
            })
            .collect();
        if let Some(spec) = spec {
            for (i, v) in &spec.call_variables {
                let slot = usize::from(*i).checked_sub(1).and_then(|i| vars.get_mut(i));
                *slot.ok_or(EngineError::InvalidCallVariable(*i))? = Some(fit(v, 41));
            }
            for (n, v) in &spec.named_variables {
                set_named(
                    &mut named_vars,
                    NamedVariable {
                        name: fit(n, 33),
                        value: fit(v, 211),
                    },
                );
            }
            for (i, n, v) in &spec.named_arrays {
                set_array(
                    &mut named_arrays,
                    NamedArray {
                        index: *i,
                        name: fit(n, 33),
                        value: fit(v, 211),
                    },
                );
            }
        }
        Ok(Inbound {
            id,
            ani: Some(ani),
            dnis,
            vars,
            named_vars,
            named_arrays,
            target: None,
            pidx: None,
        })
    }

    /// Schedules the next Poisson arrival after `now` (none when the rate is 0).
    pub(super) fn schedule_arrival(&mut self, now: Duration) {
        if self.cps > 0.0 {
            let u: f64 = self.rng.random();
            let dt = -(1.0 - u).ln() / self.cps;
            let generation = self.arrival_generation;
            self.sched
                .push(now.saturating_add(secs(dt)), Step::Arrival { generation });
        }
    }

    /// Starts an inbound ACD call: to the target agent, the longest-available agent, or the queue.
    pub(super) fn start_inbound(
        &mut self,
        inbound: Inbound,
        out: &mut Vec<WorldEvent>,
    ) -> Result<u32, EngineError> {
        if let Some(p) = inbound.pidx.filter(|&p| !self.online(Some(p))) {
            return Err(EngineError::PeripheralOffline(
                self.periphs.get(p).map_or(0, |x| x.id),
            ));
        }
        let agent = match inbound.target {
            Some(a) => {
                let ok = self
                    .agents
                    .get(a)
                    .is_some_and(|x| x.routable() && self.online(x.pidx));
                if !ok {
                    return Err(EngineError::NoAgentAvailable);
                }
                Some(a)
            }
            None => self.take_available(inbound.pidx),
        };
        let pidx = match (
            agent.and_then(|a| self.agents.get(a)).and_then(|a| a.pidx),
            inbound.pidx,
        ) {
            (Some(p), _) | (None, Some(p)) => p,
            (None, None) => self.random_online_peripheral().ok_or_else(|| {
                // Every peripheral is offline (or none is configured).
                self.periphs
                    .first()
                    .map_or(EngineError::NoAgentAvailable, |p| {
                        EngineError::PeripheralOffline(p.id)
                    })
            })?,
        };
        let (peripheral_id, ptype, default_sg) = match self.periphs.get(pidx) {
            Some(p) => (p.id, p.ptype, p.default_skill_group),
            None => return Err(EngineError::NoAgentAvailable),
        };
        let skill_group = agent
            .and_then(|a| self.agents.get(a))
            .map_or(default_sg, super::agents::Agent::main_skill_group);
        let (talk, hold_planned) = self.plan_talk();
        let router_key = (self.router_day, self.next_router_call_id);
        self.next_router_call_id = self.next_router_call_id.wrapping_add(1);
        let id = inbound.id;
        let ani = inbound.ani.unwrap_or_default();
        let call = Call {
            id,
            device: CtiString::from(id.to_string()),
            pidx,
            peripheral_id,
            ptype,
            kind: CallType::CALLTYPE_ACD_IN,
            line_type: LineType::LINETYPE_INBOUND_ACD,
            ani: Some(ani.clone()),
            // The number the caller dialed, on which the call was routed to this DNIS: a real server reports
            // it as DialedNumber (the simulator has one number for both).
            dialed: inbound.dnis.clone(),
            dnis: inbound.dnis,
            ced: None,
            called: CtiString::default(),
            vars: inbound.vars,
            wrapup: None,
            named_vars: inbound.named_vars,
            named_arrays: inbound.named_arrays,
            customer_phone: None,
            customer_account: None,
            router_key: Some(router_key),
            leg: 0,
            reference: self.call_reference(peripheral_id, id),
            clients: Vec::new(),
            conns: vec![Conn {
                agent: None,
                device: ani,
                state: LocalConnectionState::LCS_CONNECT,
            }],
            queued: agent.is_none(),
            target: inbound.target,
            skill_group,
            acd: true,
            controlled: false,
            answered: false,
            talk,
            hold_planned,
            hangup_at: None,
            since: self.now,
            announced: true,
        };
        let begin = messages::begin_call(&call);
        self.calls.insert(id, call);
        let g = self.group();
        self.emit(out, g, pidx, agent.into_iter().collect(), begin);
        match agent {
            Some(a) => self.deliver(id, a, out),
            None => self.enqueue(id, out),
        }
        Ok(id)
    }

    /// Talk time (uniform talk_min..=talk_max) and whether the agent will hold the call once.
    pub(super) fn plan_talk(&mut self) -> (Duration, bool) {
        let t = &self.traffic;
        let talk = if t.talk_max > t.talk_min {
            self.rng.random_range(t.talk_min..=t.talk_max)
        } else {
            t.talk_min
        };
        let hold = self.rng.random::<f64>() < t.hold_probability;
        (secs(talk), hold)
    }

    /// An online peripheral to queue an untargeted call on: one that has agents if any does.
    fn random_online_peripheral(&mut self) -> Option<usize> {
        let online = |p: &&super::peripherals::Peripheral| p.online;
        let staffed = self.periphs.iter().filter(online).any(|p| p.has_agents);
        let candidates: Vec<usize> = (0..self.periphs.len())
            .filter(|&p| {
                self.periphs
                    .get(p)
                    .is_some_and(|x| x.online && (x.has_agents || !staffed))
            })
            .collect();
        match candidates.len() {
            0 => None,
            1 => candidates.first().copied(),
            n => candidates.get(self.rng.random_range(0..n)).copied(),
        }
    }

    /// Rings agent `a` with call `cid` (whose BEGIN_CALL_EVENT went out): CALL_DELIVERED_EVENT (LCS_ALERTING) +
    /// AGENT_STATE_EVENT RESERVED; the simulated agent answers after the ring time.
    pub(super) fn deliver(&mut self, cid: u32, a: AgentIndex, out: &mut Vec<WorldEvent>) {
        let Some(agent) = self.agents.get(a) else {
            return;
        };
        let ext = agent.ext.clone();
        let sg = agent.main_skill_group();
        let Some(call) = self.calls.get_mut(&cid) else {
            return;
        };
        call.queued = false;
        call.called = ext.clone();
        call.skill_group = sg;
        let pidx = call.pidx;
        self.attach(a, cid);
        let Some(call) = self.calls.get_mut(&cid) else {
            return;
        };
        call.conns.push(Conn {
            agent: Some(a),
            device: ext.clone(),
            state: LocalConnectionState::LCS_ALERTING,
        });
        let delivered = messages::call_delivered(call, &ext);
        let parties = call.agents();
        let g = self.group();
        self.emit(out, g, pidx, parties, delivered);
        self.refresh_agent(a, None, g, out);
        self.sched.push(
            self.now.saturating_add(self.traffic.ring),
            Step::Answer {
                call: cid,
                agent: a,
            },
        );
    }

    /// Queues call `cid` (no agent available): CALL_QUEUED_EVENT; abandoned after [`QUEUE_ABANDON`].
    fn enqueue(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        self.queue.push_back(cid);
        let n = u16::try_from(self.queue.len()).unwrap_or(u16::MAX);
        if let Some((pidx, msg)) = self
            .calls
            .get(&cid)
            .map(|c| (c.pidx, messages::call_queued(c, n)))
        {
            let g = self.group();
            self.emit(out, g, pidx, Vec::new(), msg);
        }
        self.sched.push(
            self.now.saturating_add(QUEUE_ABANDON),
            Step::Abandon { call: cid },
        );
    }

    /// Gives agent `a` (just available) the oldest queued call it may take.
    pub(super) fn dispatch_to(&mut self, a: AgentIndex, out: &mut Vec<WorldEvent>) {
        let Some(agent) = self.agents.get(a) else {
            return;
        };
        if !agent.routable() || !self.online(agent.pidx) {
            return;
        }
        let pos = self.queue.iter().position(|cid| {
            self.calls
                .get(cid)
                .is_some_and(|c| Some(c.pidx) == agent.pidx && c.target.is_none_or(|t| t == a))
        });
        let Some(queued) = pos
            .and_then(|i| self.queue.remove(i))
            .and_then(|cid| self.calls.remove(&cid))
        else {
            return;
        };
        // The queue leg ends (CALL_DEQUEUED_EVENT, END_CALL_EVENT) and the call reaches the agent as a new call
        // with the same data and router call key, as a call queued at the VRU reaches a UCCE agent.
        let n = u16::try_from(self.queue.len()).unwrap_or(u16::MAX);
        let g = self.group();
        self.emit(
            out,
            g,
            queued.pidx,
            Vec::new(),
            messages::call_dequeued(&queued, n),
        );
        let g = self.group();
        self.emit(out, g, queued.pidx, Vec::new(), messages::end_call(&queued));
        self.forget(&queued);
        let id = self.new_call_id();
        let call = Call {
            id,
            device: CtiString::from(id.to_string()),
            queued: false,
            since: self.now,
            ..queued
        };
        let begin = messages::begin_call(&call);
        let pidx = call.pidx;
        self.calls.insert(id, call);
        let g = self.group();
        self.emit(out, g, pidx, vec![a], begin);
        self.deliver(id, a, out);
    }

    /// A queued call gives up: CALL_CLEARED_EVENT (CECX_ABAND_LOCAL_QUEUE) and END_CALL_EVENT.
    pub(super) fn abandon(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        if !self.calls.get(&cid).is_some_and(|c| c.queued) {
            return;
        }
        self.queue.retain(|&c| c != cid);
        let Some(call) = self.calls.remove(&cid) else {
            return;
        };
        let g = self.group();
        self.emit(
            out,
            g,
            call.pidx,
            Vec::new(),
            messages::call_cleared(&call, true),
        );
        let g = self.group();
        self.emit(out, g, call.pidx, Vec::new(), messages::end_call(&call));
        self.forget(&call);
    }

    /// The scripted CALL_DATA_UPDATE_EVENT a second after the answer: CallVariable10 = "AGENT-<AgentID>"
    /// (only the changed item, plus the whole ECC set as from v22).
    pub(super) fn scripted_data_update(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let Some(agent) = call
            .conns
            .iter()
            .find_map(|c| c.agent)
            .and_then(|a| self.agents.get(a))
        else {
            return;
        };
        let value = fit(&format!("AGENT-{}", agent.config_id), 41);
        let Some(call) = self.calls.get_mut(&cid) else {
            return;
        };
        if let Some(slot) = call.vars.last_mut() {
            *slot = Some(value.clone());
        }
        let mut changes = messages::DataChanges::default();
        if let Some(slot) = changes.vars.last_mut() {
            *slot = Some(value);
        }
        let msg = messages::call_data_update(call, &changes);
        let (pidx, parties) = (call.pidx, call.agents());
        let g = self.group();
        self.emit(out, g, pidx, parties, msg);
    }

    /// Schedules what follows the first answer of an inbound call: the scripted data update, the simulated
    /// agent's hold (if planned) and the caller's hang-up.
    pub(super) fn schedule_talk(&mut self, cid: u32) {
        let Some(call) = self.calls.get(&cid) else {
            return;
        };
        let now = self.now;
        let (talk, hold) = (call.talk, call.hold_planned);
        self.sched.push(
            now.saturating_add(DATA_UPDATE_DELAY),
            Step::DataUpdate { call: cid },
        );
        if hold {
            let at = now.saturating_add(talk / 3);
            self.sched.push(at, Step::Hold { call: cid });
            self.sched.push(
                at.saturating_add(self.traffic.hold),
                Step::Retrieve { call: cid },
            );
        }
        let end = now.saturating_add(talk).saturating_add(if hold {
            self.traffic.hold
        } else {
            Duration::ZERO
        });
        self.sched.push(end, Step::Hangup { call: cid });
        if let Some(call) = self.calls.get_mut(&cid) {
            call.hangup_at = Some(end);
        }
    }
}
