//! `FakeEngine`: an in-memory container engine for the tests of the layers above.
//!
//! It follows the Docker Engine's observable rules for every `Engine` call: deterministic ids,
//! unique names (`Conflict`), state transitions (created → running ⇄ paused → exited), label
//! and name filters, networks and volumes with their in-use checks, an event for every state
//! change, `wait` and `logs --follow` that wake on changes, and restart policies. Containers
//! "run" their command through a tiny interpreter (see `program`), so `sh -c 'echo hi; exit 3'`
//! logs `hi` and exits 3, `sleep 1` exits after a second of (tokio) time, and anything unknown
//! runs until stopped. Health checks are evaluated the same way, or set by the test.
//!
//! Test controls: [`FakeEngine::add_image`], [`FakeEngine::add_registry_image`],
//! [`FakeEngine::set_health`], [`FakeEngine::exit_container`], [`FakeEngine::emit_output`],
//! [`FakeEngine::inject_failure`], [`FakeEngine::calls`], [`FakeEngine::events_log`].
//!
//! Timers use tokio time, so `#[tokio::test(start_paused = true)]` runs sleeps and health
//! intervals instantly and deterministically. Calls made outside a tokio runtime still change
//! state but schedule no timers.

mod build;
mod program;
mod state;

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use tokio::sync::{broadcast, watch};

use self::state::{
    normalize_ref, parse_signal, rfc3339, Blocked, Clock, FakeContainer, FakeExec, FakeService, FakeSwarm,
    Followup, FsNode, Injected, Proc, State, Target,
};
use crate::archive::{read_tar, EntryKind, TarBuilder, TarEntry};
use crate::engine::{AttachedIo, ByteStream, ContainerCreated, Engine, EngineStream, ExecStarted};
use crate::error::{EngineError, EngineResult, ObjectKind};
use crate::types::artifact::{ArtifactBlob, ArtifactPush, ArtifactPushed, OciVersion};
use crate::filters::Filters;
use crate::types::container::{
    ArchivePutOptions, AttachOptions, ContainerCreate, ContainerDetails, ContainerListOptions, ContainerState,
    ContainerStats, ContainerStatus, ContainerSummary, EndpointConfig, ExecConfig, ExecDetails, ExecStartOptions,
    HealthStatus, LogFrame, LogsOptions, MountKind, MountPoint, NetworkSettings, OutputStream, PathStat,
    PortSummary, RemoveOptions, StopOptions, TopResult, WaitCondition, WaitResult,
};
use crate::types::image::{
    BuildEvent, BuildOptions, ImageConfig, ImageDeleteItem, ImageDetails, ImageListOptions, ImageRemoveOptions,
    ImageSummary, ProgressEvent, PullOptions, PushOptions, RegistryAuth,
};
use crate::types::network::{
    ListOptions, NetworkConnect, NetworkCreate, NetworkDetails, VolumeCreate, VolumeDetails,
};
use crate::types::swarm::{
    NodeDetails, ServiceDetails, ServiceMode, ServiceSpec, SwarmObject, SwarmObjectCreate, TaskDetails,
};
use crate::types::system::{EngineEvent, EngineInfo, EngineVersion, EventKind, EventOptions, SwarmState};
use crate::version::{ApiVersion, Capabilities};

struct Inner {
    state: Mutex<State>,
    changed: watch::Sender<u64>,
    events: broadcast::Sender<(u64, EngineEvent)>,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An in-memory engine. Cloning shares the same daemon.
#[derive(Clone)]
pub struct FakeEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for FakeEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FakeEngine")
    }
}

impl Default for FakeEngine {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `f` on the state, then publishes its events, wakes waiters and schedules its timers.
fn mutate<R>(inner: &Arc<Inner>, f: impl FnOnce(&mut State) -> EngineResult<(R, Vec<Followup>)>) -> EngineResult<R> {
    let (result, events) = {
        let mut s = inner.lock();
        let r = f(&mut s);
        (r, std::mem::take(&mut s.pending_events))
    };
    for ev in events {
        // No receivers is fine: nobody is listening.
        let _ = inner.events.send(ev);
    }
    inner.changed.send_modify(|v| *v = v.wrapping_add(1));
    let (value, followups) = result?;
    for f in followups {
        schedule(inner, f);
    }
    Ok(value)
}

fn schedule(inner: &Arc<Inner>, followup: Followup) {
    if tokio::runtime::Handle::try_current().is_err() {
        return;
    }
    let weak = Arc::downgrade(inner);
    match followup {
        Followup::Resume { target, generation, after } => {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let Some(inner) = weak.upgrade() else { return };
                let _ = mutate(&inner, |s| {
                    let current = match &target {
                        Target::Container(id) => s.containers.iter().find(|c| &c.id == id).map(|c| c.generation),
                        Target::Exec(id) => s.execs.get(id).map(|e| e.generation),
                    };
                    if current != Some(generation) {
                        return Ok(((), Vec::new()));
                    }
                    Ok(((), s.advance(&target)))
                });
            });
        }
        Followup::Restart { id, generation, after } => {
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                let Some(inner) = weak.upgrade() else { return };
                let _ = mutate(&inner, |s| {
                    let Ok(idx) = s.container_index(&id) else { return Ok(((), Vec::new())) };
                    let c = &mut s.containers[idx];
                    if c.generation != generation || c.status != ContainerStatus::Restarting {
                        return Ok(((), Vec::new()));
                    }
                    c.restart_count = c.restart_count.saturating_add(1);
                    c.status = ContainerStatus::Exited;
                    match s.start(idx) {
                        Ok(f) => Ok(((), f)),
                        Err(e) => {
                            s.containers[idx].error = e.to_string();
                            Ok(((), Vec::new()))
                        }
                    }
                });
            });
        }
        Followup::Health { id, generation } => {
            tokio::spawn(async move { health_loop(weak, id, generation).await });
        }
    }
}

async fn health_loop(weak: Weak<Inner>, id: String, generation: u64) {
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let plan = {
            let s = inner.lock();
            let Some(c) = s.containers.iter().find(|c| c.id == id) else { return };
            if c.generation != generation {
                return;
            }
            let Some(check) = c.spec.config.healthcheck.clone() else { return };
            let elapsed = c.started_instant.map_or(Duration::ZERO, |t| t.elapsed());
            let start_period = check.start_period.unwrap_or(Duration::ZERO);
            let in_start = elapsed < start_period;
            let interval = check.interval.unwrap_or(Duration::from_secs(30));
            let delay = match check.start_interval {
                Some(si) if in_start && s.api_version.at_least(ApiVersion::HEALTHCHECK_START_INTERVAL) => si,
                _ => interval,
            };
            (check, delay, start_period)
        };
        drop(inner);
        let (check, delay, start_period) = plan;
        tokio::time::sleep(delay).await;
        let Some(inner) = weak.upgrade() else { return };
        let mut stop = false;
        let _ = mutate(&inner, |s| {
            let Ok(idx) = s.container_index(&id) else {
                stop = true;
                return Ok(((), Vec::new()));
            };
            let c = &s.containers[idx];
            if c.generation != generation || c.status != ContainerStatus::Running {
                stop = c.generation != generation;
                return Ok(((), Vec::new()));
            }
            let in_start = c.started_instant.is_some_and(|t| t.elapsed() < start_period);
            let (code, output) = State::evaluate_check(&check, &c.spec.config.env);
            s.record_health(idx, code, output, in_start, check.retries.filter(|r| *r > 0).unwrap_or(3));
            Ok(((), Vec::new()))
        });
        if stop {
            return;
        }
    }
}

fn fs_init(now: i64) -> BTreeMap<String, FsNode> {
    ["/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/run", "/sys", "/tmp", "/usr", "/var"]
        .iter()
        .map(|p| ((*p).to_owned(), FsNode { dir: true, mode: 0o755, data: Vec::new(), mtime: now, link: None }))
        .collect()
}

fn parent_of(path: &str) -> String {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/".to_owned(),
        Some((p, _)) => p.to_owned(),
    }
}

fn clean_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn swarm_required() -> EngineError {
    EngineError::Api {
        status: 503,
        message: "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".to_owned(),
    }
}

fn event_matches(ev: &EngineEvent, f: &Filters) -> bool {
    let name = ev.attributes.get("name").map(String::as_str).unwrap_or_default();
    f.match_any("type", |t| t == ev.kind.as_str())
        && f.match_any("event", |e| e == ev.action || e == ev.action_name())
        && f.match_labels(&ev.attributes)
        && f.match_any("container", |c| {
            ev.kind == EventKind::Container && (ev.actor_id.starts_with(c) || name == c)
        })
        && f.match_any("image", |i| {
            ev.attributes.get("image").is_some_and(|x| normalize_ref(x) == normalize_ref(i))
                || (ev.kind == EventKind::Image && (ev.actor_id == i || normalize_ref(name) == normalize_ref(i)))
        })
        && f.match_any("network", |n| ev.kind == EventKind::Network && (ev.actor_id.starts_with(n) || name == n))
        && f.match_any("volume", |v| ev.kind == EventKind::Volume && ev.actor_id == v)
}

fn one_error<T: Send + 'static>(e: EngineError) -> EngineStream<T> {
    futures::stream::once(async move { Err(e) }).boxed()
}

/// Writes to a fake container's or exec's stdin.
struct FakeStdin {
    inner: Weak<Inner>,
    target: Target,
}

impl tokio::io::AsyncWrite for FakeStdin {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let Some(inner) = self.inner.upgrade() else {
            return Poll::Ready(Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "engine gone")));
        };
        let data = buf.to_vec();
        let target = self.target.clone();
        let _ = mutate(&inner, move |s| {
            if let Target::Container(id) = &target {
                if let Some(c) = s.containers.iter_mut().find(|c| &c.id == id) {
                    c.stdin.extend_from_slice(&data);
                }
            }
            let cat = match &target {
                Target::Container(id) => s.containers.iter().find(|c| &c.id == id).and_then(|c| c.proc.as_ref()).and_then(|p| p.blocked),
                Target::Exec(id) => s.execs.get(id).and_then(|e| e.proc.as_ref()).and_then(|p| p.blocked),
            } == Some(Blocked::Cat);
            if cat {
                s.output(&target, OutputStream::Stdout, data);
            }
            Ok(((), Vec::new()))
        });
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if let Some(inner) = self.inner.upgrade() {
            let target = self.target.clone();
            let _ = mutate(&inner, move |s| {
                let blocked = match &target {
                    Target::Container(id) => s.containers.iter_mut().find(|c| &c.id == id).and_then(|c| {
                        c.stdin_closed = true;
                        c.proc.as_ref().and_then(|p| p.blocked)
                    }),
                    Target::Exec(id) => s.execs.get_mut(id).and_then(|e| {
                        e.stdin_closed = true;
                        e.proc.as_ref().and_then(|p| p.blocked)
                    }),
                };
                let follow = if blocked == Some(Blocked::Cat) { s.advance(&target) } else { Vec::new() };
                Ok(((), follow))
            });
        }
        Poll::Ready(Ok(()))
    }
}

/// Where a log or output stream reads from.
#[derive(Clone)]
enum Source {
    /// A container's log; `attach` also waits for a created container to start.
    Container { id: String, options: LogsOptions, attach: bool },
    Exec { id: String },
}

struct Cursor {
    inner: Arc<Inner>,
    source: Source,
    pos: usize,
    rx: watch::Receiver<u64>,
    first: bool,
    follow: bool,
    done: bool,
}

