//! End-to-end: berth reaches the engine over TLS as the docker CLI and Docker Compose do.
//!
//! Each test makes a CA with a server and a client certificate (and a second, unrelated CA),
//! and starts a TLS proxy on 127.0.0.1 that requires a client certificate signed by the CA and
//! forwards to the engine's unix socket. berth then runs against `tcp://127.0.0.1:PORT` with
//! `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`, with the `--tls*` flags (also in the plugin form,
//! and through the real docker CLI), and fails with the reference's exit code and a message
//! naming what is wrong when the certificates do not fit.

mod e2e_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use e2e_support::pki::Ca;
use e2e_support::{berth_bin, describe, text, Project};
use rcgen::{ExtendedKeyUsagePurpose, KeyPair};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};

/// The certificates of one test, and directories laid out as `DOCKER_CERT_PATH` expects.
struct Pki {
    ca: Ca,
    server: (rcgen::Certificate, KeyPair),
    /// `ca.pem`, `cert.pem`, `key.pem` that fit the proxy.
    good: PathBuf,
    /// `ca.pem` of another CA, with the good client certificate.
    wrong_ca: PathBuf,
    /// `ca.pem` only: no client certificate.
    no_client: PathBuf,
    _dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca = Ca::new("berth test CA");
        let other = Ca::new("some other CA");
        let server = ca.issue("berth test engine", ExtendedKeyUsagePurpose::ServerAuth);
        let (client, client_key) = ca.issue("berth test client", ExtendedKeyUsagePurpose::ClientAuth);
        let write = |sub: &str, files: &[(&str, String)]| {
            let d = dir.path().join(sub);
            std::fs::create_dir_all(&d).expect("create a certificate directory");
            for (name, pem) in files {
                std::fs::write(d.join(name), pem).expect("write a PEM file");
            }
            d
        };
        let client_files = [("cert.pem", client.pem()), ("key.pem", client_key.serialize_pem())];
        let good = write("good", &[&[("ca.pem", ca.cert.pem())][..], &client_files].concat());
        let wrong_ca = write("wrong-ca", &[&[("ca.pem", other.cert.pem())][..], &client_files].concat());
        let no_client = write("no-client", &[("ca.pem", ca.cert.pem())]);
        Self { ca, server, good, wrong_ca, no_client, _dir: dir }
    }
}

/// A TLS-terminating proxy to the engine's unix socket, requiring a client certificate of the
/// test CA; it stops when dropped (with its runtime).
struct Proxy {
    port: u16,
    _runtime: tokio::runtime::Runtime,
}

impl Proxy {
    fn start(pki: &Pki) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca.cert.der().clone()).expect("the CA as a root");
        let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .expect("client certificate verifier");
        let chain: Vec<CertificateDer<'static>> = vec![pki.server.0.der().clone()];
        let key = PrivatePkcs8KeyDer::from(pki.server.1.serialize_der()).into();
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .expect("server certificate");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let backend = engine_socket();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        runtime.spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, backend) = (acceptor.clone(), backend.clone());
                tokio::spawn(async move {
                    // A failed handshake is what some tests want: the client reports it.
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let Ok(mut engine) = tokio::net::UnixStream::connect(&backend).await else { return };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut engine).await;
                });
            }
        });
        Self { port, _runtime: runtime }
    }

    fn host(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }
}

/// The engine's unix socket: `DOCKER_HOST` when it names one (Podman's, see `e2e_support`),
/// else Docker's default.
fn engine_socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

/// The project's running container ids (long), as the engine reports them directly.
fn container_ids(project: &Project) -> Vec<String> {
    project.containers().iter().filter_map(|c| c["Id"].as_str().map(str::to_owned)).collect()
}

/// Asserts that `out` listed exactly the project's container (`ps -q`).
fn lists(out: &Output, project: &Project, who: &str) {
    assert!(out.status.success(), "{who}: {}", describe(out));
    let ids = container_ids(project);
    assert_eq!(ids.len(), 1, "one container");
    let stdout = text(&out.stdout);
    let listed: Vec<&str> = stdout.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    assert_eq!(listed.len(), 1, "{who}: {}", describe(out));
    assert!(ids[0].starts_with(listed[0]), "{who} listed {listed:?}, the container is {}", ids[0]);
}

fn path(p: &Path, file: &str) -> String {
    p.join(file).display().to_string()
}

