//! `cti gateway`: one guideline-following CTI session per CTI Server pair, every event published to NATS
//! JetStream with the live calls and agents in KV buckets (crate `cti-gateway`). Ctrl-C closes every session
//! with CLOSE_REQ and publishes what was received.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cti_client::ClientConfig;
use cti_gateway::{Gateway, GatewayConfig, SourceConfig};

use crate::error::CliError;

/// Arguments of `cti gateway`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Publish every CTI event to NATS JetStream, with the live calls and agents in KV",
    long_about = "Hold one guideline-following session per CTI Server pair (All Events by default) and publish \
                  every message on cti.<source>.event.<TYPE>, the call model's changes on cti.<source>.call.* and \
                  cti.<source>.agent.*, lifecycle and reconciliation on cti.<source>.session.*, each with a \
                  JetStream ack, and keep the live calls and agents in the KV buckets cti_calls and cti_agents. \
                  Sources come from --config (a TOML file with [[source]] tables) or from --source with --a/--b."
)]
pub struct GatewayArgs {
    /// TOML configuration ([nats], [stream], buffer, [[source]] tables with name and [source.client])
    #[arg(long, value_name = "FILE", conflicts_with_all = ["source", "side_a", "side_b", "profile"])]
    config: Option<PathBuf>,
    /// One source from flags: its name, the subject token (cti.<name>.>)
    #[arg(long, value_name = "NAME", requires = "side_a")]
    source: Option<String>,
    /// The source's side A, HOST:PORT
    #[arg(long = "a", value_name = "HOST:PORT")]
    side_a: Option<String>,
    /// The source's side B, HOST:PORT
    #[arg(long = "b", value_name = "HOST:PORT")]
    side_b: Option<String>,
    /// TOML profile with the source's client settings (the keys of `cti monitor --profile`); --a/--b override it
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// NATS server URL(s), comma separated (default nats://127.0.0.1:4222; overrides the file's)
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// The JetStream stream's name (default CTI; overrides the file's)
    #[arg(long, value_name = "NAME")]
    stream: Option<String>,
    /// Serve /health, /sources, /calls, /agents, /metrics and the WebSocket /ws on ADDR (e.g. 127.0.0.1:8080;
    /// overrides the file's)
    #[arg(long, value_name = "ADDR")]
    http: Option<String>,
    /// With --source: serve request-reply control on cti.<source>.request.> (adds CTI_SERVICE_CLIENT_CONTROL)
    #[arg(long, requires = "source")]
    control: bool,
    /// With --source: add "raw" (the frame in hex, header included) to each event record's body
    #[arg(long, requires = "source")]
    raw_frames: bool,
    /// Run as a member of an HA pair named NAME: the gateway holding a source's lease holds its CTI session,
    /// the other waits as standby (overrides the file's [ha])
    #[arg(long, value_name = "NAME")]
    ha: Option<String>,
    /// With --source: TLS to the CTI Server's secured ports (with --config: the source's [source.client.tls])
    #[command(flatten)]
    tls: crate::tls::TlsArgs,
}

fn read(path: &PathBuf) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|source| CliError::Input {
        name: path.display().to_string(),
        source,
    })
}

impl GatewayArgs {
    /// The configuration: the file, or one source from the flags; then --nats and --stream.
    pub fn config(&self) -> Result<GatewayConfig, CliError> {
        let mut cfg = match (&self.config, &self.source) {
            (Some(path), _) => GatewayConfig::from_toml(&read(path)?)
                .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
            (None, Some(name)) => {
                let mut client: ClientConfig = match &self.profile {
                    Some(path) => toml::from_str(&read(path)?)
                        .map_err(|e| CliError::Usage(format!("{}: {e}", path.display())))?,
                    // A gateway is a CTI bridge: 5 s heartbeats (the guidelines' minimum, right for few clients).
                    None => ClientConfig {
                        heartbeat_secs: 5,
                        ..ClientConfig::default()
                    },
                };
                if let Some(a) = &self.side_a {
                    client.side_a.clone_from(a);
                }
                if self.side_b.is_some() {
                    client.side_b.clone_from(&self.side_b);
                }
                self.tls.apply(&mut client);
                crate::password::apply(&mut client, None);
                let mut source = SourceConfig::new(name.clone(), client);
                if self.control {
                    source.client.services |= cti_proto::constants::CTI_SERVICE_CLIENT_CONTROL;
                    source.control = true;
                }
                source.raw_frames = self.raw_frames;
                let mut cfg = GatewayConfig::default();
                cfg.sources.push(source);
                cfg
            }
            (None, None) => {
                return Err(CliError::Usage(
                    "name the sources: --config FILE, or --source NAME --a HOST:PORT [--b HOST:PORT]".into(),
                ));
            }
        };
        if let Some(url) = &self.nats {
            cfg.nats.url.clone_from(url);
        }
        if let Some(name) = &self.stream {
            cfg.stream.name.clone_from(name);
        }
        if self.http.is_some() {
            cfg.http.clone_from(&self.http);
        }
        if let Some(name) = &self.ha {
            cfg.ha = Some(cti_gateway::config::HaConfig::new(name.clone()));
        }
        cfg.validate().map_err(|e| CliError::Usage(e.to_string()))?;
        Ok(cfg)
    }
}

