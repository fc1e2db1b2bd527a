//! Calls: the call record and its connections, call ids, the wrap-up window record, and the helpers shared by
//! the call code. Inbound traffic and the queue are in [`super::inbound`]; what happens to a call once it
//! rings (answer, hold, clear) is in [`super::flow`].

use std::time::Duration;

use cti_proto::constants::{
    CallType, ConnectionDeviceIdType, LineType, LocalConnectionState, NULL_CALL_ID, PeripheralType,
};
use cti_proto::message::ClientSignature;
use cti_proto::{CtiString, NamedArray, NamedVariable, RawBytes};

use super::schedule::Step;
use super::{AgentIndex, Engine, FIRST_CALL_ID};

/// Most CTI clients kept in a call's CTIClientSignature list (MAX_NUM_CTI_CLIENTS).
const MAX_CTI_CLIENTS: usize = 16;

/// `s` as a wire string that fits a STRING field of `max` bytes (NUL included), cut at a character boundary.
pub(super) fn fit(s: &str, max: usize) -> CtiString {
    let mut end = s.len().min(max.saturating_sub(1));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    CtiString::from(s.get(..end).unwrap_or_default())
}

/// Seconds as a Duration; negative, NaN → zero, too large → about a century.
pub(super) fn secs(x: f64) -> Duration {
    if x.is_nan() || x <= 0.0 {
        Duration::ZERO
    } else {
        Duration::try_from_secs_f64(x).unwrap_or(Duration::from_secs(3_153_600_000))
    }
}

/// One connection of a call: an agent's device or an external party (caller, dialed number).
#[derive(Debug, Clone)]
pub(super) struct Conn {
    pub(super) agent: Option<AgentIndex>,
    pub(super) device: CtiString,
    pub(super) state: LocalConnectionState,
}

/// A call in progress (queued, ringing, talking, held).
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub(super) id: u32,
    /// ConnectionDeviceID (the call id as text; ConnectionDeviceIDType CONNECTION_ID_STATIC).
    pub(super) device: CtiString,
    pub(super) pidx: usize,
    pub(super) peripheral_id: u32,
    pub(super) ptype: PeripheralType,
    pub(super) kind: CallType,
    pub(super) line_type: LineType,
    pub(super) ani: Option<CtiString>,
    pub(super) dnis: Option<CtiString>,
    pub(super) dialed: Option<CtiString>,
    pub(super) ced: Option<CtiString>,
    /// The called device (the agent's extension of an inbound call, the dialed number of an outbound one).
    pub(super) called: CtiString,
    pub(super) vars: [Option<CtiString>; 10],
    pub(super) wrapup: Option<CtiString>,
    pub(super) named_vars: Vec<NamedVariable>,
    pub(super) named_arrays: Vec<NamedArray>,
    pub(super) customer_phone: Option<CtiString>,
    pub(super) customer_account: Option<CtiString>,
    pub(super) router_key: Option<(u32, u32)>,
    /// RouterCallKeySequenceNumber: 0 for the routed call, one more for each new call leg (transfer,
    /// conference) carrying its RouterCallKey.
    pub(super) leg: u32,
    /// CallReferenceID: one value for the whole call, kept by its later legs ([`Engine::call_reference`]).
    pub(super) reference: RawBytes,
    pub(super) clients: Vec<ClientSignature>,
    /// Connections; the first is the originating party.
    pub(super) conns: Vec<Conn>,
    pub(super) queued: bool,
    /// The only agent a queued call may go to.
    pub(super) target: Option<AgentIndex>,
    /// (SkillGroupNumber, SkillGroupID) the call was routed to.
    pub(super) skill_group: (u32, u32),
    /// An inbound ACD call: the agents wrap up after it.
    pub(super) acd: bool,
    /// A client controlled the call: the simulated agent stops acting on it (no automatic hold).
    pub(super) controlled: bool,
    pub(super) answered: bool,
    /// Planned talk time and whether the simulated agent holds the call once.
    pub(super) talk: Duration,
    pub(super) hold_planned: bool,
    /// When the external party is scheduled to hang up (carried over when the call is transferred).
    pub(super) hangup_at: Option<Duration>,
    pub(super) since: Duration,
    /// BEGIN_CALL_EVENT sent and no END_CALL_EVENT since (what clients believe).
    pub(super) announced: bool,
}

impl Call {
    /// Whether agent `a` has a connection on the call.
    pub(super) fn has_agent(&self, a: AgentIndex) -> bool {
        self.conns.iter().any(|c| c.agent == Some(a))
    }

    /// The agents with a connection on the call.
    pub(super) fn agents(&self) -> Vec<AgentIndex> {
        self.conns.iter().filter_map(|c| c.agent).collect()
    }

    /// Agent `a`'s connection.
    pub(super) fn conn_of(&self, a: AgentIndex) -> Option<&Conn> {
        self.conns.iter().find(|c| c.agent == Some(a))
    }

