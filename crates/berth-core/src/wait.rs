//! Waiting for `depends_on` conditions and for `up --wait`, driven by the engine's events.
//!
//! An [`EventHub`] subscribes to the project's container events once, before the executor
//! starts anything, and fans them out to every waiter. A waiter ([`wait_for`]) evaluates its
//! condition from an inspect of each container it waits on, then again after every event about
//! one of them: there is no polling interval. The conditions and their messages are Docker
//! Compose 2.26.1's (`waitDependencies`, `isServiceHealthy`, `isServiceCompleted`):
//!
//! - `service_healthy`: every container healthy; an exited container fails with
//!   `container X exited (N)`, an unhealthy one with `container X is unhealthy`, one without a
//!   health check with `container X has no healthcheck configured`, all prefixed by
//!   `dependency failed to start: `;
//! - `running_or_healthy` (`up --wait`): healthy, or running for containers without a health
//!   check; the same failures without the prefix;
//! - `service_completed_successfully`: the first exited container decides:
//!   `service "X" didn't complete successfully: exit N` unless its code is 0.
//!
//! A dependency that is not `required` never fails the wait: it is reported as skipped, with a
//! warning. The engine resets a container's health status when it starts, so the status read
//! from inspect is always about the current run; the health-check output quoted in a failure
//! is taken from the log entries recorded since the container's current start.
//!
//! **Podman without systemd.** Podman 4.3 runs health checks from systemd timers; where there
//! is no systemd (containers, CI), it never runs them and a container stays `starting`
//! forever. When the engine is Podman, a wait that needs health runs the container's health
//! check itself: the check's command is executed in the container through `exec` every
//! `interval` (`start_interval` during the start period; defaults 30s, 30s timeout, 3 retries,
//! as the engine's), and its exit code decides, with the engine's rules (failures during
//! `start_period` do not count; `retries` consecutive failures make it unhealthy).

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use berth_engine::{
    ContainerDetails, ContainerStatus, Engine, EngineError, EngineEvent, EventOptions, ExecConfig,
    ExecStarted, ExecStartOptions, Filters, HealthConfig, HealthStatus,
};
use futures::StreamExt;
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::desired::Condition;
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::labels;

/// What the hub hands to waiters.
#[derive(Debug, Clone)]
enum HubMessage {
    Event(EngineEvent),
    /// The engine's events stream ended or failed; nothing more will come.
    Closed,
}

/// The container actions that can change a waiter's verdict. Docker matches `health_status`
/// as a prefix, so it stands for `health_status: healthy` and the others.
const WAITER_ACTIONS: &[&str] =
    &["create", "start", "restart", "die", "stop", "kill", "oom", "destroy", "pause", "unpause", "health_status"];

/// One subscription to a project's container events, shared by every waiter of an execution.
/// Dropping it ends the subscription.
pub struct EventHub {
    tx: broadcast::Sender<HubMessage>,
    closed: Arc<Mutex<Option<String>>>,
    task: JoinHandle<()>,
}

impl fmt::Debug for EventHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EventHub")
    }
}

impl Drop for EventHub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The current Unix time in seconds (0 if the clock is before the epoch).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl EventHub {
    /// Subscribes to the container events of `project`. The engine's stream is opened with
    /// `since` one second in the past, so that events raised between this call and the moment
    /// the engine actually registers the subscription are replayed rather than lost; waiters
    /// re-inspect on every event, so a replayed event costs one inspect and nothing else.
    ///
    /// On Docker the stream carries only the actions a waiter reacts to: every health probe of
    /// every running container raises `exec_create`, `exec_start` and `exec_die`, which would
    /// otherwise be sent, decoded and dropped by the hundred during a long health chain. Podman
    /// gets the unfiltered stream: berth runs its probes itself there, and Podman's compat
    /// filter on `event` is not to be relied on.
    pub fn start(engine: &dyn Engine, project: &str) -> Self {
        let (tx, _) = broadcast::channel(1024);
        let closed = Arc::new(Mutex::new(None));
        let mut filters = Filters::new().with("type", "container").label(labels::project_filter(project));
        if !engine.capabilities().is_podman {
            for action in WAITER_ACTIONS {
                filters.add("event", *action);
            }
        }
        let options = EventOptions { since: Some(unix_now().saturating_sub(1)), until: None, filters };
        let stream = engine.events(&options);
        let sender = tx.clone();
        let closed_flag = Arc::clone(&closed);
        let task = tokio::spawn(async move {
            let mut stream = stream;
            let reason = loop {
                match stream.next().await {
                    Some(Ok(event)) => {
                        // No receiver is fine: nobody waits right now.
                        let _ = sender.send(HubMessage::Event(event));
                    }
                    Some(Err(e)) => break format!("the engine's events stream failed: {e}"),
                    None => break "the engine's events stream ended".to_owned(),
                }
            };
            *closed_flag.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason);
            let _ = sender.send(HubMessage::Closed);
        });
        Self { tx, closed, task }
    }

    fn subscribe(&self) -> Subscription {
        let rx = self.tx.subscribe();
        let closed = self.closed.lock().unwrap_or_else(PoisonError::into_inner).is_some();
        Subscription { rx, closed }
    }
}

