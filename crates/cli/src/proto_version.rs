//! The `--version N` option shared by every command that speaks the protocol.

use clap::Args;
use cti_proto::version::{DEFAULT_VERSION, MAX_VERSION, MIN_VERSION};

/// `--version N`: the GED-188 protocol version, checked against the versions cti-proto supports.
#[derive(Debug, Clone, Copy, Args)]
pub struct VersionArg {
    /// GED-188 protocol version (13..=25)
    #[arg(
        long = "version",
        value_name = "N",
        default_value_t = DEFAULT_VERSION,
        value_parser = clap::value_parser!(u32).range(i64::from(MIN_VERSION)..=i64::from(MAX_VERSION)),
    )]
    pub version: u32,
}
