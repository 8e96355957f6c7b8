//! The read-only commands' view of the engine: `ps`, `ls`, `top`, `port`, `images`, `events`
//! and the container selection of `stats`, worked out from `com.docker.compose.*` labels alone
//! so they answer for a project name without its compose file — as Docker Compose does.
//!
//! Each function makes the listings Docker Compose makes (same label filters, same one-off and
//! stopped-container rules) and returns plain data; rendering belongs to the CLI. The rules
//! follow docker/compose `pkg/compose/{ps,ls,top,port,images,events,containers}.go` (2.26.1).

use std::collections::{BTreeMap, BTreeSet};

use berth_engine::{
    ContainerListOptions, ContainerStatus, ContainerSummary, Engine, EngineError, EventKind, EventOptions, Filters,
    HealthStatus, PortProtocol,
};
use futures::{Stream, StreamExt};

use crate::labels;

/// A read-only query failed.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// An engine call failed; the engine's message is shown as is, like Docker Compose does.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The request cannot be answered (no running container, no such port...). The message is
    /// Docker Compose's.
    #[error("{0}")]
    Failed(String),
}

/// Whether one-off (`run`) containers are part of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OneOff {
    /// Only service containers.
    Exclude,
    /// Service and one-off containers.
    Include,
}

/// The label filters Docker Compose lists a project's containers with: the project, the
/// service when exactly one is asked for, the presence of a config hash, and the one-off rule.
pub fn project_filters(project: &str, oneoff: OneOff, services: &[String]) -> Filters {
    let mut f = Filters::new().label(labels::project_filter(project));
    if let [only] = services {
        f = f.label(labels::filter(labels::SERVICE, only));
    }
    f = f.label(labels::CONFIG_HASH);
    if oneoff == OneOff::Exclude {
        f = f.label(labels::filter(labels::ONEOFF, "False"));
    }
    f
}

/// The project's containers, as Docker Compose's `getContainers` lists them: `stopped` adds
/// stopped containers; several `services` are filtered after listing.
pub async fn project_containers(
    engine: &dyn Engine,
    project: &str,
    oneoff: OneOff,
    stopped: bool,
    services: &[String],
) -> Result<Vec<ContainerSummary>, QueryError> {
    let filters = project_filters(&project.to_lowercase(), oneoff, services);
    let list = engine.list_containers(&ContainerListOptions { all: stopped, filters }).await?;
    Ok(if services.len() > 1 { list.into_iter().filter(|c| is_service(c, services)).collect() } else { list })
}

fn is_service(c: &ContainerSummary, services: &[String]) -> bool {
    c.labels.get(labels::SERVICE).is_some_and(|s| services.iter().any(|x| x == s))
}

/// A container's own name: the first name that is not a legacy link alias (`other/alias`),
/// else the short id.
pub fn canonical_name(c: &ContainerSummary) -> String {
    if let Some(name) = c.names.iter().find(|n| !n.contains('/')) {
        return name.clone();
    }
    match c.names.first() {
        Some(n) => n.clone(),
        None => short_id(&c.id).to_owned(),
    }
}

/// The first 12 characters of an id (the whole id when shorter), without a `sha256:` prefix.
pub fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    id.get(..12).unwrap_or(id)
}

// ------------------------------------------------------------------------------------ ps

/// A published or exposed port of a container, as `ps` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortPublisher {
    /// Host address (empty when only exposed).
    pub url: String,
    /// Container port.
    pub target_port: u16,
    /// Host port (0 when only exposed).
    pub published_port: u16,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// One container as `ps` shows it (Docker Compose's `api.ContainerSummary`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerEntry {
    /// Full id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Every name (link aliases included), without the leading `/`.
    pub names: Vec<String>,
    /// Image as given at creation.
    pub image: String,
    /// Command line.
    pub command: String,
    /// Project label.
    pub project: String,
    /// Service label.
    pub service: String,
    /// Creation time, Unix seconds.
    pub created: i64,
    /// `running`, `exited`, ...
    pub state: String,
    /// Human status (`Up 3 minutes (healthy)`).
    pub status: String,
    /// Health of a running container with a health check (`healthy`, ...), else empty.
    pub health: String,
    /// Exit code of an exited or dead container, else 0.
    pub exit_code: i64,
    /// Ports, by container port.
    pub publishers: Vec<PortPublisher>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Mount names (volume name, else source path).
    pub mounts: Vec<String>,
    /// Networks the container is attached to.
    pub networks: Vec<String>,
    /// Mounts using the `local` volume driver.
    pub local_volumes: usize,
}

