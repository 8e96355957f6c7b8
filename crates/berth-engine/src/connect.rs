//! Finding the engine to talk to: `--host`, `--context`, `DOCKER_HOST`, `DOCKER_CONTEXT`,
//! the current context of `~/.docker/config.json`, or the default socket — in the docker CLI's
//! order of precedence — and whether to speak TLS to it, with which certificates: the docker
//! CLI's `--tls*` flags with `DOCKER_TLS`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` for the
//! default context, a context's own TLS files otherwise.
//!
//! Resolution takes the environment and home directory as arguments so it is tested without
//! touching the real environment; it looks at the file system only to see which certificate
//! files exist (their contents are read when connecting, see `docker::tls`).

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{EngineError, EngineResult};

/// The default engine address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// The default engine address when TLS is asked for and no host is given: the IANA port of
/// Docker over TLS. An address given without a port gets 2375 even with TLS, as in the docker
/// CLI (`opts.ParseHost`).
pub const DEFAULT_TLS_HOST: &str = "tcp://localhost:2376";

/// An engine address berth can connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineHost {
    /// A Unix socket.
    Unix(PathBuf),
    /// Plain HTTP over TCP: `host:port`.
    Tcp(String),
}

impl EngineHost {
    /// Parses `unix:///path`, `tcp://host[:port]`, `http://host[:port]`, or a bare socket path.
    pub fn parse(s: &str) -> EngineResult<Self> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("unix://") {
            if path.is_empty() {
                return Err(EngineError::invalid(format!("invalid engine host {s:?}: empty socket path")));
            }
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        if let Some(rest) = s.strip_prefix("tcp://").or_else(|| s.strip_prefix("http://")) {
            let addr = rest.trim_end_matches('/');
            if addr.is_empty() {
                return Err(EngineError::invalid(format!("invalid engine host {s:?}: empty address")));
            }
            let addr = if has_port(addr) { addr.to_owned() } else { format!("{addr}:2375") };
            return Ok(Self::Tcp(addr));
        }
        if s.starts_with('/') {
            return Ok(Self::Unix(PathBuf::from(s)));
        }
        let scheme = s.split_once("://").map_or(s, |(scheme, _)| scheme);
        Err(EngineError::invalid(format!(
            "unsupported engine host {s:?}: scheme {scheme:?} is not supported (use unix:// or tcp://)"
        )))
    }
}

fn has_port(addr: &str) -> bool {
    // `[::1]:2375`, `host:2375`; a bare IPv6 address without brackets has no port.
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split_once("]:").is_some();
    }
    addr.matches(':').count() == 1
}

impl fmt::Display for EngineHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(p) => write!(f, "unix://{}", p.display()),
            Self::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// Where the engine address came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostOrigin {
    /// `--host` / `-H`.
    Flag,
    /// `DOCKER_HOST`.
    Environment,
    /// A docker context (named by `--context`, `DOCKER_CONTEXT` or `currentContext`).
    Context(String),
    /// The built-in default.
    Default,
}

/// A resolved engine address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedHost {
    /// The address.
    pub host: EngineHost,
    /// Where it came from.
    pub origin: HostOrigin,
    /// TLS to use on a TCP connection; `None` for plain HTTP.
    pub tls: Option<TlsSettings>,
}

/// The TLS material of a connection, as file paths (read when connecting).
///
/// A client certificate is presented only when both `cert` and `key` are set, as the docker
/// CLI does. Without `ca`, the engine's certificate is checked against the system's roots;
/// with it, against that CA alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The CA certificate(s) the engine's certificate must chain to.
    pub ca: Option<PathBuf>,
    /// The client certificate.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key.
    pub key: Option<PathBuf>,
    /// Whether the engine's certificate is verified (`--tlsverify`, `DOCKER_TLS_VERIFY`, a
    /// context without `SkipTLSVerify`).
    pub verify: bool,
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `--host`.
    pub host: Option<String>,
    /// `--context`.
    pub context: Option<String>,
    /// `--tls[=BOOL]`: TLS without verifying the engine (unless `--tlsverify`); when absent,
    /// `DOCKER_TLS` decides.
    pub tls: Option<bool>,
    /// `--tlsverify[=BOOL]`: given at all, it turns TLS on; its value says whether the engine's
    /// certificate is verified. When absent, `DOCKER_TLS_VERIFY` decides.
    pub tls_verify: Option<bool>,
    /// `--tlscacert`.
    pub tls_ca_cert: Option<PathBuf>,
    /// `--tlscert`.
    pub tls_cert: Option<PathBuf>,
    /// `--tlskey`.
    pub tls_key: Option<PathBuf>,
}

