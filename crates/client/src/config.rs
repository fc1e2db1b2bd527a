//! Client configuration (builder + serde, so the CLI and TOML profiles share it).
//!
//! Defaults follow the guidelines: protocol version 24; heartbeats disabled (−1); IdleTimeout 4 × the interval;
//! the generic message masks (BEGIN_CALL, END_CALL, CALL_DATA_UPDATE — "Generic vs ACD-Specific Applications";
//! "Message Masks": add only what you need); OPEN_CONF timeout 30 s (60 s suggested above 500 clients).

use std::time::Duration;

use cti_proto::constants::{
    AgentStateMask, CallMsgMask, ConfigMsgMask, NULL_PERIPHERAL_ID, ServiceMask,
};
use cti_proto::message::OpenReq;
use cti_proto::{CtiString, Secret};
use serde::{Deserialize, Serialize};

use crate::address;
use crate::heartbeat::{HeartbeatInterval, HeartbeatIntervalError};
use crate::schedule::Side;
use crate::tls::TlsConfig;

/// The generic call-event set of the guidelines.
pub const GENERIC_CALL_MASK: CallMsgMask = CallMsgMask(
    CallMsgMask::BEGIN_CALL_MASK.0
        | CallMsgMask::END_CALL_MASK.0
        | CallMsgMask::CALL_DATA_UPDATE_MASK.0,
);

/// A configuration that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No side A address.
    #[error("side A address is missing (HOST:PORT, e.g. cti-a.example.com:42027)")]
    NoSideA,
    /// Protocol version outside 13–25.
    #[error("protocol version {0} is not supported (13–25)")]
    Version(u32),
    /// Heartbeat interval below 5 s (and not −1).
    #[error(transparent)]
    Heartbeat(#[from] HeartbeatIntervalError),
    /// CLIENT_EVENTS without a peripheral or without agent data.
    #[error(
        "CTI_SERVICE_CLIENT_EVENTS needs a PeripheralID and an agent extension, agent ID or instrument"
    )]
    ClientEventsAgent,
    /// IdleTimeout below 20 s.
    #[error("IdleTimeout {0} s is below the CTI Server's minimum of 20 s")]
    IdleTimeout(u32),
    /// An event queue of no events.
    #[error("event_queue must hold at least 1 event (default 10000)")]
    EventQueue,
    /// The TLS settings cannot work (a key without its certificate, a malformed pin, an unreadable PEM file...).
    #[error("TLS: {0}")]
    Tls(String),
}

/// Everything a client session needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    /// Side A, `HOST:PORT` or `HOST` (default port 42027, or 42030 with TLS).
    pub side_a: String,
    /// Side B, `HOST:PORT` or `HOST` (default port 43027, or 43030 with TLS); none for a simplex server.
    pub side_b: Option<String>,
    /// Protocol version requested in OPEN_REQ.
    pub version: u32,
    /// ClientID.
    pub client_id: String,
    /// ClientPassword (redacted in Debug and JSON).
    pub client_password: Secret,
    /// ClientSignature (defaults to ClientID on the server).
    pub client_signature: Option<String>,
    /// ServicesRequested (a number, or names joined by `|`).
    pub services: ServiceMask,
    /// PeripheralID (required for CLIENT_EVENTS).
    pub peripheral_id: Option<u32>,
    /// AgentExtension.
    pub agent_extension: Option<String>,
    /// AgentID.
    pub agent_id: Option<String>,
    /// AgentInstrument.
    pub agent_instrument: Option<String>,
    /// CallMsgMask.
    pub call_msg_mask: CallMsgMask,
    /// AgentStateMask.
    pub agent_state_mask: AgentStateMask,
    /// ConfigMsgMask.
    pub config_msg_mask: ConfigMsgMask,
    /// Heartbeat interval in seconds; −1 disables (the default).
    pub heartbeat_secs: i64,
    /// IdleTimeout in seconds; default 4 × the heartbeat interval (0xFFFFFFFF when heartbeats are disabled).
    pub idle_timeout: Option<u32>,
    /// CTI clients expected at the site (the random wait of the 17 steps is up to this / 10 seconds).
    pub expected_clients: u32,
    /// How long to wait for OPEN_CONF; default 30 s, 60 s above 500 expected clients.
    pub open_timeout_secs: Option<u64>,
    /// How long to wait for the reply to a request (the reference allows 10–15 s for client control).
    pub request_timeout_secs: u64,
    /// How many events may wait unread on [`crate::Events`] (default [`DEFAULT_EVENT_QUEUE`]). When the
    /// consumer falls this far behind, the client resets the session, reports [`crate::ClientEvent::Overflow`]
    /// and reconnects once the consumer has read half the queue — memory stays bounded, nothing is lost
    /// silently, and a consumer slower than the server does not cause a reconnect storm.
    pub event_queue: usize,
    /// TLS (the `[tls]` table of a profile); none = plain TCP on both sides.
    pub tls: Option<TlsConfig>,
}

