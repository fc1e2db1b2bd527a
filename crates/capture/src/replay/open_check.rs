//! Whether a client's OPEN_REQ can be answered with the recorded OPEN_CONF, or which FAILURE_CONF status it
//! earns (the order of the checks follows a CTI Server's: version, timeout, masks, reserved fields, required
//! data). Credentials are not checked: the recording has them blanked.

use cti_proto::constants::{
    E_CTI_INVALID_AGENT_STATE_MASK, E_CTI_INVALID_RESERVED_FIELD, E_CTI_INVALID_SERVICE_MASK,
    E_CTI_INVALID_TIMEOUT, E_CTI_INVALID_VERSION, E_CTI_REQUIRED_DATA_MISSING, StatusCode,
};
use cti_proto::message::OpenReq;

/// The smallest IdleTimeout a CTI Server accepts (4 × the 5 s minimum heartbeat interval).
pub const MIN_IDLE_TIMEOUT: u32 = 20;

/// `Ok` when `req` may open the recorded session of protocol `version`; else the FAILURE_CONF status:
/// E_CTI_INVALID_VERSION (another version than the recording's: its messages exist at that version only),
/// E_CTI_INVALID_TIMEOUT, E_CTI_INVALID_SERVICE_MASK, E_CTI_INVALID_AGENT_STATE_MASK,
/// E_CTI_INVALID_RESERVED_FIELD or E_CTI_REQUIRED_DATA_MISSING (no ClientID or ClientPassword).
pub fn check_open(req: &OpenReq, version: u32) -> Result<(), StatusCode> {
    if req.version_number != version {
        return Err(E_CTI_INVALID_VERSION);
    }
    if req.idle_timeout < MIN_IDLE_TIMEOUT {
        return Err(E_CTI_INVALID_TIMEOUT);
    }
    if req.services_requested.unknown_bits() != 0 {
        return Err(E_CTI_INVALID_SERVICE_MASK);
    }
    if req.agent_state_mask.unknown_bits() != 0 {
        return Err(E_CTI_INVALID_AGENT_STATE_MASK);
    }
    if req.reserved_1 != 0 || req.reserved_2 != 0 || req.reserved_3 != 0 {
        return Err(E_CTI_INVALID_RESERVED_FIELD);
    }
    if req.client_id.is_none() || req.client_password.is_none() {
        return Err(E_CTI_REQUIRED_DATA_MISSING);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cti_proto::constants::CTI_SERVICE_ALL_EVENTS;

    fn good() -> OpenReq {
        let mut r = OpenReq::default();
        r.version_number = 24;
        r.idle_timeout = 20;
        r.services_requested = CTI_SERVICE_ALL_EVENTS;
        r.client_id = Some("c".into());
        r.client_password = Some("".into());
        r
    }

    #[test]
    fn each_problem_earns_its_status() {
        assert_eq!(check_open(&good(), 24), Ok(()));
        assert_eq!(check_open(&good(), 15), Err(E_CTI_INVALID_VERSION));
        let mut r = good();
        r.idle_timeout = 19;
        assert_eq!(check_open(&r, 24), Err(E_CTI_INVALID_TIMEOUT));
        let mut r = good();
        r.reserved_2 = 1;
        assert_eq!(check_open(&r, 24), Err(E_CTI_INVALID_RESERVED_FIELD));
        let mut r = good();
        r.client_password = None;
        assert_eq!(check_open(&r, 24), Err(E_CTI_REQUIRED_DATA_MISSING));
        let mut r = good();
        r.idle_timeout = 0xFFFF_FFFF; // no heartbeats: accepted
        assert_eq!(check_open(&r, 24), Ok(()));
    }
}
