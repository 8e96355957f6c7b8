//! The executor: runs a [`Plan`] against an engine.
//!
//! Every operation starts as soon as the operations it comes after are done, with at most
//! `parallel` engine operations in flight (waits do not count: they hold no engine resource).
//! Each reports its progress with Docker Compose's words ("Creating"/"Created",
//! "Recreate"/"Recreated", "Starting"/"Started", "Stopping"/"Stopped", "Removing"/"Removed",
//! "Waiting"/"Healthy"/"Exited", ...), and each failure is wrapped with the operation and the
//! resource it was about ("creating container lab-web-1: ...").
//!
//! - **Build-up plans** (`up`, `create`, `start`, ...) stop launching operations at the first
//!   failure; operations already in flight finish (waits are abandoned), and every error seen
//!   is returned.
//! - **Teardown plans** ([`ExecOptions::keep_going`]: `down`, `rm`, `stop`, `kill`) run every
//!   operation whatever happened to the ones before, and report every error at the end.
//! - **Dry runs** call no engine method: each operation emits its progress lines as if it had
//!   succeeded.
//!
//! A container is recreated as Docker Compose 2.26.1 does it (the plan spells the steps out):
//! the new container is created as `<old id[:12]>_<name>` with the `com.docker.compose.replace`
//! label and the old one's anonymous volumes (unless `-V`), the old one is stopped and removed,
//! and the new one renamed. Below API 1.44 extra networks are connected right after creation;
//! secrets and configs that are not host files are copied in before the container first
//! starts; `volumes_from`, `network_mode`, `ipc` and `pid` references to services are resolved
//! to the ids of the containers that exist at that point of the run.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use berth_engine::{
    bytes_stream, Engine, EngineError, NetworkConnect, RemoveOptions, StopOptions, VolumeCreate,
};
use berth_spec::model::Project;
use futures::stream::FuturesUnordered;
use futures::StreamExt;
pub use tokio_util::sync::CancellationToken;

use crate::convert::{self, ContainerOptions, ConvertError, CreateContext, Inherit, ResolvedReferences};
use crate::desired::{Condition, DesiredState};
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::hash::service_hash;
use crate::observe::CONFIG_LABEL;
use crate::observed::{ContainerState, ObservedState};
use crate::plan::{Action, Cause, ContainerRef, OpId, Operation, Plan, Replace};
use crate::port_conflict;
use crate::wait::{self, go_duration, unix_now, EventHub, WaitContainer, WaitFailure, WaitOutcome, WaitSpec};

/// How to run a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// `--parallel`: the most engine operations in flight at once (`None`: unlimited).
    pub parallel: Option<usize>,
    /// `--dry-run`: call no engine method, report the operations as if they succeeded.
    pub dry_run: bool,
    /// Run every operation even after failures, and report all errors at the end (teardown).
    pub keep_going: bool,
    /// `--wait-timeout`: how long the `up --wait` waits (those without a dependant) may take
    /// together, from the moment the first of them starts.
    pub wait_timeout: Option<Duration>,
    /// `--wait` was asked: started containers are reported as still working, since a wait
    /// follows (Docker Compose's progress display does the same).
    pub wait_requested: bool,
}

/// What `create` operations need besides the project: the command line's inputs to the
/// container specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSettings {
    /// `--env-file` files, as absolute paths (for the `environment_file` label).
    pub env_files: Vec<String>,
    /// Proxy variables from the docker CLI configuration.
    pub proxy_env: BTreeMap<String, String>,
    /// Separator of generated names (`-`; `_` with `--compatibility`).
    pub separator: String,
}

impl Default for CreateSettings {
    fn default() -> Self {
        Self { env_files: Vec::new(), proxy_env: BTreeMap::new(), separator: "-".to_owned() }
    }
}

/// Everything the executor reads besides the plan.
#[derive(Debug, Clone)]
pub struct ExecContext<'a> {
    /// The project name (events subscription, messages).
    pub project_name: String,
    /// The loaded project; required by plans that create networks, volumes or containers.
    pub project: Option<&'a Project>,
    /// The desired state the plan was made from (config hashes, image digests, dependencies).
    pub desired: Option<&'a DesiredState>,
    /// The state the plan was made from.
    pub observed: &'a ObservedState,
    /// How to run.
    pub options: ExecOptions,
    /// Inputs to container creation.
    pub create: CreateSettings,
}

impl<'a> ExecContext<'a> {
    /// A context for `project_name` with default options and no project.
    pub fn new(project_name: impl Into<String>, observed: &'a ObservedState) -> Self {
        Self {
            project_name: project_name.into(),
            project: None,
            desired: None,
            observed,
            options: ExecOptions::default(),
            create: CreateSettings::default(),
        }
    }
}

/// How one operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpOutcome {
    /// Not started (an earlier failure stopped the run, or it was cancelled first).
    NotRun,
    /// Done.
    Done,
    /// Done without effect, for the reason given (an optional dependency skipped, a network
    /// still in use, a resource already gone).
    Skipped(String),
    /// Failed; the error is in [`ExecReport::errors`].
    Failed,
    /// Abandoned: cancelled, or a wait given up after another operation failed.
    Cancelled,
}

/// The result of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecReport {
    /// The outcome of each operation, by [`OpId`].
    pub outcomes: Vec<OpOutcome>,
    /// Containers the run created, by final name, with their ids.
    pub created: BTreeMap<String, String>,
    /// Every container of the project's services after the run, by service, as
    /// `(name, id)` pairs (one-off containers excluded).
    pub containers: BTreeMap<String, Vec<(String, String)>>,
    /// The errors, in the order they happened.
    pub errors: Vec<OpError>,
}