    /// Agent `a`'s connection, mutable.
    pub(super) fn conn_of_mut(&mut self, a: AgentIndex) -> Option<&mut Conn> {
        self.conns.iter_mut().find(|c| c.agent == Some(a))
    }

    /// The first external (non-agent) connection.
    pub(super) fn external(&self) -> Option<&Conn> {
        self.conns.iter().find(|c| c.agent.is_none())
    }

    /// Notes that a client (by its signature) acted on the call.
    pub(super) fn touch(&mut self, sig: Option<&CtiString>, time: u32) {
        self.controlled = true;
        let Some(sig) = sig else { return };
        if let Some(c) = self
            .clients
            .iter_mut()
            .find(|c| &c.cti_client_signature == sig)
        {
            c.cti_client_timestamp = time;
        } else if self.clients.len() < MAX_CTI_CLIENTS {
            let mut c = ClientSignature::default();
            c.cti_client_signature = sig.clone();
            c.cti_client_timestamp = time;
            self.clients.push(c);
        }
    }
}

/// A call that ended while agents wrap up: its wrap-up data may still be set (SET_CALL_DATA_REQ) until they
/// leave wrap-up or RELEASE_CALL_REQ.
#[derive(Debug, Clone)]
pub(super) struct Ended {
    pub(super) peripheral_id: u32,
    pub(super) device: CtiString,
    pub(super) agents: Vec<AgentIndex>,
    pub(super) wrapup: Option<CtiString>,
}

impl Engine {
    /// The CallReferenceID (tag 223) of a new call first known as `id` on `peripheral_id`: 12 opaque bytes,
    /// PeripheralID, the simulator's start time and the first ConnectionCallID (big-endian UINTs), unique for
    /// the run and across runs started at different seconds.
    pub(super) fn call_reference(&self, peripheral_id: u32, id: u32) -> RawBytes {
        let mut b = Vec::with_capacity(12);
        b.extend_from_slice(&peripheral_id.to_be_bytes());
        b.extend_from_slice(&self.epoch.to_be_bytes());
        b.extend_from_slice(&id.to_be_bytes());
        RawBytes::from(b.as_slice())
    }

    /// A fresh ConnectionCallID.
    pub(super) fn new_call_id(&mut self) -> u32 {
        loop {
            let id = self.next_call_id;
            self.next_call_id = match id.wrapping_add(1) {
                NULL_CALL_ID | 0 => FIRST_CALL_ID,
                n => n,
            };
            if !self.calls.contains_key(&id) && !self.ended.contains_key(&id) {
                return id;
            }
        }
    }

    /// A new call carrying `old`'s data with connections `conns` (after a transfer or conference, or when an
    /// agent leaves a conference); the external party's planned hang-up carries over. Returns its id; the
    /// agents' call lists are the caller's business.
    pub(super) fn reform(&mut self, old: &Call, conns: Vec<Conn>, sig: Option<&CtiString>) -> u32 {
        let id = self.new_call_id();
        let time = self.wall_time();
        let mut call = Call {
            id,
            device: CtiString::from(id.to_string()),
            conns,
            queued: false,
            answered: true,
            since: self.now,
            announced: true,
            leg: old.leg.wrapping_add(1),
            ..old.clone()
        };
        call.touch(sig, time);
        if let Some(at) = call.hangup_at {
            self.sched.push(at.max(self.now), Step::Hangup { call: id });
        }
        self.calls.insert(id, call);
        id
    }

    /// Forgets a call that is gone: if clients still believe in it while its peripheral is offline, its
    /// END_CALL_EVENT is owed when the outage ends or the linger time runs out.
    pub(super) fn forget(&mut self, call: &Call) {
        if call.announced && !self.online(Some(call.pidx)) {
            if let Some(p) = self.periphs.get_mut(call.pidx) {
                p.ghosts.push(super::peripherals::Ghost {
                    id: call.id,
                    device: call.device.clone(),
                    ptype: call.ptype,
                    peripheral_id: call.peripheral_id,
                    parties: call.agents(),
                });
            }
        }
    }
}

/// Sets (or adds) an ECC scalar variable.
pub(super) fn set_named(vars: &mut Vec<NamedVariable>, v: NamedVariable) {
    match vars.iter_mut().find(|x| x.name == v.name) {
        Some(x) => x.value = v.value,
        None => vars.push(v),
    }
}

/// Sets (or adds) an ECC array element.
pub(super) fn set_array(arrays: &mut Vec<NamedArray>, v: NamedArray) {
    match arrays
        .iter_mut()
        .find(|x| x.name == v.name && x.index == v.index)
    {
        Some(x) => x.value = v.value,
        None => arrays.push(v),
    }
}

/// ConnectionDeviceIDType of every call the engine makes.
pub(super) const STATIC: ConnectionDeviceIdType = ConnectionDeviceIdType::CONNECTION_ID_STATIC;
