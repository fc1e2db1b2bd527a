//! A side's TLS acceptor, built from its [`ServeTls`]: TLS 1.2 only (what the CTI Server speaks), the ring
//! provider, client certificates required and verified when a client CA is configured.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::ServeTls;

/// The acceptor of `tls`; the error names the file and what is wrong with it.
pub(crate) fn build(tls: &ServeTls) -> Result<TlsAcceptor, String> {
    #[allow(
        deprecated,
        reason = "rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); ring keeps the cold build practical (aws-lc-rs needs a C/cmake build) and the CTI Server speaks TLS 1.2"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS12])
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            let (added, _) = roots.add_parsable_certificates(certificates(ca)?);
            if added == 0 {
                return Err(format!("{}: no usable CA certificate in it", ca.display()));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("{}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key = PrivateKeyDer::from_pem_file(&tls.key)
        .map_err(|e| format!("{}: no usable private key: {e}", tls.key.display()))?;
    let config = builder
        .with_single_cert(certificates(&tls.cert)?, key)
        .map_err(|e| format!("{}: {e}", tls.cert.display()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no PEM certificate in it", path.display()));
    }
    Ok(certs)
}
