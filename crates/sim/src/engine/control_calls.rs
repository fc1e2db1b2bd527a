//! Call-control requests: MAKE_CALL, ANSWER_CALL, CLEAR_CALL, CLEAR_CONNECTION, HOLD_CALL, RETRIEVE_CALL,
//! ALTERNATE_CALL and CONSULTATION_CALL, and the outbound / consult call they place. TRANSFER_CALL and
//! CONFERENCE_CALL are in [`super::complete`].

use cti_proto::constants::{
    AgentState, CallType, ControlFailureCode as Cf, LineType, LocalConnectionState as Lcs,
    NULL_CALL_ID,
};
use cti_proto::message::{
    AlternateCallConf, AlternateCallReq, AnswerCallConf, AnswerCallReq, ClearCallConf,
    ClearCallReq, ClearConnectionConf, ClearConnectionReq, ConsultationCallConf,
    ConsultationCallReq, HoldCallConf, HoldCallReq, MakeCallConf, MakeCallReq, RetrieveCallConf,
    RetrieveCallReq,
};
use cti_proto::{CtiString, EccRef, Message, NamedArray, NamedVariable};

use super::calls::{Call, Conn, STATIC, set_array, set_named};
use super::control::{cf, text};
use super::schedule::Step;
use super::{AgentIndex, ControlReply, Engine, Requester, WorldEvent, messages};

type Reply = Result<ControlReply, ControlReply>;

/// Call data a request attaches to the call it places.
#[derive(Debug, Clone, Default)]
pub(super) struct CallData {
    vars: [Option<CtiString>; 10],
    wrapup: Option<CtiString>,
    named_vars: Vec<NamedVariable>,
    named_arrays: Vec<NamedArray>,
}

impl CallData {
    /// Overlays the values a request gives.
    fn overlay(
        &mut self,
        vars: [Option<&CtiString>; 10],
        wrapup: Option<&CtiString>,
        ecc: EccRef<'_>,
    ) {
        for (slot, v) in self.vars.iter_mut().zip(vars) {
            if let Some(v) = v {
                *slot = Some(v.clone());
            }
        }
        if wrapup.is_some() {
            self.wrapup = wrapup.cloned();
        }
        for v in ecc.named_variables {
            set_named(&mut self.named_vars, v.clone());
        }
        for v in ecc.named_arrays {
            set_array(&mut self.named_arrays, v.clone());
        }
    }
}

/// A CONF that carries only the InvokeID.
macro_rules! invoke_conf {
    ($t:ident, $invoke:expr) => {{
        let mut m = $t::default();
        m.invoke_id = $invoke;
        ControlReply::Conf(Message::from(m))
    }};
}

impl Engine {
    pub(super) fn conn_state(&self, cid: u32, a: AgentIndex) -> Option<Lcs> {
        self.calls
            .get(&cid)
            .and_then(|c| c.conn_of(a))
            .map(|c| c.state)
    }

    /// Notes that a client acted on call `cid`.
    pub(super) fn touch(&mut self, cid: u32, sig: Option<&CtiString>) {
        let time = self.wall_time();
        if let Some(call) = self.calls.get_mut(&cid) {
            call.touch(sig, time);
        }
    }

    /// The agent a dialed number reaches (an idle agent of the same peripheral), `None` for an external number.
    pub(super) fn destination(
        &self,
        a: AgentIndex,
        peripheral_id: u32,
        dialed: &str,
    ) -> Result<Option<AgentIndex>, ControlReply> {
        match self.directory.device(peripheral_id, dialed) {
            Some(b) if b == a => Err(cf(Cf::CF_INVALID_CALLED_DEVICE)),
            Some(b) => {
                let idle = self.agents.get(b).is_some_and(|x| {
                    x.calls.is_empty()
                        && (x.state == AgentState::AGENT_STATE_AVAILABLE
                            || x.state == AgentState::AGENT_STATE_NOT_READY)
                });
                if idle {
                    Ok(Some(b))
                } else {
                    Err(cf(Cf::CF_RESOURCE_BUSY))
                }
            }
            None => Ok(None),
        }
    }

