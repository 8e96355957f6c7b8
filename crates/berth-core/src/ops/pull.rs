//! `pull` and the pulls `up`/`create` make: which services' images to pull (Docker Compose
//! 2.26.1's rules for `pull_policy`, `--policy`, `--ignore-buildable` and services without an
//! image), pulling them concurrently with registry credentials, per-layer progress, and
//! failures classified (not found, unauthorised, unreachable) with the fix to suggest.
//!
//! The refresh policies of the Compose Specification (`daily`, `weekly`, `every_<duration>`,
//! which 2.26.1 rejects) pull on `up` when the image is missing or its last pull is older
//! than the period, as newer Docker Compose does; an explicit `pull` treats them as due.
//! Newer Compose reads the last pull from the engine's `LastTagTime`, which Docker sets on
//! tags but not on pulls, so a pulled image always looks due there. berth tags the image onto
//! itself after pulling it for such a service, so Docker's `LastTagTime` records the pull
//! (Podman records no tag times: there every `up` pulls these images).
//!
//! Unlike Docker Compose, a failed pull does not cancel the others: every pull runs to its
//! end and the failures are reported together (Compose's fail-fast cancellation makes the
//! other services report the first service's error as their own).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use berth_engine::auth::registry_host;
use berth_engine::{Credentials, Engine, ProgressEvent, PullOptions as EnginePull};
use berth_spec::model::{Project, ServiceConfig};
use berth_spec::pull_policy::PullPolicy;
use futures::StreamExt;

use super::{local_image_digests, OpsError};
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};

/// Options of `pull`.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// `--ignore-pull-failures`: failures are reported but do not fail the command.
    pub ignore_failures: bool,
    /// `--ignore-buildable`: skip services that have a `build` section.
    pub ignore_buildable: bool,
    /// `-q/--quiet`: no layer progress (the caller usually discards every event too).
    pub quiet: bool,
    /// `--policy`: replaces the `pull_policy` of services with an image (`missing`, `always`).
    pub policy: Option<String>,
    /// Registry credentials.
    pub credentials: Credentials,
    /// `--parallel`: the most pulls at once (`None`: unlimited).
    pub parallel: Option<usize>,
    /// `--dry-run`: decide and report what would be pulled, pull nothing.
    pub dry_run: bool,
}

/// Why a pull failed, as far as the engine's message tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The repository or tag does not exist (or the registry hides it without credentials).
    NotFound,
    /// The registry refused access: credentials missing or wrong.
    Unauthorized,
    /// The registry could not be reached.
    Unreachable,
    /// Anything else (the engine's message says what).
    Other,
}

impl FailureKind {
    /// Classifies an engine's pull or push error message.
    pub fn classify(message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
        if any(&[
            "connection refused",
            "no such host",
            "i/o timeout",
            "network is unreachable",
            "no route to host",
            "server gave http response to https client",
            "tls: ",
            "connection reset",
            "dial tcp",
        ]) {
            Self::Unreachable
        } else if any(&["no basic auth credentials", "unauthorized", "authentication required", "incorrect username or password"]) {
            Self::Unauthorized
        } else if any(&["manifest unknown", "not found", "repository does not exist", "pull access denied", "does not exist locally", "no such image"]) {
            Self::NotFound
        } else if m.contains("denied") {
            Self::Unauthorized
        } else {
            Self::Other
        }
    }

    /// A short name for summaries.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotFound => "not found",
            Self::Unauthorized => "unauthorised",
            Self::Unreachable => "registry unreachable",
            Self::Other => "failed",
        }
    }
}

/// One image that could not be pulled or pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFailure {
    /// The service.
    pub service: String,
    /// The image reference.
    pub image: String,
    /// The classification.
    pub kind: FailureKind,
    /// The engine's message.
    pub message: String,
    /// Whether the service can build its image instead.
    pub buildable: bool,
    /// Whether credentials were sent.
    pub authenticated: bool,
}

impl ImageFailure {
    pub(crate) fn new(service: &str, image: &str, message: String, buildable: bool, authenticated: bool) -> Self {
        ImageFailure {
            service: service.to_owned(),
            image: image.to_owned(),
            kind: FailureKind::classify(&message),
            message,
            buildable,
            authenticated,
        }
    }

