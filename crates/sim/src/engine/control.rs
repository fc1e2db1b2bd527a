//! Client-control requests: dispatch, who may act on what, the agent-state and query requests and the call
//! data requests. The call-control requests are in [`super::control_calls`].
//!
//! Failure codes: an unknown peripheral is FAILURE_CONF E_CTI_INVALID_PERIPHERAL_ID; an offline one
//! CONTROL_FAILURE_CONF CF_RESOURCE_OUT_OF_SERVICE. A call id (or ConnectionDeviceID) that names no call is
//! CF_INVALID_CSTA_CONNECTION_IDENTIFIER, for every request that names a call — SET_CALL_DATA_REQ included,
//! so a client sees one code for "no such call" whatever it asked (E_CTI_INVALID_CALLID would be a
//! session-level FAILURE_CONF). An unknown device is CF_INVALID_CSTA_DEVICE_IDENTIFIER, an unknown agent
//! CF_INVALID_AGENT_ID_SPECIFIED. A CLIENT_EVENTS session acting on another agent's device or call gets
//! CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE (SET_CALL_DATA_REQ: FAILURE_CONF E_CTI_NOT_CALL_PARTY, as
//! documented for it). A request the agent's state does not allow is CF_INVALID_OBJECT_STATE.

use cti_proto::constants::{AgentState, ControlFailureCode as Cf, StatusCode};
use cti_proto::message::{
    QueryAgentStateReq, ReleaseCallConf, SetAgentStateConf, SetAgentStateReq, SetCallDataConf,
    SetCallDataReq, SnapshotCallReq, SnapshotDeviceReq,
};
use cti_proto::{CtiString, Message};

use super::calls::{fit, set_array, set_named};
use super::messages::{self, DataChanges};
use super::{AgentIndex, AgentLookup, ControlReply, Engine, Requester, WorldEvent, agents};

/// CONTROL_FAILURE_CONF with PeripheralErrorCode 0.
pub(super) fn cf(code: Cf) -> ControlReply {
    ControlReply::ControlFailure(code, 0)
}

/// A non-empty optional string field as `&str`.
pub(super) fn text(s: Option<&CtiString>) -> Option<&str> {
    s.and_then(CtiString::as_str).filter(|s| !s.is_empty())
}

/// The requester's signature as a wire string (`None` when empty).
fn signature(who: &Requester) -> Option<CtiString> {
    (!who.client_signature.is_empty()).then(|| fit(&who.client_signature, 64))
}

impl Engine {
    pub(super) fn dispatch_control(
        &mut self,
        req: &Message,
        who: &Requester,
        out: &mut Vec<WorldEvent>,
    ) -> Option<ControlReply> {
        let sig = signature(who);
        let sig = sig.as_ref();
        let reply = match req {
            Message::QueryAgentStateReq(r) => self.query_agent_state(r),
            Message::SetAgentStateReq(r) => self.set_agent_state(r, who, sig, out),
            Message::SetCallDataReq(r) => self.set_call_data(r, who, sig, out),
            Message::ReleaseCallReq(r) => self.release_call(
                r.invoke_id,
                r.peripheral_id,
                r.connection_call_id,
                r.connection_device_id.as_ref(),
                who,
            ),
            Message::SnapshotCallReq(r) => self.snapshot_call(r, who),
            Message::SnapshotDeviceReq(r) => self.snapshot_device(r, who),
            Message::MakeCallReq(r) => self.make_call(r, who, sig, out),
            Message::AnswerCallReq(r) => self.answer_call(r, who, sig, out),
            Message::ClearCallReq(r) => self.clear_call_req(r, who, sig, out),
            Message::ClearConnectionReq(r) => self.clear_connection_req(r, who, sig, out),
            Message::HoldCallReq(r) => self.hold_call(r, who, sig, out),
            Message::RetrieveCallReq(r) => self.retrieve_call(r, who, sig, out),
            Message::AlternateCallReq(r) => self.alternate_call(r, who, sig, out),
            Message::ConsultationCallReq(r) => self.consultation_call(r, who, sig, out),
            Message::TransferCallReq(r) => self.transfer_call(r, who, sig, out),
            Message::ConferenceCallReq(r) => self.conference_call(r, who, sig, out),
            _ => return None,
        };
        Some(reply.unwrap_or_else(|e| e))
    }

