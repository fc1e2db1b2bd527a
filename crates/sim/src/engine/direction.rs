//! The Direction (tag 244, v16) an AGENT_STATE_EVENT carries: the direction of the agent's current call, as a
//! real CTI Server fills it.

use cti_proto::constants::AgentDirection;

use super::{AgentIndex, Engine};

impl Engine {
    /// AGENT_DIRECTION_OUT when agent `a` placed its (first) call — its connection is the call's first —,
    /// AGENT_DIRECTION_IN when the call came to it, AGENT_DIRECTION_NONE without a call.
    pub(super) fn direction_of(&self, a: AgentIndex) -> AgentDirection {
        let call = self
            .agents
            .get(a)
            .and_then(|x| x.calls.first())
            .and_then(|cid| self.calls.get(cid));
        match call {
            None => AgentDirection::AGENT_DIRECTION_NONE,
            Some(c) if c.conns.first().is_some_and(|x| x.agent == Some(a)) => {
                AgentDirection::AGENT_DIRECTION_OUT
            }
            Some(_) => AgentDirection::AGENT_DIRECTION_IN,
        }
    }
}