    /// What the user can do about it.
    pub fn hint(&self) -> String {
        let registry = registry_host(&self.image);
        let build = if self.buildable {
            format!("; service {} has build: — run `berth build {}`", self.service, self.service)
        } else {
            String::new()
        };
        match self.kind {
            FailureKind::NotFound => format!("check the image name and tag in service {}{build}", self.service),
            FailureKind::Unauthorized if self.authenticated => {
                format!("the registry {registry} refused the stored credentials: run `docker login {registry}` again{build}")
            }
            FailureKind::Unauthorized => {
                format!("no credentials for {registry} in the docker config: run `docker login {registry}`{build}")
            }
            FailureKind::Unreachable => {
                format!("is the registry {registry} running and reachable from the engine?{build}")
            }
            FailureKind::Other => {
                if self.buildable {
                    format!("service {} has build: — run `berth build {}`", self.service, self.service)
                } else {
                    String::new()
                }
            }
        }
    }
}

impl fmt::Display for ImageFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service {} ({}): {}: {}", self.service, self.image, self.kind.label(), self.message)?;
        let hint = self.hint();
        if !hint.is_empty() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Images that could not be pulled, as an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullFailures(pub Vec<ImageFailure>);

impl fmt::Display for PullFailures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [one] => write!(f, "pulling {one}"),
            many => {
                write!(f, "{} images could not be pulled:", many.len())?;
                for failure in many {
                    write!(f, "\n  {failure}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for PullFailures {}

/// What `pull` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Services whose image was pulled.
    pub pulled: Vec<String>,
    /// Failed pulls (including those of buildable services, which do not fail the command).
    pub failures: Vec<ImageFailure>,
    /// Services whose pull failed but which can be built: Compose's "must be built from
    /// source" warning names them.
    pub must_build: Vec<String>,
}

impl PullReport {
    /// The failures that fail the command: those of services that cannot be built, unless
    /// failures are ignored.
    pub fn fatal(&self, opts: &PullOptions) -> Option<PullFailures> {
        if opts.ignore_failures {
            return None;
        }
        let fatal: Vec<ImageFailure> = self.failures.iter().filter(|f| !f.buildable).cloned().collect();
        (!fatal.is_empty()).then_some(PullFailures(fatal))
    }
}

fn skipped(sink: &dyn EventSink, service: &str, text: &str) {
    sink.emit(Event::Progress(Progress::new(ResourceKind::Service, service, Status::Done, text)));
}

/// Whether `pull` with policy `missing` may skip `image`: present locally under a tag that is
/// not `latest` (Compose pulls `latest` even when present).
fn present_with_fixed_tag(image: &str, local: &BTreeMap<String, String>) -> bool {
    if image.contains('@') || !local.contains_key(image) {
        return false;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    let tag = last.split_once(':').map_or("latest", |(_, t)| t);
    tag != "latest"
}

/// `pull`: pulls the image of every service of `project` (already narrowed to the selected
/// services) that needs one, reporting through `sink`.
///
/// # Errors
/// When the local images cannot be listed. Failed pulls are in the report, not errors: the
/// caller decides with [`PullReport::fatal`].
pub async fn pull(
    engine: &dyn Engine,
    project: &Project,
    opts: &PullOptions,
    sink: &dyn EventSink,
) -> Result<PullReport, OpsError> {
    let local = local_image_digests(engine, project).await?;
    let mut being_pulled: BTreeMap<&str, &str> = BTreeMap::new();
    let mut jobs = Vec::new();
    for (name, service) in &project.services {
        if service.image.is_empty() {
            skipped(sink, name, "Skipped - No image to be pulled");
            continue;
        }
        let policy = opts.policy.as_deref().unwrap_or(&service.pull_policy);
        match policy {
            "never" | "build" => {
                skipped(sink, name, "Skipped");
                continue;
            }
            "missing" | "if_not_present" if present_with_fixed_tag(&service.image, &local) => {
                skipped(sink, name, "Skipped - Image is already present locally");
                continue;
            }
            _ => {}
        }
        if service.build.is_some() && opts.ignore_buildable {
            skipped(sink, name, "Skipped - Image can be built");
            continue;
        }
        if let Some(other) = being_pulled.get(service.image.as_str()) {
            skipped(sink, name, &format!("Skipped - Image is already being pulled by {other}"));
            continue;
        }
        being_pulled.insert(&service.image, name);
        jobs.push(service);
    }
    if opts.dry_run {
        let mut report = PullReport::default();
        for service in jobs {
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, &service.name, Status::Working, "Pulling")));
            sink.emit(Event::Progress(Progress::new(ResourceKind::Service, &service.name, Status::Done, "Pulled")));
            report.pulled.push(service.name.clone());
        }
        return Ok(report);
    }
    let default_platform = project.environment.get("DOCKER_DEFAULT_PLATFORM").cloned();
    let results = futures::stream::iter(jobs.into_iter().map(|service| {
        let platform = platform_of(service, default_platform.as_deref());
        async move {
            let buildable = service.build.is_some();
            let result = pull_service_image(engine, service, platform, &opts.credentials, opts.quiet, buildable, sink).await;
            (service, result)
        }
    }))
    .buffer_unordered(opts.parallel.unwrap_or(usize::MAX).max(1))
    .collect::<Vec<_>>()
    .await;
    let mut report = PullReport::default();
    for (service, result) in results {
        match result {
            Ok(()) => report.pulled.push(service.name.clone()),
            Err(failure) => {
                if failure.buildable {
                    report.must_build.push(service.name.clone());
                }
                report.failures.push(failure);
            }
        }
    }
    report.pulled.sort();
    report.must_build.sort();
    report.failures.sort_by(|a, b| a.service.cmp(&b.service));
    Ok(report)
}