/// What `ps` lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PsOptions {
    /// Stopped and one-off containers too (`-a`, or any `--status`).
    pub all: bool,
    /// Only these services (empty: all).
    pub services: Vec<String>,
}

/// The containers of `project` with their health and exit codes, in engine order; the CLI
/// sorts them by name.
///
/// Docker Compose inspects every container for its health and exit code. Docker's listing
/// already carries both in the status text (`Up 3 minutes (healthy)`, `Exited (3) 2 minutes
/// ago`), written from the same state the inspect reads, so berth only inspects the
/// containers whose text does not say (a dead container, an unexpected text) and, on Podman,
/// whose listing words its status its own way, every one (concurrently).
pub async fn ps(engine: &dyn Engine, project: &str, options: &PsOptions) -> Result<Vec<ContainerEntry>, QueryError> {
    let oneoff = if options.all { OneOff::Include } else { OneOff::Exclude };
    let mut containers = project_containers(engine, project, oneoff, options.all, &options.services).await?;
    if !options.services.is_empty() {
        containers.retain(|c| is_service(c, &options.services));
    }
    let trust_status = !engine.capabilities().is_podman;
    let entries = containers.into_iter().map(|c| async move {
        if trust_status {
            if let Some((health, exit_code)) = health_and_exit_from_status(&c) {
                return Ok::<_, QueryError>(entry_from(c, health, exit_code));
            }
        }
        let details = engine.inspect_container(&c.id).await?;
        let state = &details.state;
        let (health, exit_code) = match state.status {
            ContainerStatus::Running => {
                (state.health.as_ref().map(|h| h.status.as_str().to_owned()).unwrap_or_default(), 0)
            }
            ContainerStatus::Exited | ContainerStatus::Dead => (String::new(), state.exit_code),
            _ => (String::new(), 0),
        };
        Ok::<_, QueryError>(entry_from(c, health, exit_code))
    });
    futures::future::try_join_all(entries).await
}

/// The health of a running container and the exit code of an exited one, as `ps` reports
/// them, read from Docker's status text: `Up 3 minutes`, `Up 3 minutes (healthy)`,
/// `Up 1 second (health: starting)`, `Exited (3) 2 minutes ago`. `None` when the text does not
/// say (dead containers, whose status is `Dead`, or any other wording).
fn health_and_exit_from_status(c: &ContainerSummary) -> Option<(String, i64)> {
    let status = c.status.as_str();
    match c.state {
        ContainerStatus::Running => {
            let rest = status.strip_prefix("Up ")?;
            let Some(open) = rest.rfind(" (") else {
                return (!rest.contains(['(', ')'])).then(|| (String::new(), 0));
            };
            let inner = rest.get(open + 2..)?.strip_suffix(')')?;
            let health = match inner {
                "healthy" => HealthStatus::Healthy,
                "unhealthy" => HealthStatus::Unhealthy,
                "health: starting" => HealthStatus::Starting,
                _ => return None,
            };
            Some((health.as_str().to_owned(), 0))
        }
        ContainerStatus::Exited => {
            let code = status.strip_prefix("Exited (")?.split_once(')')?.0.parse().ok()?;
            Some((String::new(), code))
        }
        ContainerStatus::Dead => None,
        _ => Some((String::new(), 0)),
    }
}

