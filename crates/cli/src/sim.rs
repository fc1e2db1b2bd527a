//! `cti sim`: a duplex CTI Server on the default ports (or as configured), with live traffic, an optional HTTP
//! control plane and a conformance report written on exit.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use cti_sim::{SimConfig, Simulator};

use crate::error::CliError;

/// Arguments of `cti sim`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Run a simulated duplex CTI Server (side A and side B) with live call traffic",
    long_about = "Run a simulated duplex Cisco UCCE CTI Server: side A on 127.0.0.1:42027 and side B on \
                  127.0.0.1:43027 by default, one PT_ENTERPRISE_AGENT peripheral 5000, 20 agents and live \
                  inbound calls. Flags override the TOML file given with --config. Stops on Ctrl-C; with \
                  --report the conformance report of every client is written then."
)]
pub struct SimArgs {
    /// TOML configuration file (see the README for its keys)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Side A listen address (also --side-a)
    #[arg(long = "a", alias = "side-a", value_name = "ADDR")]
    side_a: Option<SocketAddr>,
    /// Side B listen address (also --side-b)
    #[arg(long = "b", alias = "side-b", value_name = "ADDR")]
    side_b: Option<SocketAddr>,
    /// Serve the HTTP/JSON control plane on this address (e.g. 127.0.0.1:8080)
    #[arg(long, value_name = "ADDR")]
    control: Option<SocketAddr>,
    /// Number of agents (replaces the configured agent list with default agents)
    #[arg(long, value_name = "N")]
    agents: Option<u32>,
    /// Mean generated inbound calls per second (0 = none)
    #[arg(long, value_name = "X")]
    calls_per_second: Option<f64>,
    /// Seed for reproducible runs
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Lowest accepted protocol version
    #[arg(long, value_name = "N")]
    min_version: Option<u32>,
    /// Highest accepted protocol version
    #[arg(long, value_name = "N")]
    max_version: Option<u32>,
    /// Require this ClientID (with --client-password)
    #[arg(long, value_name = "ID", requires = "client_password")]
    client_id: Option<String>,
    /// Require this ClientPassword (with --client-id)
    #[arg(long, value_name = "PASSWORD", requires = "client_id")]
    client_password: Option<String>,
    /// Deliver simultaneous events in random order with up to this many milliseconds between them
    #[arg(long, value_name = "MS")]
    shuffle_events: Option<u64>,
    /// Grant CTI_AGENT_STATE_CONTROL_ONLY instead of CLIENT_CONTROL
    #[arg(long)]
    agent_state_control_only: bool,
    /// Write the conformance report (JSON) to this file on exit
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Serve TLS on both sides with this PEM certificate (with --tls-key; default ports become 42030 / 43030)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Require client certificates issued by a CA of this PEM bundle (refusing the other clients)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Make a throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, write them
    /// as PEM into DIR, serve mutual TLS with them and print the `cti monitor` command line that connects
    #[arg(long, value_name = "DIR", conflicts_with_all = ["tls_cert", "tls_key", "tls_client_ca"])]
    tls_self_signed: Option<PathBuf>,
}

/// Sides that serve TLS and kept the default plain-TCP address move to the secured ports 42030 / 43030.
fn secured_ports(cfg: &mut SimConfig) {
    let plain = SimConfig::default();
    for (side, port) in [(cti_sim::Side::A, 42030), (cti_sim::Side::B, 43030)] {
        if cfg.tls(side).is_some() && cfg.addr(side) == plain.addr(side) {
            let addr = match side {
                cti_sim::Side::A => &mut cfg.side_a,
                cti_sim::Side::B => &mut cfg.side_b,
            };
            addr.set_port(port);
        }
    }
}

