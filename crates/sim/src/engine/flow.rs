//! What happens to a call once it rings: answer, hold and retrieve, hang-up and clearing, with the agents'
//! state changes. Used by both the timeline (simulated agents and callers) and client-control requests.

use cti_proto::CtiString;
use cti_proto::constants::LocalConnectionState;

use super::calls::Ended;
use super::schedule::Step;
use super::{AgentIndex, Engine, WorldEvent, agents, messages};

impl Engine {
    /// Agent `a` answers call `cid` ringing at its device: CALL_ESTABLISHED_EVENT + AGENT_STATE_EVENT TALKING
    /// (same group). The first answer of an inbound call starts its talk time. Returns false when nothing
    /// rings there.
    pub(super) fn answer(
        &mut self,
        cid: u32,
        a: AgentIndex,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> bool {
        let Some(call) = self.calls.get_mut(&cid) else {
            return false;
        };
        let Some(conn) = call
            .conn_of_mut(a)
            .filter(|c| c.state == LocalConnectionState::LCS_ALERTING)
        else {
            return false;
        };
        conn.state = LocalConnectionState::LCS_CONNECT;
        let answering = conn.device.clone();
        let first = call.acd && !call.answered;
        call.answered = true;
        let msg = messages::call_established(call, &answering);
        let (pidx, parties) = (call.pidx, call.agents());
        let g = self.group();
        self.emit(out, g, pidx, parties, msg);
        self.refresh_agent(a, sig, g, out);
        if first {
            self.schedule_talk(cid);
        }
        true
    }

    /// The external party of an outbound / consult call answers (CALL_ESTABLISHED_EVENT); it hangs up after a
    /// talk time.
    pub(super) fn far_answer(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        let Some(call) = self.calls.get_mut(&cid) else {
            return;
        };
        let Some(conn) = call
            .conns
            .iter_mut()
            .find(|c| c.agent.is_none() && c.state == LocalConnectionState::LCS_ALERTING)
        else {
            return;
        };
        conn.state = LocalConnectionState::LCS_CONNECT;
        let answering = conn.device.clone();
        call.answered = true;
        let talk = call.talk;
        let end = self.now.saturating_add(talk);
        call.hangup_at = Some(end);
        let msg = messages::call_established(call, &answering);
        let (pidx, parties) = (call.pidx, call.agents());
        let g = self.group();
        self.emit(out, g, pidx, parties, msg);
        self.sched.push(end, Step::Hangup { call: cid });
    }

    /// Agent `a` holds call `cid`: CALL_HELD_EVENT (+ AGENT_STATE_EVENT HOLD when `refresh` and no other call
    /// is active). Returns false when the agent has no active connection on the call.
    pub(super) fn hold(
        &mut self,
        cid: u32,
        a: AgentIndex,
        sig: Option<&CtiString>,
        refresh: bool,
        out: &mut Vec<WorldEvent>,
    ) -> bool {
        self.switch(
            cid,
            a,
            LocalConnectionState::LCS_CONNECT,
            LocalConnectionState::LCS_HOLD,
            sig,
            refresh,
            out,
        )
    }

    /// Agent `a` retrieves held call `cid`: CALL_RETRIEVED_EVENT (+ AGENT_STATE_EVENT TALKING when `refresh`).
    pub(super) fn retrieve(
        &mut self,
        cid: u32,
        a: AgentIndex,
        sig: Option<&CtiString>,
        refresh: bool,
        out: &mut Vec<WorldEvent>,
    ) -> bool {
        self.switch(
            cid,
            a,
            LocalConnectionState::LCS_HOLD,
            LocalConnectionState::LCS_CONNECT,
            sig,
            refresh,
            out,
        )
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "private helper of hold and retrieve"
    )]
    fn switch(
        &mut self,
        cid: u32,
        a: AgentIndex,
        from: LocalConnectionState,
        to: LocalConnectionState,
        sig: Option<&CtiString>,
        refresh: bool,
        out: &mut Vec<WorldEvent>,
    ) -> bool {
        let Some(call) = self.calls.get_mut(&cid) else {
            return false;
        };
        let Some(conn) = call.conn_of_mut(a).filter(|c| c.state == from) else {
            return false;
        };
        conn.state = to;
        let device = conn.device.clone();
        let msg = if to == LocalConnectionState::LCS_HOLD {
            messages::call_held(call, &device)
        } else {
            messages::call_retrieved(call, &device)
        };
        let (pidx, parties) = (call.pidx, call.agents());
        let g = self.group();
        self.emit(out, g, pidx, parties, msg);
        if refresh {
            self.refresh_agent(a, sig, g, out);
        }
        true
    }

