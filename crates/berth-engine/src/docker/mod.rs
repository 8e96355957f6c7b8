//! `DockerEngine`: the [`Engine`] trait over the Docker Engine API through bollard, for Docker
//! and for Podman's Docker-compatible service.
//!
//! The API version is negotiated when connecting and fixes the [`Capabilities`]; version gates
//! are applied here so callers send one description of a container whatever the engine:
//! below API 1.44 a container is created on its primary network and connected to the others
//! before `create_container` returns, and the primary endpoint's MAC address moves to the
//! container-wide field.

mod convert;
mod raw;
mod registry;
mod registry_tls;
mod retry;
mod tls;
mod transport;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine as _;
use bollard::errors::Error as BollardError;
use bollard::query_parameters as q;
use bollard::Docker;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};

use crate::connect::{resolve_host_from_env, ConnectOptions, EngineHost, TlsSettings};
use crate::engine::{
    AttachedIo, ByteStream, ContainerCreated, Engine, EngineStream, ExecStarted,
};
use crate::error::{EngineError, EngineResult, ObjectKind};
use crate::types::artifact::{ArtifactPush, ArtifactPushed};
use crate::types::container::{
    ArchivePutOptions, AttachOptions, ContainerCreate, ContainerStatus, ContainerDetails, ContainerListOptions,
    ContainerStats, ContainerSummary, EndpointConfig, ExecConfig, ExecDetails, ExecStartOptions,
    LogFrame, LogsOptions, OutputStream, PathStat, RemoveOptions, StopOptions, TopResult,
    WaitCondition, WaitResult,
};
use crate::types::image::{
    BuildEvent, BuildOptions, ImageDeleteItem, ImageDetails, ImageListOptions, ImageRemoveOptions,
    ImageSummary, ProgressEvent, PullOptions, PushOptions, RegistryAuth,
};
use crate::types::network::{
    ListOptions, NetworkConnect, NetworkCreate, NetworkDetails, VolumeCreate, VolumeDetails,
};
use crate::types::swarm::{
    NodeDetails, ServiceDetails, ServiceSpec, SwarmObject, SwarmObjectCreate, TaskDetails,
};
use crate::types::system::{EngineEvent, EngineInfo, EngineVersion, EventOptions, SwarmState};
use crate::version::{ApiVersion, Capabilities};

/// Seconds bollard waits for response headers. Long enough for `stop` with a generous grace
/// period; streams (logs, events, wait) are not limited by it once headers arrived.
const REQUEST_TIMEOUT_SECS: u64 = 600;

/// A Docker Engine API client.
#[derive(Clone)]
pub struct DockerEngine {
    docker: Docker,
    host: EngineHost,
    host_text: Arc<str>,
    caps: Capabilities,
    raw: raw::RawClient,
}

impl std::fmt::Debug for DockerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerEngine").field("host", &self.host).field("caps", &self.caps).finish_non_exhaustive()
    }
}

/// What Podman 4.3's refusals end with when an object's state, name or users are in the way,
/// which Docker answers with 409 (a network in use: 403 or 409).
const PODMAN_CONFLICTS: [&str; 3] = ["container state improper", "that name is already in use", "network is being used"];

/// An engine's refusal other than 404. Podman 4.3 answers 500 for the refusals Docker
/// answers 409 ([`PODMAN_CONFLICTS`]); they are read as the conflict they are.
pub(crate) fn refusal(status: u16, message: String) -> EngineError {
    let podman_conflict = status == 500 && PODMAN_CONFLICTS.iter().any(|c| message.ends_with(c));
    if status == 409 || podman_conflict {
        EngineError::Conflict { message }
    } else {
        EngineError::Api { status, message }
    }
}

/// Maps a bollard error to an `EngineError`, naming the object for 404s.
fn map_err(host: &str, kind: ObjectKind, id: &str, e: BollardError) -> EngineError {
    match e {
        BollardError::DockerResponseServerError { status_code: 404, message } => {
            EngineError::NotFound { kind, id: id.to_owned(), message }
        }
        BollardError::DockerResponseServerError { status_code, message } => refusal(status_code, message),
        BollardError::HyperLegacyError { err } if tls::failure(&err).is_some() => {
            tls::unreachable(host, tls::failure(&err).unwrap_or_default())
        }
        BollardError::HyperLegacyError { err } if err.is_connect() => EngineError::Unreachable {
            host: host.to_owned(),
            reason: std::error::Error::source(&err).map_or_else(|| err.to_string(), ToString::to_string),
            hint: Some("Is the docker daemon running?".to_owned()),
        },
        BollardError::SocketNotFoundError(path) => EngineError::Unreachable {
            host: host.to_owned(),
            reason: format!("socket {path} not found"),
            hint: Some("Is the docker daemon running?".to_owned()),
        },
        BollardError::RequestTimeoutError => EngineError::Timeout,
        BollardError::DockerStreamError { error } => EngineError::Stream { message: error },
        BollardError::IOError { err } => EngineError::Io { context: format!("talking to {host}"), source: err },
        other => EngineError::Protocol { message: other.to_string() },
    }
}

/// Splits `repo[:tag][@digest]` into what the pull/tag endpoints take: `tag` is the tag or
/// the digest, `latest` when neither is given (an empty tag would pull every tag).
pub(crate) fn split_reference(reference: &str) -> (String, String) {
    if let Some((repo, digest)) = reference.split_once('@') {
        let repo = strip_tag(repo).0;
        return (repo.to_owned(), digest.to_owned());
    }
    let (repo, tag) = strip_tag(reference);
    (repo.to_owned(), tag.unwrap_or("latest").to_owned())
}