struct Subscription {
    rx: broadcast::Receiver<HubMessage>,
    closed: bool,
}

/// What woke a waiter.
enum Wake {
    /// An event, or `None` when events may have been missed.
    Event(Option<EngineEvent>),
    /// The events stream has ended (the waiter polls from then on).
    Closed,
}

impl Subscription {
    async fn next(&mut self) -> Wake {
        if self.closed {
            return Wake::Closed;
        }
        match self.rx.recv().await {
            Ok(HubMessage::Event(e)) => Wake::Event(Some(e)),
            Ok(HubMessage::Closed) | Err(broadcast::error::RecvError::Closed) => {
                self.closed = true;
                Wake::Closed
            }
            Err(broadcast::error::RecvError::Lagged(_)) => Wake::Event(None),
        }
    }
}

/// A container waited on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitContainer {
    /// Full id.
    pub id: String,
    /// Name, for messages.
    pub name: String,
}

/// One wait: the containers of `service` must meet `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitSpec {
    /// The service waited on.
    pub service: String,
    /// Its containers.
    pub containers: Vec<WaitContainer>,
    /// What they must reach.
    pub condition: Condition,
    /// A dependency that is not required is skipped, with a warning, when it fails.
    pub required: bool,
    /// The service waiting (`None` for `up --wait`), for the "missing dependency" message.
    pub dependant: Option<String>,
    /// The dependency chain to report on failure, outermost dependant first, ending with
    /// `service` (`["web", "api", "db"]`).
    pub chain: Vec<String>,
}

/// How a wait ended without failing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitOutcome {
    /// The condition holds.
    Met,
    /// An optional dependency failed or is missing; the reason was reported as a warning.
    Skipped(String),
}

