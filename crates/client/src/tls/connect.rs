//! [`TlsConnect`]: a [`TlsConfig`] made ready — files read, the rustls configuration built (ring provider) —
//! and the handshake of one attempt.

use std::sync::Arc;

use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::verify::{Pinned, SkipVerify};
use super::{SYSTEM_CA_BUNDLE, TlsConfig, failure, load, parse_pin};
use crate::schedule::Side;

/// The TLS side of a client, ready to connect. Cheap to clone; its `Debug` shows no key material.
#[derive(Clone)]
pub struct TlsConnect {
    connector: TlsConnector,
    cfg: TlsConfig,
}

impl std::fmt::Debug for TlsConnect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConnect")
            .field("config", &self.cfg)
            .finish_non_exhaustive()
    }
}

impl TlsConnect {
    /// Reads the files `cfg` names and builds the rustls client configuration.
    pub fn new(cfg: &TlsConfig) -> Result<TlsConnect, String> {
        cfg.validate()?;
        #[allow(
            deprecated,
            reason = "rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); ring keeps the cold build practical (aws-lc-rs needs a C/cmake build) and the CTI Server speaks TLS 1.2"
        )]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let algorithms = provider.signature_verification_algorithms;
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = if !cfg.pin_sha256.is_empty() {
            let pins = cfg
                .pin_sha256
                .iter()
                .map(|p| parse_pin(p))
                .collect::<Result<Vec<_>, _>>()?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Pinned { pins, algorithms }))
        } else if cfg.insecure_skip_verify {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(SkipVerify { algorithms }))
        } else {
            let bundle = cfg.ca.clone().unwrap_or_else(|| SYSTEM_CA_BUNDLE.into());
            builder.with_root_certificates(load::roots(&bundle)?)
        };
        let config = match (&cfg.cert, &cfg.key) {
            (Some(cert), Some(key)) => {
                let chain = load::certificates(cert)?;
                let key_der = load::private_key(key)?;
                builder
                    .with_client_auth_cert(chain, key_der)
                    .map_err(|e| format!("{}: {e}", cert.display()))?
            }
            _ => builder.with_no_client_auth(),
        };
        Ok(TlsConnect {
            connector: TlsConnector::from(Arc::new(config)),
            cfg: cfg.clone(),
        })
    }

    /// True when `side` connects with TLS.
    pub fn on(&self, side: Side) -> bool {
        self.cfg.on(side)
    }

    /// The name verified in `side`'s certificate when it is reached at `host`.
    pub fn server_name(&self, side: Side, host: &str) -> String {
        let configured = match side {
            Side::A => self.cfg.server_name.as_ref(),
            Side::B => self
                .cfg
                .server_name_b
                .as_ref()
                .or(self.cfg.server_name.as_ref()),
        };
        configured.cloned().unwrap_or_else(|| host.to_owned())
    }

    /// The TLS handshake on `tcp` to `side` at `host`; the error is the plain reason of [`failure`].
    pub(crate) async fn handshake(
        &self,
        side: Side,
        host: &str,
        tcp: TcpStream,
    ) -> Result<TlsStream<TcpStream>, String> {
        let name_text = self.server_name(side, host);
        let name = ServerName::try_from(name_text.clone())
            .map_err(|_| format!("{name_text:?} is not a valid TLS server name"))?;
        if self.cfg.insecure_skip_verify {
            tracing::warn!(
                "TLS to side {} ({host}): insecure_skip_verify is set: the server's certificate is NOT verified",
                side.name()
            );
        }
        self.connector.connect(name, tcp).await.map_err(|e| {
            failure::describe_io(&e, &name_text, self.client_cert())
                .unwrap_or_else(|| format!("TLS handshake failed: {e}"))
        })
    }

    /// Whether a client certificate is configured.
    pub(crate) fn client_cert(&self) -> bool {
        self.cfg.cert.is_some()
    }
}
