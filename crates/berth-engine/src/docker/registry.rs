//! A registry's Distribution API (HTTP API v2) spoken directly, for what an engine does not
//! do: the digest a registry serves for a tag (Docker answers it with
//! `GET /distribution/{name}/json`; Podman 4.3 has no such endpoint, so berth asks the
//! registry itself, with the credentials the engine would have been given), and pushing an OCI
//! artifact (blobs, then the manifest), which Docker Compose does from the client too.
//!
//! Registries the engine itself reaches over plain HTTP are spoken to so: those its
//! configuration marks insecure (Podman's `registries.conf`, listed in `/info` as
//! `RegistryConfig.IndexConfigs` with `Secure: false`; Docker's insecure CIDRs, 127.0.0.0/8 by
//! default). Any other registry is spoken to over HTTPS, trusting what the docker CLI trusts
//! (see [`super::registry_tls`]).
//!
//! Authentication follows the registry's challenge (`WWW-Authenticate`): `Basic` takes the
//! user and password; `Bearer` gets a pull token from the realm first (with the user and
//! password, or anonymously).

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use base64::Engine as _;
use sha2::Digest as _;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};

use super::raw::{self, RawResponse};
use super::{registry_tls, tls};
use crate::auth::registry_host;
use crate::trace;
use crate::error::{EngineError, EngineResult, ObjectKind};
use crate::oci;
use crate::types::artifact::{ArtifactPush, ArtifactPushed, OciVersion};
use crate::types::image::RegistryAuth;

/// How long one registry exchange may take.
const TIMEOUT: Duration = Duration::from_secs(90);

/// The manifest types asked for, as the docker daemon asks them: lists first, so a
/// multi-platform image is pinned to its index as Docker pins it.
const ACCEPT: &str = "application/vnd.docker.distribution.manifest.list.v2+json, \
                      application/vnd.oci.image.index.v1+json, \
                      application/vnd.docker.distribution.manifest.v2+json, \
                      application/vnd.oci.image.manifest.v1+json";

/// How berth speaks to a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// Plain HTTP, for registries the engine reaches so.
    Http,
    /// HTTPS, for every other registry.
    Https,
}

impl Scheme {
    /// `http` for registries the engine reaches over plain HTTP (see [`plain_http`]), else
    /// `https`.
    pub(crate) fn plain_if(plain: bool) -> Self {
        if plain {
            Self::Http
        } else {
            Self::Https
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
        }
    }
}

/// An image reference split for the Distribution API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManifestRef {
    /// `host[:port]` as written in the reference (`docker.io` for Docker Hub).
    pub host: String,
    /// The repository inside the registry (`library/redis` on Docker Hub).
    pub repository: String,
    /// The tag, or the digest when the reference has one.
    pub reference: String,
}

impl ManifestRef {
    /// Splits `image` (`[host/]path[:tag][@digest]`; no tag means `latest`).
    pub fn parse(image: &str) -> Self {
        let (name, reference) = super::split_reference(image);
        let host = registry_host(&name).to_owned();
        let path = match name.split_once('/') {
            Some((first, rest)) if first == host || (host == "docker.io" && first == "index.docker.io") => rest,
            _ => name.as_str(),
        };
        let repository = if host == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path.to_owned() };
        ManifestRef { host, repository, reference }
    }
}

/// Whether the engine described by `info` (its `GET /info` answer) reaches `image`'s registry
/// over plain HTTP: the longest `RegistryConfig.IndexConfigs` entry that prefixes the
/// repository decides (Podman lists `registries.conf` there), else `InsecureRegistryCIDRs`
/// holding the host's address (Docker).
pub(crate) fn plain_http(info: &serde_json::Value, image: &ManifestRef) -> bool {
    let config = &info["RegistryConfig"];
    let full = format!("{}/{}", image.host, image.repository);
    let matching = config["IndexConfigs"].as_object().and_then(|configs| {
        configs
            .iter()
            .filter(|(prefix, _)| {
                full.strip_prefix(prefix.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
            .max_by_key(|(prefix, _)| prefix.len())
    });
    if let Some((_, entry)) = matching {
        return entry["Secure"] == serde_json::Value::Bool(false);
    }
    let Some(ip) = host_ip(&image.host) else { return false };
    config["InsecureRegistryCIDRs"]
        .as_array()
        .is_some_and(|cidrs| cidrs.iter().filter_map(serde_json::Value::as_str).any(|cidr| in_cidr(ip, cidr)))
}

/// Whether `host` (`host[:port]`) is `localhost` or a loopback address.
pub(crate) fn loopback(host: &str) -> bool {
    host_ip(host).is_some_and(|ip| ip.is_loopback())
}

/// The address of a registry host written as an IP or `localhost` (names are not resolved).
fn host_ip(host: &str) -> Option<IpAddr> {
    let bare = match host.strip_prefix('[') {
        Some(rest) => rest.split_once(']').map_or(rest, |(ip, _)| ip),
        None => host.rsplit_once(':').map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host }),
    };
    if bare == "localhost" {
        return Some(IpAddr::from([127, 0, 0, 1]));
    }
    bare.parse().ok()
}

/// Whether `ip` is inside `cidr` (`127.0.0.0/8`, `::1/128`).
fn in_cidr(ip: IpAddr, cidr: &str) -> bool {
    let Some((net, bits)) = cidr.split_once('/') else { return false };
    let (Ok(net), Ok(bits)) = (net.parse::<IpAddr>(), bits.parse::<u32>()) else { return false };
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        _ => return false,
    };
    if bits > width {
        return false;
    }
    let host_bits = width - bits;
    let mask = if host_bits >= 128 { 0 } else { (u128::MAX << host_bits) & (u128::MAX >> (128 - width)) };
    ip & mask == net & mask
}