/// A wait that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitError {
    /// Docker Compose's message (`dependency failed to start: container lab-db-1 is unhealthy`).
    pub message: String,
    /// The dependency chain (`web`, `api`, `db`), when the wait was for a dependant.
    pub chain: Vec<String>,
    /// The container that failed the condition.
    pub container: Option<String>,
    /// Its latest health-check output since it started, when it has any.
    pub health_output: Option<String>,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.chain.len() > 1 {
            write!(f, "\n  dependency chain: {}", self.chain.join(" → "))?;
        }
        if let Some(output) = &self.health_output {
            let output = output.trim_end();
            if !output.is_empty() {
                write!(f, "\n  last health check output: {output}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for WaitError {}

/// Why [`wait_for`] returned without an outcome.
#[derive(Debug)]
pub enum WaitFailure {
    /// The condition cannot be met.
    Failed(WaitError),
    /// Inspecting or probing a container failed.
    Engine { container: String, source: EngineError },
    /// Cancelled.
    Cancelled,
}

/// Per-container state of a health check berth runs itself (Podman).
#[derive(Debug, Clone)]
struct Probe {
    check: HealthConfig,
    started: tokio::time::Instant,
    status: HealthStatus,
    failing_streak: i64,
    last_output: Option<String>,
    next: tokio::time::Instant,
}

const DEFAULT_INTERVAL: Duration = Duration::from_secs(30);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_RETRIES: i64 = 3;

impl Probe {
    fn new(check: HealthConfig) -> Self {
        let now = tokio::time::Instant::now();
        let mut probe =
            Self { check, started: now, status: HealthStatus::Starting, failing_streak: 0, last_output: None, next: now };
        probe.next = now + probe.delay();
        probe
    }

    fn in_start_period(&self) -> bool {
        self.check.start_period.is_some_and(|p| self.started.elapsed() < p)
    }

    fn delay(&self) -> Duration {
        match self.check.start_interval.filter(|d| !d.is_zero()) {
            Some(d) if self.in_start_period() => d,
            _ => self.check.interval.filter(|d| !d.is_zero()).unwrap_or(DEFAULT_INTERVAL),
        }
    }

    fn command(&self) -> Option<Vec<String>> {
        match self.check.test.first().map(String::as_str) {
            Some("CMD") => Some(self.check.test.get(1..).unwrap_or_default().to_vec()),
            Some("CMD-SHELL") => {
                Some(vec!["/bin/sh".to_owned(), "-c".to_owned(), self.check.test.get(1).cloned().unwrap_or_default()])
            }
            _ => None,
        }
    }

    fn record(&mut self, exit_code: i64, output: String) {
        self.last_output = Some(output);
        if exit_code == 0 {
            self.failing_streak = 0;
            self.status = HealthStatus::Healthy;
        } else if !self.in_start_period() {
            self.failing_streak = self.failing_streak.saturating_add(1);
            let retries = self.check.retries.filter(|r| *r > 0).unwrap_or(DEFAULT_RETRIES);
            if self.failing_streak >= retries {
                self.status = HealthStatus::Unhealthy;
            }
        }
        self.next = tokio::time::Instant::now() + self.delay();
    }
}

/// Runs one health check through `exec` and returns its exit code and output; a check that
/// exceeds its timeout counts as a failure, as the engine counts it.
async fn run_probe(engine: &dyn Engine, container: &str, command: Vec<String>, timeout: Duration) -> Result<(i64, String), EngineError> {
    let config = ExecConfig { cmd: command, attach_stdout: true, attach_stderr: true, ..ExecConfig::default() };
    let exec = engine.create_exec(container, &config).await?;
    let run = async {
        let mut output = Vec::new();
        if let ExecStarted::Attached(io) = engine.start_exec(&exec, &ExecStartOptions::default()).await? {
            let mut frames = io.output;
            while let Some(frame) = frames.next().await {
                output.extend_from_slice(&frame?.data);
            }
        }
        let details = engine.inspect_exec(&exec).await?;
        Ok::<_, EngineError>((details.exit_code.unwrap_or(-1), String::from_utf8_lossy(&output).into_owned()))
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result,
        Err(_) => Ok((-1, format!("Health check exceeded timeout ({}s)", timeout.as_secs()))),
    }
}

/// Where one container stands with respect to a condition.
enum Verdict {
    Pending,
    Met,
    /// Failed: the message and the container's health output.
    Failed(String, Option<String>),
}

/// Compose's condition words for messages and events.
fn quoted(service: &str) -> String {
    format!("{service:?}")
}

/// Waits until `spec` holds, fails, or `cancel` fires. Emits `Waiting` for each container,
/// then `Healthy` (or `Exited` for completion) when met, `Error` on failure and a
/// `Skipped: ...` warning when an optional dependency is skipped.
pub async fn wait_for(
    engine: &dyn Engine,
    hub: &EventHub,
    spec: &WaitSpec,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<WaitOutcome, WaitFailure> {
    for c in &spec.containers {
        sink.emit(container_event(&c.name, Status::Working, "Waiting"));
    }
    if spec.containers.is_empty() {
        let dependant = spec.dependant.as_deref().unwrap_or("project");
        let message = format!("{dependant} is missing dependency {}", spec.service);
        if spec.required {
            return Err(WaitFailure::Failed(WaitError {
                message,
                chain: spec.chain.clone(),
                container: None,
                health_output: None,
            }));
        }
        sink.emit(Event::Warning { message: message.clone() });
        return Ok(WaitOutcome::Skipped(message));
    }
    if matches!(spec.condition, Condition::Started | Condition::Other(_)) {
        return Ok(WaitOutcome::Met);
    }
    let podman = engine.capabilities().is_podman;
    let mut sub = hub.subscribe();
    let mut probes: BTreeMap<String, Probe> = BTreeMap::new();
    let mut started: BTreeMap<String, i128> = BTreeMap::new();
    let mut verdict = evaluate(engine, spec, podman, &mut probes, &mut started).await?;
    // Without events (the engine ended the stream: Podman does at times) the waiter polls
    // every 500 ms, as Docker Compose always does.
    let mut events_open = true;
    loop {
        match verdict {
            Verdict::Met => {
                let text = if spec.condition == Condition::CompletedSuccessfully { "Exited" } else { "Healthy" };
                for c in &spec.containers {
                    sink.emit(container_event(&c.name, Status::Done, text));
                }
                return Ok(WaitOutcome::Met);
            }
            Verdict::Failed(message, health_output) => return fail(spec, sink, &message, health_output),
            Verdict::Pending => {}
        }
        let next_probe = probes.values().map(|p| p.next).min();
        let sleep = async {
            match next_probe {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        verdict = tokio::select! {
            () = cancel.cancelled() => return Err(WaitFailure::Cancelled),
            () = sleep => {
                run_due_probes(engine, &mut probes).await?;
                evaluate(engine, spec, podman, &mut probes, &mut started).await?
            }
            () = tokio::time::sleep(POLL_WITHOUT_EVENTS), if !events_open => {
                evaluate(engine, spec, podman, &mut probes, &mut started).await?
            }
            wake = sub.next(), if events_open => match wake {
                Wake::Event(Some(event)) => match react(spec, podman, &started, &event) {
                    Reaction::Ignore => Verdict::Pending,
                    Reaction::Met => Verdict::Met,
                    Reaction::Inspect => evaluate(engine, spec, podman, &mut probes, &mut started).await?,
                },
                Wake::Event(None) => evaluate(engine, spec, podman, &mut probes, &mut started).await?,
                Wake::Closed => {
                    events_open = false;
                    evaluate(engine, spec, podman, &mut probes, &mut started).await?
                }
            },
        };
    }
}

/// How often a waiter looks again once the engine's events stream has ended.
const POLL_WITHOUT_EVENTS: std::time::Duration = std::time::Duration::from_millis(500);

/// What an engine event means to a waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reaction {
    /// Nothing that could change the verdict.
    Ignore,
    /// The condition holds without looking further.
    Met,
    /// Inspect the containers again.
    Inspect,
}

/// Decides what `event` is worth. Events about other containers, and the `exec_create`,
/// `exec_start` and `exec_die` events every health probe raises, change nothing: ignoring them
/// leaves about one inspect per probe instead of four. A `health_status: healthy` event about
/// the only container of a service waited on for health meets the condition by itself, as an
/// inspect that reads `healthy` would, provided it was raised after the container's current
/// start (`started`, by id, from the last inspect): the engine resets health at each start,
/// so an older event, replayed by the stream's `since`, is about a previous run. On Podman
/// berth runs the probes itself and the engine's events do not decide health.
fn react(spec: &WaitSpec, podman: bool, started: &BTreeMap<String, i128>, event: &EngineEvent) -> Reaction {
    if !spec.containers.iter().any(|c| c.id == event.actor_id) || event.action_name().starts_with("exec_") {
        return Reaction::Ignore;
    }
    let health_condition = matches!(spec.condition, Condition::Healthy | Condition::RunningOrHealthy);
    let after_start = started.get(&event.actor_id).is_some_and(|at| i128::from(event.time_nano) >= *at);
    if health_condition
        && !podman
        && spec.containers.len() == 1
        && after_start
        && event.health_status() == Some(HealthStatus::Healthy)
    {
        return Reaction::Met;
    }
    Reaction::Inspect
}

async fn run_due_probes(engine: &dyn Engine, probes: &mut BTreeMap<String, Probe>) -> Result<(), WaitFailure> {
    let now = tokio::time::Instant::now();
    for (id, probe) in probes.iter_mut().filter(|(_, p)| p.next <= now) {
        let Some(command) = probe.command() else { continue };
        let timeout = probe.check.timeout.filter(|d| !d.is_zero()).unwrap_or(DEFAULT_TIMEOUT);
        match run_probe(engine, id, command, timeout).await {
            Ok((code, output)) => probe.record(code, output),
            // The container stopped between two checks: the next inspect reports it.
            Err(e) if e.is_conflict() || e.is_not_found() => probe.next = now + probe.delay(),
            Err(source) => return Err(WaitFailure::Engine { container: id.clone(), source }),
        }
    }
    Ok(())
}

fn fail(
    spec: &WaitSpec,
    sink: &dyn EventSink,
    message: &str,
    health_output: Option<String>,
) -> Result<WaitOutcome, WaitFailure> {
    let dep = quoted(&spec.service);
    let (skip_reason, full_message, event_text) = match spec.condition {
        Condition::RunningOrHealthy => {
            (format!("optional dependency {dep} is not running or is unhealthy"), message.to_owned(), None)
        }
        Condition::CompletedSuccessfully => {
            let suffix = format!("{dep} didn't complete successfully: exit {message}");
            let full = format!("service {suffix}");
            (format!("optional dependency {suffix}"), full.clone(), Some(full))
        }
        _ => (format!("optional dependency {dep} failed to start"), format!("dependency failed to start: {message}"), None),
    };
    if !spec.required {
        for c in &spec.containers {
            sink.emit(Event::Progress(Progress::new(
                ResourceKind::Container,
                c.name.clone(),
                Status::Warning,
                format!("Skipped: {skip_reason}"),
            )));
        }
        let warning = match spec.condition {
            Condition::CompletedSuccessfully => skip_reason.clone(),
            _ => format!("{skip_reason}: {message}"),
        };
        sink.emit(Event::Warning { message: warning });
        return Ok(WaitOutcome::Skipped(skip_reason));
    }
    for c in &spec.containers {
        let text = event_text.clone().unwrap_or_else(|| "Error".to_owned());
        sink.emit(Event::Progress(Progress::new(ResourceKind::Container, c.name.clone(), Status::Error, text)));
    }
    let container = spec.containers.iter().find(|c| message.contains(&c.name)).map(|c| c.name.clone());
    Err(WaitFailure::Failed(WaitError { message: full_message, chain: spec.chain.clone(), container, health_output }))
}

fn container_event(name: &str, status: Status, text: &str) -> Event {
    Event::Progress(Progress::new(ResourceKind::Container, name, status, text))
}

/// Evaluates the condition over every container. For completion, the message of a failure is
/// the exit code alone (the caller words it).
async fn evaluate(
    engine: &dyn Engine,
    spec: &WaitSpec,
    podman: bool,
    probes: &mut BTreeMap<String, Probe>,
    started: &mut BTreeMap<String, i128>,
) -> Result<Verdict, WaitFailure> {
    for c in &spec.containers {
        let details = match engine.inspect_container(&c.id).await {
            Ok(d) => d,
            Err(source) => return Err(WaitFailure::Engine { container: c.name.clone(), source }),
        };
        match parse_rfc3339(&details.state.started_at) {
            Some(at) => started.insert(c.id.clone(), at),
            None => started.remove(&c.id),
        };
        let verdict = match spec.condition {
            Condition::CompletedSuccessfully => {
                if details.state.status == ContainerStatus::Exited {
                    let code = details.state.exit_code;
                    return Ok(if code == 0 { Verdict::Met } else { Verdict::Failed(code.to_string(), None) });
                }
                continue;
            }
            Condition::RunningOrHealthy => health_verdict(&details, true, podman, probes),
            _ => health_verdict(&details, false, podman, probes),
        };
        match verdict {
            Verdict::Met => {}
            other => return Ok(other),
        }
    }
    Ok(match spec.condition {
        // No container has exited yet.
        Condition::CompletedSuccessfully => Verdict::Pending,
        _ => Verdict::Met,
    })
}

/// A health check that actually checks something (not absent, not `NONE`).
fn effective_check(details: &ContainerDetails) -> Option<&HealthConfig> {
    details
        .config
        .healthcheck
        .as_ref()
        .filter(|h| !h.test.is_empty() && h.test.first().map(String::as_str) != Some("NONE"))
}

fn health_verdict(
    details: &ContainerDetails,
    fallback_running: bool,
    podman: bool,
    probes: &mut BTreeMap<String, Probe>,
) -> Verdict {
    let name = details.name.trim_start_matches('/');
    if details.state.status == ContainerStatus::Exited {
        return Verdict::Failed(format!("container {name} exited ({})", details.state.exit_code), None);
    }
    let check = effective_check(details);
    if check.is_none() && fallback_running {
        return if details.state.status == ContainerStatus::Running { Verdict::Met } else { Verdict::Pending };
    }
    if podman {
        if let Some(check) = check {
            if details.state.status != ContainerStatus::Running {
                probes.remove(&details.id);
                return Verdict::Pending;
            }
            let probe = probes.entry(details.id.clone()).or_insert_with(|| Probe::new(check.clone()));
            return match probe.status {
                HealthStatus::Healthy => Verdict::Met,
                HealthStatus::Unhealthy => {
                    Verdict::Failed(format!("container {name} is unhealthy"), probe.last_output.clone())
                }
                _ => Verdict::Pending,
            };
        }
    }
    let Some(health) = details.state.health.as_ref() else {
        return Verdict::Failed(format!("container {name} has no healthcheck configured"), None);
    };
    match health.status {
        HealthStatus::Healthy => Verdict::Met,
        HealthStatus::Unhealthy => {
            Verdict::Failed(format!("container {name} is unhealthy"), last_health_output(details))
        }
        HealthStatus::Starting => Verdict::Pending,
        HealthStatus::None => Verdict::Failed(
            format!("container {name} had unexpected health status {:?}", health.status.as_str()),
            None,
        ),
    }
}

/// The output of the latest health check run since the container's current start.
pub fn last_health_output(details: &ContainerDetails) -> Option<String> {
    let health = details.state.health.as_ref()?;
    let started = parse_rfc3339(&details.state.started_at);
    health
        .log
        .iter()
        .rev()
        .find(|entry| match (started, parse_rfc3339(&entry.start)) {
            (Some(started), Some(at)) => at >= started,
            _ => true,
        })
        .map(|entry| entry.output.clone())
}

/// Parses an RFC 3339 time (`2024-05-01T10:00:00.123456789Z`, offsets allowed) into
/// nanoseconds since the Unix epoch.
pub fn parse_rfc3339(text: &str) -> Option<i128> {
    let (date, rest) = text.split_once('T').or_else(|| text.split_once(' '))?;
    let mut date_parts = date.splitn(3, '-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, offset_secs) = if let Some(clock) = rest.strip_suffix('Z').or_else(|| rest.strip_suffix('z')) {
        (clock, 0i64)
    } else {
        let pos = rest.rfind(['+', '-'])?;
        let (clock, offset) = rest.split_at(pos);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset.get(1..)?.split_once(':')?;
        let secs = h.parse::<i64>().ok()?.checked_mul(3600)?.checked_add(m.parse::<i64>().ok()?.checked_mul(60)?)?;
        (clock, sign * secs)
    };
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut hms_parts = hms.splitn(3, ':');
    let hour: i64 = hms_parts.next()?.parse().ok()?;
    let minute: i64 = hms_parts.next()?.parse().ok()?;
    let second: i64 = hms_parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let nanos: i128 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(9).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let padded = format!("{digits:0<9}");
        padded.parse().ok()?
    };
    let days = days_from_civil(year, month, day);
    let secs = i128::from(days) * 86_400 + i128::from(hour * 3600 + minute * 60 + second) - i128::from(offset_secs);
    Some(secs * 1_000_000_000 + nanos)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A duration as Go's `time.Duration.String` prints it (`30s`, `1m30s`, `1.5s`, `0s`), as
/// Docker Compose's messages show timeouts.
pub fn go_duration(d: Duration) -> String {
    let total_nanos = d.as_nanos();
    if total_nanos == 0 {
        return "0s".to_owned();
    }
    if total_nanos < 1_000_000_000 {
        let (unit, div) = if total_nanos < 1_000 {
            ("ns", 1u128)
        } else if total_nanos < 1_000_000 {
            ("µs", 1_000)
        } else {
            ("ms", 1_000_000)
        };
        return format!("{}{unit}", trim_fraction(total_nanos, div));
    }
    let hours = total_nanos / 3_600_000_000_000;
    let minutes = (total_nanos / 60_000_000_000) % 60;
    let sec_nanos = total_nanos % 60_000_000_000;
    let mut out = String::new();
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    out.push_str(&trim_fraction(sec_nanos, 1_000_000_000));
    out.push('s');
    out
}

fn trim_fraction(value: u128, unit: u128) -> String {
    let whole = value / unit;
    let rest = value % unit;
    if rest == 0 {
        return whole.to_string();
    }
    let width = unit.to_string().len().saturating_sub(1);
    let fraction = format!("{rest:0width$}");
    format!("{whole}.{}", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_parses_and_orders() {
        let a = parse_rfc3339("2024-05-01T10:00:00.1Z").expect("valid");
        let b = parse_rfc3339("2024-05-01T10:00:00.123456789Z").expect("valid");
        assert!(b > a);
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339("1970-01-02T00:00:00Z"), Some(86_400_000_000_000));
        assert_eq!(parse_rfc3339("0001-01-01T00:00:00Z").map(|n| n < 0), Some(true));
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(parse_rfc3339("2024-13-01T00:00:00Z"), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(30)), "30s");
        assert_eq!(go_duration(Duration::from_secs(90)), "1m30s");
        assert_eq!(go_duration(Duration::from_secs(3601)), "1h0m1s");
        assert_eq!(go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(go_duration(Duration::from_millis(250)), "250ms");
        assert_eq!(go_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn probe_counts_failures_after_start_period() {
        let check = HealthConfig {
            test: vec!["CMD-SHELL".into(), "exit 1".into()],
            retries: Some(2),
            ..HealthConfig::default()
        };
        let mut probe = Probe::new(check);
        assert_eq!(probe.command(), Some(vec!["/bin/sh".to_owned(), "-c".to_owned(), "exit 1".to_owned()]));
        probe.record(1, "no".into());
        assert_eq!(probe.status, HealthStatus::Starting);
        probe.record(1, "still no".into());
        assert_eq!(probe.status, HealthStatus::Unhealthy);
        assert_eq!(probe.last_output.as_deref(), Some("still no"));
        probe.record(0, "ok".into());
        assert_eq!(probe.status, HealthStatus::Healthy);
    }

    fn spec(condition: Condition, ids: &[&str]) -> WaitSpec {
        WaitSpec {
            service: "db".into(),
            containers: ids.iter().map(|id| WaitContainer { id: (*id).into(), name: format!("lab-{id}") }).collect(),
            condition,
            required: true,
            dependant: Some("web".into()),
            chain: vec!["web".into(), "db".into()],
        }
    }

    fn event(id: &str, action: &str, time_nano: i64) -> EngineEvent {
        EngineEvent {
            kind: berth_engine::EventKind::Container,
            action: action.into(),
            actor_id: id.into(),
            attributes: BTreeMap::new(),
            time_nano,
        }
    }

    #[test]
    fn events_that_cannot_change_the_verdict_are_ignored() {
        let one = spec(Condition::Healthy, &["a"]);
        let started = BTreeMap::from([("a".to_owned(), 100i128)]);
        for action in ["exec_create: true", "exec_start: true", "exec_die"] {
            assert_eq!(react(&one, false, &started, &event("a", action, 200)), Reaction::Ignore, "{action}");
        }
        assert_eq!(react(&one, false, &started, &event("other", "die", 200)), Reaction::Ignore);
        assert_eq!(react(&one, false, &started, &event("a", "die", 200)), Reaction::Inspect);
        assert_eq!(react(&one, false, &started, &event("a", "health_status: unhealthy", 200)), Reaction::Inspect);
    }

    #[test]
    fn a_healthy_event_after_the_start_decides_a_single_container() {
        let started = BTreeMap::from([("a".to_owned(), 100i128), ("b".to_owned(), 100i128)]);
        let healthy = |id: &str, at: i64| event(id, "health_status: healthy", at);
        assert_eq!(react(&spec(Condition::Healthy, &["a"]), false, &started, &healthy("a", 200)), Reaction::Met);
        assert_eq!(react(&spec(Condition::RunningOrHealthy, &["a"]), false, &started, &healthy("a", 200)), Reaction::Met);
        // Raised before the current start: about a previous run.
        assert_eq!(react(&spec(Condition::Healthy, &["a"]), false, &started, &healthy("a", 50)), Reaction::Inspect);
        // Start time unknown.
        assert_eq!(react(&spec(Condition::Healthy, &["a"]), false, &BTreeMap::new(), &healthy("a", 200)), Reaction::Inspect);
        // Several containers: the others must be looked at.
        assert_eq!(react(&spec(Condition::Healthy, &["a", "b"]), false, &started, &healthy("a", 200)), Reaction::Inspect);
        // Completion is decided by exit codes; on Podman berth's own probes decide health.
        assert_eq!(react(&spec(Condition::CompletedSuccessfully, &["a"]), false, &started, &healthy("a", 200)), Reaction::Inspect);
        assert_eq!(react(&spec(Condition::Healthy, &["a"]), true, &started, &healthy("a", 200)), Reaction::Inspect);
    }

    #[test]
    fn wait_error_shows_chain_and_output() {
        let e = WaitError {
            message: "dependency failed to start: container lab-db-1 is unhealthy".into(),
            chain: vec!["web".into(), "api".into(), "db".into()],
            container: Some("lab-db-1".into()),
            health_output: Some("connection refused\n".into()),
        };
        assert_eq!(
            e.to_string(),
            "dependency failed to start: container lab-db-1 is unhealthy\n  dependency chain: web → api → db\n  last health check output: connection refused"
        );
    }
}