impl ExecReport {
    /// The outcome of one operation.
    pub fn outcome(&self, id: OpId) -> Option<&OpOutcome> {
        self.outcomes.get(id.0)
    }
}

/// What failed inside an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpErrorKind {
    /// The engine refused; its message.
    Engine(String),
    /// The container spec could not be built.
    Convert(String),
    /// A dependency condition was not met.
    Wait(wait::WaitError),
    /// `up --wait` ran out of time.
    Timeout(String),
    /// Anything else (a missing project, an unresolvable container reference).
    Other(String),
}

impl OpErrorKind {
    /// The failure's message.
    pub fn message(&self) -> String {
        match self {
            Self::Engine(m) | Self::Convert(m) | Self::Timeout(m) | Self::Other(m) => m.clone(),
            Self::Wait(w) => w.to_string(),
        }
    }
}

/// One failed operation, with what it was doing and to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpError {
    /// The operation.
    pub op: OpId,
    /// The service concerned, when there is one.
    pub service: Option<String>,
    /// What was being done, with the resource's name (`creating container lab-web-1`);
    /// empty for dependency failures, whose message stands alone as in Docker Compose.
    pub context: String,
    /// The failure.
    pub kind: OpErrorKind,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let detail = self.kind.message();
        if self.context.is_empty() {
            f.write_str(&detail)
        } else {
            write!(f, "{}: {detail}", self.context)
        }
    }
}

impl std::error::Error for OpError {}

/// Why a run did not complete.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// One or more operations failed.
    #[error("{}", join_errors(.errors))]
    Failed {
        /// Every failure, in order.
        errors: Vec<OpError>,
        /// What happened to every operation.
        report: Box<ExecReport>,
    },
    /// The run was cancelled.
    #[error("canceled")]
    Cancelled {
        /// What happened to every operation before.
        report: Box<ExecReport>,
    },
}

impl ExecError {
    /// The report of the run.
    pub fn report(&self) -> &ExecReport {
        match self {
            Self::Failed { report, .. } | Self::Cancelled { report } => report,
        }
    }
}

