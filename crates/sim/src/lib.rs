//! # cti-sim — a duplex CTI Server you can run on a laptop
//!
//! A simulated Cisco UCCE CTI Server (GED-188, protocol versions 13–25) with side A and side B, sessions per
//! the reference (§7 of the facts), a believable call and agent engine, fault injection (side failure,
//! peripheral offline, half-open sessions) and a conformance recorder that judges each client against Cisco's
//! client guidelines. Each side can serve TLS (TLS 1.2, optionally requiring client certificates), as the
//! CTI Server's secured ports do from UCCE 12.0 ([`tls`]).
//!
//! [`replay`] is the CTI Server of a recorded session (a capture read by `cti-capture`), for a client under
//! test, with the same conformance checks.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use cti_sim::{Side, Simulator, FailMode};
//!
//! let sim = Simulator::builder().agents(20).calls_per_second(2.0).seed(7).start().await?;
//! println!("side A on {}, side B on {}", sim.addr(Side::A), sim.addr(Side::B));
//! sim.handle().fail_side(Side::A, FailMode::Reset); // side B takes over
//! # Ok(()) }
//! ```

pub mod config;
pub mod conformance;
pub mod control;
pub(crate) mod core;
pub mod engine;
mod fanout;
mod fidelity;
mod fine_clock;
mod handle;
mod net;
pub mod replay;
pub mod session;
mod shared;
mod sides;
pub mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinSet;

pub use config::{Side, SimConfig};
pub use core::SessionInfo;
pub use fine_clock::FineClock;
pub use handle::{SideStatus, SimHandle, SimStatus};
pub use sides::{FailMode, SideState};

use crate::core::Core;
use crate::shared::Shared;

/// A running simulator. Dropping it stops every task it started.
pub struct Simulator {
    handle: SimHandle,
    side_a: SocketAddr,
    side_b: SocketAddr,
    tasks: JoinSet<()>,
}

/// Builds a [`Simulator`]; starts from [`SimConfig::loopback`] (free ports on 127.0.0.1).
#[derive(Debug, Clone)]
#[must_use]
pub struct SimBuilder {
    cfg: SimConfig,
}

impl SimBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, cfg: SimConfig) -> Self {
        self.cfg = cfg;
        self
    }

    /// Side A's listen address.
    pub fn side_a(mut self, addr: SocketAddr) -> Self {
        self.cfg.side_a = addr;
        self
    }

    /// Side B's listen address.
    pub fn side_b(mut self, addr: SocketAddr) -> Self {
        self.cfg.side_b = addr;
        self
    }

    /// `n` default agents on the first peripheral.
    pub fn agents(mut self, n: u32) -> Self {
        let p = self.cfg.peripherals.first().map_or(5000, |p| p.id);
        self.cfg.agents = config::default_agents(n, p);
        self
    }

    /// Mean generated inbound calls per second.
    pub fn calls_per_second(mut self, cps: f64) -> Self {
        self.cfg.traffic.calls_per_second = cps;
        self
    }

    /// Seed of every random choice.
    pub fn seed(mut self, seed: u64) -> Self {
        self.cfg.seed = seed;
        self
    }

    /// Requires these credentials in OPEN_REQ.
    pub fn auth(mut self, client_id: &str, client_password: &str) -> Self {
        self.cfg.auth = Some(config::AuthConfig {
            client_id: client_id.into(),
            client_password: client_password.into(),
        });
        self
    }

    /// Accepted protocol versions.
    pub fn versions(mut self, min: u32, max: u32) -> Self {
        self.cfg.min_version = min;
        self.cfg.max_version = max;
        self
    }

    /// Delivers simultaneous events in random order with up to `max_delay_ms` between them.
    pub fn shuffle_simultaneous_events(mut self, max_delay_ms: u64) -> Self {
        self.cfg.message_order = config::MessageOrderConfig {
            shuffle: true,
            max_delay_ms,
        };
        self
    }

    /// Both sides serve TLS with `tls`.
    pub fn tls(mut self, tls: config::ServeTls) -> Self {
        self.cfg.tls_a = Some(tls.clone());
        self.cfg.tls_b = Some(tls);
        self
    }

    /// `side` serves TLS with `tls` (the other side keeps what it had).
    pub fn tls_side(mut self, side: Side, tls: config::ServeTls) -> Self {
        match side {
            Side::A => self.cfg.tls_a = Some(tls),
            Side::B => self.cfg.tls_b = Some(tls),
        }
        self
    }

    /// Binds both sides and starts serving (inside a tokio runtime: it spawns the listeners and the clock).
    #[allow(
        clippy::unused_async,
        reason = "the contracted API is `start().await`, called within a runtime"
    )]
    pub async fn start(self) -> std::io::Result<Simulator> {
        let cfg = self.cfg;
        let acceptor = |side: Side| {
            cfg.tls(side)
                .map(tls::acceptor::build)
                .transpose()
                .map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("side {} TLS: {e}", side.name()),
                    )
                })
        };
        let (tls_a, tls_b) = (acceptor(Side::A)?, acceptor(Side::B)?);
        let la = net::listener::bind(cfg.side_a)?;
        let lb = net::listener::bind(cfg.side_b)?;
        let (side_a, side_b) = (la.local_addr()?, lb.local_addr()?);
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
        let shared = Arc::new(Shared::new(Core::new(cfg, epoch)));
        let mut tasks = JoinSet::new();
        tasks.spawn(net::listener::run(
            shared.clone(),
            Side::A,
            la,
            side_a,
            tls_a,
        ));
        tasks.spawn(net::listener::run(
            shared.clone(),
            Side::B,
            lb,
            side_b,
            tls_b,
        ));
        tasks.spawn(net::clock::run(shared.clone()));
        Ok(Simulator {
            handle: SimHandle { shared },
            side_a,
            side_b,
            tasks,
        })
    }
}

impl Simulator {
    /// A builder with the loopback defaults.
    pub fn builder() -> SimBuilder {
        SimBuilder {
            cfg: SimConfig::loopback(),
        }
    }

    /// The bound address of `side`.
    pub fn addr(&self, side: Side) -> SocketAddr {
        match side {
            Side::A => self.side_a,
            Side::B => self.side_b,
        }
    }

    /// The control handle.
    pub fn handle(&self) -> SimHandle {
        self.handle.clone()
    }

    /// Runs `task` until the simulator stops (it is aborted then).
    pub(crate) fn spawn(&mut self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tasks.spawn(task);
    }

    /// Stops every task and waits for the listeners and the clock to end.
    pub async fn shutdown(mut self) {
        self.handle.shared.shutdown.send_replace(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.handle.shared.shutdown.send_replace(true);
        self.tasks.abort_all();
    }
}
