//! [`DemoConfig`]: what the embedded CTI Server simulates and when faults are injected.

use std::time::Duration;

/// The demo's settings. `DemoConfig::default()` is what `cti demo` runs with no flags.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DemoConfig {
    /// Agents on the simulated peripheral (at least 20 make the tables worth watching).
    pub agents: u32,
    /// Mean inbound calls per second (Poisson arrivals). The default 1.5 keeps 24 agents about 75 % busy (a call
    /// takes about 12 s: ringing, 4–12 s of talk, 2 s of wrap-up), so the queue stays short.
    pub calls_per_second: f64,
    /// Seed of the simulator's random choices (the same seed gives the same traffic).
    pub seed: u64,
    /// The one simulated peripheral (PT_ENTERPRISE_AGENT).
    pub peripheral_id: u32,
    /// The client's heartbeat interval in seconds (5 s: a bridge-like client detects a half-open link fast).
    pub heartbeat_secs: i64,
    /// Stop by itself after this long (`None`: until asked to stop).
    pub duration: Option<Duration>,
    /// Fail the active side this often; the other side takes over and the failed side comes back idle.
    pub failover_every: Option<Duration>,
    /// Run over mutual TLS: throwaway certificates (a CA, a server certificate for 127.0.0.1, a client
    /// certificate) are made at start, both sides require the client certificate, the client verifies the
    /// server against the CA.
    pub tls: bool,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            agents: 24,
            calls_per_second: 1.5,
            seed: 7,
            peripheral_id: 5000,
            heartbeat_secs: 5,
            duration: None,
            failover_every: None,
            tls: false,
        }
    }
}
