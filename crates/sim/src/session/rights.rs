//! Which granted service a request needs (§4.6, §7.5): client-control requests need CLIENT_CONTROL (agent-state
//! requests are also allowed with CTI_AGENT_STATE_CONTROL_ONLY), SET_CALL_DATA_REQ needs CALL_DATA_UPDATE.

use cti_proto::Message;
use cti_proto::constants::ServiceMask;

/// True when `services` allow `req`. Requests that need nothing granted (none here) and requests the simulator
/// does not implement are judged by the engine (which answers E_CTI_FUNCTION_NOT_AVAILABLE for the latter).
pub fn allowed(req: &Message, services: ServiceMask) -> bool {
    let control = services.contains(ServiceMask::CTI_SERVICE_CLIENT_CONTROL);
    match req {
        Message::QueryAgentStateReq(_) | Message::SetAgentStateReq(_) => {
            control || services.contains(ServiceMask::CTI_AGENT_STATE_CONTROL_ONLY)
        }
        Message::SetCallDataReq(_) => services.contains(ServiceMask::CTI_SERVICE_CALL_DATA_UPDATE),
        _ => control,
    }
}

#[cfg(test)]
mod tests {
    use cti_proto::constants::*;
    use cti_proto::message::{AnswerCallReq, QueryAgentStateReq, SetCallDataReq};

    use super::*;

    #[test]
    fn rights_by_service() {
        let q = Message::from(QueryAgentStateReq::default());
        let a = Message::from(AnswerCallReq::default());
        let d = Message::from(SetCallDataReq::default());
        assert!(allowed(&q, CTI_AGENT_STATE_CONTROL_ONLY));
        assert!(!allowed(&a, CTI_AGENT_STATE_CONTROL_ONLY));
        assert!(allowed(&a, CTI_SERVICE_CLIENT_CONTROL));
        assert!(!allowed(&a, CTI_SERVICE_ALL_EVENTS));
        assert!(allowed(&d, CTI_SERVICE_CALL_DATA_UPDATE));
        assert!(!allowed(&d, CTI_SERVICE_CLIENT_CONTROL));
    }
}
