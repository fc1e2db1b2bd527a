//! A TLS side of the simulator: it serves TLS clients with a client certificate from its client CA, and
//! refuses — one info line each, an entry in the conformance report — a plain-TCP client and a TLS client
//! without a certificate, while it goes on serving the others.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use bytes::BytesMut;
use cti_proto::{FrameDecoder, Message};
use cti_sim::config::ServeTls;
use cti_sim::tls::pki::TestCa;
use cti_sim::{Side, Simulator};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use support::{Peer, all_events};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Everything logged at info and above while the guard lives (this thread: a current-thread runtime).
fn capture() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Arc::new(Mutex::new(Vec::new()));
    let sink = Sink(buf.clone());
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(move || sink.clone())
        .finish();
    (buf, tracing::subscriber::set_default(subscriber))
}

fn lines(buf: &Mutex<Vec<u8>>) -> Vec<String> {
    String::from_utf8_lossy(&buf.lock().unwrap())
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| l.contains("refused the connection"))
        .collect()
}

struct Files {
    dir: std::path::PathBuf,
    ca: TestCa,
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Files {
    fn new(test: &str) -> Files {
        let dir =
            std::env::temp_dir().join(format!("ctikit-sim-tls-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Files {
            dir,
            ca: TestCa::new("site CA").unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn serve(&self) -> ServeTls {
        let server = self.ca.server(&["127.0.0.1"]).unwrap();
        ServeTls {
            cert: self.write("server.pem", &server.cert_pem),
            key: self.write("server.key", &server.key_pem),
            client_ca: Some(self.write("ca.pem", self.ca.cert_pem())),
        }
    }

    /// A rustls client trusting the site CA, with a client certificate when `with_cert`.
    fn client(&self, with_cert: bool) -> tokio_rustls::TlsConnector {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(self.ca.cert_pem().as_bytes()).unwrap())
            .unwrap();
        #[allow(
            deprecated,
            reason = "rustls 0.23.48 deprecates ring's provider (no post-quantum key exchange); ring keeps the cold build practical (aws-lc-rs needs a C/cmake build) and the CTI Server speaks TLS 1.2"
        )]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
        let config = if with_cert {
            let me = self.ca.client("recorder").unwrap();
            builder
                .with_client_auth_cert(
                    vec![CertificateDer::from_pem_slice(me.cert_pem.as_bytes()).unwrap()],
                    PrivateKeyDer::from_pem_slice(me.key_pem.as_bytes()).unwrap(),
                )
                .unwrap()
        } else {
            builder.with_no_client_auth()
        };
        tokio_rustls::TlsConnector::from(Arc::new(config))
    }
}

type Tls = tokio_rustls::client::TlsStream<tokio::net::TcpStream>;

/// Opens a session over TLS: the first message the side answers with, and the connection.
async fn open_over_tls(connector: &tokio_rustls::TlsConnector, sim: &Simulator) -> (Message, Tls) {
    let tcp = tokio::net::TcpStream::connect(sim.addr(Side::A))
        .await
        .unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let open = Message::from(all_events(24)).to_bytes(24).unwrap();
    tls.write_all(&open).await.unwrap();
    let (mut buf, mut frames) = (BytesMut::new(), FrameDecoder::default());
    loop {
        if let Some(f) = frames.decode(&mut buf).unwrap() {
            return (Message::decode(&f, 24).unwrap(), tls);
        }
        assert!(tls.read_buf(&mut buf).await.unwrap() > 0, "closed");
    }
}

#[tokio::test]
async fn a_tls_side_refuses_plain_and_certificate_less_clients_and_serves_the_others() {
    let (logged, _guard) = capture();
    let files = Files::new("refuse");
    let sim = Simulator::builder()
        .calls_per_second(0.0)
        .tls_side(Side::A, files.serve())
        .start()
        .await
        .unwrap();
    let good = files.client(true);
    let (first, _first_conn) = open_over_tls(&good, &sim).await;
    assert!(matches!(first, Message::OpenConf(_)), "{first:?}");

    // A plain-TCP client: its OPEN_REQ is no TLS handshake.
    let mut plain = Peer::connect(sim.addr(Side::A)).await;
    let plain_addr = plain.stream.local_addr().unwrap();
    plain.send(all_events(24)).await;
    let mut rest = Vec::new();
    let _ = plain.stream.read_to_end(&mut rest).await;
    assert!(
        !rest.is_empty() && rest[0] == 0x15,
        "a TLS alert record, then the close: {rest:?}"
    );

    // A TLS client without a certificate: refused during the handshake.
    let tcp = tokio::net::TcpStream::connect(sim.addr(Side::A))
        .await
        .unwrap();
    let no_cert_addr = tcp.local_addr().unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    assert!(files.client(false).connect(name, tcp).await.is_err());

    // The side still serves TLS clients with a certificate.
    let (second, _second_conn) = open_over_tls(&good, &sim).await;
    assert!(matches!(second, Message::OpenConf(_)), "{second:?}");
    assert_eq!(sim.handle().sessions().len(), 2);

    assert_eq!(
        lines(&logged),
        [
            format!(
                "INFO side A: refused the connection from {plain_addr}: not TLS: a plain-TCP client on a TLS side (its first bytes are no TLS handshake)"
            ),
            format!(
                "INFO side A: refused the connection from {no_cert_addr}: no client certificate (this side requires one issued by its client CA)"
            ),
        ]
    );
    let refused = sim.handle().conformance().refused_connections;
    let summary: Vec<_> = refused
        .iter()
        .map(|r| (r.side, r.peer.clone(), r.reason.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                Side::A,
                plain_addr.to_string(),
                "not TLS: a plain-TCP client on a TLS side (its first bytes are no TLS handshake)"
                    .to_owned()
            ),
            (
                Side::A,
                no_cert_addr.to_string(),
                "no client certificate (this side requires one issued by its client CA)".to_owned()
            ),
        ]
    );
}
