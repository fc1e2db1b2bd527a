//! The gateway's configuration: `[[source]]` tables (one per CTI Server pair), NATS, the stream, the buffer.
//!
//! ```toml
//! buffer = 100000                      # publishes (records + KV writes) held per source while NATS is slow or away
//! http = "127.0.0.1:8080"              # /health /sources /calls /agents /metrics /ws (default: none)
//! ws_buffer = 4096                     # records a /ws client may fall behind before it is dropped
//!
//! [nats]
//! url = "nats://127.0.0.1:4222"
//!
//! [stream]
//! name = "CTI"
//! storage = "file"                     # or "memory"
//! max_age_secs = 604800                # 0: no limit
//! max_bytes = -1                       # -1: no limit
//! replicas = 1                         # 3 on a 3-node cluster
//!
//! [[source]]
//! name = "pg1"                         # the subject token: cti.pg1.>
//! control = false                      # request-reply on cti.pg1.request.> (needs CLIENT_CONTROL)
//! raw_frames = false                   # add "raw" (the frame in hex) to each event record
//! [source.client]                      # the keys of `cti monitor --profile` (cti_client::ClientConfig)
//! side_a = "cti-a.example.com:42027"
//! side_b = "cti-b.example.com:43027"
//! services = "CTI_SERVICE_ALL_EVENTS"
//! heartbeat_secs = 5
//! client_id = "ctikit-gateway"
//! [source.client.tls]                  # optional: TLS to the secured ports (see the README's TLS section)
//! ca = "/etc/ctikit/cti-ca.pem"
//! cert = "/etc/ctikit/gateway.pem"     # mutual TLS
//! key = "/etc/ctikit/gateway.key"
//! ```

use std::collections::BTreeSet;
use std::time::Duration;

use cti_client::ClientConfig;
use cti_proto::Secret;
use serde::{Deserialize, Serialize};

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayConfigError {
    /// The TOML does not parse, or has unknown keys.
    #[error("gateway configuration: {0}")]
    Toml(String),
    /// No `[[source]]`.
    #[error("gateway configuration: no [[source]]: name at least one CTI Server pair")]
    NoSource,
    /// A source name that cannot be a NATS subject token.
    #[error(
        "gateway configuration: source name {0:?} must be 1-64 characters of A-Z a-z 0-9 _ - (it is a subject token: cti.<source>.>)"
    )]
    SourceName(String),
    /// Two sources with one name.
    #[error("gateway configuration: two sources are named {0:?}")]
    DuplicateSource(String),
    /// A source's client configuration is refused.
    #[error("gateway configuration: source {source_name:?}: {error}")]
    Client {
        /// The source.
        source_name: String,
        /// Why.
        error: cti_client::ConfigError,
    },
    /// `control = true` without CTI_SERVICE_CLIENT_CONTROL.
    #[error(
        "gateway configuration: source {0:?} has control = true but its services lack CTI_SERVICE_CLIENT_CONTROL"
    )]
    Control(String),
    /// A stream setting out of range.
    #[error("gateway configuration: {0}")]
    Stream(String),
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GatewayConfig {
    /// Where NATS is and how to log in.
    #[serde(default)]
    pub nats: NatsConfig,
    /// The JetStream stream the events go to.
    #[serde(default)]
    pub stream: StreamSettings,
    /// Publishes (stream records and KV writes) held per source while NATS is slow or unreachable; beyond it a
    /// `session.gap` record says what was lost. A gap's repair (the keys the lost records wrote, written again)
    /// is admitted into an empty buffer even when it is larger. Memory: about 1.5 KB per publish held (measured).
    #[serde(default = "default_buffer")]
    pub buffer: usize,
    /// Serve `/health`, `/sources`, `/calls`, `/agents`, `/metrics` on this address (e.g. `127.0.0.1:8080`;
    /// bind loopback unless the endpoints are meant to be reached from elsewhere). Default: no HTTP.
    #[serde(default)]
    pub http: Option<String>,
    /// Records a `/ws` client may fall behind the live feed before it is dropped (closed with code 1013 and the
    /// reason), so that a slow client never slows the others. Default 4096.
    #[serde(default = "default_ws_buffer")]
    pub ws_buffer: usize,
    /// Run as one of an HA pair: each source's CTI session is held by the gateway that holds its lease.
    #[serde(default)]
    pub ha: Option<HaConfig>,
    /// The CTI Server pairs.
    #[serde(default, rename = "source")]
    pub sources: Vec<SourceConfig>,
}

