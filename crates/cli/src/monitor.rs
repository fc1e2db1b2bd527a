//! `cti monitor`: open a session (following every client guideline) and print every event — JSON lines with
//! `--json`, readable lines otherwise — plus connection lifecycle and call-model lines. Ctrl-C closes the
//! session with CLOSE_REQ.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use cti_client::{ClientConfig, ClientEvent};
use cti_proto::constants::ServiceMask;
use cti_session::lines::readable_line;
use cti_session::{Session, SessionConfig, UpdateKind};
use tokio::time::Instant;

use crate::error::CliError;

/// Arguments of `cti monitor`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Open a CTI session and print every event",
    long_about = "Open a session with a CTI Server (side A and, for a duplex server, side B), following Cisco's \
                  client guidelines: the 17-step side A/B algorithm, heartbeats, unique InvokeIDs, CLOSE_REQ on \
                  Ctrl-C. Prints every event; with --json one JSON object per line: the message's JSON form, \
                  plus lifecycle lines (CONNECTING, ATTEMPT_FAILED, WAITING, CONNECTED, DISCONNECTED, STOPPED) \
                  and call-model lines (CALL_BEGAN, CALL_ENDED with its reason, CALL_REKEYED, PERIPHERAL_STATUS)."
)]
pub struct MonitorArgs {
    /// Side A, HOST[:PORT] (CTI Server default port 42027; 42030 with TLS)
    #[arg(long = "a", value_name = "HOST:PORT")]
    side_a: Option<String>,
    /// Side B, HOST[:PORT] (default port 43027; 43030 with TLS); leave out for a simplex server
    #[arg(long = "b", value_name = "HOST:PORT")]
    side_b: Option<String>,
    /// TOML profile with the client configuration; flags override it
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// Protocol version (13..=25)
    #[arg(long, value_name = "N")]
    version: Option<u32>,
    /// Services, comma separated: all-events, client-events, client-control, call-data-update,
    /// connection-monitor, agent-state-control-only, active-standby, or CTI_SERVICE_* names or numbers
    #[arg(long, value_name = "LIST")]
    services: Option<String>,
    /// PeripheralID (required with client-events)
    #[arg(long, value_name = "ID")]
    peripheral: Option<u32>,
    /// AgentID (client-events)
    #[arg(long, value_name = "ID")]
    agent_id: Option<String>,
    /// Agent extension (client-events)
    #[arg(long, value_name = "EXT")]
    extension: Option<String>,
    /// Agent instrument (client-events)
    #[arg(long, value_name = "INS")]
    instrument: Option<String>,
    /// Heartbeat interval in seconds (-1 disables; at least 5; 5 for a bridge, 90+ for desktops)
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    heartbeat: Option<i64>,
    /// CTI clients expected at the site (the 17-step random wait is up to this / 10 seconds)
    #[arg(long, value_name = "N")]
    expected_clients: Option<u32>,
    /// ClientID
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    /// ClientPassword; without this flag the environment variable CTI_CLIENT_PASSWORD is read (which keeps it out
    /// of shell history)
    #[arg(long, value_name = "PASSWORD", value_parser = crate::password::parse)]
    client_password: Option<cti_proto::Secret>,
    /// CallMsgMask: names joined by | or a number (default: BEGIN_CALL|END_CALL|CALL_DATA_UPDATE)
    #[arg(long, value_name = "MASK")]
    call_mask: Option<String>,
    /// AgentStateMask: names joined by | or a number (default 0)
    #[arg(long, value_name = "MASK")]
    agent_mask: Option<String>,
    /// A name for this CTI Server pair (e.g. pg1), added to every line as "source"
    #[arg(long, value_name = "NAME")]
    source: Option<String>,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    tls: crate::tls::TlsArgs,
}

fn service(name: &str) -> Result<ServiceMask, CliError> {
    let s = match name.trim().to_ascii_lowercase().as_str() {
        "all-events" => ServiceMask::CTI_SERVICE_ALL_EVENTS,
        "client-events" => ServiceMask::CTI_SERVICE_CLIENT_EVENTS,
        "client-control" => ServiceMask::CTI_SERVICE_CLIENT_CONTROL,
        "call-data-update" => ServiceMask::CTI_SERVICE_CALL_DATA_UPDATE,
        "connection-monitor" => ServiceMask::CTI_SERVICE_CONNECTION_MONITOR,
        "agent-state-control-only" => ServiceMask::CTI_AGENT_STATE_CONTROL_ONLY,
        "active-standby" => ServiceMask::CTI_SERVICE_ACTIVE_STANDBY,
        _ => name
            .trim()
            .parse()
            .map_err(|e| CliError::Run(format!("--services: {e}")))?,
    };
    Ok(s)
}