fn join_errors(errors: &[OpError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

// ---------------------------------------------------------------------------------------------
// Live state: the containers as the run changes them.

#[derive(Debug, Clone)]
struct LiveContainer {
    id: String,
    name: String,
    number: Option<u32>,
}

#[derive(Debug, Default)]
struct Live {
    by_service: BTreeMap<String, Vec<LiveContainer>>,
    /// Name → id of every container known (observed or created).
    ids: BTreeMap<String, String>,
    /// Id → service.
    services: BTreeMap<String, String>,
    /// Temporary name of a replacement → name of the container it replaces.
    recreating: BTreeMap<String, String>,
    created: BTreeMap<String, String>,
}

impl Live {
    fn from_observed(observed: &ObservedState) -> Self {
        let mut live = Self::default();
        for c in observed.containers.iter().filter(|c| !c.oneoff && !c.service.is_empty()) {
            live.by_service.entry(c.service.clone()).or_default().push(LiveContainer {
                id: c.id.clone(),
                name: c.name.clone(),
                number: c.number,
            });
        }
        for c in &observed.containers {
            live.ids.insert(c.name.clone(), c.id.clone());
            live.services.insert(c.id.clone(), c.service.clone());
        }
        live
    }

    fn remove_id(&mut self, id: &str) {
        for list in self.by_service.values_mut() {
            list.retain(|c| c.id != id);
        }
        self.ids.retain(|_, v| v != id);
    }

    fn rename(&mut self, id: &str, new_name: &str) {
        for list in self.by_service.values_mut() {
            for c in list.iter_mut().filter(|c| c.id == id) {
                new_name.clone_into(&mut c.name);
            }
        }
        self.ids.retain(|_, v| v != id);
        self.ids.insert(new_name.to_owned(), id.to_owned());
    }

    /// The containers of a service sorted by name, as Docker Compose picks the one a
    /// `service:` reference resolves to.
    fn sorted(&self, service: &str) -> Vec<&LiveContainer> {
        let mut list: Vec<&LiveContainer> = self.by_service.get(service).into_iter().flatten().collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    fn by_number(&self, service: &str) -> Vec<&LiveContainer> {
        let mut list: Vec<&LiveContainer> = self.by_service.get(service).into_iter().flatten().collect();
        list.sort_by(|a, b| a.number.cmp(&b.number).then_with(|| a.name.cmp(&b.name)));
        list
    }
}

// ---------------------------------------------------------------------------------------------

enum Success {
    Done,
    Skipped(String),
}

struct Runtime<'r> {
    engine: Arc<dyn Engine>,
    ctx: &'r ExecContext<'r>,
    plan: &'r Plan,
    sink: &'r dyn EventSink,
    /// Cancelled by the caller, or by the run itself to abandon waits after a failure.
    waits: CancellationToken,
    live: Mutex<Live>,
    hub: Option<EventHub>,
    /// Ids of containers being replaced: their stop and removal are silent.
    replaced: BTreeSet<String>,
    create: Option<CreateContext<'r>>,
    mtime: i64,
    wait_deadline: Mutex<Option<tokio::time::Instant>>,
}

fn progress(kind: ResourceKind, name: &str, status: Status, text: &str) -> Event {
    Event::Progress(Progress::new(kind, name, status, text))
}

/// An `Error` progress line with the failure as its detail.
fn failed(kind: ResourceKind, name: &str, text: &str, detail: &str) -> Event {
    Event::Progress(Progress::new(kind, name, Status::Error, text).with_detail(detail))
}

/// Runs `plan`. `cancel` stops the run: waits end at once, engine calls in flight are
/// abandoned, and [`ExecError::Cancelled`] is returned.
pub async fn execute(
    engine: Arc<dyn Engine>,
    plan: &Plan,
    ctx: &ExecContext<'_>,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<ExecReport, ExecError> {
    for warning in &plan.warnings {
        sink.emit(Event::Warning { message: warning.clone() });
    }
    let needs_events = !ctx.options.dry_run
        && plan.operations.iter().any(|op| matches!(op.action, Action::WaitDependency { .. }));
    let hub = needs_events.then(|| EventHub::start(engine.as_ref(), &ctx.project_name));
    let replaced = plan
        .operations
        .iter()
        .filter_map(|op| match &op.action {
            Action::CreateContainer { replace: Some(Replace { container, .. }), .. } => container.id.clone(),
            _ => None,
        })
        .collect();
    let create = ctx.project.map(|project| {
        let mut c = CreateContext::new(project, engine.capabilities().api_version);
        c.env_files.clone_from(&ctx.create.env_files);
        c.proxy_env.clone_from(&ctx.create.proxy_env);
        c.separator = &ctx.create.separator;
        c.network_names = external_network_ids(project, ctx.observed);
        c
    });
    let rt = Runtime {
        engine,
        ctx,
        plan,
        sink,
        waits: cancel.child_token(),
        live: Mutex::new(Live::from_observed(ctx.observed)),
        hub,
        replaced,
        create,
        mtime: unix_now(),
        wait_deadline: Mutex::new(None),
    };
    rt.run(cancel).await
}

/// Docker Compose refers to an external network by the id it resolved.
fn external_network_ids(project: &Project, observed: &ObservedState) -> BTreeMap<String, String> {
    project
        .networks
        .iter()
        .filter(|(_, n)| n.external)
        .filter_map(|(key, n)| {
            let name = if n.name.is_empty() { key.as_str() } else { n.name.as_str() };
            let found: Vec<_> = observed.networks.iter().filter(|o| o.name == name || o.id == name).collect();
            match found.as_slice() {
                [one] => Some((key.clone(), one.id.clone())),
                _ => None,
            }
        })
        .collect()
}

impl Runtime<'_> {
    fn live(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn run(&self, cancel: &CancellationToken) -> Result<ExecReport, ExecError> {
        let ops = &self.plan.operations;
        let n = ops.len();
        let mut waiting_on: Vec<usize> = ops.iter().map(|op| op.after.len()).collect();
        let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); n];
        for op in ops {
            for a in &op.after {
                if let Some(d) = dependants.get_mut(a.0) {
                    d.push(op.id.0);
                }
            }
        }
        let mut ready_ops: VecDeque<usize> = VecDeque::new();
        let mut ready_waits: VecDeque<usize> = VecDeque::new();
        let push_ready = |i: usize, ready_ops: &mut VecDeque<usize>, ready_waits: &mut VecDeque<usize>| {
            if matches!(ops.get(i).map(|o| &o.action), Some(Action::WaitDependency { .. })) {
                ready_waits.push_back(i);
            } else {
                ready_ops.push_back(i);
            }
        };
        for (i, count) in waiting_on.iter().enumerate() {
            if *count == 0 {
                push_ready(i, &mut ready_ops, &mut ready_waits);
            }
        }
        let mut outcomes = vec![OpOutcome::NotRun; n];
        let mut errors: Vec<OpError> = Vec::new();
        let mut running = FuturesUnordered::new();
        let mut engine_in_flight = 0usize;
        let mut failed = false;
        let limit = self.ctx.options.parallel.filter(|p| *p > 0);
        let keep_going = self.ctx.options.keep_going;

        loop {
            if !failed || keep_going {
                while let Some(i) = ready_waits.pop_front() {
                    if let Some(op) = ops.get(i) {
                        running.push(self.run_indexed(i, false, op));
                    }
                }
                while limit.is_none_or(|l| engine_in_flight < l) {
                    let Some(i) = ready_ops.pop_front() else { break };
                    if let Some(op) = ops.get(i) {
                        engine_in_flight += 1;
                        running.push(self.run_indexed(i, true, op));
                    }
                }
            }
            if running.is_empty() {
                break;
            }
            let next = tokio::select! {
                () = cancel.cancelled() => None,
                next = running.next() => next,
            };
            let Some((i, counted, result)) = next else {
                drop(running);
                let report = self.report(outcomes, errors);
                return Err(ExecError::Cancelled { report: Box::new(report) });
            };
            if counted {
                engine_in_flight = engine_in_flight.saturating_sub(1);
            }
            let (outcome, release) = match result {
                Ok(Success::Done) => (OpOutcome::Done, true),
                Ok(Success::Skipped(reason)) => (OpOutcome::Skipped(reason), true),
                Err(Failure::Cancelled) => (OpOutcome::Cancelled, keep_going),
                Err(Failure::Error(e)) => {
                    errors.push(*e);
                    if !keep_going {
                        failed = true;
                        // Waits in flight would only delay the report of the failure.
                        self.waits.cancel();
                    }
                    (OpOutcome::Failed, keep_going)
                }
            };
            if let Some(slot) = outcomes.get_mut(i) {
                *slot = outcome;
            }
            if release {
                for &d in dependants.get(i).map_or(&[][..], Vec::as_slice) {
                    if let Some(count) = waiting_on.get_mut(d) {
                        *count = count.saturating_sub(1);
                        if *count == 0 {
                            push_ready(d, &mut ready_ops, &mut ready_waits);
                        }
                    }
                }
            }
        }
        if cancel.is_cancelled() {
            let report = self.report(outcomes, errors);
            return Err(ExecError::Cancelled { report: Box::new(report) });
        }
        let report = self.report(outcomes, errors);
        if report.errors.is_empty() {
            Ok(report)
        } else {
            Err(ExecError::Failed { errors: report.errors.clone(), report: Box::new(report) })
        }
    }

    fn report(&self, outcomes: Vec<OpOutcome>, errors: Vec<OpError>) -> ExecReport {
        let live = self.live();
        let containers = live
            .by_service
            .iter()
            .map(|(service, list)| {
                let mut list: Vec<(String, String)> = list.iter().map(|c| (c.name.clone(), c.id.clone())).collect();
                list.sort();
                (service.clone(), list)
            })
            .collect();
        ExecReport { outcomes, created: live.created.clone(), containers, errors }
    }

    fn dry(&self) -> bool {
        self.ctx.options.dry_run
    }

    fn emit(&self, event: Event) {
        self.sink.emit(event);
    }

    /// The id of a container the plan refers to: its own, or the one created under its name.
    fn resolve(&self, op: &Operation, container: &ContainerRef) -> Result<String, Failure> {
        if let Some(id) = &container.id {
            return Ok(id.clone());
        }
        if let Some(id) = self.live().ids.get(&container.name) {
            return Ok(id.clone());
        }
        if self.dry() {
            return Ok(format!("dry-run-{}", container.name));
        }
        Err(self.error(op, None, String::new(), OpErrorKind::Other(format!("container {} was not created", container.name))))
    }

    fn service_of(&self, id: &str) -> Option<String> {
        self.live().services.get(id).cloned().filter(|s| !s.is_empty())
    }

    #[allow(clippy::unused_self)]
    fn error(&self, op: &Operation, service: Option<String>, context: String, kind: OpErrorKind) -> Failure {
        Failure::Error(Box::new(OpError { op: op.id, service, context, kind }))
    }

    fn engine_error(&self, op: &Operation, service: Option<String>, context: String, e: &EngineError) -> Failure {
        self.error(op, service, context, OpErrorKind::Engine(e.to_string()))
    }

    async fn run_indexed(&self, i: usize, counted: bool, op: &Operation) -> (usize, bool, Result<Success, Failure>) {
        (i, counted, self.run_op(op).await)
    }

    async fn run_op(&self, op: &Operation) -> Result<Success, Failure> {
        match &op.action {
            Action::CreateNetwork { key, name } => self.create_network(op, key, name).await,
            Action::RemoveNetwork { name, id, .. } => self.remove_network(op, name, id).await,
            Action::CreateVolume { key, name } => self.create_volume(op, key, name).await,
            Action::RemoveVolume { name, .. } => self.remove_volume(op, name).await,
            Action::CreateContainer { service, number, name, create_name, replace } => {
                self.create_container(op, service, *number, name, create_name, replace.as_ref()).await
            }
            Action::StartContainer { container } => self.start_container(op, container).await,
            Action::StopContainer { container, timeout } => self.stop_container(op, container, *timeout).await,
            Action::RemoveContainer { container, volumes, force } => {
                self.remove_container(op, container, *volumes, *force).await
            }
            Action::RenameContainer { container, new_name } => self.rename_container(op, container, new_name).await,
            Action::RestartContainer { container, timeout } => self.restart_container(op, container, *timeout).await,
            Action::KillContainer { container, signal } => self.kill_container(op, container, signal.as_deref()).await,
            Action::PauseContainer { container } => self.pause_container(op, container, true).await,
            Action::UnpauseContainer { container } => self.pause_container(op, container, false).await,
            Action::WaitDependency { service, condition, required, dependant } => {
                self.wait_dependency(op, service, condition, *required, dependant.as_deref()).await
            }
            Action::RemoveImage { image } => self.remove_image(op, image).await,
        }
    }

    // ---- networks and volumes ----

    async fn create_network(&self, op: &Operation, key: &str, name: &str) -> Result<Success, Failure> {
        let Some(project) = self.ctx.project else {
            return Err(self.missing_project(op, &format!("creating network {name}")));
        };
        let Some(config) = project.networks.get(key) else {
            return Err(self.error(op, None, format!("failed to create network {name}"), OpErrorKind::Other(format!("network {key} is not defined"))));
        };
        self.emit(progress(ResourceKind::Network, name, Status::Working, "Creating"));
        if !self.dry() {
            let spec = convert::network_create(&project.name, key, config);
            if let Err(e) = self.engine.create_network(&spec).await {
                // Another run may have created it meanwhile: fine if it is ours now.
                let ours = e.is_conflict()
                    && self.engine.inspect_network(name).await.is_ok_and(|n| {
                        n.name == name && n.labels.get(crate::labels::NETWORK).map(String::as_str) == Some(key)
                    });
                if !ours {
                    self.emit(failed(ResourceKind::Network, name, "Error", &e.to_string()));
                    return Err(self.engine_error(op, None, format!("failed to create network {name}"), &e));
                }
            }
        }
        self.emit(progress(ResourceKind::Network, name, Status::Done, "Created"));
        Ok(Success::Done)
    }

    async fn remove_network(&self, op: &Operation, name: &str, id: &str) -> Result<Success, Failure> {
        self.emit(progress(ResourceKind::Network, name, Status::Working, "Removing"));
        if self.dry() {
            self.emit(progress(ResourceKind::Network, name, Status::Done, "Removed"));
            return Ok(Success::Done);
        }
        let gone = "No resource found to remove";
        match self.engine.inspect_network(id).await {
            Err(e) if e.is_not_found() => {
                self.emit(progress(ResourceKind::Network, name, Status::Warning, gone));
                return Ok(Success::Skipped(gone.to_owned()));
            }
            Err(e) => return Err(self.engine_error(op, None, format!("failed to remove network {name}"), &e)),
            Ok(details) if !details.containers.is_empty() => {
                let busy = "Resource is still in use";
                self.emit(progress(ResourceKind::Network, name, Status::Warning, busy));
                return Ok(Success::Skipped(busy.to_owned()));
            }
            Ok(_) => {}
        }
        match self.engine.remove_network(id).await {
            Ok(()) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                self.emit(failed(ResourceKind::Network, name, "Error", &e.to_string()));
                return Err(self.engine_error(op, None, format!("failed to remove network {name}"), &e));
            }
        }
        self.emit(progress(ResourceKind::Network, name, Status::Done, "Removed"));
        Ok(Success::Done)
    }

    async fn create_volume(&self, op: &Operation, key: &str, name: &str) -> Result<Success, Failure> {
        // Docker Compose 2.26.1 quotes the volume's name in its creation events only.
        let event_name = format!("{name:?}");
        let spec = match self.ctx.project.and_then(|p| p.volumes.get(key).map(|v| (p, v))) {
            Some((project, config)) => convert::volume_create(&project.name, key, config),
            None => match self.ctx.desired.and_then(|d| d.volumes.get(key)) {
                Some(v) => VolumeCreate {
                    name: v.name.clone(),
                    driver: (!v.driver.is_empty()).then(|| v.driver.clone()),
                    driver_opts: v.driver_opts.clone(),
                    labels: v.labels.clone(),
                },
                None => return Err(self.missing_project(op, &format!("creating volume {name}"))),
            },
        };
        self.emit(progress(ResourceKind::Volume, &event_name, Status::Working, "Creating"));
        if !self.dry() {
            if let Err(e) = self.engine.create_volume(&spec).await {
                self.emit(failed(ResourceKind::Volume, &event_name, "Error", &e.to_string()));
                return Err(self.engine_error(op, None, format!("creating volume {name}"), &e));
            }
        }
        self.emit(progress(ResourceKind::Volume, &event_name, Status::Done, "Created"));
        Ok(Success::Done)
    }

    async fn remove_volume(&self, op: &Operation, name: &str) -> Result<Success, Failure> {
        self.emit(progress(ResourceKind::Volume, name, Status::Working, "Removing"));
        if !self.dry() {
            match self.engine.remove_volume(name, true).await {
                Ok(()) => {}
                Err(e) if e.is_conflict() => {
                    let busy = "Resource is still in use";
                    self.emit(progress(ResourceKind::Volume, name, Status::Warning, busy));
                    return Ok(Success::Skipped(busy.to_owned()));
                }
                Err(e) if e.is_not_found() => {
                    let gone = "Warning: No resource found to remove";
                    self.emit(progress(ResourceKind::Volume, name, Status::Done, gone));
                    return Ok(Success::Skipped(gone.to_owned()));
                }
                Err(e) => {
                    self.emit(failed(ResourceKind::Volume, name, "Error", &e.to_string()));
                    return Err(self.engine_error(op, None, format!("removing volume {name}"), &e));
                }
            }
        }
        self.emit(progress(ResourceKind::Volume, name, Status::Done, "Removed"));
        Ok(Success::Done)
    }

    async fn remove_image(&self, op: &Operation, image: &str) -> Result<Success, Failure> {
        self.emit(progress(ResourceKind::Image, image, Status::Working, "Removing"));
        if !self.dry() {
            match self.engine.remove_image(image, &berth_engine::ImageRemoveOptions::default()).await {
                Ok(_) => {}
                Err(e) if e.is_conflict() => {
                    let busy = "Resource is still in use";
                    self.emit(progress(ResourceKind::Image, image, Status::Warning, busy));
                    return Ok(Success::Skipped(busy.to_owned()));
                }
                Err(e) if e.is_not_found() => {
                    let gone = "Warning: No resource found to remove";
                    self.emit(progress(ResourceKind::Image, image, Status::Done, gone));
                    return Ok(Success::Skipped(gone.to_owned()));
                }
                Err(e) => {
                    self.emit(failed(ResourceKind::Image, image, "Error", &e.to_string()));
                    return Err(self.engine_error(op, None, format!("removing image {image}"), &e));
                }
            }
        }
        self.emit(progress(ResourceKind::Image, image, Status::Done, "Removed"));
        Ok(Success::Done)
    }

    fn missing_project(&self, op: &Operation, context: &str) -> Failure {
        self.error(op, None, context.to_owned(), OpErrorKind::Other("the compose project is needed for this operation".to_owned()))
    }

    // ---- containers ----

    /// Containers that `service:` references and links of `service` resolve to now.
    fn resolve_references(&self, service: &berth_spec::model::ServiceConfig) -> ResolvedReferences {
        let live = self.live();
        let mut resolved = ResolvedReferences::default();
        let mut targets: Vec<String> = service
            .volumes_from
            .iter()
            .filter_map(|v| v.split(':').next())
            .filter(|first| *first != "container")
            .map(str::to_owned)
            .collect();
        for mode in [&service.network_mode, &service.ipc, &service.pid] {
            if let Some(target) = mode.strip_prefix("service:") {
                targets.push(target.to_owned());
            }
        }
        for target in targets {
            if let Some(first) = live.sorted(&target).first() {
                resolved.service_containers.insert(target, first.id.clone());
            }
        }
        for link in &service.links {
            let target = link.split(':').next().unwrap_or(link);
            let names = live.by_number(target).iter().map(|c| c.name.clone()).collect();
            resolved.link_containers.insert(target.to_owned(), names);
        }
        resolved
    }

    async fn create_container(
        &self,
        op: &Operation,
        service: &str,
        number: u32,
        name: &str,
        create_name: &str,
        replace: Option<&Replace>,
    ) -> Result<Success, Failure> {
        let svc = Some(service.to_owned());
        let context = format!("creating container {name}");
        let (Some(project), Some(create_ctx)) = (self.ctx.project, self.create.as_ref()) else {
            return Err(self.missing_project(op, &context));
        };
        let Some(config) = project.services.get(service) else {
            return Err(self.error(op, svc, context, OpErrorKind::Other(format!("no such service: {service}"))));
        };
        let event_name = replace.map_or(name, |r| r.container.name.as_str()).to_owned();
        if replace.is_some() {
            self.emit(progress(ResourceKind::Container, &event_name, Status::Working, "Recreate"));
            self.live().recreating.insert(create_name.to_owned(), event_name.clone());
        } else {
            self.emit(progress(ResourceKind::Container, &event_name, Status::Working, "Creating"));
        }
        let fail = |kind: OpErrorKind| {
            self.emit(failed(ResourceKind::Container, &event_name, "Error", &kind.message()));
            self.error(op, Some(service.to_owned()), format!("creating container {name}"), kind)
        };
        let desired = self.ctx.desired.and_then(|d| d.services.get(service));
        let config_hash = match desired {
            Some(d) => d.config_hash.clone(),
            None => service_hash(config).map_err(|e| fail(OpErrorKind::Other(e.to_string())))?,
        };
        let config_json = match desired.and_then(|d| d.config.as_ref()) {
            Some(json) => Some(json.clone()),
            None => crate::hash::service_json(config).ok(),
        };
        if self.dry() {
            let id = format!("dry-run-{create_name}");
            self.record_created(service, number, create_name, name, &id, replace);
            if replace.is_none() {
                self.emit(progress(ResourceKind::Container, &event_name, Status::Done, "Created"));
            }
            return Ok(Success::Done);
        }
        let inherit = match replace {
            Some(r) if r.inherit_volumes => {
                let old = r.container.engine_ref();
                let mounts = self
                    .engine
                    .inspect_container(old)
                    .await
                    .map_err(|e| fail(OpErrorKind::Engine(e.to_string())))?
                    .mounts;
                let image = convert::image_name(create_ctx, config);
                let image_volumes = match self.engine.inspect_image(&image).await {
                    Ok(details) => details.config.volumes,
                    Err(e) => return Err(fail(OpErrorKind::Engine(e.to_string()))),
                };
                Some(Inherit { mounts, image_volumes })
            }
            _ => None,
        };
        let resolved = self.resolve_references(config);
        // Compose hashes the service with its references resolved to these containers.
        let config_hash = config_json
            .as_ref()
            .and_then(|json| {
                crate::hash::hash_with_references(json, |target| resolved.service_containers.get(target).cloned())
            })
            .unwrap_or(config_hash);
        let options = ContainerOptions {
            config_hash,
            image_digest: desired.and_then(|d| d.image_digest.clone()),
            replace: replace.and_then(|r| r.container.id.clone()),
            create_name: (create_name != name).then(|| create_name.to_owned()),
            inherit,
            one_off: None,
            resolved,
        };
        let mut spec = convert::container_create(create_ctx, config, number, &options)
            .map_err(|e: ConvertError| fail(OpErrorKind::Convert(e.to_string())))?;
        if let Some(json) = config_json {
            spec.create.config.labels.insert(CONFIG_LABEL.to_owned(), json.to_string());
        }
        let created = self.engine.create_container(&spec.create).await.map_err(|e| fail(OpErrorKind::Engine(e.to_string())))?;
        for warning in &created.warnings {
            self.emit(progress(ResourceKind::Service, service, Status::Warning, warning));
        }
        // Podman 4.3 accepts `domainname` and drops it without a word (docs/engines.md).
        if !config.domainname.is_empty() && self.engine.capabilities().is_podman {
            let warning = "domainname is ignored by Podman: the container's domain name stays empty";
            self.emit(progress(ResourceKind::Service, service, Status::Warning, warning));
        }
        for (network, endpoint) in spec.connect {
            let request = NetworkConnect { container: created.id.clone(), endpoint };
            self.engine
                .connect_network(&network, &request)
                .await
                .map_err(|e| fail(OpErrorKind::Engine(format!("connecting to network {network}: {e}"))))?;
        }
        let files = convert::file_injections(project, config, self.mtime)
            .map_err(|e| fail(OpErrorKind::Convert(e.to_string())))?;
        for file in files {
            self.engine
                .archive_put(&created.id, &file.path, bytes_stream(file.archive), &file.options)
                .await
                .map_err(|e| fail(OpErrorKind::Engine(format!("copying {} into the container: {e}", file.target))))?;
        }
        self.record_created(service, number, create_name, name, &created.id, replace);
        if replace.is_none() {
            self.emit(progress(ResourceKind::Container, &event_name, Status::Done, "Created"));
        }
        Ok(Success::Done)
    }

    fn record_created(&self, service: &str, number: u32, create_name: &str, name: &str, id: &str, replace: Option<&Replace>) {
        let mut live = self.live();
        if let Some(old) = replace.and_then(|r| r.container.id.as_deref()) {
            // The replacement takes the old container's place in its service right away, as
            // Docker Compose's convergence state does.
            if let Some(list) = live.by_service.get_mut(service) {
                list.retain(|c| c.id != old);
            }
        }
        live.by_service.entry(service.to_owned()).or_default().push(LiveContainer {
            id: id.to_owned(),
            name: create_name.to_owned(),
            number: Some(number),
        });
        live.ids.insert(create_name.to_owned(), id.to_owned());
        live.services.insert(id.to_owned(), service.to_owned());
        live.created.insert(name.to_owned(), id.to_owned());
    }

    /// Whether some service waits for `service` to be healthy (Docker Compose then shows its
    /// containers as still working once started).
    fn healthy_awaited(&self, service: &str) -> bool {
        self.ctx.desired.is_some_and(|d| {
            d.services.values().any(|s| s.depends_on.get(service).is_some_and(|dep| dep.condition == Condition::Healthy))
        })
    }

    async fn start_container(&self, op: &Operation, container: &ContainerRef) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        let service = self.service_of(&id);
        // Convergence restarts paused or dead containers ("Restart"); the start phase starts
        // created or exited ones ("Starting").
        let restart = matches!(&op.cause, Cause::NotRunning { state } if !matches!(state, ContainerState::Created | ContainerState::Exited | ContainerState::Running | ContainerState::Restarting));
        let (working, done) = if restart { ("Restart", "Restarted") } else { ("Starting", "Started") };
        self.emit(progress(ResourceKind::Container, &container.name, Status::Working, working));
        if !self.dry() {
            if let Err(e) = self.engine.start_container(&id).await {
                let message = port_conflict::explain(self.engine.as_ref(), &id, &e).await.unwrap_or_else(|| e.to_string());
                self.emit(Event::Progress(
                    Progress::new(ResourceKind::Container, container.name.clone(), Status::Error, "Error")
                        .with_detail(message.clone()),
                ));
                return Err(self.error(op, service, format!("starting container {}", container.name), OpErrorKind::Engine(message)));
            }
        }
        let still_working = !restart
            && (self.ctx.options.wait_requested || service.as_deref().is_some_and(|s| self.healthy_awaited(s)));
        let status = if still_working { Status::Working } else { Status::Done };
        self.emit(progress(ResourceKind::Container, &container.name, status, done));
        Ok(Success::Done)
    }

    async fn stop_container(&self, op: &Operation, container: &ContainerRef, timeout: Option<Duration>) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        let silent = self.replaced.contains(&id);
        if !silent {
            self.emit(progress(ResourceKind::Container, &container.name, Status::Working, "Stopping"));
        }
        if !self.dry() {
            let options = StopOptions { timeout: timeout.map(duration_secs), signal: None };
            if let Err(e) = self.engine.stop_container(&id, &options).await {
                if !e.is_not_found() || !self.ctx.options.keep_going {
                    self.emit(failed(ResourceKind::Container, &container.name, "Error while Stopping", &e.to_string()));
                    return Err(self.engine_error(op, self.service_of(&id), format!("stopping container {}", container.name), &e));
                }
            }
        }
        if !silent {
            self.emit(progress(ResourceKind::Container, &container.name, Status::Done, "Stopped"));
        }
        Ok(Success::Done)
    }

    async fn remove_container(&self, op: &Operation, container: &ContainerRef, volumes: bool, force: bool) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        let silent = self.replaced.contains(&id);
        let service = self.service_of(&id);
        if !silent {
            self.emit(progress(ResourceKind::Container, &container.name, Status::Working, "Removing"));
        }
        if !self.dry() {
            let options = RemoveOptions { force, volumes, link: false };
            match self.engine.remove_container(&id, &options).await {
                Ok(()) => {}
                // Gone already, or already being removed (down, scale down).
                Err(e) if e.is_not_found() || (force && e.is_conflict()) => {}
                Err(e) => {
                    self.emit(failed(ResourceKind::Container, &container.name, "Error while Removing", &e.to_string()));
                    return Err(self.engine_error(op, service, format!("removing container {}", container.name), &e));
                }
            }
        }
        self.live().remove_id(&id);
        if !silent {
            self.emit(progress(ResourceKind::Container, &container.name, Status::Done, "Removed"));
        }
        Ok(Success::Done)
    }

    async fn rename_container(&self, op: &Operation, container: &ContainerRef, new_name: &str) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        let replaced_name = self.live().recreating.get(&container.name).cloned();
        let event_name = replaced_name.clone().unwrap_or_else(|| new_name.to_owned());
        if !self.dry() {
            if let Err(e) = self.engine.rename_container(&id, new_name).await {
                self.emit(failed(ResourceKind::Container, &event_name, "Error", &e.to_string()));
                return Err(self.engine_error(op, self.service_of(&id), format!("renaming container {} to {new_name}", container.name), &e));
            }
        }
        self.live().rename(&id, new_name);
        if replaced_name.is_some() {
            self.emit(progress(ResourceKind::Container, &event_name, Status::Done, "Recreated"));
        }
        Ok(Success::Done)
    }

    async fn restart_container(&self, op: &Operation, container: &ContainerRef, timeout: Option<Duration>) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        self.emit(progress(ResourceKind::Container, &container.name, Status::Working, "Restarting"));
        if !self.dry() {
            let options = StopOptions { timeout: timeout.map(duration_secs), signal: None };
            if let Err(e) = self.engine.restart_container(&id, &options).await {
                let message = port_conflict::explain(self.engine.as_ref(), &id, &e).await.unwrap_or_else(|| e.to_string());
                self.emit(failed(ResourceKind::Container, &container.name, "Error", &message));
                let context = format!("restarting container {}", container.name);
                return Err(self.error(op, self.service_of(&id), context, OpErrorKind::Engine(message)));
            }
        }
        self.emit(progress(ResourceKind::Container, &container.name, Status::Done, "Started"));
        Ok(Success::Done)
    }

    async fn kill_container(&self, op: &Operation, container: &ContainerRef, signal: Option<&str>) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        self.emit(progress(ResourceKind::Container, &container.name, Status::Working, "Killing"));
        if !self.dry() {
            if let Err(e) = self.engine.kill_container(&id, signal).await {
                self.emit(failed(ResourceKind::Container, &container.name, "Error while Killing", &e.to_string()));
                return Err(self.engine_error(op, self.service_of(&id), format!("killing container {}", container.name), &e));
            }
        }
        self.emit(progress(ResourceKind::Container, &container.name, Status::Done, "Killed"));
        Ok(Success::Done)
    }

    async fn pause_container(&self, op: &Operation, container: &ContainerRef, pause: bool) -> Result<Success, Failure> {
        let id = self.resolve(op, container)?;
        if !self.dry() {
            let result = if pause { self.engine.pause_container(&id).await } else { self.engine.unpause_container(&id).await };
            // Docker Compose asks the engine to pause (unpause) every running container, and the
            // engine refuses the ones already paused (not paused) with a conflict; berth skips
            // them instead of failing the command.
            if let Err(e) = &result {
                if e.is_conflict() {
                    return Ok(Success::Skipped(e.to_string()));
                }
            }
            if let Err(e) = result {
                self.emit(failed(ResourceKind::Container, &container.name, "Error", &e.to_string()));
                let verb = if pause { "pausing" } else { "unpausing" };
                return Err(self.engine_error(op, self.service_of(&id), format!("{verb} container {}", container.name), &e));
            }
        }
        let text = if pause { "Paused" } else { "Unpaused" };
        self.emit(progress(ResourceKind::Container, &container.name, Status::Done, text));
        Ok(Success::Done)
    }

    // ---- waits ----

    /// The chain of dependants leading to `dependant`, outermost first, then `service`.
    fn chain(&self, service: &str, dependant: Option<&str>) -> Vec<String> {
        let Some(dependant) = dependant else { return vec![service.to_owned()] };
        let mut chain = vec![service.to_owned(), dependant.to_owned()];
        if let Some(desired) = self.ctx.desired {
            let mut current = dependant.to_owned();
            let mut seen: BTreeSet<String> = chain.iter().cloned().collect();
            while let Some(next) = desired
                .services
                .iter()
                .find(|(name, s)| !seen.contains(*name) && s.dependencies().contains(&current.as_str()))
                .map(|(name, _)| name.clone())
            {
                seen.insert(next.clone());
                chain.push(next.clone());
                current = next;
            }
        }
        chain.reverse();
        chain
    }

    async fn wait_dependency(
        &self,
        op: &Operation,
        service: &str,
        condition: &Condition,
        required: bool,
        dependant: Option<&str>,
    ) -> Result<Success, Failure> {
        let containers: Vec<WaitContainer> = self
            .live()
            .by_number(service)
            .into_iter()
            .map(|c| WaitContainer { id: c.id.clone(), name: c.name.clone() })
            .collect();
        let spec = WaitSpec {
            service: service.to_owned(),
            containers,
            condition: condition.clone(),
            required,
            dependant: dependant.map(str::to_owned),
            chain: self.chain(service, dependant),
        };
        if self.dry() {
            for c in &spec.containers {
                self.emit(progress(ResourceKind::Container, &c.name, Status::Working, "Waiting"));
                let text = if *condition == Condition::CompletedSuccessfully { "Exited" } else { "Healthy" };
                self.emit(progress(ResourceKind::Container, &c.name, Status::Done, text));
            }
            return Ok(Success::Done);
        }
        let Some(hub) = self.hub.as_ref() else {
            return Err(self.error(op, Some(service.to_owned()), String::new(), OpErrorKind::Other("no events subscription".to_owned())));
        };
        let waited = wait::wait_for(self.engine.as_ref(), hub, &spec, self.sink, &self.waits);
        let result = match (dependant, self.ctx.options.wait_timeout) {
            (None, Some(timeout)) => {
                let deadline = *self
                    .wait_deadline
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert_with(|| tokio::time::Instant::now() + timeout);
                match tokio::time::timeout_at(deadline, waited).await {
                    Ok(result) => result,
                    Err(_) => {
                        return Err(self.error(
                            op,
                            Some(service.to_owned()),
                            String::new(),
                            OpErrorKind::Timeout(format!("application not healthy after {}", go_duration(timeout))),
                        ))
                    }
                }
            }
            _ => waited.await,
        };
        match result {
            Ok(WaitOutcome::Met) => Ok(Success::Done),
            Ok(WaitOutcome::Skipped(reason)) => Ok(Success::Skipped(reason)),
            Err(WaitFailure::Cancelled) => Err(Failure::Cancelled),
            Err(WaitFailure::Failed(e)) => Err(self.error(op, Some(service.to_owned()), String::new(), OpErrorKind::Wait(e))),
            Err(WaitFailure::Engine { container, source }) => {
                Err(self.engine_error(op, Some(service.to_owned()), format!("inspecting container {container}"), &source))
            }
        }
    }
}

enum Failure {
    Error(Box<OpError>),
    Cancelled,
}

/// Whole seconds of a stop timeout, as Docker Compose rounds it (`utils.DurationSecondToInt`).
fn duration_secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}