impl Cursor {
    /// Frames available now, and whether more can come.
    fn poll_frames(&mut self) -> EngineResult<(Vec<LogFrame>, bool)> {
        let s = self.inner.lock();
        match &self.source {
            Source::Container { id, options, attach } => {
                let Ok(idx) = s.container_index(id) else {
                    if self.first {
                        return Err(EngineError::not_found(ObjectKind::Container, id.clone()));
                    }
                    return Ok((Vec::new(), false));
                };
                let c = &s.containers[idx];
                let since = options.since.map(|t| t.saturating_mul(1_000_000_000));
                let until = options.until.map(|t| t.saturating_mul(1_000_000_000));
                let mut window: Vec<&(i64, LogFrame)> = c
                    .logs
                    .iter()
                    .skip(self.pos)
                    .filter(|(t, _)| since.is_none_or(|s| *t >= s) && until.is_none_or(|u| *t <= u))
                    .collect();
                // The engine takes the tail of the log before choosing streams.
                if self.first {
                    if let Some(n) = options.tail {
                        let n = usize::try_from(n).unwrap_or(usize::MAX);
                        let skip = window.len().saturating_sub(n);
                        window.drain(..skip);
                    }
                }
                let frames: Vec<LogFrame> = window
                    .into_iter()
                    .filter(|(_, f)| match f.stream {
                        OutputStream::Stdout | OutputStream::Console => options.stdout,
                        OutputStream::Stderr => options.stderr,
                        OutputStream::Stdin => false,
                    })
                    .map(|(t, f)| {
                        if options.timestamps {
                            let mut data = format!("{} ", rfc3339(*t)).into_bytes();
                            data.extend_from_slice(&f.data);
                            LogFrame::new(f.stream, data)
                        } else {
                            f.clone()
                        }
                    })
                    .collect();
                self.pos = c.logs.len();
                let more = (c.is_running() || (*attach && c.status == ContainerStatus::Created)) && until.is_none();
                Ok((frames, more))
            }
            Source::Exec { id } => {
                let e = s.execs.get(id).ok_or_else(|| EngineError::not_found(ObjectKind::Exec, id.clone()))?;
                let frames: Vec<LogFrame> = e.output.iter().skip(self.pos).cloned().collect();
                self.pos = e.output.len();
                Ok((frames, e.running))
            }
        }
    }

    async fn next_batch(mut self) -> Option<(Vec<EngineResult<LogFrame>>, Self)> {
        loop {
            if self.done {
                return None;
            }
            self.rx.borrow_and_update();
            let result = self.poll_frames();
            self.first = false;
            match result {
                Err(e) => {
                    self.done = true;
                    return Some((vec![Err(e)], self));
                }
                Ok((frames, more)) => {
                    if !(more && self.follow) {
                        self.done = true;
                    }
                    if !frames.is_empty() {
                        return Some((frames.into_iter().map(Ok).collect(), self));
                    }
                    if self.done {
                        return None;
                    }
                    if self.rx.changed().await.is_err() {
                        return None;
                    }
                }
            }
        }
    }
}

fn frames_stream(inner: &Arc<Inner>, source: Source, start: usize, follow: bool) -> EngineStream<LogFrame> {
    let cursor = Cursor {
        rx: inner.changed.subscribe(),
        inner: Arc::clone(inner),
        source,
        pos: start,
        first: true,
        follow,
        done: false,
    };
    futures::stream::unfold(cursor, Cursor::next_batch).flat_map(futures::stream::iter).boxed()
}

impl FakeEngine {
    /// An engine speaking API 1.41 (Debian's docker.io 20.10) with a wall clock.
    pub fn new() -> Self {
        Self::with_state(State::new(ApiVersion::new(1, 41), Clock::wall()))
    }

    fn with_state(state: State) -> Self {
        let (changed, _) = watch::channel(0);
        let (events, _) = broadcast::channel(4096);
        Self { inner: Arc::new(Inner { state: Mutex::new(state), changed, events }) }
    }

    /// An engine speaking `version`, with the logical clock starting at `clock_start` (unix
    /// seconds) when given, so timestamps are reproducible.
    pub fn with_options(version: ApiVersion, clock_start: Option<i64>, is_podman: bool) -> Self {
        let clock = clock_start.map_or_else(Clock::wall, Clock::logical);
        let mut state = State::new(version, clock);
        state.is_podman = is_podman;
        Self::with_state(state)
    }

    fn mutate<R>(&self, f: impl FnOnce(&mut State) -> EngineResult<(R, Vec<Followup>)>) -> EngineResult<R> {
        mutate(&self.inner, f)
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.inner.lock())
    }

    /// Adds a local image; returns its id.
    pub fn add_image(&self, reference: &str, config: ImageConfig) -> String {
        self.mutate(|s| Ok((s.put_image(reference, config), Vec::new()))).unwrap_or_default()
    }

    /// Makes `reference` pullable.
    pub fn add_registry_image(&self, reference: &str, config: ImageConfig) {
        self.inner.lock().registry.insert(normalize_ref(reference), config);
    }

    /// Sets a container's health status, emitting `health_status: …` when it changes.
    pub fn set_health(&self, container: &str, status: HealthStatus) -> EngineResult<()> {
        self.mutate(|s| {
            let idx = s.container_index(container)?;
            s.set_health(idx, status);
            Ok(((), Vec::new()))
        })
    }

    /// Makes a running container's process exit with `code` (restart policies apply).
    pub fn exit_container(&self, container: &str, code: i64) -> EngineResult<()> {
        self.mutate(|s| {
            let idx = s.container_index(container)?;
            let f = s.container_exited(idx, code, None);
            Ok(((), f))
        })
    }

    /// Appends output to a container's log.
    pub fn emit_output(&self, container: &str, stream: OutputStream, data: &[u8]) -> EngineResult<()> {
        self.mutate(|s| {
            let idx = s.container_index(container)?;
            let id = s.containers[idx].id.clone();
            s.output(&Target::Container(id), stream, data.to_vec());
            Ok(((), Vec::new()))
        })
    }

    /// Makes the next call of `op` (an `Engine` method name such as `"start_container"`) fail
    /// with `error`; with `target`, only when called on that id or name.
    pub fn inject_failure(&self, op: &str, target: Option<&str>, error: EngineError) {
        self.inner.lock().failures.push(Injected { op: op.to_owned(), target: target.map(str::to_owned), error });
    }

    /// The manifest of the artifact pushed as `reference` and the blobs it names (layers,
    /// then the config).
    pub fn artifact(&self, reference: &str) -> Option<(Vec<u8>, Vec<ArtifactBlob>)> {
        self.read(|s| s.artifacts.get(&normalize_ref(reference)).cloned())
    }

    /// Every mutating call so far, as `"<method> <target>"`.
    pub fn calls(&self) -> Vec<String> {
        self.read(|s| s.calls.clone())
    }

    /// Every event so far.
    pub fn events_log(&self) -> Vec<EngineEvent> {
        self.read(|s| s.events.iter().map(|(_, e)| e.clone()).collect())
    }

    /// What was written to a container's stdin.
    pub fn container_stdin(&self, container: &str) -> EngineResult<Vec<u8>> {
        self.read(|s| s.container_index(container).map(|i| s.containers[i].stdin.clone()))
    }

    /// A file's content inside a container.
    pub fn container_file(&self, container: &str, path: &str) -> EngineResult<Option<Vec<u8>>> {
        self.read(|s| {
            s.container_index(container)
                .map(|i| s.containers[i].files.get(&clean_path(path)).filter(|n| !n.dir).map(|n| n.data.clone()))
        })
    }

    fn summary(s: &State, c: &FakeContainer) -> ContainerSummary {
        let health = c.health.as_ref().map(|h| h.status).filter(|h| *h != HealthStatus::None);
        let status = match c.status {
            ContainerStatus::Created => "Created".to_owned(),
            ContainerStatus::Running => match health {
                Some(HealthStatus::Starting) => "Up (health: starting)".to_owned(),
                Some(h) => format!("Up ({})", h.as_str()),
                None => "Up".to_owned(),
            },
            ContainerStatus::Paused => "Up (Paused)".to_owned(),
            ContainerStatus::Restarting => format!("Restarting ({})", c.exit_code),
            ContainerStatus::Exited => format!("Exited ({})", c.exit_code),
            ContainerStatus::Removing => "Removal In Progress".to_owned(),
            ContainerStatus::Dead => "Dead".to_owned(),
        };
        let mut ports = Vec::new();
        for (p, bindings) in &c.ports {
            if bindings.is_empty() {
                ports.push(PortSummary { ip: None, private_port: p.port, public_port: None, protocol: p.protocol });
            }
            for b in bindings {
                ports.push(PortSummary {
                    ip: b.host_ip.clone(),
                    private_port: p.port,
                    public_port: b.host_port.as_deref().and_then(|x| x.parse().ok()),
                    protocol: p.protocol,
                });
            }
        }
        ports.sort();
        ContainerSummary {
            id: c.id.clone(),
            names: vec![c.name.clone()],
            image: c.spec.config.image.clone(),
            image_id: c.image_id.clone(),
            command: c.argv().join(" "),
            created: c.created.div_euclid(1_000_000_000),
            labels: c.spec.config.labels.clone(),
            state: c.status,
            status,
            ports,
            network_mode: c.spec.host_config.network_mode.clone(),
            networks: c.endpoints.iter().map(|(k, (_, st))| (k.clone(), st.clone())).collect(),
            mounts: Self::mount_points(s, c),
        }
    }

    fn mount_points(s: &State, c: &FakeContainer) -> Vec<MountPoint> {
        let mut out = Vec::new();
        let volume = |name: &str, dest: &str, rw: bool| MountPoint {
            kind: MountKind::Volume,
            name: Some(name.to_owned()),
            source: s.volumes.get(name).map(|v| v.mountpoint.clone()).unwrap_or_default(),
            destination: dest.to_owned(),
            driver: Some(s.volumes.get(name).map_or_else(|| "local".to_owned(), |v| v.driver.clone())),
            mode: if rw { "z".to_owned() } else { "ro".to_owned() },
            rw,
            propagation: String::new(),
        };
        for b in &c.spec.host_config.binds {
            let parts: Vec<&str> = b.split(':').collect();
            let (src, dst, mode) = match parts.as_slice() {
                [src, dst] => (*src, *dst, ""),
                [src, dst, mode, ..] => (*src, *dst, *mode),
                _ => continue,
            };
            let rw = !mode.split(',').any(|m| m == "ro");
            if src.starts_with('/') {
                out.push(MountPoint {
                    kind: MountKind::Bind,
                    name: None,
                    source: src.to_owned(),
                    destination: dst.to_owned(),
                    driver: None,
                    mode: mode.to_owned(),
                    rw,
                    propagation: "rprivate".to_owned(),
                });
            } else {
                out.push(volume(src, dst, rw));
            }
        }
        let mut anon = c.anon_volumes.iter();
        for m in &c.spec.host_config.mounts {
            match m.kind {
                MountKind::Volume => {
                    let name = m.source.clone().or_else(|| anon.next().cloned()).unwrap_or_default();
                    out.push(volume(&name, &m.target, !m.read_only));
                }
                kind => out.push(MountPoint {
                    kind,
                    name: None,
                    source: m.source.clone().unwrap_or_default(),
                    destination: m.target.clone(),
                    driver: None,
                    mode: String::new(),
                    rw: !m.read_only,
                    propagation: if kind == MountKind::Bind { "rprivate".to_owned() } else { String::new() },
                }),
            }
        }
        let covered: Vec<String> = out.iter().map(|m| m.destination.clone()).collect();
        for (target, name) in c.spec.config.volumes.iter().filter(|t| !covered.contains(t)).zip(anon) {
            out.push(volume(name, target, true));
        }
        out
    }

    fn details(s: &State, c: &FakeContainer) -> ContainerDetails {
        let argv = c.argv();
        ContainerDetails {
            id: c.id.clone(),
            name: c.name.clone(),
            created: rfc3339(c.created),
            image_id: c.image_id.clone(),
            path: argv.first().cloned().unwrap_or_default(),
            args: argv.get(1..).unwrap_or_default().to_vec(),
            state: ContainerState {
                status: c.status,
                running: c.is_running() && c.status != ContainerStatus::Restarting,
                paused: c.status == ContainerStatus::Paused,
                restarting: c.status == ContainerStatus::Restarting,
                oom_killed: false,
                dead: c.status == ContainerStatus::Dead,
                pid: c.pid,
                exit_code: c.exit_code,
                error: c.error.clone(),
                started_at: c.started_at.map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), rfc3339),
                finished_at: c.finished_at.map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), rfc3339),
                health: c.health.clone(),
            },
            restart_count: c.restart_count,
            platform: Some("linux".to_owned()),
            config: c.spec.config.clone(),
            host_config: c.spec.host_config.clone(),
            network_settings: NetworkSettings {
                networks: c.endpoints.iter().map(|(k, (_, st))| (k.clone(), st.clone())).collect(),
                ports: c.ports.clone(),
                sandbox_key: c.is_running().then(|| format!("/var/run/docker/netns/{}", &c.id[..12.min(c.id.len())])),
            },
            mounts: Self::mount_points(s, c),
        }
    }

    /// Merges image defaults into a container's configuration, as the daemon does on create.
    fn merge_image(spec: &mut ContainerCreate, image: &ImageConfig) {
        let cfg = &mut spec.config;
        if cfg.entrypoint.is_none() {
            cfg.entrypoint = (!image.entrypoint.is_empty()).then(|| image.entrypoint.clone());
            if cfg.cmd.is_none() {
                cfg.cmd = (!image.cmd.is_empty()).then(|| image.cmd.clone());
            }
        }
        let mut env = image.env.clone();
        for e in &cfg.env {
            let key = e.split_once('=').map_or(e.as_str(), |(k, _)| k);
            env.retain(|x| x.split_once('=').map_or(x.as_str(), |(k, _)| k) != key);
            env.push(e.clone());
        }
        cfg.env = env;
        if cfg.working_dir.is_none() && !image.working_dir.is_empty() {
            cfg.working_dir = Some(image.working_dir.clone());
        }
        if cfg.user.is_none() && !image.user.is_empty() {
            cfg.user = Some(image.user.clone());
        }
        let mut labels = image.labels.clone();
        labels.extend(cfg.labels.clone());
        cfg.labels = labels;
        for p in &image.exposed_ports {
            if !cfg.exposed_ports.contains(p) {
                cfg.exposed_ports.push(*p);
            }
        }
        for p in spec.host_config.port_bindings.keys() {
            if !cfg.exposed_ports.contains(p) {
                cfg.exposed_ports.push(*p);
            }
        }
        cfg.exposed_ports.sort();
        for v in &image.volumes {
            if !cfg.volumes.contains(v) {
                cfg.volumes.push(v.clone());
            }
        }
        if cfg.healthcheck.is_none() {
            cfg.healthcheck.clone_from(&image.healthcheck);
        } else if let (Some(h), Some(ih)) = (cfg.healthcheck.as_mut(), image.healthcheck.as_ref()) {
            if h.test.is_empty() {
                h.test.clone_from(&ih.test);
            }
        }
        if cfg.stop_signal.is_none() {
            cfg.stop_signal.clone_from(&image.stop_signal);
        }
        if spec.host_config.network_mode.as_deref().is_none_or(str::is_empty) {
            spec.host_config.network_mode = Some("default".to_owned());
        }
    }

    fn stop_inner(s: &mut State, idx: usize, signal: Option<&str>) -> Vec<Followup> {
        let c = &mut s.containers[idx];
        c.stopped_by_user = true;
        let sig = signal
            .or(c.spec.config.stop_signal.as_deref())
            .map_or(15, parse_signal);
        s.container_exited(idx, 128_i64.saturating_add(sig), Some(sig))
    }

    fn require_swarm(s: &mut State) -> EngineResult<&mut FakeSwarm> {
        s.swarm.as_mut().ok_or_else(swarm_required)
    }

    fn service_details(s: &FakeService, running: u64) -> ServiceDetails {
        let desired = match s.spec.mode {
            ServiceMode::Replicated { replicas } => replicas,
            ServiceMode::Global | ServiceMode::GlobalJob => 1,
            ServiceMode::ReplicatedJob { total_completions, .. } => total_completions,
        };
        ServiceDetails {
            id: s.id.clone(),
            version: s.version,
            created_at: rfc3339(s.created),
            updated_at: rfc3339(s.updated),
            spec: s.spec.clone(),
            ports: s.spec.endpoint.ports.clone(),
            running_tasks: Some(running.min(desired)),
            desired_tasks: Some(desired),
            update_state: (s.version > 1).then(|| "completed".to_owned()),
            update_message: None,
        }
    }

    fn swarm_object_matches(o: &SwarmObject, f: &Filters) -> bool {
        f.match_labels(&o.labels)
            && f.match_any("name", |n| o.name.starts_with(n))
            && f.match_any("id", |i| o.id.starts_with(i))
    }

    fn archive_of(files: &BTreeMap<String, FsNode>, path: &str) -> EngineResult<Vec<u8>> {
        let root = clean_path(path);
        let node = files.get(&root).ok_or_else(|| EngineError::not_found(ObjectKind::Path, path))?;
        let base = root.rsplit('/').next().filter(|b| !b.is_empty()).unwrap_or(".").to_owned();
        let mut tar = TarBuilder::new();
        let entry = |name: String, n: &FsNode| TarEntry {
            path: name,
            kind: match (&n.link, n.dir) {
                (Some(l), _) => EntryKind::Symlink(l.clone()),
                (None, true) => EntryKind::Dir,
                (None, false) => EntryKind::File,
            },
            mode: n.mode,
            uid: 0,
            gid: 0,
            mtime: n.mtime.div_euclid(1_000_000_000),
            data: if n.dir { Vec::new() } else { n.data.clone() },
        };
        tar.append(&entry(base.clone(), node))?;
        if node.dir {
            let prefix = if root == "/" { "/".to_owned() } else { format!("{root}/") };
            for (p, n) in files.range(prefix.clone()..) {
                let Some(rel) = p.strip_prefix(&prefix) else { break };
                if rel.is_empty() {
                    continue;
                }
                tar.append(&entry(format!("{base}/{rel}"), n))?;
            }
        }
        Ok(tar.finish())
    }
}