impl SimArgs {
    /// The configuration: the file's (or the defaults), then the flags.
    pub fn config(&self) -> Result<SimConfig, CliError> {
        let mut cfg = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| CliError::Input {
                    name: path.display().to_string(),
                    source,
                })?;
                SimConfig::from_toml(&text)
                    .map_err(|e| CliError::Run(format!("{}: {e}", path.display())))?
            }
            None => SimConfig::default(),
        };
        if let Some(a) = self.side_a {
            cfg.side_a = a;
        }
        if let Some(b) = self.side_b {
            cfg.side_b = b;
        }
        if let Some(n) = self.agents {
            let p = cfg.peripherals.first().map_or(5000, |p| p.id);
            cfg.agents = cti_sim::config::default_agents(n, p);
        }
        if let Some(cps) = self.calls_per_second {
            cfg.traffic.calls_per_second = cps;
        }
        if let Some(seed) = self.seed {
            cfg.seed = seed;
        }
        if let Some(v) = self.min_version {
            cfg.min_version = v;
        }
        if let Some(v) = self.max_version {
            cfg.max_version = v;
        }
        if let (Some(id), Some(pw)) = (&self.client_id, &self.client_password) {
            cfg.auth = Some(cti_sim::config::AuthConfig {
                client_id: id.clone(),
                client_password: pw.clone(),
            });
        }
        if let Some(ms) = self.shuffle_events {
            cfg.message_order = cti_sim::config::MessageOrderConfig {
                shuffle: true,
                max_delay_ms: ms,
            };
        }
        cfg.agent_state_control_only |= self.agent_state_control_only;
        if let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) {
            let tls = cti_sim::config::ServeTls {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: self.tls_client_ca.clone(),
            };
            cfg.tls_a = Some(tls.clone());
            cfg.tls_b = Some(tls);
        }
        secured_ports(&mut cfg);
        Ok(cfg)
    }
}

/// `--tls-self-signed DIR`: writes the throwaway certificates and serves mutual TLS with them on both sides;
/// the files, for the `cti monitor` line printed once the sides listen.
fn self_signed(
    dir: &std::path::Path,
    cfg: &mut SimConfig,
) -> Result<cti_sim::tls::pki::SelfSignedFiles, CliError> {
    let files = cti_sim::tls::pki::write_self_signed(dir)
        .map_err(|e| CliError::Run(format!("--tls-self-signed {}: {e}", dir.display())))?;
    let tls = cti_sim::config::ServeTls {
        cert: files.server_cert.clone(),
        key: files.server_key.clone(),
        client_ca: Some(files.ca.clone()),
    };
    cfg.tls_a = Some(tls.clone());
    cfg.tls_b = Some(tls);
    secured_ports(cfg);
    Ok(files)
}

/// Runs `cti sim` until Ctrl-C.
pub fn run(args: &SimArgs) -> Result<(), CliError> {
    let mut cfg = args.config()?;
    let files = args
        .tls_self_signed
        .as_deref()
        .map(|dir| self_signed(dir, &mut cfg))
        .transpose()?;
    let tls = (cfg.tls_a.is_some(), cfg.tls_b.is_some());
    crate::logging::init();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async {
        let mut sim = Simulator::builder()
            .config(cfg)
            .start()
            .await
            .map_err(|e| CliError::Run(format!("cannot listen: {e}")))?;
        let tls_note = |on: bool| if on { " (TLS)" } else { "" };
        crate::logging::note!(
            "cti sim: side A on {}{}, side B on {}{} (side {} active)",
            sim.addr(cti_sim::Side::A),
            tls_note(tls.0),
            sim.addr(cti_sim::Side::B),
            tls_note(tls.1),
            sim.handle()
                .status()
                .active_side
                .map_or("none", cti_sim::Side::name),
        );
        if let Some(f) = &files {
            crate::logging::note!(
                "cti sim: throwaway certificates in {}; connect with:\n  cti monitor --a {} --b {} --ca {} --cert {} --key {}",
                args.tls_self_signed.as_deref().unwrap_or(std::path::Path::new(".")).display(),
                sim.addr(cti_sim::Side::A),
                sim.addr(cti_sim::Side::B),
                f.ca.display(),
                f.client_cert.display(),
                f.client_key.display(),
            );
        }
        if let Some(addr) = args.control {
            let bound = sim
                .serve_control(addr)
                .await
                .map_err(|e| CliError::Run(format!("control plane on {addr}: {e}")))?;
            crate::logging::note!("cti sim: control plane on http://{bound}");
        }
        let _ = tokio::signal::ctrl_c().await;
        crate::logging::note!("cti sim: stopping");
        if let Some(path) = &args.report {
            let report = serde_json::to_string_pretty(&sim.handle().conformance())
                .map_err(|e| CliError::Run(format!("report: {e}")))?;
            std::fs::write(path, report)
                .map_err(|e| CliError::Run(format!("writing {}: {e}", path.display())))?;
            crate::logging::note!("cti sim: conformance report written to {}", path.display());
        }
        sim.shutdown().await;
        Ok(())
    })
}