/// The default capacity of the event queue.
pub const DEFAULT_EVENT_QUEUE: usize = 10_000;

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            side_a: String::new(),
            side_b: None,
            version: cti_proto::DEFAULT_VERSION,
            client_id: "ctikit".into(),
            client_password: Secret::default(),
            client_signature: None,
            services: ServiceMask::CTI_SERVICE_ALL_EVENTS,
            peripheral_id: None,
            agent_extension: None,
            agent_id: None,
            agent_instrument: None,
            call_msg_mask: GENERIC_CALL_MASK,
            agent_state_mask: AgentStateMask(0),
            config_msg_mask: ConfigMsgMask(0),
            heartbeat_secs: -1,
            idle_timeout: None,
            expected_clients: 1,
            open_timeout_secs: None,
            request_timeout_secs: 30,
            event_queue: DEFAULT_EVENT_QUEUE,
            tls: None,
        }
    }
}

impl ClientConfig {
    /// A builder for a client of `side_a` (and optionally side B).
    pub fn builder(side_a: impl Into<String>) -> ClientConfigBuilder {
        ClientConfigBuilder(ClientConfig {
            side_a: side_a.into(),
            ..ClientConfig::default()
        })
    }

    /// Checks the configuration against the guidelines and the server's rules.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.side_a.is_empty() {
            return Err(ConfigError::NoSideA);
        }
        if !cti_proto::version::is_supported(self.version) {
            return Err(ConfigError::Version(self.version));
        }
        let interval = HeartbeatInterval::from_secs(self.heartbeat_secs)?;
        let idle = self.idle_timeout.unwrap_or(interval.default_idle_timeout());
        if idle < 20 {
            return Err(ConfigError::IdleTimeout(idle));
        }
        if self
            .services
            .contains(ServiceMask::CTI_SERVICE_CLIENT_EVENTS)
            && (self.peripheral_id.is_none()
                || (self.agent_extension.is_none()
                    && self.agent_id.is_none()
                    && self.agent_instrument.is_none()))
        {
            return Err(ConfigError::ClientEventsAgent);
        }
        if self.event_queue == 0 {
            return Err(ConfigError::EventQueue);
        }
        if let Some(tls) = &self.tls {
            tls.validate().map_err(ConfigError::Tls)?;
        }
        Ok(())
    }

    /// True when `side` connects with TLS.
    pub fn tls_on(&self, side: Side) -> bool {
        self.tls.as_ref().is_some_and(|t| t.on(side))
    }

    /// The address of `side` (none for side B of a simplex server), with the side's default port when it names
    /// none: 42027 / 43027, or 42030 / 43030 with TLS.
    pub fn address(&self, side: Side) -> Option<String> {
        let addr = match side {
            Side::A => Some(self.side_a.as_str()),
            Side::B => self.side_b.as_deref(),
        }?;
        let port = if self.tls_on(side) {
            address::tls_port(side)
        } else {
            address::plain_port(side)
        };
        Some(address::with_default_port(addr, port))
    }

    /// The heartbeat interval (validated).
    pub fn heartbeat(&self) -> Result<HeartbeatInterval, ConfigError> {
        Ok(HeartbeatInterval::from_secs(self.heartbeat_secs)?)
    }

    /// How long to wait for OPEN_CONF.
    pub fn open_timeout(&self) -> Duration {
        Duration::from_secs(
            self.open_timeout_secs
                .unwrap_or(if self.expected_clients > 500 { 60 } else { 30 }),
        )
    }

    /// How long to wait for a reply.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// The OPEN_REQ this configuration sends.
    pub fn open_req(&self, invoke_id: u32) -> Result<OpenReq, ConfigError> {
        self.validate()?;
        let interval = self.heartbeat()?;
        let s = |v: &Option<String>| v.as_deref().map(CtiString::from);
        let mut r = OpenReq::default();
        r.invoke_id = invoke_id;
        r.version_number = self.version;
        r.idle_timeout = self.idle_timeout.unwrap_or(interval.default_idle_timeout());
        r.peripheral_id = self.peripheral_id.unwrap_or(NULL_PERIPHERAL_ID);
        r.services_requested = self.services;
        r.call_msg_mask = self.call_msg_mask;
        r.agent_state_mask = self.agent_state_mask;
        r.config_msg_mask = self.config_msg_mask;
        r.client_id = Some(self.client_id.as_str().into());
        r.client_password = Some(self.client_password.clone());
        r.client_signature = s(&self.client_signature);
        r.agent_extension = s(&self.agent_extension);
        r.agent_id = s(&self.agent_id);
        r.agent_instrument = s(&self.agent_instrument);
        Ok(r)
    }
}