#[async_trait]
impl Engine for FakeEngine {
    fn capabilities(&self) -> Capabilities {
        self.read(|s| Capabilities::new(s.api_version, s.is_podman))
    }

    async fn ping(&self) -> EngineResult<()> {
        self.mutate(|s| s.take_failure("ping", "").map(|()| ((), Vec::new())))
    }

    async fn info(&self) -> EngineResult<EngineInfo> {
        Ok(self.read(|s| EngineInfo {
            api_version: s.api_version,
            server_api_version: s.api_version,
            server_version: if s.is_podman { "5.0.0".to_owned() } else { "20.10.24".to_owned() },
            os: "linux".to_owned(),
            arch: "x86_64".to_owned(),
            kernel_version: "6.1.0-fake".to_owned(),
            name: "fake".to_owned(),
            is_podman: s.is_podman,
            swarm: if s.swarm.is_some() { SwarmState::Active } else { SwarmState::Inactive },
            swarm_node_id: s.swarm.as_ref().map(|w| w.node_id.clone()),
            swarm_manager: s.swarm.is_some(),
            default_runtime: Some("runc".to_owned()),
            runtimes: vec!["runc".to_owned()],
            storage_driver: "overlay2".to_owned(),
            cgroup_driver: "cgroupfs".to_owned(),
            cgroup_version: "2".to_owned(),
            ncpu: 2,
            mem_total: 4 * 1024 * 1024 * 1024,
            labels: Vec::new(),
            warnings: Vec::new(),
        }))
    }

    async fn version(&self) -> EngineResult<EngineVersion> {
        Ok(self.read(|s| {
            let mut components = BTreeMap::new();
            let name = if s.is_podman { "Podman Engine" } else { "Engine" };
            components.insert(name.to_owned(), "fake".to_owned());
            EngineVersion {
                version: if s.is_podman { "5.0.0".to_owned() } else { "20.10.24".to_owned() },
                api_version: s.api_version.to_string(),
                min_api_version: "1.12".to_owned(),
                os: "linux".to_owned(),
                arch: "amd64".to_owned(),
                kernel_version: "6.1.0-fake".to_owned(),
                go_version: String::new(),
                git_commit: "fake".to_owned(),
                platform_name: if s.is_podman { "Podman Engine".to_owned() } else { "berth fake engine".to_owned() },
                components,
            }
        }))
    }