fn strip_tag(reference: &str) -> (&str, Option<&str>) {
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&reference[..at], Some(&reference[at + 1..]))
        }
        None => (reference, None),
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The `/build` query string (`podman`: for Podman's Docker-compatible service).
fn build_query(o: &BuildOptions, podman: bool) -> EngineResult<String> {
    let mut q: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: String| q.push((k.to_owned(), v));
    push("dockerfile", o.dockerfile.clone().unwrap_or_else(|| "Dockerfile".to_owned()));
    for t in &o.tags {
        push("t", t.clone());
    }
    // Docker repeats the parameter; Podman 4.3 reads one JSON list and refuses anything else
    // (400 without a message).
    if podman {
        if !o.extra_hosts.is_empty() {
            push("extrahosts", serde_json::json!(o.extra_hosts).to_string());
        }
    } else {
        for h in &o.extra_hosts {
            push("extrahosts", h.clone());
        }
    }
    if o.quiet {
        push("q", "1".to_owned());
    }
    if o.no_cache {
        push("nocache", "1".to_owned());
    }
    if o.pull {
        push("pull", "1".to_owned());
    }
    push("rm", if o.remove_intermediate.unwrap_or(true) { "1" } else { "0" }.to_owned());
    if o.force_remove {
        push("forcerm", "1".to_owned());
    }
    let json = |v: serde_json::Value| v.to_string();
    if !o.cache_from.is_empty() {
        push("cachefrom", json(serde_json::json!(o.cache_from)));
    }
    if !o.build_args.is_empty() {
        push("buildargs", json(serde_json::json!(o.build_args)));
    }
    if !o.labels.is_empty() {
        // Podman 4.3 turns a map of labels into one LABEL step each in Go's random map order,
        // so a rebuild misses the cache one time in two and makes a new image; it keeps the
        // order of a list of `key=value` (which Docker does not take).
        let labels = if podman {
            serde_json::json!(o.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>())
        } else {
            serde_json::json!(o.labels)
        };
        push("labels", json(labels));
    }
    if let Some(n) = &o.network_mode {
        push("networkmode", n.clone());
    }
    if let Some(p) = &o.platform {
        push("platform", p.clone());
    }
    if let Some(t) = &o.target {
        push("target", t.clone());
    }
    if let Some(s) = o.shm_size {
        push("shmsize", s.to_string());
    }
    if let Some(i) = &o.isolation {
        push("isolation", i.clone());
    }
    if let Some(m) = o.memory {
        push("memory", m.to_string());
    }
    if let Some(r) = &o.remote {
        push("remote", r.clone());
    }
    if !o.ulimits.is_empty() {
        let mut list = Vec::new();
        for u in &o.ulimits {
            let bad = || EngineError::invalid(format!("invalid ulimit {u:?} (expected name=soft[:hard])"));
            let (name, limits) = u.split_once('=').ok_or_else(bad)?;
            let (soft, hard) = limits.split_once(':').unwrap_or((limits, limits));
            let soft: i64 = soft.parse().map_err(|_| bad())?;
            let hard: i64 = hard.parse().map_err(|_| bad())?;
            list.push(serde_json::json!({"Name": name, "Soft": soft, "Hard": hard}));
        }
        push("ulimits", json(serde_json::Value::Array(list)));
    }
    Ok(q.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect::<Vec<_>>().join("&"))
}

/// One JSON message of `/build` as berth events; an error message ends the build.
fn build_events(doc: EngineResult<serde_json::Value>) -> Vec<EngineResult<BuildEvent>> {
    let doc = match doc {
        Ok(d) => d,
        Err(e) => return vec![Err(e)],
    };
    let text = |k: &str| doc.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    if let Some(message) = doc.pointer("/errorDetail/message").and_then(serde_json::Value::as_str).map(str::to_owned).or_else(|| text("error")) {
        // The classic builder gives the exit code of a failed RUN step; Podman (buildah) only
        // says it in the message.
        let code = doc.pointer("/errorDetail/code").and_then(serde_json::Value::as_i64).or_else(|| buildah_exit_status(&message));
        return match code.filter(|c| *c != 0) {
            Some(code) => vec![Err(EngineError::Failed { message, code })],
            None => vec![Err(EngineError::Stream { message })],
        };
    }
    let mut out = Vec::new();
    if let Some(line) = text("stream") {
        out.push(Ok(BuildEvent::Output(line)));
    }
    if doc.get("status").is_some() || doc.get("progressDetail").is_some() {
        out.push(Ok(BuildEvent::Progress(ProgressEvent {
            id: text("id"),
            status: text("status"),
            current: doc.pointer("/progressDetail/current").and_then(serde_json::Value::as_i64),
            total: doc.pointer("/progressDetail/total").and_then(serde_json::Value::as_i64),
            progress: text("progress"),
        })));
    }
    if let Some(id) = doc.pointer("/aux/ID").and_then(serde_json::Value::as_str) {
        out.push(Ok(BuildEvent::ImageId(id.to_owned())));
    }
    out
}

/// The exit code in buildah's message for a failed `RUN` step (`building at STEP "RUN exit 3":
/// while running runtime: exit status 3`).
fn buildah_exit_status(message: &str) -> Option<i64> {
    let (_, status) = message.trim_end().rsplit_once("while running runtime: exit status ")?;
    status.parse().ok()
}

/// One message of a pull or push stream; an error message ends the stream as an error.
fn progress_event(doc: EngineResult<serde_json::Value>) -> Option<EngineResult<ProgressEvent>> {
    let doc = match doc {
        Ok(d) => d,
        Err(e) => return Some(Err(e)),
    };
    let text = |k: &str| doc.get(k).and_then(serde_json::Value::as_str).map(str::to_owned);
    if let Some(message) = doc.pointer("/errorDetail/message").and_then(serde_json::Value::as_str).map(str::to_owned).or_else(|| text("error")) {
        return Some(Err(EngineError::Stream { message }));
    }
    if doc.get("status").is_none() && doc.get("id").is_none() {
        return None;
    }
    Some(Ok(ProgressEvent {
        id: text("id"),
        status: text("status"),
        current: doc.pointer("/progressDetail/current").and_then(serde_json::Value::as_i64),
        total: doc.pointer("/progressDetail/total").and_then(serde_json::Value::as_i64),
        progress: text("progress"),
    }))
}

fn clamp_i32(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(if n < 0 { i32::MIN } else { i32::MAX })
}

fn filters_opt(f: &crate::Filters) -> Option<HashMap<String, Vec<String>>> {
    (!f.is_empty()).then(|| f.to_map())
}

fn frame_from(o: bollard::container::LogOutput) -> LogFrame {
    use bollard::container::LogOutput as L;
    match o {
        L::StdOut { message } => LogFrame::new(OutputStream::Stdout, message),
        L::StdErr { message } => LogFrame::new(OutputStream::Stderr, message),
        L::StdIn { message } => LogFrame::new(OutputStream::Stdin, message),
        L::Console { message } => LogFrame::new(OutputStream::Console, message),
    }
}

/// How long the first `/_ping` may take before `/version` is asked instead (which reports a
/// hung engine with bollard's timeout and message).
const PING_TIMEOUT_SECS: u64 = 10;

impl DockerEngine {
    /// Connects to the engine chosen by `options` and the environment (`DOCKER_HOST`,
    /// `DOCKER_CONTEXT`, `~/.docker/config.json`, `DOCKER_TLS_VERIFY`...), negotiating the API
    /// version.
    pub async fn connect(options: &ConnectOptions) -> EngineResult<Self> {
        let resolved = resolve_host_from_env(options)?;
        Self::connect_tls(resolved.host, resolved.tls.as_ref()).await
    }

    /// Connects to `host` without TLS, negotiating the API version.
    pub async fn connect_host(host: EngineHost) -> EngineResult<Self> {
        Self::connect_tls(host, None).await
    }

    /// Connects to `host`, over TLS with `tls` when given and `host` is a TCP address,
    /// negotiating the API version.
    ///
    /// The engine's API version (the client then speaks the older of that and bollard's) and
    /// whether it is Podman come from `GET /_ping`'s headers, as the docker CLI negotiates:
    /// Podman 4.3 takes seconds to answer `/version` (it asks its runtimes for their versions),
    /// and every command starts here. An engine whose ping does not say is asked `/version`.
    pub async fn connect_tls(host: EngineHost, tls: Option<&TlsSettings>) -> EngineResult<Self> {
        let tls = match tls {
            Some(settings) => tls::Tls::for_host(settings, &host)?,
            None => None,
        };
        let host_text: Arc<str> = Arc::from(host.to_string());
        let unreachable = |e: BollardError| match map_err(&host_text, ObjectKind::Other, "", e) {
            e @ EngineError::Unreachable { .. } => e,
            other => EngineError::Unreachable {
                host: host_text.to_string(),
                reason: other.to_string(),
                hint: Some("Is the docker daemon running?".to_owned()),
            },
        };
        let client = |api: ApiVersion| {
            let version = bollard::ClientVersion {
                major_version: usize::try_from(api.major).unwrap_or(1),
                minor_version: usize::try_from(api.minor).unwrap_or(0),
            };
            transport::docker(&host, tls.as_ref(), REQUEST_TIMEOUT_SECS, &version)
        };
        let ping = raw::RawClient::new(host.clone(), tls.clone(), ApiVersion::CLIENT_MAX);
        let ping = tokio::time::timeout(std::time::Duration::from_secs(PING_TIMEOUT_SECS), ping.ping()).await;
        // A TLS failure (the only unreachable engine without a hint) stands: asking again
        // would fail the same way.
        if let Ok(Err(e @ EngineError::Unreachable { hint: None, .. })) = ping {
            return Err(e);
        }
        let pinged = ping.ok().and_then(Result::ok).and_then(|r| {
            let api: ApiVersion = r.header("Api-Version")?.parse().ok()?;
            Some((api, r.header("Libpod-Api-Version").is_some()))
        });
        let (server, is_podman) = if let Some(found) = pinged {
            found
        } else {
            let docker = client(ApiVersion::CLIENT_MAX).map_err(unreachable)?;
            let version = convert::version_from(docker.version().await.map_err(unreachable)?);
            let server: ApiVersion = version.api_version.parse().map_err(|reason: String| EngineError::Unreachable {
                host: host_text.to_string(),
                reason: format!("the engine's /version answer has no usable API version: {reason}"),
                hint: None,
            })?;
            (server, version.is_podman())
        };
        let api = server.min(ApiVersion::CLIENT_MAX);
        let docker = client(api).map_err(unreachable)?;
        Ok(Self {
            raw: raw::RawClient::new(host.clone(), tls, api),
            docker,
            host,
            host_text,
            caps: Capabilities::new(api, is_podman),
        })
    }

    /// The address connected to.
    pub fn host(&self) -> &EngineHost {
        &self.host
    }

    fn err(&self, kind: ObjectKind, id: &str) -> impl Fn(BollardError) -> EngineError + Send + Sync + 'static {
        let host = Arc::clone(&self.host_text);
        let id = id.to_owned();
        move |e| map_err(&host, kind, &id, e)
    }

    fn unsupported(&self, what: impl Into<String>, min: ApiVersion) -> EngineError {
        EngineError::Unsupported { what: what.into(), min_api: Some(min), have: self.caps.api_version }
    }

    async fn raw_ok(&self, method: &str, path: &str, body: Option<&[u8]>, kind: ObjectKind, id: &str) -> EngineResult<raw::RawResponse> {
        let r = self.raw.request(method, path, body).await?;
        match r.status {
            200..=299 | 304 => Ok(r),
            404 => Err(EngineError::NotFound { kind, id: id.to_owned(), message: r.message() }),
            status => Err(refusal(status, r.message())),
        }
    }

    /// The `t` of a stop or restart. Without one, Docker waits for the container's
    /// `StopTimeout`, else 10 s. Podman 4.3 records an unset `StopTimeout` as 0 for containers
    /// created through its Docker API and would kill them at once: there the wait is sent
    /// explicitly.
    async fn stop_timeout(&self, id: &str, options: &StopOptions) -> EngineResult<Option<i32>> {
        if options.timeout.is_some() || !self.caps.is_podman {
            return Ok(options.timeout.map(clamp_i32));
        }
        let recorded = self.inspect_podman_container(id).await?.config.stop_timeout.filter(|t| *t > 0);
        Ok(Some(recorded.map_or(10, |t| i32::try_from(t).unwrap_or(i32::MAX))))
    }

    /// After the engine refused to stop (restart) container `id`: on Podman, which refuses
    /// that for a paused container, unpauses it and says to try again (true). Docker stops a
    /// paused container by sending the signal and thawing it, so the signal reaches the
    /// processes on both engines. Else false: the refusal stands.
    async fn thawed_after_refusal(&self, id: &str, refusal: &EngineError) -> EngineResult<bool> {
        if !self.caps.is_podman || refusal.is_not_found() {
            return Ok(false);
        }
        if self.inspect_podman_container(id).await?.state.status != ContainerStatus::Paused {
            return Ok(false);
        }
        self.unpause_container(id).await?;
        Ok(true)
    }

    /// Inspects a container on Podman, whose `State.Status` has values Docker's has not
    /// (`stopped` while a container's exit is being processed, `configured`, `initialized`,
    /// `stopping`): they are read as Docker's nearest state instead of failing to parse.
    async fn inspect_podman_container(&self, id: &str) -> EngineResult<ContainerDetails> {
        let r = self.raw_ok("GET", &format!("/containers/{}/json", percent_encode(id)), None, ObjectKind::Container, id).await?;
        let protocol = |e: serde_json::Error| EngineError::Protocol { message: format!("inspecting container {id}: {e}") };
        let mut value: serde_json::Value = serde_json::from_slice(&r.body).map_err(protocol)?;
        if let Some(status) = value.pointer_mut("/State/Status") {
            let docker = match status.as_str() {
                Some("stopped") => Some("exited"),
                Some("configured" | "initialized") => Some("created"),
                Some("stopping") => Some("running"),
                _ => None,
            };
            if let Some(docker) = docker {
                *status = serde_json::Value::from(docker);
            }
        }
        let details: bollard::models::ContainerInspectResponse = serde_json::from_value(value).map_err(protocol)?;
        Ok(convert::details_from(details))
    }

    /// The digest of `reference` asked of its registry by berth itself, for engines without
    /// `GET /distribution/{name}/json`: over plain HTTP to a registry the engine's own
    /// configuration marks insecure, else over HTTPS (see [`registry`]). Podman, unlike the
    /// docker tools, does not take loopback registries for insecure ones.
    async fn registry_digest_direct(&self, reference: &str, auth: Option<&RegistryAuth>) -> EngineResult<String> {
        let info = self.raw_ok("GET", "/info", None, ObjectKind::Other, "").await?;
        let info: serde_json::Value = serde_json::from_slice(&info.body)
            .map_err(|e| EngineError::Protocol { message: format!("the engine's /info: {e}") })?;
        let image = registry::ManifestRef::parse(reference);
        let scheme = registry::Scheme::plain_if(registry::plain_http(&info, &image));
        registry::manifest_digest(&image, scheme, auth).await
    }

    /// Splits endpoints into those sent with create and those connected afterwards, moving
    /// the primary endpoint's MAC address to the container on old engines.
    #[allow(clippy::type_complexity)]
    fn plan_endpoints<'a>(
        &self,
        spec: &'a ContainerCreate,
    ) -> EngineResult<(Vec<(&'a String, EndpointConfig)>, Vec<(&'a String, &'a EndpointConfig)>, Option<String>)> {
        let all: Vec<(&String, &EndpointConfig)> = spec.networking.endpoints.iter().collect();
        if self.caps.supports_multiple_networks_on_create() || all.len() <= 1 && all.iter().all(|(_, e)| e.mac_address.is_none()) {
            return Ok((all.into_iter().map(|(n, e)| (n, e.clone())).collect(), Vec::new(), None));
        }
        // The primary network is the one named by network_mode, else the first (highest priority).
        let mode = spec.host_config.network_mode.as_deref();
        let primary_idx = all.iter().position(|(n, _)| Some(n.as_str()) == mode).unwrap_or(0);
        let mut first = Vec::new();
        let mut rest = Vec::new();
        let mut mac = None;
        for (i, (name, ep)) in all.into_iter().enumerate() {
            if i == primary_idx {
                let mut ep = ep.clone();
                mac = ep.mac_address.take();
                first.push((name, ep));
            } else {
                if ep.mac_address.is_some() {
                    return Err(self.unsupported(
                        format!("a MAC address on network {name:?}, which is not the container's primary network,"),
                        ApiVersion::MULTIPLE_NETWORKS_ON_CREATE,
                    ));
                }
                rest.push((name, ep));
            }
        }
        Ok((first, rest, mac))
    }
}

