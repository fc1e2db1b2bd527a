//! Agents, from AGENT_STATE_EVENT and QUERY_AGENT_STATE_CONF (facts §4.3, §4.6).
//!
//! An agent is keyed by its AgentID (AgentIDLong when only that is sent); a report without an AgentID is
//! matched to a known agent by extension, then instrument, and otherwise keys a new agent by extension (else
//! instrument). When a report with an AgentID later names the device of an agent keyed that way, the entry takes
//! the AgentID as its key ([`Change::AgentRekeyed`]) rather than becoming a second agent. Agent ids are unique
//! per peripheral; the model keys by id alone, so two peripherals with the
//! same agent id share one entry. Agent reports are independent of call events: either may come first.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use cti_proto::constants::{AGENT_STATE_LOGOUT, AgentState};
use serde::Serialize;

use crate::change::Change;
use crate::events::{AgentInput, SkillGroups};

/// An agent as the model knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agent {
    /// The key: AgentID, else extension, else instrument.
    pub agent_id: String,
    /// PeripheralID of the last AGENT_STATE_EVENT (QUERY_AGENT_STATE_CONF carries none).
    pub peripheral_id: Option<u32>,
    /// AgentExtension.
    pub extension: Option<String>,
    /// AgentInstrument.
    pub instrument: Option<String>,
    /// The overall AgentState.
    pub state: AgentState,
    /// EventReasonCode of the last AGENT_STATE_EVENT.
    pub reason_code: u16,
    /// When the state last changed (or the agent was first seen).
    pub since: Duration,
    /// SkillGroupIDs the agent is known to be in.
    pub skill_groups: BTreeSet<u32>,
}

/// All agents.
#[derive(Debug, Clone, Default)]
pub(crate) struct Agents {
    by_id: BTreeMap<String, Agent>,
    /// Keys taken from a device (extension or instrument) because no AgentID was known yet.
    device_keyed: BTreeSet<String>,
}

impl Agents {
    pub(crate) fn get(&self, id: &str) -> Option<&Agent> {
        self.by_id.get(id)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Agent> {
        self.by_id.values()
    }

    /// An entry keyed by a device that `input` (which has an AgentID not known yet) reports from.
    fn device_entry(&self, input: &AgentInput) -> Option<String> {
        self.device_keyed
            .iter()
            .find(|k| {
                self.by_id.get(*k).is_some_and(|a| {
                    (input.extension.is_some() && a.extension == input.extension)
                        || (input.instrument.is_some() && a.instrument == input.instrument)
                })
            })
            .cloned()
    }

    /// The agent keyed by device `old` takes the AgentID `id` as its key.
    fn rekey(&mut self, old: &str, id: &str, out: &mut Vec<Change>) {
        let Some(mut agent) = self.by_id.remove(old) else {
            return;
        };
        self.device_keyed.remove(old);
        id.clone_into(&mut agent.agent_id);
        self.by_id.insert(id.to_owned(), agent);
        out.push(Change::AgentRekeyed {
            from: old.to_owned(),
            to: id.to_owned(),
        });
    }

    fn key_for(&self, input: &AgentInput) -> Option<String> {
        if let Some(id) = &input.agent_id {
            return Some(id.clone());
        }
        let known = self.by_id.values().find(|a| {
            (input.extension.is_some() && a.extension == input.extension)
                || (input.instrument.is_some() && a.instrument == input.instrument)
        });
        match known {
            Some(a) => Some(a.agent_id.clone()),
            None => input.extension.clone().or_else(|| input.instrument.clone()),
        }
    }

    pub(crate) fn apply(&mut self, input: AgentInput, now: Duration, out: &mut Vec<Change>) {
        let Some(id) = self.key_for(&input) else {
            return;
        };
        if input.agent_id.is_none() {
            if !self.by_id.contains_key(&id) {
                self.device_keyed.insert(id.clone());
            }
        } else if !self.by_id.contains_key(&id) {
            if let Some(old) = self.device_entry(&input) {
                self.rekey(&old, &id, out);
            }
        }
        let (agent, from) = match self.by_id.entry(id.clone()) {
            Entry::Occupied(e) => {
                let agent = e.into_mut();
                let from = Some(agent.state);
                (agent, from)
            }
            Entry::Vacant(e) => {
                let agent = e.insert(Agent {
                    agent_id: id.clone(),
                    peripheral_id: None,
                    extension: None,
                    instrument: None,
                    state: input.state,
                    reason_code: 0,
                    since: now,
                    skill_groups: BTreeSet::new(),
                });
                (agent, None)
            }
        };
        if input.peripheral_id.is_some() {
            agent.peripheral_id = input.peripheral_id;
        }
        if input.extension.is_some() {
            agent.extension = input.extension;
        }
        if input.instrument.is_some() {
            agent.instrument = input.instrument;
        }
        if let Some(r) = input.reason_code {
            agent.reason_code = r;
        }
        match input.skill_groups {
            SkillGroups::All(ids) => agent.skill_groups = ids.into_iter().collect(),
            SkillGroups::One { id, state } if state == AGENT_STATE_LOGOUT => {
                agent.skill_groups.remove(&id);
            }
            SkillGroups::One { id, .. } => {
                agent.skill_groups.insert(id);
            }
            SkillGroups::Unchanged => {}
        }
        if from != Some(input.state) {
            agent.state = input.state;
            agent.since = now;
            out.push(Change::AgentChanged {
                agent_id: id,
                from,
                to: input.state,
            });
        }
    }
}