    /// Peripheral index of `id`, which must be known and online.
    pub(super) fn control_peripheral(&self, id: u32) -> Result<usize, ControlReply> {
        let p = self.periph_index(id).ok_or(ControlReply::Failure(
            StatusCode::E_CTI_INVALID_PERIPHERAL_ID,
        ))?;
        if self.online(Some(p)) {
            Ok(p)
        } else {
            Err(cf(Cf::CF_RESOURCE_OUT_OF_SERVICE))
        }
    }

    /// A CLIENT_EVENTS requester may only act on its own agent.
    fn privileged(who: &Requester, a: AgentIndex) -> Result<(), ControlReply> {
        if who.all_events || who.agent == Some(a) {
            Ok(())
        } else {
            Err(cf(Cf::CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE))
        }
    }

    /// The agent whose device a request names (AgentInstrument, else the requester's own agent).
    pub(super) fn device_agent(
        &self,
        who: &Requester,
        peripheral_id: u32,
        instrument: Option<&CtiString>,
    ) -> Result<AgentIndex, ControlReply> {
        let a = match text(instrument) {
            Some(dev) => self.directory.device(peripheral_id, dev),
            None => who.agent.filter(|&a| {
                self.agents
                    .get(a)
                    .is_some_and(|x| x.peripheral_id == peripheral_id)
            }),
        }
        .ok_or(cf(Cf::CF_INVALID_CSTA_DEVICE_IDENTIFIER))?;
        Self::privileged(who, a)?;
        Ok(a)
    }

