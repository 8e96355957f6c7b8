//! `up` (and, through [`crate::ops::create`], `create`): Docker Compose 2.26.1's `create` then
//! `start`.
//!
//! 1. The project is narrowed (`--no-deps` keeps only the named services, dropping their
//!    `depends_on` entries to the others, as compose-go's `WithSelectedServices` does) and
//!    scaled (`--scale`).
//! 2. Service images are made available: each is inspected, and a missing one is pulled (or
//!    built through the caller's [`ImageBuilder`] for services with `build`), following
//!    `pull_policy` or `--pull`. The image ids become the `com.docker.compose.image` labels.
//! 3. The project is observed, reconciled ([`reconcile_up`]) and the plan executed. Containers
//!    the plan leaves alone are reported as Docker Compose's convergence reports them
//!    ("Running", or "Created" for exited ones).
//! 4. With `--wait`, the plan ends with a wait on every service (running, or healthy when it
//!    has a health check), bounded by `--wait-timeout`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use berth_engine::{Credentials, Engine};
use berth_spec::model::{Project, Services};

use super::{local_image_digests, pull, run_plan, service_image, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::execute::{CancellationToken, CreateSettings, ExecOptions};
use crate::observe::{observe, observe_named_resources};
use crate::observed::{ContainerState, ObservedState};
use crate::plan::{Action, Cause, Plan, Replace};
use crate::reconcile::{self, reconcile_up, RecreatePolicy};

/// Builds the images of services that have a `build` section, for `up` and `create`
/// ([`crate::build::EngineBuilder`] builds through the engine).
#[async_trait]
pub trait ImageBuilder: Send + Sync {
    /// Builds the images of `services` (of `project`) on `engine`, reporting through `sink`.
    async fn build(&self, engine: &dyn Engine, project: &Project, services: &[String], sink: &dyn EventSink)
        -> Result<(), String>;
}

/// `--pull`: when to pull service images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullPolicy {
    /// Each service's `pull_policy` decides (missing images are pulled by default).
    #[default]
    Service,
    /// Pull every image, present or not.
    Always,
    /// Pull images that are missing.
    Missing,
    /// Never pull: a missing image is an error.
    Never,
}

/// Options of `up` and `create`.
#[derive(Default, Clone)]
pub struct UpOptions {
    /// The services named on the command line (empty: all). The project is expected to be
    /// loaded with them selected (with their dependencies).
    pub services: Vec<String>,
    /// Recreate policy for the named services (`--force-recreate`, `--no-recreate`).
    pub recreate: RecreatePolicy,
    /// Recreate policy for the others (`--always-recreate-deps`, `--no-recreate`).
    pub recreate_dependencies: RecreatePolicy,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `COMPOSE_IGNORE_ORPHANS`.
    pub ignore_orphans: bool,
    /// `-V/--renew-anon-volumes`.
    pub renew_anon_volumes: bool,
    /// `-t/--timeout` for containers stopped on the way (recreate, scale down).
    pub timeout: Option<Duration>,
    /// `--no-start` (and `create`).
    pub no_start: bool,
    /// `--no-deps`: only the named services, without their dependencies.
    pub no_deps: bool,
    /// `--scale SERVICE=N`.
    pub scale: BTreeMap<String, u32>,
    /// `--wait`.
    pub wait: bool,
    /// `--wait-timeout`.
    pub wait_timeout: Option<Duration>,
    /// `--pull`.
    pub pull: PullPolicy,
    /// `--quiet-pull`: pulls show no layer progress.
    pub quiet_pull: bool,
    /// Registry credentials for pulls.
    pub credentials: Credentials,
    /// Builds images for services with `build` whose image is missing or whose `pull_policy`
    /// is `build` (`None`, `--no-build`: nothing is built, and creating the container of a
    /// service whose image is missing fails as the engine reports it, as in Docker Compose).
    pub builder: Option<Arc<dyn ImageBuilder>>,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
    /// Inputs to container creation (`--env-file` paths, proxy variables, separator).
    pub create: CreateSettings,
}

impl std::fmt::Debug for UpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpOptions")
            .field("services", &self.services)
            .field("recreate", &self.recreate)
            .field("no_start", &self.no_start)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

/// The project as `up` works on it: `--no-deps` and `--scale` applied.
pub fn prepare_project(project: &Project, opts: &UpOptions) -> Result<Project, OpsError> {
    let mut project = project.clone();
    if opts.no_deps && !opts.services.is_empty() {
        let keep: BTreeSet<&String> = opts.services.iter().collect();
        for name in &opts.services {
            if !project.services.contains_key(name) {
                return Err(reconcile::ReconcileError::NoSuchService(name.clone()).into());
            }
        }
        let all = std::mem::take(&mut project.services);
        let mut kept = Services::new();
        for (name, mut service) in all {
            if keep.contains(&name) {
                service.depends_on.retain(|d, _| keep.contains(d));
                kept.insert(name, service);
            } else {
                project.disabled_services.insert(name, service);
            }
        }
        project.services = kept;
    }
    for (name, scale) in &opts.scale {
        let Some(service) = project.services.get_mut(name) else {
            return Err(reconcile::ReconcileError::NoSuchService(name.clone()).into());
        };
        service.scale = Some(i64::from(*scale));
        if let Some(deploy) = service.deploy.as_mut() {
            deploy.replicas = Some(i64::from(*scale));
        }
    }
    Ok(project)
}