/// The digest `image`'s registry serves for it, asked over `scheme` with `auth`.
pub(crate) async fn manifest_digest(image: &ManifestRef, scheme: Scheme, auth: Option<&RegistryAuth>) -> EngineResult<String> {
    let url = format!("{}://{}/v2/{}/manifests/{}", scheme.name(), image.host, image.repository, image.reference);
    let mut answer = get(&url, ACCEPT, None).await?;
    if answer.status == 401 {
        let challenge = answer.header("WWW-Authenticate").unwrap_or_default().to_owned();
        let authorization = authorize(&challenge, &image.repository, "pull", auth).await?;
        answer = get(&url, ACCEPT, Some(&authorization)).await?;
    }
    match answer.status {
        200 => {}
        404 => {
            return Err(EngineError::NotFound {
                kind: ObjectKind::Image,
                id: format!("{}/{}:{}", image.host, image.repository, image.reference),
                message: registry_message(&answer),
            })
        }
        status => return Err(EngineError::Api { status, message: registry_message(&answer) }),
    }
    if let Some(digest) = answer.header("Docker-Content-Digest").filter(|d| !d.is_empty()) {
        return Ok(digest.to_owned());
    }
    // Registries need not send the header: the digest is the manifest's own.
    Ok(format!("sha256:{}", hex::encode(sha2::Sha256::digest(&answer.body))))
}

/// Pushes `artifact` to `image`'s repository over `scheme`: each layer blob the registry
/// lacks, then the config blob and the manifest (tagged `image.reference`) in the OCI version
/// asked for, else in 1.1, and in 1.0 when the registry refuses that with a client error other
/// than an authentication one (as Docker Compose decides it).
pub(crate) async fn push_artifact(image: &ManifestRef, scheme: Scheme, artifact: &ArtifactPush) -> EngineResult<ArtifactPushed> {
    let mut session = Session { image, scheme, auth: artifact.auth.as_ref(), authorization: None };
    for layer in &artifact.layers {
        session.push_blob(&layer.data).await?;
    }
    let Some(version) = artifact.oci_version else {
        return match session.push_manifest(artifact, OciVersion::V1_1).await {
            Err(EngineError::Api { status, .. }) if (400..500).contains(&status) && ![401, 403, 407].contains(&status) => {
                session.push_manifest(artifact, OciVersion::V1_0).await
            }
            other => other,
        };
    };
    session.push_manifest(artifact, version).await
}

/// Requests about one repository, with the `Authorization` the registry's first challenge
/// asked for sent on every later request.
struct Session<'a> {
    image: &'a ManifestRef,
    scheme: Scheme,
    auth: Option<&'a RegistryAuth>,
    authorization: Option<String>,
}