    fn events(&self, options: &EventOptions) -> EngineStream<EngineEvent> {
        if let Some(bad) = options
            .filters
            .keys()
            .find(|k| !matches!(*k, "type" | "event" | "label" | "container" | "image" | "network" | "volume"))
        {
            return one_error(EngineError::Api { status: 400, message: format!("invalid filter '{bad}'") });
        }
        // Subscribe before reading history so nothing falls between the two.
        let rx = self.inner.events.subscribe();
        let filters = options.filters.clone();
        let since = options.since.map(|t| t.saturating_mul(1_000_000_000));
        let until = options.until.map(|t| t.saturating_mul(1_000_000_000));
        let (history, last_seq) = self.read(|s| {
            let h: Vec<EngineEvent> = if since.is_some() || until.is_some() {
                s.events
                    .iter()
                    .map(|(_, e)| e)
                    .filter(|e| since.is_none_or(|t| e.time_nano >= t) && until.is_none_or(|t| e.time_nano <= t))
                    .filter(|e| event_matches(e, &filters))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            (h, s.last_seq())
        });
        let replay = futures::stream::iter(history.into_iter().map(Ok));
        if until.is_some() {
            return replay.boxed();
        }
        let live = futures::stream::unfold(rx, move |mut rx| {
            let filters = filters.clone();
            async move {
                loop {
                    match rx.recv().await {
                        Ok((seq, ev)) => {
                            if seq > last_seq && event_matches(&ev, &filters) {
                                return Some((Ok(ev), rx));
                            }
                        }
                        Err(broadcast::error::RecvError::Lagged(n)) => {
                            return Some((Err(EngineError::Stream { message: format!("{n} events were dropped") }), rx));
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        });
        replay.chain(live).boxed()
    }

    async fn list_containers(&self, options: &ContainerListOptions) -> EngineResult<Vec<ContainerSummary>> {
        self.read(|s| {
            let mut out = Vec::new();
            for c in s.containers.iter().rev() {
                if !options.all && !matches!(c.status, ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Restarting) {
                    continue;
                }
                if State::container_matches(c, &options.filters)? {
                    out.push(Self::summary(s, c));
                }
            }
            Ok(out)
        })
    }

    async fn inspect_container(&self, id: &str) -> EngineResult<ContainerDetails> {
        self.read(|s| s.container_index(id).map(|i| Self::details(s, &s.containers[i])))
    }

    async fn create_container(&self, spec: &ContainerCreate) -> EngineResult<ContainerCreated> {
        let spec = spec.clone();
        self.mutate(move |s| {
            let target = spec.name.clone().unwrap_or_default();
            s.take_failure("create_container", &target)?;
            if spec.config.healthcheck.as_ref().is_some_and(|h| h.start_interval.is_some())
                && !s.api_version.at_least(ApiVersion::HEALTHCHECK_START_INTERVAL)
            {
                return Err(EngineError::Unsupported {
                    what: "healthcheck.start_interval".to_owned(),
                    min_api: Some(ApiVersion::HEALTHCHECK_START_INTERVAL),
                    have: s.api_version,
                });
            }
            if let Some(name) = &spec.name {
                s.check_name_free(name)?;
            }
            let img_idx = s
                .image_index(&spec.config.image)
                .ok_or_else(|| EngineError::not_found(ObjectKind::Image, normalize_ref(&spec.config.image)))?;
            let image_id = s.images[img_idx].id.clone();
            let image_cfg = s.images[img_idx].config.clone();
            let mut spec = spec;
            Self::merge_image(&mut spec, &image_cfg);
            // Networks: explicit endpoints, else the network named by network_mode, else bridge.
            let mode = spec.host_config.network_mode.clone().unwrap_or_default();
            let mut wanted: Vec<(String, EndpointConfig)> =
                spec.networking.endpoints.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let special = mode == "host" || mode == "none" || mode.starts_with("container:");
            if wanted.is_empty() && !mode.starts_with("container:") {
                let net = if mode == "default" { "bridge".to_owned() } else { mode.clone() };
                wanted.push((net, EndpointConfig::default()));
            } else if !special && mode != "default" && !wanted.iter().any(|(n, _)| *n == mode) {
                wanted.insert(0, (mode.clone(), EndpointConfig::default()));
            }
            for (n, _) in &wanted {
                s.network_index(n)?;
            }
            let id = s.new_id("container");
            let name = match &spec.name {
                Some(n) => n.clone(),
                None => format!("fake_{}", s.next_number()),
            };
            // Volumes: named ones are created on first use, anonymous ones get a fresh name.
            let mut anon = Vec::new();
            for m in &spec.host_config.mounts {
                if m.kind == MountKind::Volume {
                    match &m.source {
                        Some(src) if !src.is_empty() => {
                            let (driver, labels, opts) = m.volume.as_ref().map_or((None, BTreeMap::new(), BTreeMap::new()), |v| {
                                (v.driver.clone(), v.labels.clone(), v.driver_opts.clone())
                            });
                            s.ensure_volume(src, driver.as_deref(), &labels, &opts);
                        }
                        _ => anon.push(s.anonymous_volume()),
                    }
                }
            }
            for b in &spec.host_config.binds {
                if let Some(src) = b.split(':').next().filter(|x| !x.starts_with('/') && !x.is_empty()) {
                    s.ensure_volume(src, None, &BTreeMap::new(), &BTreeMap::new());
                }
            }
            let covered: Vec<String> = spec
                .host_config
                .mounts
                .iter()
                .map(|m| m.target.clone())
                .chain(spec.host_config.binds.iter().filter_map(|b| b.split(':').nth(1).map(str::to_owned)))
                .chain(spec.host_config.tmpfs.keys().cloned())
                .collect();
            for v in spec.config.volumes.clone() {
                if !covered.contains(&v) {
                    anon.push(s.anonymous_volume());
                }
            }
            let now = s.clock.now();
            let mut files = fs_init(now);
            if let Some(wd) = &spec.config.working_dir {
                let mut p = clean_path(wd);
                while p != "/" {
                    files.entry(p.clone()).or_insert(FsNode { dir: true, mode: 0o755, data: Vec::new(), mtime: now, link: None });
                    p = parent_of(&p);
                }
            }
            let mut c = FakeContainer {
                id: id.clone(),
                name,
                created: now,
                spec,
                image_id,
                status: ContainerStatus::Created,
                exit_code: 0,
                pid: 0,
                started_at: None,
                finished_at: None,
                error: String::new(),
                health: None,
                restart_count: 0,
                endpoints: BTreeMap::new(),
                ports: BTreeMap::new(),
                logs: Vec::new(),
                files,
                stdin: Vec::new(),
                stdin_closed: false,
                generation: 0,
                exits: 0,
                stopped_by_user: false,
                anon_volumes: anon,
                proc: None,
                started_instant: None,
            };
            let attrs = c.event_attributes();
            s.containers.push(c.clone());
            for (net, cfg) in wanted {
                let st = s.endpoint_state(&net, &cfg, &id, false)?;
                c.endpoints.insert(net, (cfg, st));
            }
            if let Some(last) = s.containers.last_mut() {
                last.endpoints = c.endpoints;
            }
            s.record(format!("create_container {target}").trim_end().to_owned());
            s.emit(EventKind::Container, "create", &id, attrs);
            Ok((ContainerCreated { id, warnings: Vec::new() }, Vec::new()))
        })
    }

    async fn start_container(&self, id: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("start_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("start_container {id}"));
            match s.containers[idx].status {
                ContainerStatus::Running | ContainerStatus::Restarting => Ok(((), Vec::new())),
                ContainerStatus::Paused => Err(EngineError::conflict("cannot start a paused container, try unpause instead")),
                _ => s.start(idx).map(|f| ((), f)),
            }
        })
    }

    async fn stop_container(&self, id: &str, options: &StopOptions) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("stop_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("stop_container {id}"));
            if !s.containers[idx].is_running() {
                return Ok(((), Vec::new()));
            }
            let (cid, attrs) = (s.containers[idx].id.clone(), s.containers[idx].event_attributes());
            let f = Self::stop_inner(s, idx, options.signal.as_deref());
            s.emit(EventKind::Container, "stop", &cid, attrs);
            Ok(((), f))
        })
    }

    async fn restart_container(&self, id: &str, options: &StopOptions) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("restart_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("restart_container {id}"));
            if s.containers[idx].is_running() {
                let (cid, attrs) = (s.containers[idx].id.clone(), s.containers[idx].event_attributes());
                Self::stop_inner(s, idx, options.signal.as_deref());
                s.emit(EventKind::Container, "stop", &cid, attrs);
            }
            let idx = s.container_index(id)?;
            let f = s.start(idx)?;
            let c = &s.containers[idx];
            let (cid, attrs) = (c.id.clone(), c.event_attributes());
            s.emit(EventKind::Container, "restart", &cid, attrs);
            Ok(((), f))
        })
    }

