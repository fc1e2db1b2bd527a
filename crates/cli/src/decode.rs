//! `cti decode`: a stream of framed GED-188 messages (binary, or hex text) to JSON lines.

use clap::Args;
use cti_proto::{FrameDecoder, Message};

use crate::error::{CliError, StreamProblem};
use crate::input::{ByteStream, InputArg};
use crate::output::Output;
use crate::proto_version::VersionArg;

/// Arguments of `cti decode`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Decode framed GED-188 messages into JSON lines",
    long_about = "Decode a stream of framed GED-188 messages (binary, or hex text with --hex) from FILE or \
                  standard input and print one JSON object per message per line.\n\n\
                  On a malformed stream (oversize length, a body that does not decode, a truncated final \
                  message, bad hex) the messages before the problem are printed, then one line on standard \
                  error names the stream offset of the message and the problem, and the exit status is 2.\n\n\
                  Credentials (ClientPassword, AgentPassword) are printed as \"<redacted>\" unless \
                  --show-secrets is given; `cti encode` refuses that placeholder."
)]
pub struct DecodeArgs {
    #[command(flatten)]
    version: VersionArg,
    /// Read the input as hex text (whitespace ignored) instead of binary
    #[arg(long)]
    hex: bool,
    /// Print credentials (ClientPassword, AgentPassword) instead of "<redacted>"
    #[arg(long)]
    show_secrets: bool,
    #[command(flatten)]
    input: InputArg,
}

/// Runs `cti decode`.
pub fn run(args: &DecodeArgs) -> Result<(), CliError> {
    let data = args.input.read_all()?;
    let stream = if args.hex {
        ByteStream::hex(&data)
    } else {
        ByteStream::binary(data)
    };
    let decode = |out: &mut Output| decode_stream(stream, args.version.version, out);
    if args.show_secrets {
        cti_proto::secret::reveal(|| Output::stdout().run(decode))
    } else {
        Output::stdout().run(decode)
    }
}

/// Prints every message of `stream`, stopping at the first problem.
fn decode_stream(stream: ByteStream, version: u32, out: &mut Output) -> Result<(), CliError> {
    let ByteStream {
        mut bytes,
        hex_error,
    } = stream;
    let mut decoder = FrameDecoder::default();
    let at = |offset: u64, problem: StreamProblem| CliError::Stream { offset, problem };
    loop {
        let offset = decoder.stream_offset();
        let frame = match decoder.decode(&mut bytes) {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(e) => return Err(at(offset, e.into())),
        };
        let message = Message::decode(&frame, version).map_err(|e| at(offset, e.into()))?;
        out.json_line(&message)?;
    }
    let offset = decoder.stream_offset();
    if let Some(e) = hex_error {
        return Err(at(offset, e.into()));
    }
    decoder.finish(&bytes).map_err(|e| at(offset, e.into()))
}
