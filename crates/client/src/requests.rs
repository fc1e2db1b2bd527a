//! Typed requests: agent state, call control, call data, queries. Each returns its typed CONF, or an error
//! carrying the E_CTI (FAILURE_CONF) or CF_ (CONTROL_FAILURE_CONF) name. Effects arrive as events, before or
//! after the CONF (facts §4.6).

use cti_proto::Message;
use cti_proto::constants::{AgentState, ConnectionDeviceIdType};
use cti_proto::message::{
    AlternateCallReq, AnswerCallReq, ClearCallReq, ClearConnectionReq, ConferenceCallConf,
    ConferenceCallReq, ConsultationCallConf, ConsultationCallReq, HoldCallReq, MakeCallConf,
    MakeCallReq, QueryAgentStateConf, QueryAgentStateReq, ReleaseCallReq, RetrieveCallReq,
    SetAgentStateReq, SetCallDataReq, SnapshotCallConf, SnapshotCallReq, SnapshotDeviceConf,
    SnapshotDeviceReq, TransferCallConf, TransferCallReq,
};
use cti_proto::{Connection, CtiString, NamedVariable, SecretString};

use crate::client::Client;
use crate::error::ClientError;

/// A call as control requests name it: (ConnectionCallID, ConnectionDeviceIDType, ConnectionDeviceID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRef {
    /// ConnectionCallID.
    pub connection_call_id: u32,
    /// ConnectionDeviceIDType.
    pub device_id_type: ConnectionDeviceIdType,
    /// ConnectionDeviceID.
    pub device_id: String,
}

impl CallRef {
    /// A call with a static connection id.
    pub fn new(connection_call_id: u32, device_id: impl Into<String>) -> Self {
        CallRef {
            connection_call_id,
            device_id_type: ConnectionDeviceIdType::CONNECTION_ID_STATIC,
            device_id: device_id.into(),
        }
    }

    /// The call as a request's connection fields hold it (the device id is always sent).
    fn connection(&self) -> Connection {
        Connection::new(
            self.connection_call_id,
            self.device_id_type,
            self.device_id.as_str(),
        )
    }
}

/// The agent (device) a request is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agent {
    /// PeripheralID.
    pub peripheral_id: u32,
    /// AgentID.
    pub agent_id: Option<String>,
    /// AgentExtension.
    pub extension: Option<String>,
    /// AgentInstrument.
    pub instrument: Option<String>,
}

fn s(v: Option<&String>) -> Option<CtiString> {
    v.map(|x| CtiString::from(x.as_str()))
}

fn unexpected(m: &Message) -> ClientError {
    ClientError::unexpected_reply(m)
}

macro_rules! conf {
    ($reply:expr, $variant:ident) => {
        match $reply? {
            Message::$variant(c) => Ok(*c),
            other => Err(unexpected(&other)),
        }
    };
}

impl Client {
    /// QUERY_AGENT_STATE_REQ.
    pub async fn query_agent_state(
        &self,
        agent: &Agent,
    ) -> Result<QueryAgentStateConf, ClientError> {
        let mut r = QueryAgentStateReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_id = s(agent.agent_id.as_ref());
        r.agent_extension = s(agent.extension.as_ref());
        r.agent_instrument = s(agent.instrument.as_ref());
        conf!(self.request(r).await, QueryAgentStateConf)
    }

    /// SET_AGENT_STATE_REQ to `state` (AGENT_STATE_LOGIN, _LOGOUT, _NOT_READY, _AVAILABLE, _WORK_READY,
    /// _WORK_NOT_READY) with a reason code (Not Ready / Logout) and, for login/logout, the agent's password.
    pub async fn set_agent_state(
        &self,
        agent: &Agent,
        state: AgentState,
        reason_code: u16,
        password: Option<&str>,
    ) -> Result<(), ClientError> {
        let mut r = SetAgentStateReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_state = state;
        r.event_reason_code = reason_code;
        r.agent_id = s(agent.agent_id.as_ref());
        r.agent_instrument = s(agent.instrument.as_ref());
        r.agent_password = password.map(SecretString::from);
        conf!(self.request(r).await, SetAgentStateConf).map(|_| ())
    }

    /// MAKE_CALL_REQ from the agent's instrument to `dialed_number`.
    pub async fn make_call(
        &self,
        agent: &Agent,
        dialed_number: &str,
    ) -> Result<MakeCallConf, ClientError> {
        let mut r = MakeCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.dialed_number = Some(dialed_number.into());
        r.skill_group_number = cti_proto::constants::NULL_SKILL_GROUP;
        conf!(self.request(r).await, MakeCallConf)
    }

    /// ANSWER_CALL_REQ.
    pub async fn answer_call(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = AnswerCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_connection(call.connection());
        conf!(self.request(r).await, AnswerCallConf).map(|_| ())
    }

