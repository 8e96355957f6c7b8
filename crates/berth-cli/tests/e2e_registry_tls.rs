//! End-to-end: berth's own registry client (`alpha publish`) speaks HTTPS to a registry that
//! is not insecure, trusting what the docker tools trust (here `SSL_CERT_FILE`).
//!
//! The test starts its own registry (Debian's `docker-registry`, as `scripts/registry.sh`
//! uses) serving TLS with a certificate of a CA made for the test, on the host's first
//! non-loopback address: loopback registries are spoken to in plain HTTP on purpose, as the
//! docker tools do. berth and the reference Docker Compose publish to it with the CA in
//! `SSL_CERT_FILE`, the artifacts are fetched back with curl and compared; with another CA
//! both fail, berth naming the registry and the untrusted certificate.

mod e2e_support;

use std::net::IpAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use e2e_support::pki::Ca;
use e2e_support::{describe, eventually, text, Project};
use rcgen::ExtendedKeyUsagePurpose;
use serde_json::Value;

const REGISTRY: &str = "/usr/bin/docker-registry";
const COMPOSE: &str = "services:\n  web:\n    image: berth-test/busybox:latest\n";

/// The host's first IPv4 address outside 127.0.0.0/8, from `hostname -I`.
fn host_address() -> Option<IpAddr> {
    let out = Command::new("hostname").arg("-I").output().ok()?;
    text(&out.stdout).split_whitespace().filter_map(|a| a.parse::<IpAddr>().ok()).find(|ip| ip.is_ipv4() && !ip.is_loopback())
}

/// A TLS registry of the test, stopped when dropped.
struct TlsRegistry {
    child: Child,
    /// `ADDRESS:PORT`.
    host: String,
}

impl Drop for TlsRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TlsRegistry {
    /// Serves TLS on `ip` with a certificate of `ca`, keeping its files and data under `dir`.
    fn start(ca: &Ca, ip: IpAddr, dir: &Path) -> Self {
        let (cert, key) = ca.issue_for("berth test registry", ExtendedKeyUsagePurpose::ServerAuth, &[ip]);
        std::fs::write(dir.join("server.pem"), cert.pem()).expect("write the server certificate");
        std::fs::write(dir.join("server-key.pem"), key.serialize_pem()).expect("write the server key");
        let port = {
            let listener = std::net::TcpListener::bind((ip, 0)).expect("bind a free port");
            listener.local_addr().expect("local address").port()
        };
        let host = format!("{ip}:{port}");
        let d = dir.display();
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {d}/data\nhttp:\n  addr: {host}\n  \
             tls:\n    certificate: {d}/server.pem\n    key: {d}/server-key.pem\n"
        );
        std::fs::write(dir.join("config.yml"), config).expect("write the registry configuration");
        let log = std::fs::File::create(dir.join("registry.log")).expect("create the registry log");
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(dir.join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry");
        let registry = Self { child, host };
        let ca_file = dir.join("ca.pem");
        eventually(Duration::from_secs(30), "the TLS registry answers", || {
            curl(&ca_file, &format!("https://{}/v2/", registry.host), "*/*").0 == 200
        });
        registry
    }
}

/// `curl` of `url` trusting `ca` with `Accept: accept`: status and body.
fn curl(ca: &Path, url: &str, accept: &str) -> (u16, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "--cacert"])
        .arg(ca)
        .args(["-H", &format!("Accept: {accept}"), "-w", "\n%{http_code}", url])
        .output()
        .expect("run curl");
    let mut body = out.stdout;
    let split = body.iter().rposition(|b| *b == b'\n').unwrap_or(0);
    let status = text(body.get(split + 1..).unwrap_or_default()).trim().parse().unwrap_or(0);
    body.truncate(split);
    (status, body)
}

