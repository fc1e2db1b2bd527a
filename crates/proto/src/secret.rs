//! Credentials (ClientPassword, UNSPEC): kept as bytes, never shown in Debug, Display or JSON output.

use std::fmt;

use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The text written in place of a non-empty secret in Debug and JSON output.
pub const REDACTED: &str = "<redacted>";

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
        s.serialize_str(self.shown())
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
        s.serialize_str(self.shown())
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| SecretString(s.into()))
    }
}