    async fn kill_container(&self, id: &str, signal: Option<&str>) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("kill_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("kill_container {id}"));
            if !s.containers[idx].is_running() {
                return Err(EngineError::conflict(format!(
                    "Cannot kill container: {id}: Container {} is not running",
                    s.containers[idx].id
                )));
            }
            let sig = parse_signal(signal.unwrap_or("SIGKILL"));
            s.containers[idx].stopped_by_user = true;
            let f = s.container_exited(idx, 128_i64.saturating_add(sig), Some(sig));
            Ok(((), f))
        })
    }

    async fn pause_container(&self, id: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("pause_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("pause_container {id}"));
            let c = &mut s.containers[idx];
            match c.status {
                ContainerStatus::Running => {}
                ContainerStatus::Paused => return Err(EngineError::conflict(format!("Container {} is already paused", c.id))),
                _ => return Err(EngineError::conflict(format!("Container {} is not running", c.id))),
            }
            c.status = ContainerStatus::Paused;
            let (cid, attrs) = (c.id.clone(), c.event_attributes());
            s.emit(EventKind::Container, "pause", &cid, attrs);
            Ok(((), Vec::new()))
        })
    }

    async fn unpause_container(&self, id: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("unpause_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("unpause_container {id}"));
            let c = &mut s.containers[idx];
            if c.status != ContainerStatus::Paused {
                return Err(EngineError::conflict(format!("Container {} is not paused", c.id)));
            }
            c.status = ContainerStatus::Running;
            let (cid, attrs) = (c.id.clone(), c.event_attributes());
            s.emit(EventKind::Container, "unpause", &cid, attrs);
            Ok(((), Vec::new()))
        })
    }

    async fn remove_container(&self, id: &str, options: &RemoveOptions) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("remove_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("remove_container {id}"));
            if s.containers[idx].is_running() {
                if !options.force {
                    let c = &s.containers[idx];
                    let what = if c.status == ContainerStatus::Paused { "paused" } else { "running" };
                    return Err(EngineError::conflict(format!(
                        "You cannot remove a {what} container {}. Stop the container before attempting removal or force remove",
                        c.id
                    )));
                }
                s.containers[idx].stopped_by_user = true;
                s.container_exited(idx, 137, Some(9));
            }
            // An auto-remove container is already gone once it exited.
            if let Ok(idx) = s.container_index(id) {
                s.destroy(idx, options.volumes);
            }
            Ok(((), Vec::new()))
        })
    }

    async fn rename_container(&self, id: &str, new_name: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("rename_container", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("rename_container {id} {new_name}"));
            let new_name = new_name.strip_prefix('/').unwrap_or(new_name);
            if s.containers[idx].name == new_name {
                return Err(EngineError::conflict("Renaming a container with the same name as its current name"));
            }
            s.check_name_free(new_name)?;
            let old = std::mem::replace(&mut s.containers[idx].name, new_name.to_owned());
            let c = &s.containers[idx];
            let mut attrs = c.event_attributes();
            attrs.insert("oldName".to_owned(), format!("/{old}"));
            let cid = c.id.clone();
            s.emit(EventKind::Container, "rename", &cid, attrs);
            Ok(((), Vec::new()))
        })
    }

    async fn wait_container(&self, id: &str, condition: WaitCondition) -> EngineResult<WaitResult> {
        let mut rx = self.inner.changed.subscribe();
        let (cid, start_exits, mut last_code) = self.read(|s| {
            s.container_index(id).map(|i| {
                let c = &s.containers[i];
                (c.id.clone(), c.exits, c.exit_code)
            })
        })?;
        loop {
            rx.borrow_and_update();
            let done = self.read(|s| match s.containers.iter().find(|c| c.id == cid) {
                None => Some(last_code),
                Some(c) => {
                    last_code = c.exit_code;
                    let stopped = !matches!(c.status, ContainerStatus::Running | ContainerStatus::Paused);
                    match condition {
                        WaitCondition::NotRunning if stopped => Some(c.exit_code),
                        WaitCondition::NextExit if c.exits > start_exits => Some(c.exit_code),
                        _ => None,
                    }
                }
            });
            if let Some(code) = done {
                return Ok(WaitResult { status_code: code, error: None });
            }
            if rx.changed().await.is_err() {
                return Err(EngineError::Stream { message: "engine shut down while waiting".to_owned() });
            }
        }
    }

    fn logs(&self, id: &str, options: &LogsOptions) -> EngineStream<LogFrame> {
        frames_stream(&self.inner, Source::Container { id: id.to_owned(), options: options.clone(), attach: false }, 0, options.follow)
    }

    async fn attach_container(&self, id: &str, options: &AttachOptions) -> EngineResult<AttachedIo> {
        let (cid, start) = self.read(|s| {
            s.container_index(id).map(|i| {
                let c = &s.containers[i];
                (c.id.clone(), if options.logs { 0 } else { c.logs.len() })
            })
        })?;
        let logs = LogsOptions { follow: true, stdout: options.stdout, stderr: options.stderr, ..Default::default() };
        let output = frames_stream(&self.inner, Source::Container { id: cid.clone(), options: logs, attach: true }, start, options.stream);
        let input: crate::StdinWriter = if options.stdin {
            Box::pin(FakeStdin { inner: Arc::downgrade(&self.inner), target: Target::Container(cid) })
        } else {
            Box::pin(tokio::io::sink())
        };
        Ok(AttachedIo { output, input })
    }

    async fn resize_container_tty(&self, id: &str, _height: u16, _width: u16) -> EngineResult<()> {
        self.read(|s| s.container_index(id).map(|_| ()))
    }

    async fn connect_network(&self, network: &str, options: &NetworkConnect) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("connect_network", network)?;
            let n = s.network_index(network)?;
            let net_name = s.networks[n].name.clone();
            let net_id = s.networks[n].id.clone();
            let driver = s.networks[n].driver.clone();
            let idx = s.container_index(&options.container)?;
            s.record(format!("connect_network {network} {}", options.container));
            let cid = s.containers[idx].id.clone();
            if s.containers[idx].endpoints.contains_key(&net_name) {
                return Err(EngineError::Api {
                    status: 403,
                    message: format!("endpoint with name {} already exists in network {net_name}", s.containers[idx].name),
                });
            }
            let running = s.containers[idx].is_running();
            let mut st = s.endpoint_state(&net_name, &options.endpoint, &cid, running)?;
            if running {
                st.endpoint_id = s.new_id("endpoint");
            }
            s.containers[idx].endpoints.insert(net_name.clone(), (options.endpoint.clone(), st));
            if s.containers[idx].is_running() {
                let mut a = BTreeMap::new();
                a.insert("container".to_owned(), cid);
                a.insert("name".to_owned(), net_name);
                a.insert("type".to_owned(), driver);
                s.emit(EventKind::Network, "connect", &net_id, a);
            }
            Ok(((), Vec::new()))
        })
    }

    async fn disconnect_network(&self, network: &str, container: &str, _force: bool) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("disconnect_network", network)?;
            let n = s.network_index(network)?;
            let net_name = s.networks[n].name.clone();
            let net_id = s.networks[n].id.clone();
            let driver = s.networks[n].driver.clone();
            let idx = s.container_index(container)?;
            s.record(format!("disconnect_network {network} {container}"));
            let c = &mut s.containers[idx];
            if c.endpoints.remove(&net_name).is_none() {
                return Err(EngineError::Api {
                    status: 403,
                    message: format!("container {} is not connected to network {net_name}", c.id),
                });
            }
            let mut a = BTreeMap::new();
            a.insert("container".to_owned(), c.id.clone());
            a.insert("name".to_owned(), net_name);
            a.insert("type".to_owned(), driver);
            s.emit(EventKind::Network, "disconnect", &net_id, a);
            Ok(((), Vec::new()))
        })
    }

    async fn create_exec(&self, container: &str, config: &ExecConfig) -> EngineResult<String> {
        self.mutate(|s| {
            s.take_failure("create_exec", container)?;
            let idx = s.container_index(container)?;
            s.record(format!("create_exec {container}"));
            let c = &s.containers[idx];
            match c.status {
                ContainerStatus::Running => {}
                ContainerStatus::Paused => {
                    return Err(EngineError::conflict(format!(
                        "Container {} is paused, unpause the container before exec",
                        c.id
                    )))
                }
                _ => return Err(EngineError::conflict(format!("Container {} is not running", c.id))),
            }
            let cid = c.id.clone();
            let mut attrs = c.event_attributes();
            let id = s.new_id("exec");
            s.execs.insert(
                id.clone(),
                FakeExec {
                    id: id.clone(),
                    container_id: cid.clone(),
                    config: config.clone(),
                    started: false,
                    running: false,
                    exit_code: None,
                    output: Vec::new(),
                    stdin_closed: !config.attach_stdin,
                    generation: 0,
                    proc: None,
                },
            );
            attrs.insert("execID".to_owned(), id.clone());
            s.emit(EventKind::Container, format!("exec_create: {}", config.cmd.join(" ")), &cid, attrs);
            Ok((id, Vec::new()))
        })
    }

    async fn start_exec(&self, exec_id: &str, options: &ExecStartOptions) -> EngineResult<ExecStarted> {
        self.mutate(|s| {
            s.take_failure("start_exec", exec_id)?;
            s.record(format!("start_exec {exec_id}"));
            let e = s.exec_mut(exec_id)?;
            if e.started {
                return Err(EngineError::conflict(format!("Error: Exec command {exec_id} has already run")));
            }
            e.started = true;
            e.running = true;
            let script = program::parse_argv(&e.config.cmd, true);
            e.proc = Some(Proc { remaining: VecDeque::from(script.steps), status: 0, blocked: None });
            let cid = e.container_id.clone();
            let cmd = e.config.cmd.join(" ");
            let idx = s.container_index(&cid)?;
            let mut attrs = s.containers[idx].event_attributes();
            attrs.insert("execID".to_owned(), exec_id.to_owned());
            s.emit(EventKind::Container, format!("exec_start: {cmd}"), &cid, attrs);
            let f = s.advance(&Target::Exec(exec_id.to_owned()));
            Ok(((), f))
        })?;
        if options.detach {
            return Ok(ExecStarted::Detached);
        }
        let output = frames_stream(&self.inner, Source::Exec { id: exec_id.to_owned() }, 0, true);
        let input: crate::StdinWriter =
            Box::pin(FakeStdin { inner: Arc::downgrade(&self.inner), target: Target::Exec(exec_id.to_owned()) });
        Ok(ExecStarted::Attached(AttachedIo { output, input }))
    }

    async fn inspect_exec(&self, exec_id: &str) -> EngineResult<ExecDetails> {
        self.read(|s| {
            let e = s.execs.get(exec_id).ok_or_else(|| EngineError::not_found(ObjectKind::Exec, exec_id))?;
            Ok(ExecDetails {
                id: e.id.clone(),
                container_id: e.container_id.clone(),
                running: e.running,
                exit_code: e.exit_code,
                pid: e.running.then_some(4242),
                open_stdin: e.config.attach_stdin,
            })
        })
    }

    async fn resize_exec(&self, exec_id: &str, _height: u16, _width: u16) -> EngineResult<()> {
        self.read(|s| s.execs.get(exec_id).map(|_| ()).ok_or_else(|| EngineError::not_found(ObjectKind::Exec, exec_id)))
    }

    async fn top(&self, id: &str, _ps_args: Option<&str>) -> EngineResult<TopResult> {
        self.read(|s| {
            let c = &s.containers[s.container_index(id)?];
            if !c.is_running() {
                return Err(EngineError::conflict(format!("Container {} is not running", c.id)));
            }
            Ok(TopResult {
                titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"].map(str::to_owned).to_vec(),
                processes: vec![vec![
                    "root".to_owned(),
                    c.pid.to_string(),
                    "1".to_owned(),
                    "0".to_owned(),
                    "00:00".to_owned(),
                    "?".to_owned(),
                    "00:00:00".to_owned(),
                    c.argv().join(" "),
                ]],
            })
        })
    }

    fn stats(&self, id: &str, stream: bool) -> EngineStream<ContainerStats> {
        let inner = Arc::clone(&self.inner);
        let id = id.to_owned();
        let sample = move |inner: &Arc<Inner>| -> EngineResult<(ContainerStats, bool)> {
            let s = inner.lock();
            let c = &s.containers[s.container_index(&id)?];
            Ok((
                ContainerStats {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    read: rfc3339(s.clock.last()),
                    pids: u64::from(c.is_running()),
                    memory_limit: 4 * 1024 * 1024 * 1024,
                    ..Default::default()
                },
                c.is_running(),
            ))
        };
        futures::stream::unfold((inner, true), move |(inner, first)| {
            let sample = sample.clone();
            async move {
                if !first {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                match sample(&inner) {
                    Ok((st, running)) if first || (stream && running) => Some((Ok(st), (inner, stream && running))),
                    Err(e) if first => Some((Err(e), (inner, false))),
                    Ok(_) | Err(_) => None,
                }
            }
        })
        .boxed()
    }

    async fn archive_stat(&self, id: &str, path: &str) -> EngineResult<PathStat> {
        self.read(|s| {
            let c = &s.containers[s.container_index(id)?];
            let p = clean_path(path);
            let n = c.files.get(&p).ok_or_else(|| EngineError::not_found(ObjectKind::Path, path))?;
            Ok(PathStat {
                name: p.rsplit('/').next().filter(|b| !b.is_empty()).unwrap_or("/").to_owned(),
                size: i64::try_from(n.data.len()).unwrap_or(i64::MAX),
                mode: if n.dir { (1 << 31) | n.mode } else { n.mode },
                mtime: rfc3339(n.mtime),
                link_target: n.link.clone().unwrap_or_default(),
            })
        })
    }

    fn archive_get(&self, id: &str, path: &str) -> EngineStream<Bytes> {
        let r = self.read(|s| {
            let c = &s.containers[s.container_index(id)?];
            Self::archive_of(&c.files, path)
        });
        futures::stream::once(async move { r.map(Bytes::from) }).boxed()
    }

    async fn archive_put(&self, id: &str, path: &str, tar: ByteStream, _options: &ArchivePutOptions) -> EngineResult<()> {
        let chunks: Vec<Bytes> = tar
            .try_collect()
            .await
            .map_err(|e| EngineError::Io { context: "reading archive".to_owned(), source: e })?;
        let data: Vec<u8> = chunks.concat();
        let entries = read_tar(&data)?;
        self.mutate(|s| {
            s.take_failure("archive_put", id)?;
            let idx = s.container_index(id)?;
            s.record(format!("archive_put {id} {path}"));
            let now = s.clock.now();
            let c = &mut s.containers[idx];
            let root = clean_path(path);
            match c.files.get(&root) {
                Some(n) if n.dir => {}
                Some(_) => return Err(EngineError::Api { status: 400, message: format!("extraction point is not a directory: {path}") }),
                None => return Err(EngineError::not_found(ObjectKind::Path, path)),
            }
            for e in entries {
                let full = clean_path(&format!("{root}/{}", e.path));
                let mut p = parent_of(&full);
                while !c.files.contains_key(&p) {
                    c.files.insert(p.clone(), FsNode { dir: true, mode: 0o755, data: Vec::new(), mtime: now, link: None });
                    p = parent_of(&p);
                }
                let node = match e.kind {
                    EntryKind::Dir => FsNode { dir: true, mode: e.mode, data: Vec::new(), mtime: now, link: None },
                    EntryKind::Symlink(t) | EntryKind::Hardlink(t) => {
                        FsNode { dir: false, mode: e.mode, data: Vec::new(), mtime: now, link: Some(t) }
                    }
                    EntryKind::File => FsNode { dir: false, mode: e.mode, data: e.data, mtime: now, link: None },
                };
                c.files.insert(full, node);
            }
            Ok(((), Vec::new()))
        })
    }

    async fn list_images(&self, options: &ImageListOptions) -> EngineResult<Vec<ImageSummary>> {
        self.read(|s| {
            let f = &options.filters;
            Ok(s.images
                .iter()
                .rev()
                .filter(|i| {
                    f.match_labels(&i.config.labels)
                        && f.match_any("reference", |r| i.tags.iter().any(|t| t == &normalize_ref(r) || t.starts_with(&format!("{r}:"))))
                        && f.match_any("dangling", |d| (d == "true") == i.tags.is_empty())
                })
                .map(|i| ImageSummary {
                    id: i.id.clone(),
                    parent_id: String::new(),
                    repo_tags: i.tags.clone(),
                    repo_digests: Vec::new(),
                    created: i.created.div_euclid(1_000_000_000),
                    size: i.size,
                    labels: i.config.labels.clone(),
                    containers: -1,
                })
                .collect())
        })
    }

    async fn inspect_image(&self, reference: &str) -> EngineResult<ImageDetails> {
        self.read(|s| {
            let i = s.image_index(reference).ok_or_else(|| EngineError::not_found(ObjectKind::Image, reference))?;
            let img = &s.images[i];
            Ok(ImageDetails {
                id: img.id.clone(),
                repo_tags: img.tags.clone(),
                repo_digests: Vec::new(),
                created: rfc3339(img.created),
                os: "linux".to_owned(),
                architecture: "amd64".to_owned(),
                variant: None,
                size: img.size,
                config: img.config.clone(),
            })
        })
    }

    async fn image_last_tag_time(&self, reference: &str) -> EngineResult<Option<String>> {
        self.read(|s| {
            let i = s.image_index(reference).ok_or_else(|| EngineError::not_found(ObjectKind::Image, reference))?;
            Ok(s.images[i].last_tag.map(rfc3339))
        })
    }

    async fn remove_image(&self, reference: &str, options: &ImageRemoveOptions) -> EngineResult<Vec<ImageDeleteItem>> {
        self.mutate(|s| {
            s.take_failure("remove_image", reference)?;
            let i = s.image_index(reference).ok_or_else(|| EngineError::not_found(ObjectKind::Image, reference))?;
            s.record(format!("remove_image {reference}"));
            let id = s.images[i].id.clone();
            let norm = normalize_ref(reference);
            let by_tag = s.images[i].tags.contains(&norm);
            if by_tag && s.images[i].tags.len() > 1 {
                s.images[i].tags.retain(|t| *t != norm);
                let mut a = BTreeMap::new();
                a.insert("name".to_owned(), norm.clone());
                s.emit(EventKind::Image, "untag", &id, a);
                return Ok((vec![ImageDeleteItem::Untagged(norm)], Vec::new()));
            }
            if let Some(c) = s.containers.iter().find(|c| c.image_id == id) {
                if !options.force || c.is_running() {
                    return Err(EngineError::conflict(format!(
                        "conflict: unable to remove repository reference \"{reference}\" (must force) - container {} is using its referenced image {}",
                        &c.id[..12.min(c.id.len())],
                        &id.trim_start_matches("sha256:")[..12.min(id.len())]
                    )));
                }
            }
            let img = s.images.remove(i);
            let mut out: Vec<ImageDeleteItem> = img.tags.iter().cloned().map(ImageDeleteItem::Untagged).collect();
            for t in &img.tags {
                let mut a = BTreeMap::new();
                a.insert("name".to_owned(), t.clone());
                s.emit(EventKind::Image, "untag", &id, a);
            }
            out.push(ImageDeleteItem::Deleted(id.clone()));
            s.emit(EventKind::Image, "delete", &id, BTreeMap::new());
            Ok((out, Vec::new()))
        })
    }

    async fn tag_image(&self, source: &str, target: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("tag_image", source)?;
            let i = s.image_index(source).ok_or_else(|| EngineError::not_found(ObjectKind::Image, source))?;
            s.record(format!("tag_image {source} {target}"));
            let norm = normalize_ref(target);
            for img in &mut s.images {
                img.tags.retain(|t| *t != norm);
            }
            s.images[i].tags.push(norm.clone());
            s.images[i].last_tag = Some(s.clock.now());
            let id = s.images[i].id.clone();
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), norm);
            s.emit(EventKind::Image, "tag", &id, a);
            Ok(((), Vec::new()))
        })
    }

    fn pull_image(&self, options: &PullOptions) -> EngineStream<ProgressEvent> {
        let reference = options.reference.clone();
        let r = self.mutate(|s| {
            s.take_failure("pull_image", &reference)?;
            s.record(format!("pull_image {reference}"));
            let norm = normalize_ref(&reference);
            let cfg = s.registry.get(&norm).cloned().ok_or_else(|| EngineError::NotFound {
                kind: ObjectKind::Image,
                id: reference.clone(),
                message: format!(
                    "pull access denied for {}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
                    norm.rsplit_once(':').map_or(norm.as_str(), |(r, _)| r)
                ),
            })?;
            let id = s.put_image(&norm, cfg);
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), norm.clone());
            s.emit(EventKind::Image, "pull", &norm, a);
            let short: String = id.trim_start_matches("sha256:").chars().take(12).collect();
            let tag = norm.rsplit_once(':').map_or("latest", |(_, t)| t).to_owned();
            Ok((
                vec![
                    ProgressEvent { id: Some(tag), status: Some("Pulling from fake".to_owned()), ..Default::default() },
                    ProgressEvent { id: Some(short.clone()), status: Some("Pull complete".to_owned()), ..Default::default() },
                    ProgressEvent { status: Some(format!("Digest: sha256:{}", id.trim_start_matches("sha256:"))), ..Default::default() },
                    ProgressEvent { status: Some(format!("Status: Downloaded newer image for {norm}")), ..Default::default() },
                ],
                Vec::new(),
            ))
        });
        match r {
            Ok(events) => futures::stream::iter(events.into_iter().map(Ok)).boxed(),
            Err(e) => one_error(e),
        }
    }

    async fn registry_digest(&self, reference: &str, _auth: Option<&RegistryAuth>) -> EngineResult<String> {
        let norm = normalize_ref(reference);
        let s = self.inner.lock();
        let config = s.registry.get(&norm).ok_or_else(|| EngineError::NotFound {
            kind: ObjectKind::Image,
            id: reference.to_owned(),
            message: "manifest unknown: manifest unknown".to_owned(),
        })?;
        // A stand-in for the manifest's digest: stable for the same content.
        let manifest = serde_json::to_vec(&(&norm, config)).unwrap_or_default();
        Ok(format!("sha256:{}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&manifest))))
    }

    async fn push_artifact(&self, artifact: &ArtifactPush) -> EngineResult<ArtifactPushed> {
        let reference = artifact.reference.clone();
        self.mutate(|s| {
            s.take_failure("push_artifact", &reference)?;
            s.record(format!("push_artifact {reference}"));
            let version = artifact.oci_version.unwrap_or(OciVersion::V1_1);
            let manifest = crate::oci::manifest(artifact, version);
            let digest = manifest.digest();
            let mut blobs = artifact.layers.clone();
            blobs.push(manifest.config);
            s.artifacts.insert(normalize_ref(&reference), (manifest.bytes, blobs));
            Ok((ArtifactPushed { digest, oci_version: version }, Vec::new()))
        })
    }

    fn push_image(&self, options: &PushOptions) -> EngineStream<ProgressEvent> {
        let reference = options.reference.clone();
        let r = self.mutate(|s| {
            s.take_failure("push_image", &reference)?;
            s.record(format!("push_image {reference}"));
            let i = s.image_index(&reference).ok_or_else(|| EngineError::NotFound {
                kind: ObjectKind::Image,
                id: reference.clone(),
                message: format!("An image does not exist locally with the tag: {reference}"),
            })?;
            let norm = normalize_ref(&reference);
            let cfg = s.images[i].config.clone();
            s.registry.insert(norm.clone(), cfg);
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), norm.clone());
            let id = s.images[i].id.clone();
            s.emit(EventKind::Image, "push", &id, a);
            Ok((
                vec![
                    ProgressEvent { status: Some(format!("The push refers to repository [{norm}]")), ..Default::default() },
                    ProgressEvent { status: Some("Pushed".to_owned()), ..Default::default() },
                ],
                Vec::new(),
            ))
        });
        match r {
            Ok(events) => futures::stream::iter(events.into_iter().map(Ok)).boxed(),
            Err(e) => one_error(e),
        }
    }

    fn build_image(&self, options: &BuildOptions, context: ByteStream) -> EngineStream<BuildEvent> {
        let inner = Arc::clone(&self.inner);
        let options = options.clone();
        futures::stream::once(async move {
            let chunks: Vec<Bytes> = match context.try_collect().await {
                Ok(c) => c,
                Err(e) => return vec![Err(EngineError::Io { context: "reading build context".to_owned(), source: e })],
            };
            let data = chunks.concat();
            let dockerfile = options.dockerfile.clone().unwrap_or_else(|| "Dockerfile".to_owned());
            let built = mutate(&inner, |s| {
                let target = options.tags.first().cloned().unwrap_or_default();
                s.take_failure("build_image", &target)?;
                s.record(format!("build_image {target}").trim_end().to_owned());
                let text = build::dockerfile_from_context(&data, &dockerfile)?;
                let stages = build::parse_dockerfile(&text)?;
                let last = match &options.target {
                    Some(t) => stages
                        .iter()
                        .position(|st| st.name.as_deref() == Some(t.as_str()))
                        .ok_or_else(|| EngineError::Api { status: 400, message: format!("failed to reach build target {t} in Dockerfile") })?,
                    None => stages.len().saturating_sub(1),
                };
                let total: usize = stages.iter().take(last + 1).map(|st| st.instructions.len() + 1).sum();
                let mut out = Vec::new();
                let mut step = 0usize;
                let mut done: Vec<ImageConfig> = Vec::new();
                for st in stages.iter().take(last + 1) {
                    step += 1;
                    out.push(BuildEvent::Output(format!("Step {step}/{total} : FROM {}\n", st.from)));
                    let base = if st.from == "scratch" {
                        ImageConfig::default()
                    } else if let Some(i) = stages.iter().take(done.len()).position(|p| p.name.as_deref() == Some(st.from.as_str())) {
                        done[i].clone()
                    } else if let Some(i) = s.image_index(&st.from) {
                        s.images[i].config.clone()
                    } else if let Some(cfg) = s.registry.get(&normalize_ref(&st.from)).cloned() {
                        s.put_image(&st.from, cfg.clone());
                        cfg
                    } else {
                        return Err(EngineError::NotFound {
                            kind: ObjectKind::Image,
                            id: st.from.clone(),
                            message: format!("pull access denied for {}, repository does not exist or may require 'docker login'", st.from),
                        });
                    };
                    let (cfg, steps) = build::apply_stage(&base, st, &options.build_args);
                    for text in steps {
                        step += 1;
                        out.push(BuildEvent::Output(format!("Step {step}/{total} : {text}\n")));
                    }
                    done.push(cfg);
                }
                let mut cfg = done.pop().unwrap_or_default();
                cfg.labels.extend(options.labels.clone());
                let id = if let Some(t) = options.tags.first() {
                    s.put_image(t, cfg)
                } else {
                    let id = format!("sha256:{}", s.new_id("image"));
                    let created = s.clock.now();
                    s.images.push(state::FakeImage { id: id.clone(), tags: Vec::new(), created, config: cfg, size: 1_024, last_tag: None });
                    id
                };
                for t in options.tags.iter().skip(1) {
                    let norm = normalize_ref(t);
                    for img in &mut s.images {
                        img.tags.retain(|x| *x != norm);
                    }
                    if let Some(img) = s.images.iter_mut().find(|i| i.id == id) {
                        img.tags.push(norm);
                    }
                }
                let short: String = id.trim_start_matches("sha256:").chars().take(12).collect();
                out.push(BuildEvent::ImageId(id.clone()));
                out.push(BuildEvent::Output(format!("Successfully built {short}\n")));
                for t in &options.tags {
                    out.push(BuildEvent::Output(format!("Successfully tagged {}\n", normalize_ref(t))));
                }
                Ok((out, Vec::new()))
            });
            match built {
                Ok(events) => events.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            }
        })
        .flat_map(futures::stream::iter)
        .boxed()
    }

    async fn list_networks(&self, options: &ListOptions) -> EngineResult<Vec<NetworkDetails>> {
        self.read(|s| {
            let f = &options.filters;
            let mut v: Vec<NetworkDetails> = s
                .networks
                .iter()
                .filter(|n| {
                    f.match_labels(&n.labels)
                        && f.match_any("name", |x| n.name.contains(x))
                        && f.match_any("id", |x| n.id.starts_with(x))
                        && f.match_any("driver", |x| n.driver == x)
                        && f.match_any("scope", |x| n.scope == x)
                })
                .map(|n| NetworkDetails { containers: BTreeMap::new(), ..n.clone() })
                .collect();
            v.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(v)
        })
    }

    async fn inspect_network(&self, id: &str) -> EngineResult<NetworkDetails> {
        self.read(|s| {
            let n = s.networks[s.network_index(id)?].clone();
            let containers = s
                .containers
                .iter()
                .filter(|c| c.is_running())
                .filter_map(|c| {
                    let (_, st) = c.endpoints.get(&n.name)?;
                    Some((
                        c.id.clone(),
                        crate::types::network::NetworkContainer {
                            name: c.name.clone(),
                            endpoint_id: st.endpoint_id.clone(),
                            mac_address: st.mac_address.clone().unwrap_or_default(),
                            ipv4_address: st
                                .ip_address
                                .as_ref()
                                .map(|ip| format!("{ip}/{}", st.ip_prefix_len.unwrap_or(16)))
                                .unwrap_or_default(),
                            ipv6_address: String::new(),
                        },
                    ))
                })
                .collect();
            Ok(NetworkDetails { containers, ..n })
        })
    }

    async fn create_network(&self, spec: &NetworkCreate) -> EngineResult<String> {
        self.mutate(|s| {
            s.take_failure("create_network", &spec.name)?;
            s.record(format!("create_network {}", spec.name));
            if spec.name.is_empty() {
                return Err(EngineError::Api { status: 400, message: "network name cannot be empty".to_owned() });
            }
            if s.networks.iter().any(|n| n.name == spec.name) {
                return Err(EngineError::conflict(format!("network with name {} already exists", spec.name)));
            }
            let driver = spec.driver.clone().unwrap_or_else(|| "bridge".to_owned());
            if driver == "overlay" && s.swarm.is_none() {
                return Err(EngineError::Api {
                    status: 403,
                    message: "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again.".to_owned(),
                });
            }
            let id = s.new_id("network");
            let created = s.clock.now();
            let n = s.networks.len();
            let mut ipam = spec.ipam.clone().unwrap_or_default();
            if ipam.driver.is_none() {
                ipam.driver = Some("default".to_owned());
            }
            if ipam.config.is_empty() && driver == "bridge" {
                let octet = 18 + n;
                ipam.config.push(crate::types::network::IpamPool {
                    subnet: Some(format!("172.{octet}.0.0/16")),
                    gateway: Some(format!("172.{octet}.0.1")),
                    ..Default::default()
                });
            }
            s.networks.push(NetworkDetails {
                id: id.clone(),
                name: spec.name.clone(),
                created: rfc3339(created),
                driver: driver.clone(),
                scope: spec.scope.clone().unwrap_or_else(|| if driver == "overlay" { "swarm".to_owned() } else { "local".to_owned() }),
                internal: spec.internal,
                attachable: spec.attachable,
                ingress: spec.ingress,
                enable_ipv6: spec.enable_ipv6.unwrap_or(false),
                ipam,
                options: spec.driver_opts.clone(),
                labels: spec.labels.clone(),
                containers: BTreeMap::new(),
            });
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), spec.name.clone());
            a.insert("type".to_owned(), driver);
            s.emit(EventKind::Network, "create", &id, a);
            Ok((id, Vec::new()))
        })
    }

    async fn remove_network(&self, id: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("remove_network", id)?;
            let i = s.network_index(id)?;
            s.record(format!("remove_network {id}"));
            let n = s.networks[i].clone();
            if matches!(n.name.as_str(), "bridge" | "host" | "none") {
                return Err(EngineError::Api { status: 403, message: format!("{} is a pre-defined network and cannot be removed", n.name) });
            }
            if s.containers.iter().any(|c| c.endpoints.contains_key(&n.name) && c.is_running()) {
                return Err(EngineError::conflict(format!(
                    "error while removing network: network {} id {} has active endpoints",
                    n.name, n.id
                )));
            }
            for c in &mut s.containers {
                c.endpoints.remove(&n.name);
            }
            s.networks.remove(i);
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), n.name.clone());
            a.insert("type".to_owned(), n.driver.clone());
            s.emit(EventKind::Network, "destroy", &n.id, a);
            Ok(((), Vec::new()))
        })
    }

    async fn list_volumes(&self, options: &ListOptions) -> EngineResult<Vec<VolumeDetails>> {
        self.read(|s| {
            let f = &options.filters;
            Ok(s.volumes
                .values()
                .filter(|v| {
                    f.match_labels(&v.labels)
                        && f.match_any("name", |x| v.name.contains(x))
                        && f.match_any("driver", |x| v.driver == x)
                        && f.match_any("dangling", |d| (d == "true" || d == "1") == s.volume_users(&v.name).is_empty())
                })
                .cloned()
                .collect())
        })
    }

    async fn inspect_volume(&self, name: &str) -> EngineResult<VolumeDetails> {
        self.read(|s| s.volumes.get(name).cloned().ok_or_else(|| EngineError::not_found(ObjectKind::Volume, name)))
    }

    async fn create_volume(&self, spec: &VolumeCreate) -> EngineResult<VolumeDetails> {
        self.mutate(|s| {
            s.take_failure("create_volume", &spec.name)?;
            s.record(format!("create_volume {}", spec.name).trim_end().to_owned());
            let name = if spec.name.is_empty() { s.new_id("volume") } else { spec.name.clone() };
            if let Some(existing) = s.volumes.get(&name) {
                let driver = spec.driver.as_deref().unwrap_or("local");
                if existing.driver != driver {
                    return Err(EngineError::conflict(format!(
                        "create {name}: volume name is already in use by a volume with driver {}",
                        existing.driver
                    )));
                }
                return Ok((existing.clone(), Vec::new()));
            }
            let v = s.ensure_volume(&name, spec.driver.as_deref(), &spec.labels, &spec.driver_opts);
            Ok((v, Vec::new()))
        })
    }

    async fn remove_volume(&self, name: &str, force: bool) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("remove_volume", name)?;
            s.record(format!("remove_volume {name}"));
            if !s.volumes.contains_key(name) {
                if force {
                    return Ok(((), Vec::new()));
                }
                return Err(EngineError::not_found(ObjectKind::Volume, name));
            }
            let users = s.volume_users(name);
            if !users.is_empty() {
                return Err(EngineError::conflict(format!("remove {name}: volume is in use - [{}]", users.join(", "))));
            }
            let v = s.volumes.remove(name);
            let mut a = BTreeMap::new();
            a.insert("driver".to_owned(), v.map(|v| v.driver).unwrap_or_default());
            s.emit(EventKind::Volume, "destroy", name, a);
            Ok(((), Vec::new()))
        })
    }

    async fn swarm_init(&self, _advertise_addr: Option<&str>) -> EngineResult<String> {
        self.mutate(|s| {
            s.take_failure("swarm_init", "")?;
            s.record("swarm_init".to_owned());
            if s.swarm.is_some() {
                return Err(EngineError::Api {
                    status: 503,
                    message: "This node is already part of a swarm. Use \"docker swarm leave\" to leave this swarm and join another one.".to_owned(),
                });
            }
            let node_id: String = s.new_id("node").chars().take(25).collect();
            s.swarm = Some(FakeSwarm { node_id: node_id.clone(), ..Default::default() });
            Ok((node_id, Vec::new()))
        })
    }

    async fn swarm_leave(&self, force: bool) -> EngineResult<()> {
        self.mutate(|s| {
            s.record("swarm_leave".to_owned());
            if s.swarm.is_none() {
                return Err(EngineError::Api { status: 503, message: "This node is not part of a swarm".to_owned() });
            }
            if !force {
                return Err(EngineError::Api {
                    status: 503,
                    message: "You are attempting to leave the swarm on a node that is participating as a manager. Use `--force` to suppress this message.".to_owned(),
                });
            }
            s.swarm = None;
            Ok(((), Vec::new()))
        })
    }

    async fn list_services(&self, options: &ListOptions) -> EngineResult<Vec<ServiceDetails>> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            let f = &options.filters;
            Ok(w.services
                .iter()
                .filter(|x| {
                    f.match_labels(&x.spec.labels)
                        && f.match_any("name", |n| x.spec.name.starts_with(n))
                        && f.match_any("id", |i| x.id.starts_with(i))
                })
                .map(|x| Self::service_details(x, u64::MAX))
                .collect())
        })
    }

    async fn inspect_service(&self, id: &str) -> EngineResult<ServiceDetails> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            w.services
                .iter()
                .find(|x| x.id == id || x.spec.name == id)
                .map(|x| Self::service_details(x, u64::MAX))
                .ok_or_else(|| EngineError::not_found(ObjectKind::Service, id))
        })
    }

    async fn create_service(&self, spec: &ServiceSpec, _auth: Option<&RegistryAuth>) -> EngineResult<String> {
        self.mutate(|s| {
            s.take_failure("create_service", &spec.name)?;
            s.record(format!("create_service {}", spec.name));
            let id: String = s.new_id("service").chars().take(25).collect();
            let now = s.clock.now();
            let w = Self::require_swarm(s)?;
            if w.services.iter().any(|x| x.spec.name == spec.name) {
                return Err(EngineError::conflict(format!(
                    "rpc error: code = AlreadyExists desc = name conflicts with an existing object: service {} already exists",
                    spec.name
                )));
            }
            w.services.push(FakeService { id: id.clone(), version: 1, created: now, updated: now, spec: spec.clone() });
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), spec.name.clone());
            s.emit(EventKind::Service, "create", &id, a);
            Ok((id, Vec::new()))
        })
    }

    async fn update_service(&self, id: &str, version: u64, spec: &ServiceSpec, _auth: Option<&RegistryAuth>) -> EngineResult<Vec<String>> {
        self.mutate(|s| {
            s.take_failure("update_service", id)?;
            s.record(format!("update_service {id}"));
            let now = s.clock.now();
            let w = Self::require_swarm(s)?;
            let svc = w
                .services
                .iter_mut()
                .find(|x| x.id == id || x.spec.name == id)
                .ok_or_else(|| EngineError::not_found(ObjectKind::Service, id))?;
            if svc.version != version {
                return Err(EngineError::Api { status: 500, message: "rpc error: code = Unknown desc = update out of sequence".to_owned() });
            }
            svc.version = svc.version.saturating_add(1);
            svc.updated = now;
            svc.spec = spec.clone();
            let sid = svc.id.clone();
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), spec.name.clone());
            s.emit(EventKind::Service, "update", &sid, a);
            Ok((Vec::new(), Vec::new()))
        })
    }

    async fn remove_service(&self, id: &str) -> EngineResult<()> {
        self.mutate(|s| {
            s.take_failure("remove_service", id)?;
            s.record(format!("remove_service {id}"));
            let w = Self::require_swarm(s)?;
            let i = w
                .services
                .iter()
                .position(|x| x.id == id || x.spec.name == id)
                .ok_or_else(|| EngineError::not_found(ObjectKind::Service, id))?;
            let svc = w.services.remove(i);
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), svc.spec.name.clone());
            s.emit(EventKind::Service, "remove", &svc.id, a);
            Ok(((), Vec::new()))
        })
    }

    async fn list_tasks(&self, options: &ListOptions) -> EngineResult<Vec<TaskDetails>> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            let f = &options.filters;
            let mut out = Vec::new();
            for svc in &w.services {
                if !f.match_any("service", |x| svc.id.starts_with(x) || svc.spec.name == x) {
                    continue;
                }
                let count = match svc.spec.mode {
                    ServiceMode::Replicated { replicas } => replicas,
                    ServiceMode::Global | ServiceMode::GlobalJob => 1,
                    ServiceMode::ReplicatedJob { total_completions, .. } => total_completions,
                };
                let job = matches!(svc.spec.mode, ServiceMode::ReplicatedJob { .. } | ServiceMode::GlobalJob);
                for slot in 1..=count.min(1000) {
                    let state = if job { "complete" } else { "running" };
                    let task = TaskDetails {
                        id: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(format!("{}/{slot}/{}", svc.id, svc.version).as_bytes()))
                            .chars()
                            .take(25)
                            .collect(),
                        service_id: svc.id.clone(),
                        slot: Some(i64::try_from(slot).unwrap_or(i64::MAX)),
                        node_id: Some(w.node_id.clone()),
                        labels: BTreeMap::new(),
                        desired_state: if job { "complete".to_owned() } else { "running".to_owned() },
                        state: state.to_owned(),
                        message: if job { "finished".to_owned() } else { "started".to_owned() },
                        error: None,
                        container_id: None,
                        exit_code: job.then_some(0),
                        timestamp: rfc3339(svc.updated),
                        image: svc.spec.container.image.clone(),
                    };
                    if f.match_any("desired-state", |d| d == task.desired_state) && f.match_labels(&task.labels) {
                        out.push(task);
                    }
                }
            }
            Ok(out)
        })
    }

    async fn list_nodes(&self, _options: &ListOptions) -> EngineResult<Vec<NodeDetails>> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            Ok(vec![NodeDetails {
                id: w.node_id.clone(),
                hostname: "fake".to_owned(),
                role: "manager".to_owned(),
                availability: "active".to_owned(),
                state: "ready".to_owned(),
                addr: "127.0.0.1".to_owned(),
                leader: true,
                engine_version: "20.10.24".to_owned(),
                labels: BTreeMap::new(),
            }])
        })
    }

    async fn create_secret(&self, spec: &SwarmObjectCreate) -> EngineResult<String> {
        self.create_swarm_object(spec, true)
    }

    async fn list_secrets(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            Ok(w.secrets.iter().filter(|o| Self::swarm_object_matches(o, &options.filters)).cloned().collect())
        })
    }

    async fn remove_secret(&self, id: &str) -> EngineResult<()> {
        self.remove_swarm_object(id, true)
    }

    async fn create_config(&self, spec: &SwarmObjectCreate) -> EngineResult<String> {
        self.create_swarm_object(spec, false)
    }

    async fn list_configs(&self, options: &ListOptions) -> EngineResult<Vec<SwarmObject>> {
        self.read(|s| {
            let w = s.swarm.as_ref().ok_or_else(swarm_required)?;
            Ok(w.configs.iter().filter(|o| Self::swarm_object_matches(o, &options.filters)).cloned().collect())
        })
    }

    async fn remove_config(&self, id: &str) -> EngineResult<()> {
        self.remove_swarm_object(id, false)
    }
}

