//! TLS to registries berth speaks to itself (see [`super::registry`]): which certificates a
//! registry's may chain to, the client certificate shown to it, and a TLS failure worded for
//! the user, naming the registry.
//!
//! The trust is the docker CLI's and Docker Compose's, that is Go's `crypto/x509` on Linux
//! plus Docker's per-registry directory: the first readable CA bundle of the usual
//! distribution paths (`SSL_CERT_FILE` instead when set), every certificate file of the
//! usual directories (`SSL_CERT_DIR`, colon-separated, instead when set), and the `*.crt`
//! files of `/etc/docker/certs.d/<host[:port]>/`, whose `*.cert`/`*.key` pair, when there is
//! one, is the client certificate. A registry's configuration is built once per process.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::{EngineError, EngineResult};

/// The CA bundles Go looks for, in order; the first readable one is used.
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The directories of CA certificates Go reads, all of them.
const DIRECTORIES: &[&str] = &["/etc/ssl/certs", "/etc/pki/tls/certs"];

/// Docker's per-registry certificate directories.
const CERTS_D: &str = "/etc/docker/certs.d";

/// Where a registry's trusted certificates and client certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TrustSources {
    /// CA bundles, of which the first readable one counts.
    pub bundles: Vec<PathBuf>,
    /// Directories whose every file may hold CA certificates.
    pub directories: Vec<PathBuf>,
    /// The registry's own directory (`/etc/docker/certs.d/<host[:port]>`).
    pub registry_dir: PathBuf,
}

impl TrustSources {
    /// The sources for the registry `host` (`host[:port]`), with `var` reading the environment.
    pub(crate) fn new(host: &str, var: impl Fn(&str) -> Option<OsString>) -> Self {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let bundles = match set("SSL_CERT_FILE") {
            Some(file) => vec![PathBuf::from(file)],
            None => BUNDLES.iter().map(PathBuf::from).collect(),
        };
        let directories = match set("SSL_CERT_DIR") {
            Some(dirs) => std::env::split_paths(&dirs).filter(|d| !d.as_os_str().is_empty()).collect(),
            None => DIRECTORIES.iter().map(PathBuf::from).collect(),
        };
        // A host is one path component: anything else (a `..`, a slash) names no directory.
        let registry_dir = if host.is_empty() || host.contains(['/', '\\']) || host == "." || host == ".." {
            PathBuf::new()
        } else {
            Path::new(CERTS_D).join(host)
        };
        Self { bundles, directories, registry_dir }
    }

    /// The trusted certificates (unparsable ones skipped, as Go skips them) and the client
    /// certificate with its key, if the registry's directory has one.
    pub(crate) fn load(&self) -> EngineResult<(Vec<CertificateDer<'static>>, Option<ClientCert>)> {
        let mut roots = Vec::new();
        if let Some(pem) = self.bundles.iter().find_map(|b| std::fs::read(b).ok()) {
            roots.extend(pem_certificates(&pem));
        }
        for dir in &self.directories {
            for file in unique_entries(dir) {
                if let Ok(pem) = std::fs::read(&file) {
                    roots.extend(pem_certificates(&pem));
                }
            }
        }
        let mut client = None;
        if self.registry_dir.as_os_str().is_empty() {
            return Ok((roots, client));
        }
        let mut files: Vec<PathBuf> = match std::fs::read_dir(&self.registry_dir) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => return Ok((roots, client)),
        };
        files.sort();
        for file in &files {
            match file.extension().and_then(|e| e.to_str()) {
                Some("crt") => {
                    let pem = std::fs::read(file).map_err(|e| io(format!("reading the registry CA certificate {}", file.display()), e))?;
                    roots.extend(pem_certificates(&pem));
                }
                Some("cert") => {
                    let key = file.with_extension("key");
                    if !files.contains(&key) {
                        return Err(invalid(file, format!("the client certificate has no key {}", key.display())));
                    }
                    if client.is_none() {
                        client = Some(ClientCert::read(file, &key)?);
                    }
                }
                Some("key") if !files.contains(&file.with_extension("cert")) => {
                    return Err(invalid(file, format!("the key has no client certificate {}", file.with_extension("cert").display())));
                }
                _ => {}
            }
        }
        Ok((roots, client))
    }

    /// The sources in words, for an error about an untrusted certificate.
    fn describe(&self) -> String {
        let bundle = self.bundles.first().map_or_else(String::new, |b| b.display().to_string());
        let dirs: Vec<String> = self.directories.iter().map(|d| d.display().to_string()).collect();
        let mut text = format!("the CA bundle {bundle}, the directories {}", dirs.join(":"));
        if !self.registry_dir.as_os_str().is_empty() {
            let _ = write!(text, " and {}/*.crt", self.registry_dir.display());
        }
        text
    }
}

