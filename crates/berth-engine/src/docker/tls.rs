//! TLS to the engine: the client configuration built from [`TlsSettings`] (rustls with the
//! ring provider), the handshake over a TCP connection, and recognising a TLS failure among
//! the causes of an error so it is reported as one, naming the engine.
//!
//! As the docker CLI: a given CA is the only root the engine's certificate may chain to (no
//! CA: the system's roots); a client certificate is presented when both certificate and key
//! are given; without verification any certificate is accepted, but the handshake's
//! signatures are still checked. TLS 1.2 is the minimum.

use std::error::Error as StdError;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::registry_tls::TrustSources;
use crate::connect::{EngineHost, TlsSettings};
use crate::error::{EngineError, EngineResult};

/// A ready TLS client for one engine address.
#[derive(Clone)]
pub(crate) struct Tls {
    connector: tokio_rustls::TlsConnector,
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

impl Tls {
    /// The TLS client for `host` from `settings`, reading the certificate files; `None` for a
    /// unix socket, which the docker CLI never wraps in TLS (it still reads the files, so a
    /// missing one is an error there too).
    pub(crate) fn for_host(settings: &TlsSettings, host: &EngineHost) -> EngineResult<Option<Self>> {
        let config = client_config(settings)?;
        let EngineHost::Tcp(addr) = host else { return Ok(None) };
        let name = host_part(addr);
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|e| EngineError::invalid(format!("engine host {host}: {name:?} is not a valid TLS server name: {e}")))?;
        Ok(Some(Self { connector: tokio_rustls::TlsConnector::from(Arc::new(config)), server_name }))
    }

    /// Connects to `addr` and performs the handshake.
    pub(crate) async fn connect(&self, addr: &str) -> std::io::Result<TlsStream<TcpStream>> {
        let tcp = TcpStream::connect(addr).await?;
        // Requests are small and answered at once: do not hold them back.
        tcp.set_nodelay(true)?;
        self.connector.connect(self.server_name.clone(), tcp).await
    }
}

/// The host of `host:port` (`[v6]:port` gives `v6`).
pub(crate) fn host_part(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(h, _)| h);
    }
    addr.rsplit_once(':').map_or(addr, |(h, _)| h)
}

/// A file of the TLS settings, read, with its role for messages.
fn read(role: &str, path: &Path) -> EngineResult<Vec<u8>> {
    std::fs::read(path).map_err(|source| EngineError::Io { context: format!("reading the TLS {role} {}", path.display()), source })
}

fn invalid(role: &str, path: &Path, why: impl std::fmt::Display) -> EngineError {
    EngineError::Io {
        context: format!("the TLS {role} {}", path.display()),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string()),
    }
}

/// The rustls client configuration of `settings`.
fn client_config(settings: &TlsSettings) -> EngineResult<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::invalid(format!("TLS: {e}")))?;
    let builder = if settings.verify {
        builder.with_root_certificates(roots(settings.ca.as_deref())?)
    } else {
        // The CA file is still read, as the docker CLI reads it, so a wrong path is reported.
        if let Some(ca) = &settings.ca {
            read("CA certificate", ca)?;
        }
        builder.dangerous().with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
    };
    match (&settings.cert, &settings.key) {
        (Some(cert_path), Some(key_path)) => {
            let certs = certificates("certificate", cert_path)?;
            let key = private_key(key_path)?;
            builder.with_client_auth_cert(certs, key).map_err(|e| {
                invalid("certificate", cert_path, format!("cannot be used with the key {}: {e}", key_path.display()))
            })
        }
        // One without the other is read (a missing file is an error) but not used.
        (Some(only), None) => read("certificate", only).map(|_| builder.with_no_client_auth()),
        (None, Some(only)) => read("key", only).map(|_| builder.with_no_client_auth()),
        (None, None) => Ok(builder.with_no_client_auth()),
    }
}

/// The roots the engine's certificate must chain to: the CA file's certificates, else the
/// system's as Go on Linux finds them (the docker CLI's trust; see [`TrustSources`]).
fn roots(ca: Option<&Path>) -> EngineResult<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = ca {
        for cert in certificates("CA certificate", path)? {
            roots.add(cert).map_err(|e| invalid("CA certificate", path, e))?;
        }
        return Ok(roots);
    }
    let (system, _) = TrustSources::new("", |name| std::env::var_os(name)).load()?;
    let (added, _) = roots.add_parsable_certificates(system);
    if added == 0 {
        return Err(EngineError::invalid(
            "TLS: no CA certificate given and none found among the system's certificates".to_owned(),
        ));
    }
    Ok(roots)
}

