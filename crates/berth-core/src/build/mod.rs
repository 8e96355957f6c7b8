//! Image builds: the `build` sections of a project turned into engine builds, as Docker Compose
//! 2.26.1 runs them, through the engine's classic builder (`POST /build`).
//!
//! - [`plan`] resolves each service's build: its context ([`context`], filtered by the ignore
//!   file, [`ignore`]), build arguments (the file's `args`, overridden by `--build-arg`, keys
//!   without a value taken from the project environment, proxy variables added), target,
//!   labels, cache sources, network, extra hosts, `/dev/shm` size, ulimits, isolation, one
//!   platform, `no_cache`/`pull` (or `--no-cache`/`--pull`), and the tags: the service image
//!   (`image:`, else `<project>-<service>`) and `build.tags`. What the classic builder cannot do
//!   (`ssh`, `secrets`, `additional_contexts`, several platforms, `cache_to`, `privileged`) is an
//!   error naming the service and the attribute.
//! - Services whose builds are identical (same context, Dockerfile and options) are built once,
//!   with the tags of all of them.
//! - [`build`] runs the builds one after the other in dependency order (a Dockerfile may start
//!   `FROM` another service's image), streaming the builder's output as [`Event::Build`], and
//!   with `push` pushes the images of the services built that name one (as `push` does).
//! - Built images carry the labels Docker Compose's default builder gives them:
//!   `com.docker.compose.project`, `.service` and `.version`, besides `build.labels`; `down
//!   --rmi local` finds them by these labels.

pub mod context;
pub mod ignore;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use berth_engine::{BuildEvent, BuildOptions, Credentials, Engine, EngineError, RegistryAuth};
use berth_spec::model::{MappingWithEquals, Project, ServiceConfig, SshKey};
use futures::StreamExt;

use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::labels;
use crate::ops::up::ImageBuilder;
use context::{ContextError, DockerfileSource};

/// What the command line adds to the compose file's builds.
#[derive(Debug, Clone, Default)]
pub struct BuildSettings {
    /// `--build-arg KEY[=VALUE]` (no value: from the project environment).
    pub args: MappingWithEquals,
    /// `--no-cache`.
    pub no_cache: bool,
    /// `--pull`.
    pub pull: bool,
    /// `--push`.
    pub push: bool,
    /// `-m/--memory`, in bytes.
    pub memory: Option<i64>,
    /// `--ssh`.
    pub ssh: Vec<SshKey>,
    /// Proxy variables from the docker CLI configuration, added as build arguments when the
    /// build does not set them.
    pub proxy_env: BTreeMap<String, String>,
    /// Registry credentials: all of them go with every build, for the base images the
    /// builder pulls (as the docker CLI sends them), and those of the image's registry with
    /// `--push`.
    pub credentials: Credentials,
    /// `--dry-run`: check and report the builds (and pushes), run none.
    pub dry_run: bool,
}

/// Why a build could not be made or failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The service's build asks for something the classic builder cannot do.
    #[error("service {service:?}: {attribute} is not supported by the engine's classic builder, which berth uses")]
    Unsupported {
        /// The service.
        service: String,
        /// The attribute (`build.ssh`, `--ssh`).
        attribute: String,
    },
    /// The service's build section is inconsistent.
    #[error("service {service:?}: {message}")]
    Invalid {
        /// The service.
        service: String,
        /// What is wrong.
        message: String,
    },
    /// The context could not be prepared.
    #[error("service {service:?}: {source}")]
    Context {
        /// The service.
        service: String,
        /// The error.
        source: ContextError,
    },
    /// A build step failed; the message is the builder's, the code the failed command's.
    #[error("{message}")]
    Failed {
        /// The service.
        service: String,
        /// The builder's message.
        message: String,
        /// The exit code of the failed step (1 when the builder gives none).
        code: i64,
    },
    /// A push after the build failed.
    #[error("pushing image {image} for service {service}: {message}")]
    Push {
        /// The service.
        service: String,
        /// The image reference.
        image: String,
        /// The engine's message.
        message: String,
    },
    /// An engine call failed.
    #[error("{context}: {source}")]
    Engine {
        /// What was being done.
        context: String,
        /// The engine's error.
        source: EngineError,
    },
}

impl BuildError {
    /// The exit code Docker Compose ends with for this error.
    pub fn exit_code(&self) -> i64 {
        match self {
            BuildError::Failed { code, .. } => *code,
            _ => 1,
        }
    }
}

/// Where a build's context comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum ContextSource {
    /// A local directory.
    Dir(PathBuf),
    /// A URL (git repository or tarball) the engine fetches itself.
    Remote(String),
}