/// Makes every service image available and returns the local image ids by reference: pulls
/// what `pull_policy` asks for (Docker Compose's `pullRequiredImages`, see
/// [`pull::services_to_pull`]), then has the builder build services with `build` whose image
/// is missing or whose policy is `build`.
pub(crate) async fn ensure_images(
    engine: &dyn Engine,
    project: &Project,
    opts: &UpOptions,
    sink: &dyn EventSink,
) -> Result<BTreeMap<String, String>, OpsError> {
    let present = local_image_digests(engine, project).await?;
    if opts.run.dry_run {
        return Ok(present);
    }
    let project = &with_pull_override(project, opts.pull);
    let pulled = pull::pull_required(engine, project, &present, &opts.credentials, opts.quiet_pull, sink).await?;
    let present = if pulled > 0 { local_image_digests(engine, project).await? } else { present };
    let mut to_build = Vec::new();
    for (name, service) in &project.services {
        let image = service_image(project, service);
        let missing = !present.contains_key(&image);
        if service.build.is_some() && (missing || service.pull_policy == "build") {
            to_build.push(name.clone());
        } else if missing && matches!(service.pull_policy.as_str(), "never" | "build") {
            return Err(OpsError::Image(format!(
                "service {name:?}: image {image} not found and pull_policy is {}",
                service.pull_policy
            )));
        }
    }
    if to_build.is_empty() {
        return Ok(present);
    }
    let Some(builder) = &opts.builder else {
        // `--no-build`: creating the container reports the missing image, as in Compose.
        return Ok(present);
    };
    builder.build(engine, project, &to_build, sink).await.map_err(OpsError::Image)?;
    local_image_digests(engine, project).await
}

/// `--pull` given to the core as an option (the CLI normally rewrites `pull_policy` itself, as
/// Docker Compose does).
fn with_pull_override(project: &Project, pull: PullPolicy) -> Project {
    let policy = match pull {
        PullPolicy::Service => return project.clone(),
        PullPolicy::Always => "always",
        PullPolicy::Missing => "missing",
        PullPolicy::Never => "never",
    };
    let mut project = project.clone();
    for service in project.services.values_mut() {
        policy.clone_into(&mut service.pull_policy);
    }
    project
}

/// Reports the containers the plan leaves alone, as Docker Compose's convergence does:
/// "Running" for running ones, "Created" for exited ones.
fn report_untouched(plan: &Plan, observed: &ObservedState, project: &Project, sink: &dyn EventSink) {
    let mut touched: BTreeSet<&str> = BTreeSet::new();
    for op in &plan.operations {
        match &op.action {
            Action::CreateContainer { replace: Some(Replace { container, .. }), .. }
            | Action::StopContainer { container, .. }
            | Action::RemoveContainer { container, .. } => {
                touched.extend(container.id.as_deref());
            }
            Action::StartContainer { container }
                if matches!(&op.cause, Cause::NotRunning { state } if !matches!(state, ContainerState::Created | ContainerState::Exited)) =>
            {
                touched.extend(container.id.as_deref());
            }
            _ => {}
        }
    }
    for c in &observed.containers {
        if c.oneoff || c.config_hash.is_none() || !project.services.contains_key(&c.service) || touched.contains(c.id.as_str()) {
            continue;
        }
        let text = match c.state {
            ContainerState::Running => "Running",
            ContainerState::Exited => "Created",
            _ => continue,
        };
        sink.emit(Event::Progress(Progress::new(ResourceKind::Container, c.name.clone(), Status::Done, text)));
    }
}

/// `up`: creates what is missing or outdated, then starts it (unless `no_start`), waiting for
/// `depends_on` conditions, and with `wait` for every service.
pub async fn up(
    engine: Arc<dyn Engine>,
    project: &Project,
    opts: &UpOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let project = prepare_project(project, opts)?;
    let digests = ensure_images(engine.as_ref(), &project, opts, sink).await?;
    let desired = desired_from_project(&project, &digests)?;
    let mut observed = observe(engine.as_ref(), &project.name, true).await?;
    observe_named_resources(engine.as_ref(), &mut observed, &desired).await?;
    let reconcile_opts = reconcile::UpOptions {
        services: opts.services.clone(),
        recreate: opts.recreate,
        recreate_dependencies: opts.recreate_dependencies,
        remove_orphans: opts.remove_orphans,
        ignore_orphans: opts.ignore_orphans,
        renew_anon_volumes: opts.renew_anon_volumes,
        timeout: opts.timeout,
        no_start: opts.no_start,
        wait: opts.wait && !opts.no_start,
    };
    let mut plan = reconcile_up(&desired, &observed, &reconcile_opts)?;
    // Compose warns (of orphans) before it reports the containers it leaves alone; the
    // warnings go back into the outcome's plan, which the dry run prints.
    let warnings = std::mem::take(&mut plan.warnings);
    for message in &warnings {
        sink.emit(Event::Warning { message: message.clone() });
    }
    report_untouched(&plan, &observed, &project, sink);
    let options = ExecOptions {
        parallel: opts.run.parallel,
        dry_run: opts.run.dry_run,
        keep_going: false,
        wait_timeout: opts.wait_timeout.filter(|t| !t.is_zero()),
        wait_requested: opts.wait,
    };
    run_plan(
        &engine,
        plan,
        &project.name,
        Some(&project),
        Some(&desired),
        &observed,
        options,
        opts.create.clone(),
        sink,
        cancel,
    )
    .await
    .map(|mut outcome| {
        outcome.plan.warnings = warnings;
        outcome
    })
}
