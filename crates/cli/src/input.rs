//! Reading a command's input: a FILE argument or standard input. `cti encode` reads it whole (JSON-lines files);
//! `cti decode` reads it as a stream ([`InputArg::open`]), turning hex text into bytes as it arrives with a
//! [`HexDecoder`].

use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;

use bytes::{BufMut, BytesMut};
use clap::Args;
use cti_proto::raw::HexError;

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

    /// The error for a failure to read this input.
    pub fn error(&self, source: io::Error) -> CliError {
        CliError::Input {
            name: self.name(),
            source,
        }
    }

    /// Reads the whole input.
    pub fn read_all(&self) -> Result<Vec<u8>, CliError> {
        let mut data = Vec::new();
        self.open()?
            .read_to_end(&mut data)
            .map_err(|e| self.error(e))?;
        Ok(data)
    }

    /// Opens the input for reading as it comes (standard input is not buffered again: read it in large chunks).
    pub fn open(&self) -> Result<Box<dyn Read>, CliError> {
        match self.path() {
            Some(p) => Ok(Box::new(fs::File::open(p).map_err(|e| self.error(e))?)),
            None => Ok(Box::new(io::stdin().lock())),
        }
    }
}

/// Hex text to bytes, a piece at a time: ASCII whitespace is ignored anywhere (between the two digits of a byte
/// too), and a byte whose digits arrive in two pieces is completed by the second.
#[derive(Debug, Default)]
pub struct HexDecoder {
    /// The first digit of an incomplete byte.
    high: Option<u8>,
    /// Characters accepted so far (all ASCII), for the position of a bad one.
    chars: usize,
}

impl HexDecoder {
    /// Appends the bytes spelled by `text` to `out`. On a character that is neither a hex digit nor whitespace,
    /// `out` has the whole bytes before it and the error names it and its character position in the whole text;
    /// the decoder must not be fed again.
    pub fn push(&mut self, text: &[u8], out: &mut BytesMut) -> Result<(), HexError> {
        out.reserve(text.len() / 2);
        for (i, &b) in text.iter().enumerate() {
            let digit = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ if b.is_ascii_whitespace() => {
                    self.chars += 1;
                    continue;
                }
                _ => {
                    return Err(HexError::BadChar {
                        ch: first_char(text.get(i..).unwrap_or_default()),
                        pos: self.chars,
                    });
                }
            };
            self.chars += 1;
            match self.high.take() {
                Some(high) => out.put_u8(high << 4 | digit),
                None => self.high = Some(digit),
            }
        }
        Ok(())
    }

    /// At the end of the text: an error if a byte has only its first digit.
    pub fn finish(&self) -> Result<(), HexError> {
        match self.high {
            Some(_) => Err(HexError::Odd),
            None => Ok(()),
        }
    }
}

/// The character `bytes` starts with (U+FFFD when it is not valid UTF-8, or is cut at the end of a read).
fn first_char(bytes: &[u8]) -> char {
    bytes
        .utf8_chunks()
        .next()
        .and_then(|c| c.valid().chars().next())
        .unwrap_or(char::REPLACEMENT_CHARACTER)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `pieces` in turn; the bytes, and the error if any.
    fn hex(pieces: &[&[u8]]) -> (Vec<u8>, Option<HexError>) {
        let mut d = HexDecoder::default();
        let mut out = BytesMut::new();
        for p in pieces {
            if let Err(e) = d.push(p, &mut out) {
                return (out.to_vec(), Some(e));
            }
        }
        (out.to_vec(), d.finish().err())
    }

    #[test]
    fn hex_with_whitespace() {
        assert_eq!(hex(&[b" 00 0a\n\tFF\r\n"]), (vec![0x00, 0x0a, 0xff], None));
    }

    #[test]
    fn digits_split_across_pieces() {
        assert_eq!(
            hex(&[b"0", b"0 0", b"a\nf", b"", b"F"]),
            (vec![0x00, 0x0a, 0xff], None)
        );
        // Whitespace between the two digits of a byte, as decode_hex accepts it.
        assert_eq!(hex(&[b"0 1"]), (vec![0x01], None));
    }

    #[test]
    fn bad_hex_keeps_the_whole_bytes_before_it() {
        assert_eq!(
            hex(&[b"0001 02 0zz"]),
            (
                vec![0x00, 0x01, 0x02],
                Some(HexError::BadChar { ch: 'z', pos: 9 })
            )
        );
        // The position counts the characters of every earlier piece.
        assert_eq!(
            hex(&[b"0001 ", b"02 0", "é".as_bytes()]),
            (
                vec![0x00, 0x01, 0x02],
                Some(HexError::BadChar { ch: 'é', pos: 9 })
            )
        );
        assert_eq!(hex(&[b"00010"]), (vec![0x00, 0x01], Some(HexError::Odd)));
        assert_eq!(
            hex(&[b"00", b"\xff"]).1,
            Some(HexError::BadChar {
                ch: '\u{fffd}',
                pos: 2
            })
        );
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