/// One engine build, serving one or more services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildJob {
    /// The services it builds, in dependency order; the first one's labels are used.
    pub services: Vec<String>,
    /// The context.
    pub context: ContextSource,
    /// The Dockerfile.
    pub dockerfile: DockerfileSource,
    /// The engine's options, with the tags of every service served.
    pub options: BuildOptions,
}

/// The image references `services` run, which their builds are tagged with first.
fn image_of(project: &Project, service: &ServiceConfig) -> String {
    crate::ops::service_image(project, service)
}

fn unsupported(service: &str, attribute: &str) -> BuildError {
    BuildError::Unsupported { service: service.to_owned(), attribute: attribute.to_owned() }
}

/// The platform to build for: `DOCKER_DEFAULT_PLATFORM`, else the service's `platform`, else
/// the one `build.platforms` entry; checked as Docker Compose's `BuildOptions.Apply` checks.
fn platform(project: &Project, service: &ServiceConfig) -> Result<Option<String>, BuildError> {
    let Some(build) = &service.build else { return Ok(None) };
    let invalid = |message: String| BuildError::Invalid { service: service.name.clone(), message };
    let default = project.environment.get("DOCKER_DEFAULT_PLATFORM").filter(|p| !p.is_empty());
    if let Some(p) = default {
        if !build.platforms.is_empty() && !build.platforms.contains(p) {
            return Err(invalid(format!("build.platforms does not support value set by DOCKER_DEFAULT_PLATFORM: {p}")));
        }
    }
    let chosen = default.cloned().or_else(|| (!service.platform.is_empty()).then(|| service.platform.clone()));
    if let Some(p) = &chosen {
        if !build.platforms.is_empty() && !build.platforms.contains(p) {
            return Err(invalid(format!("build configuration does not support platform: {p}")));
        }
        return Ok(chosen);
    }
    match build.platforms.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one.clone())),
        _ => Err(unsupported(&service.name, "build.platforms with several platforms")),
    }
}

/// Resolves the build of one service into engine options (tags: its own).
fn service_job(project: &Project, service: &ServiceConfig, settings: &BuildSettings) -> Result<Option<BuildJob>, BuildError> {
    let Some(build) = &service.build else { return Ok(None) };
    let name = service.name.as_str();
    if !build.ssh.is_empty() {
        return Err(unsupported(name, "build.ssh"));
    }
    if !settings.ssh.is_empty() {
        return Err(unsupported(name, "--ssh"));
    }
    if !build.secrets.is_empty() {
        return Err(unsupported(name, "build.secrets"));
    }
    if !build.additional_contexts.is_empty() {
        return Err(unsupported(name, "build.additional_contexts"));
    }
    if !build.cache_to.is_empty() {
        return Err(unsupported(name, "build.cache_to"));
    }
    if build.privileged {
        return Err(unsupported(name, "build.privileged"));
    }
    let platform = platform(project, service)?;

    let mut args: MappingWithEquals = build.args.clone();
    args.extend(settings.args.clone());
    let mut build_args: BTreeMap<String, String> = args
        .into_iter()
        .filter_map(|(k, v)| match v {
            Some(v) => Some((k, v)),
            None => project.environment.get(&k).cloned().map(|v| (k, v)),
        })
        .collect();
    for (k, v) in &settings.proxy_env {
        build_args.entry(k.clone()).or_insert_with(|| v.clone());
    }

    let mut image_labels = build.labels.clone();
    image_labels.insert(labels::VERSION.to_owned(), labels::COMPOSE_VERSION.to_owned());
    image_labels.insert(labels::PROJECT.to_owned(), project.name.clone());
    image_labels.insert(labels::SERVICE.to_owned(), name.to_owned());

    let mut tags = vec![image_of(project, service)];
    tags.extend(build.tags.iter().filter(|t| !tags.contains(t)).cloned().collect::<Vec<_>>());

    let ulimits = build
        .ulimits
        .iter()
        .map(|(k, u)| {
            let (soft, hard) = if u.single != 0 { (u.single, u.single) } else { (u.soft, u.hard) };
            format!("{k}={soft}:{hard}")
        })
        .collect();

    let context = if berth_spec::paths::is_remote_context(&build.context) || build.context.contains("://") {
        ContextSource::Remote(build.context.clone())
    } else {
        let dir = if build.context.is_empty() { PathBuf::from(&project.working_dir) } else { PathBuf::from(&build.context) };
        ContextSource::Dir(dir)
    };
    let dockerfile = if build.dockerfile_inline.is_empty() {
        DockerfileSource::Path(build.dockerfile.clone())
    } else {
        DockerfileSource::Inline(build.dockerfile_inline.clone())
    };
    let options = BuildOptions {
        dockerfile: None,
        tags,
        build_args,
        labels: image_labels,
        target: (!build.target.is_empty()).then(|| build.target.clone()),
        no_cache: build.no_cache || settings.no_cache,
        pull: build.pull || settings.pull,
        cache_from: build.cache_from.clone(),
        network_mode: (!build.network.is_empty()).then(|| build.network.clone()),
        extra_hosts: build.extra_hosts.as_list(":"),
        platform,
        shm_size: (build.shm_size.0 != 0).then_some(build.shm_size.0),
        isolation: (!build.isolation.is_empty()).then(|| build.isolation.clone()),
        ulimits,
        memory: settings.memory.filter(|m| *m != 0),
        // The classic builder leaves the container of a failed step behind (Compose's classic
        // builder too); Compose's default builder, BuildKit, leaves nothing: so does berth.
        force_remove: true,
        remote: match &context {
            ContextSource::Remote(url) => Some(url.clone()),
            ContextSource::Dir(_) => None,
        },
        ..BuildOptions::default()
    };
    Ok(Some(BuildJob { services: vec![name.to_owned()], context, dockerfile, options }))
}