/// `COMMAND -p NAME ARGS` in the project directory with the project's environment and `env`.
fn run(p: &Project, mut c: Command, env: &[(&str, &Path)], args: &[&str]) -> Output {
    c.current_dir(&p.dir).arg("-p").arg(&p.name).args(args);
    c.envs(p.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    c.env_remove("SSL_CERT_FILE").env_remove("SSL_CERT_DIR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run the command")
}

/// The manifest without its publication time, which differs from run to run.
fn comparable(mut manifest: Value) -> Value {
    manifest["annotations"]["org.opencontainers.image.created"].take();
    manifest
}

#[test]
fn publish_speaks_https_to_registries_that_are_not_insecure() {
    const TEST: &str = "publish_over_https";
    if !Path::new(REGISTRY).exists() {
        assert!(!e2e_support::engine_required(), "{TEST}: {REGISTRY} is missing (scripts/registry.sh installs it)");
        eprintln!("SKIPPED {TEST}: {REGISTRY} is missing (scripts/registry.sh installs it)");
        return;
    }
    let Some(ip) = host_address() else {
        assert!(!e2e_support::engine_required(), "{TEST}: the host has no non-loopback IPv4 address");
        eprintln!("SKIPPED {TEST}: the host has no non-loopback IPv4 address");
        return;
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("compose.yaml"), COMPOSE).expect("write compose.yaml");
    let docker_config = dir.path().join("docker-config");
    std::fs::create_dir_all(&docker_config).expect("create the docker config");
    std::fs::write(docker_config.join("config.json"), "{}").expect("write config.json");
    let Some(p) = Project::with_file(TEST, &dir.path().join("compose.yaml")) else { return };
    let p = p.env("DOCKER_CONFIG", &docker_config.to_string_lossy());

    let pki = tempfile::tempdir().expect("temporary directory");
    let ca = Ca::new("berth registry test CA");
    let ca_file = pki.path().join("ca.pem");
    std::fs::write(&ca_file, ca.cert.pem()).expect("write the CA");
    let other_file = pki.path().join("other.pem");
    std::fs::write(&other_file, Ca::new("some other CA").cert.pem()).expect("write the other CA");
    let empty = pki.path().join("no-certificates");
    std::fs::create_dir_all(&empty).expect("create an empty directory");
    let registry = TlsRegistry::start(&ca, ip, pki.path());
    let repo = format!("{}/berth-e2e/tls", registry.host);
    let trusted: [(&str, &Path); 2] = [("SSL_CERT_FILE", &ca_file), ("SSL_CERT_DIR", &empty)];
    let untrusted: [(&str, &Path); 2] = [("SSL_CERT_FILE", &other_file), ("SSL_CERT_DIR", &empty)];

    let berth_run = |env: &[(&str, &Path)], args: &[&str]| run(&p, Command::new(e2e_support::berth_bin()), env, args);
    let reference_run = |env: &[(&str, &Path)], args: &[&str]| run(&p, e2e_support::reference_command(), env, args);

    // Trusted: published, and the artifact reads back.
    let out = berth_run(&trusted, &["alpha", "publish", &format!("{repo}:berth")]);
    assert!(out.status.success(), "berth's publish over HTTPS\n{}", describe(&out));
    assert!(text(&out.stderr).contains(&format!("{repo}:berth published")), "{}", describe(&out));
    let manifest_of = |tag: &str| {
        let url = format!("https://{}/v2/berth-e2e/tls/manifests/{tag}", registry.host);
        let (status, body) = curl(&ca_file, &url, "application/vnd.oci.image.manifest.v1+json");
        assert_eq!(status, 200, "the manifest {tag}: {}", text(&body));
        serde_json::from_slice::<Value>(&body).expect("manifest JSON")
    };
    let ours = manifest_of("berth");
    let layer = ours["layers"][0]["digest"].as_str().unwrap_or_default().to_owned();
    let (status, body) = curl(&ca_file, &format!("https://{}/v2/berth-e2e/tls/blobs/{layer}", registry.host), "*/*");
    assert_eq!((status, text(&body)), (200, COMPOSE.to_owned()));

    // The reference, trusting the same CA, publishes the same artifact.
    let out = reference_run(&trusted, &["alpha", "publish", "--oci-version", "1.1", &format!("{repo}:ref")]);
    assert!(out.status.success(), "the reference's publish over HTTPS\n{}", describe(&out));
    assert_eq!(comparable(ours), comparable(manifest_of("ref")));

    // Untrusted: both fail; berth names the registry and the certificate's problem.
    let ours = berth_run(&untrusted, &["alpha", "publish", &format!("{repo}:untrusted")]);
    let theirs = reference_run(&untrusted, &["alpha", "publish", "--oci-version", "1.1", &format!("{repo}:untrusted")]);
    assert!(!theirs.status.success(), "the reference trusted another CA\n{}", describe(&theirs));
    assert_eq!(ours.status.code(), theirs.status.code(), "berth:\n{}\nreference:\n{}", describe(&ours), describe(&theirs));
    let err = text(&ours.stderr);
    let expected = format!("TLS handshake with the registry {} failed: its certificate is not signed by a trusted CA", registry.host);
    assert!(err.contains(&expected), "{}", describe(&ours));
    assert!(err.contains(&other_file.display().to_string()), "the trusted bundle is named\n{}", describe(&ours));
    let (status, _) = curl(&ca_file, &format!("https://{}/v2/berth-e2e/tls/manifests/untrusted", registry.host), "*/*");
    assert_eq!(status, 404, "nothing was published without trust");
}
