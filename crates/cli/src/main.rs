//! `cti`: the ctikit command line for Cisco's UCCE CTI Server protocol (GED-188).
//!
//! One module per command; `main` only parses the arguments, dispatches, and turns an error into one
//! `cti <command>: <error>` line on standard error and an exit status.

mod control;
mod decode;
mod demo;
mod encode;
mod error;
mod input;
mod logging;
mod monitor;
mod output;
mod proto_version;
mod sim;

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
    Sim(Box<sim::SimArgs>),
    Monitor(Box<monitor::MonitorArgs>),
    Agent(Box<control::AgentArgs>),
    Call(Box<control::CallArgs>),
}

impl Command {
    /// The subcommand's name, for error messages.
    fn name(&self) -> &'static str {
        match self {
            Command::Demo(_) => "demo",
            Command::Decode(_) => "decode",
            Command::Encode(_) => "encode",
            Command::Sim(_) => "sim",
            Command::Monitor(_) => "monitor",
            Command::Agent(_) => "agent",
            Command::Call(_) => "call",
        }
    }

    fn run(&self) -> Result<(), CliError> {
        match self {
            Command::Demo(args) => demo::run(args),
            Command::Decode(args) => decode::run(args),
            Command::Encode(args) => encode::run(args),
            Command::Sim(args) => sim::run(args),
            Command::Monitor(args) => monitor::run(args),
            Command::Agent(args) => control::run_agent(args),
            Command::Call(args) => control::run_call(args),
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