/// The service's `platform`, else `DOCKER_DEFAULT_PLATFORM`.
fn platform_of(service: &ServiceConfig, default: Option<&str>) -> Option<String> {
    if service.platform.is_empty() {
        default.filter(|p| !p.is_empty()).map(str::to_owned)
    } else {
        Some(service.platform.clone())
    }
}

/// Pulls `service`'s image: `Pulling`, the layers' progress (unless `quiet`), then `Pulled`,
/// or `Error` (`Warning` when the image can be built instead) with the engine's message.
pub(crate) async fn pull_service_image(
    engine: &dyn Engine,
    service: &ServiceConfig,
    platform: Option<String>,
    credentials: &Credentials,
    quiet: bool,
    buildable: bool,
    sink: &dyn EventSink,
) -> Result<(), ImageFailure> {
    let name = service.name.as_str();
    let image = service.image.as_str();
    sink.emit(Event::Progress(Progress::new(ResourceKind::Service, name, Status::Working, "Pulling")));
    let auth = credentials.for_image(image);
    let authenticated = auth.is_some();
    let mut stream = engine.pull_image(&EnginePull { reference: image.to_owned(), platform, auth });
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) if !quiet => layer_event(name, &event, sink),
            Ok(_) => {}
            Err(e) => {
                let message = e.to_string();
                let (status, text) = if buildable { (Status::Warning, "Warning") } else { (Status::Error, "Error") };
                sink.emit(Event::Progress(
                    Progress::new(ResourceKind::Service, name, status, text).with_detail(message.clone()),
                ));
                return Err(ImageFailure::new(name, image, message, buildable, authenticated));
            }
        }
    }
    if refresh_period(service).is_some() && !image.contains('@') {
        // Records the pull in the engine's `LastTagTime` (see the module header). Should it
        // fail, the only cost is that the next `up` pulls again.
        let _ = engine.tag_image(image, image).await;
    }
    sink.emit(Event::Progress(Progress::new(ResourceKind::Service, name, Status::Done, "Pulled")));
    Ok(())
}

/// A layer's progress as Compose shows it under the service: only messages about a layer
/// with progress details; done once downloaded, present or extracted.
fn layer_event(service: &str, event: &ProgressEvent, sink: &dyn EventSink) {
    let (Some(id), Some(status)) = (event.id.as_deref(), event.status.as_deref()) else { return };
    if id.is_empty() || status.starts_with("Pulling from") {
        // `1.0: Pulling from repo` names the tag, not a layer; Compose drops it (it has no
        // progress details).
        return;
    }
    let done = matches!(status, "Download complete" | "Already exists" | "Pull complete")
        || status.contains("Image is up to date")
        || status.contains("Downloaded newer image");
    let (current, total) = match status {
        "Downloading" | "Extracting" | "Verifying Checksum" => (event.current.unwrap_or(0), event.total.unwrap_or(0)),
        _ => (0, 0),
    };
    let percent = if done {
        100
    } else if total > 0 {
        u8::try_from(current.saturating_mul(100) / total).unwrap_or(100).min(100)
    } else {
        0
    };
    let mut progress = Progress::new(ResourceKind::Service, id, if done { Status::Done } else { Status::Working }, status)
        .with_parent(service, current, total, percent);
    if let Some(bar) = event.progress.as_deref().filter(|b| !b.is_empty()) {
        progress = progress.with_detail(bar);
    }
    sink.emit(Event::Progress(progress));
}

