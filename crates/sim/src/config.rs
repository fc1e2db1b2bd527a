//! What a simulated CTI Server looks like: its two sides, peripherals, agents, call traffic, accepted versions,
//! authentication and random seed. Serde (TOML for `cti sim --config`), with defaults for everything: the
//! default is a duplex system on 127.0.0.1:42027 / 127.0.0.1:43027 with one PT_ENTERPRISE_AGENT peripheral 5000
//! and 20 logged-in agents.

use std::net::SocketAddr;
use std::path::PathBuf;

use cti_proto::constants::{AgentState, PeripheralType};
use serde::{Deserialize, Serialize};

/// Side A or side B: one definition in cti-proto, shared with the client.
pub use cti_proto::Side;

/// The whole simulator configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimConfig {
    /// Listen address of side A.
    pub side_a: SocketAddr,
    /// Listen address of side B.
    pub side_b: SocketAddr,
    /// The side that is active at start.
    pub active_side: Side,
    /// Lowest accepted protocol version (OPEN_REQ.VersionNumber).
    pub min_version: u32,
    /// Highest accepted protocol version.
    pub max_version: u32,
    /// When set, OPEN_REQ must carry exactly this ClientID and ClientPassword (else E_CTI_INVALID_PASSWORD).
    pub auth: Option<AuthConfig>,
    /// Grant CTI_AGENT_STATE_CONTROL_ONLY instead of CLIENT_CONTROL (the downgrade a real server may make).
    pub agent_state_control_only: bool,
    /// The peripherals (ACDs) behind the CTI Server.
    pub peripherals: Vec<PeripheralConfig>,
    /// The agents.
    pub agents: Vec<AgentConfig>,
    /// Generated inbound call traffic.
    pub traffic: TrafficConfig,
    /// Delivery of logically simultaneous events ("Message Order" in the client guidelines).
    pub message_order: MessageOrderConfig,
    /// Seed of every random choice, for reproducible runs.
    pub seed: u64,
    /// Side A serves TLS with this certificate (`[tls_a]` in TOML); plain TCP when none.
    pub tls_a: Option<ServeTls>,
    /// Side B serves TLS with this certificate (`[tls_b]` in TOML); plain TCP when none.
    pub tls_b: Option<ServeTls>,
    /// Which optional fields the events carry (`[fidelity]` in TOML).
    pub fidelity: FidelityConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            side_a: SocketAddr::from(([127, 0, 0, 1], 42027)),
            side_b: SocketAddr::from(([127, 0, 0, 1], 43027)),
            active_side: Side::A,
            min_version: cti_proto::MIN_VERSION,
            max_version: cti_proto::MAX_VERSION,
            auth: None,
            agent_state_control_only: false,
            peripherals: vec![PeripheralConfig::default()],
            agents: default_agents(20, 5000),
            traffic: TrafficConfig::default(),
            message_order: MessageOrderConfig::default(),
            seed: 1,
            tls_a: None,
            tls_b: None,
            fidelity: FidelityConfig::default(),
        }
    }
}

impl SimConfig {
    /// The default configuration with both sides on free loopback ports (127.0.0.1:0), as tests want.
    pub fn loopback() -> Self {
        SimConfig {
            side_a: SocketAddr::from(([127, 0, 0, 1], 0)),
            side_b: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..SimConfig::default()
        }
    }

    /// Reads a TOML configuration.
    pub fn from_toml(text: &str) -> Result<Self, toml::de::Error> {
        toml::from_str(text)
    }

    /// The TLS of `side`, when it serves TLS.
    pub fn tls(&self, side: Side) -> Option<&ServeTls> {
        match side {
            Side::A => self.tls_a.as_ref(),
            Side::B => self.tls_b.as_ref(),
        }
    }

    /// The listen address of `side`.
    pub fn addr(&self, side: Side) -> SocketAddr {
        match side {
            Side::A => self.side_a,
            Side::B => self.side_b,
        }
    }
}