/// The PEM certificates of the file at `path` (at least one).
fn certificates(role: &str, path: &Path) -> EngineResult<Vec<CertificateDer<'static>>> {
    let pem = read(role, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(role, path, format!("not a PEM certificate: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(role, path, "no PEM certificate in the file"));
    }
    Ok(certs)
}

/// The PEM private key (PKCS#1, PKCS#8 or SEC1) of the file at `path`.
fn private_key(path: &Path) -> EngineResult<PrivateKeyDer<'static>> {
    let pem = read("key", path)?;
    if String::from_utf8_lossy(&pem).contains("ENCRYPTED") {
        return Err(invalid("key", path, "the private key is encrypted; as with the docker CLI, encrypted keys are not supported"));
    }
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| invalid("key", path, format!("no valid PEM private key: {e}")))
}

/// `--tls` without `--tlsverify`, or a context that skips verification: any certificate the
/// engine shows is accepted. The handshake's signatures are still verified, so the session is
/// with the holder of that certificate's key.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The TLS failure among the causes of `error`, described for the user; `None` when the error
/// is not about TLS.
pub(crate) fn failure(error: &(dyn StdError + 'static)) -> Option<String> {
    find(error).map(describe)
}

/// The rustls error among the causes of `error`.
pub(crate) fn find<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        // An I/O error's `source` skips the error it wraps (tokio-rustls wraps rustls's so).
        cause = match e.downcast_ref::<std::io::Error>().and_then(std::io::Error::get_ref) {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    None
}

/// The error for a TLS failure talking to `host`.
pub(crate) fn unreachable(host: &str, reason: String) -> EngineError {
    EngineError::Unreachable { host: host.to_owned(), reason, hint: None }
}

fn describe(error: &rustls::Error) -> String {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let why = match error {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => {
            "the engine's certificate is not signed by the trusted CA (check --tlscacert, DOCKER_CERT_PATH or the context's ca.pem)"
        }
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "the engine's certificate is not valid for this host name"
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => "the engine's certificate has expired",
        E::AlertReceived(A::CertificateRequired | A::BadCertificate | A::UnknownCA | A::HandshakeFailure) => {
            "the engine did not accept the client certificate (check --tlscert/--tlskey, DOCKER_CERT_PATH or the context's cert.pem and key.pem)"
        }
        E::InvalidMessage(_) => "the engine did not answer in TLS (is it serving plain HTTP?)",
        _ => "",
    };
    if why.is_empty() {
        format!("TLS handshake failed: {error}")
    } else {
        format!("TLS handshake failed: {why} ({error})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_parts() {
        assert_eq!(host_part("127.0.0.1:2376"), "127.0.0.1");
        assert_eq!(host_part("docker.example:1"), "docker.example");
        assert_eq!(host_part("[::1]:2376"), "::1");
        assert_eq!(host_part("nohost"), "nohost");
    }

    #[test]
    fn failures_are_found_among_causes() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let text = failure(&io).expect("a TLS failure");
        assert!(text.starts_with("TLS handshake failed: the engine's certificate is not signed by the trusted CA"), "{text}");
        assert!(failure(&std::io::Error::other("refused")).is_none());
    }

    #[test]
    fn unix_sockets_are_not_wrapped_but_the_files_are_read() {
        let insecure = TlsSettings { ca: None, cert: None, key: None, verify: false };
        assert!(Tls::for_host(&insecure, &EngineHost::Unix("/x.sock".into())).unwrap().is_none());
        assert!(Tls::for_host(&insecure, &EngineHost::Tcp("127.0.0.1:2376".into())).unwrap().is_some());
        let missing = TlsSettings { ca: Some("/nonexistent/ca.pem".into()), cert: None, key: None, verify: true };
        assert!(Tls::for_host(&missing, &EngineHost::Unix("/x.sock".into())).is_err());
    }

    #[test]
    fn missing_files_are_named() {
        let settings = TlsSettings { ca: Some("/nonexistent/ca.pem".into()), cert: None, key: None, verify: true };
        let err = Tls::for_host(&settings, &EngineHost::Tcp("h:2376".into())).unwrap_err().to_string();
        assert!(err.starts_with("reading the TLS CA certificate /nonexistent/ca.pem: "), "{err}");
        // Without verification the CA file is still required, as the docker CLI reads it.
        let insecure = TlsSettings { verify: false, ..settings.clone() };
        assert!(Tls::for_host(&insecure, &EngineHost::Tcp("h:2376".into())).is_err());
        let dir = std::env::temp_dir().join(format!("berth-tls-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, "not a certificate").unwrap();
        let err = Tls::for_host(&TlsSettings { ca: Some(ca.clone()), ..settings }, &EngineHost::Tcp("h:1".into()))
            .unwrap_err()
            .to_string();
        assert_eq!(err, format!("the TLS CA certificate {}: no PEM certificate in the file", ca.display()));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
