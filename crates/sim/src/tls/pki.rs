//! Throwaway certificates (rcgen): a CA, server certificates for the names a side is reached by, client
//! certificates, and ones that must fail (expired, another name). For `cti sim --tls-self-signed`, `cti demo
//! --tls` and tests — never for production, where the CTI Server's certificates come from CiscoCertUtil.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A certificate and its private key, PEM (the key PKCS#8).
#[derive(Clone)]
pub struct Issued {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
    /// The certificate, DER (what a pin's SHA-256 is taken of).
    pub cert_der: Vec<u8>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// What is wrong with a certificate made on purpose to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Validity {
    /// Valid from 1975 to 4096 (rcgen's defaults).
    Current,
    /// Valid in 2000 only.
    Expired,
    /// Valid from 4000 on.
    NotYetValid,
}

/// A certificate authority that lives in memory.
pub struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    cert_pem: String,
}

impl std::fmt::Debug for TestCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestCa")
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl TestCa {
    /// A new CA with this common name (ECDSA P-256).
    pub fn new(common_name: &str) -> Result<TestCa, rcgen::Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate()?;
        let cert = params.self_signed(&key)?;
        Ok(TestCa {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate, PEM (what a client trusts with `--ca`, or a side with `--tls-client-ca`).
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A server certificate for `names` (IP addresses or DNS names), currently valid.
    pub fn server(&self, names: &[&str]) -> Result<Issued, rcgen::Error> {
        self.issue(
            names,
            ExtendedKeyUsagePurpose::ServerAuth,
            Validity::Current,
        )
    }

    /// A server certificate for `names` with the given validity.
    pub fn server_with(&self, names: &[&str], validity: Validity) -> Result<Issued, rcgen::Error> {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth, validity)
    }

    /// A client certificate with this common name.
    pub fn client(&self, common_name: &str) -> Result<Issued, rcgen::Error> {
        self.issue(
            &[common_name],
            ExtendedKeyUsagePurpose::ClientAuth,
            Validity::Current,
        )
    }

    fn issue(
        &self,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
        validity: Validity,
    ) -> Result<Issued, rcgen::Error> {
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names.clone())?;
        if let Some(first) = names.first() {
            params
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        params.extended_key_usages = vec![usage];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        match validity {
            Validity::Current => {}
            Validity::Expired => {
                params.not_before = rcgen::date_time_ymd(2000, 1, 1);
                params.not_after = rcgen::date_time_ymd(2000, 12, 31);
            }
            Validity::NotYetValid => {
                params.not_before = rcgen::date_time_ymd(4000, 1, 1);
                params.not_after = rcgen::date_time_ymd(4001, 1, 1);
            }
        }
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            cert_der: cert.der().to_vec(),
        })
    }
}

/// The files `cti sim --tls-self-signed DIR` writes.
#[derive(Debug, Clone)]
pub struct SelfSignedFiles {
    /// The CA certificate (the client's `--ca`; also the side's client CA).
    pub ca: PathBuf,
    /// The server certificate, for 127.0.0.1 and localhost.
    pub server_cert: PathBuf,
    /// Its key.
    pub server_key: PathBuf,
    /// A client certificate (CN `ctikit-client`).
    pub client_cert: PathBuf,
    /// Its key.
    pub client_key: PathBuf,
}

/// Makes a throwaway CA, a server certificate for 127.0.0.1 and localhost and a client certificate, and
/// writes them as PEM into `dir` (created when missing; keys readable by the owner only on Unix).
pub fn write_self_signed(dir: &Path) -> std::io::Result<SelfSignedFiles> {
    let err = |e: rcgen::Error| std::io::Error::other(format!("making a certificate: {e}"));
    let ca = TestCa::new("ctikit throwaway CA").map_err(err)?;
    let server = ca.server(&["127.0.0.1", "localhost"]).map_err(err)?;
    let client = ca.client("ctikit-client").map_err(err)?;
    std::fs::create_dir_all(dir)?;
    let files = SelfSignedFiles {
        ca: dir.join("ca.pem"),
        server_cert: dir.join("server.pem"),
        server_key: dir.join("server.key"),
        client_cert: dir.join("client.pem"),
        client_key: dir.join("client.key"),
    };
    std::fs::write(&files.ca, ca.cert_pem())?;
    std::fs::write(&files.server_cert, &server.cert_pem)?;
    write_key(&files.server_key, &server.key_pem)?;
    std::fs::write(&files.client_cert, &client.cert_pem)?;
    write_key(&files.client_key, &client.key_pem)?;
    Ok(files)
}

/// Writes a private key, readable by its owner only where the platform allows it.
fn write_key(path: &Path, pem: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    std::io::Write::write_all(&mut options.open(path)?, pem.as_bytes())
}
