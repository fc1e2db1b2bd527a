//! `cti encode`: JSON lines (one message per line) to framed GED-188 binary, or to hex lines.

use bytes::BytesMut;
use clap::Args;
use cti_proto::Message;

use crate::error::{CliError, LineProblem};
use crate::input::InputArg;
use crate::output::Output;
use crate::proto_version::VersionArg;

/// Arguments of `cti encode`.
#[derive(Debug, Clone, Args)]
#[command(
    about = "Encode JSON lines into framed GED-188 messages",
    long_about = "Encode JSON lines (one message per line, as printed by `cti decode`; blank lines skipped) \
                  from FILE or standard input into framed GED-188 binary on standard output.\n\n\
                  On a line that is not a message, or a value that does not fit the wire format, the messages \
                  of the lines before it are written (nothing of the failing line), then one line on standard \
                  error names the line number and the problem, and the exit status is 2.\n\n\
                  A credential (client_password, agent_password) given as the redaction placeholder \
                  \"<redacted>\" that `cti decode` prints is refused (exit status 2): decode with \
                  --show-secrets to keep the real value."
)]
pub struct EncodeArgs {
    #[command(flatten)]
    version: VersionArg,
    /// Write lowercase hex, one message per line, instead of binary
    #[arg(long)]
    hex: bool,
    #[command(flatten)]
    input: InputArg,
}

/// Runs `cti encode`.
pub fn run(args: &EncodeArgs) -> Result<(), CliError> {
    let data = args.input.read_all()?;
    Output::stdout().run(|out| encode_lines(&data, args.version.version, args.hex, out))
}

/// Encodes every non-blank line of `data`, stopping at the first that fails.
fn encode_lines(data: &[u8], version: u32, hex: bool, out: &mut Output) -> Result<(), CliError> {
    let mut buf = BytesMut::with_capacity(256);
    for (index, line) in data.split(|&b| b == b'\n').enumerate() {
        let line_no = index + 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let fail = |problem: LineProblem| CliError::Line {
            line: line_no,
            problem,
        };
        let message: Message = serde_json::from_slice(text).map_err(|e| fail(json_problem(&e)))?;
        buf.clear();
        message
            .encode(version, &mut buf)
            .map_err(|e| fail(e.into()))?;
        if hex {
            out.hex_line(&buf)?;
        } else {
            out.bytes(&buf)?;
        }
    }
    Ok(())
}

/// serde_json's message without its "at line 1 column N" (every line is parsed alone, so the line is ours to
/// give) and without the list of the ~300 message type names after an unknown `type`.
fn json_problem(e: &serde_json::Error) -> LineProblem {
    let full = e.to_string();
    let location = format!(" at line {} column {}", e.line(), e.column());
    let mut text = full.strip_suffix(&location).unwrap_or(&full);
    if text.starts_with("unknown variant")
        && let Some((head, _)) = text.split_once(", expected one of")
    {
        text = head;
    }
    if e.column() > 0 {
        LineProblem::Json(format!("column {}: {text}", e.column()))
    } else {
        LineProblem::Json(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(json: &str) -> String {
        match serde_json::from_str::<Message>(json) {
            Ok(m) => panic!("{m:?} parsed"),
            Err(e) => json_problem(&e).to_string(),
        }
    }

    #[test]
    fn json_problems_read_well() {
        assert_eq!(
            problem("{"),
            "invalid message JSON: column 1: EOF while parsing an object"
        );
        let unknown = problem(r#"{"type":"NO_SUCH_MESSAGE"}"#);
        assert!(
            unknown.contains("unknown variant `NO_SUCH_MESSAGE`"),
            "{unknown}"
        );
        assert!(!unknown.contains("expected one of"), "{unknown}");
        let field = problem(r#"{"type":"HEARTBEAT_REQ","invoke":1}"#);
        assert!(field.contains("unknown field `invoke`"), "{field}");
    }
}