/// Whether a failed pull of `service`'s image does not matter because the image can be
/// built: the service, or another with the same image, has a `build` section.
pub(crate) fn image_buildable(service: &ServiceConfig, project: &Project) -> bool {
    service.build.is_some()
        || (!service.image.is_empty()
            && project.services.values().any(|s| s.image == service.image && s.build.is_some()))
}

/// The refresh period of `service`'s own `pull_policy`, if it has one.
fn refresh_period(service: &ServiceConfig) -> Option<Duration> {
    PullPolicy::parse(&service.pull_policy).ok().and_then(PullPolicy::refresh_period)
}

/// Whether an image last pulled (tagged) at `last` is due for a refresh at `now` (both in
/// nanoseconds since the epoch): when its age reaches `period`, or when the engine does not
/// know when it was last pulled.
fn refresh_due(last: Option<i128>, period: Duration, now: i128) -> bool {
    let Some(last) = last else { return true };
    let period = i128::try_from(period.as_nanos()).unwrap_or(i128::MAX);
    now.saturating_sub(last) >= period
}

/// The present images of services with a refresh policy that are due for a pull, read from
/// the engine's record of their last tag (see the module header).
pub(crate) async fn due_refreshes(
    engine: &dyn Engine,
    project: &Project,
    local: &BTreeMap<String, String>,
) -> Result<BTreeSet<String>, OpsError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX));
    let mut due = BTreeSet::new();
    for service in project.services.values() {
        let Some(period) = refresh_period(service) else { continue };
        if !local.contains_key(&service.image) || due.contains(&service.image) {
            continue;
        }
        let last = match engine.image_last_tag_time(&service.image).await {
            Ok(time) => time.as_deref().and_then(crate::wait::parse_rfc3339),
            Err(e) if e.is_not_found() => None,
            Err(source) => {
                return Err(OpsError::Engine { context: format!("inspecting image {}", service.image), source })
            }
        };
        if refresh_due(last, period, now) {
            due.insert(service.image.clone());
        }
    }
    Ok(due)
}

/// Which services `up`/`create` pull, by Docker Compose's `pullRequiredImages`: those with an
/// image and policy `always`, or a missing image and policy `missing`/`if_not_present`/unset;
/// never `never` or `build`; with a refresh policy, a missing image or one in `due`
/// ([`due_refreshes`]). Policies Compose does not know pull like `always`, as in Compose.
pub(crate) fn services_to_pull<'p>(
    project: &'p Project,
    local: &BTreeMap<String, String>,
    due: &BTreeSet<String>,
) -> Vec<&'p ServiceConfig> {
    let mut seen = BTreeSet::new();
    project
        .services
        .values()
        .filter(|s| !s.image.is_empty())
        .filter(|s| match PullPolicy::parse(&s.pull_policy) {
            Ok(PullPolicy::Missing) => !local.contains_key(&s.image),
            Ok(PullPolicy::Never | PullPolicy::Build) => false,
            Ok(PullPolicy::Refresh(_)) => !local.contains_key(&s.image) || due.contains(&s.image),
            Ok(PullPolicy::Always) | Err(_) => true,
        })
        .filter(|s| seen.insert(s.image.clone()))
        .collect()
}

