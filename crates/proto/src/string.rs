//! STRING values (§2): NUL-terminated on the wire, the maximum length includes the NUL.
//!
//! Reading is lenient (K13/K19): the value ends at the first NUL or at the end of the field, so strings sent
//! without a NUL are accepted. Writing is strict: the NUL is always written and a value that does not fit its
//! maximum is an error. The bytes are kept as received (no re-encoding), so nothing is lost even when a peer
//! sends bytes that are not UTF-8; [`CtiString::to_str`] shows such values as Latin-1.

use std::borrow::Cow;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A GED-188 STRING value (without its terminating NUL). Cloning is cheap (shared buffer).
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CtiString(Bytes);

impl CtiString {
    /// A string from a `'static` literal, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        CtiString(Bytes::from_static(s.as_bytes()))
    }

    /// Wraps raw bytes (which should not contain NUL).
    pub fn from_bytes(b: impl Into<Bytes>) -> Self {
        CtiString(b.into())
    }

    /// The value of a floating field's data: everything before the first NUL.
    pub(crate) fn from_wire(data: Bytes) -> Self {
        match data.iter().position(|&b| b == 0) {
            Some(n) => CtiString(data.slice(..n)),
            None => CtiString(data),
        }
    }

    /// The raw bytes (no NUL).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as `&str` when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The value as text: UTF-8 when valid, otherwise each byte read as Latin-1.
    pub fn to_str(&self) -> Cow<'_, str> {
        match std::str::from_utf8(&self.0) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(self.0.iter().map(|&b| char::from(b)).collect()),
        }
    }

    /// Length in bytes without the NUL.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Bytes this value takes on the wire, NUL included.
    pub(crate) fn wire_len(&self) -> usize {
        self.0.len() + 1
    }
}

impl fmt::Debug for CtiString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.to_str(), f)
    }
}

impl fmt::Display for CtiString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_str())
    }
}

impl From<&str> for CtiString {
    fn from(s: &str) -> Self {
        CtiString(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for CtiString {
    fn from(s: String) -> Self {
        CtiString(Bytes::from(s))
    }
}

impl PartialEq<str> for CtiString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for CtiString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl Serialize for CtiString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_str())
    }
}

impl<'de> Deserialize<'de> for CtiString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(CtiString::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_first_nul_or_the_end() {
        assert_eq!(CtiString::from_wire(Bytes::from_static(b"3001\0")), "3001");
        assert_eq!(CtiString::from_wire(Bytes::from_static(b"3001")), "3001");
        assert_eq!(CtiString::from_wire(Bytes::from_static(b"ab\0cd\0")), "ab");
        assert_eq!(CtiString::from_wire(Bytes::from_static(b"\0")), "");
        assert_eq!(CtiString::from("x").wire_len(), 2);
    }

    #[test]
    fn non_utf8_is_kept_and_shown_as_latin1() {
        let s = CtiString::from_wire(Bytes::from_static(b"Jos\xe9"));
        assert_eq!(s.as_bytes(), b"Jos\xe9");
        assert_eq!(s.as_str(), None);
        assert_eq!(s.to_str(), "José");
    }
}
