//! Reading the PEM files of a [`super::TlsConfig`]: CA bundles, certificate chains, private keys (PKCS#8,
//! PKCS#1, SEC1). Errors name the file and what was wrong with it, never the key's bytes.

use std::path::Path;

use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// Every certificate of a PEM file.
pub(crate) fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let shown = path.display();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{shown}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{shown}: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "{shown}: no PEM certificate (BEGIN CERTIFICATE) in it"
        ));
    }
    Ok(certs)
}

/// The trust roots of a PEM bundle.
pub(crate) fn roots(path: &Path) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    let (added, _ignored) = store.add_parsable_certificates(certificates(path)?);
    if added == 0 {
        return Err(format!(
            "{}: none of its certificates can be a trust root",
            path.display()
        ));
    }
    Ok(store)
}

/// The private key of a PEM file (the first PKCS#8, PKCS#1 or SEC1 key in it).
pub(crate) fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| match e {
        rustls_pki_types::pem::Error::NoItemsFound => format!(
            "{}: no private key (PKCS#8, PKCS#1 or SEC1 PEM) in it",
            path.display()
        ),
        // The error of a PEM reader names the section or the I/O problem, never the key's bytes.
        e => format!("{}: {e}", path.display()),
    })
}