/// A client certificate chain and its private key.
pub(crate) struct ClientCert {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCert").field("chain", &self.chain.len()).finish_non_exhaustive()
    }
}

impl ClientCert {
    fn read(cert: &Path, key: &Path) -> EngineResult<Self> {
        let pem = std::fs::read(cert).map_err(|e| io(format!("reading the registry client certificate {}", cert.display()), e))?;
        let chain = pem_certificates(&pem);
        if chain.is_empty() {
            return Err(invalid(cert, "no PEM certificate in the file"));
        }
        let pem = std::fs::read(key).map_err(|e| io(format!("reading the registry client key {}", key.display()), e))?;
        let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| invalid(key, format!("no valid PEM private key: {e}")))?;
        Ok(Self { chain, key })
    }
}

/// The files of `dir`, leaving out symbolic links to files of the same directory (the
/// hash-named links `c_rehash` makes), as Go does.
fn unique_entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
            let same_dir = || std::fs::read_link(entry.path()).is_ok_and(|target| !target.as_os_str().as_encoded_bytes().contains(&b'/'));
            !(is_link && same_dir())
        })
        .map(|entry| entry.path())
        .collect();
    files.sort();
    files
}

fn pem_certificates(pem: &[u8]) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem).filter_map(Result::ok).collect()
}

fn io(context: String, source: std::io::Error) -> EngineError {
    EngineError::Io { context, source }
}

fn invalid(path: &Path, why: impl std::fmt::Display) -> EngineError {
    io(path.display().to_string(), std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string()))
}

/// The process's configurations, by registry host.
fn cache() -> &'static Mutex<HashMap<String, Arc<ClientConfig>>> {
    static CONFIGS: OnceLock<Mutex<HashMap<String, Arc<ClientConfig>>>> = OnceLock::new();
    CONFIGS.get_or_init(Mutex::default)
}

/// The TLS client configuration for the registry `host`, from the process's environment.
pub(crate) fn client_config(host: &str) -> EngineResult<Arc<ClientConfig>> {
    if let Some(config) = cache().lock().ok().and_then(|c| c.get(host).cloned()) {
        return Ok(config);
    }
    let config = Arc::new(build(&TrustSources::new(host, |name| std::env::var_os(name)))?);
    if let Ok(mut c) = cache().lock() {
        c.insert(host.to_owned(), Arc::clone(&config));
    }
    Ok(config)
}

/// Uses `config` for `host` from now on (tests trust their own CA so).
#[cfg(test)]
pub(crate) fn preset(host: &str, config: ClientConfig) {
    if let Ok(mut c) = cache().lock() {
        c.insert(host.to_owned(), Arc::new(config));
    }
}

/// The rustls configuration of `sources`.
pub(crate) fn build(sources: &TrustSources) -> EngineResult<ClientConfig> {
    let (certs, client) = sources.load()?;
    let mut roots = RootCertStore::empty();
    // Certificates rustls cannot use are left out, as Go leaves out those it cannot parse.
    roots.add_parsable_certificates(certs);
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| EngineError::invalid(format!("TLS: {e}")))?
        .with_root_certificates(roots);
    match client {
        Some(ClientCert { chain, key }) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| invalid(&sources.registry_dir, format!("the client certificate cannot be used with its key: {e}"))),
        None => Ok(builder.with_no_client_auth()),
    }
}

