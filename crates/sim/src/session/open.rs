//! OPEN_REQ validation (§7.1 of the facts): which FAILURE_CONF status a request earns, or which services are
//! granted. Pure: the caller supplies what it knows about peripherals and agents.

use cti_proto::constants::{
    E_CTI_INCONSISTENT_AGENT_DATA, E_CTI_INVALID_AGENT_DATA, E_CTI_INVALID_AGENT_STATE_MASK,
    E_CTI_INVALID_PASSWORD, E_CTI_INVALID_PERIPHERAL_ID, E_CTI_INVALID_RESERVED_FIELD,
    E_CTI_INVALID_SERVICE_MASK, E_CTI_INVALID_TIMEOUT, E_CTI_INVALID_VERSION,
    E_CTI_REQUIRED_DATA_MISSING, E_INVALID_CONFIG_MSG_MASK, ServiceMask, StatusCode,
};
use cti_proto::message::OpenReq;

use crate::config::SimConfig;
use crate::engine::{AgentIndex, AgentLookup};

/// IdleTimeout meaning "this client sends no heartbeats; do not time it out".
pub const NO_IDLE_TIMEOUT: u32 = 0xFFFF_FFFF;
/// The smallest IdleTimeout accepted (4 × the 5 s minimum heartbeat interval).
pub const MIN_IDLE_TIMEOUT: u32 = 20;

/// The services this simulator can grant.
pub const SUPPORTED_SERVICES: ServiceMask = ServiceMask(
    ServiceMask::CTI_SERVICE_CLIENT_EVENTS.0
        | ServiceMask::CTI_SERVICE_CALL_DATA_UPDATE.0
        | ServiceMask::CTI_SERVICE_CLIENT_CONTROL.0
        | ServiceMask::CTI_SERVICE_CONNECTION_MONITOR.0
        | ServiceMask::CTI_SERVICE_ALL_EVENTS.0
        | ServiceMask::CTI_SERVICE_ACTIVE_STANDBY.0,
);

/// What an accepted OPEN_REQ is granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Negotiated protocol version (the requested one).
    pub version: u32,
    /// ServicesGranted for OPEN_CONF.
    pub services: ServiceMask,
    /// The agent a CLIENT_EVENTS session is bound to.
    pub agent: Option<AgentIndex>,
}

