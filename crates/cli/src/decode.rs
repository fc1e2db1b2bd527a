//! `cti decode`: a stream of framed GED-188 messages (binary, or hex text) to JSON lines, decoded as the bytes
//! arrive: each complete message is printed (and the output flushed) before more input is awaited, so a pipe
//! from a capture tool stays live, and memory holds one read and at most one partial message, whatever the
//! length of the stream.

use std::io::{Cursor, ErrorKind, Read};

use bytes::BytesMut;
use clap::Args;
use cti_proto::{FrameDecoder, Message};

use crate::decode_capture::{CaptureOptions, decode_capture};
use crate::error::{CliError, StreamProblem};
use crate::input::{HexDecoder, InputArg};
use crate::output::Output;
use crate::proto_version::VersionArg;

/// Bytes asked of the input per read.
const READ_SIZE: usize = 64 * 1024;

/// Arguments of `cti decode`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Decode framed GED-188 messages into JSON lines",
    long_about = "Decode a stream of framed GED-188 messages (binary, or hex text with --hex) from FILE or \
                  standard input and print one JSON object per message per line. Messages are printed as \
                  they arrive: a pipe from a capture tool can be followed live.\n\n\
                  On a malformed stream (oversize length, a body that does not decode, a truncated final \
                  message, bad hex) the messages before the problem are printed, then one line on standard \
                  error names the stream offset of the message and the problem, and the exit status is 2.\n\n\
                  Credentials (ClientPassword, AgentPassword) are printed as \"<redacted>\" unless \
                  --show-secrets is given; `cti encode` refuses that placeholder.\n\n\
                  A pcap or pcapng capture (told by its magic number) is read as such: TCP is reassembled per \
                  connection, the GED-188 streams are found by port (42027, 43027, --port) or by content, each \
                  is decoded at the version of its OPEN_REQ (else --version), and every line gains ts, src, dst \
                  and stream. Skipped bytes (a capture joined mid-stream) and messages that do not decode are \
                  reported on standard error; the decoding goes on (exit status 2 if any did not decode)."
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
    /// In a capture, also take TCP port N as a CTI Server port (repeatable; 42027 and 43027 always are)
    #[arg(long = "port", value_name = "N")]
    ports: Vec<u16>,
    #[command(flatten)]
    input: InputArg,
}

/// Runs `cti decode`.
pub fn run(args: &DecodeArgs) -> Result<(), CliError> {
    let mut reader = args.input.open()?;
    // A capture is told by its magic number; the bytes read to look are given back to the stream decoder.
    let mut head = Vec::with_capacity(4);
    if !args.hex {
        (&mut reader)
            .take(4)
            .read_to_end(&mut head)
            .map_err(|e| args.input.error(e))?;
    }
    let magic: Option<[u8; 4]> = head.as_slice().try_into().ok();
    let capture = magic.filter(|m| cti_capture::Format::detect(m).is_some());
    let options = CaptureOptions {
        version: args.version.version,
        ports: args.ports.clone(),
        name: args.input.name(),
    };
    let decode = |out: &mut Output| match capture {
        Some(m) => decode_capture(m, reader, &options, out),
        None => decode_stream(args, Cursor::new(head).chain(reader), out),
    };
    if args.show_secrets {
        cti_proto::secret::reveal(|| Output::stdout().run(decode))
    } else {
        Output::stdout().run(decode)
    }
}

/// Prints every message of the input as it arrives, stopping at the first problem.
fn decode_stream(
    args: &DecodeArgs,
    mut reader: impl Read,
    out: &mut Output,
) -> Result<(), CliError> {
    let version = args.version.version;
    let mut hex = args.hex.then(HexDecoder::default);
    let mut chunk = vec![0_u8; READ_SIZE];
    let mut bytes = BytesMut::with_capacity(READ_SIZE);
    let mut decoder = FrameDecoder::default();
    let at = |offset: u64, problem: StreamProblem| CliError::Stream { offset, problem };
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(args.input.error(e)),
        };
        let data = chunk.get(..n).unwrap_or_default();
        // A hex error is reported once the messages in the bytes before it are out.
        let hex_error = if let Some(h) = &mut hex {
            h.push(data, &mut bytes).err()
        } else {
            bytes.extend_from_slice(data);
            None
        };
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
        if let Some(e) = hex_error {
            return Err(at(decoder.stream_offset(), e.into()));
        }
        // Everything complete so far is out before the next read waits for more input.
        out.flush()?;
    }
    let offset = decoder.stream_offset();
    if let Some(h) = &hex {
        h.finish().map_err(|e| at(offset, e.into()))?;
    }
    decoder.finish(&bytes).map_err(|e| at(offset, e.into()))
}
