//! Reading a command's input: a FILE argument or standard input, read whole into memory (inputs are captured
//! traffic and JSON-lines files, not endless streams), optionally as hex text.

use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use clap::Args;
use cti_proto::raw::{HexError, decode_hex};

use crate::error::CliError;

/// The `[FILE]` argument: where the input comes from.
#[derive(Debug, Clone, Args)]
pub struct InputArg {
    /// Input file; standard input when absent or `-`.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

impl InputArg {
    /// The input's name for messages: the path, or `<stdin>`.
    pub fn name(&self) -> String {
        match self.path() {
            Some(p) => p.display().to_string(),
            None => "<stdin>".to_owned(),
        }
    }

    fn path(&self) -> Option<&PathBuf> {
        self.file.as_ref().filter(|p| p.as_os_str() != "-")
    }

    /// Reads the whole input.
    pub fn read_all(&self) -> Result<Vec<u8>, CliError> {
        let result = if let Some(p) = self.path() {
            fs::read(p)
        } else {
            let mut data = Vec::new();
            io::stdin().lock().read_to_end(&mut data).map(|_| data)
        };
        result.map_err(|source| CliError::Input {
            name: self.name(),
            source,
        })
    }
}

/// A byte stream read from the input, ready for a [`cti_proto::FrameDecoder`].
#[derive(Debug)]
pub struct ByteStream {
    /// The bytes: all of a binary input, or the bytes of the valid hex before any hex error.
    pub bytes: BytesMut,
    /// With `--hex`, what was wrong with the text after [`ByteStream::bytes`]: report it once the frames
    /// before it are out.
    pub hex_error: Option<HexError>,
}

impl ByteStream {
    /// A binary stream, taken as is.
    pub fn binary(data: Vec<u8>) -> Self {
        ByteStream {
            bytes: BytesMut::from(Bytes::from(data)),
            hex_error: None,
        }
    }

    /// A stream given as hex text (ASCII whitespace ignored). Invalid text keeps the whole bytes before the
    /// first bad character (or before the odd final digit), so the messages in them can still be shown.
    pub fn hex(data: &[u8]) -> Self {
        let text = String::from_utf8_lossy(data);
        match decode_hex(&text) {
            Ok(bytes) => ByteStream::binary(bytes),
            Err(e) => {
                let valid_chars = match e {
                    HexError::BadChar { pos, .. } => pos,
                    HexError::Odd => usize::MAX,
                };
                ByteStream {
                    bytes: hex_prefix(&text, valid_chars),
                    hex_error: Some(e),
                }
            }
        }
    }
}

/// The whole bytes spelled by the hex digits among the first `chars` characters of `text`.
fn hex_prefix(text: &str, chars: usize) -> BytesMut {
    let mut digits: String = text
        .chars()
        .take(chars)
        .filter(char::is_ascii_hexdigit)
        .collect();
    if digits.len() % 2 == 1 {
        digits.pop();
    }
    // Only hex digits, an even number of them: this cannot fail.
    BytesMut::from(Bytes::from(decode_hex(&digits).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_with_whitespace() {
        let s = ByteStream::hex(b" 00 0a\n\tFF\r\n");
        assert_eq!(&s.bytes[..], &[0x00, 0x0a, 0xff]);
        assert!(s.hex_error.is_none());
    }

    #[test]
    fn bad_hex_keeps_the_whole_bytes_before_it() {
        let s = ByteStream::hex(b"0001 02 0zz");
        assert_eq!(&s.bytes[..], &[0x00, 0x01, 0x02]);
        assert!(matches!(
            s.hex_error,
            Some(HexError::BadChar { ch: 'z', pos: 9 })
        ));

        let s = ByteStream::hex(b"00010");
        assert_eq!(&s.bytes[..], &[0x00, 0x01]);
        assert_eq!(s.hex_error, Some(HexError::Odd));
    }

    #[test]
    fn dash_is_stdin() {
        let arg = InputArg {
            file: Some(PathBuf::from("-")),
        };
        assert_eq!(arg.name(), "<stdin>");
        let arg = InputArg {
            file: Some(PathBuf::from("a.bin")),
        };
        assert_eq!(arg.name(), "a.bin");
    }
}
