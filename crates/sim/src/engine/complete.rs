//! TRANSFER_CALL_REQ and CONFERENCE_CALL_REQ.
//!
//! With the parties model of [`WorldEvent`] (a CLIENT_EVENTS session gets the events of calls its agent is
//! on, ALL_EVENTS sessions get all), every session must see one BEGIN_CALL_EVENT and one END_CALL_EVENT per
//! call id. So when the set of agents on a call changes other than at its start (transfer, conference, an
//! agent leaving a conference), the result is a new call: the old calls end (END_CALL_EVENT to all their
//! parties) and the new one begins (BEGIN_CALL_EVENT) with the customer data of the primary call (ANI,
//! DNIS, call type, router call key, call and ECC variables, the consult call's filling the gaps). Generic
//! clients (BEGIN_CALL / END_CALL / CALL_DATA_UPDATE only, as the guidelines recommend) see a consistent
//! life cycle; the router call key ties the legs together, as on a real UCCE.

use cti_proto::constants::{
    CallType, ControlFailureCode as Cf, LocalConnectionState as Lcs, NULL_CALL_ID,
};
use cti_proto::message::{
    ConferenceCallConf, ConferenceCallReq, TransferCallConf, TransferCallReq,
};
use cti_proto::{CtiString, Message};

use super::calls::{Call, Conn, STATIC, set_array, set_named};
use super::control::{cf, text};
use super::messages;
use super::schedule::Step;
use super::{AgentIndex, ControlReply, Engine, Requester, WorldEvent};

type Reply = Result<ControlReply, ControlReply>;

/// TRANSFER_CALL_CONF / CONFERENCE_CALL_CONF fields for the resulting call.
macro_rules! complete_conf {
    ($t:ident, $invoke:expr, $call:expr) => {{
        let mut m = $t::default();
        m.invoke_id = $invoke;
        m.new_connection_device_id_type = STATIC;
        m.line_handle = 0;
        if let Some(call) = $call {
            m.new_connection_call_id = call.id;
            m.line_type = call.line_type;
            m.new_connection_device_id = Some(call.device.clone());
            m.parties = messages::parties(call);
        }
        ControlReply::Conf(Message::from(m))
    }};
}

/// The new call's data: `primary`'s, with `consult`'s filling the gaps.
fn merge_data(new: &mut Call, consult: &Call) {
    for (slot, v) in new.vars.iter_mut().zip(&consult.vars) {
        if slot.is_none() {
            slot.clone_from(v);
        }
    }
    if new.wrapup.is_none() {
        new.wrapup.clone_from(&consult.wrapup);
    }
    for v in &consult.named_vars {
        if !new.named_vars.iter().any(|x| x.name == v.name) {
            set_named(&mut new.named_vars, v.clone());
        }
    }
    for v in &consult.named_arrays {
        if !new
            .named_arrays
            .iter()
            .any(|x| x.name == v.name && x.index == v.index)
        {
            set_array(&mut new.named_arrays, v.clone());
        }
    }
    for c in &consult.clients {
        if !new
            .clients
            .iter()
            .any(|x| x.cti_client_signature == c.cti_client_signature)
        {
            new.clients.push(c.clone());
        }
    }
}

impl Engine {
    /// Validates a transfer / conference: agent `a` holds `held` and talks on `active`, a two-party call whose
    /// far party is connected. Returns the agent.
    fn check_complete(
        &self,
        who: &Requester,
        peripheral_id: u32,
        (active, active_dev): (u32, Option<&CtiString>),
        (held, held_dev): (u32, Option<&CtiString>),
        instrument: Option<&CtiString>,
    ) -> Result<AgentIndex, ControlReply> {
        let a = self.call_actor(who, peripheral_id, active, active_dev, instrument)?;
        let b = self.call_actor(who, peripheral_id, held, held_dev, instrument)?;
        if a != b || active == held {
            return Err(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER));
        }
        let far_connected = self.calls.get(&active).is_some_and(|c| {
            c.conns.len() == 2
                && c.conns
                    .iter()
                    .any(|x| x.agent != Some(a) && x.state == Lcs::LCS_CONNECT)
        });
        if self.conn_state(active, a) != Some(Lcs::LCS_CONNECT)
            || self.conn_state(held, a) != Some(Lcs::LCS_HOLD)
            || !far_connected
        {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        Ok(a)
    }