/// Whether two jobs build the same image (everything but tags and the service label equal).
fn same_build(a: &BuildJob, b: &BuildJob) -> bool {
    let strip = |j: &BuildJob| {
        let mut o = j.options.clone();
        o.tags.clear();
        o.labels.remove(labels::SERVICE);
        o
    };
    a.context == b.context && a.dockerfile == b.dockerfile && strip(a) == strip(b)
}

/// The builds of `services` (those with a `build` section), in dependency order, identical
/// ones merged.
pub fn plan(project: &Project, services: &[String], settings: &BuildSettings) -> Result<Vec<BuildJob>, BuildError> {
    let wanted: BTreeSet<&String> = services.iter().collect();
    let mut jobs: Vec<BuildJob> = Vec::new();
    for name in berth_spec::project::services_in_dependency_order(project) {
        if !wanted.contains(&name) {
            continue;
        }
        let Some(service) = project.services.get(&name) else { continue };
        let Some(job) = service_job(project, service, settings)? else { continue };
        if let Some(existing) = jobs.iter_mut().find(|j| same_build(j, &job)) {
            existing.services.extend(job.services);
            for tag in job.options.tags {
                if !existing.options.tags.contains(&tag) {
                    existing.options.tags.push(tag);
                }
            }
        } else {
            jobs.push(job);
        }
    }
    Ok(jobs)
}

/// A byte count as the docker CLI's `units.HumanSize` prints it (`248B`, `1.234kB`).
pub fn human_size(bytes: usize) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    #[allow(clippy::cast_precision_loss)]
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit + 1 < UNITS.len() {
        size /= 1000.0;
        unit += 1;
    }
    // Go's %.4g: four significant digits, no trailing zeros.
    let digits = if size >= 100.0 { 1 } else if size >= 10.0 { 2 } else { 3 };
    let text = format!("{size:.digits$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text };
    format!("{text}{}", UNITS.get(unit).copied().unwrap_or("B"))
}

fn output(sink: &dyn EventSink, service: &str, text: impl Into<String>) {
    sink.emit(Event::Build { service: service.to_owned(), text: text.into() });
}

/// Runs one job; returns the id of the image built.
async fn run_job(
    engine: &dyn Engine,
    job: &BuildJob,
    auth: &BTreeMap<String, RegistryAuth>,
    sink: &dyn EventSink,
) -> Result<String, BuildError> {
    let service = job.services.first().cloned().unwrap_or_default();
    let mut options = job.options.clone();
    options.auth.clone_from(auth);
    let tar = match &job.context {
        ContextSource::Dir(dir) => {
            let (dir, dockerfile) = (dir.clone(), job.dockerfile.clone());
            let prepared = tokio::task::spawn_blocking(move || context::prepare(&dir, &dockerfile))
                .await
                .map_err(|e| BuildError::Invalid { service: service.clone(), message: format!("preparing the build context: {e}") })?
                .map_err(|source| BuildError::Context { service: service.clone(), source })?;
            options.dockerfile = Some(prepared.dockerfile);
            output(sink, &service, format!("Sending build context to Docker daemon  {:>8}\n", human_size(prepared.tar.len())));
            prepared.tar
        }
        ContextSource::Remote(_) => {
            if let DockerfileSource::Path(p) = &job.dockerfile {
                options.dockerfile = (!p.is_empty()).then(|| p.clone());
            }
            Vec::new()
        }
    };
    let mut stream = engine.build_image(&options, berth_engine::bytes_stream(tar));
    let mut id = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(BuildEvent::Output(text)) => output(sink, &service, text),
            Ok(BuildEvent::Progress(p)) => {
                // Layer-by-layer transfer figures are left out; status lines are kept.
                if p.current.is_none() {
                    let status = p.status.unwrap_or_default();
                    let line = match p.id {
                        Some(id) if !id.is_empty() => format!("{id}: {status}\n"),
                        _ => format!("{status}\n"),
                    };
                    output(sink, &service, line);
                }
            }
            Ok(BuildEvent::ImageId(i)) => id = Some(i),
            Err(EngineError::Failed { message, code }) => {
                return Err(BuildError::Failed { service, message, code: if code == 0 { 1 } else { code } });
            }
            Err(EngineError::Stream { message }) => return Err(BuildError::Failed { service, message, code: 1 }),
            Err(source) => return Err(BuildError::Engine { context: format!("building service {service:?}"), source }),
        }
    }
    if let Some(id) = id {
        return Ok(id);
    }
    // Engines that do not report the id: look the first tag up.
    let tag = options.tags.first().cloned().unwrap_or_default();
    engine
        .inspect_image(&tag)
        .await
        .map(|d| d.id)
        .map_err(|source| BuildError::Engine { context: format!("inspecting image {tag}"), source })
}