impl Session<'_> {
    /// `method target` (a path on the registry, or an absolute URL it gave) with `headers`
    /// and `body`, answering an authentication challenge once.
    async fn send(&mut self, method: &str, target: &str, headers: &[(&str, String)], body: Option<&[u8]>) -> EngineResult<RawResponse> {
        let url = if target.starts_with("http://") || target.starts_with("https://") {
            target.to_owned()
        } else {
            format!("{}://{}{target}", self.scheme.name(), self.image.host)
        };
        let mut all = headers.to_vec();
        if let Some(a) = &self.authorization {
            all.push(("Authorization", a.clone()));
        }
        let answer = exchange(method, &url, &all, body).await?;
        if answer.status != 401 || self.authorization.is_some() {
            return Ok(answer);
        }
        let challenge = answer.header("WWW-Authenticate").unwrap_or_default().to_owned();
        let without_user = self.auth.and_then(|a| a.username.as_deref()).is_none();
        if without_user && challenge.trim_start().get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic")) {
            return Err(push_denied("authorization failed: no basic auth credentials"));
        }
        let authorization = authorize(&challenge, &self.image.repository, "pull,push", self.auth).await?;
        all.push(("Authorization", authorization.clone()));
        self.authorization = Some(authorization);
        let answer = exchange(method, &url, &all, body).await?;
        if matches!(answer.status, 401 | 403) {
            return Err(push_denied(&registry_message(&answer)));
        }
        Ok(answer)
    }

    /// Uploads `data` as a blob unless the repository has it (a monolithic upload: `POST`
    /// for a session, `PUT` of the whole content with its digest).
    async fn push_blob(&mut self, data: &[u8]) -> EngineResult<()> {
        let digest = oci::digest(data);
        let repository = self.image.repository.clone();
        let blob = format!("/v2/{repository}/blobs/{digest}");
        if self.send("HEAD", &blob, &[], None).await?.status == 200 {
            return Ok(());
        }
        let start = format!("/v2/{repository}/blobs/uploads/");
        let answer = self.send("POST", &start, &[], None).await?;
        if answer.status != 202 {
            return Err(unexpected("POST", &start, &answer));
        }
        let location = answer.header("Location").filter(|l| !l.is_empty()).ok_or_else(|| EngineError::Protocol {
            message: format!("the registry started an upload to {repository} without saying where (no Location)"),
        })?;
        let separator = if location.contains('?') { '&' } else { '?' };
        let target = format!("{location}{separator}digest={}", query_escape(&digest));
        let headers = [("Content-Type", "application/octet-stream".to_owned())];
        let answer = self.send("PUT", &target, &headers, Some(data)).await?;
        if answer.status != 201 {
            return Err(unexpected("PUT", &target, &answer));
        }
        Ok(())
    }

    /// Pushes the config blob and the manifest of `artifact` following `version`.
    async fn push_manifest(&mut self, artifact: &ArtifactPush, version: OciVersion) -> EngineResult<ArtifactPushed> {
        let manifest = oci::manifest(artifact, version);
        self.push_blob(&manifest.config.data).await?;
        let target = format!("/v2/{}/manifests/{}", self.image.repository, self.image.reference);
        let headers = [("Content-Type", oci::IMAGE_MANIFEST_MEDIA_TYPE.to_owned())];
        let answer = self.send("PUT", &target, &headers, Some(&manifest.bytes)).await?;
        if answer.status != 201 {
            return Err(unexpected("PUT", &target, &answer));
        }
        let digest = answer.header("Docker-Content-Digest").filter(|d| !d.is_empty()).map_or_else(|| manifest.digest(), str::to_owned);
        Ok(ArtifactPushed { digest, oci_version: version })
    }
}

/// A push the registry refused for want of (valid) credentials, in containerd's words.
fn push_denied(detail: &str) -> EngineError {
    EngineError::Api {
        status: 401,
        message: format!("push access denied, repository does not exist or may require authorization: {detail}"),
    }
}

/// A registry's refusal of `method target`, with its own words when it gave any.
fn unexpected(method: &str, target: &str, answer: &RawResponse) -> EngineError {
    let path = target.split('?').next().unwrap_or(target);
    EngineError::Api { status: answer.status, message: format!("{method} {path}: {}", registry_message(answer)) }
}