    pub(super) fn transfer_call(
        &mut self,
        r: &TransferCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        if r.held_connection_call_id == NULL_CALL_ID {
            return self.single_step_transfer(r, who, sig, out);
        }
        let (active, held) = (r.active_connection_call_id, r.held_connection_call_id);
        let a = self.check_complete(
            who,
            r.peripheral_id,
            (active, r.active_connection_device_id.as_ref()),
            (held, r.held_connection_device_id.as_ref()),
            r.agent_instrument.as_ref(),
        )?;
        let id = self.complete(a, active, held, true, sig, out);
        Ok(complete_conf!(
            TransferCallConf,
            r.invoke_id,
            id.and_then(|id| self.calls.get(&id))
        ))
    }

    pub(super) fn conference_call(
        &mut self,
        r: &ConferenceCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        if r.held_connection_call_id == NULL_CALL_ID {
            return Err(cf(Cf::CF_INVALID_FEATURE)); // single-step conference is not simulated
        }
        let (active, held) = (r.active_connection_call_id, r.held_connection_call_id);
        let a = self.check_complete(
            who,
            r.peripheral_id,
            (active, r.active_connection_device_id.as_ref()),
            (held, r.held_connection_device_id.as_ref()),
            r.agent_instrument.as_ref(),
        )?;
        let id = self.complete(a, active, held, false, sig, out);
        Ok(complete_conf!(
            ConferenceCallConf,
            r.invoke_id,
            id.and_then(|id| self.calls.get(&id))
        ))
    }

