//! Raw bytes: UNSPEC values, unknown floating fields and unknown messages, kept byte for byte.

use std::fmt::{self, Write as _};

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// Opaque bytes shown as lowercase hex in Debug and JSON (JSON input accepts hex with any whitespace).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct RawBytes(pub Bytes);

impl RawBytes {
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(self.0.len() * 2);
        for b in &self.0 {
            let _ = write!(s, "{b:02x}");
        }
        s
    }

    /// Parses hex, ignoring ASCII whitespace.
    pub fn from_hex(text: &str) -> Result<Self, HexError> {
        decode_hex(text).map(|v| RawBytes(Bytes::from(v)))
    }
}

/// Invalid hex text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    /// A character that is neither a hex digit nor whitespace.
    #[error("invalid hex character {ch:?} at position {pos}")]
    BadChar {
        /// The character.
        ch: char,
        /// Its character position.
        pos: usize,
    },
    /// An odd number of hex digits.
    #[error("odd number of hex digits")]
    Odd,
}

/// Decodes hex text (ASCII whitespace ignored).
pub fn decode_hex(text: &str) -> Result<Vec<u8>, HexError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (pos, ch) in text.chars().enumerate() {
        if ch.is_ascii_whitespace() {
            continue;
        }
        let Some(d) = ch.to_digit(16) else {
            return Err(HexError::BadChar { ch, pos });
        };
        // to_digit(16) is at most 15.
        let d = u8::try_from(d).unwrap_or(0);
        match high.take() {
            None => high = Some(d),
            Some(h) => out.push((h << 4) | d),
        }
    }
    if high.is_some() {
        return Err(HexError::Odd);
    }
    Ok(out)
}

impl fmt::Debug for RawBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "hex:{}", self.to_hex())
    }
}

impl From<Bytes> for RawBytes {
    fn from(b: Bytes) -> Self {
        RawBytes(b)
    }
}

impl From<&[u8]> for RawBytes {
    fn from(b: &[u8]) -> Self {
        RawBytes(Bytes::copy_from_slice(b))
    }
}

impl Serialize for RawBytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for RawBytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RawBytes::from_hex(&s).map_err(de::Error::custom)
    }
}

/// A floating field this library does not know for this message: kept and written back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawField {
    /// The floating tag.
    pub tag: u16,
    /// The field data.
    #[serde(rename = "data_hex")]
    pub data: RawBytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let r = RawBytes::from(&[0x00, 0xAB, 0x10][..]);
        assert_eq!(r.to_hex(), "00ab10");
        assert_eq!(RawBytes::from_hex(" 00 AB\n10 "), Ok(r));
        assert_eq!(RawBytes::from_hex("0"), Err(HexError::Odd));
        assert!(matches!(
            RawBytes::from_hex("zz"),
            Err(HexError::BadChar { ch: 'z', pos: 0 })
        ));
    }
}