/// What a side serves TLS with (TLS 1.2, as the CTI Server's secured ports). PEM files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeTls {
    /// The server certificate (chain), PEM.
    pub cert: PathBuf,
    /// Its private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// When set, clients must present a certificate issued by a CA of this PEM bundle; the others are refused.
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

/// Required credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Required ClientID.
    pub client_id: String,
    /// Required ClientPassword.
    pub client_password: String,
}

/// One peripheral (ACD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PeripheralConfig {
    /// PeripheralID.
    pub id: u32,
    /// PeripheralType (name or number in TOML).
    pub peripheral_type: PeripheralType,
}

impl Default for PeripheralConfig {
    fn default() -> Self {
        PeripheralConfig {
            id: 5000,
            peripheral_type: PeripheralType::PT_ENTERPRISE_AGENT,
        }
    }
}

/// One agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentConfig {
    /// AgentID (login id).
    pub agent_id: String,
    /// AgentExtension.
    pub extension: String,
    /// AgentInstrument.
    pub instrument: String,
    /// The peripheral the agent belongs to.
    pub peripheral_id: u32,
    /// SkillGroupNumbers the agent is in.
    pub skill_groups: Vec<u32>,
    /// TeamID.
    pub team_id: u32,
    /// True for a supervisor.
    pub supervisor: bool,
    /// State at start: AGENT_STATE_LOGOUT, AGENT_STATE_NOT_READY or AGENT_STATE_AVAILABLE.
    pub initial_state: AgentState,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            agent_id: "1001".into(),
            extension: "2001".into(),
            instrument: "2001".into(),
            peripheral_id: 5000,
            skill_groups: vec![100],
            team_id: 10,
            supervisor: false,
            initial_state: AgentState::AGENT_STATE_AVAILABLE,
        }
    }
}

/// `n` agents on `peripheral_id`: AgentIDs 1001.., extensions and instruments 2001.., skill groups 100/101
/// alternating (every agent also in 102), teams of ten (10, 11, ...), the first of each team a supervisor.
pub fn default_agents(n: u32, peripheral_id: u32) -> Vec<AgentConfig> {
    (0..n)
        .map(|i| AgentConfig {
            agent_id: (1001 + i).to_string(),
            extension: (2001 + i).to_string(),
            instrument: (2001 + i).to_string(),
            peripheral_id,
            skill_groups: vec![100 + i % 2, 102],
            team_id: 10 + i / 10,
            supervisor: i % 10 == 0,
            initial_state: AgentState::AGENT_STATE_AVAILABLE,
        })
        .collect()
}

/// Generated inbound ACD calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrafficConfig {
    /// Mean arrivals per second (Poisson); 0 stops generated traffic.
    pub calls_per_second: f64,
    /// Seconds a call rings at the agent before it is answered.
    pub ring_secs: f64,
    /// Shortest talk time in seconds.
    pub talk_min_secs: f64,
    /// Longest talk time in seconds.
    pub talk_max_secs: f64,
    /// Probability that the agent puts the call on hold once.
    pub hold_probability: f64,
    /// Seconds on hold.
    pub hold_secs: f64,
    /// Seconds of wrap-up (AGENT_STATE_WORK_READY) after the call.
    pub wrap_secs: f64,
    /// DNIS values the calls arrive on (chosen at random).
    pub dnis: Vec<String>,
    /// CallVariable1..10 templates; `{call}` is replaced by the call id, `{n}` by a random number.
    pub call_variables: Vec<String>,
    /// ECC scalar variables attached to every call (name, value template).
    pub named_variables: Vec<(String, String)>,
    /// ECC array variables (index, name, value template).
    pub named_arrays: Vec<(u8, String, String)>,
}

impl Default for TrafficConfig {
    fn default() -> Self {
        TrafficConfig {
            calls_per_second: 0.5,
            ring_secs: 2.0,
            talk_min_secs: 15.0,
            talk_max_secs: 45.0,
            hold_probability: 0.2,
            hold_secs: 5.0,
            wrap_secs: 5.0,
            dnis: vec!["8005551000".into(), "8005552000".into()],
            call_variables: vec!["ACCT-{n}".into(), "gold".into(), "CASE-{call}".into()],
            named_variables: vec![
                ("user.customer.tier".into(), "gold".into()),
                ("user.case.id".into(), "C{call}".into()),
            ],
            named_arrays: vec![(0, "user.orders".into(), "A-{n}".into())],
        }
    }
}

