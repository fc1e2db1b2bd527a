//! Certificates for the TLS tests, made at test time (rcgen, through cti_sim::tls::pki) and written as PEM files
//! into a directory of this test alone, removed when the fixture is dropped.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::path::PathBuf;

use cti_client::{ClientConfig, TlsConfig};
use cti_proto::constants::{CTI_SERVICE_ALL_EVENTS, CTI_SERVICE_CLIENT_CONTROL};
use cti_sim::config::ServeTls;
use cti_sim::tls::pki::{Issued, TestCa, Validity};
use cti_sim::{Side, Simulator};

/// A directory of PEM files and the CAs that made them.
pub struct Pki {
    pub dir: PathBuf,
    /// The site's CA: issues the good server certificates and the client certificate.
    pub ca: TestCa,
    /// A CA nobody trusts.
    pub other_ca: TestCa,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Pki {
    /// Fresh CAs and a directory named for `test`.
    pub fn new(test: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("ctikit-tls-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pki = Pki {
            dir,
            ca: TestCa::new("site CA").unwrap(),
            other_ca: TestCa::new("other CA").unwrap(),
        };
        pki.write("ca.pem", pki.ca.cert_pem());
        pki
    }

    /// Writes `text` to `name` in the directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The site CA's PEM file.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// Writes a certificate and its key as `NAME.pem` and `NAME.key`.
    pub fn files(&self, name: &str, issued: &Issued) -> (PathBuf, PathBuf) {
        (
            self.write(&format!("{name}.pem"), &issued.cert_pem),
            self.write(&format!("{name}.key"), &issued.key_pem),
        )
    }

    /// What a side serves: `issued`, and client certificates required from the site CA when `mutual`.
    pub fn serve(&self, name: &str, issued: &Issued, mutual: bool) -> ServeTls {
        let (cert, key) = self.files(name, issued);
        ServeTls {
            cert,
            key,
            client_ca: mutual.then(|| self.ca_file()),
        }
    }

    /// A good server certificate of the site CA for 127.0.0.1.
    pub fn good_server(&self) -> Issued {
        self.ca.server(&["127.0.0.1", "localhost"]).unwrap()
    }

    /// A server certificate that fails in the way `bad` says.
    pub fn bad_server(&self, bad: Bad) -> Issued {
        match bad {
            Bad::UnknownCa => self.other_ca.server(&["127.0.0.1"]).unwrap(),
            Bad::Expired => self
                .ca
                .server_with(&["127.0.0.1"], Validity::Expired)
                .unwrap(),
            Bad::OtherName => self.ca.server(&["cti-b.example.com"]).unwrap(),
        }
    }

    /// The client's TLS: the site CA, and the client certificate when `with_cert`.
    pub fn client_tls(&self, with_cert: bool) -> TlsConfig {
        let (cert, key) = if with_cert {
            let (c, k) = self.files("client", &self.ca.client("recorder").unwrap());
            (Some(c), Some(k))
        } else {
            (None, None)
        };
        TlsConfig {
            ca: Some(self.ca_file()),
            cert,
            key,
            ..TlsConfig::default()
        }
    }
}

/// How a server certificate is wrong.
#[derive(Debug, Clone, Copy)]
pub enum Bad {
    UnknownCa,
    Expired,
    OtherName,
}

/// A quiet simulator whose sides serve `a` and `b` (plain TCP for none), side A active.
pub async fn sim(a: Option<ServeTls>, b: Option<ServeTls>) -> Simulator {
    sim_active(a, b, Side::A).await
}

/// A quiet simulator whose sides serve `a` and `b`, with `active` the active side.
pub async fn sim_active(a: Option<ServeTls>, b: Option<ServeTls>, active: Side) -> Simulator {
    let mut cfg = cti_sim::SimConfig::loopback();
    cfg.traffic.calls_per_second = 0.0;
    cfg.active_side = active;
    cfg.tls_a = a;
    cfg.tls_b = b;
    Simulator::builder().config(cfg).start().await.unwrap()
}

/// A client of both sides of `sim` with `tls`.
pub fn config(sim: &Simulator, tls: TlsConfig, heartbeat: i64) -> ClientConfig {
    ClientConfig::builder(sim.addr(Side::A).to_string())
        .side_b(sim.addr(Side::B).to_string())
        .credentials("ctikit-tls", "")
        .services(CTI_SERVICE_ALL_EVENTS | CTI_SERVICE_CLIENT_CONTROL)
        .heartbeat_secs(heartbeat)
        .tls(tls)
        .build()
        .unwrap()
}