/// Runs `cti gateway` until Ctrl-C.
pub fn run(args: &GatewayArgs) -> Result<(), CliError> {
    let cfg = args.config()?;
    crate::logging::init();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async move {
        let names: Vec<String> = cfg.sources.iter().map(|s| s.name.clone()).collect();
        let (url, stream) = (cfg.nats.url.clone(), cfg.stream.name.clone());
        let gw = Gateway::start(cfg)
            .await
            .map_err(|e| CliError::Run(e.to_string()))?;
        crate::logging::note!(
            "publishing {} to stream {stream} at {url}",
            names
                .iter()
                .map(|n| format!("cti.{n}.>"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = tokio::signal::ctrl_c().await;
        crate::logging::note!("closing the CTI sessions (CLOSE_REQ) and publishing what is left");
        gw.stop(Duration::from_secs(10)).await;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: GatewayArgs,
    }

    fn config(args: &[&str]) -> Result<GatewayConfig, String> {
        let cli = Cli::try_parse_from(std::iter::once("gw").chain(args.iter().copied()))
            .map_err(|e| e.kind().to_string())?;
        cli.args.config().map_err(|e| e.to_string())
    }

    #[test]
    fn one_source_from_flags() {
        let cfg = config(&[
            "--source",
            "pg1",
            "--a",
            "10.0.0.1:42027",
            "--b",
            "10.0.0.2:43027",
            "--nats",
            "nats://127.0.0.1:4333",
        ])
        .unwrap();
        assert_eq!(cfg.sources.len(), 1);
        assert_eq!(cfg.sources[0].name, "pg1");
        assert_eq!(cfg.sources[0].client.side_a, "10.0.0.1:42027");
        assert_eq!(
            cfg.sources[0].client.side_b.as_deref(),
            Some("10.0.0.2:43027")
        );
        assert_eq!(cfg.nats.url, "nats://127.0.0.1:4333");
        assert_eq!(cfg.stream.name, "CTI");
        assert_eq!(cfg.sources[0].client.heartbeat_secs, 5);
        assert!(!cfg.sources[0].control);
        assert!(!cfg.sources[0].raw_frames);
        assert_eq!(cfg.http, None);
        let cfg = config(&[
            "--source",
            "pg1",
            "--a",
            "h:1",
            "--control",
            "--raw-frames",
            "--http",
            "127.0.0.1:8080",
        ])
        .unwrap();
        assert!(cfg.sources[0].control);
        assert!(cfg.sources[0].raw_frames);
        assert!(
            cfg.sources[0]
                .client
                .services
                .contains(cti_proto::constants::CTI_SERVICE_CLIENT_CONTROL)
        );
        assert_eq!(cfg.http.as_deref(), Some("127.0.0.1:8080"));
        let cfg = config(&["--source", "pg1", "--a", "h:1", "--ha", "gw-a"]).unwrap();
        assert_eq!(
            cfg.ha.map(|h| (h.instance, h.lease_secs)),
            Some(("gw-a".into(), 6))
        );
        let cfg = config(&[
            "--source",
            "pg1",
            "--a",
            "cti-a",
            "--ca",
            "ca.pem",
            "--server-name",
            "cti-a.example.com",
        ])
        .unwrap();
        let tls = cfg.sources[0].client.tls.clone().unwrap();
        assert_eq!(tls.ca, Some("ca.pem".into()));
        assert_eq!(tls.server_name.as_deref(), Some("cti-a.example.com"));
        let cfg = config(&["--source", "pg1", "--a", "h:1"]).unwrap();
        assert_eq!(cfg.sources[0].client.tls, None, "no TLS flag, no TLS");
    }

    #[test]
    fn bad_invocations_say_what_is_wrong() {
        assert_eq!(
            config(&[]).unwrap_err(),
            "name the sources: --config FILE, or --source NAME --a HOST:PORT [--b HOST:PORT]"
        );
        assert!(
            config(&["--source", "pg.1", "--a", "h:1"])
                .unwrap_err()
                .contains("source name \"pg.1\"")
        );
        // --source needs --a; --config excludes the source flags.
        assert!(config(&["--source", "pg1"]).is_err());
        assert!(config(&["--config", "x.toml", "--source", "pg1", "--a", "h:1"]).is_err());
        assert!(
            config(&["--config", "/nonexistent/gateway.toml"])
                .unwrap_err()
                .contains("/nonexistent/gateway.toml")
        );
    }
}
