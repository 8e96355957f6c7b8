//! Finding the engine to talk to: `--host`, `--context`, `DOCKER_HOST`, `DOCKER_CONTEXT`,
//! the current context of `~/.docker/config.json`, or the default socket — in the docker CLI's
//! order of precedence.
//!
//! Resolution is pure (environment and home directory are passed in) so it is tested without
//! touching the real environment.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{EngineError, EngineResult};

/// The default engine address on Linux.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

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
}

/// What the user asked for on the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `--host`.
    pub host: Option<String>,
    /// `--context`.
    pub context: Option<String>,
}

/// Resolves the engine address.
///
/// `env` looks up environment variables; `home` is the user's home directory (for
/// `~/.docker`, unless `DOCKER_CONFIG` names another directory).
pub fn resolve_host(
    options: &ConnectOptions,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> EngineResult<ResolvedHost> {
    let nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    if let Some(h) = options.host.as_deref() {
        return Ok(ResolvedHost { host: EngineHost::parse(h)?, origin: HostOrigin::Flag });
    }
    let config_dir = nonempty("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".docker")));
    let context = match options.context.clone() {
        Some(c) => Some(c),
        None if nonempty("DOCKER_HOST").is_some() => None,
        None => nonempty("DOCKER_CONTEXT").or_else(|| {
            config_dir.as_deref().and_then(|d| current_context(d).ok().flatten())
        }),
    };
    match context {
        Some(name) if name != "default" => {
            let dir = config_dir.ok_or_else(|| {
                EngineError::invalid(format!("context {name:?}: no docker configuration directory"))
            })?;
            let host = context_host(&dir, &name)?;
            Ok(ResolvedHost { host: EngineHost::parse(&host)?, origin: HostOrigin::Context(name) })
        }
        _ => match nonempty("DOCKER_HOST") {
            Some(h) => Ok(ResolvedHost { host: EngineHost::parse(&h)?, origin: HostOrigin::Environment }),
            None => Ok(ResolvedHost {
                host: EngineHost::parse(DEFAULT_HOST)?,
                origin: HostOrigin::Default,
            }),
        },
    }
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

/// `Endpoints.docker.Host` of a context.
fn context_host(config_dir: &Path, name: &str) -> EngineResult<String> {
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
    value
        .pointer("/Endpoints/docker/Host")
        .and_then(serde_json::Value::as_str)
        .filter(|h| !h.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| EngineError::invalid(format!("context {name:?} has no docker endpoint")))
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
        let opts = ConnectOptions { context: Some("remote".into()), host: None };
        let r = resolve_host(&opts, &env, Some(&home)).unwrap();
        assert_eq!(r.host, EngineHost::Tcp("remote:2375".into()));
        // --host beats everything.
        let opts = ConnectOptions { context: Some("remote".into()), host: Some("tcp://x:1".into()) };
        assert_eq!(resolve_host(&opts, &env, Some(&home)).unwrap().origin, HostOrigin::Flag);
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

    #[test]
    fn context_dir_is_sha256_of_name() {
        let d = context_meta_dir(Path::new("/c"), "default");
        assert_eq!(
            d,
            Path::new("/c/contexts/meta/37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f")
        );
    }
}
