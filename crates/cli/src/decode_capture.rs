//! `cti decode` of a pcap or pcapng capture: every GED-188 message of every CTI stream in the file, as JSON
//! lines with `ts`, `src`, `dst` and `stream` before the message's fields. Streams are found by port (42027,
//! 43027 and `--port`) or by content; each is decoded at the version of its OPEN_REQ, else `--version`.
//! Bytes skipped to reach a message boundary (a capture joined mid-stream, a hole) and messages that do not
//! decode are reported on standard error and the decoding goes on; the exit status is then 2.

use std::io::Read;

use cti_capture::{
    CaptureDecoder, CaptureEvent, CaptureReader, DEFAULT_PORTS, DecoderConfig, Origin,
};
use cti_proto::Message;

use crate::error::CliError;
use crate::output::Output;

/// What the capture mode needs of `cti decode`'s arguments.
pub struct CaptureOptions {
    /// `--version`: for streams without an OPEN_REQ in the capture.
    pub version: u32,
    /// `--port`: more CTI ports.
    pub ports: Vec<u16>,
    /// The input's name, for errors.
    pub name: String,
}

fn where_(o: &Origin) -> String {
    format!(
        "stream {} {} -> {} at stream offset {}",
        o.stream, o.src, o.dst, o.offset
    )
}

fn json_line(out: &mut Output, origin: &Origin, message: &Message) -> Result<(), CliError> {
    let body = serde_json::to_string(message).map_err(|e| CliError::Output(e.into()))?;
    let fields = body.strip_prefix('{').unwrap_or(&body);
    let head = format!(
        "{{\"ts\":\"{}\",\"src\":\"{}\",\"dst\":\"{}\",\"stream\":{},",
        origin.ts, origin.src, origin.dst, origin.stream
    );
    out.bytes(head.as_bytes())?;
    out.bytes(fields.as_bytes())?;
    out.bytes(b"\n")
}

/// Prints the events; returns how many messages did not decode.
fn print(events: &mut Vec<CaptureEvent>, out: &mut Output) -> Result<u64, CliError> {
    let mut failed = 0;
    for e in events.drain(..) {
        match e {
            CaptureEvent::Message {
                origin,
                message: Ok(m),
                ..
            } => json_line(out, &origin, &m)?,
            CaptureEvent::Message {
                origin,
                message: Err(err),
                version,
            } => {
                failed += 1;
                out.flush()?;
                eprintln!("cti decode: {} (version {version}): {err}", where_(&origin));
            }
            CaptureEvent::Skipped { origin, bytes } => {
                out.flush()?;
                eprintln!(
                    "cti decode: {}: skipped {bytes} bytes to the next plausible message header",
                    where_(&origin)
                );
            }
            _ => {}
        }
    }
    Ok(failed)
}

/// Decodes the capture whose first four bytes are `magic`.
pub fn decode_capture(
    magic: [u8; 4],
    input: impl Read,
    options: &CaptureOptions,
    out: &mut Output,
) -> Result<(), CliError> {
    let bad = |e: cti_capture::CaptureError| CliError::Input {
        name: options.name.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    };
    let mut reader = CaptureReader::with_magic(magic, input).map_err(bad)?;
    let mut ports = DEFAULT_PORTS.to_vec();
    ports.extend(&options.ports);
    let mut decoder = CaptureDecoder::new(DecoderConfig {
        ports,
        by_content: true,
        default_version: options.version,
    });
    let mut events = Vec::new();
    let mut failed = 0;
    let mut last = cti_capture::Timestamp::default();
    loop {
        match reader.next_packet() {
            Ok(Some(p)) => {
                last = p.ts;
                decoder.push(&p, &mut events);
                failed += print(&mut events, out)?;
            }
            Ok(None) => break,
            Err(e) => {
                decoder.finish(last, &mut events);
                print(&mut events, out)?;
                return Err(bad(e));
            }
        }
    }
    decoder.finish(last, &mut events);
    failed += print(&mut events, out)?;
    if failed > 0 {
        return Err(CliError::Input {
            name: options.name.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{failed} message(s) did not decode (see above)"),
            ),
        });
    }
    Ok(())
}
