//! `cti replay FILE`: the CTI Server of a recorded session for a client under test (`cti_sim::replay` on the
//! sessions `cti_capture::replay` takes out of the capture), then a report — as text, or JSON with `--json`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use cti_capture::replay::{Pace, Recording};
use cti_capture::{DEFAULT_PORTS, DecoderConfig};
use cti_sim::replay::ReplayServer;

use crate::error::CliError;
use crate::proto_version::VersionArg;

/// Arguments of `cti replay`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Act as the CTI Server of a recorded session (pcap/pcapng) for a client under test",
    long_about = "Read the CTI sessions of FILE (a pcapng written by `cti record`, or any capture `cti decode` \
                  reads) and serve them, in recorded order, to the connections that arrive on --listen: the \
                  recorded OPEN_CONF (InvokeID rewritten), HEARTBEAT_CONF and CLOSE_CONF from the replay \
                  itself, recorded replies reused per request type in recorded order (InvokeID rewritten) or \
                  FAILURE_CONF E_CTI_FUNCTION_NOT_AVAILABLE, and the recorded events with their spacing \
                  divided by --speed. Ends when every recorded session was served and the client closed, or on \
                  Ctrl-C, with a report: what the client sent that the recording did not, and the simulator's \
                  conformance checks on the client."
)]
pub struct ReplayArgs {
    /// The capture to replay (pcap or pcapng)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Address to listen on for the client under test (port 0: any free port, printed)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:42027")]
    listen: SocketAddr,
    /// Send the recorded events X times as fast as recorded (0.5: twice as slow)
    #[arg(
        long,
        value_name = "X",
        default_value_t = 1.0,
        conflicts_with = "as_fast_as_possible"
    )]
    speed: f64,
    /// Send every recorded event as soon as the session is open
    #[arg(long)]
    as_fast_as_possible: bool,
    #[command(flatten)]
    version: VersionArg,
    /// Also take TCP port N as a CTI Server port of the capture (repeatable; 42027 and 43027 always are)
    #[arg(long = "port", value_name = "N")]
    ports: Vec<u16>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

/// Runs `cti replay` until the recording is served and the client closed, or Ctrl-C.
pub fn run(args: &ReplayArgs) -> Result<(), CliError> {
    let pace = if args.as_fast_as_possible {
        Pace::AsFastAsPossible
    } else {
        Pace::speed(args.speed).map_err(|e| CliError::Usage(format!("--speed: {e}")))?
    };
    let name = args.file.display().to_string();
    let file = std::fs::File::open(&args.file).map_err(|source| CliError::Input {
        name: name.clone(),
        source,
    })?;
    let mut ports = DEFAULT_PORTS.to_vec();
    ports.extend(&args.ports);
    let config = DecoderConfig {
        ports,
        by_content: true,
        default_version: args.version.version,
    };
    let recording = Recording::read(std::io::BufReader::new(file), config)
        .map_err(|e| CliError::Usage(format!("{name}: {e}")))?;
    if recording.sessions.is_empty() {
        return Err(CliError::Usage(format!(
            "{name}: no CTI session to replay (no stream with an OPEN_REQ answered by OPEN_CONF)"
        )));
    }
    crate::logging::init();
    let events: usize = recording.sessions.iter().map(|s| s.events.len()).sum();
    let sessions = recording.sessions.len();
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| CliError::Run(format!("starting the runtime: {e}")))?;
    let report = rt.block_on(async {
        let mut server = ReplayServer::bind(args.listen, recording, pace)
            .await
            .map_err(|e| CliError::Run(format!("cannot listen on {}: {e}", args.listen)))?;
        crate::logging::note!(
            "cti replay: listening on {} ({sessions} recorded session(s), {events} events)",
            server.local_addr()
        );
        tokio::select! {
            () = server.finished() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<_, CliError>(server.shutdown().await)
    })?;
    let text = if args.json {
        let mut j = serde_json::to_string(&report).map_err(|e| CliError::Output(e.into()))?;
        j.push('\n');
        j
    } else {
        report.to_text()
    };
    crate::output::Output::stdout().run(|out| out.bytes(text.as_bytes()))
}