/// High availability: two (or more) gateways with the same sources; for each source the one holding its lease in
/// the KV bucket `cti_leases` holds the CTI session (one All Events slot), the others wait as standby and take
/// over within a lease time of the leader's death, numbering on from the last `Cti-Seq` in the stream.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct HaConfig {
    /// This gateway's name in the lease (e.g. the host name).
    pub instance: String,
    /// Lease time in seconds (default 6): a standby takes over at most this long (plus a third) after the
    /// leader's death. At least 3.
    #[serde(default = "default_lease_secs")]
    pub lease_secs: u64,
}

fn default_lease_secs() -> u64 {
    6
}

impl HaConfig {
    /// An HA member named `instance` with the default lease.
    pub fn new(instance: impl Into<String>) -> Self {
        HaConfig {
            instance: instance.into(),
            lease_secs: default_lease_secs(),
        }
    }

    /// The lease time.
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_secs)
    }
}

fn default_buffer() -> usize {
    100_000
}

fn default_ws_buffer() -> usize {
    4096
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            nats: NatsConfig::default(),
            stream: StreamSettings::default(),
            buffer: default_buffer(),
            http: None,
            ws_buffer: default_ws_buffer(),
            ha: None,
            sources: Vec::new(),
        }
    }
}

/// NATS connection settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct NatsConfig {
    /// Server URL(s), comma separated (`nats://host:4222`, `tls://host:4222`).
    pub url: String,
    /// User name (with `password`).
    pub user: Option<String>,
    /// Password (redacted in Debug and JSON).
    pub password: Option<Secret>,
    /// Token (redacted in Debug and JSON).
    pub token: Option<Secret>,
    /// A NATS credentials file (JWT + nkey seed).
    pub creds_file: Option<String>,
    /// Require TLS to NATS.
    pub tls: bool,
    /// PEM file of the CAs that sign the NATS server's certificate.
    pub tls_ca: Option<String>,
}

impl Default for NatsConfig {
    fn default() -> Self {
        NatsConfig {
            url: "nats://127.0.0.1:4222".into(),
            user: None,
            password: None,
            token: None,
            creds_file: None,
            tls: false,
            tls_ca: None,
        }
    }
}

/// Where records are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// On disk (survives a NATS restart).
    File,
    /// In memory.
    Memory,
}

/// The stream's settings (created or updated at start).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct StreamSettings {
    /// Stream name. Default `CTI`.
    pub name: String,
    /// `file` (default) or `memory`.
    pub storage: Storage,
    /// Oldest record kept, in seconds; 0 keeps everything (default 7 days).
    pub max_age_secs: u64,
    /// Largest size in bytes; -1 (default) no limit.
    pub max_bytes: i64,
    /// Replicas: 1 (default), 3 on a 3-node cluster.
    pub replicas: usize,
    /// JetStream's duplicate window (Nats-Msg-Id dedup), seconds. Default 120.
    pub duplicate_window_secs: u64,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            name: "CTI".into(),
            storage: Storage::File,
            max_age_secs: 7 * 24 * 3600,
            max_bytes: -1,
            replicas: 1,
            duplicate_window_secs: 120,
        }
    }
}

impl StreamSettings {
    /// max_age as a Duration (zero: no limit).
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_secs)
    }
}

/// One CTI Server pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SourceConfig {
    /// The subject token (`cti.<name>.>`), 1-64 of A-Z a-z 0-9 _ -.
    pub name: String,
    /// The client: the keys of a `cti monitor --profile` file (sides, version, services, masks, heartbeat,
    /// expected clients, ClientID, password).
    pub client: ClientConfig,
    /// Serve request-reply control on `cti.<name>.request.<agent|call>.<verb>` (needs CTI_SERVICE_CLIENT_CONTROL
    /// among the client's services). Default false.
    #[serde(default)]
    pub control: bool,
    /// Add `raw` to each `event` record's body: the frame as lowercase hex (header included). Default false.
    #[serde(default)]
    pub raw_frames: bool,
}

impl SourceConfig {
    /// A source from flags.
    pub fn new(name: impl Into<String>, client: ClientConfig) -> Self {
        SourceConfig {
            name: name.into(),
            client,
            control: false,
            raw_frames: false,
        }
    }
}