/// Which optional fields the simulator's events carry (`[fidelity]` in TOML).
///
/// By default the simulator sends what a real CTI Server sends, so that a client which relies on an optional
/// field (one in the wild crashes without AGENT_STATE_EVENT's Direction) is exercised as in production:
/// AGENT_STATE_EVENT's Direction (tag 244, v16+) and MaxBeyondTaskLimit (266, v22+); BEGIN_CALL_EVENT's
/// DialedNumber, RouterCallKeyDay / CallID / SequenceNumber and CallReferenceID (223, v14+);
/// CALL_DELIVERED_EVENT's DialedNumber; CALL_SERVICE_INITIATED_EVENT's CallReferenceID and, for a consult call,
/// the consulted call in the COC fields (229–231, v14+). A field is never sent to a session whose protocol
/// version predates it. `optional_fields = false` leaves all of these out, and AGENT_STATE_EVENT's Duration,
/// NextAgentState, ActiveTerminal and AgentIDLong, to test a client's tolerance of their absence; the fields
/// that identify the call, agent and parties (ConnectionDeviceID, AgentID, AgentExtension, AgentInstrument,
/// CTIClientSignature, the *DeviceIDs, the skill groups) and the call's data (ANI, DNIS, CallerEnteredDigits,
/// call variables, wrap-up data, ECC variables) stay. The table, with what is not filled and why, is in the
/// `fidelity` module's documentation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FidelityConfig {
    /// Send the optional fields a real CTI Server fills. Default true.
    pub optional_fields: bool,
}

impl Default for FidelityConfig {
    fn default() -> Self {
        FidelityConfig {
            optional_fields: true,
        }
    }
}

/// How logically simultaneous events are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessageOrderConfig {
    /// Deliver events that happen together (e.g. CALL_ESTABLISHED and AGENT_STATE_EVENT) in random order.
    pub shuffle: bool,
    /// Up to this many milliseconds between such events (other traffic may come in between).
    pub max_delay_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_contract() {
        let c = SimConfig::default();
        assert_eq!(c.side_a.port(), 42027);
        assert_eq!(c.side_b.port(), 43027);
        assert_eq!(
            c.peripherals,
            vec![PeripheralConfig {
                id: 5000,
                peripheral_type: PeripheralType(17)
            }]
        );
        assert_eq!(c.agents.len(), 20);
        assert_eq!((c.min_version, c.max_version), (13, 25));
    }

    #[test]
    fn toml_overrides_what_it_names() {
        let c = SimConfig::from_toml(
            r#"
            side_a = "127.0.0.1:5001"
            seed = 7
            [traffic]
            calls_per_second = 3.0
            [[peripherals]]
            id = 6000
            peripheral_type = "PT_ENTERPRISE_AGENT"
            "#,
        )
        .unwrap();
        assert_eq!(c.side_a.port(), 5001);
        assert_eq!(c.side_b.port(), 43027);
        assert_eq!(c.seed, 7);
        assert!((c.traffic.calls_per_second - 3.0).abs() < f64::EPSILON);
        assert_eq!(c.peripherals[0].id, 6000);
        assert!(SimConfig::from_toml("nonsense = 1").is_err());
        assert_eq!(c.tls(Side::A), None);
        let t = SimConfig::from_toml(
            "[tls_a]\ncert = \"s.pem\"\nkey = \"s.key\"\nclient_ca = \"ca.pem\"\n[tls_b]\ncert = \"b.pem\"\nkey = \"b.key\"\n",
        )
        .unwrap();
        assert_eq!(
            t.tls(Side::A).map(|t| t.client_ca.clone()),
            Some(Some(PathBuf::from("ca.pem")))
        );
        assert_eq!(t.tls(Side::B).map(|t| t.cert.clone()), Some("b.pem".into()));
    }
}
