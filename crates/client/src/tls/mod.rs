//! TLS to the CTI Server's secured ports (UCCE 12.0 and later: 42030 on side A, 43030 on side B by default,
//! TLS 1.2, certificates made by CiscoCertUtil).
//!
//! [`TlsConfig`] is the serde part of [`crate::ClientConfig`] (the `[tls]` table of a profile); at
//! [`crate::Client::start`] it becomes a [`TlsConnect`] (files read once, the rustls configuration built once),
//! which the driver uses for every attempt on a side that has TLS on. How the server is trusted, one of:
//!
//! * CA trust (the default): the server's chain must lead to a root of [`TlsConfig::ca`] (a PEM bundle), or of the
//!   system's bundle [`SYSTEM_CA_BUNDLE`] when no `ca` is given, and carry the name the client verifies;
//! * pinning ([`TlsConfig::pin_sha256`]): the server's end-entity certificate must be one of the pinned ones
//!   (SHA-256 of its DER); no CA, name or validity check — the pin replaces them — but the handshake signatures
//!   are still checked against the pinned certificate's key;
//! * [`TlsConfig::insecure_skip_verify`]: any certificate (the handshake signatures are still checked); a warning
//!   is logged on every connection.
//!
//! A handshake failure is a failed attempt of the 17-step schedule, reported in
//! [`crate::ClientEvent::AttemptFailed`] with the plain reason of [`failure`].

mod connect;
pub mod failure;
mod load;
mod verify;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::schedule::Side;

pub use connect::TlsConnect;

/// Where the system's CA bundle is read from when [`TlsConfig::ca`] is not given (Debian, Ubuntu, Alpine, Arch;
/// read directly rather than through another crate).
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// TLS settings of a client (`[tls]` in a profile). Present = TLS on (for the sides [`TlsConfig::side_a`] and
/// [`TlsConfig::side_b`] say). Only file names are held: key material is read at start and never logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// TLS on side A (default true).
    pub side_a: bool,
    /// TLS on side B (default true).
    pub side_b: bool,
    /// PEM bundle of the CAs (or self-signed certificates) that may issue the server's certificate; the
    /// system's [`SYSTEM_CA_BUNDLE`] when none is given.
    pub ca: Option<PathBuf>,
    /// PEM client certificate (chain) for mutual authentication (with [`TlsConfig::key`]).
    pub cert: Option<PathBuf>,
    /// PEM private key of [`TlsConfig::cert`]: PKCS#8, PKCS#1 (RSA) or SEC1 (EC).
    pub key: Option<PathBuf>,
    /// The name to verify in the server's certificate (e.g. when the server is addressed by IP and its
    /// certificate carries its host name); default: the host of the address.
    pub server_name: Option<String>,
    /// Side B's name to verify, when it differs from side A's [`TlsConfig::server_name`].
    pub server_name_b: Option<String>,
    /// SHA-256 fingerprints (64 hex digits, `:` allowed) of accepted server certificates; replaces CA
    /// verification. Pin both sides' certificates for a duplex server.
    pub pin_sha256: Vec<String>,
    /// Accept any server certificate (a warning is logged on every connection). For tests only.
    pub insecure_skip_verify: bool,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            side_a: true,
            side_b: true,
            ca: None,
            cert: None,
            key: None,
            server_name: None,
            server_name_b: None,
            pin_sha256: Vec::new(),
            insecure_skip_verify: false,
        }
    }
}

impl TlsConfig {
    /// Checks what can be checked without reading files: a certificate with its key, pins that are SHA-256
    /// fingerprints, one way of trusting the server.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.cert, &self.key) {
            (Some(_), None) => return Err("a client certificate needs its key (key)".into()),
            (None, Some(_)) => return Err("a client key needs its certificate (cert)".into()),
            _ => {}
        }
        for pin in &self.pin_sha256 {
            parse_pin(pin)?;
        }
        let pinned = !self.pin_sha256.is_empty();
        if pinned && self.insecure_skip_verify {
            return Err("pin_sha256 and insecure_skip_verify exclude each other".into());
        }
        if pinned && self.ca.is_some() {
            return Err("pin_sha256 replaces CA verification: leave out ca".into());
        }
        if self.insecure_skip_verify && self.ca.is_some() {
            return Err("insecure_skip_verify verifies nothing: leave out ca".into());
        }
        Ok(())
    }

    /// True when `side` connects with TLS.
    pub fn on(&self, side: Side) -> bool {
        match side {
            Side::A => self.side_a,
            Side::B => self.side_b,
        }
    }
}

/// A SHA-256 fingerprint: 64 hex digits, upper or lower case, `:` separators allowed.
pub fn parse_pin(text: &str) -> Result<[u8; 32], String> {
    let digits: Vec<u8> = text.bytes().filter(|b| *b != b':').collect();
    let bad = || format!("pin_sha256 {text:?} is not a SHA-256 fingerprint (64 hex digits)");
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0_u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// SHA-256 of a DER certificate: what [`TlsConfig::pin_sha256`] pins.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let mut out = [0_u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

/// The SHA-256 pin of the first certificate of a PEM file, as lower-case hex.
pub fn pin_of_pem_file(path: &std::path::Path) -> Result<String, String> {
    let certs = load::certificates(path)?;
    let first = certs
        .first()
        .ok_or_else(|| format!("{}: no certificate", path.display()))?;
    Ok(hex(&sha256(first.as_ref())))
}

/// Lower-case hex of `bytes` (how fingerprints are shown).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_64_hex_digits() {
        let hexpin = "00".repeat(31) + "ff";
        assert_eq!(parse_pin(&hexpin).unwrap()[31], 0xff);
        let colons = "AB:".repeat(31) + "CD";
        let p = parse_pin(&colons).unwrap();
        assert_eq!((p[0], p[31]), (0xab, 0xcd));
        assert!(parse_pin("abc").is_err());
        assert!(parse_pin(&"zz".repeat(32)).is_err());
        assert!(parse_pin(&("é".to_owned() + &"0".repeat(62))).is_err());
        assert_eq!(hex(&[0, 0xab, 7]), "00ab07");
    }

    #[test]
    fn one_way_of_trust_and_a_key_with_its_certificate() {
        let ok = TlsConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        let cert_only = TlsConfig {
            cert: Some("c.pem".into()),
            ..TlsConfig::default()
        };
        assert_eq!(
            cert_only.validate(),
            Err("a client certificate needs its key (key)".into())
        );
        let both = TlsConfig {
            pin_sha256: vec!["00".repeat(32)],
            insecure_skip_verify: true,
            ..TlsConfig::default()
        };
        assert_eq!(
            both.validate(),
            Err("pin_sha256 and insecure_skip_verify exclude each other".into())
        );
        let pin_and_ca = TlsConfig {
            pin_sha256: vec!["00".repeat(32)],
            ca: Some("ca.pem".into()),
            ..TlsConfig::default()
        };
        assert!(pin_and_ca.validate().is_err());
    }
}