/// Resolves the engine address and its TLS settings.
///
/// `env` looks up environment variables; `home` is the user's home directory (for
/// `~/.docker`, unless `DOCKER_CONFIG` names another directory).
pub fn resolve_host(
    options: &ConnectOptions,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> EngineResult<ResolvedHost> {
    if options.host.is_some() && options.context.is_some() {
        // The docker CLI's words, which Docker Compose prints too.
        return Err(EngineError::invalid(
            "conflicting options: either specify --host or --context, not both".to_owned(),
        ));
    }
    let nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let config_dir = nonempty("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".docker")));
    let context = match (&options.host, options.context.clone()) {
        (Some(_), _) => None,
        (None, Some(c)) => Some(c),
        (None, None) if nonempty("DOCKER_HOST").is_some() => None,
        (None, None) => nonempty("DOCKER_CONTEXT").or_else(|| {
            config_dir.as_deref().and_then(|d| current_context(d).ok().flatten())
        }),
    };
    if let Some(name) = context.filter(|n| n != "default") {
        let dir = config_dir.ok_or_else(|| {
            EngineError::invalid(format!("context {name:?}: no docker configuration directory"))
        })?;
        let endpoint = context_endpoint(&dir, &name)?;
        let tls = context_tls(&dir, &name, endpoint.skip_tls_verify);
        return Ok(ResolvedHost { host: EngineHost::parse(&endpoint.host)?, origin: HostOrigin::Context(name), tls });
    }
    // The default context: the flags and the environment.
    let is_set = |k: &str| env(k).is_some_and(|v| !v.is_empty());
    let tls = default_tls(options, &is_set, nonempty("DOCKER_CERT_PATH").map(PathBuf::from), config_dir);
    let (text, origin) = match (&options.host, nonempty("DOCKER_HOST")) {
        (Some(h), _) => (h.clone(), HostOrigin::Flag),
        (None, Some(h)) => (h, HostOrigin::Environment),
        (None, None) if tls.is_some() => (DEFAULT_TLS_HOST.to_owned(), HostOrigin::Default),
        (None, None) => (DEFAULT_HOST.to_owned(), HostOrigin::Default),
    };
    Ok(ResolvedHost { host: EngineHost::parse(&text)?, origin, tls })
}

/// The default context's TLS, by the docker CLI's rules: `--tlsverify` given with any value,
/// or `DOCKER_TLS_VERIFY` set to anything, turns TLS on with verification as the flag (else
/// the variable) says; `--tls` (else `DOCKER_TLS`) turns it on without verification. The files
/// are the flags' or `ca.pem`, `cert.pem` and `key.pem` in `DOCKER_CERT_PATH` (else the docker
/// configuration directory); the CA is required, a default client certificate or key that
/// does not exist is left out.
fn default_tls(
    options: &ConnectOptions,
    is_set: &dyn Fn(&str) -> bool,
    cert_path: Option<PathBuf>,
    config_dir: Option<PathBuf>,
) -> Option<TlsSettings> {
    let verify = options.tls_verify.unwrap_or_else(|| is_set("DOCKER_TLS_VERIFY"));
    let tls = options.tls_verify.is_some() || verify || options.tls.unwrap_or_else(|| is_set("DOCKER_TLS"));
    if !tls {
        return None;
    }
    // The docker CLI joins an unknown home with `.docker`: a relative directory.
    let dir = cert_path.or(config_dir).unwrap_or_else(|| PathBuf::from(".docker"));
    let default_if_present = |name: &str| {
        let path = dir.join(name);
        let missing = std::fs::metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound);
        (!missing).then_some(path)
    };
    Some(TlsSettings {
        ca: Some(options.tls_ca_cert.clone().unwrap_or_else(|| dir.join("ca.pem"))),
        cert: options.tls_cert.clone().or_else(|| default_if_present("cert.pem")),
        key: options.tls_key.clone().or_else(|| default_if_present("key.pem")),
        verify,
    })
}

/// Resolves the engine address from the process environment.
pub fn resolve_host_from_env(options: &ConnectOptions) -> EngineResult<ResolvedHost> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    resolve_host(options, &|k| std::env::var(k).ok(), home.as_deref())
}

