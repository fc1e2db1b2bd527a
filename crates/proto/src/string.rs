//! STRING values (§2): NUL-terminated on the wire, the maximum length includes the NUL.
//!
//! Reading is lenient (K13/K19): the value ends at the first NUL or at the end of the field, so strings sent
//! without a NUL are accepted. Writing is strict: the NUL is always written and a value that does not fit its
//! maximum is an error. The bytes are kept as received (no re-encoding), so nothing is lost even when a peer
//! sends bytes that are not UTF-8; [`CtiString::to_str`] shows such values as Latin-1.
//!
//! Most CTI values are short (extensions, ids, ANI, call variables), so values of up to [`INLINE_CAPACITY`]
//! bytes are stored inline: decoding them copies a few bytes instead of sharing the receive buffer, and
//! dropping them is free.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The longest value stored inline.
pub const INLINE_CAPACITY: usize = 30;

#[derive(Clone)]
enum Repr {
    Inline { len: u8, buf: [u8; INLINE_CAPACITY] },
    Shared(Bytes),
}

/// A GED-188 STRING value (without its terminating NUL). Cloning is cheap.
#[derive(Clone)]
pub struct CtiString(Repr);

impl CtiString {
    /// A string from a `'static` literal, without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        CtiString(Repr::Shared(Bytes::from_static(s.as_bytes())))
    }

    /// Wraps raw bytes (which should not contain NUL).
    pub fn from_bytes(b: impl Into<Bytes>) -> Self {
        let b = b.into();
        match Self::inline(&b) {
            Some(s) => s,
            None => CtiString(Repr::Shared(b)),
        }
    }

    fn inline(data: &[u8]) -> Option<Self> {
        let len = u8::try_from(data.len())
            .ok()
            .filter(|l| usize::from(*l) <= INLINE_CAPACITY)?;
        let mut buf = [0u8; INLINE_CAPACITY];
        buf.get_mut(..data.len())?.copy_from_slice(data);
        Some(CtiString(Repr::Inline { len, buf }))
    }

    /// The value of a floating field's data (everything before the first NUL); `share` gives the data as a
    /// shared `Bytes` for values too long to store inline.
    pub(crate) fn from_field(data: &[u8], share: impl FnOnce(usize) -> Bytes) -> Self {
        let n = data.iter().position(|&b| b == 0).unwrap_or(data.len());
        let value = data.get(..n).unwrap_or(data);
        match Self::inline(value) {
            Some(s) => s,
            None => CtiString(Repr::Shared(share(n))),
        }
    }

    /// The raw bytes (no NUL).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => buf.get(..usize::from(*len)).unwrap_or(buf),
            Repr::Shared(b) => b,
        }
    }

    /// The value as `&str` when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self.as_bytes()).ok()
    }

    /// The value as text: UTF-8 when valid, otherwise each byte read as Latin-1.
    pub fn to_str(&self) -> Cow<'_, str> {
        let b = self.as_bytes();
        match std::str::from_utf8(b) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(b.iter().map(|&c| char::from(c)).collect()),
        }
    }

    /// Length in bytes without the NUL.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes this value takes on the wire, NUL included.
    pub(crate) fn wire_len(&self) -> usize {
        self.len() + 1
    }
}

impl Default for CtiString {
    fn default() -> Self {
        CtiString(Repr::Inline {
            len: 0,
            buf: [0; INLINE_CAPACITY],
        })
    }
}

impl PartialEq for CtiString {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CtiString {}

impl Hash for CtiString {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

impl PartialOrd for CtiString {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CtiString {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
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
        Self::inline(s.as_bytes())
            .unwrap_or_else(|| CtiString(Repr::Shared(Bytes::copy_from_slice(s.as_bytes()))))
    }
}

impl From<String> for CtiString {
    fn from(s: String) -> Self {
        Self::inline(s.as_bytes()).unwrap_or_else(|| CtiString(Repr::Shared(Bytes::from(s))))
    }
}

impl PartialEq<str> for CtiString {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<&str> for CtiString {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
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

    fn wire(b: &'static [u8]) -> CtiString {
        let bytes = Bytes::from_static(b);
        CtiString::from_field(b, |n| bytes.slice(..n))
    }

    #[test]
    fn reads_up_to_the_first_nul_or_the_end() {
        assert_eq!(wire(b"3001\0"), "3001");
        assert_eq!(wire(b"3001"), "3001");
        assert_eq!(wire(b"ab\0cd\0"), "ab");
        assert_eq!(wire(b"\0"), "");
        assert_eq!(CtiString::from("x").wire_len(), 2);
    }

    #[test]
    fn long_values_are_shared_and_equal_to_inline_ones() {
        let long = wire(b"0123456789012345678901234567890123456789\0");
        assert_eq!(long.len(), 40);
        assert!(matches!(long.0, Repr::Shared(_)));
        assert_eq!(
            long,
            CtiString::from("0123456789012345678901234567890123456789")
        );
        let short = wire(b"012345678901234567890123456789");
        assert!(matches!(short.0, Repr::Inline { len: 30, .. }));
        assert_eq!(
            short,
            CtiString::from_static("012345678901234567890123456789")
        );
        // 30 inline bytes + length + tag; Option adds no space.
        assert_eq!(
            std::mem::size_of::<Option<CtiString>>(),
            std::mem::size_of::<CtiString>()
        );
        assert!(std::mem::size_of::<CtiString>() <= 40);
    }

    #[test]
    fn non_utf8_is_kept_and_shown_as_latin1() {
        let s = wire(b"Jos\xe9");
        assert_eq!(s.as_bytes(), b"Jos\xe9");
        assert_eq!(s.as_str(), None);
        assert_eq!(s.to_str(), "José");
    }
}
