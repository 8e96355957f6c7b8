//! Certificates for the TLS tests: a CA made on the spot, and certificates it signs.

use std::net::{IpAddr, Ipv4Addr};

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SanType};

/// A certificate authority.
pub struct Ca {
    /// The CA's self-signed certificate.
    pub cert: rcgen::Certificate,
    /// Its key.
    pub key: KeyPair,
}

impl Ca {
    /// A new CA named `name`.
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        let cert = params.self_signed(&key).expect("self-signed CA");
        Self { cert, key }
    }

    /// A certificate for `localhost` and 127.0.0.1 and its key, signed by this CA, for
    /// `purpose`.
    pub fn issue(&self, name: &str, purpose: ExtendedKeyUsagePurpose) -> (rcgen::Certificate, KeyPair) {
        self.issue_for(name, purpose, &[IpAddr::V4(Ipv4Addr::LOCALHOST)])
    }

    /// A certificate for `localhost` and the addresses `ips` and its key, signed by this CA,
    /// for `purpose`.
    pub fn issue_for(&self, name: &str, purpose: ExtendedKeyUsagePurpose, ips: &[IpAddr]) -> (rcgen::Certificate, KeyPair) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("parameters");
        params.distinguished_name.push(DnType::CommonName, name);
        params.subject_alt_names.extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
        params.extended_key_usages = vec![purpose];
        let cert = params.signed_by(&key, &self.cert, &self.key).expect("signed certificate");
        (cert, key)
    }
}