/// `currentContext` of `<config_dir>/config.json`, if the file exists and sets one.
fn current_context(config_dir: &Path) -> EngineResult<Option<String>> {
    let path = config_dir.join("config.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(EngineError::Io { context: format!("reading {}", path.display()), source })
        }
    };
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        EngineError::invalid(format!("{}: {e}", path.display()))
    })?;
    Ok(value
        .get("currentContext")
        .and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned))
}

/// The directory holding a context's metadata: `contexts/meta/<sha256(name)>`.
pub fn context_meta_dir(config_dir: &Path, name: &str) -> PathBuf {
    let digest = Sha256::digest(name.as_bytes());
    config_dir.join("contexts").join("meta").join(hex::encode(digest))
}

/// The directory of a context's TLS files for its docker endpoint:
/// `contexts/tls/<sha256(name)>/docker`.
pub fn context_tls_dir(config_dir: &Path, name: &str) -> PathBuf {
    let digest = Sha256::digest(name.as_bytes());
    config_dir.join("contexts").join("tls").join(hex::encode(digest)).join("docker")
}

/// The docker endpoint of a context's `meta.json`.
struct ContextEndpoint {
    host: String,
    skip_tls_verify: bool,
}

/// `Endpoints.docker` of a context.
fn context_endpoint(config_dir: &Path, name: &str) -> EngineResult<ContextEndpoint> {
    let path = context_meta_dir(config_dir, name).join("meta.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            EngineError::invalid(format!("context {name:?} does not exist"))
        } else {
            EngineError::Io { context: format!("reading {}", path.display()), source: e }
        }
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| EngineError::invalid(format!("{}: {e}", path.display())))?;
    let host = value
        .pointer("/Endpoints/docker/Host")
        .and_then(serde_json::Value::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| EngineError::invalid(format!("context {name:?} has no docker endpoint")))?;
    let skip_tls_verify =
        value.pointer("/Endpoints/docker/SkipTLSVerify").and_then(serde_json::Value::as_bool).unwrap_or(false);
    Ok(ContextEndpoint { host, skip_tls_verify })
}