/// The pulls `up`/`create` make before creating containers, concurrently. A failure fails
/// `up` unless the image can be built.
pub(crate) async fn pull_required(
    engine: &dyn Engine,
    project: &Project,
    local: &BTreeMap<String, String>,
    credentials: &Credentials,
    quiet: bool,
    sink: &dyn EventSink,
) -> Result<usize, OpsError> {
    let due = due_refreshes(engine, project, local).await?;
    let needed = services_to_pull(project, local, &due);
    if needed.is_empty() {
        return Ok(0);
    }
    let default_platform = project.environment.get("DOCKER_DEFAULT_PLATFORM").cloned();
    let results = futures::future::join_all(needed.iter().map(|service| {
        let platform = platform_of(service, default_platform.as_deref());
        let buildable = image_buildable(service, project);
        pull_service_image(engine, service, platform, credentials, quiet, buildable, sink)
    }))
    .await;
    let failures: Vec<ImageFailure> = results.into_iter().filter_map(Result::err).filter(|f| !f.buildable).collect();
    if failures.is_empty() {
        Ok(needed.len())
    } else {
        Err(OpsError::Pull(PullFailures(failures)))
    }
}

/// `image` pinned to `digest` as Docker's reference library writes it: the full name
/// (`docker.io/library/` for Docker Hub's official images), the tag (`latest` when none), then
/// `@digest`. An image that already has a digest keeps it and loses its tag.
pub fn pinned_reference(image: &str, digest: &str) -> String {
    let (name, existing) = match image.split_once('@') {
        Some((name, d)) => (name, Some(d)),
        None => (image, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i.saturating_add(1));
    let (repo, tag) = match name.get(last_slash..).and_then(|last| last.rfind(':')) {
        Some(i) => {
            let at = last_slash.saturating_add(i);
            (name.get(..at).unwrap_or(name), name.get(at.saturating_add(1)..).unwrap_or("latest"))
        }
        None => (name, "latest"),
    };
    let host = registry_host(repo);
    let path = match repo.split_once('/') {
        Some((first, rest)) if registry_host(repo) != "docker.io" || first.contains('.') => rest,
        _ => repo,
    };
    let path = if host == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path.to_owned() };
    match existing {
        Some(d) => format!("{host}/{path}@{d}"),
        None => format!("{host}/{path}:{tag}@{digest}"),
    }
}