    /// The simulated agent's planned hold (skipped once a client controls the call or the agent has another
    /// call).
    pub(super) fn auto_hold(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        let Some(call) = self.calls.get(&cid).filter(|c| !c.controlled) else {
            return;
        };
        let Some(a) = call.conns.iter().find_map(|c| c.agent) else {
            return;
        };
        if self.agents.get(a).is_some_and(|x| x.calls.len() == 1) {
            self.hold(cid, a, None, true, out);
        }
    }

    /// The simulated agent's retrieve after its planned hold.
    pub(super) fn auto_retrieve(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        let Some(call) = self.calls.get(&cid).filter(|c| !c.controlled) else {
            return;
        };
        let Some(a) = call.conns.iter().find_map(|c| c.agent) else {
            return;
        };
        self.retrieve(cid, a, None, true, out);
    }

    /// The external party hangs up: the whole call clears.
    pub(super) fn far_hangup(&mut self, cid: u32, out: &mut Vec<WorldEvent>) {
        let Some(call) = self.calls.get(&cid).filter(|c| !c.queued) else {
            return;
        };
        let Some(device) = call.external().map(|c| c.device.clone()) else {
            return;
        };
        self.clear_call(cid, &device, None, out);
    }

    /// Clears the whole call, `releasing` hanging up: CALL_CONNECTION_CLEARED_EVENT (with each agent's
    /// after-call AGENT_STATE_EVENT), then CALL_CLEARED_EVENT, then END_CALL_EVENT, each in its own group.
    pub(super) fn clear_call(
        &mut self,
        cid: u32,
        releasing: &CtiString,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) {
        let Some(call) = self.calls.remove(&cid) else {
            return;
        };
        if call.queued {
            self.queue.retain(|&c| c != cid);
        }
        let parties = call.agents();
        let g = self.group();
        self.emit(
            out,
            g,
            call.pidx,
            parties.clone(),
            messages::call_connection_cleared(&call, releasing),
        );
        for &a in &parties {
            self.leave_call(a, cid, call.acd, sig, g, out);
        }
        let g = self.group();
        self.emit(
            out,
            g,
            call.pidx,
            parties.clone(),
            messages::call_cleared(&call, false),
        );
        let g = self.group();
        self.emit(
            out,
            g,
            call.pidx,
            parties.clone(),
            messages::end_call(&call),
        );
        let wrapping: Vec<AgentIndex> = parties
            .into_iter()
            .filter(|&a| {
                self.agents
                    .get(a)
                    .is_some_and(|x| agents::is_work(x.state) && x.calls.is_empty())
            })
            .collect();
        if call.acd && !wrapping.is_empty() {
            for &a in &wrapping {
                if let Some(x) = self.agents.get_mut(a) {
                    x.wrap_call = Some(cid);
                }
            }
            self.ended.insert(
                cid,
                Ended {
                    peripheral_id: call.peripheral_id,
                    device: call.device.clone(),
                    agents: wrapping,
                    wrapup: call.wrapup.clone(),
                },
            );
        }
        self.forget(&call);
    }

    /// Agent `a` hangs up its own connection. With two parties or fewer the whole call clears; otherwise (a
    /// conference) CALL_CONNECTION_CLEARED_EVENT (releasing device = `a`) with `a`'s state change, then
    /// BEGIN_CALL_EVENT of the call the others go on with, then END_CALL_EVENT of the old call.
    pub(super) fn clear_connection(
        &mut self,
        cid: u32,
        a: AgentIndex,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) {
        let Some(call) = self.calls.get_mut(&cid) else {
            return;
        };
        let Some(device) = call.conn_of(a).map(|c| c.device.clone()) else {
            return;
        };
        if call.conns.len() <= 2 {
            self.clear_call(cid, &device, sig, out);
            return;
        }
        // A conference goes on without `a`, as a new call (see `complete`): the old call ends for all its
        // parties and the remaining ones get a BEGIN_CALL_EVENT for the new one.
        let Some(old) = self.calls.remove(&cid) else {
            return;
        };
        let conns: Vec<_> = old
            .conns
            .iter()
            .filter(|c| c.agent != Some(a))
            .cloned()
            .collect();
        let id = self.reform(&old, conns, sig);
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let begin = messages::begin_call(call);
        let remaining = call.agents();
        for &k in &remaining {
            if let Some(x) = self.agents.get_mut(k) {
                x.calls.retain(|&c| c != cid);
                x.calls.push(id);
            }
        }
        let g = self.group();
        self.emit(
            out,
            g,
            old.pidx,
            old.agents(),
            messages::call_connection_cleared(&old, &device),
        );
        self.leave_call(a, cid, old.acd, sig, g, out);
        let g = self.group();
        self.emit(out, g, old.pidx, remaining, begin);
        let g = self.group();
        self.emit(out, g, old.pidx, old.agents(), messages::end_call(&old));
        self.forget(&old);
    }
}
