//! Why a side refused a connection during the TLS handshake, in plain words for the log line and the
//! conformance report.

use std::io;

use rustls::{CertificateError, Error};

/// The reason a TLS handshake with a client failed.
pub(crate) fn describe(e: &io::Error) -> String {
    let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) else {
        return match e.kind() {
            io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
                "the client hung up during the TLS handshake".into()
            }
            _ => format!("TLS handshake failed: {e}"),
        };
    };
    match tls {
        Error::NoCertificatesPresented => {
            "no client certificate (this side requires one issued by its client CA)".into()
        }
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "client certificate not issued by this side's client CA".into()
        }
        Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        ) => "client certificate expired or not yet valid".into(),
        Error::InvalidCertificate(other) => format!("bad client certificate: {other}"),
        Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => {
            "not TLS: a plain-TCP client on a TLS side (its first bytes are no TLS handshake)"
                .into()
        }
        Error::AlertReceived(alert) => {
            format!("the client refused this side's certificate or parameters (alert {alert:?})")
        }
        Error::PeerIncompatible(_) => {
            "no TLS version or cipher suite in common (this side speaks TLS 1.2)".into()
        }
        other => format!("TLS handshake failed: {other}"),
    }
}