impl FakeEngine {
    fn create_swarm_object(&self, spec: &SwarmObjectCreate, secret: bool) -> EngineResult<String> {
        let (op, kind, ev) = if secret {
            ("create_secret", "secret", EventKind::Secret)
        } else {
            ("create_config", "config", EventKind::Config)
        };
        self.mutate(|s| {
            s.take_failure(op, &spec.name)?;
            s.record(format!("{op} {}", spec.name));
            let id: String = s.new_id(kind).chars().take(25).collect();
            let now = rfc3339(s.clock.now());
            let w = Self::require_swarm(s)?;
            let list = if secret { &mut w.secrets } else { &mut w.configs };
            if list.iter().any(|o| o.name == spec.name) {
                return Err(EngineError::conflict(format!(
                    "rpc error: code = AlreadyExists desc = {kind} {} already exists",
                    spec.name
                )));
            }
            list.push(SwarmObject {
                id: id.clone(),
                name: spec.name.clone(),
                labels: spec.labels.clone(),
                created_at: now.clone(),
                updated_at: now,
                version: 1,
                data: (!secret).then(|| spec.data.clone()),
            });
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), spec.name.clone());
            s.emit(ev, "create", &id, a);
            Ok((id, Vec::new()))
        })
    }

    fn remove_swarm_object(&self, id: &str, secret: bool) -> EngineResult<()> {
        let (op, kind, ev) = if secret {
            ("remove_secret", ObjectKind::Secret, EventKind::Secret)
        } else {
            ("remove_config", ObjectKind::Config, EventKind::Config)
        };
        self.mutate(|s| {
            s.take_failure(op, id)?;
            s.record(format!("{op} {id}"));
            let w = Self::require_swarm(s)?;
            let list = if secret { &mut w.secrets } else { &mut w.configs };
            let i = list
                .iter()
                .position(|o| o.id == id || o.name == id)
                .ok_or_else(|| EngineError::not_found(kind, id))?;
            let o = list.remove(i);
            let mut a = BTreeMap::new();
            a.insert("name".to_owned(), o.name.clone());
            s.emit(ev, "remove", &o.id, a);
            Ok(((), Vec::new()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::container::{RestartPolicy, RestartPolicyName};

    fn engine() -> FakeEngine {
        let f = FakeEngine::with_options(ApiVersion::new(1, 41), Some(1_700_000_000), false);
        f.add_image("busybox", ImageConfig { cmd: vec!["sh".into()], ..Default::default() });
        f
    }

    fn spec(name: &str, cmd: &[&str]) -> ContainerCreate {
        let mut s = ContainerCreate { name: Some(name.to_owned()), ..Default::default() };
        s.config.image = "busybox".into();
        s.config.cmd = Some(cmd.iter().map(|c| (*c).to_owned()).collect());
        s
    }

    #[tokio::test]
    async fn ids_and_times_are_deterministic() {
        let a = engine();
        let b = engine();
        let ida = a.create_container(&spec("x1", &["true"])).await.unwrap().id;
        let idb = b.create_container(&spec("x1", &["true"])).await.unwrap().id;
        assert_eq!(ida, idb);
        let ca = a.inspect_container(&ida).await.unwrap().created;
        let cb = b.inspect_container(&idb).await.unwrap().created;
        assert_eq!(ca, cb);
        assert!(ca.starts_with("2023-11-14T22:13:20."), "{ca}");
        // Unique prefixes resolve.
        assert_eq!(a.inspect_container(&ida[..8]).await.unwrap().id, ida);
    }

    #[tokio::test(start_paused = true)]
    async fn restart_policy_restarts_until_stopped() {
        let f = engine();
        let mut s = spec("r1", &["sh", "-c", "echo boot; exit 1"]);
        s.host_config.restart_policy = Some(RestartPolicy { name: RestartPolicyName::OnFailure, maximum_retry_count: Some(2) });
        let id = f.create_container(&s).await.unwrap().id;
        f.start_container(&id).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let d = f.inspect_container(&id).await.unwrap();
        assert_eq!(d.restart_count, 2);
        assert_eq!(d.state.status, ContainerStatus::Exited);
        assert_eq!(d.state.exit_code, 1);
        let starts = f.events_log().iter().filter(|e| e.action == "start").count();
        assert_eq!(starts, 3);

        let mut s = spec("r2", &["sleep", "infinity"]);
        s.host_config.restart_policy = Some(RestartPolicy { name: RestartPolicyName::Always, maximum_retry_count: None });
        let id = f.create_container(&s).await.unwrap().id;
        f.start_container(&id).await.unwrap();
        f.exit_container(&id, 2).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(f.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Running);
        f.stop_container(&id, &StopOptions::default()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(f.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Exited);
    }

    #[tokio::test(start_paused = true)]
    async fn health_follows_checks_and_tests() {
        let f = engine();
        let mut s = spec("h1", &["sleep", "infinity"]);
        s.config.healthcheck = Some(crate::HealthConfig {
            test: vec!["CMD-SHELL".into(), "exit 1".into()],
            interval: Some(Duration::from_secs(2)),
            retries: Some(2),
            ..Default::default()
        });
        let id = f.create_container(&s).await.unwrap().id;
        f.start_container(&id).await.unwrap();
        let h = |f: &FakeEngine| f.read(|s| s.containers[0].health.clone().map(|h| h.status));
        assert_eq!(h(&f), Some(HealthStatus::Starting));
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(h(&f), Some(HealthStatus::Starting));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(h(&f), Some(HealthStatus::Unhealthy));
        f.set_health(&id, HealthStatus::Healthy).unwrap();
        assert_eq!(h(&f), Some(HealthStatus::Healthy));
        let actions: Vec<String> = f.events_log().into_iter().map(|e| e.action).filter(|a| a.starts_with("health")).collect();
        assert_eq!(actions, vec!["health_status: unhealthy", "health_status: healthy"]);
    }

    #[tokio::test]
    async fn injected_failures_and_call_log() {
        let f = engine();
        f.inject_failure("start_container", Some("c1"), EngineError::Api { status: 500, message: "boom".into() });
        let id = f.create_container(&spec("c1", &["sleep", "1"])).await.unwrap().id;
        let err = f.start_container("c1").await.unwrap_err();
        assert_eq!(err.to_string(), "boom");
        f.start_container("c1").await.unwrap();
        assert_eq!(f.calls(), vec!["create_container c1", "start_container c1"]);
        assert_eq!(f.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Running);
    }

    #[tokio::test]
    async fn exec_cat_echoes_stdin() {
        use tokio::io::AsyncWriteExt;
        let f = engine();
        let id = f.create_container(&spec("e1", &["sleep", "infinity"])).await.unwrap().id;
        f.start_container(&id).await.unwrap();
        let exec = f
            .create_exec(&id, &ExecConfig { cmd: vec!["cat".into()], attach_stdin: true, attach_stdout: true, ..Default::default() })
            .await
            .unwrap();
        let ExecStarted::Attached(mut io) = f.start_exec(&exec, &ExecStartOptions::default()).await.unwrap() else {
            panic!("attached");
        };
        io.input.write_all(b"ping\n").await.unwrap();
        io.input.shutdown().await.unwrap();
        let frames: Vec<LogFrame> = io.output.try_collect().await.unwrap();
        assert_eq!(frames, vec![LogFrame::new(OutputStream::Stdout, &b"ping\n"[..])]);
        assert_eq!(f.inspect_exec(&exec).await.unwrap().exit_code, Some(0));
        let err = f.start_exec(&exec, &ExecStartOptions::default()).await.unwrap_err();
        assert!(err.is_conflict());
    }

    #[tokio::test]
    async fn swarm_objects() {
        let f = engine();
        let err = f.list_services(&ListOptions::default()).await.unwrap_err();
        assert_eq!(err.status(), Some(503));
        let node = f.swarm_init(None).await.unwrap();
        assert_eq!(f.info().await.unwrap().swarm, SwarmState::Active);
        assert_eq!(f.list_nodes(&ListOptions::default()).await.unwrap()[0].id, node);
        let mut spec = ServiceSpec { name: "stack_web".into(), ..Default::default() };
        spec.labels.insert("com.docker.stack.namespace".into(), "stack".into());
        spec.container.image = "busybox".into();
        spec.mode = ServiceMode::Replicated { replicas: 3 };
        let id = f.create_service(&spec, None).await.unwrap();
        assert!(f.create_service(&spec, None).await.unwrap_err().is_conflict());
        let filters = Filters::new().label("com.docker.stack.namespace=stack");
        let listed = f.list_services(&ListOptions { filters: filters.clone() }).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].desired_tasks, Some(3));
        let tasks = f.list_tasks(&ListOptions { filters: Filters::new().with("service", "stack_web") }).await.unwrap();
        assert_eq!(tasks.len(), 3);
        let v = f.inspect_service(&id).await.unwrap().version;
        spec.mode = ServiceMode::Replicated { replicas: 1 };
        f.update_service(&id, v, &spec, None).await.unwrap();
        assert_eq!(f.update_service(&id, v, &spec, None).await.unwrap_err().status(), Some(500));
        assert_eq!(f.list_tasks(&ListOptions::default()).await.unwrap().len(), 1);
        let sec = f
            .create_secret(&SwarmObjectCreate { name: "stack_pw".into(), data: b"x".to_vec(), ..Default::default() })
            .await
            .unwrap();
        let cfg = f
            .create_config(&SwarmObjectCreate { name: "stack_cfg".into(), data: b"y".to_vec(), ..Default::default() })
            .await
            .unwrap();
        assert_eq!(f.list_secrets(&ListOptions::default()).await.unwrap()[0].data, None);
        assert_eq!(f.list_configs(&ListOptions::default()).await.unwrap()[0].data.as_deref(), Some(&b"y"[..]));
        f.remove_secret(&sec).await.unwrap();
        f.remove_config(&cfg).await.unwrap();
        assert!(f.remove_config(&cfg).await.unwrap_err().is_not_found());
        f.remove_service(&id).await.unwrap();
        f.swarm_leave(true).await.unwrap();
        assert_eq!(f.info().await.unwrap().swarm, SwarmState::Inactive);
    }

    #[tokio::test]
    async fn pull_push_and_build_use_the_fake_registry() {
        let f = engine();
        let err: Vec<EngineResult<ProgressEvent>> = f.pull_image(&PullOptions { reference: "nginx".into(), ..Default::default() }).collect().await;
        assert!(err[0].as_ref().unwrap_err().is_not_found());
        f.add_registry_image("nginx:1.25", ImageConfig { cmd: vec!["nginx".into()], ..Default::default() });
        let ok: Vec<ProgressEvent> =
            f.pull_image(&PullOptions { reference: "docker.io/library/nginx:1.25".into(), ..Default::default() }).try_collect().await.unwrap();
        assert!(ok.last().and_then(|p| p.status.clone()).unwrap_or_default().contains("nginx:1.25"));
        assert_eq!(f.inspect_image("nginx:1.25").await.unwrap().config.cmd, vec!["nginx"]);
        let pushed: Vec<ProgressEvent> = f.push_image(&PushOptions { reference: "nginx:1.25".into(), auth: None }).try_collect().await.unwrap();
        assert!(!pushed.is_empty());
        let mut ctx = TarBuilder::new();
        ctx.file("sub/Dockerfile.dev", b"FROM nginx:1.25 AS base\nFROM base AS dev\nEXPOSE 8080\nFROM scratch\n").unwrap();
        let opts = BuildOptions {
            dockerfile: Some("sub/Dockerfile.dev".into()),
            target: Some("dev".into()),
            tags: vec!["app:dev".into()],
            ..Default::default()
        };
        let events: Vec<BuildEvent> = f.build_image(&opts, crate::bytes_stream(ctx.finish())).try_collect().await.unwrap();
        assert!(events.iter().any(|e| matches!(e, BuildEvent::ImageId(_))));
        let img = f.inspect_image("app:dev").await.unwrap();
        assert_eq!(img.config.cmd, vec!["nginx"]);
        assert_eq!(img.config.exposed_ports, vec![crate::ContainerPort::tcp(8080)]);
    }
}