fn entry_from(c: ContainerSummary, health: String, exit_code: i64) -> ContainerEntry {
    let mut ports = c.ports.clone();
    ports.sort_by_key(|p| p.private_port);
    let publishers = ports
        .iter()
        .map(|p| PortPublisher {
            url: p.ip.clone().unwrap_or_default(),
            target_port: p.private_port,
            published_port: p.public_port.unwrap_or(0),
            protocol: p.protocol.to_string(),
        })
        .collect();
    let mounts = c.mounts.iter().map(|m| m.name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| m.source.clone())).collect();
    let local_volumes = c.mounts.iter().filter(|m| m.driver.as_deref() == Some("local")).count();
    ContainerEntry {
        name: canonical_name(&c),
        project: c.labels.get(labels::PROJECT).cloned().unwrap_or_default(),
        service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        state: c.state.as_str().to_owned(),
        networks: c.networks.keys().cloned().collect(),
        id: c.id,
        names: c.names,
        image: c.image,
        command: c.command,
        created: c.created,
        status: c.status,
        health,
        exit_code,
        publishers,
        labels: c.labels,
        mounts,
        local_volumes,
    }
}

// ------------------------------------------------------------------------------------ ls

/// A project as `ls` shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stack {
    /// Project name.
    pub name: String,
    /// State counts: `exited(1), running(2)`.
    pub status: String,
    /// Compose files, comma-separated, first seen first (`N/A` when a container lacks the label).
    pub config_files: String,
}

/// The projects with containers on the engine (running ones, or all with `all`), sorted by
/// name, and the warnings Docker Compose logs while listing them.
pub async fn list_projects(engine: &dyn Engine, all: bool) -> Result<(Vec<Stack>, Vec<String>), QueryError> {
    let filters = Filters::new().label(labels::PROJECT).label(labels::CONFIG_HASH);
    let containers = engine.list_containers(&ContainerListOptions { all, filters }).await?;
    stacks_from(&containers)
}

/// Groups containers into projects (the part of [`list_projects`] that needs no engine).
pub fn stacks_from(containers: &[ContainerSummary]) -> Result<(Vec<Stack>, Vec<String>), QueryError> {
    let mut by_project: BTreeMap<&str, Vec<&ContainerSummary>> = BTreeMap::new();
    for c in containers {
        let project = c.labels.get(labels::PROJECT).ok_or_else(|| missing_label(labels::PROJECT, &c.id))?;
        by_project.entry(project).or_default().push(c);
    }
    let mut warnings = Vec::new();
    let stacks = by_project
        .into_iter()
        .map(|(name, members)| {
            let config_files = combined_config_files(&members).unwrap_or_else(|w| {
                warnings.push(w);
                "N/A".to_owned()
            });
            let states: Vec<&str> = members.iter().map(|c| c.state.as_str()).collect();
            Stack { name: name.to_owned(), status: combined_status(&states), config_files }
        })
        .collect();
    Ok((stacks, warnings))
}

fn missing_label(label: &str, id: &str) -> QueryError {
    QueryError::Failed(missing_label_text(label, id))
}

fn missing_label_text(label: &str, id: &str) -> String {
    format!("No label {label:?} set on container {id:?} of compose project")
}