impl MonitorArgs {
    /// The client configuration: the profile (or the defaults), then the flags.
    pub fn config(&self) -> Result<ClientConfig, CliError> {
        let mut c = match &self.profile {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| CliError::Input {
                    name: path.display().to_string(),
                    source,
                })?;
                toml::from_str(&text)
                    .map_err(|e| CliError::Run(format!("{}: {e}", path.display())))?
            }
            None => ClientConfig::default(),
        };
        if let Some(a) = &self.side_a {
            c.side_a.clone_from(a);
        }
        if self.side_b.is_some() {
            c.side_b.clone_from(&self.side_b);
        }
        if let Some(v) = self.version {
            c.version = v;
        }
        if let Some(list) = &self.services {
            c.services = list.split(',').try_fold(ServiceMask(0), |acc, n| {
                Ok::<_, CliError>(acc | service(n)?)
            })?;
        }
        if self.peripheral.is_some() {
            c.peripheral_id = self.peripheral;
        }
        for (flag, slot) in [
            (&self.agent_id, &mut c.agent_id),
            (&self.extension, &mut c.agent_extension),
            (&self.instrument, &mut c.agent_instrument),
        ] {
            if flag.is_some() {
                slot.clone_from(flag);
            }
        }
        if let Some(h) = self.heartbeat {
            c.heartbeat_secs = h;
        }
        if let Some(n) = self.expected_clients {
            c.expected_clients = n;
        }
        if let Some(id) = &self.client_id {
            c.client_id.clone_from(id);
        }
        crate::password::apply(&mut c, self.client_password.as_ref());
        if let Some(m) = &self.call_mask {
            c.call_msg_mask = m
                .parse()
                .map_err(|e| CliError::Run(format!("--call-mask: {e}")))?;
        }
        if let Some(m) = &self.agent_mask {
            c.agent_state_mask = m
                .parse()
                .map_err(|e| CliError::Run(format!("--agent-mask: {e}")))?;
        }
        self.tls.apply(&mut c);
        c.validate().map_err(|e| CliError::Run(e.to_string()))?;
        Ok(c)
    }
}

/// Runs `cti monitor` until Ctrl-C (or until the client stops).
pub fn run(args: &MonitorArgs) -> Result<(), CliError> {
    let cfg = args.config()?;
    let json = args.json;
    let colour_on = {
        use std::io::IsTerminal as _;
        std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    };
    crate::logging::init();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async move {
        let mut session = Session::start(SessionConfig::new(args.source.clone().unwrap_or_default(), cfg))
            .map_err(|e| CliError::Run(e.to_string()))?;
        let start = Instant::now();
        let mut out = std::io::stdout().lock();
        let mut count: u64 = 0;
        let mut status_at = start + Duration::from_secs(10);
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);
        loop {
            let update = tokio::select! {
                _ = &mut ctrl_c => {
                    session.close().await;
                    return Ok(());
                }
                () = tokio::time::sleep_until(status_at), if !json => {
                    let up = start.elapsed().as_secs();
                    let st = session.status();
                    let model = session.model();
                    crate::logging::note!(
                        "side {} | up {:02}:{:02}:{:02} | {:.1} events/s | {} calls | {} agents | heartbeats {}/{} answered",
                        st.side.map_or("-", |s| s.name()),
                        up / 3600, up / 60 % 60, up % 60,
                        f64::from(u32::try_from(count).unwrap_or(u32::MAX)) / start.elapsed().as_secs_f64().max(1.0),
                        model.calls().count(), model.agents().count(),
                        st.heartbeats_answered, st.heartbeats_sent
                    );
                    status_at += Duration::from_secs(10);
                    continue;
                }
                u = session.next() => u,
            };
            let Some(update) = update else { return Ok(()) };
            if update.message().is_some() {
                count += 1;
            }
            for v in session.lines(&update) {
                let text = if json { v.to_string() } else { readable_line(&v, colour_on) };
                if writeln!(out, "{text}").is_err() {
                    // The reader went away: leave the server properly all the same.
                    session.close().await;
                    return Ok(());
                }
            }
            let _ = out.flush();
            if let UpdateKind::Client(ClientEvent::Stopped(err)) = &update.kind {
                return Err(CliError::Run(err.to_string()));
            }
        }
    })
}