    /// RELEASE_CALL_REQ (ends the wrap-up data window early).
    pub async fn release_call(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = ReleaseCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.set_connection(call.connection());
        conf!(self.request(r).await, ReleaseCallConf).map(|_| ())
    }

    /// CLEAR_CALL_REQ (hangs up every party).
    pub async fn clear_call(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = ClearCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_connection(call.connection());
        conf!(self.request(r).await, ClearCallConf).map(|_| ())
    }

    /// CLEAR_CONNECTION_REQ (the agent leaves the call).
    pub async fn clear_connection(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = ClearConnectionReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_connection(call.connection());
        conf!(self.request(r).await, ClearConnectionConf).map(|_| ())
    }

    /// HOLD_CALL_REQ.
    pub async fn hold_call(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = HoldCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_connection(call.connection());
        conf!(self.request(r).await, HoldCallConf).map(|_| ())
    }

    /// RETRIEVE_CALL_REQ.
    pub async fn retrieve_call(&self, agent: &Agent, call: &CallRef) -> Result<(), ClientError> {
        let mut r = RetrieveCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_held_connection(call.connection());
        conf!(self.request(r).await, RetrieveCallConf).map(|_| ())
    }

    /// ALTERNATE_CALL_REQ: hold `active`, retrieve `other`.
    pub async fn alternate_call(
        &self,
        agent: &Agent,
        active: &CallRef,
        other: &CallRef,
    ) -> Result<(), ClientError> {
        let mut r = AlternateCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_active_connection(active.connection());
        r.set_other_connection(other.connection());
        conf!(self.request(r).await, AlternateCallConf).map(|_| ())
    }

    /// CONSULTATION_CALL_REQ from the `active` call to `dialed_number`.
    pub async fn consultation_call(
        &self,
        agent: &Agent,
        active: &CallRef,
        dialed_number: &str,
    ) -> Result<ConsultationCallConf, ClientError> {
        let mut r = ConsultationCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_active_connection(active.connection());
        r.dialed_number = Some(dialed_number.into());
        conf!(self.request(r).await, ConsultationCallConf)
    }

    /// TRANSFER_CALL_REQ: completes the transfer of `held` to the party of `active`.
    pub async fn transfer_call(
        &self,
        agent: &Agent,
        active: &CallRef,
        held: &CallRef,
    ) -> Result<TransferCallConf, ClientError> {
        let mut r = TransferCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_active_connection(active.connection());
        r.set_held_connection(held.connection());
        conf!(self.request(r).await, TransferCallConf)
    }

    /// CONFERENCE_CALL_REQ: joins `held` and `active`.
    pub async fn conference_call(
        &self,
        agent: &Agent,
        active: &CallRef,
        held: &CallRef,
    ) -> Result<ConferenceCallConf, ClientError> {
        let mut r = ConferenceCallReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.set_active_connection(active.connection());
        r.set_held_connection(held.connection());
        conf!(self.request(r).await, ConferenceCallConf)
    }

    /// SET_CALL_DATA_REQ: call variables (1–10) and ECC variables; items not given are unchanged.
    pub async fn set_call_data(
        &self,
        peripheral_id: u32,
        call: &CallRef,
        variables: &[(u8, String)],
        ecc: &[(String, String)],
    ) -> Result<(), ClientError> {
        let mut r = SetCallDataReq::default();
        r.peripheral_id = peripheral_id;
        r.set_connection(call.connection());
        r.call_type = cti_proto::constants::CallType(0xFFFF);
        for (n, v) in variables {
            if !r.set_call_variable(usize::from(*n), Some(CtiString::from(v.as_str()))) {
                return Err(ClientError::InvalidRequest {
                    field: format!("call variable {n}"),
                    reason: "use 1 to 10",
                });
            }
        }
        r.named_variables = ecc
            .iter()
            .map(|(n, v)| NamedVariable::new(n.as_str(), v.as_str()))
            .collect();
        conf!(self.request(r).await, SetCallDataConf).map(|_| ())
    }

    /// SNAPSHOT_CALL_REQ.
    pub async fn snapshot_call(
        &self,
        peripheral_id: u32,
        call: &CallRef,
    ) -> Result<SnapshotCallConf, ClientError> {
        let mut r = SnapshotCallReq::default();
        r.peripheral_id = peripheral_id;
        r.set_connection(call.connection());
        conf!(self.request(r).await, SnapshotCallConf)
    }

    /// SNAPSHOT_DEVICE_REQ for the agent's instrument.
    pub async fn snapshot_device(&self, agent: &Agent) -> Result<SnapshotDeviceConf, ClientError> {
        let mut r = SnapshotDeviceReq::default();
        r.peripheral_id = agent.peripheral_id;
        r.agent_instrument = s(agent.instrument.as_ref());
        r.snapshot_device_type = cti_proto::constants::DeviceIdType::DEVID_DEVICE_IDENTIFIER;
        conf!(self.request(r).await, SnapshotDeviceConf)
    }
}