fn combined_config_files(containers: &[&ContainerSummary]) -> Result<String, String> {
    let mut files: Vec<&str> = Vec::new();
    for c in containers {
        let label = c.labels.get(labels::CONFIG_FILES).ok_or_else(|| missing_label_text(labels::CONFIG_FILES, &c.id))?;
        for f in label.split(',') {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    Ok(files.join(","))
}

/// `state(count)` for each state, sorted by state: `exited(1), running(2)`.
pub fn combined_status(states: &[&str]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in states {
        *counts.entry(s).or_default() += 1;
    }
    counts.iter().map(|(s, n)| format!("{s}({n})")).collect::<Vec<_>>().join(", ")
}

// ------------------------------------------------------------------------------------ top

/// The processes of one container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcSummary {
    /// Container id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// Column titles.
    pub titles: Vec<String>,
    /// One row per process.
    pub processes: Vec<Vec<String>>,
}

/// The processes of the project's running containers (one-off ones included), sorted by
/// container name.
pub async fn top(engine: &dyn Engine, project: &str, services: &[String]) -> Result<Vec<ProcSummary>, QueryError> {
    let mut containers = project_containers(engine, project, OneOff::Include, false, services).await?;
    if !services.is_empty() {
        containers.retain(|c| is_service(c, services));
    }
    let tops = containers.into_iter().map(|c| async move {
        let result = engine.top(&c.id, None).await?;
        Ok::<_, QueryError>(ProcSummary {
            name: canonical_name(&c),
            id: c.id,
            titles: result.titles,
            processes: result.processes,
        })
    });
    let mut summaries = futures::future::try_join_all(tops).await?;
    summaries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(summaries)
}

// ------------------------------------------------------------------------------------ port

/// The host address and port published for `port/protocol` of a service's container: the one
/// numbered `index`, or the lowest-numbered running one when `index` is 0. An exposed but
/// unpublished port gives `("", 0)`, as in Docker Compose.
pub async fn port(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    port: u16,
    protocol: &str,
    index: u32,
) -> Result<(String, u16), QueryError> {
    let container = specified_container(engine, project, service, index).await?;
    let wanted: Option<PortProtocol> = protocol.parse().ok();
    for p in &container.ports {
        if p.private_port == port && Some(p.protocol) == wanted {
            return Ok((p.ip.clone().unwrap_or_default(), p.public_port.unwrap_or(0)));
        }
    }
    let available: Vec<String> =
        container.ports.iter().map(|p| format!("{}/{}", p.public_port.unwrap_or(0), p.protocol)).collect();
    Err(QueryError::Failed(format!(
        "no port {port}/{protocol} for container {}: {}",
        canonical_name(&container),
        available.join(", ")
    )))
}

/// The running container of `service` numbered `index` (0: the lowest number), one-off
/// containers included, as Docker Compose's `getSpecifiedContainer` picks it.
pub async fn specified_container(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    index: u32,
) -> Result<ContainerSummary, QueryError> {
    let mut filters = project_filters(&project.to_lowercase(), OneOff::Include, &[service.to_owned()]);
    if index > 0 {
        filters = filters.label(labels::filter(labels::CONTAINER_NUMBER, &index.to_string()));
    }
    let mut containers = engine.list_containers(&ContainerListOptions { all: false, filters }).await?;
    if containers.is_empty() {
        return Err(QueryError::Failed(if index > 0 {
            format!("service {service:?} is not running container #{index}")
        } else {
            format!("service {service:?} is not running")
        }));
    }
    let number = |c: &ContainerSummary| {
        c.labels.get(labels::CONTAINER_NUMBER).and_then(|n| n.parse::<i64>().ok()).unwrap_or(0)
    };
    containers.sort_by_key(number);
    Ok(containers.swap_remove(0))
}

// ------------------------------------------------------------------------------------ images

/// The image a container runs, as `images` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageEntry {
    /// Image id (`sha256:…`).
    pub id: String,
    /// The container using it.
    pub container_name: String,
    /// Repository in its familiar form (`busybox`, `user/app`, `registry:5000/app`); empty
    /// for an untagged image.
    pub repository: String,
    /// Tag; empty for an untagged image.
    pub tag: String,
    /// Size in bytes.
    pub size: i64,
}

