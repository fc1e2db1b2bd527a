//! `cti dissector`: prints (or writes) the Wireshark dissector generated from cti-proto's tables.

use std::path::PathBuf;

use clap::Args;

use crate::error::CliError;
use crate::output::Output;

/// Arguments of `cti dissector`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Print the Wireshark dissector (Lua) generated from the protocol tables",
    long_about = "Print the GED-188 Wireshark dissector, generated from the same tables as the codec, or write \
                  it to FILE with --out. Install it by copying it to ~/.local/lib/wireshark/plugins/, or load \
                  it for one run with `tshark -X lua_script:ged188.lua`. The repository's copy is \
                  dissector/ged188.lua (`cti dissector --out dissector/ged188.lua` regenerates it)."
)]
pub struct DissectorArgs {
    /// Write the dissector to FILE instead of standard output
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs `cti dissector`.
pub fn run(args: &DissectorArgs) -> Result<(), CliError> {
    let lua = cti_proto::dissector::WIRESHARK_LUA;
    match &args.out {
        Some(path) => std::fs::write(path, lua)
            .map_err(|e| CliError::Run(format!("writing {}: {e}", path.display()))),
        None => Output::stdout().run(|out| out.bytes(lua.as_bytes())),
    }
}
