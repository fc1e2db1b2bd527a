//! The TLS flags of the commands that open a session (`cti monitor`, `cti agent`, `cti call`). Any of them
//! turns TLS on (on both sides, default ports 42030 / 43030); they override the profile's `[tls]` table.

use std::path::PathBuf;

use clap::Args;
use cti_client::{ClientConfig, TlsConfig};

/// TLS to the CTI Server's secured ports.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// Connect with TLS (default ports 42030 / 43030); the other TLS flags imply it
    #[arg(long, global = true)]
    tls: bool,
    /// PEM bundle of the CA(s) that issued the CTI Server's certificate (default: the system's
    /// /etc/ssl/certs/ca-certificates.crt)
    #[arg(long, value_name = "FILE", global = true)]
    ca: Option<PathBuf>,
    /// PEM client certificate for mutual TLS (with --key)
    #[arg(long, value_name = "FILE", global = true, requires = "key")]
    cert: Option<PathBuf>,
    /// PEM private key of --cert (PKCS#8, PKCS#1 or SEC1)
    #[arg(long, value_name = "FILE", global = true, requires = "cert")]
    key: Option<PathBuf>,
    /// The name to verify in the server's certificate (when the server is addressed by IP)
    #[arg(long, value_name = "NAME", global = true)]
    server_name: Option<String>,
    /// Accept only the server certificate with this SHA-256 (64 hex digits; repeat for side B's); replaces CA
    /// verification
    #[arg(long = "pin-sha256", value_name = "HEX", global = true)]
    pin_sha256: Vec<String>,
    /// Accept any server certificate (logs a warning on every connection; for tests only)
    #[arg(long, global = true)]
    insecure_skip_verify: bool,
}

impl TlsArgs {
    /// True when any TLS flag was given.
    fn any(&self) -> bool {
        self.tls
            || self.ca.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.server_name.is_some()
            || !self.pin_sha256.is_empty()
            || self.insecure_skip_verify
    }

    /// Applies the flags to `config` (on top of its profile's `[tls]`).
    pub fn apply(&self, config: &mut ClientConfig) {
        if !self.any() {
            return;
        }
        let tls = config.tls.get_or_insert_with(TlsConfig::default);
        if self.ca.is_some() {
            tls.ca.clone_from(&self.ca);
        }
        if self.cert.is_some() {
            tls.cert.clone_from(&self.cert);
            tls.key.clone_from(&self.key);
        }
        if self.server_name.is_some() {
            tls.server_name.clone_from(&self.server_name);
        }
        if !self.pin_sha256.is_empty() {
            tls.pin_sha256.clone_from(&self.pin_sha256);
        }
        tls.insecure_skip_verify |= self.insecure_skip_verify;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_turn_tls_on_and_override_the_profile() {
        let mut c = ClientConfig::default();
        TlsArgs::default().apply(&mut c);
        assert_eq!(c.tls, None, "no flag, no TLS");
        let args = TlsArgs {
            tls: true,
            ..TlsArgs::default()
        };
        args.apply(&mut c);
        assert_eq!(c.tls, Some(TlsConfig::default()));
        c.tls = Some(TlsConfig {
            ca: Some("profile-ca.pem".into()),
            server_name: Some("from-profile".into()),
            ..TlsConfig::default()
        });
        let args = TlsArgs {
            ca: Some("flag-ca.pem".into()),
            ..TlsArgs::default()
        };
        args.apply(&mut c);
        let tls = c.tls.unwrap();
        assert_eq!(tls.ca, Some("flag-ca.pem".into()));
        assert_eq!(tls.server_name.as_deref(), Some("from-profile"));
    }
}