#[test]
fn up_ps_down_over_tls_from_the_environment() {
    let Some(project) = Project::new("tls") else { return };
    let pki = Pki::new();
    let proxy = Proxy::start(&pki);
    let project = project
        .env("DOCKER_HOST", &proxy.host())
        .env("DOCKER_TLS_VERIFY", "1")
        .env("DOCKER_CERT_PATH", &pki.good.display().to_string());
    project.berth_ok(&["up", "-d"]);
    assert_eq!(project.states(), ["app-1=running"]);
    lists(&project.berth(&["ps", "-q"]), &project, "berth ps");
    // Streams over the same TLS connection: an exec's hijacked connection, a one-off container
    // attached to, logs.
    let out = project.berth_ok(&["exec", "-T", "app", "echo", "exec over TLS"]);
    assert_eq!(text(&out.stdout), "exec over TLS\n", "{}", describe(&out));
    let out = project.berth_ok(&["run", "--rm", "-T", "app", "sh", "-c", "echo run over TLS; echo to stderr >&2"]);
    assert_eq!(text(&out.stdout), "run over TLS\n", "{}", describe(&out));
    assert!(text(&out.stderr).contains("to stderr"), "{}", describe(&out));
    project.berth_ok(&["exec", "-T", "app", "sh", "-c", "echo logged > /proc/1/fd/1"]);
    let out = project.berth_ok(&["logs", "--no-log-prefix", "app"]);
    assert_eq!(text(&out.stdout), "logged\n", "{}", describe(&out));
    // The reference, through the same proxy, sees the same.
    let reference = project.reference_cmd().args(["ps", "-q"]).output().expect("run the reference");
    lists(&reference, &project, "docker compose ps");
    project.berth_ok(&["down", "-t", "1"]);
    assert!(project.containers().is_empty(), "down removed the container");
}

#[test]
fn tls_flags_directly_as_a_plugin_and_through_the_docker_cli() {
    let Some(project) = Project::new("tls") else { return };
    let pki = Pki::new();
    let proxy = Proxy::start(&pki);
    project.berth_ok(&["up", "-d"]);
    let flags = [
        "--tlsverify".to_owned(),
        "--tlscacert".to_owned(),
        path(&pki.good, "ca.pem"),
        "--tlscert".to_owned(),
        path(&pki.good, "cert.pem"),
        "--tlskey".to_owned(),
        path(&pki.good, "key.pem"),
        "-H".to_owned(),
        proxy.host(),
    ];
    let out = project.berth_cmd().args(&flags).args(["ps", "-q"]).output().expect("run berth");
    lists(&out, &project, "berth --tlsverify ... ps");

    // As the docker CLI runs a plugin: its options, then `compose`, then compose's.
    let plugin_form = |cmd: &mut Command| {
        cmd.args(&flags)
            .arg("compose")
            .arg("-f")
            .arg(&project.file)
            .args(["-p", &project.name, "ps", "-q"])
            .current_dir(&project.dir)
            .stdin(Stdio::null())
            .output()
            .expect("run")
    };
    lists(&plugin_form(&mut Command::new(berth_bin())), &project, "berth as a plugin");

    // Through the real docker CLI, with berth installed as its compose plugin.
    let config = tempfile::tempdir().expect("temporary directory");
    let plugins = config.path().join("cli-plugins");
    std::fs::create_dir_all(&plugins).expect("cli-plugins");
    std::os::unix::fs::symlink(berth_bin(), plugins.join("docker-compose")).expect("link the plugin");
    let mut docker = Command::new("docker");
    docker.env("DOCKER_CONFIG", config.path());
    lists(&plugin_form(&mut docker), &project, "docker ... compose ps");

    // `--tls` alone does not verify the engine: another CA's file is no obstacle, and the
    // client certificate is still presented.
    let out = project
        .berth_cmd()
        .args(["--tls", "--tlscacert", &path(&pki.wrong_ca, "ca.pem")])
        .args(["--tlscert", &path(&pki.good, "cert.pem"), "--tlskey", &path(&pki.good, "key.pem")])
        .args(["-H", &proxy.host(), "ps", "-q"])
        .output()
        .expect("run berth");
    lists(&out, &project, "berth --tls ... ps");
}

/// Runs `ps` through berth and the reference with `env` and returns both outputs; both must
/// fail, with the same exit code.
fn both_fail(project: &Project, env: &[(&str, String)]) -> Output {
    let run = |mut cmd: Command| {
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.args(["ps", "-q"]).output().expect("run")
    };
    let berth = run(project.berth_cmd());
    let reference = run(project.reference_cmd());
    assert!(!berth.status.success(), "berth: {}", describe(&berth));
    assert!(!reference.status.success(), "reference: {}", describe(&reference));
    assert_eq!(berth.status.code(), reference.status.code(), "berth: {}\nreference: {}", describe(&berth), describe(&reference));
    berth
}