    /// Completes a transfer (agent `a` leaves) or conference (`a` stays) of primary call `held` with consult
    /// call `active` into a new call; returns its id. Events: BEGIN_CALL_EVENT (new call),
    /// CALL_TRANSFERRED_EVENT (+ `a`'s after-call AGENT_STATE_EVENT) or CALL_CONFERENCED_EVENT, END_CALL_EVENT
    /// of the primary call, END_CALL_EVENT of the consult call.
    fn complete(
        &mut self,
        a: AgentIndex,
        active: u32,
        held: u32,
        transfer: bool,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Option<u32> {
        let primary = self.calls.remove(&held)?;
        let Some(consult) = self.calls.remove(&active) else {
            self.calls.insert(held, primary);
            return None;
        };
        let mut conns: Vec<Conn> = primary
            .conns
            .iter()
            .filter(|x| x.agent != Some(a))
            .cloned()
            .collect();
        if !transfer {
            conns.extend(primary.conn_of(a).map(|x| Conn {
                state: Lcs::LCS_CONNECT,
                ..x.clone()
            }));
        }
        conns.extend(consult.conns.iter().filter(|x| x.agent != Some(a)).cloned());
        let a_ext = self
            .agents
            .get(a)
            .map(|x| x.ext.clone())
            .unwrap_or_default();
        let far = consult
            .conns
            .iter()
            .find(|x| x.agent != Some(a))
            .map(|x| x.device.clone())
            .unwrap_or_default();
        let id = self.reform(&primary, conns, sig);
        if let Some(call) = self.calls.get_mut(&id) {
            merge_data(call, &consult);
        }
        let call = self.calls.get(&id)?;
        let begin = messages::begin_call(call);
        let (p_key, c_key) = ((held, &primary.device), (active, &consult.device));
        let msg = if transfer {
            messages::call_transferred(call, p_key, c_key, &a_ext, &far)
        } else {
            messages::call_conferenced(call, p_key, c_key, &a_ext, &far)
        };
        let new_parties = call.agents();
        let mut parties = primary.agents();
        parties.extend(
            consult
                .agents()
                .into_iter()
                .filter(|x| !primary.has_agent(*x)),
        );
        let pidx = call.pidx;
        for &k in &new_parties {
            if let Some(x) = self.agents.get_mut(k) {
                x.calls.retain(|&c| c != held && c != active);
                x.calls.push(id);
            }
        }
        if let Some(x) = self.agents.get_mut(a).filter(|_| transfer) {
            x.calls.retain(|&c| c != active);
        }
        let g = self.group();
        self.emit(out, g, pidx, new_parties, begin);
        let g = self.group();
        self.emit(out, g, pidx, parties, msg);
        if transfer {
            self.leave_call(a, held, primary.acd, sig, g, out);
        } else {
            self.refresh_agent(a, sig, g, out);
        }
        let g = self.group();
        self.emit(out, g, pidx, primary.agents(), messages::end_call(&primary));
        let g = self.group();
        self.emit(out, g, pidx, consult.agents(), messages::end_call(&consult));
        self.forget(&primary);
        self.forget(&consult);
        Some(id)
    }

    /// Single-step (blind) transfer of the agent's active two-party call to DialedNumber: a new call
    /// (CALLTYPE_TRANSFER_IN, the customer data of the old one) rings at the destination and the old call
    /// ends. Events: BEGIN_CALL_EVENT (new), CALL_TRANSFERRED_EVENT + the agent's after-call state,
    /// END_CALL_EVENT (old), CALL_DELIVERED_EVENT + the destination agent's RESERVED.
    fn single_step_transfer(
        &mut self,
        r: &TransferCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        let cid = r.active_connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.active_connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        if self.conn_state(cid, a) != Some(Lcs::LCS_CONNECT)
            || self.calls.get(&cid).is_none_or(|c| c.conns.len() != 2)
        {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        let dialed = text(r.dialed_number.as_ref()).ok_or(cf(Cf::CF_INVALID_CALLED_DEVICE))?;
        let to = self.destination(a, r.peripheral_id, dialed)?;
        let dialed = CtiString::from(dialed);
        let Some(old) = self.calls.remove(&cid) else {
            return Err(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER));
        };
        let a_ext = self
            .agents
            .get(a)
            .map(|x| x.ext.clone())
            .unwrap_or_default();
        let dest = to
            .and_then(|b| self.agents.get(b))
            .map_or_else(|| dialed.clone(), |x| x.ext.clone());
        let mut conns: Vec<Conn> = old
            .conns
            .iter()
            .filter(|x| x.agent != Some(a))
            .cloned()
            .collect();
        conns.push(Conn {
            agent: to,
            device: dest.clone(),
            state: Lcs::LCS_ALERTING,
        });
        let id = self.reform(&old, conns, sig);
        let Some(call) = self.calls.get_mut(&id) else {
            return Err(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER));
        };
        call.kind = CallType::CALLTYPE_TRANSFER_IN;
        call.called = dest.clone();
        call.dialed = Some(dialed);
        let (pidx, acd) = (call.pidx, old.acd);
        let begin = messages::begin_call(call);
        let transferred =
            messages::call_transferred(call, (cid, &old.device), (id, &call.device), &a_ext, &dest);
        let delivered = messages::call_delivered(call, &dest);
        let g = self.group();
        self.emit(out, g, pidx, to.into_iter().collect(), begin);
        let g = self.group();
        self.emit(
            out,
            g,
            pidx,
            std::iter::once(a).chain(to).collect(),
            transferred,
        );
        self.leave_call(a, cid, acd, sig, g, out);
        let g = self.group();
        self.emit(out, g, pidx, vec![a], messages::end_call(&old));
        self.forget(&old);
        let ring_end = self.now.saturating_add(self.traffic.ring);
        if let Some(b) = to {
            self.attach(b, id);
            let g = self.group();
            self.emit(out, g, pidx, vec![b], delivered);
            self.refresh_agent(b, None, g, out);
            self.sched
                .push(ring_end, Step::Answer { call: id, agent: b });
        } else {
            let g = self.group();
            self.emit(out, g, pidx, Vec::new(), delivered);
            self.sched.push(ring_end, Step::FarAnswer { call: id });
        }
        Ok(complete_conf!(
            TransferCallConf,
            r.invoke_id,
            self.calls.get(&id)
        ))
    }
}