/// The digest the registry serves for `image`, asked with the credentials for its registry.
///
/// # Errors
/// When the registry does not know the image or cannot be reached.
pub async fn registry_digest(engine: &dyn Engine, image: &str, credentials: &Credentials) -> Result<String, OpsError> {
    let auth = credentials.for_image(image);
    engine
        .registry_digest(image, auth.as_ref())
        .await
        .map_err(|source| OpsError::Engine { context: format!("resolving the digest of {image}"), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Recorder;
    use berth_engine::{FakeEngine, ImageConfig};

    /// A project from its canonical JSON form.
    fn project(json: &str) -> Project {
        let mut p: Project = serde_json::from_str(json).unwrap();
        p.name = "pulltest".into();
        for (name, s) in &mut p.services {
            s.name.clone_from(name);
        }
        p
    }

    #[test]
    fn classifies_engine_messages() {
        let c = FailureKind::classify;
        assert_eq!(c("manifest for r:5000/a:nope not found: manifest unknown: manifest unknown"), FailureKind::NotFound);
        assert_eq!(
            c("pull access denied for nope, repository does not exist or may require 'docker login'"),
            FailureKind::NotFound
        );
        assert_eq!(c("Head \"http://127.0.0.1:5001/v2/a/manifests/1\": no basic auth credentials"), FailureKind::Unauthorized);
        assert_eq!(c("unauthorized: authentication required"), FailureKind::Unauthorized);
        assert_eq!(c("Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: connection refused"), FailureKind::Unreachable);
        assert_eq!(c("denied: requested access to the resource is denied"), FailureKind::Unauthorized);
        assert_eq!(c("something else"), FailureKind::Other);
    }

    #[test]
    fn pinned_references_are_normalised() {
        let d = "sha256:abc";
        assert_eq!(pinned_reference("busybox", d), "docker.io/library/busybox:latest@sha256:abc");
        assert_eq!(pinned_reference("user/app:1", d), "docker.io/user/app:1@sha256:abc");
        assert_eq!(pinned_reference("docker.io/library/redis:7", d), "docker.io/library/redis:7@sha256:abc");
        assert_eq!(pinned_reference("127.0.0.1:5000/a/b", d), "127.0.0.1:5000/a/b:latest@sha256:abc");
        assert_eq!(pinned_reference("127.0.0.1:5000/a/b:1.0", d), "127.0.0.1:5000/a/b:1.0@sha256:abc");
        assert_eq!(pinned_reference("ghcr.io/o/r:2@sha256:old", d), "ghcr.io/o/r@sha256:old");
    }

    #[tokio::test]
    async fn registry_digests_come_from_the_engine() {
        let engine = FakeEngine::new();
        engine.add_registry_image("a:1", ImageConfig::default());
        let creds = Credentials::default();
        let d = registry_digest(&engine, "a:1", &creds).await.unwrap();
        assert!(d.starts_with("sha256:") && d.len() == 71, "{d}");
        assert!(registry_digest(&engine, "b:1", &creds).await.is_err());
    }

    #[test]
    fn hints_name_the_fix() {
        let f = ImageFailure::new("web", "127.0.0.1:5001/a:1", "no basic auth credentials".into(), false, false);
        assert_eq!(f.hint(), "no credentials for 127.0.0.1:5001 in the docker config: run `docker login 127.0.0.1:5001`");
        let f = ImageFailure::new("web", "a:1", "manifest unknown".into(), true, false);
        assert!(f.hint().ends_with("service web has build: — run `berth build web`"), "{}", f.hint());
    }

    #[test]
    fn missing_policy_pulls_latest_even_when_present() {
        let local: BTreeMap<String, String> =
            [("a:1".to_owned(), "x".to_owned()), ("b".to_owned(), "y".to_owned()), ("c:latest".to_owned(), "z".to_owned())].into();
        assert!(present_with_fixed_tag("a:1", &local));
        assert!(!present_with_fixed_tag("b", &local));
        assert!(!present_with_fixed_tag("c:latest", &local));
        assert!(!present_with_fixed_tag("d:1", &local));
        assert!(present_with_fixed_tag("reg:5000/a:1", &[("reg:5000/a:1".to_owned(), String::new())].into()));
    }

    #[test]
    fn up_pulls_by_policy() {
        let p = project(
            r#"{"services":{
                "a":{"image":"a:1"},"b":{"image":"b:1"},"c":{"image":"c:1","pull_policy":"always"},
                "d":{"image":"d:1","pull_policy":"never"},"e":{"build":{"context":"."}},
                "f":{"image":"f:1","pull_policy":"build"},"g":{"image":"a:1","pull_policy":"missing"}}}"#,
        );
        let local: BTreeMap<String, String> = [("b:1".to_owned(), "id".to_owned())].into();
        let names: Vec<&str> = services_to_pull(&p, &local, &BTreeSet::new()).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
    }

    #[test]
    fn refresh_policies_pull_missing_and_due_images() {
        let p = project(
            r#"{"services":{
                "fresh":{"image":"fresh:1","pull_policy":"daily"},"stale":{"image":"stale:1","pull_policy":"weekly"},
                "gone":{"image":"gone:1","pull_policy":"every_1h30m"}}}"#,
        );
        let local: BTreeMap<String, String> = [("fresh:1".to_owned(), "x".to_owned()), ("stale:1".to_owned(), "y".to_owned())].into();
        let due: BTreeSet<String> = ["stale:1".to_owned()].into();
        let names: Vec<&str> = services_to_pull(&p, &local, &due).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["gone", "stale"]);
    }

    #[test]
    fn refresh_is_due_once_the_period_has_passed_or_when_unknown() {
        let hour = Duration::from_hours(1);
        let now: i128 = 10_000 * 1_000_000_000;
        let ago = |secs: i128| Some(now - secs * 1_000_000_000);
        assert!(!refresh_due(ago(3599), hour, now));
        assert!(refresh_due(ago(3600), hour, now));
        assert!(refresh_due(ago(7200), hour, now));
        assert!(refresh_due(None, hour, now));
        // A tag time ahead of this machine's clock (engine clock skew) is fresh.
        assert!(!refresh_due(ago(-60), hour, now));
        assert!(refresh_due(ago(0), Duration::ZERO, now));
    }

    #[tokio::test]
    async fn up_records_refresh_pulls_and_reads_them_back() {
        let engine = FakeEngine::new();
        engine.add_registry_image("r:1", ImageConfig::default());
        engine.add_registry_image("plain:1", ImageConfig::default());
        let p = project(r#"{"services":{"r":{"image":"r:1","pull_policy":"every_1w"},"plain":{"image":"plain:1","pull_policy":"always"}}}"#);
        let local = BTreeMap::new();
        let pulled = pull_required(&engine, &p, &local, &Credentials::default(), true, &Recorder::new()).await.unwrap();
        assert_eq!(pulled, 2);
        // The refresh service's image was tagged onto itself: its last pull is known, and a
        // week has not passed.
        assert!(engine.image_last_tag_time("r:1").await.unwrap().is_some());
        assert!(engine.image_last_tag_time("plain:1").await.unwrap().is_none());
        let local = local_image_digests(&engine, &p).await.unwrap();
        assert!(due_refreshes(&engine, &p, &local).await.unwrap().is_empty());
        let names: Vec<&str> = services_to_pull(&p, &local, &BTreeSet::new()).iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["plain"]);
        // An image pulled by something else (no tag time) is due.
        let p = project(r#"{"services":{"plain":{"image":"plain:1","pull_policy":"daily"}}}"#);
        let due = due_refreshes(&engine, &p, &local).await.unwrap();
        assert_eq!(due, ["plain:1".to_owned()].into());
    }

    #[tokio::test]
    async fn pull_skips_and_reports_failures() {
        let engine = FakeEngine::new();
        engine.add_registry_image("ok:1", ImageConfig::default());
        let p = project(
            r#"{"services":{
                "built":{"build":{"context":"."}},"ok":{"image":"ok:1"},"gone":{"image":"gone:1"},
                "twin":{"image":"ok:1"},"never":{"image":"x:1","pull_policy":"never"},
                "both":{"image":"nothere:1","build":{"context":"."}}}}"#,
        );
        let rec = Recorder::new();
        let report = pull(&engine, &p, &PullOptions::default(), &rec).await.unwrap();
        assert_eq!(report.pulled, ["ok"]);
        assert_eq!(report.must_build, ["both"]);
        let failed: Vec<(&str, FailureKind)> = report.failures.iter().map(|f| (f.service.as_str(), f.kind)).collect();
        assert_eq!(failed, [("both", FailureKind::NotFound), ("gone", FailureKind::NotFound)]);
        let fatal = report.fatal(&PullOptions::default()).unwrap();
        assert_eq!(fatal.0.len(), 1);
        assert!(report.fatal(&PullOptions { ignore_failures: true, ..PullOptions::default() }).is_none());
        let lines = rec.progress_lines();
        assert!(lines.contains(&"Service built Skipped - No image to be pulled".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service never Skipped".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service twin Skipped - Image is already being pulled by ok".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service both Warning".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service ok Pulled".to_owned()), "{lines:?}");
    }

    #[tokio::test]
    async fn ignore_buildable_and_policy() {
        let engine = FakeEngine::new();
        engine.add_registry_image("a:1", ImageConfig::default());
        engine.add_registry_image("b:1", ImageConfig::default());
        let p = project(r#"{"services":{"a":{"image":"a:1","build":{"context":"."}},"b":{"image":"b:1","pull_policy":"never"}}}"#);
        let opts = PullOptions { ignore_buildable: true, policy: Some("always".into()), ..PullOptions::default() };
        let rec = Recorder::new();
        let report = pull(&engine, &p, &opts, &rec).await.unwrap();
        assert_eq!(report.pulled, ["b"]);
        assert!(rec.progress_lines().contains(&"Service a Skipped - Image can be built".to_owned()));
    }

    #[tokio::test]
    async fn dry_run_reports_the_pulls_and_pulls_nothing() {
        let engine = FakeEngine::new();
        engine.add_registry_image("a:1", ImageConfig::default());
        let p = project(r#"{"services":{"a":{"image":"a:1"},"b":{"image":"b:1","pull_policy":"never"}}}"#);
        let opts = PullOptions { dry_run: true, ..PullOptions::default() };
        let rec = Recorder::new();
        let report = pull(&engine, &p, &opts, &rec).await.unwrap();
        assert_eq!(report.pulled, ["a"]);
        assert!(engine.calls().iter().all(|c| !c.starts_with("pull_image")), "{:?}", engine.calls());
        let lines = rec.progress_lines();
        assert!(lines.contains(&"Service a Pulled".to_owned()), "{lines:?}");
        assert!(lines.contains(&"Service b Skipped".to_owned()), "{lines:?}");
    }
}