#[test]
fn tls_failures_name_the_problem_with_the_reference_exit_code() {
    let Some(project) = Project::new("tls") else { return };
    let pki = Pki::new();
    let proxy = Proxy::start(&pki);
    let host = proxy.host();
    let env = |dir: &Path| vec![("DOCKER_HOST", host.clone()), ("DOCKER_TLS_VERIFY", "1".to_owned()), ("DOCKER_CERT_PATH", dir.display().to_string())];

    // The engine's certificate is not signed by the CA given.
    let out = both_fail(&project, &env(&pki.wrong_ca));
    let err = text(&out.stderr);
    assert!(err.contains(&host), "names the host: {err}");
    assert!(err.contains("TLS handshake failed"), "{err}");
    assert!(err.contains("not signed by the trusted CA"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // No client certificate: the engine refuses the connection.
    let out = both_fail(&project, &env(&pki.no_client));
    let err = text(&out.stderr);
    assert!(err.contains(&host) && err.contains("TLS handshake failed"), "{err}");
    assert!(err.contains("client certificate"), "{err}");

    // A certificate directory without the files: the missing one is named.
    let empty = tempfile::tempdir().expect("temporary directory");
    let out = both_fail(&project, &env(empty.path()));
    let err = text(&out.stderr);
    assert!(err.contains(&path(empty.path(), "ca.pem")), "names the CA file: {err}");

    // A given client key that does not exist.
    let out = project
        .berth_cmd()
        .args(["--tlskey", &path(empty.path(), "key.pem")])
        .envs(env(&pki.good))
        .args(["ps", "-q"])
        .output()
        .expect("run berth");
    assert!(!out.status.success(), "{}", describe(&out));
    assert!(text(&out.stderr).contains(&path(empty.path(), "key.pem")), "{}", describe(&out));
}

/// `docker context create NAME --docker SPEC` in the docker configuration directory `config`.
fn create_context(config: &Path, name: &str, spec: &str) {
    let out = Command::new("docker")
        .env("DOCKER_CONFIG", config)
        .args(["context", "create", name, "--docker", spec])
        .output()
        .expect("run docker context create");
    assert!(out.status.success(), "docker context create {name}: {}", describe(&out));
}

#[test]
fn contexts_bring_their_own_tls() {
    let Some(project) = Project::new("tls") else { return };
    let pki = Pki::new();
    let proxy = Proxy::start(&pki);
    project.berth_ok(&["up", "-d"]);
    // Contexts made by the docker CLI itself, so the store's layout is the real one.
    let config = tempfile::tempdir().expect("temporary directory");
    let host = proxy.host();
    let (ca, cert, key) = (path(&pki.good, "ca.pem"), path(&pki.good, "cert.pem"), path(&pki.good, "key.pem"));
    create_context(config.path(), "secure", &format!("host={host},ca={ca},cert={cert},key={key}"));
    let wrong = path(&pki.wrong_ca, "ca.pem");
    create_context(config.path(), "wrong", &format!("host={host},ca={wrong},cert={cert},key={key}"));
    create_context(config.path(), "insecure", &format!("host={host},ca={wrong},cert={cert},key={key},skip-tls-verify=true"));
    create_context(config.path(), "system", &format!("host={host},cert={cert},key={key}"));
    let dir = config.path().display().to_string();

    let with = |cmd: &mut Command, env: &[(&str, &str)]| {
        // DOCKER_HOST would beat DOCKER_CONTEXT (the Podman runs set it).
        cmd.env("DOCKER_CONFIG", &dir).env_remove("DOCKER_HOST");
        // The environment's TLS settings do not apply to a context.
        cmd.env("DOCKER_TLS_VERIFY", "1").env("DOCKER_CERT_PATH", "/nonexistent");
        cmd.envs(env.iter().copied()).args(["ps", "-q"]).output().expect("run")
    };
    let out = with(project.berth_cmd().args(["--context", "secure"]), &[]);
    lists(&out, &project, "berth --context secure");
    lists(&with(&mut project.berth_cmd(), &[("DOCKER_CONTEXT", "secure")]), &project, "DOCKER_CONTEXT=secure berth");
    lists(&with(&mut project.reference_cmd(), &[("DOCKER_CONTEXT", "secure")]), &project, "DOCKER_CONTEXT=secure docker compose");
    lists(&with(&mut project.berth_cmd(), &[("DOCKER_CONTEXT", "insecure")]), &project, "the context skipping verification");

    let berth = with(&mut project.berth_cmd(), &[("DOCKER_CONTEXT", "wrong")]);
    let reference = with(&mut project.reference_cmd(), &[("DOCKER_CONTEXT", "wrong")]);
    assert!(!berth.status.success() && !reference.status.success(), "{}\n{}", describe(&berth), describe(&reference));
    assert_eq!(berth.status.code(), reference.status.code(), "{}\n{}", describe(&berth), describe(&reference));
    let err = text(&berth.stderr);
    assert!(err.contains(&host) && err.contains("not signed by the trusted CA"), "{err}");

    // A context without a CA trusts the system's roots, found as Go finds them: the test CA is
    // not among them, unless SSL_CERT_FILE names it.
    let system = [("DOCKER_CONTEXT", "system")];
    let berth = with(&mut project.berth_cmd(), &system);
    let reference = with(&mut project.reference_cmd(), &system);
    assert!(!berth.status.success() && !reference.status.success(), "{}\n{}", describe(&berth), describe(&reference));
    let trusted = [("DOCKER_CONTEXT", "system"), ("SSL_CERT_FILE", ca.as_str())];
    lists(&with(&mut project.berth_cmd(), &trusted), &project, "berth trusting SSL_CERT_FILE");
    lists(&with(&mut project.reference_cmd(), &trusted), &project, "docker compose trusting SSL_CERT_FILE");
}