/// Builds a [`ClientConfig`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientConfigBuilder(ClientConfig);

impl ClientConfigBuilder {
    /// Side B.
    pub fn side_b(mut self, addr: impl Into<String>) -> Self {
        self.0.side_b = Some(addr.into());
        self
    }
    /// Protocol version.
    pub fn version(mut self, v: u32) -> Self {
        self.0.version = v;
        self
    }
    /// ClientID and ClientPassword.
    pub fn credentials(mut self, client_id: &str, password: &str) -> Self {
        self.0.client_id = client_id.into();
        self.0.client_password = Secret::from(password);
        self
    }
    /// ClientSignature.
    pub fn signature(mut self, s: &str) -> Self {
        self.0.client_signature = Some(s.into());
        self
    }
    /// ServicesRequested.
    pub fn services(mut self, s: ServiceMask) -> Self {
        self.0.services = s;
        self
    }
    /// CLIENT_EVENTS for the agent with `agent_id` on `peripheral_id`.
    pub fn agent(mut self, peripheral_id: u32, agent_id: &str) -> Self {
        self.0.peripheral_id = Some(peripheral_id);
        self.0.agent_id = Some(agent_id.into());
        self
    }
    /// Adds call events to the (generic) CallMsgMask.
    pub fn with_call_events(mut self, m: CallMsgMask) -> Self {
        self.0.call_msg_mask |= m;
        self
    }
    /// Adds agent states to the AgentStateMask.
    pub fn with_agent_states(mut self, m: AgentStateMask) -> Self {
        self.0.agent_state_mask |= m;
        self
    }
    /// Heartbeat interval in seconds (−1 disables).
    pub fn heartbeat_secs(mut self, secs: i64) -> Self {
        self.0.heartbeat_secs = secs;
        self
    }
    /// CTI clients expected at the site.
    pub fn expected_clients(mut self, n: u32) -> Self {
        self.0.expected_clients = n;
        self
    }
    /// Capacity of the event queue (at least 1).
    pub fn event_queue(mut self, n: usize) -> Self {
        self.0.event_queue = n;
        self
    }
    /// TLS settings (TLS on for the sides they name).
    pub fn tls(mut self, tls: TlsConfig) -> Self {
        self.0.tls = Some(tls);
        self
    }
    /// The configuration, checked.
    pub fn build(self) -> Result<ClientConfig, ConfigError> {
        self.0.validate()?;
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use cti_proto::constants::*;

    use super::*;

    #[test]
    fn defaults_follow_the_guidelines() {
        let c = ClientConfig::builder("cti-a:42027")
            .side_b("cti-b:43027")
            .build()
            .unwrap();
        assert_eq!(c.version, 24);
        assert_eq!(
            c.call_msg_mask,
            BEGIN_CALL_MASK | END_CALL_MASK | CALL_DATA_UPDATE_MASK
        );
        assert_eq!(c.heartbeat_secs, -1);
        let r = c.open_req(1).unwrap();
        assert_eq!(
            r.idle_timeout, 0xFFFF_FFFF,
            "heartbeats disabled: no idle timeout"
        );
        assert_eq!(r.peripheral_id, NULL_PERIPHERAL_ID);
        assert_eq!(c.open_timeout(), Duration::from_secs(30));
        let big = ClientConfig::builder("a:1")
            .expected_clients(501)
            .build()
            .unwrap();
        assert_eq!(big.open_timeout(), Duration::from_secs(60));
    }

    #[test]
    fn idle_timeout_is_four_heartbeats() {
        let c = ClientConfig::builder("a:1")
            .heartbeat_secs(30)
            .build()
            .unwrap();
        assert_eq!(c.open_req(9).unwrap().idle_timeout, 120);
    }

    #[test]
    fn configuration_errors() {
        assert_eq!(
            ClientConfig::builder("").build().err(),
            Some(ConfigError::NoSideA)
        );
        assert_eq!(
            ClientConfig::builder("a:1").version(12).build().err(),
            Some(ConfigError::Version(12))
        );
        assert!(matches!(
            ClientConfig::builder("a:1").heartbeat_secs(2).build(),
            Err(ConfigError::Heartbeat(_))
        ));
        let ce = ClientConfig::builder("a:1")
            .services(CTI_SERVICE_CLIENT_EVENTS)
            .build();
        assert_eq!(ce.err(), Some(ConfigError::ClientEventsAgent));
        assert_eq!(
            ClientConfig::builder("a:1").event_queue(0).build().err(),
            Some(ConfigError::EventQueue)
        );
        assert!(
            ClientConfig::builder("a:1")
                .services(CTI_SERVICE_CLIENT_EVENTS)
                .agent(5000, "1001")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn tls_profiles_and_default_ports() {
        let t: ClientConfig = toml::from_str(
            "side_a = \"cti-a\"\nside_b = \"cti-b:5000\"\n[tls]\nca = \"/etc/cti/ca.pem\"\ncert = \"me.pem\"\nkey = \"me.key\"\nserver_name = \"cti-a.example.com\"\n",
        )
        .unwrap();
        assert!(t.validate().is_ok());
        let tls = t.tls.clone().unwrap();
        assert_eq!(tls.ca, Some("/etc/cti/ca.pem".into()));
        assert_eq!((tls.side_a, tls.side_b), (true, true));
        assert_eq!(t.address(Side::A).as_deref(), Some("cti-a:42030"));
        assert_eq!(t.address(Side::B).as_deref(), Some("cti-b:5000"));
        let plain = ClientConfig::builder("cti-a")
            .side_b("cti-b")
            .build()
            .unwrap();
        assert_eq!(plain.address(Side::A).as_deref(), Some("cti-a:42027"));
        assert_eq!(plain.address(Side::B).as_deref(), Some("cti-b:43027"));
        let mixed: ClientConfig =
            toml::from_str("side_a = \"a\"\nside_b = \"b\"\n[tls]\nside_b = false\n").unwrap();
        assert_eq!(mixed.address(Side::A).as_deref(), Some("a:42030"));
        assert_eq!(mixed.address(Side::B).as_deref(), Some("b:43027"));
        let bad: ClientConfig = toml::from_str("side_a = \"a\"\n[tls]\nkey = \"k.pem\"\n").unwrap();
        assert_eq!(
            bad.validate(),
            Err(ConfigError::Tls(
                "a client key needs its certificate (cert)".into()
            ))
        );
        assert!(toml::from_str::<ClientConfig>("side_a = \"a\"\n[tls]\nnonsense = 1\n").is_err());
    }

    #[test]
    fn password_is_redacted_and_toml_profiles_read() {
        let c = ClientConfig::builder("a:1")
            .credentials("rec", "hunter2")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&c).unwrap().contains("hunter2"));
        assert_eq!(
            c.open_req(1).unwrap().client_password.unwrap().expose(),
            b"hunter2"
        );
        let t: ClientConfig = toml::from_str(
            "side_a = \"a:42027\"\nside_b = \"b:43027\"\nservices = \"CTI_SERVICE_ALL_EVENTS|CTI_SERVICE_CLIENT_CONTROL\"\nheartbeat_secs = 5\ncall_msg_mask = \"BEGIN_CALL_MASK|END_CALL_MASK\"\n",
        )
        .unwrap();
        assert_eq!(
            t.services,
            CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL
        );
        assert_eq!(t.call_msg_mask, BEGIN_CALL_MASK | END_CALL_MASK);
        assert_eq!(
            t.event_queue, 10_000,
            "profiles without event_queue keep the default"
        );
        assert!(t.validate().is_ok());
        let small: ClientConfig = toml::from_str("side_a = \"a:1\"\nevent_queue = 64\n").unwrap();
        assert_eq!(small.event_queue, 64);
    }
}
