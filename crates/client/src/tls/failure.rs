//! What a failed TLS handshake means, in plain words — the one place where rustls errors become the reason of
//! a [`crate::ClientEvent::AttemptFailed`].
//!
//! | reason starts with | meaning |
//! |---|---|
//! | `unknown CA` | the server's certificate was not issued by a CA of the trust roots |
//! | `name mismatch` | the certificate does not carry the name the client verifies (see `server_name`) |
//! | `certificate expired` / `certificate not yet valid` | outside its validity period (or a clock is wrong) |
//! | `pin mismatch` | the certificate is not one of the pinned ones |
//! | `client certificate required` | the server asks for a client certificate and none is configured |
//! | `client certificate refused` | the server did not accept the configured client certificate |
//! | `protocol version` | no TLS version in common (the client speaks TLS 1.2 and 1.3) |
//! | `not TLS` | the server did not answer in TLS (a plain-TCP port?) |
//! | `closed during the TLS handshake` | the server hung up mid-handshake |

use std::io;

use rustls::{AlertDescription, CertificateError, Error, PeerIncompatible};

use super::verify::PinMismatch;

/// The plain reason of a handshake (or first read) that failed with `e`; `None` when `e` is no TLS error.
/// `server_name` is the name verified; `client_cert` whether a client certificate is configured.
pub fn describe_io(e: &io::Error, server_name: &str, client_cert: bool) -> Option<String> {
    if let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        return Some(describe(tls, server_name, client_cert));
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => Some(
            "closed during the TLS handshake: the server hung up (a plain-TCP port, or it refused this client)"
                .into(),
        ),
        _ => None,
    }
}

/// The plain reason of a rustls error.
pub fn describe(e: &Error, server_name: &str, client_cert: bool) -> String {
    match e {
        Error::InvalidCertificate(c) => certificate(c, server_name),
        Error::AlertReceived(alert) => received(*alert, client_cert),
        Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13) => {
            protocol_version()
        }
        Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => {
            "not TLS: the server did not answer the TLS handshake (a plain-TCP port?)".into()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

fn protocol_version() -> String {
    "protocol version: the server and this client share no TLS version (the client speaks TLS 1.2 and 1.3)"
        .into()
}

fn certificate(c: &CertificateError, server_name: &str) -> String {
    match c {
        CertificateError::UnknownIssuer => {
            "unknown CA: the server's certificate was not issued by a trusted CA (give its CA with --ca, or pin it)"
                .into()
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!(
                "name mismatch: the server's certificate is not valid for {server_name} (set --server-name to a name it carries)"
            )
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate expired: the server's certificate is past its validity (renew it, or check the clocks)"
                .into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate not yet valid: the server's certificate starts later (check the clocks)".into()
        }
        CertificateError::Other(other) => match other.0.downcast_ref::<PinMismatch>() {
            Some(pin) => pin.to_string(),
            None => format!("bad certificate: {other}"),
        },
        other => format!("bad certificate: {other}"),
    }
}

fn received(alert: AlertDescription, client_cert: bool) -> String {
    match alert {
        AlertDescription::ProtocolVersion => protocol_version(),
        AlertDescription::CertificateRequired
        | AlertDescription::HandshakeFailure
        | AlertDescription::BadCertificate
            if !client_cert =>
        {
            "client certificate required: the server asked for a client certificate and none is configured (--cert, --key)"
                .into()
        }
        AlertDescription::CertificateRequired
        | AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateUnknown
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::AccessDenied => {
            format!("client certificate refused: the server did not accept it ({alert:?})")
        }
        other => format!("TLS handshake failed: the server sent the alert {other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::OtherError;

    use super::*;

    #[test]
    fn every_reason_in_plain_words() {
        let name = "cti-a.example.com";
        let cert = |c| describe(&Error::InvalidCertificate(c), name, false);
        assert!(cert(CertificateError::UnknownIssuer).starts_with("unknown CA: "));
        assert_eq!(
            cert(CertificateError::NotValidForName),
            "name mismatch: the server's certificate is not valid for cti-a.example.com (set --server-name to a name it carries)"
        );
        assert!(cert(CertificateError::Expired).starts_with("certificate expired: "));
        assert!(cert(CertificateError::NotValidYet).starts_with("certificate not yet valid: "));
        let pin = CertificateError::Other(OtherError(Arc::new(PinMismatch {
            presented: "ab".into(),
        })));
        assert_eq!(
            cert(pin),
            "pin mismatch: the server's certificate has SHA-256 ab, which is not pinned"
        );
        let alert = |a, c| describe(&Error::AlertReceived(a), name, c);
        assert!(
            alert(AlertDescription::CertificateRequired, false)
                .starts_with("client certificate required: ")
        );
        assert!(
            alert(AlertDescription::UnknownCA, true).starts_with("client certificate refused: ")
        );
        assert!(alert(AlertDescription::ProtocolVersion, true).starts_with("protocol version: "));
        let eof = io::Error::from(io::ErrorKind::UnexpectedEof);
        assert!(
            describe_io(&eof, name, false)
                .unwrap()
                .starts_with("closed during the TLS handshake")
        );
        assert_eq!(
            describe_io(&io::Error::other("x"), name, false),
            None,
            "not a TLS error"
        );
    }
}
