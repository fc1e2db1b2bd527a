//! Credentials (ClientPassword, UNSPEC): kept as bytes, never shown in Debug, Display or JSON output — except
//! in JSON written inside [`reveal`], which a tool such as `cti decode --show-secrets` asks for explicitly.
//!
//! The encoder refuses a credential whose value is the placeholder [`REDACTED`] (an
//! [`EncodeErrorKind::RedactedPlaceholder`](crate::EncodeErrorKind::RedactedPlaceholder) naming the field): that
//! value comes from redacted JSON fed back, never from a user, and sending it as the password is always wrong.

use std::cell::Cell;
use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text written in place of a non-empty secret in Debug and JSON output.
pub const REDACTED: &str = "<redacted>";

thread_local! {
    /// True while [`reveal`] runs on this thread.
    static REVEALED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with the JSON form of every [`Secret`] and [`SecretString`] serialized on this thread showing the
/// credential itself instead of [`REDACTED`] (text: UTF-8 when valid, otherwise each byte read as Latin-1).
/// `Debug` stays redacted. Only for output the user asked to contain credentials.
pub fn reveal<R>(f: impl FnOnce() -> R) -> R {
    /// Puts the previous state back, even if `f` unwinds.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REVEALED.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(REVEALED.with(|r| r.replace(true)));
    f()
}

pub(crate) fn revealed() -> bool {
    REVEALED.with(Cell::get)
}

/// True when `bytes` is the redaction placeholder: such a credential must not be encoded.
pub(crate) fn is_placeholder(bytes: &[u8]) -> bool {
    bytes == REDACTED.as_bytes()
}

/// A credential. `Debug` and the JSON form show [`REDACTED`] (or `""` when empty); only
/// [`Secret::expose`] gives the bytes. JSON input accepts the real value as a string.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(Bytes);

impl Secret {
    /// Wraps a credential.
    pub fn new(b: impl Into<Bytes>) -> Self {
        Secret(b.into())
    }

    /// The credential bytes, for the wire.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when empty (an empty ClientPassword is normal).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn shown(&self) -> &'static str {
        if self.0.is_empty() { "" } else { REDACTED }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?})", self.shown())
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if revealed() {
            s.serialize_str(&crate::string::CtiString::from_bytes(self.0.clone()).to_str())
        } else {
            s.serialize_str(self.shown())
        }
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Secret(Bytes::from(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_shown() {
        let s = Secret::from("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(\"<redacted>\")");
        assert_eq!(
            serde_json::to_string(&s).ok().as_deref(),
            Some("\"<redacted>\"")
        );
        assert_eq!(s.expose(), b"hunter2");
        assert_eq!(format!("{:?}", Secret::default()), "Secret(\"\")");
    }

    #[test]
    fn revealed_only_inside_reveal() {
        let s = Secret::from("hunter2");
        let a = SecretString::from("1234");
        let json = || serde_json::to_string(&(&s, &a)).ok();
        assert_eq!(reveal(json).as_deref(), Some("[\"hunter2\",\"1234\"]"));
        assert_eq!(json().as_deref(), Some("[\"<redacted>\",\"<redacted>\"]"));
        assert_eq!(reveal(|| format!("{s:?}")), "Secret(\"<redacted>\")");
        // Nested calls restore the outer state.
        assert_eq!(
            reveal(|| (reveal(|| serde_json::to_string(&s).ok()), json())),
            (
                Some("\"hunter2\"".to_owned()),
                Some("[\"hunter2\",\"1234\"]".to_owned())
            )
        );
    }
}

/// A credential sent as a STRING (NUL-terminated), e.g. AgentPassword: redacted like [`Secret`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(pub(crate) crate::string::CtiString);

impl SecretString {
    /// Wraps a credential.
    pub fn new(s: impl Into<crate::string::CtiString>) -> Self {
        SecretString(s.into())
    }

    /// The credential, for the wire.
    pub fn expose(&self) -> &crate::string::CtiString {
        &self.0
    }

    fn shown(&self) -> &'static str {
        if self.0.is_empty() { "" } else { REDACTED }
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretString({:?})", self.shown())
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        SecretString(s.into())
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if revealed() {
            s.serialize_str(&self.0.to_str())
        } else {
            s.serialize_str(self.shown())
        }
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| SecretString(s.into()))
    }
}