/// The `Authorization` header answering `challenge`; a token is asked for `actions`
/// (`pull`, `pull,push`) on `repository` when the challenge names no scope.
async fn authorize(challenge: &str, repository: &str, actions: &str, auth: Option<&RegistryAuth>) -> EngineResult<String> {
    let (scheme, params) = challenge.trim().split_once(' ').unwrap_or((challenge.trim(), ""));
    let basic = auth.and_then(|a| {
        let user = a.username.as_deref()?;
        let password = a.password.as_deref().unwrap_or_default();
        Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))))
    });
    let refused = || EngineError::Api { status: 401, message: "unauthorized: authentication required".to_owned() };
    if scheme.eq_ignore_ascii_case("basic") {
        return basic.ok_or_else(refused);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(EngineError::Api { status: 401, message: format!("unauthorized: unsupported authentication scheme {scheme:?}") });
    }
    if let Some(token) = auth.and_then(|a| a.registry_token.as_deref()).filter(|t| !t.is_empty()) {
        return Ok(format!("Bearer {token}"));
    }
    let param = |key: &str| challenge_param(params, key);
    let realm = param("realm").ok_or_else(refused)?;
    if !realm.starts_with("http://") && !realm.starts_with("https://") {
        return Err(EngineError::Api { status: 401, message: format!("the registry's token service {realm:?} is not an HTTP(S) URL") });
    }
    let scope = param("scope").unwrap_or_else(|| format!("repository:{repository}:{actions}"));
    let mut token_url = format!("{realm}{}scope={}", if realm.contains('?') { '&' } else { '?' }, query_escape(&scope));
    if let Some(service) = param("service") {
        let _ = write!(token_url, "&service={}", query_escape(&service));
    }
    let answer = get(&token_url, "application/json", basic.as_deref()).await?;
    if answer.status != 200 {
        return Err(EngineError::Api { status: answer.status, message: registry_message(&answer) });
    }
    let body: serde_json::Value = serde_json::from_slice(&answer.body)
        .map_err(|e| EngineError::Protocol { message: format!("the registry's token answer: {e}") })?;
    let token = body["token"].as_str().or_else(|| body["access_token"].as_str()).filter(|t| !t.is_empty()).ok_or_else(refused)?;
    Ok(format!("Bearer {token}"))
}

/// A parameter of a `WWW-Authenticate` challenge (`realm="…",service="…"`).
fn challenge_param(params: &str, key: &str) -> Option<String> {
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (name, after) = rest.split_once('=')?;
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let (value, next) = quoted.split_once('"')?;
                (value, next)
            }
            None => after.split_once(',').unwrap_or((after, "")),
        };
        if name.trim().eq_ignore_ascii_case(key) {
            return Some(value.to_owned());
        }
        rest = next.trim_start_matches([',', ' ']);
    }
    None
}

fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The registry's error as Docker words it (`manifest unknown: manifest unknown`), from its
/// `{"errors":[{"code","message"}]}` body, else the HTTP status.
fn registry_message(answer: &RawResponse) -> String {
    let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap_or_default();
    let errors: Vec<String> = body["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    let code = e["code"].as_str().unwrap_or_default().to_lowercase().replace('_', " ");
                    match e["message"].as_str() {
                        Some(m) if !code.is_empty() => format!("{code}: {m}"),
                        Some(m) => m.to_owned(),
                        None => code,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    if !errors.is_empty() {
        return errors.join(", ");
    }
    match answer.status {
        401 => "unauthorized: authentication required".to_owned(),
        404 => "manifest unknown".to_owned(),
        status => format!("the registry answered HTTP {status}"),
    }
}

/// `GET url` with `accept` and an optional `Authorization`.
async fn get(url: &str, accept: &str, authorization: Option<&str>) -> EngineResult<RawResponse> {
    let mut headers = vec![("Accept", accept.to_owned())];
    if let Some(a) = authorization {
        headers.push(("Authorization", a.to_owned()));
    }
    exchange("GET", url, &headers, None).await
}

/// `method url` (`http://` or `https://`) with `headers` and an optional body, reported to
/// [`trace`].
async fn exchange(method: &str, url: &str, headers: &[(&str, String)], body: Option<&[u8]>) -> EngineResult<RawResponse> {
    let (secure, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => return Err(EngineError::invalid(format!("not an HTTP(S) URL: {url}"))),
    };
    let (host, path) = rest.find('/').map_or((rest, "/"), |i| rest.split_at(i));
    let has_port = match host.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").is_some(),
        None => host.rsplit_once(':').is_some_and(|(_, p)| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())),
    };
    let address = if has_port { host.to_owned() } else { format!("{host}:{}", if secure { 443 } else { 80 }) };
    let tls = if secure { Some(connector(host)?) } else { None };
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: berth\r\nConnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    if body.is_some() || matches!(method, "POST" | "PUT") {
        let _ = write!(request, "Content-Length: {}\r\n", body.map_or(0, <[u8]>::len));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default());
    let context = format!("{}{} {url:?}", method.get(..1).unwrap_or_default(), method.get(1..).unwrap_or_default().to_lowercase());
    let failed = |e: std::io::Error| match registry_tls::failure(host, &e) {
        Some(why) => EngineError::Io { context: context.clone(), source: std::io::Error::other(why) },
        None => EngineError::Io { context: context.clone(), source: e },
    };
    let started = trace::start();
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(&address).await?;
        match tls {
            Some((connector, name)) => round_trip(connector.connect(name, stream).await?, &bytes).await,
            None => round_trip(stream, &bytes).await,
        }
    };
    let answer = match tokio::time::timeout(TIMEOUT, exchange).await {
        Ok(Ok(answer)) => raw::parse_response(&answer, method == "HEAD"),
        Ok(Err(e)) => Err(failed(e)),
        Err(_) => Err(failed(std::io::Error::new(std::io::ErrorKind::TimedOut, "the registry did not answer in time"))),
    };
    if started.is_some() {
        let reason = answer.as_ref().err().map(ToString::to_string);
        let outcome = match &answer {
            Ok(a) => Ok(a.status),
            Err(_) => Err(reason.as_deref().unwrap_or_default()),
        };
        trace::report(started, trace::Peer::Registry, method, url, outcome);
    }
    answer
}