#[async_trait]
impl Engine for DockerEngine {
    fn capabilities(&self) -> Capabilities {
        self.caps
    }

    async fn ping(&self) -> EngineResult<()> {
        self.docker.ping().await.map(|_| ()).map_err(self.err(ObjectKind::Other, ""))
    }

    async fn info(&self) -> EngineResult<EngineInfo> {
        let i = self.docker.info().await.map_err(self.err(ObjectKind::Other, ""))?;
        let v = self.docker.version().await.map_err(self.err(ObjectKind::Other, ""))?;
        let v = convert::version_from(v);
        let swarm = i.swarm.unwrap_or_default();
        let mut runtimes: Vec<String> = i.runtimes.unwrap_or_default().into_keys().collect();
        runtimes.sort();
        Ok(EngineInfo {
            api_version: self.caps.api_version,
            server_api_version: v.api_version.parse().unwrap_or(self.caps.api_version),
            is_podman: v.is_podman(),
            server_version: i.server_version.unwrap_or_else(|| v.version.clone()),
            os: i.os_type.unwrap_or_default(),
            arch: i.architecture.unwrap_or_default(),
            kernel_version: i.kernel_version.unwrap_or_default(),
            name: i.name.unwrap_or_default(),
            swarm: SwarmState::parse(&swarm.local_node_state.map(|s| s.to_string()).unwrap_or_default()),
            swarm_node_id: swarm.node_id.filter(|s| !s.is_empty()),
            swarm_manager: swarm.control_available.unwrap_or_default(),
            default_runtime: i.default_runtime.filter(|s| !s.is_empty()),
            runtimes,
            storage_driver: i.driver.unwrap_or_default(),
            cgroup_driver: i.cgroup_driver.map(|c| c.to_string()).unwrap_or_default(),
            cgroup_version: i.cgroup_version.map(|c| c.to_string()).unwrap_or_default(),
            ncpu: i.ncpu.unwrap_or_default(),
            mem_total: i.mem_total.unwrap_or_default(),
            labels: i.labels.unwrap_or_default(),
            warnings: i.warnings.unwrap_or_default(),
        })
    }