    /// The call `cid` of `peripheral_id` (ConnectionDeviceID, when given, must match) and the agent acting on
    /// it: the AgentInstrument's agent, else the requester's, else (ALL_EVENTS) the first agent on the call.
    pub(super) fn call_actor(
        &self,
        who: &Requester,
        peripheral_id: u32,
        cid: u32,
        device: Option<&CtiString>,
        instrument: Option<&CtiString>,
    ) -> Result<AgentIndex, ControlReply> {
        let no_call = cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER);
        let call = self
            .calls
            .get(&cid)
            .filter(|c| c.peripheral_id == peripheral_id)
            .filter(|c| text(device).is_none_or(|d| c.device == d))
            .ok_or_else(|| no_call.clone())?;
        let a = match text(instrument) {
            Some(dev) => self
                .directory
                .device(peripheral_id, dev)
                .ok_or(cf(Cf::CF_INVALID_CSTA_DEVICE_IDENTIFIER))?,
            None => match who.agent {
                Some(a) => a,
                None => call
                    .conns
                    .iter()
                    .find_map(|c| c.agent)
                    .ok_or_else(|| no_call.clone())?,
            },
        };
        Self::privileged(who, a)?;
        if call.has_agent(a) {
            Ok(a)
        } else if who.all_events {
            Err(no_call)
        } else {
            Err(cf(Cf::CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE))
        }
    }

    fn query_agent_state(&self, r: &QueryAgentStateReq) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(r.peripheral_id)?;
        let id = text(r.agent_id.as_ref()).or(text(r.agent_id_long.as_ref()));
        let found = match self.find_agent(
            r.peripheral_id,
            text(r.agent_extension.as_ref()),
            id,
            text(r.agent_instrument.as_ref()),
        ) {
            AgentLookup::Found(a) => Some(a),
            AgentLookup::NotFound if r.icm_agent_id > 0 => self
                .agents
                .iter()
                .position(|a| a.icm_id == r.icm_agent_id && a.peripheral_id == r.peripheral_id),
            _ => None,
        };
        let agent = found
            .and_then(|a| self.agents.get(a))
            .ok_or(cf(Cf::CF_INVALID_AGENT_ID_SPECIFIED))?;
        Ok(ControlReply::Conf(messages::query_agent_state_conf(
            r.invoke_id,
            agent,
        )))
    }

    fn set_agent_state(
        &mut self,
        r: &SetAgentStateReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(r.peripheral_id)?;
        let id = text(r.agent_id.as_ref()).or(text(r.agent_id_long.as_ref()));
        let instrument = text(r.agent_instrument.as_ref());
        let a = if id.is_none() && instrument.is_none() {
            self.device_agent(who, r.peripheral_id, None)?
        } else {
            match self.find_agent(r.peripheral_id, None, id, instrument) {
                AgentLookup::Found(a) => a,
                AgentLookup::NotFound => return Err(cf(Cf::CF_INVALID_AGENT_ID_SPECIFIED)),
                AgentLookup::Inconsistent => return Err(cf(Cf::CF_INVALID_LOGON_DEVICE_SPECIFIED)),
            }
        };
        Self::privileged(who, a)?;
        let agent = self
            .agents
            .get_mut(a)
            .ok_or(cf(Cf::CF_INVALID_AGENT_ID_SPECIFIED))?;
        let (cur, on_call, reason) = (agent.state, !agent.calls.is_empty(), r.event_reason_code);
        let bad = cf(Cf::CF_INVALID_OBJECT_STATE);
        let logged_out = cur == AgentState::AGENT_STATE_LOGOUT;
        let next = match r.agent_state {
            AgentState::AGENT_STATE_LOGIN if logged_out => AgentState::AGENT_STATE_NOT_READY,
            AgentState::AGENT_STATE_LOGIN => {
                return Err(cf(Cf::CF_SPECIFIED_AGENT_ALREADY_SIGNED_ON));
            }
            AgentState::AGENT_STATE_LOGOUT | AgentState::AGENT_STATE_AVAILABLE
                if logged_out || on_call =>
            {
                return Err(bad);
            }
            AgentState::AGENT_STATE_LOGOUT => AgentState::AGENT_STATE_LOGOUT,
            AgentState::AGENT_STATE_AVAILABLE if cur == AgentState::AGENT_STATE_AVAILABLE => {
                return Ok(set_agent_state_conf(r.invoke_id));
            }
            AgentState::AGENT_STATE_AVAILABLE => AgentState::AGENT_STATE_AVAILABLE,
            s @ (AgentState::AGENT_STATE_NOT_READY
            | AgentState::AGENT_STATE_WORK_READY
            | AgentState::AGENT_STATE_WORK_NOT_READY)
                if on_call =>
            {
                // Taken when the call ends (a "pending" state).
                agent.pending = Some((s, reason));
                return Ok(set_agent_state_conf(r.invoke_id));
            }
            AgentState::AGENT_STATE_NOT_READY if logged_out => return Err(bad),
            AgentState::AGENT_STATE_NOT_READY => AgentState::AGENT_STATE_NOT_READY,
            s @ (AgentState::AGENT_STATE_WORK_READY | AgentState::AGENT_STATE_WORK_NOT_READY)
                if agents::is_work(cur) =>
            {
                s
            }
            AgentState::AGENT_STATE_WORK_READY | AgentState::AGENT_STATE_WORK_NOT_READY => {
                return Err(bad);
            }
            _ => return Err(cf(Cf::CF_VALUE_OUT_OF_RANGE)),
        };
        let keep_reason = next == AgentState::AGENT_STATE_NOT_READY
            || next == AgentState::AGENT_STATE_LOGOUT
            || next == AgentState::AGENT_STATE_WORK_NOT_READY;
        let g = self.group();
        self.change_state(a, next, if keep_reason { reason } else { 0 }, sig, g, out);
        Ok(set_agent_state_conf(r.invoke_id))
    }

    fn set_call_data(
        &mut self,
        r: &SetCallDataReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.connection_call_id;
        let device = text(r.connection_device_id.as_ref());
        let not_party = ControlReply::Failure(StatusCode::E_CTI_NOT_CALL_PARTY);
        let conf = || {
            let mut m = SetCallDataConf::default();
            m.invoke_id = r.invoke_id;
            ControlReply::Conf(Message::from(m))
        };
        let time = self.wall_time();
        if let Some(call) = self
            .calls
            .get_mut(&cid)
            .filter(|c| c.peripheral_id == r.peripheral_id && device.is_none_or(|d| c.device == d))
        {
            if !who.all_events && !who.agent.is_some_and(|a| call.has_agent(a)) {
                return Err(not_party);
            }
            let ch = DataChanges {
                vars: r.call_variables().map(Option::<&CtiString>::cloned),
                ani: r.ani.clone(),
                dnis: None,
                ced: r.caller_entered_digits.clone(),
                wrapup: r.call_wrapup_data.clone(),
                customer_phone: r.customer_phone_number.clone(),
                customer_account: r.customer_account_number.clone(),
            };
            for (slot, v) in call.vars.iter_mut().zip(&ch.vars) {
                if v.is_some() {
                    slot.clone_from(v);
                }
            }
            for (slot, v) in [
                (&mut call.ani, &ch.ani),
                (&mut call.ced, &ch.ced),
                (&mut call.wrapup, &ch.wrapup),
                (&mut call.customer_phone, &ch.customer_phone),
                (&mut call.customer_account, &ch.customer_account),
            ] {
                if v.is_some() {
                    slot.clone_from(v);
                }
            }
            for v in &r.named_variables {
                set_named(&mut call.named_vars, v.clone());
            }
            for v in &r.named_arrays {
                set_array(&mut call.named_arrays, v.clone());
            }
            call.touch(sig, time);
            let msg = messages::call_data_update(call, &ch);
            let (pidx, parties) = (call.pidx, call.agents());
            let g = self.group();
            self.emit(out, g, pidx, parties, msg);
            return Ok(conf());
        }
        // A call in its wrap-up window: the data is kept, no event (its END_CALL_EVENT was sent).
        let ended = self
            .ended
            .get_mut(&cid)
            .filter(|e| e.peripheral_id == r.peripheral_id && device.is_none_or(|d| e.device == d))
            .ok_or(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER))?;
        if !who.all_events && !who.agent.is_some_and(|a| ended.agents.contains(&a)) {
            return Err(not_party);
        }
        if r.call_wrapup_data.is_some() {
            ended.wrapup.clone_from(&r.call_wrapup_data);
        }
        Ok(conf())
    }

    /// RELEASE_CALL_REQ: ends the wrap-up data window of an ended call (a call still in progress is left
    /// alone).
    fn release_call(
        &mut self,
        invoke_id: u32,
        peripheral_id: u32,
        cid: u32,
        device: Option<&CtiString>,
        who: &Requester,
    ) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(peripheral_id)?;
        let device = text(device);
        let matches =
            |pid: u32, dev: &CtiString| pid == peripheral_id && device.is_none_or(|d| dev == d);
        if let Some(call) = self
            .calls
            .get(&cid)
            .filter(|c| matches(c.peripheral_id, &c.device))
        {
            if !who.all_events && !who.agent.is_some_and(|a| call.has_agent(a)) {
                return Err(cf(Cf::CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE));
            }
        } else {
            let ended = self
                .ended
                .get(&cid)
                .filter(|e| matches(e.peripheral_id, &e.device))
                .ok_or(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER))?;
            if !who.all_events && !who.agent.is_some_and(|a| ended.agents.contains(&a)) {
                return Err(cf(Cf::CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE));
            }
            if let Some(ended) = self.ended.remove(&cid) {
                for a in ended.agents {
                    if let Some(x) = self.agents.get_mut(a).filter(|x| x.wrap_call == Some(cid)) {
                        x.wrap_call = None;
                    }
                }
            }
        }
        let mut m = ReleaseCallConf::default();
        m.invoke_id = invoke_id;
        Ok(ControlReply::Conf(Message::from(m)))
    }

    fn snapshot_call(
        &self,
        r: &SnapshotCallReq,
        who: &Requester,
    ) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(r.peripheral_id)?;
        let device = text(r.connection_device_id.as_ref());
        let call = self
            .calls
            .get(&r.connection_call_id)
            .filter(|c| c.peripheral_id == r.peripheral_id && device.is_none_or(|d| c.device == d))
            .ok_or(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER))?;
        if !who.all_events && !who.agent.is_some_and(|a| call.has_agent(a)) {
            return Err(cf(Cf::CF_PRIVILEGE_VIOLATION_ON_SPECIFIED_DEVICE));
        }
        Ok(ControlReply::Conf(messages::snapshot_call_conf(
            r.invoke_id,
            call,
        )))
    }

    fn snapshot_device(
        &self,
        r: &SnapshotDeviceReq,
        who: &Requester,
    ) -> Result<ControlReply, ControlReply> {
        self.control_peripheral(r.peripheral_id)?;
        let a = self.device_agent(who, r.peripheral_id, r.agent_instrument.as_ref())?;
        let agent = self
            .agents
            .get(a)
            .ok_or(cf(Cf::CF_INVALID_CSTA_DEVICE_IDENTIFIER))?;
        let calls = agent
            .calls
            .iter()
            .filter_map(|cid| self.calls.get(cid))
            .filter_map(|c| c.conn_of(a).map(|x| (c, x.state)));
        Ok(ControlReply::Conf(messages::snapshot_device_conf(
            r.invoke_id,
            calls,
        )))
    }
}

fn set_agent_state_conf(invoke_id: u32) -> ControlReply {
    let mut m = SetAgentStateConf::default();
    m.invoke_id = invoke_id;
    ControlReply::Conf(Message::from(m))
}