/// The TLS connector and server name for the registry `host` (`host[:port]`).
fn connector(host: &str) -> EngineResult<(tokio_rustls::TlsConnector, rustls::pki_types::ServerName<'static>)> {
    let name = tls::host_part(host);
    let server_name = rustls::pki_types::ServerName::try_from(name.to_owned())
        .map_err(|e| EngineError::invalid(format!("registry {host}: {name:?} is not a valid TLS server name: {e}")))?;
    Ok((tokio_rustls::TlsConnector::from(registry_tls::client_config(host)?), server_name))
}

/// Writes a whole `Connection: close` request to `stream` and reads the answer until the
/// registry closes the connection. A TLS peer that closes without saying so (no
/// `close_notify`, which some servers skip) has still answered when it sent anything.
async fn round_trip<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, request: &[u8]) -> std::io::Result<Vec<u8>> {
    stream.write_all(request).await?;
    stream.flush().await?;
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer).await {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !answer.is_empty() => Ok(answer),
        Err(e) => Err(e),
        Ok(_) => Ok(answer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn references_split_as_the_distribution_api_names_them() {
        let r = ManifestRef::parse("127.0.0.1:5000/a/b:1");
        assert_eq!((r.host.as_str(), r.repository.as_str(), r.reference.as_str()), ("127.0.0.1:5000", "a/b", "1"));
        let r = ManifestRef::parse("redis");
        assert_eq!((r.host.as_str(), r.repository.as_str(), r.reference.as_str()), ("docker.io", "library/redis", "latest"));
        let r = ManifestRef::parse("docker.io/user/app@sha256:00");
        assert_eq!((r.repository.as_str(), r.reference.as_str()), ("user/app", "sha256:00"));
        assert_eq!(ManifestRef::parse("localhost/x").host, "localhost");
    }

    #[test]
    fn plain_http_follows_the_engine_configuration() {
        let podman = serde_json::json!({"RegistryConfig": {"IndexConfigs": {
            "127.0.0.1:5000": {"Secure": false}, "reg.example/ns": {"Secure": false},
            "reg.example": {"Secure": true}, "docker.io": {"Secure": true}}, "InsecureRegistryCIDRs": []}});
        let http = |image: &str| plain_http(&podman, &ManifestRef::parse(image));
        assert!(http("127.0.0.1:5000/a:1"));
        assert!(!http("127.0.0.1:5001/a:1"), "not listed, and no insecure CIDRs");
        assert!(http("reg.example/ns/app"));
        assert!(!http("reg.example/other/app"));
        assert!(!http("reg.example/nsx/app"), "prefixes end at a path boundary");
        assert!(!http("redis"));
        let docker = serde_json::json!({"RegistryConfig": {"IndexConfigs": {"docker.io": {"Secure": true}},
            "InsecureRegistryCIDRs": ["127.0.0.0/8", "::1/128"]}});
        let http = |image: &str| plain_http(&docker, &ManifestRef::parse(image));
        assert!(http("127.0.0.1:5001/a:1") && http("localhost:5000/a") && http("[::1]:5000/a"));
        assert!(!http("10.0.0.1:5000/a") && !http("reg.example/a") && !plain_http(&serde_json::Value::Null, &ManifestRef::parse("127.0.0.1:1/a")));
    }

    #[test]
    fn cidrs_and_challenges_parse() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_cidr(ip("127.8.0.1"), "127.0.0.0/8"));
        assert!(!in_cidr(ip("128.0.0.1"), "127.0.0.0/8"));
        assert!(in_cidr(ip("10.1.2.3"), "0.0.0.0/0"));
        assert!(!in_cidr(ip("::1"), "127.0.0.0/8"));
        assert!(!in_cidr(ip("1.2.3.4"), "1.2.3.4/33") && !in_cidr(ip("1.2.3.4"), "garbage"));
        let params = r#"realm="http://auth.example/token",service="registry",scope="repository:a/b:pull,push""#;
        assert_eq!(challenge_param(params, "realm").as_deref(), Some("http://auth.example/token"));
        assert_eq!(challenge_param(params, "scope").as_deref(), Some("repository:a/b:pull,push"));
        assert_eq!(challenge_param("realm=bare,x=\"y\"", "realm").as_deref(), Some("bare"));
        assert_eq!(challenge_param("broken=\"", "broken"), None);
    }

    /// A registry on a local port answering each connection with the next of the answers
    /// `answers` makes from its address (status line, headers and body); the task returns
    /// the requests it read.
    async fn registry(answers: impl FnOnce(&str) -> Vec<String>) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let answers = answers(&address);
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            for answer in answers {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap();
                seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                s.write_all(answer.as_bytes()).await.unwrap();
            }
            seen
        });
        (address, task)
    }

    #[tokio::test]
    async fn basic_challenges_are_answered_with_the_credentials() {
        let (address, task) = registry(|_| {
            vec![
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:abc\r\nContent-Length: 2\r\n\r\n{}".to_owned(),
            ]
        })
        .await;
        let auth = RegistryAuth { username: Some("u".into()), password: Some("p".into()), ..RegistryAuth::default() };
        let digest = manifest_digest(&ManifestRef::parse(&format!("{address}/a/b:1")), Scheme::Http, Some(&auth)).await.unwrap();
        assert_eq!(digest, "sha256:abc");
        let seen = task.await.unwrap();
        assert!(seen[0].starts_with("GET /v2/a/b/manifests/1 HTTP/1.1\r\n") && !seen[0].contains("Authorization"));
        assert!(seen[1].contains("Authorization: Basic dTpw\r\n"), "{}", seen[1]);
    }

    /// A registry's answers to a manifest request behind a `Bearer` challenge whose realm is
    /// `realm_scheme://here/token` (the token service and the registry are the same server).
    fn bearer_answers(realm_scheme: &str, here: &str) -> Vec<String> {
        let challenge = format!("Bearer realm=\"{realm_scheme}://{here}/token\",service=\"reg\"");
        vec![
            format!("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\nContent-Length: 0\r\n\r\n"),
            "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"token\":\"tok\"}".to_owned(),
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_owned(),
        ]
    }

    /// Checks the requests [`bearer_answers`] answered: the token asked for, then sent.
    fn token_was_fetched_and_sent(seen: &[String]) {
        assert!(seen[1].starts_with("GET /token?scope=repository%3Aa%3Apull&service=reg HTTP/1.1"), "{}", seen[1]);
        assert!(seen[2].contains("Authorization: Bearer tok\r\n"), "{}", seen[2]);
    }

    #[tokio::test]
    async fn bearer_tokens_come_from_the_realm_and_digests_from_the_body() {
        let (address, task) = registry(|here| bearer_answers("http", here)).await;
        let digest = manifest_digest(&ManifestRef::parse(&format!("{address}/a:2")), Scheme::Http, None).await.unwrap();
        assert_eq!(digest, format!("sha256:{}", hex::encode(sha2::Sha256::digest(b"{}"))));
        token_was_fetched_and_sent(&task.await.unwrap());
    }

    #[tokio::test]
    async fn refusals_and_missing_tags_are_worded_as_docker_words_them() {
        let unknown = r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"nope"}}]}"#;
        let (address, task) = registry(|_| {
            vec![
                format!("HTTP/1.1 404 Not Found\r\nContent-Length: {}\r\n\r\n{unknown}", unknown.len()),
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n".to_owned(),
            ]
        })
        .await;
        let err = manifest_digest(&ManifestRef::parse(&format!("{address}/a:nope")), Scheme::Http, None).await.unwrap_err();
        assert!(matches!(&err, EngineError::NotFound { message, .. } if message == "manifest unknown: manifest unknown"), "{err:?}");
        let err = manifest_digest(&ManifestRef::parse(&format!("{address}/a:1")), Scheme::Http, None).await.unwrap_err();
        assert_eq!(err.to_string(), "unauthorized: authentication required");
        task.await.unwrap();
        let err = manifest_digest(&ManifestRef::parse("127.0.0.1:1/a:1"), Scheme::Http, None).await.unwrap_err();
        assert!(err.to_string().starts_with("Get \"http://127.0.0.1:1/v2/a/manifests/1\": "), "{err}");
    }

    /// A new CA: its certificate and key.
    fn test_ca() -> (rcgen::Certificate, rcgen::KeyPair) {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        (params.self_signed(&key).unwrap(), key)
    }

    /// The TLS configuration of a server at 127.0.0.1 with a certificate of `ca`, requiring a
    /// client certificate of `ca` when `client_auth`.
    fn tls_server((ca, ca_key): &(rcgen::Certificate, rcgen::KeyPair), client_auth: bool) -> rustls::ServerConfig {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap().signed_by(&key, ca, ca_key).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_safe_default_protocol_versions().unwrap();
        let builder = if client_auth {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca.der().clone()).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(std::sync::Arc::new(roots), provider).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        builder
            .with_single_cert(vec![cert.der().clone()], rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()))
            .unwrap()
    }

    /// As [`registry`], over TLS; the first connection's handshake is expected to fail when
    /// `refused_first`.
    async fn tls_registry(
        config: rustls::ServerConfig,
        refused_first: bool,
        answers: impl FnOnce(&str) -> Vec<String>,
    ) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let answers = answers(&address);
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        let task = tokio::spawn(async move {
            if refused_first {
                let (s, _) = listener.accept().await.unwrap();
                // Drained until the client closes, so the client reads the alert rather than
                // a reset.
                let Err((_, mut tcp)) = acceptor.accept(s).into_fallible().await else { panic!("the handshake succeeded") };
                let _ = tcp.read_to_end(&mut Vec::new()).await;
            }
            let mut seen = Vec::new();
            for answer in answers {
                let (s, _) = listener.accept().await.unwrap();
                let mut s = acceptor.accept(s).await.unwrap();
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap();
                seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
                s.write_all(answer.as_bytes()).await.unwrap();
                s.shutdown().await.unwrap();
            }
            seen
        });
        (address, task)
    }

    #[tokio::test]
    async fn https_registries_and_token_realms_are_trusted_through_their_ca() {
        let ca = test_ca();
        let (address, task) = tls_registry(tls_server(&ca, false), true, |here| bearer_answers("https", here)).await;
        let image = ManifestRef::parse(&format!("{address}/a:2"));
        // Not trusted yet: the system's roots do not hold the test CA.
        let err = manifest_digest(&image, Scheme::Https, None).await.unwrap_err().to_string();
        assert!(err.starts_with(&format!("Get \"https://{address}/v2/a/manifests/2\": TLS handshake with the registry {address} failed: its certificate is not signed by a trusted CA")), "{err}");
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca.0.der().clone()).unwrap();
        let trusted = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        registry_tls::preset(&address, trusted);
        let digest = manifest_digest(&image, Scheme::Https, None).await.unwrap();
        assert_eq!(digest, format!("sha256:{}", hex::encode(sha2::Sha256::digest(b"{}"))));
        token_was_fetched_and_sent(&task.await.unwrap());
    }

    #[tokio::test]
    async fn the_registry_directory_gives_the_ca_and_the_client_certificate() {
        let ca = test_ca();
        let (address, task) = tls_registry(tls_server(&ca, true), true, |_| {
            vec!["HTTP/1.1 200 OK\r\nDocker-Content-Digest: sha256:abc\r\nContent-Length: 2\r\n\r\n{}".to_owned()]
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.crt"), ca.0.pem()).unwrap();
        let sources = registry_tls::TrustSources { bundles: vec![], directories: vec![], registry_dir: dir.path().to_path_buf() };
        let image = ManifestRef::parse(&format!("{address}/a:1"));
        // The CA alone: the registry wants a client certificate.
        registry_tls::preset(&address, registry_tls::build(&sources).unwrap());
        let err = manifest_digest(&image, Scheme::Https, None).await.unwrap_err().to_string();
        assert!(err.contains(&format!("TLS handshake with the registry {address} failed: it did not accept the client certificate")), "{err}");
        let key = rcgen::KeyPair::generate().unwrap();
        let client = rcgen::CertificateParams::new(vec!["client".to_owned()]).unwrap().signed_by(&key, &ca.0, &ca.1).unwrap();
        std::fs::write(dir.path().join("client.cert"), client.pem()).unwrap();
        std::fs::write(dir.path().join("client.key"), key.serialize_pem()).unwrap();
        registry_tls::preset(&address, registry_tls::build(&sources).unwrap());
        assert_eq!(manifest_digest(&image, Scheme::Https, None).await.unwrap(), "sha256:abc");
        task.await.unwrap();
    }

    #[tokio::test]
    async fn plain_http_servers_asked_in_tls_are_named() {
        let (address, task) = registry(|_| vec!["HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned()]).await;
        let err = manifest_digest(&ManifestRef::parse(&format!("{address}/a:1")), Scheme::Https, None).await.unwrap_err().to_string();
        assert!(err.contains(&format!("TLS handshake with the registry {address} failed: it did not answer in TLS")), "{err}");
        task.abort();
    }

    fn artifact(reference: &str, auth: Option<RegistryAuth>) -> ArtifactPush {
        ArtifactPush {
            reference: reference.to_owned(),
            layers: vec![crate::types::artifact::ArtifactBlob {
                media_type: "application/x+yaml".into(),
                data: b"services: {}\n".to_vec(),
                annotations: std::collections::BTreeMap::new(),
            }],
            artifact_type: "application/x.project".into(),
            config_media_type: "application/x.config+json".into(),
            annotations: std::collections::BTreeMap::new(),
            oci_version: None,
            auth,
        }
    }

    #[tokio::test]
    async fn artifacts_fall_back_to_oci_1_0_when_the_registry_refuses_1_1() {
        let invalid = r#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}"#;
        let (address, task) = registry(|_| {
            vec![
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 202 Accepted\r\nLocation: /v2/a/blobs/uploads/u1?_state=x\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned(),
                format!("HTTP/1.1 400 Bad Request\r\nContent-Length: {}\r\n\r\n{invalid}", invalid.len()),
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 201 Created\r\nDocker-Content-Digest: sha256:abc\r\nContent-Length: 0\r\n\r\n".to_owned(),
            ]
        })
        .await;
        let pushed = push_artifact(&ManifestRef::parse(&format!("{address}/a:v1")), Scheme::Http, &artifact("x", None)).await.unwrap();
        assert_eq!(pushed, ArtifactPushed { digest: "sha256:abc".into(), oci_version: OciVersion::V1_0 });
        let seen = task.await.unwrap();
        let layer = oci::digest(b"services: {}\n");
        assert!(seen[0].starts_with(&format!("HEAD /v2/a/blobs/{layer} HTTP/1.1\r\n")), "{}", seen[0]);
        assert!(seen[1].starts_with("POST /v2/a/blobs/uploads/ HTTP/1.1\r\n"), "{}", seen[1]);
        let put = format!("PUT /v2/a/blobs/uploads/u1?_state=x&digest={} HTTP/1.1\r\n", query_escape(&layer));
        assert!(seen[2].starts_with(&put) && seen[2].ends_with("\r\n\r\nservices: {}\n"), "{}", seen[2]);
        assert!(seen[4].starts_with("PUT /v2/a/manifests/v1 HTTP/1.1\r\n") && seen[4].contains(r#""artifactType":"application/x.project""#));
        assert!(seen[4].contains("Content-Type: application/vnd.oci.image.manifest.v1+json\r\n"), "{}", seen[4]);
        assert!(!seen[6].contains("artifactType") && seen[6].contains(r#""mediaType":"application/x.config+json""#), "{}", seen[6]);
    }

    #[tokio::test]
    async fn artifact_pushes_authenticate_once_and_refusals_are_worded_as_containerd_words_them() {
        let challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 0\r\n\r\n";
        let (address, task) = registry(|_| {
            vec![
                challenge.to_owned(),
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_owned(),
                "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n".to_owned(),
                challenge.to_owned(),
                challenge.to_owned(),
                challenge.to_owned(),
            ]
        })
        .await;
        let mut push = artifact(&format!("{address}/a:v1"), Some(RegistryAuth { username: Some("u".into()), password: Some("p".into()), ..RegistryAuth::default() }));
        push.oci_version = Some(OciVersion::V1_1);
        let image = ManifestRef::parse(&push.reference);
        let pushed = push_artifact(&image, Scheme::Http, &push).await.unwrap();
        assert_eq!(pushed.oci_version, OciVersion::V1_1);
        // Without credentials, and with credentials the registry refuses.
        let denied = "push access denied, repository does not exist or may require authorization: ";
        let err = push_artifact(&image, Scheme::Http, &artifact("x", None)).await.unwrap_err();
        assert_eq!(err.to_string(), format!("{denied}authorization failed: no basic auth credentials"));
        let err = push_artifact(&image, Scheme::Http, &push).await.unwrap_err();
        assert_eq!(err.to_string(), format!("{denied}unauthorized: authentication required"));
        let seen = task.await.unwrap();
        assert!(!seen[0].contains("Authorization"));
        for later in &seen[1..4] {
            assert!(later.contains("Authorization: Basic dTpw\r\n"), "{later}");
        }
    }
}