/// True when `name` can be a subject token and a KV key part.
pub fn valid_token(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl GatewayConfig {
    /// Parses a TOML file's text and checks it.
    pub fn from_toml(text: &str) -> Result<GatewayConfig, GatewayConfigError> {
        let cfg: GatewayConfig =
            toml::from_str(text).map_err(|e| GatewayConfigError::Toml(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks sources (names, clients) and the stream settings.
    pub fn validate(&self) -> Result<(), GatewayConfigError> {
        if self.sources.is_empty() {
            return Err(GatewayConfigError::NoSource);
        }
        let mut seen = BTreeSet::new();
        for s in &self.sources {
            if !valid_token(&s.name) {
                return Err(GatewayConfigError::SourceName(s.name.clone()));
            }
            if !seen.insert(s.name.as_str()) {
                return Err(GatewayConfigError::DuplicateSource(s.name.clone()));
            }
            s.client
                .validate()
                .map_err(|error| GatewayConfigError::Client {
                    source_name: s.name.clone(),
                    error,
                })?;
            if s.control
                && !s
                    .client
                    .services
                    .contains(cti_proto::constants::CTI_SERVICE_CLIENT_CONTROL)
            {
                return Err(GatewayConfigError::Control(s.name.clone()));
            }
        }
        if !valid_token(&self.stream.name) {
            return Err(GatewayConfigError::Stream(format!(
                "stream name {:?} must be 1-64 characters of A-Z a-z 0-9 _ -",
                self.stream.name
            )));
        }
        if self.stream.replicas == 0 || self.stream.replicas > 5 {
            return Err(GatewayConfigError::Stream(format!(
                "replicas {} must be 1 to 5",
                self.stream.replicas
            )));
        }
        if let Some(ha) = &self.ha
            && ha.lease_secs < 3
        {
            return Err(GatewayConfigError::Stream(format!(
                "ha.lease_secs {} must be at least 3",
                ha.lease_secs
            )));
        }
        if self.buffer == 0 {
            return Err(GatewayConfigError::Stream(
                "buffer must be at least 1".into(),
            ));
        }
        if self.ws_buffer == 0 {
            return Err(GatewayConfigError::Stream(
                "ws_buffer must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    const GOOD: &str = r#"
        [[source]]
        name = "pg1"
        [source.client]
        side_a = "127.0.0.1:42027"
        side_b = "127.0.0.1:43027"
        client_password = "hunter2"
        heartbeat_secs = 5
    "#;

    #[test]
    fn a_good_file_reads_with_defaults() {
        let cfg = GatewayConfig::from_toml(GOOD).unwrap();
        assert_eq!(cfg.sources.len(), 1);
        assert_eq!(cfg.sources[0].name, "pg1");
        assert_eq!(cfg.sources[0].client.heartbeat_secs, 5);
        assert_eq!(cfg.stream.name, "CTI");
        assert_eq!(cfg.stream.storage, Storage::File);
        assert_eq!(cfg.nats.url, "nats://127.0.0.1:4222");
        assert_eq!(cfg.buffer, 100_000);
        // The password never shows.
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!serde_json::to_string(&cfg).unwrap().contains("hunter2"));
    }

    #[test]
    fn a_source_can_connect_with_tls() {
        let text = format!(
            "{GOOD}[source.client.tls]\nca = \"ca.pem\"\ncert = \"gw.pem\"\nkey = \"gw.key\"\n"
        );
        let cfg = GatewayConfig::from_toml(&text).unwrap();
        let tls = cfg.sources[0].client.tls.clone().unwrap();
        assert_eq!(tls.ca, Some("ca.pem".into()));
        assert_eq!(tls.key, Some("gw.key".into()));
        let bad = format!("{GOOD}[source.client.tls]\ncert = \"gw.pem\"\n");
        assert!(GatewayConfig::from_toml(&bad).is_err());
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let err = |t: &str| GatewayConfig::from_toml(t).unwrap_err().to_string();
        assert_eq!(
            err(""),
            "gateway configuration: no [[source]]: name at least one CTI Server pair"
        );
        assert!(err(&GOOD.replace("pg1", "pg.1")).contains("source name \"pg.1\" must be"));
        let two = format!("{GOOD}{GOOD}");
        assert_eq!(
            err(&two),
            "gateway configuration: two sources are named \"pg1\""
        );
        assert!(err(&GOOD.replace("side_a = \"127.0.0.1:42027\"", "")).contains("side A"));
        assert!(err("bogus = 1").contains("unknown field `bogus`"));
        assert!(err(&format!("[stream]\nreplicas = 0\n{GOOD}")).contains("replicas 0"));
        assert_eq!(
            err(&GOOD.replace("name = \"pg1\"", "name = \"pg1\"\ncontrol = true")),
            "gateway configuration: source \"pg1\" has control = true but its services lack CTI_SERVICE_CLIENT_CONTROL"
        );
    }
}