/// The images of the project's containers (stopped ones included), one entry per container in
/// engine order; each image is inspected once.
pub async fn images(engine: &dyn Engine, project: &str, services: &[String]) -> Result<Vec<ImageEntry>, QueryError> {
    let filters = Filters::new().label(labels::project_filter(&project.to_lowercase()));
    let mut containers = engine.list_containers(&ContainerListOptions { all: true, filters }).await?;
    if !services.is_empty() {
        containers.retain(|c| is_service(c, services));
    }
    let ids: BTreeSet<&str> = containers.iter().map(|c| c.image_id.as_str()).collect();
    let inspected = futures::future::join_all(ids.iter().map(|id| engine.inspect_image(id))).await;
    let mut by_id: BTreeMap<&str, ImageEntry> = BTreeMap::new();
    for (id, result) in ids.iter().zip(inspected) {
        match result {
            Ok(img) => {
                let (repository, tag) = img.repo_tags.first().map(|t| familiar_reference(t)).unwrap_or_default();
                by_id.insert(id, ImageEntry { id: img.id, container_name: String::new(), repository, tag, size: img.size });
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(QueryError::Failed(format!("unable to get image '{id}': {e}"))),
        }
    }
    containers
        .iter()
        .map(|c| {
            let mut entry = by_id.get(c.image_id.as_str()).cloned().ok_or_else(|| {
                QueryError::Failed(format!("failed to retrieve image for container {}", canonical_name(c)))
            })?;
            entry.container_name = canonical_name(c);
            Ok(entry)
        })
        .collect()
}

/// Splits `repo[:tag]` into the repository's familiar name (`docker.io/library/` dropped) and
/// its tag (`latest` when none).
pub fn familiar_reference(reference: &str) -> (String, String) {
    let without_digest = reference.split_once('@').map_or(reference, |(r, _)| r);
    let slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match without_digest.get(slash..).and_then(|last| last.rfind(':')) {
        Some(colon) => {
            let at = slash + colon;
            (without_digest.get(..at).unwrap_or(without_digest), without_digest.get(at + 1..).unwrap_or(""))
        }
        None => (without_digest, "latest"),
    };
    let familiar = repo
        .strip_prefix("docker.io/library/")
        .or_else(|| repo.strip_prefix("index.docker.io/library/"))
        .or_else(|| repo.strip_prefix("docker.io/"))
        .or_else(|| repo.strip_prefix("index.docker.io/"))
        .unwrap_or(repo);
    (familiar.to_owned(), tag.to_owned())
}

// ------------------------------------------------------------------------------------ events

/// A container event of the project, as `events` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEvent {
    /// Time in nanoseconds since the Unix epoch.
    pub time_nano: i64,
    /// Service label.
    pub service: String,
    /// Container id.
    pub container: String,
    /// Action as the engine spells it (`start`, `health_status: healthy`).
    pub action: String,
    /// Attributes without the `com.docker.compose.*` labels.
    pub attributes: BTreeMap<String, String>,
}

/// The project's container events (one-off containers left out), from now until the stream is
/// dropped; `services` restricts them to some services.
pub fn events(
    engine: &dyn Engine,
    project: &str,
    services: Vec<String>,
) -> impl Stream<Item = Result<ProjectEvent, QueryError>> + Send + 'static {
    let options = EventOptions {
        filters: Filters::new().label(labels::project_filter(&project.to_lowercase())),
        ..EventOptions::default()
    };
    engine.events(&options).filter_map(move |item| {
        let out = match item {
            Err(e) => Some(Err(QueryError::Engine(e))),
            Ok(e) => project_event(e, &services).map(Ok),
        };
        std::future::ready(out)
    })
}

fn project_event(e: berth_engine::EngineEvent, services: &[String]) -> Option<ProjectEvent> {
    if e.kind != EventKind::Container || e.attributes.get(labels::ONEOFF).is_some_and(|v| v == "True") {
        return None;
    }
    let service = e.attributes.get(labels::SERVICE).cloned().unwrap_or_default();
    if !services.is_empty() && !services.contains(&service) {
        return None;
    }
    let attributes = e.attributes.into_iter().filter(|(k, _)| !k.starts_with("com.docker.compose.")).collect();
    Some(ProjectEvent { time_nano: e.time_nano, service, container: e.actor_id, action: e.action, attributes })
}

// ------------------------------------------------------------------------------------ stats

/// The containers `stats` samples: the project's (all of them with `all`, else the running
/// ones), optionally one service's, in engine order. Unlike the other queries this one, like
/// Docker Compose's, needs neither a config hash nor the one-off label.
pub async fn stats_containers(
    engine: &dyn Engine,
    project: &str,
    service: Option<&str>,
    all: bool,
) -> Result<Vec<ContainerSummary>, QueryError> {
    let mut filters = Filters::new().label(labels::project_filter(project));
    if let Some(s) = service {
        filters = filters.label(labels::filter(labels::SERVICE, s));
    }
    Ok(engine.list_containers(&ContainerListOptions { all, filters }).await?)
}