    /// Places a call from agent `a` to `dialed` (an agent `to`, or an external number when `None`):
    /// BEGIN_CALL_EVENT, CALL_SERVICE_INITIATED_EVENT + AGENT_STATE_EVENT TALKING, CALL_ORIGINATED_EVENT, and for
    /// an agent CALL_DELIVERED_EVENT + its AGENT_STATE_EVENT RESERVED; the far end answers after the ring time.
    /// `consult`: for a consult call, the call consulted from (ConnectionCallID, ConnectionDeviceID), which the
    /// CALL_SERVICE_INITIATED_EVENT names in its COC fields.
    #[allow(
        clippy::too_many_arguments,
        reason = "one private helper for make-call and consult"
    )]
    fn place_call(
        &mut self,
        a: AgentIndex,
        to: Option<AgentIndex>,
        dialed: CtiString,
        consult: Option<&(u32, CtiString)>,
        data: CallData,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Result<u32, ControlReply> {
        let agent = self
            .agents
            .get(a)
            .ok_or(cf(Cf::CF_INVALID_CSTA_DEVICE_IDENTIFIER))?;
        let pidx = agent
            .pidx
            .ok_or(cf(Cf::CF_INVALID_CSTA_DEVICE_IDENTIFIER))?;
        let periph = self
            .periphs
            .get(pidx)
            .ok_or(cf(Cf::CF_RESOURCE_OUT_OF_SERVICE))?;
        let (ext, sg) = (agent.ext.clone(), agent.main_skill_group());
        let (call_type, line_type) = match (consult, to) {
            (Some(_), _) => (CallType::CALLTYPE_CONSULT, LineType::LINETYPE_INSIDE),
            (None, Some(_)) => (CallType::CALLTYPE_AGENT_INSIDE, LineType::LINETYPE_INSIDE),
            (None, None) => (CallType::CALLTYPE_AGENT_OUT, LineType::LINETYPE_OUTBOUND),
        };
        let (peripheral_id, ptype) = (periph.id, periph.ptype);
        let id = self.new_call_id();
        let talk = self.plan_talk().0;
        let call = Call {
            id,
            device: CtiString::from(id.to_string()),
            pidx,
            peripheral_id,
            ptype,
            kind: call_type,
            line_type,
            ani: Some(ext.clone()),
            dnis: None,
            dialed: Some(dialed.clone()),
            ced: None,
            called: dialed.clone(),
            vars: data.vars,
            wrapup: data.wrapup,
            named_vars: data.named_vars,
            named_arrays: data.named_arrays,
            customer_phone: None,
            customer_account: None,
            router_key: None,
            leg: 0,
            reference: self.call_reference(peripheral_id, id),
            clients: Vec::new(),
            conns: vec![Conn {
                agent: Some(a),
                device: ext.clone(),
                state: Lcs::LCS_INITIATE,
            }],
            queued: false,
            target: None,
            skill_group: sg,
            acd: false,
            controlled: true,
            answered: false,
            talk,
            hold_planned: false,
            hangup_at: None,
            since: self.now,
            announced: true,
        };
        let begin = messages::begin_call(&call);
        let initiated = messages::call_service_initiated(&call, &ext, consult);
        self.calls.insert(id, call);
        self.touch(id, sig);
        self.attach(a, id);
        let g = self.group();
        self.emit(out, g, pidx, std::iter::once(a).chain(to).collect(), begin);
        let g = self.group();
        self.emit(out, g, pidx, vec![a], initiated);
        self.refresh_agent(a, sig, g, out);
        let Some(call) = self.calls.get_mut(&id) else {
            return Ok(id);
        };
        if let Some(c) = call.conn_of_mut(a) {
            c.state = Lcs::LCS_CONNECT;
        }
        let originated = messages::call_originated(call);
        if to.is_none() {
            call.conns.push(Conn {
                agent: None,
                device: dialed,
                state: Lcs::LCS_ALERTING,
            });
        }
        let g = self.group();
        self.emit(out, g, pidx, vec![a], originated);
        let ring_end = self.now.saturating_add(self.traffic.ring);
        match to {
            Some(b) => {
                let b_ext = self
                    .agents
                    .get(b)
                    .map(|x| x.ext.clone())
                    .unwrap_or_default();
                self.attach(b, id);
                let Some(call) = self.calls.get_mut(&id) else {
                    return Ok(id);
                };
                call.conns.push(Conn {
                    agent: Some(b),
                    device: b_ext.clone(),
                    state: Lcs::LCS_ALERTING,
                });
                let delivered = messages::call_delivered(call, &b_ext);
                let g = self.group();
                self.emit(out, g, pidx, vec![a, b], delivered);
                self.refresh_agent(b, None, g, out);
                self.sched
                    .push(ring_end, Step::Answer { call: id, agent: b });
            }
            None => self.sched.push(ring_end, Step::FarAnswer { call: id }),
        }
        Ok(id)
    }

    pub(super) fn make_call(
        &mut self,
        r: &MakeCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let a = self.device_agent(who, r.peripheral_id, r.agent_instrument.as_ref())?;
        let idle = self.agents.get(a).is_some_and(|x| {
            x.calls.is_empty()
                && (x.state == AgentState::AGENT_STATE_AVAILABLE
                    || x.state == AgentState::AGENT_STATE_NOT_READY)
        });
        if !idle {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        let dialed = text(r.dialed_number.as_ref()).ok_or(cf(Cf::CF_INVALID_CALLED_DEVICE))?;
        let to = self.destination(a, r.peripheral_id, dialed)?;
        let mut data = CallData::default();
        data.overlay(r.call_variables(), r.call_wrapup_data.as_ref(), r.ecc());
        let dialed = CtiString::from(dialed);
        let id = self.place_call(a, to, dialed, None, data, sig, out)?;
        let mut m = MakeCallConf::default();
        m.invoke_id = r.invoke_id;
        m.new_connection_call_id = id;
        m.new_connection_device_id_type = STATIC;
        m.line_handle = 0;
        m.line_type = if to.is_some() {
            LineType::LINETYPE_INSIDE
        } else {
            LineType::LINETYPE_OUTBOUND
        };
        m.new_connection_device_id = self.calls.get(&id).map(|c| c.device.clone());
        Ok(ControlReply::Conf(Message::from(m)))
    }

    pub(super) fn answer_call(
        &mut self,
        r: &AnswerCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let (cid, a) = if r.connection_call_id == NULL_CALL_ID {
            let a = self.device_agent(who, r.peripheral_id, r.agent_instrument.as_ref())?;
            let ringing = self.agents.get(a).and_then(|x| {
                x.calls
                    .iter()
                    .copied()
                    .find(|&c| self.conn_state(c, a) == Some(Lcs::LCS_ALERTING))
            });
            (ringing.ok_or(cf(Cf::CF_NO_CALL_TO_ANSWER))?, a)
        } else {
            let cid = r.connection_call_id;
            (
                cid,
                self.call_actor(
                    who,
                    r.peripheral_id,
                    cid,
                    r.connection_device_id.as_ref(),
                    r.agent_instrument.as_ref(),
                )?,
            )
        };
        if self.conn_state(cid, a) != Some(Lcs::LCS_ALERTING) {
            return Err(cf(Cf::CF_NO_CALL_TO_ANSWER));
        }
        self.touch(cid, sig);
        self.answer(cid, a, sig, out);
        Ok(invoke_conf!(AnswerCallConf, r.invoke_id))
    }

    pub(super) fn clear_call_req(
        &mut self,
        r: &ClearCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        let device = self
            .agents
            .get(a)
            .map(|x| x.ext.clone())
            .unwrap_or_default();
        self.touch(cid, sig);
        self.clear_call(cid, &device, sig, out);
        Ok(invoke_conf!(ClearCallConf, r.invoke_id))
    }

    pub(super) fn clear_connection_req(
        &mut self,
        r: &ClearConnectionReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        self.touch(cid, sig);
        self.clear_connection(cid, a, sig, out);
        Ok(invoke_conf!(ClearConnectionConf, r.invoke_id))
    }

    pub(super) fn hold_call(
        &mut self,
        r: &HoldCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        if self.conn_state(cid, a) != Some(Lcs::LCS_CONNECT) {
            return Err(cf(Cf::CF_NO_ACTIVE_CALL));
        }
        self.touch(cid, sig);
        self.hold(cid, a, sig, true, out);
        Ok(invoke_conf!(HoldCallConf, r.invoke_id))
    }

    /// Whether agent `a` has an active (connected or initiating) connection on a call other than `except`.
    fn has_other_active(&self, a: AgentIndex, except: u32) -> bool {
        self.agents.get(a).is_some_and(|x| {
            x.calls.iter().filter(|&&c| c != except).any(|&c| {
                matches!(
                    self.conn_state(c, a),
                    Some(Lcs::LCS_CONNECT | Lcs::LCS_INITIATE)
                )
            })
        })
    }

    pub(super) fn retrieve_call(
        &mut self,
        r: &RetrieveCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.held_connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.held_connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        if self.conn_state(cid, a) != Some(Lcs::LCS_HOLD) {
            return Err(cf(Cf::CF_NO_HELD_CALL));
        }
        if self.has_other_active(a, cid) {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        self.touch(cid, sig);
        self.retrieve(cid, a, sig, true, out);
        Ok(invoke_conf!(RetrieveCallConf, r.invoke_id))
    }

    pub(super) fn alternate_call(
        &mut self,
        r: &AlternateCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let (active, other) = (r.active_connection_call_id, r.other_connection_call_id);
        let instrument = r.agent_instrument.as_ref();
        let a = self.call_actor(
            who,
            r.peripheral_id,
            active,
            r.active_connection_device_id.as_ref(),
            instrument,
        )?;
        let b = self.call_actor(
            who,
            r.peripheral_id,
            other,
            r.other_connection_device_id.as_ref(),
            instrument,
        )?;
        if a != b || active == other {
            return Err(cf(Cf::CF_INVALID_CSTA_CONNECTION_IDENTIFIER));
        }
        if self.conn_state(active, a) != Some(Lcs::LCS_CONNECT)
            || self.conn_state(other, a) != Some(Lcs::LCS_HOLD)
        {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        self.touch(active, sig);
        self.touch(other, sig);
        self.hold(active, a, sig, false, out);
        self.retrieve(other, a, sig, false, out);
        let g = self.group();
        self.refresh_agent(a, sig, g, out);
        Ok(invoke_conf!(AlternateCallConf, r.invoke_id))
    }

    pub(super) fn consultation_call(
        &mut self,
        r: &ConsultationCallReq,
        who: &Requester,
        sig: Option<&CtiString>,
        out: &mut Vec<WorldEvent>,
    ) -> Reply {
        self.control_peripheral(r.peripheral_id)?;
        let cid = r.active_connection_call_id;
        let a = self.call_actor(
            who,
            r.peripheral_id,
            cid,
            r.active_connection_device_id.as_ref(),
            r.agent_instrument.as_ref(),
        )?;
        if self.conn_state(cid, a) != Some(Lcs::LCS_CONNECT) {
            return Err(cf(Cf::CF_NO_ACTIVE_CALL));
        }
        if self.agents.get(a).is_none_or(|x| x.calls.len() > 1) {
            return Err(cf(Cf::CF_INVALID_OBJECT_STATE));
        }
        let dialed = text(r.dialed_number.as_ref()).ok_or(cf(Cf::CF_INVALID_CALLED_DEVICE))?;
        let to = self.destination(a, r.peripheral_id, dialed)?;
        // The consult call carries the primary call's context, with the request's values on top.
        let mut data = self
            .calls
            .get(&cid)
            .map_or_else(CallData::default, |c| CallData {
                vars: c.vars.clone(),
                wrapup: None,
                named_vars: c.named_vars.clone(),
                named_arrays: c.named_arrays.clone(),
            });
        data.overlay(r.call_variables(), r.call_wrapup_data.as_ref(), r.ecc());
        let dialed = CtiString::from(dialed);
        self.touch(cid, sig);
        self.hold(cid, a, sig, true, out);
        let consulted = self.calls.get(&cid).map(|c| (c.id, c.device.clone()));
        let id = self.place_call(a, to, dialed, consulted.as_ref(), data, sig, out)?;
        let mut m = ConsultationCallConf::default();
        m.invoke_id = r.invoke_id;
        m.new_connection_call_id = id;
        m.new_connection_device_id_type = STATIC;
        m.line_handle = 1;
        m.line_type = LineType::LINETYPE_INSIDE;
        m.new_connection_device_id = self.calls.get(&id).map(|c| c.device.clone());
        Ok(ControlReply::Conf(Message::from(m)))
    }
}