/// A context's TLS, as the docker CLI loads it: on when the context has a TLS directory for
/// its docker endpoint (with whichever of `ca.pem`, `cert.pem`, `key.pem` it holds) or skips
/// verification.
fn context_tls(config_dir: &Path, name: &str, skip_verify: bool) -> Option<TlsSettings> {
    let dir = context_tls_dir(config_dir, name);
    if !dir.is_dir() && !skip_verify {
        return None;
    }
    let file = |n: &str| Some(dir.join(n)).filter(|p| p.is_file());
    Some(TlsSettings { ca: file("ca.pem"), cert: file("cert.pem"), key: file("key.pem"), verify: !skip_verify })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |k| m.get(k).cloned()
    }

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("berth-engine-connect-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn write_context(config: &Path, name: &str, host: &str) {
        let dir = context_meta_dir(config, name);
        std::fs::create_dir_all(&dir).unwrap();
        let meta = serde_json::json!({
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
        });
        std::fs::write(dir.join("meta.json"), meta.to_string()).unwrap();
    }

    #[test]
    fn parses_hosts() {
        assert_eq!(
            EngineHost::parse("unix:///run/podman/podman.sock").unwrap(),
            EngineHost::Unix("/run/podman/podman.sock".into())
        );
        assert_eq!(EngineHost::parse("tcp://10.0.0.1").unwrap(), EngineHost::Tcp("10.0.0.1:2375".into()));
        assert_eq!(EngineHost::parse("tcp://h:1234/").unwrap(), EngineHost::Tcp("h:1234".into()));
        assert_eq!(EngineHost::parse("tcp://[::1]:1").unwrap(), EngineHost::Tcp("[::1]:1".into()));
        assert_eq!(EngineHost::parse("unix:///x").unwrap().to_string(), "unix:///x");
        let err = EngineHost::parse("ssh://me@box").unwrap_err().to_string();
        assert!(err.contains("\"ssh\""), "{err}");
        assert!(EngineHost::parse("unix://").is_err());
    }

    #[test]
    fn default_without_anything() {
        let r = resolve_host(&ConnectOptions::default(), &env_of(&[]), None).unwrap();
        assert_eq!(r.host, EngineHost::Unix("/var/run/docker.sock".into()));
        assert_eq!(r.origin, HostOrigin::Default);
    }

    #[test]
    fn docker_host_beats_current_context() {
        let home = tempdir("dh");
        let cfg = home.join(".docker");
        write_context(&cfg, "remote", "tcp://remote:2375");
        std::fs::write(cfg.join("config.json"), r#"{"currentContext":"remote"}"#).unwrap();
        let env = env_of(&[("DOCKER_HOST", "unix:///tmp/d.sock")]);
        let r = resolve_host(&ConnectOptions::default(), &env, Some(&home)).unwrap();
        assert_eq!(r.origin, HostOrigin::Environment);
        assert_eq!(r.host, EngineHost::Unix("/tmp/d.sock".into()));
        // Without DOCKER_HOST the current context wins.
        let r = resolve_host(&ConnectOptions::default(), &env_of(&[]), Some(&home)).unwrap();
        assert_eq!(r.origin, HostOrigin::Context("remote".into()));
        assert_eq!(r.host, EngineHost::Tcp("remote:2375".into()));
        // An explicit --context beats DOCKER_HOST.
        let opts = ConnectOptions { context: Some("remote".into()), ..ConnectOptions::default() };
        let r = resolve_host(&opts, &env, Some(&home)).unwrap();
        assert_eq!(r.host, EngineHost::Tcp("remote:2375".into()));
        // --host beats the environment and the current context, but not together with
        // --context.
        let opts = ConnectOptions { host: Some("tcp://x:1".into()), ..ConnectOptions::default() };
        assert_eq!(resolve_host(&opts, &env, Some(&home)).unwrap().origin, HostOrigin::Flag);
        let opts = ConnectOptions { context: Some("remote".into()), ..opts };
        let err = resolve_host(&opts, &env, Some(&home)).unwrap_err().to_string();
        assert!(err.ends_with("conflicting options: either specify --host or --context, not both"), "{err}");
        let _ = std::fs::remove_dir_all(&home);
    }

    #[test]
    fn docker_context_env_and_config_dir() {
        let cfg = tempdir("dc");
        write_context(&cfg, "podman", "unix:///run/user/1000/podman/podman.sock");
        let env = env_of(&[("DOCKER_CONTEXT", "podman"), ("DOCKER_CONFIG", cfg.to_str().unwrap())]);
        let r = resolve_host(&ConnectOptions::default(), &env, None).unwrap();
        assert_eq!(r.host, EngineHost::Unix("/run/user/1000/podman/podman.sock".into()));
        let env = env_of(&[("DOCKER_CONTEXT", "missing"), ("DOCKER_CONFIG", cfg.to_str().unwrap())]);
        let err = resolve_host(&ConnectOptions::default(), &env, None).unwrap_err();
        assert_eq!(err.to_string(), "invalid request: context \"missing\" does not exist");
        // The `default` context means DOCKER_HOST or the default socket.
        let env = env_of(&[("DOCKER_CONTEXT", "default")]);
        let r = resolve_host(&ConnectOptions::default(), &env, None).unwrap();
        assert_eq!(r.origin, HostOrigin::Default);
        let _ = std::fs::remove_dir_all(&cfg);
    }

    fn touch(dir: &Path, names: &[&str]) {
        std::fs::create_dir_all(dir).unwrap();
        for n in names {
            std::fs::write(dir.join(n), "pem").unwrap();
        }
    }

    #[test]
    fn tls_verify_from_the_environment() {
        let certs = tempdir("tlsenv");
        touch(&certs, &["ca.pem", "cert.pem", "key.pem"]);
        let path = certs.to_str().unwrap();
        let env = env_of(&[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", path)]);
        let r = resolve_host(&ConnectOptions::default(), &env, None).unwrap();
        // No host given: the TLS default, port 2376.
        assert_eq!(r.host, EngineHost::Tcp("localhost:2376".into()));
        assert_eq!(r.origin, HostOrigin::Default);
        let tls = r.tls.unwrap();
        assert_eq!(tls.ca, Some(certs.join("ca.pem")));
        assert_eq!(tls.cert, Some(certs.join("cert.pem")));
        assert_eq!(tls.key, Some(certs.join("key.pem")));
        assert!(tls.verify);
        // Any non-empty value means verify, "0" included, as the docker CLI reads it.
        let env = env_of(&[("DOCKER_TLS_VERIFY", "0"), ("DOCKER_CERT_PATH", path), ("DOCKER_HOST", "tcp://h")]);
        let r = resolve_host(&ConnectOptions::default(), &env, None).unwrap();
        assert!(r.tls.unwrap().verify);
        // A given host without a port keeps 2375, TLS or not.
        assert_eq!(r.host, EngineHost::Tcp("h:2375".into()));
        assert_eq!(r.origin, HostOrigin::Environment);
        // Empty is unset.
        let env = env_of(&[("DOCKER_TLS_VERIFY", ""), ("DOCKER_CERT_PATH", path)]);
        let r = resolve_host(&ConnectOptions::default(), &env, None).unwrap();
        assert_eq!(r.tls, None);
        assert_eq!(r.host, EngineHost::Unix("/var/run/docker.sock".into()));
        let _ = std::fs::remove_dir_all(&certs);
    }

    #[test]
    fn docker_tls_without_verification_and_default_files() {
        let home = tempdir("tlshome");
        touch(&home.join(".docker"), &["cert.pem"]);
        let env = env_of(&[("DOCKER_TLS", "1"), ("DOCKER_HOST", "tcp://10.0.0.1:2376")]);
        let tls = resolve_host(&ConnectOptions::default(), &env, Some(&home)).unwrap().tls.unwrap();
        assert!(!tls.verify);
        // The CA is always named (reading it fails when missing); a missing default key is
        // left out.
        assert_eq!(tls.ca, Some(home.join(".docker/ca.pem")));
        assert_eq!(tls.cert, Some(home.join(".docker/cert.pem")));
        assert_eq!(tls.key, None);
        // DOCKER_CONFIG moves the default certificate directory; DOCKER_CERT_PATH beats it.
        let cfg = home.join("cfg");
        let env = env_of(&[("DOCKER_TLS", "1"), ("DOCKER_CONFIG", cfg.to_str().unwrap())]);
        let tls = resolve_host(&ConnectOptions::default(), &env, Some(&home)).unwrap().tls.unwrap();
        assert_eq!(tls.ca, Some(cfg.join("ca.pem")));
        let env = env_of(&[("DOCKER_TLS", "1"), ("DOCKER_CONFIG", "/cfg"), ("DOCKER_CERT_PATH", "/certs")]);
        let tls = resolve_host(&ConnectOptions::default(), &env, Some(&home)).unwrap().tls.unwrap();
        assert_eq!(tls.ca, Some(PathBuf::from("/certs/ca.pem")));
        let _ = std::fs::remove_dir_all(&home);
    }

    #[test]
    fn tls_flags_beat_the_environment() {
        let flags = |tls: Option<bool>, tls_verify: Option<bool>| ConnectOptions { tls, tls_verify, ..ConnectOptions::default() };
        let none = env_of(&[]);
        let resolve = |o: &ConnectOptions, env: &dyn Fn(&str) -> Option<String>| resolve_host(o, env, None).unwrap().tls;
        assert!(resolve(&flags(Some(true), None), &none).is_some_and(|t| !t.verify));
        assert!(resolve(&flags(None, Some(true)), &none).is_some_and(|t| t.verify));
        // `--tlsverify=false` still turns TLS on, without verification.
        assert!(resolve(&flags(None, Some(false)), &none).is_some_and(|t| !t.verify));
        let docker_tls = env_of(&[("DOCKER_TLS", "1")]);
        assert_eq!(resolve(&flags(Some(false), None), &docker_tls), None);
        let verify_env = env_of(&[("DOCKER_TLS_VERIFY", "1")]);
        assert!(resolve(&flags(Some(false), None), &verify_env).is_some_and(|t| t.verify));
        assert!(resolve(&flags(None, Some(false)), &verify_env).is_some_and(|t| !t.verify));
        // Given files are used as they are (a missing one fails when read).
        let opts = ConnectOptions {
            host: Some("tcp://127.0.0.1:9".into()),
            tls_verify: Some(true),
            tls_ca_cert: Some("/a/ca".into()),
            tls_cert: Some("/a/cert".into()),
            tls_key: Some("/a/key".into()),
            ..ConnectOptions::default()
        };
        let r = resolve_host(&opts, &env_of(&[("DOCKER_CERT_PATH", "/elsewhere")]), None).unwrap();
        assert_eq!(r.origin, HostOrigin::Flag);
        assert_eq!(
            r.tls,
            Some(TlsSettings {
                ca: Some("/a/ca".into()),
                cert: Some("/a/cert".into()),
                key: Some("/a/key".into()),
                verify: true
            })
        );
    }

    #[test]
    fn context_tls_comes_from_the_context_store() {
        let cfg = tempdir("ctxtls");
        write_context(&cfg, "secure", "tcp://secure:2376");
        touch(&context_tls_dir(&cfg, "secure"), &["ca.pem", "cert.pem", "key.pem"]);
        // The environment's TLS settings are not the context's business.
        let env = env_of(&[("DOCKER_CONFIG", cfg.to_str().unwrap()), ("DOCKER_TLS_VERIFY", ""), ("DOCKER_TLS", "1")]);
        let opts = ConnectOptions { context: Some("secure".into()), ..ConnectOptions::default() };
        let r = resolve_host(&opts, &env, None).unwrap();
        assert_eq!(r.host, EngineHost::Tcp("secure:2376".into()));
        let dir = context_tls_dir(&cfg, "secure");
        assert_eq!(
            r.tls,
            Some(TlsSettings {
                ca: Some(dir.join("ca.pem")),
                cert: Some(dir.join("cert.pem")),
                key: Some(dir.join("key.pem")),
                verify: true
            })
        );
        // No TLS directory: plain HTTP, whatever DOCKER_TLS says.
        write_context(&cfg, "plain", "tcp://plain:2375");
        let opts = ConnectOptions { context: Some("plain".into()), ..ConnectOptions::default() };
        assert_eq!(resolve_host(&opts, &env, None).unwrap().tls, None);
        // SkipTLSVerify alone turns TLS on without verification.
        let meta = serde_json::json!({"Name": "skip", "Endpoints": {"docker": {"Host": "tcp://s:2376", "SkipTLSVerify": true}}});
        let meta_dir = context_meta_dir(&cfg, "skip");
        std::fs::create_dir_all(&meta_dir).unwrap();
        std::fs::write(meta_dir.join("meta.json"), meta.to_string()).unwrap();
        let opts = ConnectOptions { context: Some("skip".into()), ..ConnectOptions::default() };
        assert_eq!(
            resolve_host(&opts, &env, None).unwrap().tls,
            Some(TlsSettings { ca: None, cert: None, key: None, verify: false })
        );
        let _ = std::fs::remove_dir_all(&cfg);
    }

    #[test]
    fn context_dir_is_sha256_of_name() {
        let d = context_meta_dir(Path::new("/c"), "default");
        assert_eq!(
            d,
            Path::new("/c/contexts/meta/37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f")
        );
    }
}