    async fn version(&self) -> EngineResult<EngineVersion> {
        self.docker
            .version()
            .await
            .map(convert::version_from)
            .map_err(self.err(ObjectKind::Other, ""))
    }

    fn events(&self, options: &EventOptions) -> EngineStream<EngineEvent> {
        let opts = q::EventsOptions {
            since: options.since.map(|s| s.to_string()),
            until: options.until.map(|s| s.to_string()),
            filters: filters_opt(&options.filters),
        };
        // The label filters are checked here too: Podman 4.3 keeps an event that matches any
        // one of several `label` filters, where Docker requires all of them, so `logs -f` of
        // one project followed the same service's containers in other projects.
        let filters = options.filters.clone();
        self.docker
            .events(Some(opts))
            .map_ok(convert::event_from)
            .map_err(self.err(ObjectKind::Other, ""))
            .try_filter(move |event| std::future::ready(filters.match_labels(&event.attributes)))
            .boxed()
    }

    async fn list_containers(&self, options: &ContainerListOptions) -> EngineResult<Vec<ContainerSummary>> {
        let opts = q::ListContainersOptions {
            all: options.all,
            filters: filters_opt(&options.filters),
            ..Default::default()
        };
        let list = self.docker.list_containers(Some(opts)).await.map_err(self.err(ObjectKind::Container, ""))?;
        Ok(list.into_iter().map(convert::summary_from).collect())
    }

    async fn inspect_container(&self, id: &str) -> EngineResult<ContainerDetails> {
        if self.caps.is_podman {
            return self.inspect_podman_container(id).await;
        }
        self.docker
            .inspect_container(id, None::<q::InspectContainerOptions>)
            .await
            .map(convert::details_from)
            .map_err(self.err(ObjectKind::Container, id))
    }

    async fn create_container(&self, spec: &ContainerCreate) -> EngineResult<ContainerCreated> {
        if spec.config.healthcheck.as_ref().is_some_and(|h| h.start_interval.is_some())
            && !self.caps.supports_healthcheck_start_interval()
        {
            return Err(self.unsupported("healthcheck.start_interval", ApiVersion::HEALTHCHECK_START_INTERVAL));
        }
        let (first, rest, mac) = self.plan_endpoints(spec)?;
        let first_refs: Vec<(&String, &EndpointConfig)> = first.iter().map(|(n, e)| (*n, e)).collect();
        let body = convert::create_body(&spec.config, &spec.host_config, &first_refs, mac)?;
        let opts = q::CreateContainerOptions {
            name: spec.name.clone(),
            platform: spec.platform.clone().unwrap_or_default(),
        };
        let created = self
            .docker
            .create_container(Some(opts), body)
            .await
            // A 404 on create is about the image (or a network), never the container.
            .map_err(self.err(ObjectKind::Image, &spec.config.image))?;
        for (network, endpoint) in rest {
            let req = bollard::models::NetworkConnectRequest {
                container: Some(created.id.clone()),
                endpoint_config: Some(convert::endpoint_to(endpoint)),
            };
            self.docker
                .connect_network(network, req)
                .await
                .map_err(self.err(ObjectKind::Network, network))?;
        }
        Ok(ContainerCreated { id: created.id, warnings: created.warnings })
    }

    async fn start_container(&self, id: &str) -> EngineResult<()> {
        self.docker
            .start_container(id, None::<q::StartContainerOptions>)
            .await
            .map_err(self.err(ObjectKind::Container, id))
    }

    async fn stop_container(&self, id: &str, options: &StopOptions) -> EngineResult<()> {
        let opts = q::StopContainerOptions {
            t: self.stop_timeout(id, options).await?,
            signal: options.signal.clone().filter(|_| self.caps.supports_stop_signal_param()),
        };
        let stopped = self.docker.stop_container(id, Some(opts.clone())).await.map_err(self.err(ObjectKind::Container, id));
        match stopped {
            Err(e) if self.thawed_after_refusal(id, &e).await? => {
                self.docker.stop_container(id, Some(opts)).await.map_err(self.err(ObjectKind::Container, id))
            }
            other => other,
        }
    }

    async fn restart_container(&self, id: &str, options: &StopOptions) -> EngineResult<()> {
        let opts = q::RestartContainerOptions {
            t: self.stop_timeout(id, options).await?,
            signal: options.signal.clone().filter(|_| self.caps.supports_stop_signal_param()),
        };
        let restarted =
            self.docker.restart_container(id, Some(opts.clone())).await.map_err(self.err(ObjectKind::Container, id));
        match restarted {
            Err(e) if self.thawed_after_refusal(id, &e).await? => {
                self.docker.restart_container(id, Some(opts)).await.map_err(self.err(ObjectKind::Container, id))
            }
            other => other,
        }
    }

