//! `cti demo`: the main job on an embedded CTI Server — [`cti_demo::Demo`] (a duplex simulator in this process,
//! a client that follows every guideline connected with All Events, the call model, optional scheduled
//! failovers) shown by one of three renderers: the terminal dashboard on a TTY ([`dashboard`]), JSON lines in
//! the `cti monitor --json` format with `--json` or when standard output is not a terminal, readable lines with
//! `--no-dashboard` (wherever they go) ([`stream`]). Every run ends with a summary that includes the simulator's conformance
//! verdict on the client.

mod dashboard;
mod stream;
mod view;

use std::time::Duration;

use clap::Args;
use cti_demo::{Demo, DemoConfig};

use crate::error::CliError;

/// Arguments of `cti demo`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Run the whole thing on an embedded CTI Server: simulator, client, call model, failovers",
    long_about = "Start a duplex CTI Server simulator in this process (free loopback ports, one peripheral, agents, \
                  steady inbound traffic with call variables and ECC values), connect a client that follows every \
                  client guideline with All Events, and show it live. On a terminal: a dashboard (keys: f fails \
                  the active side, p takes the peripheral offline/online, c starts a call, q quits with \
                  CLOSE_REQ). With --json (or when standard output is not a terminal): JSON lines in the \
                  `cti monitor --json` format. Every run ends with a summary: events by type, calls begun and \
                  ended, failovers survived with the time to reconnect, and the simulator's conformance report \
                  on the client."
)]
pub struct DemoArgs {
    /// JSON lines (the `cti monitor --json` format) instead of the dashboard
    #[arg(long)]
    json: bool,
    /// Readable lines instead of the dashboard (also when standard output is not a terminal)
    #[arg(long, conflicts_with = "json")]
    no_dashboard: bool,
    /// Stop after this many seconds (default: run until q or Ctrl-C)
    #[arg(long, value_name = "SECS")]
    duration: Option<u64>,
    /// Fail the active side every SECS seconds (the other side takes over; the failed side is restored)
    #[arg(long, value_name = "SECS")]
    failover_every: Option<u64>,
    /// Number of agents
    #[arg(long, value_name = "N", default_value_t = 24)]
    agents: u32,
    /// Mean inbound calls per second
    #[arg(long, value_name = "X", default_value_t = 1.5)]
    calls_per_second: f64,
    /// Seed of the simulator's random choices
    #[arg(long, value_name = "N", default_value_t = 7)]
    seed: u64,
    /// Print one frame of the dashboard as plain text after SECS seconds and exit (how the README's capture is
    /// made); the size is --screen-size
    #[arg(long, value_name = "SECS", conflicts_with_all = ["json", "no_dashboard"])]
    screenshot_after: Option<u64>,
    /// Run over mutual TLS (throwaway certificates made at start: a CA, a server and a client certificate)
    #[arg(long)]
    tls: bool,
    /// Columns x rows of the --screenshot-after frame
    #[arg(long, value_name = "WxH", default_value = "120x40", value_parser = parse_size)]
    screen_size: (u16, u16),
}

fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("expected COLSxROWS, e.g. 120x40, not {s:?}"))?;
    let n = |t: &str| {
        t.trim()
            .parse::<u16>()
            .ok()
            .filter(|v| (20..=1000).contains(v))
            .ok_or_else(|| format!("{t:?} is not a size from 20 to 1000"))
    };
    Ok((n(w)?, n(h)?))
}

impl DemoArgs {
    fn config(&self) -> DemoConfig {
        let mut c = DemoConfig::default();
        c.agents = self.agents;
        c.calls_per_second = self.calls_per_second;
        c.seed = self.seed;
        c.duration = self.duration.map(Duration::from_secs);
        c.failover_every = self.failover_every.map(Duration::from_secs);
        c.tls = self.tls;
        c
    }
}

/// Runs `cti demo`.
pub fn run(args: &DemoArgs) -> Result<(), CliError> {
    let tty = {
        use std::io::IsTerminal as _;
        std::io::stdout().is_terminal()
    };
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    rt.block_on(async {
        let demo = Demo::start(args.config())
            .await
            .map_err(|e| CliError::Run(e.to_string()))?;
        if let Some(secs) = args.screenshot_after {
            return dashboard::screenshot(demo, Duration::from_secs(secs), args.screen_size).await;
        }
        if args.no_dashboard {
            // Asked for by name: readable lines even into a file or a pipe (coloured only on a terminal).
            let colour = tty && std::env::var_os("NO_COLOR").is_none();
            stream::run(demo, stream::Format::Readable { colour }).await
        } else if args.json || !tty {
            stream::run(demo, stream::Format::Json).await
        } else {
            dashboard::run(demo).await
        }
    })
}

#[cfg(test)]
mod tests;