/// Validates `req` against the configuration. `lookup` finds the agent named by the request's agent data.
/// The order of the checks follows §7.1: version, timeout, masks, reserved fields, required data, credentials,
/// then the CLIENT_EVENTS device.
pub fn validate(
    req: &OpenReq,
    cfg: &SimConfig,
    lookup: impl FnOnce(u32, Option<&str>, Option<&str>, Option<&str>) -> AgentLookup,
) -> Result<Grant, StatusCode> {
    if req.version_number < cfg.min_version || req.version_number > cfg.max_version {
        return Err(E_CTI_INVALID_VERSION);
    }
    if req.idle_timeout < MIN_IDLE_TIMEOUT {
        return Err(E_CTI_INVALID_TIMEOUT);
    }
    // K17: bits 0x200 and 0x40000 are named in the tables, so a real CTI OS server's 0x001C0296 passes.
    if req.services_requested.unknown_bits() != 0 {
        return Err(E_CTI_INVALID_SERVICE_MASK);
    }
    if req.agent_state_mask.unknown_bits() != 0 {
        return Err(E_CTI_INVALID_AGENT_STATE_MASK);
    }
    if req.config_msg_mask.unknown_bits() != 0 {
        return Err(E_INVALID_CONFIG_MSG_MASK);
    }
    if req.reserved_1 != 0 || req.reserved_2 != 0 || req.reserved_3 != 0 {
        return Err(E_CTI_INVALID_RESERVED_FIELD);
    }
    let (Some(client_id), Some(password)) = (&req.client_id, &req.client_password) else {
        return Err(E_CTI_REQUIRED_DATA_MISSING);
    };
    if let Some(auth) = &cfg.auth {
        if client_id.as_bytes() != auth.client_id.as_bytes()
            || password.expose() != auth.client_password.as_bytes()
        {
            return Err(E_CTI_INVALID_PASSWORD);
        }
    }
    let requested = req.services_requested;
    let mut services = ServiceMask(requested.0 & SUPPORTED_SERVICES.0);
    if req.version_number < 24 {
        services = ServiceMask(services.0 & !ServiceMask::CTI_SERVICE_ACTIVE_STANDBY.0);
    }
    // K22: grant what can be granted. ALL_EVENTS and CLIENT_EVENTS are agent vs bridge mode: with both asked,
    // a request that names an agent is treated as CLIENT_EVENTS, otherwise as ALL_EVENTS.
    let names_agent =
        req.agent_extension.is_some() || req.agent_id.is_some() || req.agent_instrument.is_some();
    if services.contains(ServiceMask::CTI_SERVICE_ALL_EVENTS)
        && services.contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS)
    {
        let drop = if names_agent {
            ServiceMask::CTI_SERVICE_ALL_EVENTS
        } else {
            ServiceMask::CTI_SERVICE_CLIENT_EVENTS
        };
        services = ServiceMask(services.0 & !drop.0);
    }
    if cfg.agent_state_control_only && services.contains(ServiceMask::CTI_SERVICE_CLIENT_CONTROL) {
        services = ServiceMask(
            (services.0 & !ServiceMask::CTI_SERVICE_CLIENT_CONTROL.0)
                | ServiceMask::CTI_AGENT_STATE_CONTROL_ONLY.0,
        );
    }
    let mut agent = None;
    if services.contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS) {
        if !cfg.peripherals.iter().any(|p| p.id == req.peripheral_id) {
            return Err(E_CTI_INVALID_PERIPHERAL_ID);
        }
        if !names_agent {
            return Err(E_CTI_REQUIRED_DATA_MISSING);
        }
        let s = |v: &Option<cti_proto::CtiString>| v.as_ref().map(|x| x.to_str().into_owned());
        let (ext, id, ins) = (
            s(&req.agent_extension),
            s(&req.agent_id),
            s(&req.agent_instrument),
        );
        match lookup(
            req.peripheral_id,
            ext.as_deref(),
            id.as_deref(),
            ins.as_deref(),
        ) {
            AgentLookup::Found(a) => agent = Some(a),
            AgentLookup::NotFound => return Err(E_CTI_INVALID_AGENT_DATA),
            AgentLookup::Inconsistent => return Err(E_CTI_INCONSISTENT_AGENT_DATA),
        }
    }
    Ok(Grant {
        version: req.version_number,
        services,
        agent,
    })
}

#[cfg(test)]
#[allow(clippy::type_complexity, reason = "a table of closures")]
mod tests {
    use cti_proto::constants::*;

    use super::*;

    fn base() -> OpenReq {
        let mut r = OpenReq::default();
        r.invoke_id = 1;
        r.version_number = 24;
        r.idle_timeout = 20;
        r.peripheral_id = NULL_PERIPHERAL_ID;
        r.services_requested = CTI_SERVICE_ALL_EVENTS;
        r.client_id = Some("c".into());
        r.client_password = Some("".into());
        r
    }

    fn check(r: &OpenReq) -> Result<Grant, StatusCode> {
        validate(r, &SimConfig::default(), |_, _, id, _| match id {
            Some("1001") => AgentLookup::Found(0),
            Some("both") => AgentLookup::Inconsistent,
            _ => AgentLookup::NotFound,
        })
    }