/// The TLS failure among the causes of `error` talking to the registry `host`, in words;
/// `None` when the error is not about TLS.
pub(crate) fn failure(host: &str, error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::{AlertDescription as A, CertificateError as C, Error as E};
    let tls = super::tls::find(error)?;
    let why = match tls {
        E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => format!(
            "its certificate is not signed by a trusted CA (berth trusts {})",
            TrustSources::new(host, |name| std::env::var_os(name)).describe()
        ),
        E::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "its certificate is not valid for this host name".to_owned()
        }
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => "its certificate has expired".to_owned(),
        E::AlertReceived(A::CertificateRequired | A::BadCertificate | A::UnknownCA) => format!(
            "it did not accept the client certificate (the *.cert and *.key of {CERTS_D}/{host}/)"
        ),
        E::InvalidMessage(_) => {
            "it did not answer in TLS (a registry serving plain HTTP must be marked insecure in the engine's configuration)"
                .to_owned()
        }
        _ => String::new(),
    };
    Some(if why.is_empty() {
        format!("TLS handshake with the registry {host} failed: {tls}")
    } else {
        format!("TLS handshake with the registry {host} failed: {why} ({tls})")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| OsString::from(v))
    }

    #[test]
    fn go_paths_unless_the_environment_names_others() {
        let s = TrustSources::new("reg.example:5443", env(&[]));
        assert_eq!(s.bundles.first().map(PathBuf::as_path), Some(Path::new("/etc/ssl/certs/ca-certificates.crt")));
        assert_eq!(s.directories, vec![PathBuf::from("/etc/ssl/certs"), PathBuf::from("/etc/pki/tls/certs")]);
        assert_eq!(s.registry_dir, PathBuf::from("/etc/docker/certs.d/reg.example:5443"));
        let s = TrustSources::new("reg.example", env(&[("SSL_CERT_FILE", "/x/ca.pem"), ("SSL_CERT_DIR", "/a:/b:")]));
        assert_eq!(s.bundles, vec![PathBuf::from("/x/ca.pem")]);
        assert_eq!(s.directories, vec![PathBuf::from("/a"), PathBuf::from("/b")]);
        // Set but empty is unset, as in Go; a file alone leaves the directories as they are.
        let s = TrustSources::new("reg.example", env(&[("SSL_CERT_FILE", "/x/ca.pem"), ("SSL_CERT_DIR", "")]));
        assert_eq!(s.directories.len(), 2);
        assert!(TrustSources::new("../etc", env(&[])).registry_dir.as_os_str().is_empty());
        assert!(TrustSources::new("..", env(&[])).registry_dir.as_os_str().is_empty());
    }

    fn ca_pem(name: &str) -> String {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn the_first_readable_bundle_every_directory_file_and_the_registry_crt_files_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str| dir.path().join(n);
        std::fs::write(p("first.pem"), ca_pem("first")).unwrap();
        std::fs::write(p("second.pem"), ca_pem("second")).unwrap();
        std::fs::create_dir_all(p("dir")).unwrap();
        std::fs::write(p("dir/a.pem"), format!("{}{}", ca_pem("a1"), ca_pem("a2"))).unwrap();
        std::fs::write(p("dir/junk"), "not PEM").unwrap();
        // A hash link to a file of the same directory is not read twice.
        std::os::unix::fs::symlink("a.pem", p("dir/0123abcd.0")).unwrap();
        std::fs::create_dir_all(p("reg")).unwrap();
        std::fs::write(p("reg/ca.crt"), ca_pem("reg")).unwrap();
        std::fs::write(p("reg/ignored.pem"), ca_pem("ignored")).unwrap();
        let sources = TrustSources {
            bundles: vec![p("missing.pem"), p("first.pem"), p("second.pem")],
            directories: vec![p("dir"), p("no-such-dir")],
            registry_dir: p("reg"),
        };
        let (roots, client) = sources.load().unwrap();
        assert_eq!(roots.len(), 4, "first.pem, the two of dir/a.pem and reg/ca.crt");
        assert!(client.is_none());
        assert!(build(&sources).is_ok());
        let (roots, _) = TrustSources { registry_dir: p("no-such-registry"), ..sources.clone() }.load().unwrap();
        assert_eq!(roots.len(), 3);
    }

    #[test]
    fn client_certificates_come_in_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let reg = dir.path().join("reg");
        std::fs::create_dir_all(&reg).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["client".to_owned()]).unwrap().self_signed(&key).unwrap();
        let sources = TrustSources { bundles: vec![], directories: vec![], registry_dir: reg.clone() };
        std::fs::write(reg.join("client.cert"), cert.pem()).unwrap();
        let err = sources.load().unwrap_err().to_string();
        assert!(err.contains("client.cert: the client certificate has no key") && err.contains("client.key"), "{err}");
        std::fs::write(reg.join("client.key"), key.serialize_pem()).unwrap();
        let (_, client) = sources.load().unwrap();
        assert_eq!(client.map(|c| c.chain.len()), Some(1));
        assert!(build(&sources).is_ok());
        std::fs::remove_file(reg.join("client.cert")).unwrap();
        let err = sources.load().unwrap_err().to_string();
        assert!(err.contains("client.key: the key has no client certificate"), "{err}");
    }

    #[test]
    fn failures_name_the_registry_and_what_failed() {
        let untrusted = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let text = failure("reg.example:5443", &untrusted).unwrap();
        assert!(
            text.starts_with("TLS handshake with the registry reg.example:5443 failed: its certificate is not signed by a trusted CA (berth trusts the CA bundle "),
            "{text}"
        );
        assert!(text.contains("/etc/docker/certs.d/reg.example:5443/*.crt"), "{text}");
        let plain = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType));
        assert!(failure("r", &plain).unwrap().contains("did not answer in TLS"));
        assert!(failure("r", &std::io::Error::other("refused")).is_none());
    }
}
