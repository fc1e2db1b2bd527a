//! Standard output for the commands: buffered, flushed at the end and before an error is reported, every write
//! failure (a closed pipe included) turned into [`CliError::Output`].

use std::io::{self, BufWriter, StdoutLock, Write};

use cti_proto::Message;

use crate::error::CliError;

/// Buffered, locked standard output.
pub struct Output {
    inner: BufWriter<StdoutLock<'static>>,
}

impl Output {
    /// Locks standard output.
    pub fn stdout() -> Self {
        Output {
            inner: BufWriter::new(io::stdout().lock()),
        }
    }

    /// Writes raw bytes.
    pub fn bytes(&mut self, data: &[u8]) -> Result<(), CliError> {
        self.inner.write_all(data).map_err(CliError::Output)
    }

    /// Writes `message` as one line of compact JSON.
    pub fn json_line(&mut self, message: &Message) -> Result<(), CliError> {
        serde_json::to_writer(&mut self.inner, message).map_err(|e| CliError::Output(e.into()))?;
        self.bytes(b"\n")
    }

    /// Writes `data` as one line of lowercase hex.
    pub fn hex_line(&mut self, data: &[u8]) -> Result<(), CliError> {
        for b in data {
            write!(self.inner, "{b:02x}").map_err(CliError::Output)?;
        }
        self.bytes(b"\n")
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) -> Result<(), CliError> {
        self.inner.flush().map_err(CliError::Output)
    }

    /// Runs `body` with this output, then flushes whatever it wrote, so the output before a failure is complete.
    /// The body's error wins over a failed flush.
    pub fn run(
        mut self,
        body: impl FnOnce(&mut Output) -> Result<(), CliError>,
    ) -> Result<(), CliError> {
        let result = body(&mut self);
        let flushed = self.flush();
        result.and(flushed)
    }
}