    #[test]
    fn each_fault_has_its_status() {
        let cases: Vec<(Box<dyn Fn(&mut OpenReq)>, StatusCode)> = vec![
            (Box::new(|r| r.version_number = 12), E_CTI_INVALID_VERSION),
            (Box::new(|r| r.version_number = 26), E_CTI_INVALID_VERSION),
            (Box::new(|r| r.idle_timeout = 19), E_CTI_INVALID_TIMEOUT),
            (
                Box::new(|r| r.services_requested = ServiceMask(0x4000)),
                E_CTI_INVALID_SERVICE_MASK,
            ),
            (
                Box::new(|r| r.agent_state_mask = AgentStateMask(0x4000)),
                E_CTI_INVALID_AGENT_STATE_MASK,
            ),
            (
                Box::new(|r| r.config_msg_mask = ConfigMsgMask(0x400)),
                E_INVALID_CONFIG_MSG_MASK,
            ),
            (Box::new(|r| r.reserved_2 = 1), E_CTI_INVALID_RESERVED_FIELD),
            (
                Box::new(|r| r.client_id = None),
                E_CTI_REQUIRED_DATA_MISSING,
            ),
            (
                Box::new(|r| r.client_password = None),
                E_CTI_REQUIRED_DATA_MISSING,
            ),
            (
                Box::new(|r| {
                    r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                    r.peripheral_id = 5000;
                }),
                E_CTI_REQUIRED_DATA_MISSING,
            ),
            (
                Box::new(|r| {
                    r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                    r.peripheral_id = 1;
                    r.agent_id = Some("1001".into());
                }),
                E_CTI_INVALID_PERIPHERAL_ID,
            ),
            (
                Box::new(|r| {
                    r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                    r.peripheral_id = 5000;
                    r.agent_id = Some("9999".into());
                }),
                E_CTI_INVALID_AGENT_DATA,
            ),
            (
                Box::new(|r| {
                    r.services_requested = CTI_SERVICE_CLIENT_EVENTS;
                    r.peripheral_id = 5000;
                    r.agent_id = Some("both".into());
                }),
                E_CTI_INCONSISTENT_AGENT_DATA,
            ),
        ];
        for (i, (change, status)) in cases.iter().enumerate() {
            let mut r = base();
            change(&mut r);
            assert_eq!(check(&r), Err(*status), "case {i}");
        }
    }

    #[test]
    fn grants_what_it_can() {
        let mut r = base();
        r.services_requested = CTI_SERVICE_ALL_EVENTS
            | CTI_SERVICE_CLIENT_CONTROL
            | CTI_SERVICE_SUPERVISOR
            | CTI_SERVICE_DEBUG;
        let g = check(&r).unwrap();
        assert_eq!(
            g.services,
            CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL
        );
        assert_eq!(g.agent, None);

        // K17: the real CTI OS server's request is accepted.
        r.services_requested = ServiceMask(0x001C_0296);
        assert!(check(&r).is_ok());

        r.services_requested = CTI_SERVICE_CLIENT_EVENTS | CTI_SERVICE_ALL_EVENTS;
        r.peripheral_id = 5000;
        r.agent_id = Some("1001".into());
        assert_eq!(
            check(&r).unwrap(),
            Grant {
                version: 24,
                services: CTI_SERVICE_CLIENT_EVENTS,
                agent: Some(0)
            }
        );

        r.idle_timeout = NO_IDLE_TIMEOUT;
        r.version_number = 19;
        r.services_requested = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_ACTIVE_STANDBY;
        assert_eq!(
            check(&r).unwrap().services,
            CTI_SERVICE_ALL_EVENTS,
            "standby only from v24"
        );
    }

    #[test]
    fn credentials_when_configured() {
        let mut cfg = SimConfig::default();
        cfg.auth = Some(crate::config::AuthConfig {
            client_id: "c".into(),
            client_password: "pw".into(),
        });
        let mut r = base();
        let f = |_, _: Option<&str>, _: Option<&str>, _: Option<&str>| AgentLookup::NotFound;
        assert_eq!(validate(&r, &cfg, f), Err(E_CTI_INVALID_PASSWORD));
        r.client_password = Some("pw".into());
        assert!(validate(&r, &cfg, f).is_ok());
    }

    #[test]
    fn downgrade_to_agent_state_control_only() {
        let mut cfg = SimConfig::default();
        cfg.agent_state_control_only = true;
        let mut r = base();
        r.services_requested = CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL;
        let g = validate(&r, &cfg, |_, _, _, _| AgentLookup::NotFound).unwrap();
        assert_eq!(
            g.services,
            CTI_SERVICE_ALL_EVENTS | CTI_AGENT_STATE_CONTROL_ONLY
        );
    }
}