/// The container events `stats` follows to add and drop containers while streaming: the
/// same label filters as [`stats_containers`], container events only.
pub fn stats_events(engine: &dyn Engine, project: &str, service: Option<&str>) -> berth_engine::EngineStream<berth_engine::EngineEvent> {
    let mut filters = Filters::new().label(labels::project_filter(project)).with("type", "container");
    if let Some(s) = service {
        filters = filters.label(labels::filter(labels::SERVICE, s));
    }
    engine.events(&EventOptions { filters, ..EventOptions::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::PortSummary;

    fn container(name: &str, project: &str, state: ContainerStatus, files: Option<&str>) -> ContainerSummary {
        let mut labels = BTreeMap::new();
        labels.insert(labels::PROJECT.to_owned(), project.to_owned());
        if let Some(f) = files {
            labels.insert(labels::CONFIG_FILES.to_owned(), f.to_owned());
        }
        ContainerSummary {
            id: format!("{name}-id"),
            names: vec![name.to_owned()],
            state,
            labels,
            ..ContainerSummary::default()
        }
    }

    #[test]
    fn status_counts_are_sorted_by_state() {
        assert_eq!(combined_status(&["running", "exited", "running"]), "exited(1), running(2)");
        assert_eq!(combined_status(&[]), "");
    }

    #[test]
    fn stacks_group_by_project_and_merge_files() {
        let cs = vec![
            container("b-web-1", "b", ContainerStatus::Running, Some("/x/compose.yaml,/x/override.yaml")),
            container("a-db-1", "a", ContainerStatus::Exited, Some("/a/compose.yaml")),
            container("b-db-1", "b", ContainerStatus::Exited, Some("/x/compose.yaml,/x/extra.yaml")),
        ];
        let (stacks, warnings) = stacks_from(&cs).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(stacks.len(), 2);
        assert_eq!(stacks[0].name, "a");
        assert_eq!(stacks[1].status, "exited(1), running(1)");
        assert_eq!(stacks[1].config_files, "/x/compose.yaml,/x/override.yaml,/x/extra.yaml");
    }

    #[test]
    fn missing_config_files_label_is_a_warning() {
        let cs = vec![container("p-web-1", "p", ContainerStatus::Running, None)];
        let (stacks, warnings) = stacks_from(&cs).unwrap();
        assert_eq!(stacks[0].config_files, "N/A");
        assert_eq!(
            warnings,
            vec![
                "No label \"com.docker.compose.project.config_files\" set on container \"p-web-1-id\" of compose project"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn canonical_name_skips_link_aliases() {
        let mut c = container("x", "p", ContainerStatus::Running, None);
        c.names = vec!["other/alias".into(), "p-web-1".into()];
        assert_eq!(canonical_name(&c), "p-web-1");
        c.names.clear();
        c.id = "0123456789abcdef".into();
        assert_eq!(canonical_name(&c), "0123456789ab");
    }

    #[test]
    fn familiar_references() {
        let f = |s: &str| familiar_reference(s);
        assert_eq!(f("docker.io/library/redis:7"), ("redis".into(), "7".into()));
        assert_eq!(f("busybox"), ("busybox".into(), "latest".into()));
        assert_eq!(f("docker.io/user/app:1.0"), ("user/app".into(), "1.0".into()));
        assert_eq!(f("localhost:5000/app"), ("localhost:5000/app".into(), "latest".into()));
        assert_eq!(f("localhost:5000/app:v2"), ("localhost:5000/app".into(), "v2".into()));
    }

    #[test]
    fn filters_follow_compose() {
        let f = project_filters("p", OneOff::Exclude, &["web".to_owned()]);
        let labels: Vec<&str> = f.get("label").collect();
        assert!(labels.contains(&"com.docker.compose.project=p"));
        assert!(labels.contains(&"com.docker.compose.service=web"));
        assert!(labels.contains(&"com.docker.compose.config-hash"));
        assert!(labels.contains(&"com.docker.compose.oneoff=False"));
        let f = project_filters("p", OneOff::Include, &["a".to_owned(), "b".to_owned()]);
        assert_eq!(f.get("label").count(), 2);
    }

    #[test]
    fn entries_sort_ports_and_name_mounts() {
        let mut c = container("p-web-1", "p", ContainerStatus::Running, None);
        c.ports = vec![
            PortSummary { ip: None, private_port: 9000, public_port: None, protocol: PortProtocol::Tcp },
            PortSummary { ip: Some("0.0.0.0".into()), private_port: 80, public_port: Some(8080), protocol: PortProtocol::Tcp },
        ];
        let e = entry_from(c, "healthy".into(), 0);
        assert_eq!(e.publishers[0].target_port, 80);
        assert_eq!(e.publishers[0].url, "0.0.0.0");
        assert_eq!(e.publishers[1].published_port, 0);
        assert_eq!(e.state, "running");
        assert_eq!(e.project, "p");
    }

    #[test]
    fn events_drop_oneoff_and_compose_labels() {
        let mut attributes = BTreeMap::new();
        attributes.insert(labels::SERVICE.to_owned(), "web".to_owned());
        attributes.insert("name".to_owned(), "p-web-1".to_owned());
        let e = berth_engine::EngineEvent {
            kind: EventKind::Container,
            action: "start".into(),
            actor_id: "abc".into(),
            attributes: attributes.clone(),
            time_nano: 5,
        };
        let got = project_event(e.clone(), &[]).unwrap();
        assert_eq!(got.service, "web");
        assert_eq!(got.attributes.len(), 1);
        assert!(project_event(e.clone(), &["db".to_owned()]).is_none());
        let mut oneoff = e;
        oneoff.attributes.insert(labels::ONEOFF.to_owned(), "True".to_owned());
        assert!(project_event(oneoff, &[]).is_none());
    }

    #[test]
    fn health_and_exit_code_from_docker_status_text() {
        let with = |state: ContainerStatus, status: &str| {
            health_and_exit_from_status(&ContainerSummary { state, status: status.to_owned(), ..ContainerSummary::default() })
        };
        let running = ContainerStatus::Running;
        assert_eq!(with(running, "Up 3 minutes"), Some((String::new(), 0)));
        assert_eq!(with(running, "Up Less than a second (healthy)"), Some(("healthy".to_owned(), 0)));
        assert_eq!(with(running, "Up 2 hours (unhealthy)"), Some(("unhealthy".to_owned(), 0)));
        assert_eq!(with(running, "Up 1 second (health: starting)"), Some(("starting".to_owned(), 0)));
        assert_eq!(with(running, "Up 1 second (something else)"), None, "unknown wording: inspect");
        assert_eq!(with(running, "running"), None);
        assert_eq!(with(ContainerStatus::Exited, "Exited (137) 5 seconds ago"), Some((String::new(), 137)));
        assert_eq!(with(ContainerStatus::Exited, "Exited"), None);
        assert_eq!(with(ContainerStatus::Dead, "Dead"), None, "the exit code of a dead container needs an inspect");
        assert_eq!(with(ContainerStatus::Paused, "Up 3 minutes (Paused)"), Some((String::new(), 0)));
        assert_eq!(with(ContainerStatus::Created, "Created"), Some((String::new(), 0)));
    }

    // ---- against the fake engine ----

    use berth_engine::{
        ContainerCreate, ContainerPort, FakeEngine, HealthStatus, ImageConfig, PortBinding,
    };

    async fn make_container(
        engine: &FakeEngine,
        project: &str,
        service: &str,
        number: u32,
        oneoff: bool,
        port: Option<(u16, u16)>,
    ) -> String {
        let mut spec = ContainerCreate::default();
        let name = format!("{project}-{service}-{number}");
        spec.name = Some(name.clone());
        spec.config.image = "busybox".into();
        spec.config.cmd = Some(vec!["sleep".into(), "infinity".into()]);
        let l = &mut spec.config.labels;
        l.insert(labels::PROJECT.into(), project.into());
        l.insert(labels::SERVICE.into(), service.into());
        l.insert(labels::CONTAINER_NUMBER.into(), number.to_string());
        l.insert(labels::CONFIG_HASH.into(), "h".into());
        l.insert(labels::ONEOFF.into(), if oneoff { "True" } else { "False" }.into());
        l.insert(labels::CONFIG_FILES.into(), format!("/{project}/compose.yaml"));
        if let Some((private, public)) = port {
            spec.host_config.port_bindings.insert(
                ContainerPort::tcp(private),
                vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some(public.to_string()) }],
            );
        }
        let id = engine.create_container(&spec).await.unwrap().id;
        engine.start_container(&id).await.unwrap();
        name
    }

    /// web (healthy, 80 published on 8080), worker ×2, once (exited 3), a one-off run
    /// container, and another project's container.
    async fn lab() -> FakeEngine {
        let engine = FakeEngine::new();
        engine.add_image("busybox", ImageConfig { cmd: vec!["sh".into()], ..ImageConfig::default() });
        let web = make_container(&engine, "lab", "web", 1, false, Some((80, 8080))).await;
        engine.set_health(&web, HealthStatus::Healthy).unwrap();
        make_container(&engine, "lab", "worker", 1, false, None).await;
        make_container(&engine, "lab", "worker", 2, false, None).await;
        let once = make_container(&engine, "lab", "once", 1, false, None).await;
        engine.exit_container(&once, 3).unwrap();
        make_container(&engine, "lab", "run", 1, true, None).await;
        make_container(&engine, "other", "web", 1, false, None).await;
        engine
    }

    #[tokio::test]
    async fn ps_lists_the_project_like_compose() {
        let engine = lab().await;
        let mut running = ps(&engine, "lab", &PsOptions::default()).await.unwrap();
        running.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = running.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lab-web-1", "lab-worker-1", "lab-worker-2"]);
        assert_eq!(running[0].health, "healthy");
        assert_eq!(running[0].publishers[0].published_port, 8080);

        let all = ps(&engine, "LAB", &PsOptions { all: true, services: vec![] }).await.unwrap();
        assert_eq!(all.len(), 5, "stopped and one-off containers with -a");
        let once = all.iter().find(|c| c.service == "once").unwrap();
        assert_eq!((once.state.as_str(), once.exit_code), ("exited", 3));

        let some = ps(&engine, "lab", &PsOptions { all: false, services: vec!["worker".into(), "web".into()] }).await.unwrap();
        assert_eq!(some.len(), 3);
    }

    #[tokio::test]
    async fn ls_top_port_and_images() {
        let engine = lab().await;
        let (stacks, _) = list_projects(&engine, true).await.unwrap();
        let lab_stack = stacks.iter().find(|s| s.name == "lab").unwrap();
        assert_eq!(lab_stack.status, "exited(1), running(4)");
        assert_eq!(lab_stack.config_files, "/lab/compose.yaml");
        let (running, _) = list_projects(&engine, false).await.unwrap();
        assert_eq!(running.iter().find(|s| s.name == "lab").unwrap().status, "running(4)");

        let tops = top(&engine, "lab", &[]).await.unwrap();
        let names: Vec<&str> = tops.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["lab-run-1", "lab-web-1", "lab-worker-1", "lab-worker-2"]);
        assert_eq!(tops[0].titles.last().map(String::as_str), Some("CMD"));

        assert_eq!(port(&engine, "lab", "web", 80, "tcp", 0).await.unwrap(), ("127.0.0.1".to_owned(), 8080));
        let e = port(&engine, "lab", "web", 81, "tcp", 0).await.unwrap_err().to_string();
        assert_eq!(e, "no port 81/tcp for container lab-web-1: 8080/tcp");
        let e = port(&engine, "lab", "once", 80, "tcp", 0).await.unwrap_err().to_string();
        assert_eq!(e, "service \"once\" is not running");
        let e = port(&engine, "lab", "worker", 80, "tcp", 3).await.unwrap_err().to_string();
        assert_eq!(e, "service \"worker\" is not running container #3");
        assert_eq!(specified_container(&engine, "lab", "worker", 2).await.unwrap().name(), "lab-worker-2");

        let imgs = images(&engine, "lab", &["web".to_owned()]).await.unwrap();
        assert_eq!(imgs.len(), 1);
        assert_eq!((imgs[0].repository.as_str(), imgs[0].tag.as_str()), ("busybox", "latest"));
        assert_eq!(imgs[0].container_name, "lab-web-1");
        assert_eq!(stats_containers(&engine, "lab", Some("worker"), false).await.unwrap().len(), 2);
    }
}