/// Builds the images of `services` (of those, the ones with a `build` section) and returns
/// the id of each image built, by the image reference of each service served; with
/// `settings.push`, then pushes them ([`push_built`]).
pub async fn build(
    engine: &dyn Engine,
    project: &Project,
    services: &[String],
    settings: &BuildSettings,
    sink: &dyn EventSink,
) -> Result<BTreeMap<String, String>, BuildError> {
    let jobs = plan(project, services, settings)?;
    let built = if settings.dry_run {
        for name in jobs.iter().flat_map(|j| &j.services) {
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, name, Status::Working, "Building")));
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, name, Status::Done, "Built")));
        }
        BTreeMap::new()
    } else {
        run_jobs(engine, project, &jobs, &settings.credentials, sink).await?
    };
    if settings.push {
        push_built(engine, project, &jobs, settings, sink).await?;
    }
    Ok(built)
}

/// Runs `jobs`, one after the other, each with every credential of `credentials`.
async fn run_jobs(
    engine: &dyn Engine,
    project: &Project,
    jobs: &[BuildJob],
    credentials: &Credentials,
    sink: &dyn EventSink,
) -> Result<BTreeMap<String, String>, BuildError> {
    let mut built = BTreeMap::new();
    if jobs.is_empty() {
        return Ok(built);
    }
    // The builder may pull any `FROM` image, from any registry: it gets them all, as from
    // the docker CLI (credential helpers are asked once, for every build).
    let auth = credentials.all();
    for job in jobs {
        let id = run_job(engine, job, &auth, sink).await?;
        for name in &job.services {
            if let Some(service) = project.services.get(name) {
                built.insert(image_of(project, service), id.clone());
            }
        }
    }
    Ok(built)
}

/// `--push`, as Docker Compose's `push`: the images of the services built that name one,
/// with their `build.tags`.
async fn push_built(
    engine: &dyn Engine,
    project: &Project,
    jobs: &[BuildJob],
    settings: &BuildSettings,
    sink: &dyn EventSink,
) -> Result<(), BuildError> {
    let mut pushed = project.clone();
    let built_services: BTreeSet<&String> = jobs.iter().flat_map(|j| &j.services).collect();
    pushed.services.retain(|name, s| built_services.contains(name) && !s.image.is_empty());
    let opts = crate::ops::push::PushOptions {
        credentials: settings.credentials.clone(),
        dry_run: settings.dry_run,
        ..Default::default()
    };
    let report = crate::ops::push::push(engine, &pushed, &opts, sink).await;
    match report.failures.first() {
        Some(f) => Err(BuildError::Push { service: f.service.clone(), image: f.image.clone(), message: f.message.clone() }),
        None => Ok(()),
    }
}

/// [`ImageBuilder`] for `up`, `create` and `run`: builds through the engine.
#[derive(Debug, Clone, Default)]
pub struct EngineBuilder {
    settings: BuildSettings,
}

impl EngineBuilder {
    /// A builder with the command line's settings.
    pub fn new(settings: BuildSettings) -> Self {
        EngineBuilder { settings }
    }

    /// As an `UpOptions::builder`.
    pub fn shared(settings: BuildSettings) -> Arc<dyn ImageBuilder> {
        Arc::new(EngineBuilder::new(settings))
    }
}

#[async_trait]
impl ImageBuilder for EngineBuilder {
    async fn build(&self, engine: &dyn Engine, project: &Project, services: &[String], sink: &dyn EventSink) -> Result<(), String> {
        // `up` and `create` never push.
        let jobs = plan(project, services, &self.settings).map_err(|e| e.to_string())?;
        run_jobs(engine, project, &jobs, &self.settings.credentials, sink).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests;
