//! The errors of the `cti` commands. `main` prints them as one `cti <command>: <error>` line on stderr and maps
//! them to the exit status with [`CliError::exit_code`].

use std::io;

use cti_proto::raw::HexError;
use cti_proto::{DecodeError, EncodeError, EncodeErrorKind, FrameError};

/// Exit status of a usage error or of bad input (clap uses 2 for usage errors too).
pub const EXIT_INPUT: u8 = 2;
/// Exit status of a failure to write the output (other than a closed pipe, which is a clean exit).
pub const EXIT_OUTPUT: u8 = 1;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The input could not be read.
    #[error("reading {name}: {source}")]
    Input {
        /// The file name, or `<stdin>`.
        name: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The byte stream is malformed at `offset` (the stream offset of the message involved).
    #[error("error at stream offset {offset}: {problem}")]
    Stream {
        /// Stream offset of the first byte of the message (its header) where the problem is.
        offset: u64,
        /// What is wrong.
        problem: StreamProblem,
    },
    /// A JSON line could not be turned into a message.
    #[error("line {line}: {problem}")]
    Line {
        /// 1-based line number in the input.
        line: usize,
        /// What is wrong.
        problem: LineProblem,
    },
    /// Standard output could not be written.
    #[error("writing the output: {0}")]
    Output(io::Error),
    /// A command that runs a service (e.g. `cti sim`) could not start or failed while running.
    #[error("{0}")]
    Run(String),
    /// The CTI Server refused a request (FAILURE_CONF / CONTROL_FAILURE_CONF), named.
    #[error("{0}")]
    Refused(String),
    /// The command line or a configuration file it names is wrong (exit status 2, as clap's usage errors).
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    /// True when the reader of our standard output went away (`cti decode … | head`): not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Output(_) | CliError::Run(_) | CliError::Refused(_) => EXIT_OUTPUT,
            CliError::Input { .. }
            | CliError::Stream { .. }
            | CliError::Line { .. }
            | CliError::Usage(_) => EXIT_INPUT,
        }
    }
}

/// What is wrong with a byte stream given to `cti decode`.
#[derive(Debug, thiserror::Error)]
pub enum StreamProblem {
    /// The framing is broken (oversize length, truncated final message).
    #[error("{}", frame_problem(.0))]
    Frame(#[from] FrameError),
    /// A message body does not decode.
    #[error(transparent)]
    Message(#[from] DecodeError),
    /// The hex text (`--hex`) is not valid hex.
    #[error("bad hex input: {0}")]
    Hex(#[from] HexError),
}

/// A framing problem without its stream offset, which [`CliError::Stream`] gives once already.
fn frame_problem(e: &FrameError) -> String {
    match e {
        FrameError::TooLong { length, max, .. } => format!(
            "the message announces {length} body bytes, over the maximum of {max} (E_CTI_INVALID_MESSAGE_LENGTH)"
        ),
        FrameError::Truncated {
            needed, available, ..
        } => format!("the stream ends inside the message ({available} of {needed} bytes present)"),
        other => other.to_string(),
    }
}

/// What is wrong with one JSON line given to `cti encode`.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// Not JSON, or not the JSON form of a message.
    #[error("invalid message JSON: {0}")]
    Json(String),
    /// A valid message whose values do not fit the wire format.
    #[error(transparent)]
    Encode(EncodeError),
    /// A credential given as the redaction placeholder (JSON from `cti decode` without `--show-secrets`).
    #[error("{0} (`cti decode` redacts credentials unless given --show-secrets)")]
    Redacted(EncodeError),
}

impl From<EncodeError> for LineProblem {
    fn from(e: EncodeError) -> Self {
        if e.kind == EncodeErrorKind::RedactedPlaceholder {
            LineProblem::Redacted(e)
        } else {
            LineProblem::Encode(e)
        }
    }
}