    async fn kill_container(&self, id: &str, signal: Option<&str>) -> EngineResult<()> {
        let opts = q::KillContainerOptions { signal: signal.unwrap_or("SIGKILL").to_owned() };
        self.docker.kill_container(id, Some(opts)).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn pause_container(&self, id: &str) -> EngineResult<()> {
        self.docker.pause_container(id).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn unpause_container(&self, id: &str) -> EngineResult<()> {
        self.docker.unpause_container(id).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn remove_container(&self, id: &str, options: &RemoveOptions) -> EngineResult<()> {
        let opts = q::RemoveContainerOptions { v: options.volumes, force: options.force, link: options.link };
        self.docker.remove_container(id, Some(opts)).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn rename_container(&self, id: &str, new_name: &str) -> EngineResult<()> {
        let opts = q::RenameContainerOptions { name: new_name.to_owned() };
        self.docker.rename_container(id, opts).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn wait_container(&self, id: &str, condition: WaitCondition) -> EngineResult<WaitResult> {
        let opts = q::WaitContainerOptions { condition: condition.as_str().to_owned() };
        let mut stream = self.docker.wait_container(id, Some(opts));
        match stream.next().await {
            Some(Ok(r)) => Ok(WaitResult {
                status_code: r.status_code,
                error: r.error.and_then(|e| e.message).filter(|m| !m.is_empty()),
            }),
            // bollard reports a non-zero exit as an error; it is a result here.
            Some(Err(BollardError::DockerContainerWaitError { error, code })) => {
                Ok(WaitResult { status_code: code, error: Some(error).filter(|m| !m.is_empty()) })
            }
            Some(Err(e)) => Err(self.err(ObjectKind::Container, id)(e)),
            None => Err(EngineError::Protocol { message: "wait ended without a result".to_owned() }),
        }
    }

    fn logs(&self, id: &str, options: &LogsOptions) -> EngineStream<LogFrame> {
        let opts = q::LogsOptions {
            follow: options.follow,
            stdout: options.stdout,
            stderr: options.stderr,
            since: options.since.map_or(0, clamp_i32),
            until: options.until.map_or(0, clamp_i32),
            timestamps: options.timestamps,
            tail: options.tail.map_or_else(|| "all".to_owned(), |n| n.to_string()),
        };
        self.docker.logs(id, Some(opts)).map_ok(frame_from).map_err(self.err(ObjectKind::Container, id)).boxed()
    }

    async fn attach_container(&self, id: &str, options: &AttachOptions) -> EngineResult<AttachedIo> {
        let opts = q::AttachContainerOptions {
            detach_keys: options.detach_keys.clone(),
            logs: options.logs,
            stream: options.stream,
            stdin: options.stdin,
            stdout: options.stdout,
            stderr: options.stderr,
        };
        let r = self.docker.attach_container(id, Some(opts)).await.map_err(self.err(ObjectKind::Container, id))?;
        Ok(AttachedIo {
            output: r.output.map_ok(frame_from).map_err(self.err(ObjectKind::Container, id)).boxed(),
            input: r.input,
        })
    }

    async fn resize_container_tty(&self, id: &str, height: u16, width: u16) -> EngineResult<()> {
        let opts = q::ResizeContainerTTYOptions { h: i32::from(height), w: i32::from(width) };
        self.docker.resize_container_tty(id, opts).await.map_err(self.err(ObjectKind::Container, id))
    }

    async fn connect_network(&self, network: &str, options: &NetworkConnect) -> EngineResult<()> {
        let req = bollard::models::NetworkConnectRequest {
            container: Some(options.container.clone()),
            endpoint_config: Some(convert::endpoint_to(&options.endpoint)),
        };
        self.docker.connect_network(network, req).await.map_err(self.err(ObjectKind::Network, network))
    }

    async fn disconnect_network(&self, network: &str, container: &str, force: bool) -> EngineResult<()> {
        let req = bollard::models::NetworkDisconnectRequest {
            container: Some(container.to_owned()),
            force: Some(force),
        };
        self.docker.disconnect_network(network, req).await.map_err(self.err(ObjectKind::Network, network))
    }

    async fn create_exec(&self, container: &str, config: &ExecConfig) -> EngineResult<String> {
        let opts = bollard::exec::CreateExecOptions::<String> {
            attach_stdin: Some(config.attach_stdin),
            attach_stdout: Some(config.attach_stdout),
            attach_stderr: Some(config.attach_stderr),
            tty: Some(config.tty),
            detach_keys: config.detach_keys.clone(),
            env: (!config.env.is_empty()).then(|| config.env.clone()),
            cmd: Some(config.cmd.clone()),
            privileged: Some(config.privileged),
            user: config.user.clone(),
            working_dir: config.working_dir.clone(),
        };
        self.docker
            .create_exec(container, opts)
            .await
            .map(|r| r.id)
            .map_err(self.err(ObjectKind::Container, container))
    }

    async fn start_exec(&self, exec_id: &str, options: &ExecStartOptions) -> EngineResult<ExecStarted> {
        let opts = bollard::exec::StartExecOptions { detach: options.detach, tty: options.tty, output_capacity: None };
        let started = self.docker.start_exec(exec_id, Some(opts)).await.map_err(self.err(ObjectKind::Exec, exec_id))?;
        if let Some((h, w)) = options.console_size {
            // Best effort, as the docker CLI does: the process may already have exited.
            let _ = self.resize_exec(exec_id, h, w).await;
        }
        Ok(match started {
            bollard::exec::StartExecResults::Attached { output, input } => ExecStarted::Attached(AttachedIo {
                output: output.map_ok(frame_from).map_err(self.err(ObjectKind::Exec, exec_id)).boxed(),
                input,
            }),
            bollard::exec::StartExecResults::Detached => ExecStarted::Detached,
        })
    }

    async fn inspect_exec(&self, exec_id: &str) -> EngineResult<ExecDetails> {
        self.docker.inspect_exec(exec_id).await.map(convert::exec_from).map_err(self.err(ObjectKind::Exec, exec_id))
    }

    async fn resize_exec(&self, exec_id: &str, height: u16, width: u16) -> EngineResult<()> {
        let opts = q::ResizeExecOptions { h: i32::from(height), w: i32::from(width) };
        self.docker.resize_exec(exec_id, opts).await.map_err(self.err(ObjectKind::Exec, exec_id))
    }

    async fn top(&self, id: &str, ps_args: Option<&str>) -> EngineResult<TopResult> {
        let opts = q::TopOptions { ps_args: ps_args.unwrap_or("-ef").to_owned() };
        self.docker.top_processes(id, Some(opts)).await.map(convert::top_from).map_err(self.err(ObjectKind::Container, id))
    }

    fn stats(&self, id: &str, stream: bool) -> EngineStream<ContainerStats> {
        let opts = q::StatsOptions { stream, one_shot: false };
        // Podman spells the id `Id` (Docker: `id`), which bollard does not read: the sample
        // then carries the id it was asked for.
        let asked = id.to_owned();
        self.docker
            .stats(id, Some(opts))
            .map_ok(move |s| {
                let mut sample = convert::stats_from(s);
                if sample.id.is_empty() {
                    sample.id.clone_from(&asked);
                }
                sample
            })
            .map_err(self.err(ObjectKind::Container, id))
            .boxed()
    }

    async fn archive_stat(&self, id: &str, path: &str) -> EngineResult<PathStat> {
        let url = format!("/containers/{}/archive?path={}", percent_encode(id), percent_encode(path));
        let r = self.raw.request("HEAD", &url, None).await?;
        match r.status {
            200 => {}
            404 => {
                // HEAD has no body: tell a missing container from a missing path.
                self.inspect_container(id).await?;
                return Err(EngineError::not_found(ObjectKind::Path, path));
            }
            status => return Err(EngineError::Api { status, message: format!("stat {path}: HTTP {status}") }),
        }
        let header = r
            .header("X-Docker-Container-Path-Stat")
            .ok_or_else(|| EngineError::Protocol { message: "missing X-Docker-Container-Path-Stat".to_owned() })?;
        let json = base64::engine::general_purpose::STANDARD
            .decode(header.trim())
            .map_err(|e| EngineError::Protocol { message: format!("path stat: {e}") })?;
        let v: serde_json::Value =
            serde_json::from_slice(&json).map_err(|e| EngineError::Protocol { message: format!("path stat: {e}") })?;
        Ok(PathStat {
            name: v["name"].as_str().unwrap_or_default().to_owned(),
            size: v["size"].as_i64().unwrap_or_default(),
            mode: v["mode"].as_u64().and_then(|m| u32::try_from(m).ok()).unwrap_or_default(),
            mtime: v["mtime"].as_str().unwrap_or_default().to_owned(),
            link_target: v["linkTarget"].as_str().unwrap_or_default().to_owned(),
        })
    }

    fn archive_get(&self, id: &str, path: &str) -> EngineStream<Bytes> {
        let opts = q::DownloadFromContainerOptions { path: path.to_owned() };
        let path = path.to_owned();
        let on_err = self.err(ObjectKind::Container, id);
        self.docker
            .download_from_container(id, Some(opts))
            .map_err(move |e| match on_err(e) {
                // The engine answers 404 for a missing path as well as a missing container.
                EngineError::NotFound { message, .. } if !message.starts_with("No such container") => {
                    EngineError::not_found(ObjectKind::Path, path.clone())
                }
                other => other,
            })
            .boxed()
    }

    async fn archive_put(&self, id: &str, path: &str, tar: ByteStream, options: &ArchivePutOptions) -> EngineResult<()> {
        let opts = q::UploadToContainerOptions {
            path: path.to_owned(),
            no_overwrite_dir_non_dir: options.no_overwrite_dir_non_dir.then(|| "true".to_owned()),
            copy_uidgid: options.copy_uid_gid.then(|| "true".to_owned()),
        };
        let path = path.to_owned();
        self.docker
            .upload_to_container(id, Some(opts), bollard::body_try_stream(tar))
            .await
            .map_err(|e| match self.err(ObjectKind::Container, id)(e) {
                // The engine answers 404 for a missing directory as well as a missing container.
                EngineError::NotFound { message, .. } if !message.starts_with("No such container") => {
                    EngineError::not_found(ObjectKind::Path, path.clone())
                }
                other => other,
            })
    }

    async fn list_images(&self, options: &ImageListOptions) -> EngineResult<Vec<ImageSummary>> {
        let opts = q::ListImagesOptions { all: options.all, filters: filters_opt(&options.filters), ..Default::default() };
        let list = self.docker.list_images(Some(opts)).await.map_err(self.err(ObjectKind::Image, ""))?;
        Ok(list.into_iter().map(convert::image_summary_from).collect())
    }

    async fn inspect_image(&self, reference: &str) -> EngineResult<ImageDetails> {
        self.docker
            .inspect_image(reference)
            .await
            .map(convert::image_details_from)
            .map_err(self.err(ObjectKind::Image, reference))
    }

    async fn image_last_tag_time(&self, reference: &str) -> EngineResult<Option<String>> {
        let inspect = self.docker.inspect_image(reference).await.map_err(self.err(ObjectKind::Image, reference))?;
        // Engines that do not know say "0001-01-01T00:00:00Z" (Go's zero time).
        Ok(inspect.metadata.and_then(|m| m.last_tag_time).filter(|t| !t.is_empty() && !t.starts_with("0001-")))
    }

    async fn remove_image(&self, reference: &str, options: &ImageRemoveOptions) -> EngineResult<Vec<ImageDeleteItem>> {
        let opts = q::RemoveImageOptions { force: options.force, noprune: options.no_prune };
        let items = self
            .docker
            .remove_image(reference, Some(opts), None)
            .await
            .map_err(self.err(ObjectKind::Image, reference))?;
        Ok(items
            .into_iter()
            .flat_map(|i| {
                i.untagged.map(ImageDeleteItem::Untagged).into_iter().chain(i.deleted.map(ImageDeleteItem::Deleted))
            })
            .collect())
    }

    async fn tag_image(&self, source: &str, target: &str) -> EngineResult<()> {
        let (repo, tag) = strip_tag(target);
        let opts = q::TagImageOptions { repo: Some(repo.to_owned()), tag: Some(tag.unwrap_or("latest").to_owned()) };
        self.docker.tag_image(source, Some(opts)).await.map_err(self.err(ObjectKind::Image, source))
    }

    fn pull_image(&self, options: &PullOptions) -> EngineStream<ProgressEvent> {
        let (repo, tag) = split_reference(&options.reference);
        let opts = q::CreateImageOptions {
            from_image: Some(repo),
            tag: Some(tag),
            platform: options.platform.clone().unwrap_or_default(),
            ..Default::default()
        };
        let creds = options.auth.as_ref().map(convert::auth_to);
        self.docker
            .create_image(Some(opts), None, creds)
            .map_ok(|i| convert::progress_from(i.id, i.status, i.progress, i.progress_detail.as_ref()))
            .map_err(self.err(ObjectKind::Image, &options.reference))
            .boxed()
    }

    async fn registry_digest(&self, reference: &str, auth: Option<&RegistryAuth>) -> EngineResult<String> {
        let inspect = match self.docker.inspect_registry_image(reference, auth.map(convert::auth_to)).await {
            Ok(inspect) => inspect,
            Err(e) => {
                return match self.err(ObjectKind::Image, reference)(e) {
                    // Podman 4.3 has no such endpoint: the registry is asked directly.
                    EngineError::NotFound { .. } if self.caps.is_podman => self.registry_digest_direct(reference, auth).await,
                    other => Err(other),
                }
            }
        };
        inspect.descriptor.digest.filter(|d| !d.is_empty()).ok_or_else(|| EngineError::Protocol {
            message: format!("the registry gave no digest for {reference}"),
        })
    }

    async fn push_artifact(&self, artifact: &ArtifactPush) -> EngineResult<ArtifactPushed> {
        let image = registry::ManifestRef::parse(&artifact.reference);
        // The docker tools speak plain HTTP to loopback registries (containerd's
        // `MatchLocalhost`); berth also to those the engine is told are insecure, and HTTPS
        // to the others.
        let plain = registry::loopback(&image.host) || {
            let info = self.raw_ok("GET", "/info", None, ObjectKind::Other, "").await?;
            let info: serde_json::Value = serde_json::from_slice(&info.body)
                .map_err(|e| EngineError::Protocol { message: format!("the engine's /info: {e}") })?;
            registry::plain_http(&info, &image)
        };
        registry::push_artifact(&image, registry::Scheme::plain_if(plain), artifact).await
    }

    fn push_image(&self, options: &PushOptions) -> EngineStream<ProgressEvent> {
        // bollard's push messages drop the layer id, which per-layer progress needs: the push
        // goes through the raw client.
        let (repo, tag) = strip_tag(&options.reference);
        let path = format!("/images/{}/push?tag={}", percent_encode(repo), percent_encode(tag.unwrap_or("latest")));
        let auth = options.auth.clone().unwrap_or_default();
        let json = serde_json::to_string(&convert::auth_to(&auth)).unwrap_or_else(|_| "{}".to_owned());
        let headers = vec![("X-Registry-Auth".to_owned(), base64::engine::general_purpose::URL_SAFE.encode(json))];
        let raw = self.raw.clone();
        let reference = options.reference.clone();
        futures::stream::once(async move {
            match raw.stream(&path, &headers, futures::stream::empty().boxed()).await {
                Ok(body) => raw::json_lines(body).filter_map(|doc| std::future::ready(progress_event(doc))).boxed(),
                Err(e) => futures::stream::once(async move {
                    Err(match e {
                        EngineError::NotFound { message, .. } => EngineError::NotFound { kind: ObjectKind::Image, id: reference, message },
                        other => other,
                    })
                })
                .boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    fn build_image(&self, options: &BuildOptions, context: ByteStream) -> EngineStream<BuildEvent> {
        // bollard takes one tag and one extra host; the engine takes repeated parameters, so
        // builds go through the raw client.
        let query = match build_query(options, self.caps.is_podman) {
            Ok(q) => q,
            Err(e) => return futures::stream::once(async move { Err(e) }).boxed(),
        };
        let mut headers = vec![("Content-Type".to_owned(), "application/x-tar".to_owned())];
        if !options.auth.is_empty() {
            let config: serde_json::Map<String, serde_json::Value> = options
                .auth
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::to_value(convert::auth_to(v)).unwrap_or_default()))
                .collect();
            let json = serde_json::Value::Object(config).to_string();
            headers.push(("X-Registry-Config".to_owned(), base64::engine::general_purpose::URL_SAFE.encode(json)));
        }
        let raw = self.raw.clone();
        futures::stream::once(async move {
            match raw.stream(&format!("/build?{query}"), &headers, context).await {
                Ok(body) => raw::json_lines(body).flat_map(|doc| futures::stream::iter(build_events(doc))).boxed(),
                Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
            }
        })
        .flatten()
        .boxed()
    }

    async fn list_networks(&self, options: &ListOptions) -> EngineResult<Vec<NetworkDetails>> {
        let opts = q::ListNetworksOptions { filters: filters_opt(&options.filters) };
        let list = self.docker.list_networks(Some(opts)).await.map_err(self.err(ObjectKind::Network, ""))?;
        Ok(list.into_iter().map(convert::network_from).collect())
    }

    async fn inspect_network(&self, id: &str) -> EngineResult<NetworkDetails> {
        self.docker
            .inspect_network(id, None::<q::InspectNetworkOptions>)
            .await
            .map(convert::network_from)
            .map_err(self.err(ObjectKind::Network, id))
    }

    async fn create_network(&self, spec: &NetworkCreate) -> EngineResult<String> {
        self.docker
            .create_network(convert::network_create_to(spec))
            .await
            .map(|r| r.id)
            .map_err(self.err(ObjectKind::Network, &spec.name))
    }

    async fn remove_network(&self, id: &str) -> EngineResult<()> {
        // Podman 4.3 removes a network named by its id even while containers use it (its check
        // looks for the containers by the network's name); named by its name, it refuses as
        // Docker does.
        let target = if self.caps.is_podman { self.inspect_network(id).await?.name } else { id.to_owned() };
        self.docker.remove_network(&target).await.map_err(self.err(ObjectKind::Network, id))
    }

    async fn list_volumes(&self, options: &ListOptions) -> EngineResult<Vec<VolumeDetails>> {
        let opts = q::ListVolumesOptions { filters: filters_opt(&options.filters) };
        let r = self.docker.list_volumes(Some(opts)).await.map_err(self.err(ObjectKind::Volume, ""))?;
        Ok(r.volumes.unwrap_or_default().into_iter().map(convert::volume_from).collect())
    }

    async fn inspect_volume(&self, name: &str) -> EngineResult<VolumeDetails> {
        self.docker.inspect_volume(name).await.map(convert::volume_from).map_err(self.err(ObjectKind::Volume, name))
    }

    async fn create_volume(&self, spec: &VolumeCreate) -> EngineResult<VolumeDetails> {
        self.docker
            .create_volume(convert::volume_create_to(spec))
            .await
            .map(convert::volume_from)
            .map_err(self.err(ObjectKind::Volume, &spec.name))
    }

    async fn remove_volume(&self, name: &str, force: bool) -> EngineResult<()> {
        let opts = q::RemoveVolumeOptions { force };
        self.docker.remove_volume(name, Some(opts)).await.map_err(self.err(ObjectKind::Volume, name))
    }

    async fn swarm_init(&self, advertise_addr: Option<&str>) -> EngineResult<String> {
        let req = bollard::models::SwarmInitRequest {
            listen_addr: Some("0.0.0.0:2377".to_owned()),
            advertise_addr: advertise_addr.map(str::to_owned),
            ..Default::default()
        };
        self.docker.init_swarm(req).await.map_err(self.err(ObjectKind::Node, ""))
    }

    async fn swarm_leave(&self, force: bool) -> EngineResult<()> {
        self.docker
            .leave_swarm(Some(q::LeaveSwarmOptions { force }))
            .await
            .map_err(self.err(ObjectKind::Node, ""))
    }

    async fn list_services(&self, options: &ListOptions) -> EngineResult<Vec<ServiceDetails>> {
        let opts = q::ListServicesOptions { filters: filters_opt(&options.filters), status: Some(true) };
        let list = self.docker.list_services(Some(opts)).await.map_err(self.err(ObjectKind::Service, ""))?;
        Ok(list.into_iter().map(convert::service_from).collect())
    }

    async fn inspect_service(&self, id: &str) -> EngineResult<ServiceDetails> {
        self.docker
            .inspect_service(id, None::<q::InspectServiceOptions>)
            .await
            .map(convert::service_from)
            .map_err(self.err(ObjectKind::Service, id))
    }

    async fn create_service(&self, spec: &ServiceSpec, auth: Option<&RegistryAuth>) -> EngineResult<String> {
        let body = convert::service_spec_to(spec)?;
        let r = self
            .docker
            .create_service(body, auth.map(convert::auth_to))
            .await
            .map_err(self.err(ObjectKind::Service, &spec.name))?;
        r.id.ok_or_else(|| EngineError::Protocol { message: "service create returned no id".to_owned() })
    }

    async fn update_service(
        &self,
        id: &str,
        version: u64,
        spec: &ServiceSpec,
        auth: Option<&RegistryAuth>,
    ) -> EngineResult<Vec<String>> {
        let body = convert::service_spec_to(spec)?;
        let opts = q::UpdateServiceOptions {
            version: i32::try_from(version).map_err(|_| EngineError::invalid("service version out of range"))?,
            ..Default::default()
        };
        let r = self
            .docker
            .update_service(id, body, opts, auth.map(convert::auth_to))
            .await
            .map_err(self.err(ObjectKind::Service, id))?;
        Ok(r.warnings.unwrap_or_default())
    }

    async fn remove_service(&self, id: &str) -> EngineResult<()> {
        self.docker.delete_service(id).await.map_err(self.err(ObjectKind::Service, id))
    }

    async fn list_tasks(&self, options: &ListOptions) -> EngineResult<Vec<TaskDetails>> {
        let opts = q::ListTasksOptions { filters: filters_opt(&options.filters) };
        let list = self.docker.list_tasks(Some(opts)).await.map_err(self.err(ObjectKind::Task, ""))?;
        Ok(list.into_iter().map(convert::task_from).collect())
    }

    async fn list_nodes(&self, options: &ListOptions) -> EngineResult<Vec<NodeDetails>> {
        let opts = q::ListNodesOptions { filters: filters_opt(&options.filters) };
        let list = self.docker.list_nodes(Some(opts)).await.map_err(self.err(ObjectKind::Node, ""))?;
        Ok(list.into_iter().map(convert::node_from).collect())
    }

    async fn create_secret(&self, spec: &SwarmObjectCreate) -> EngineResult<String> {
        let body = bollard::models::SecretSpec {
            name: Some(spec.name.clone()),
            labels: (!spec.labels.is_empty()).then(|| spec.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            data: Some(base64::engine::general_purpose::STANDARD.encode(&spec.data)),
            driver: spec.driver.clone().map(|name| bollard::models::Driver { name, options: None }),
            templating: spec.templating.clone().map(|name| bollard::models::Driver { name, options: None }),
        };
        self.docker.create_secret(body).await.map(|r| r.id).map_err(self.err(ObjectKind::Secret, &spec.name))
    }

    async fn list_secrets(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>> {
        let opts = q::ListSecretsOptions { filters: filters_opt(&options.filters) };
        let list = self.docker.list_secrets(Some(opts)).await.map_err(self.err(ObjectKind::Secret, ""))?;
        Ok(list.into_iter().map(convert::secret_from).collect())
    }

    async fn remove_secret(&self, id: &str) -> EngineResult<()> {
        self.docker.delete_secret(id).await.map_err(self.err(ObjectKind::Secret, id))
    }

    async fn create_config(&self, spec: &SwarmObjectCreate) -> EngineResult<String> {
        let mut body = serde_json::json!({
            "Name": spec.name,
            "Labels": spec.labels,
            "Data": base64::engine::general_purpose::STANDARD.encode(&spec.data),
        });
        if let Some(t) = &spec.templating {
            body["Templating"] = serde_json::json!({ "Name": t });
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| EngineError::invalid(e.to_string()))?;
        let r = self.raw_ok("POST", "/configs/create", Some(&bytes), ObjectKind::Config, &spec.name).await?;
        let v: serde_json::Value =
            serde_json::from_slice(&r.body).map_err(|e| EngineError::Protocol { message: e.to_string() })?;
        v["ID"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| EngineError::Protocol { message: "config create returned no id".to_owned() })
    }

    async fn list_configs(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>> {
        let mut path = "/configs".to_owned();
        if !options.filters.is_empty() {
            let json = serde_json::to_string(&options.filters.to_map()).map_err(|e| EngineError::invalid(e.to_string()))?;
            path.push_str("?filters=");
            path.push_str(&percent_encode(&json));
        }
        let r = self.raw_ok("GET", &path, None, ObjectKind::Config, "").await?;
        let list: Vec<serde_json::Value> =
            serde_json::from_slice(&r.body).map_err(|e| EngineError::Protocol { message: e.to_string() })?;
        Ok(list
            .iter()
            .map(|c| SwarmObject {
                id: c["ID"].as_str().unwrap_or_default().to_owned(),
                name: c["Spec"]["Name"].as_str().unwrap_or_default().to_owned(),
                labels: c["Spec"]["Labels"]
                    .as_object()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                    .unwrap_or_default(),
                created_at: c["CreatedAt"].as_str().unwrap_or_default().to_owned(),
                updated_at: c["UpdatedAt"].as_str().unwrap_or_default().to_owned(),
                version: c["Version"]["Index"].as_u64().unwrap_or_default(),
                data: c["Spec"]["Data"]
                    .as_str()
                    .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok()),
            })
            .collect())
    }

    async fn remove_config(&self, id: &str) -> EngineResult<()> {
        self.raw_ok("DELETE", &format!("/configs/{}", percent_encode(id)), None, ObjectKind::Config, id)
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;


    #[test]
    fn references() {
        assert_eq!(split_reference("busybox"), ("busybox".into(), "latest".into()));
        assert_eq!(split_reference("nginx:1.25"), ("nginx".into(), "1.25".into()));
        assert_eq!(split_reference("reg:5000/a/b"), ("reg:5000/a/b".into(), "latest".into()));
        assert_eq!(split_reference("reg:5000/a/b:v1"), ("reg:5000/a/b".into(), "v1".into()));
        assert_eq!(
            split_reference("a/b:v1@sha256:abc"),
            ("a/b".into(), "sha256:abc".into())
        );
    }

    #[tokio::test]
    async fn unreachable_engines_say_where_and_why() {
        let err = DockerEngine::connect_host(EngineHost::Unix("/nonexistent/berth.sock".into())).await.unwrap_err();
        match &err {
            EngineError::Unreachable { host, hint, .. } => {
                assert_eq!(host, "unix:///nonexistent/berth.sock");
                assert!(hint.is_some());
            }
            other => panic!("{other:?}"),
        }
        // A closed TCP port.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = DockerEngine::connect_host(EngineHost::Tcp(addr.to_string())).await.unwrap_err();
        assert!(matches!(err, EngineError::Unreachable { .. }), "{err:?}");
        assert!(err.to_string().starts_with(&format!("cannot connect to the container engine at tcp://{addr}")), "{err}");
    }

    #[test]
    fn errors_keep_the_engine_message() {
        let e = map_err(
            "h",
            ObjectKind::Container,
            "web",
            BollardError::DockerResponseServerError { status_code: 404, message: "No such container: web".into() },
        );
        assert!(matches!(&e, EngineError::NotFound { kind: ObjectKind::Container, id, .. } if id == "web"));
        assert_eq!(e.to_string(), "No such container: web");
        let e = map_err("h", ObjectKind::Other, "", BollardError::DockerResponseServerError { status_code: 409, message: "in use".into() });
        assert!(e.is_conflict());
        let e = map_err("h", ObjectKind::Other, "", BollardError::DockerResponseServerError { status_code: 500, message: "x".into() });
        assert_eq!(e.status(), Some(500));
        // Podman's 500s for a state or a name in the way are conflicts, as Docker's 409s.
        for message in [
            "\"created\" is not running, can't pause: container state improper",
            "container create: creating container storage: the container name \"a\" is already in use by 44. You have to remove that container to be able to reuse that name: that name is already in use",
        ] {
            let e = refusal(500, message.to_owned());
            assert!(e.is_conflict(), "{e:?}");
            assert_eq!(e.to_string(), message);
        }
        let e = map_err("h", ObjectKind::Other, "", BollardError::DockerStreamError { error: "pull failed".into() });
        assert!(matches!(e, EngineError::Stream { .. }));
    }

    #[test]
    fn build_queries_repeat_parameters() {
        let o = BuildOptions {
            tags: vec!["a:1".into(), "b:2".into()],
            extra_hosts: vec!["h1:10.0.0.1".into(), "h2:10.0.0.2".into()],
            build_args: std::collections::BTreeMap::from([("K".to_owned(), "v w".to_owned())]),
            ulimits: vec!["nofile=1024:2048".into()],
            ..Default::default()
        };
        let q = build_query(&o, false).unwrap();
        assert!(q.starts_with("dockerfile=Dockerfile&t=a%3A1&t=b%3A2&extrahosts=h1%3A10.0.0.1&extrahosts=h2%3A10.0.0.2&rm=1"), "{q}");
        assert!(q.contains("buildargs=%7B%22K%22%3A%22v%20w%22%7D"), "{q}");
        assert!(q.contains("ulimits=%5B%7B%22Name%22%3A%22nofile%22%2C%22Soft%22%3A1024%2C%22Hard%22%3A2048%7D%5D"), "{q}");
        let bad = BuildOptions { ulimits: vec!["nofile".into()], ..Default::default() };
        assert!(build_query(&bad, false).is_err());
        let o = BuildOptions { memory: Some(1024), remote: Some("https://h/r.git".into()), force_remove: true, ..Default::default() };
        let q = build_query(&o, false).unwrap();
        assert!(q.contains("&rm=1&forcerm=1&"), "{q}");
        assert!(q.ends_with("&memory=1024&remote=https%3A//h/r.git"), "{q}");
        // Labels: a map for Docker, an ordered list for Podman.
        let o = BuildOptions { labels: std::collections::BTreeMap::from([("b".to_owned(), "2".to_owned()), ("a".to_owned(), "1".to_owned())]), ..Default::default() };
        assert!(build_query(&o, false).unwrap().contains("&labels=%7B%22a%22%3A%221%22%2C%22b%22%3A%222%22%7D"));
        assert!(build_query(&o, true).unwrap().contains("&labels=%5B%22a%3D1%22%2C%22b%3D2%22%5D"));
        // Extra hosts: repeated for Docker, one JSON list for Podman.
        let o = BuildOptions { extra_hosts: vec!["h1:10.0.0.1".into(), "h2:10.0.0.2".into()], ..Default::default() };
        assert!(build_query(&o, true).unwrap().contains("&extrahosts=%5B%22h1%3A10.0.0.1%22%2C%22h2%3A10.0.0.2%22%5D&"));
    }

    #[test]
    fn build_messages() {
        let ev = build_events(Ok(serde_json::json!({"stream": "Step 1/2 : FROM x\n"})));
        assert!(matches!(&ev[..], [Ok(BuildEvent::Output(l))] if l.starts_with("Step 1/2")));
        let ev = build_events(Ok(serde_json::json!({"aux": {"ID": "sha256:abc"}})));
        assert!(matches!(&ev[..], [Ok(BuildEvent::ImageId(id))] if id == "sha256:abc"));
        let ev = build_events(Ok(serde_json::json!({"error": "boom", "errorDetail": {"message": "boom!"}})));
        assert!(matches!(&ev[..], [Err(EngineError::Stream { message })] if message == "boom!"));
        let ev = build_events(Ok(serde_json::json!({"errorDetail": {"code": 3, "message": "returned a non-zero code: 3"}})));
        assert!(matches!(&ev[..], [Err(EngineError::Failed { code: 3, .. })]));
        let podman = "building at STEP \"RUN exit 3\": while running runtime: exit status 3\n";
        let ev = build_events(Ok(serde_json::json!({"errorDetail": {"message": podman}, "error": podman})));
        assert!(matches!(&ev[..], [Err(EngineError::Failed { code: 3, message })] if message == podman));
        let ev = build_events(Ok(serde_json::json!({"error": "while running runtime: exit status x"})));
        assert!(matches!(&ev[..], [Err(EngineError::Stream { .. })]));
    }

    #[test]
    fn encoding() {
        assert_eq!(percent_encode("/etc/a b&c"), "/etc/a%20b%26c");
        assert_eq!(clamp_i32(i64::MAX), i32::MAX);
        assert_eq!(clamp_i32(-5), -5);
    }
}
