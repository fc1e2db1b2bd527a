//! `cti`: the ctikit command line for Cisco's UCCE CTI Server protocol (GED-188).
//!
//! One module per command; `main` only parses the arguments, dispatches, and turns an error into one
//! `cti <command>: <error>` line on standard error and an exit status.

mod control;
mod decode;
mod decode_capture;
mod demo;
mod dissector;
mod encode;
mod error;
mod gateway;
mod input;
mod logging;
mod monitor;
mod output;
mod password;
mod proto_version;
mod record;
mod replay;
mod sim;
mod tls;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// ctikit: tools for Cisco's UCCE CTI Server protocol (GED-188).
#[derive(Debug, Parser)]
#[command(
    name = "cti",
    version,
    after_help = "Exit status: 0 on success (a closed output pipe included), 1 when the output cannot be \
                  written, 2 on a usage error or bad input."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands. Their help text is on their argument structs (a doc comment here would replace it).
#[derive(Debug, Subcommand)]
enum Command {
    Demo(Box<demo::DemoArgs>),
    Decode(decode::DecodeArgs),
    Encode(encode::EncodeArgs),
    Dissector(dissector::DissectorArgs),
    Record(Box<record::RecordArgs>),
    Replay(Box<replay::ReplayArgs>),
    Sim(Box<sim::SimArgs>),
    Monitor(Box<monitor::MonitorArgs>),
    Agent(Box<control::AgentArgs>),
    Call(Box<control::CallArgs>),
    Gateway(Box<gateway::GatewayArgs>),
}

impl Command {
    /// The subcommand's name, for error messages.
    fn name(&self) -> &'static str {
        match self {
            Command::Demo(_) => "demo",
            Command::Decode(_) => "decode",
            Command::Encode(_) => "encode",
            Command::Dissector(_) => "dissector",
            Command::Record(_) => "record",
            Command::Replay(_) => "replay",
            Command::Sim(_) => "sim",
            Command::Monitor(_) => "monitor",
            Command::Agent(_) => "agent",
            Command::Call(_) => "call",
            Command::Gateway(_) => "gateway",
        }
    }

    fn run(&self) -> Result<(), CliError> {
        match self {
            Command::Demo(args) => demo::run(args),
            Command::Decode(args) => decode::run(args),
            Command::Encode(args) => encode::run(args),
            Command::Dissector(args) => dissector::run(args),
            Command::Record(args) => record::run(args),
            Command::Replay(args) => replay::run(args),
            Command::Sim(args) => sim::run(args),
            Command::Monitor(args) => monitor::run(args),
            Command::Agent(args) => control::run_agent(args),
            Command::Call(args) => control::run_call(args),
            Command::Gateway(args) => gateway::run(args),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Nothing more can be done if standard error is gone too.
            let _ = writeln!(std::io::stderr(), "cti {}: {e}", cli.command.name());
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("cti").chain(args.iter().copied()))
    }

    fn sim_config(args: &[&str]) -> Option<cti_sim::SimConfig> {
        match parse(args).ok()?.command {
            Command::Sim(a) => a.config().ok(),
            _ => None,
        }
    }

    #[test]
    fn sim_takes_a_and_b_like_monitor_and_the_old_names() {
        let addrs = |c: cti_sim::SimConfig| (c.side_a.to_string(), c.side_b.to_string());
        let want = Some(("127.0.0.1:1".to_owned(), "127.0.0.1:2".to_owned()));
        for args in [
            ["sim", "--a", "127.0.0.1:1", "--b", "127.0.0.1:2"],
            ["sim", "--side-a", "127.0.0.1:1", "--side-b", "127.0.0.1:2"],
            ["sim", "--a", "127.0.0.1:1", "--side-b", "127.0.0.1:2"],
        ] {
            assert_eq!(sim_config(&args).map(addrs), want, "{args:?}");
        }
        assert!(parse(&["sim", "--a", "not-an-address"]).is_err());
        assert!(parse(&["sim", "--a", "127.0.0.1:1", "--side-a", "127.0.0.1:2"]).is_err());
    }

    #[test]
    fn monitor_takes_client_password() {
        let cli = parse(&[
            "monitor",
            "--a",
            "127.0.0.1:1",
            "--client-id",
            "me",
            "--client-password",
            "hunter2",
        ]);
        let Ok(Cli {
            command: Command::Monitor(args),
        }) = cli
        else {
            panic!("monitor did not parse: {cli:?}");
        };
        // The flag wins over CTI_CLIENT_PASSWORD, whatever the environment of the test holds.
        let cfg = args.config().ok();
        assert_eq!(
            cfg.as_ref().map(|c| c.client_password.expose()),
            Some(&b"hunter2"[..])
        );
        assert_eq!(cfg.map(|c| c.client_id), Some("me".to_owned()));
        // Parsed straight into a Secret: the arguments' Debug never shows it.
        assert!(!format!("{args:?}").contains("hunter2"));
    }

    #[test]
    fn monitor_agent_and_call_take_the_tls_flags() {
        let pin = "ab".repeat(32);
        for args in [
            &[
                "monitor", "--a", "cti-a", "--tls", "--ca", "ca.pem", "--cert", "me.pem", "--key",
                "me.key",
            ][..],
            &[
                "monitor",
                "--a",
                "10.0.0.5",
                "--server-name",
                "cti-a.example.com",
                "--pin-sha256",
                &pin,
            ][..],
            &[
                "agent",
                "ready",
                "--a",
                "cti-a",
                "--tls",
                "--insecure-skip-verify",
            ],
            &[
                "call",
                "clear",
                "--call",
                "1:1",
                "--a",
                "cti-a",
                "--pin-sha256",
                &pin,
            ],
        ] {
            let cli = parse(args);
            assert!(cli.is_ok(), "{args:?}: {cli:?}");
        }
        assert!(
            parse(&["monitor", "--a", "h", "--cert", "me.pem"]).is_err(),
            "--cert needs --key"
        );
        let Ok(Cli {
            command: Command::Monitor(args),
        }) = parse(&["monitor", "--a", "cti-a", "--b", "cti-b", "--ca", "ca.pem"])
        else {
            panic!("monitor did not parse");
        };
        let cfg = args.config().ok();
        let addrs = cfg.as_ref().map(|c| {
            (
                c.address(cti_client::Side::A),
                c.address(cti_client::Side::B),
            )
        });
        assert_eq!(
            addrs,
            Some((
                Some("cti-a:42030".to_owned()),
                Some("cti-b:43030".to_owned())
            )),
            "TLS: the secured ports by default"
        );
    }

    #[test]
    fn agent_and_call_take_client_password_anywhere() {
        for args in [
            &["agent", "--client-password", "pw", "ready", "--a", "h:1"][..],
            &["agent", "ready", "--client-password", "pw", "--a", "h:1"],
            &["call", "clear", "--call", "1:1", "--client-password", "pw"],
        ] {
            let cli = parse(args);
            assert!(cli.is_ok(), "{args:?}: {cli:?}");
            assert!(!format!("{cli:?}").contains("\"pw\""), "{cli:?}");
        }
        assert!(parse(&["agent", "ready", "--client-password"]).is_err());
    }
}
