//! `cti demo` as a stream of lines: JSON (the `cti monitor --json` format) or readable, until the duration is
//! reached or Ctrl-C; then the SUMMARY.

use std::io::Write as _;

use cti_demo::Demo;
use cti_session::lines::readable_line;
use serde_json::Value;

use crate::error::CliError;

/// How lines are written.
#[derive(Debug, Clone, Copy)]
pub enum Format {
    /// One JSON object per line.
    Json,
    /// Readable lines (coloured when `colour`), the summary as a short report.
    Readable {
        /// ANSI colours.
        colour: bool,
    },
}

/// Runs the demo to its end, writing every line; the last is the SUMMARY.
pub async fn run(mut demo: Demo, format: Format) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    let mut lines: Vec<Value> = Vec::new();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut failed = None;
    loop {
        let going = tokio::select! {
            _ = &mut ctrl_c => false,
            r = demo.step(&mut lines) => match r {
                Ok(going) => going,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            },
        };
        let written = lines
            .drain(..)
            .try_for_each(|v| write_line(&mut out, &v, format))
            .and_then(|()| out.flush().map_err(CliError::Output));
        if let Err(e) = written {
            // The reader went away (e.g. `| head`): still leave the server properly (CLOSE_REQ).
            let _ = demo.finish().await;
            return Err(e);
        }
        if !going {
            break;
        }
    }
    let summary = demo.finish().await;
    match format {
        Format::Json => write_line(&mut out, &summary, format)?,
        Format::Readable { .. } => {
            write!(out, "{}", super::dashboard::summary_text(&summary))
                .map_err(CliError::Output)?;
        }
    }
    out.flush().map_err(CliError::Output)?;
    failed.map_or(Ok(()), |e| Err(CliError::Run(e.to_string())))
}

fn write_line(out: &mut impl std::io::Write, v: &Value, format: Format) -> Result<(), CliError> {
    let text = match format {
        Format::Json => v.to_string(),
        Format::Readable { colour } => readable_line(v, colour),
    };
    writeln!(out, "{text}").map_err(CliError::Output)
}
