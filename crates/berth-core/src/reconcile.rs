//! The reconciler: desired state + observed state + options → [`Plan`], with no I/O.
//!
//! Each function follows Docker Compose 2.26.1's behaviour for one command: `up`/`create`
//! ([`reconcile_up`]: networks and volumes ensured, orphans, per-service convergence in
//! dependency order, then the start phase with its dependency waits), `down`
//! ([`reconcile_down`]), and `stop`, `start`, `restart`, `kill`, `rm`, `pause`, `unpause`.
//! Operations Docker Compose runs one after the other depend on each other in the plan;
//! operations it runs in parallel do not. Services are visited in dependency order (reverse
//! order for teardown), ties broken by name, which fixes the text form.
//!
//! Commands that work without a compose file take `desired: None` and rebuild the project from
//! the containers' labels, as Docker Compose does (`com.docker.compose.service`,
//! `com.docker.compose.depends_on`) and from the networks and volumes labelled with the project.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::desired::{Condition, Dependency, DesiredNetwork, DesiredState};
use crate::hash::changed_fields;
use crate::labels;
use crate::observed::{ContainerState, ObservedContainer, ObservedNetwork, ObservedState};
use crate::plan::{Action, Cause, ContainerRef, OpId, Plan, Replace};

/// What `up`/`create` may do to a container that exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecreatePolicy {
    /// Recreate when the config hash or the image changed (the default).
    #[default]
    Diverged,
    /// Always recreate (`--force-recreate`, `--always-recreate-deps`).
    Force,
    /// Never recreate (`--no-recreate`).
    Never,
}

impl RecreatePolicy {
    /// The policies for the targeted services and for their dependencies, from the flags of
    /// `up`/`create`, as Docker Compose derives them.
    pub fn from_flags(force_recreate: bool, no_recreate: bool, always_recreate_deps: bool) -> (Self, Self) {
        let pick = |force: bool| {
            if no_recreate {
                Self::Never
            } else if force {
                Self::Force
            } else {
                Self::Diverged
            }
        };
        (pick(force_recreate), pick(always_recreate_deps))
    }
}

/// Options of `up` and `create`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpOptions {
    /// The services named on the command line (empty: all). They use `recreate`; the other
    /// services of the project (their dependencies) use `recreate_dependencies`.
    pub services: Vec<String>,
    /// Policy for the targeted services.
    pub recreate: RecreatePolicy,
    /// Policy for the other services.
    pub recreate_dependencies: RecreatePolicy,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `COMPOSE_IGNORE_ORPHANS`: neither remove nor warn about orphans.
    pub ignore_orphans: bool,
    /// `-V/--renew-anon-volumes`: recreated containers get new anonymous volumes.
    pub renew_anon_volumes: bool,
    /// `-t/--timeout`: stop timeout for containers that are replaced or removed.
    pub timeout: Option<Duration>,
    /// `--no-start` (or `create`): create only.
    pub no_start: bool,
    /// `--wait`: wait for every service to be running or healthy (or completed, for services
    /// others wait on with `service_completed_successfully`).
    pub wait: bool,
}

/// `down --rmi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImagePrune {
    /// Keep images.
    #[default]
    None,
    /// Images built for the project (no `image:` attribute, or labelled by a build).
    Local,
    /// Every image the project's services use.
    All,
}

/// Options of `down`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// The services named on the command line (empty: all).
    pub services: Vec<String>,
    /// `--remove-orphans` (one-off containers are removed too).
    pub remove_orphans: bool,
    /// `-v/--volumes`: remove named volumes and anonymous ones.
    pub volumes: bool,
    /// `--rmi`.
    pub images: ImagePrune,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
}

/// Options of `stop`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopOptions {
    /// The services to stop (empty: all).
    pub services: Vec<String>,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
}

/// Options of `start`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// The services named on the command line; with a compose file, `desired` is expected to
    /// hold them and their dependencies already (as the loader selects them). Without one, the
    /// project rebuilt from labels is narrowed to them and their dependencies.
    pub services: Vec<String>,
    /// `--wait`.
    pub wait: bool,
}

/// Options of `restart`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartOptions {
    /// The services to restart (empty: all); services depending on them with `restart: true`
    /// are restarted too.
    pub services: Vec<String>,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
    /// `--no-deps`.
    pub no_deps: bool,
}

/// Options of `kill`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KillOptions {
    /// The services to kill (empty: all).
    pub services: Vec<String>,
    /// `-s/--signal` (engine default, SIGKILL, when `None`).
    pub signal: Option<String>,
    /// `--remove-orphans`: kill orphan containers too.
    pub remove_orphans: bool,
}

/// Options of `rm`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoveOptions {
    /// The services whose containers to remove (empty: all).
    pub services: Vec<String>,
    /// `-s/--stop`: stop the containers first.
    pub stop: bool,
    /// `-v/--volumes`: remove anonymous volumes.
    pub volumes: bool,
    /// `-f/--force`.
    pub force: bool,
}

/// Why no plan could be made; the messages are Docker Compose's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    #[error("network {0} declared as external, but could not be found")]
    ExternalNetworkNotFound(String),
    #[error("multiple networks with name {0:?} were found. Use network ID as `name` to avoid ambiguity")]
    AmbiguousExternalNetwork(String),
    #[error("network {name} was found but has incorrect label {} set to {value:?}", labels::NETWORK)]
    NetworkLabelMismatch { name: String, value: String },
    #[error("external volume {0:?} not found")]
    ExternalVolumeNotFound(String),
    #[error(
        "WARNING: The {service:?} service is using the custom container name {container_name:?}. Docker requires each \
         container to have a unique name. Remove the custom name to scale the service."
    )]
    ContainerNameWithScale { service: String, container_name: String },
    #[error("cycle found: {}", .0.join(" -> "))]
    DependencyCycle(Vec<String>),
    #[error("service {service} is required by {dependant} but is disabled. Can be enabled by profiles [{}]", profiles.join(" "))]
    DisabledDependency { service: String, dependant: String, profiles: Vec<String> },
    #[error("could not find {0}: not found")]
    UnknownDependency(String),
    #[error("{dependant} is missing dependency {service}")]
    MissingDependency { dependant: String, service: String },
    #[error("no such service: {0}")]
    NoSuchService(String),
    #[error("strconv.Atoi: parsing {label:?}: invalid syntax")]
    InvalidContainerNumber { container: String, label: String },
    #[error("service {0:?} has no container to start")]
    NoContainerToStart(String),
    /// A service `start` was asked for is not among those rebuilt from the containers' labels
    /// (Compose words it apart from [`ReconcileError::NoSuchService`]).
    #[error("no such service: {0:?}: not found")]
    NoSuchServiceFound(String),
    /// Named by `-p` alone, the project has no container to rebuild its services from.
    #[error("no container found for project {0:?}: not found")]
    NoContainerForProject(String),
}

// ---------------------------------------------------------------------------------------------
// The project as the traversal sees it: from the compose file, or rebuilt from labels.

#[derive(Debug, Clone)]
struct ModelService {
    depends_on: BTreeMap<String, Dependency>,
    /// Service references outside `depends_on` (`links`, `volumes_from`, namespaces).
    refs: Vec<String>,
    scale: usize,
    image: String,
    has_image: bool,
}

#[derive(Debug, Clone)]
struct ModelResource {
    key: String,
    name: String,
    external: bool,
}

#[derive(Debug, Clone)]
struct Model {
    project: String,
    services: BTreeMap<String, ModelService>,
    disabled: BTreeMap<String, Vec<String>>,
    networks: Vec<ModelResource>,
    volumes: Vec<ModelResource>,
    from_file: bool,
}

impl Model {
    fn from_desired(desired: &DesiredState) -> Self {
        let services = desired
            .services
            .iter()
            .map(|(name, s)| {
                let refs = s.dependencies().into_iter().filter(|d| !s.depends_on.contains_key(*d)).map(str::to_owned).collect();
                let service = ModelService {
                    depends_on: s.depends_on.clone(),
                    refs,
                    scale: s.scale,
                    image: s.image.clone(),
                    has_image: s.has_image,
                };
                (name.clone(), service)
            })
            .collect();
        Self {
            project: desired.project.clone(),
            services,
            disabled: desired.disabled_services.clone(),
            networks: desired
                .networks
                .values()
                .map(|n| ModelResource { key: n.key.clone(), name: n.name.clone(), external: n.external })
                .collect(),
            volumes: desired
                .volumes
                .values()
                .map(|v| ModelResource { key: v.key.clone(), name: v.name.clone(), external: v.external })
                .collect(),
            from_file: true,
        }
    }

    /// Docker Compose's `getProjectWithResources`: services from the (non one-off) containers'
    /// labels, networks and volumes from those labelled with the project.
    fn from_labels(project: &str, containers: &[&ObservedContainer], observed: &ObservedState) -> Self {
        let mut services: BTreeMap<String, ModelService> = BTreeMap::new();
        for c in containers.iter().filter(|c| !c.oneoff) {
            if let Some(service) = services.get_mut(&c.service) {
                service.scale += 1;
                continue;
            }
            let depends_on = c
                .depends_on_label()
                .into_iter()
                .map(|(name, condition, restart)| {
                    (name, Dependency { condition: Condition::parse(&condition), required: true, restart })
                })
                .collect();
            services.insert(
                c.service.clone(),
                ModelService {
                    depends_on,
                    refs: Vec::new(),
                    scale: 1,
                    image: c.image.clone(),
                    has_image: !c.image.is_empty(),
                },
            );
        }
        // A map keyed by the compose label: the last resource listed for a key wins.
        let mut networks: BTreeMap<String, ModelResource> = BTreeMap::new();
        for n in observed.networks.iter().filter(|n| n.project.as_deref() == Some(project)) {
            let key = n.compose_network.clone().unwrap_or_default();
            networks.insert(key.clone(), ModelResource { key, name: n.name.clone(), external: false });
        }
        let mut volumes: BTreeMap<String, ModelResource> = BTreeMap::new();
        for v in observed.volumes.iter().filter(|v| v.project.as_deref() == Some(project)) {
            let key = v.compose_volume.clone().unwrap_or_default();
            volumes.insert(key.clone(), ModelResource { key, name: v.name.clone(), external: false });
        }
        Self {
            project: project.to_owned(),
            services,
            disabled: BTreeMap::new(),
            networks: networks.into_values().collect(),
            volumes: volumes.into_values().collect(),
            from_file: false,
        }
    }

    fn knows(&self, service: &str) -> bool {
        self.services.contains_key(service) || self.disabled.contains_key(service)
    }

    /// compose-go's `WithSelectedServices`: keeps `names` and, per `policy`, their dependencies
    /// or dependents (transitively); the rest is disabled and dependencies on it dropped.
    fn select(&mut self, names: &[String], policy: Selection) -> Result<(), ReconcileError> {
        if names.is_empty() {
            return Ok(());
        }
        let mut keep: BTreeSet<String> = BTreeSet::new();
        let mut queue: Vec<(String, Option<bool>)> = names.iter().map(|n| (n.clone(), None)).collect();
        while let Some((name, required)) = queue.pop() {
            let Some(service) = self.services.get(&name) else {
                // A dependency that is not required may be missing.
                if required == Some(false) {
                    continue;
                }
                return Err(ReconcileError::NoSuchService(name));
            };
            if !keep.insert(name.clone()) {
                continue;
            }
            match policy {
                Selection::Dependencies => {
                    queue.extend(service.depends_on.iter().map(|(d, dep)| (d.clone(), Some(dep.required))));
                }
                Selection::Dependents => {
                    for (other, s) in &self.services {
                        if let Some(dep) = s.depends_on.get(&name) {
                            queue.push((other.clone(), Some(dep.required)));
                        }
                    }
                }
                Selection::Only => {}
            }
        }
        let dropped: Vec<String> = self.services.keys().filter(|n| !keep.contains(*n)).cloned().collect();
        for name in dropped {
            self.services.remove(&name);
            self.disabled.insert(name, Vec::new());
        }
        for service in self.services.values_mut() {
            service.depends_on.retain(|d, _| keep.contains(d));
            service.refs.retain(|d| keep.contains(d));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    Dependencies,
    Dependents,
    Only,
}

/// The service dependency graph (Docker Compose's `NewGraph`): edges from each service to the
/// services it depends on.
#[derive(Debug)]
struct Graph {
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    /// Builds the graph. A `depends_on` entry naming a service outside the project is dropped
    /// when not required, else an error (naming the profiles that would enable it, if it is
    /// disabled). Cycles are errors.
    fn new(model: &Model) -> Result<Self, ReconcileError> {
        let mut dependencies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (name, service) in &model.services {
            let mut deps = BTreeSet::new();
            for (dep, config) in &service.depends_on {
                if model.services.contains_key(dep) {
                    deps.insert(dep.clone());
                } else if config.required {
                    return Err(match model.disabled.get(dep) {
                        Some(profiles) => ReconcileError::DisabledDependency {
                            service: dep.clone(),
                            dependant: name.clone(),
                            profiles: profiles.clone(),
                        },
                        None => ReconcileError::UnknownDependency(dep.clone()),
                    });
                }
            }
            deps.extend(service.refs.iter().filter(|r| model.services.contains_key(*r)).cloned());
            dependencies.insert(name.clone(), deps);
        }
        let graph = Self { dependencies };
        graph.check_cycles()?;
        Ok(graph)
    }

    fn check_cycles(&self) -> Result<(), ReconcileError> {
        let mut finished: BTreeSet<&str> = BTreeSet::new();
        for start in self.dependencies.keys() {
            if !finished.contains(start.as_str()) {
                let mut path = vec![start.as_str()];
                self.visit(start, &mut path, &mut BTreeSet::new(), &mut finished)?;
            }
        }
        Ok(())
    }

    fn visit<'a>(
        &'a self,
        key: &'a str,
        path: &mut Vec<&'a str>,
        discovered: &mut BTreeSet<&'a str>,
        finished: &mut BTreeSet<&'a str>,
    ) -> Result<(), ReconcileError> {
        discovered.insert(key);
        for child in self.dependencies.get(key).into_iter().flatten() {
            path.push(child);
            if discovered.contains(child.as_str()) {
                return Err(ReconcileError::DependencyCycle(path.iter().map(|s| (*s).to_owned()).collect()));
            }
            if !finished.contains(child.as_str()) {
                self.visit(child, path, discovered, finished)?;
            }
            path.pop();
        }
        discovered.remove(key);
        finished.insert(key);
        Ok(())
    }

    fn deps(&self, service: &str) -> impl Iterator<Item = &str> {
        self.dependencies.get(service).into_iter().flatten().map(String::as_str)
    }

    fn dependents<'a>(&'a self, service: &'a str) -> impl Iterator<Item = &'a str> {
        self.dependencies.iter().filter(move |(_, deps)| deps.contains(service)).map(|(name, _)| name.as_str())
    }

    /// Dependencies before dependants; among services that are ready, by name.
    fn order(&self) -> Vec<&str> {
        self.kahn(|name| self.deps(name).collect())
    }

    /// Dependants before dependencies; among services that are ready, by name.
    fn reverse_order(&self) -> Vec<&str> {
        self.kahn(|name| self.dependents(name).collect())
    }

    fn kahn<'a>(&'a self, before: impl Fn(&'a str) -> Vec<&'a str>) -> Vec<&'a str> {
        let mut done: BTreeSet<&str> = BTreeSet::new();
        let mut order = Vec::new();
        // The graph is acyclic (checked in `new`), so each round places at least one service.
        while order.len() < self.dependencies.len() {
            let next = self
                .dependencies
                .keys()
                .map(String::as_str)
                .find(|name| !done.contains(name) && before(name).iter().all(|b| done.contains(b)));
            let Some(next) = next else { break };
            done.insert(next);
            order.push(next);
        }
        order
    }
}

/// Tracks, per service, the operations a later service must wait for: the service's own last
/// operations, or (when it has none) what it itself waited for — so that ordering carries
/// through services with nothing to do, as Docker Compose's traversal does.
struct Frontier<'a> {
    base: Vec<OpId>,
    ends: BTreeMap<&'a str, Vec<OpId>>,
}

impl<'a> Frontier<'a> {
    fn new(base: Vec<OpId>) -> Self {
        Self { base, ends: BTreeMap::new() }
    }

    /// What a service's first operations must wait for, given the services it comes after.
    fn before(&self, preceding: impl Iterator<Item = &'a str>) -> Vec<OpId> {
        let mut ids: BTreeSet<OpId> = BTreeSet::new();
        let mut any = false;
        for service in preceding {
            any = true;
            ids.extend(self.ends.get(service).into_iter().flatten().copied());
        }
        if any {
            ids.into_iter().collect()
        } else {
            self.base.clone()
        }
    }

    fn set(&mut self, service: &'a str, ends: Vec<OpId>, before: Vec<OpId>) {
        self.ends.insert(service, if ends.is_empty() { before } else { ends });
    }

    /// Everything every service ended with (the base when nothing happened).
    fn all(&self) -> Vec<OpId> {
        let ids: BTreeSet<OpId> = self.ends.values().flatten().copied().collect();
        if ids.is_empty() {
            self.base.clone()
        } else {
            ids.into_iter().collect()
        }
    }
}

/// A container of a service as the start phase sees it.
#[derive(Debug, Clone)]
struct Replica {
    container: ContainerRef,
    state: ContainerState,
    /// Created by the plan: starting it waits for `ready`.
    planned: bool,
    ready: Vec<OpId>,
}

impl Replica {
    fn observed(c: &ObservedContainer) -> Self {
        Self { container: existing(c), state: c.state.clone(), planned: false, ready: Vec::new() }
    }
}

fn existing(c: &ObservedContainer) -> ContainerRef {
    ContainerRef::existing(c.name.clone(), c.id.clone())
}

/// The containers Docker Compose considers at all: those with a config hash label.
fn compose_containers(observed: &ObservedState) -> Vec<&ObservedContainer> {
    observed.containers.iter().filter(|c| c.config_hash.is_some()).collect()
}

fn of_services<'c>(containers: &[&'c ObservedContainer], services: &[String]) -> Vec<&'c ObservedContainer> {
    containers.iter().copied().filter(|c| services.is_empty() || services.contains(&c.service)).collect()
}

/// Go's `%s` of a string slice: `[a b]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

// ---------------------------------------------------------------------------------------------
// up / create

/// Plans `up` (or `create`, with `no_start`): Docker Compose's `create` then `start`.
///
/// 1. Networks, then volumes, are ensured: created when missing; an external one must exist;
///    a network found by name with another `com.docker.compose.network` label is an error.
/// 2. Orphans (containers whose service is neither enabled nor disabled in the project) are
///    removed with `remove_orphans`, else reported as a warning.
/// 3. Each service, after the services it depends on: containers sorted obsolete first, then
///    by number; those beyond the scale are stopped and removed, obsolete ones recreated
///    (create under a temporary name, stop and remove the old one, rename), others started
///    if paused or dead; missing replicas created with the next numbers. Recreating a
///    container forces the recreation of the services that depend on its service.
/// 4. Unless `no_start`: each service, after its dependencies, waits for its `depends_on`
///    conditions, then starts its containers that are not running, one after the other.
pub fn reconcile_up(desired: &DesiredState, observed: &ObservedState, opts: &UpOptions) -> Result<Plan, ReconcileError> {
    let model = Model::from_desired(desired);
    let graph = Graph::new(&model)?;
    let mut plan = Plan::new();

    let mut base = ensure_networks(desired, observed, &mut plan)?;
    base.extend(ensure_volumes(desired, observed, &mut plan)?);

    let containers = compose_containers(observed);
    let mut converge_base = base.clone();
    let orphans: Vec<&ObservedContainer> = containers.iter().copied().filter(|c| !model.knows(&c.service)).collect();
    if !orphans.is_empty() && !opts.ignore_orphans {
        if opts.remove_orphans {
            for c in &orphans {
                let stop = plan.push(Action::StopContainer { container: existing(c), timeout: None }, Cause::Orphan, base.clone());
                let remove = plan.push(
                    Action::RemoveContainer { container: existing(c), volumes: false, force: true },
                    Cause::Orphan,
                    [stop],
                );
                converge_base.push(remove);
            }
        } else {
            let names: Vec<String> = orphans.iter().map(|c| c.name.clone()).collect();
            plan.warn(format!(
                "Found orphan containers ({}) for this project. If you removed or renamed this service in your compose \
                 file, you can run this command with the --remove-orphans flag to clean it up.",
                go_list(&names)
            ));
        }
    }

    let order = graph.order();
    let replicas = converge(desired, &graph, &order, &containers, opts, converge_base, &mut plan)?;

    if !opts.no_start {
        let start_base = replicas.1.all();
        let started = start_phase(&model, &graph, &order, &replicas.0, start_base, &mut plan)?;
        if opts.wait {
            wait_all(&model, &replicas.0, &started.all(), &mut plan)?;
        }
    }
    Ok(plan)
}

/// Docker Compose's `ensureNetworks`, in key order.
fn ensure_networks(desired: &DesiredState, observed: &ObservedState, plan: &mut Plan) -> Result<Vec<OpId>, ReconcileError> {
    let mut created = Vec::new();
    for network in desired.networks.values() {
        if network.external {
            let found: Vec<&ObservedNetwork> =
                observed.networks.iter().filter(|n| n.name == network.name || n.id == network.name).collect();
            match found.len() {
                1 => {}
                0 if observed.swarm_active => {}
                0 => return Err(ReconcileError::ExternalNetworkNotFound(network.name.clone())),
                _ => return Err(ReconcileError::AmbiguousExternalNetwork(network.name.clone())),
            }
            continue;
        }
        let by_name: Vec<&ObservedNetwork> = observed.networks.iter().filter(|n| n.name == network.name).collect();
        let by_id: Vec<&ObservedNetwork> = observed.networks.iter().filter(|n| n.id == network.name).collect();
        match (by_name.as_slice(), by_id.as_slice()) {
            // Inspecting by name (or id) finds exactly one network: check its labels.
            ([found], _) | ([], [found]) => check_network_labels(network, found, plan)?,
            ([], []) => {
                created.push(plan.push(
                    Action::CreateNetwork { key: network.key.clone(), name: network.name.clone() },
                    Cause::NetworkMissing,
                    [],
                ));
            }
            // Several networks share the name: fine if one is ours, else use one anyway.
            (several, _) => {
                let ours = several.iter().any(|n| {
                    n.project.as_deref() == Some(network.project_label())
                        && n.compose_network.as_deref() == Some(network.network_label())
                });
                if !ours {
                    plan.warn(not_created_by_compose(&network.name));
                }
            }
        }
    }
    Ok(created)
}

fn not_created_by_compose(name: &str) -> String {
    format!("a network with name {name} exists but was not created by compose.\nSet `external: true` to use an existing network")
}

fn check_network_labels(network: &DesiredNetwork, found: &ObservedNetwork, plan: &mut Plan) -> Result<(), ReconcileError> {
    match found.labels.get(labels::PROJECT) {
        None => plan.warn(not_created_by_compose(&network.name)),
        Some(project) if project != network.project_label() => plan.warn(format!(
            "a network with name {} exists but was not created for project {:?}.\nSet `external: true` to use an existing network",
            network.name,
            network.project_label()
        )),
        Some(_) => {}
    }
    let actual = found.labels.get(labels::NETWORK).map_or("", String::as_str);
    if actual != network.network_label() {
        return Err(ReconcileError::NetworkLabelMismatch { name: network.name.clone(), value: actual.to_owned() });
    }
    Ok(())
}

/// Docker Compose's `ensureProjectVolumes`, in key order.
fn ensure_volumes(desired: &DesiredState, observed: &ObservedState, plan: &mut Plan) -> Result<Vec<OpId>, ReconcileError> {
    let mut created = Vec::new();
    for volume in desired.volumes.values() {
        let Some(found) = observed.volumes.iter().find(|v| v.name == volume.name) else {
            if volume.external {
                return Err(ReconcileError::ExternalVolumeNotFound(volume.name.clone()));
            }
            created.push(plan.push(
                Action::CreateVolume { key: volume.key.clone(), name: volume.name.clone() },
                Cause::VolumeMissing,
                [],
            ));
            continue;
        };
        if volume.external {
            continue;
        }
        match found.labels.get(labels::PROJECT) {
            None => plan.warn(format!(
                "volume {:?} already exists but was not created by Docker Compose. Use `external: true` to use an existing volume",
                volume.name
            )),
            Some(project) if *project != desired.project => plan.warn(format!(
                "volume {:?} already exists but was created for project {project:?} (expected {:?}). Use `external: true` to use an existing volume",
                volume.name, desired.project
            )),
            Some(_) => {}
        }
    }
    Ok(created)
}

/// The config hash a container of `service` must carry to be up to date: references to
/// other services' containers resolved to the ones observed now (the first by name), as
/// Compose hashes them. A dependency recreated by this plan forces its dependents anyway.
fn expected_hash(service: &crate::desired::DesiredService, containers: &[&ObservedContainer]) -> String {
    let first_of = |target: &str| {
        containers
            .iter()
            .filter(|c| !c.oneoff && c.service == target)
            .min_by(|a, b| a.name.cmp(&b.name))
            .map(|c| c.id.clone())
    };
    service
        .config
        .as_ref()
        .and_then(|json| crate::hash::hash_with_references(json, first_of))
        .unwrap_or_else(|| service.config_hash.clone())
}

/// Why a container must be recreated (Docker Compose's `mustRecreate`), if it must.
fn must_recreate(
    service: &crate::desired::DesiredService,
    expected_hash: &str,
    container: &ObservedContainer,
    policy: RecreatePolicy,
    force_cause: &Cause,
    forced_by: Option<&String>,
) -> Option<Cause> {
    match policy {
        RecreatePolicy::Never => return None,
        RecreatePolicy::Force => return Some(force_cause.clone()),
        RecreatePolicy::Diverged => {}
    }
    if service.force_recreate {
        return Some(Cause::LifecycleForceRecreate);
    }
    if let Some(dependency) = forced_by {
        return Some(Cause::DependencyRecreated { service: dependency.clone() });
    }
    if container.config_hash.as_deref() != Some(expected_hash) {
        let fields = match (&container.config, &service.config) {
            (Some(old), Some(new)) => changed_fields(old, new),
            _ => Vec::new(),
        };
        return Some(Cause::ConfigChanged { fields });
    }
    let actual = container.image_digest.as_deref().unwrap_or_default();
    let wanted = service.image_digest.as_deref().unwrap_or_default();
    (actual != wanted).then_some(Cause::ImageChanged)
}

/// The convergence of every service (Docker Compose's `convergence.apply`). Returns each
/// service's containers as the start phase will find them, and the convergence frontier.
fn converge<'a>(
    desired: &'a DesiredState,
    graph: &'a Graph,
    order: &[&'a str],
    containers: &[&ObservedContainer],
    opts: &UpOptions,
    base: Vec<OpId>,
    plan: &mut Plan,
) -> Result<(BTreeMap<String, Vec<Replica>>, Frontier<'a>), ReconcileError> {
    let project = desired.project.as_str();
    let mut frontier = Frontier::new(base);
    let mut replicas: BTreeMap<String, Vec<Replica>> = BTreeMap::new();
    // Services whose dependency had a container recreated: `x-lifecycle: force_recreate`.
    let mut forced_by: BTreeMap<String, String> = BTreeMap::new();

    for &name in order {
        let Some(service) = desired.services.get(name) else { continue };
        let before = frontier.before(graph.deps(name));
        let targeted = opts.services.is_empty() || opts.services.iter().any(|s| s == name);
        let (policy, force_cause) = if targeted {
            (opts.recreate, Cause::ForceRecreate)
        } else {
            (opts.recreate_dependencies, Cause::AlwaysRecreateDeps)
        };
        let expected = service.scale;
        if expected > 1 {
            if let Some(container_name) = &service.container_name {
                return Err(ReconcileError::ContainerNameWithScale {
                    service: name.to_owned(),
                    container_name: container_name.clone(),
                });
            }
        }

        let expected_hash = expected_hash(service, containers);
        let mut mine: Vec<(&ObservedContainer, Option<Cause>)> = containers
            .iter()
            .filter(|c| !c.oneoff && c.service == name)
            .map(|c| (*c, must_recreate(service, &expected_hash, c, policy, &force_cause, forced_by.get(name))))
            .collect();
        let actual = mine.len();
        // Obsolete containers first, then by number (containers without one by creation time).
        mine.sort_by_key(|(c, obsolete)| {
            (obsolete.is_none(), c.number.map_or((1, c.created), |n| (0, i64::from(n))))
        });

        let mut ends = Vec::new();
        let mut result = Vec::new();
        let mut recreated = false;
        for (i, (c, obsolete)) in mine.iter().enumerate() {
            if i >= expected {
                let cause = Cause::ScaleDown { from: actual, to: expected };
                let stop = plan.push(
                    Action::StopContainer { container: existing(c), timeout: opts.timeout },
                    cause.clone(),
                    before.clone(),
                );
                ends.push(plan.push(
                    Action::RemoveContainer { container: existing(c), volumes: false, force: true },
                    cause,
                    [stop],
                ));
                continue;
            }
            if let Some(cause) = obsolete {
                let number = c.number.ok_or_else(|| ReconcileError::InvalidContainerNumber {
                    container: c.name.clone(),
                    label: c.number_label.clone().unwrap_or_default(),
                })?;
                let final_name = service.container_name_for(project, number);
                let temp_name = format!("{}_{final_name}", c.short_id());
                let create = plan.push(
                    Action::CreateContainer {
                        service: name.to_owned(),
                        number,
                        name: final_name.clone(),
                        create_name: temp_name.clone(),
                        replace: Some(Replace { container: existing(c), inherit_volumes: !opts.renew_anon_volumes }),
                    },
                    cause.clone(),
                    before.clone(),
                );
                let stop = plan.push(
                    Action::StopContainer { container: existing(c), timeout: opts.timeout },
                    cause.clone(),
                    [create],
                );
                let remove = plan.push(
                    Action::RemoveContainer { container: existing(c), volumes: false, force: false },
                    cause.clone(),
                    [stop],
                );
                let rename = plan.push(
                    Action::RenameContainer { container: ContainerRef::planned(temp_name), new_name: final_name.clone() },
                    cause.clone(),
                    [remove],
                );
                ends.push(rename);
                result.push(Replica {
                    container: ContainerRef::planned(final_name),
                    state: ContainerState::Created,
                    planned: true,
                    ready: vec![rename],
                });
                recreated = true;
                continue;
            }
            match c.state {
                ContainerState::Running | ContainerState::Created | ContainerState::Restarting | ContainerState::Exited => {
                    result.push(Replica::observed(c));
                }
                _ => {
                    let start = plan.push(
                        Action::StartContainer { container: existing(c) },
                        Cause::NotRunning { state: c.state.clone() },
                        before.clone(),
                    );
                    ends.push(start);
                    result.push(Replica {
                        container: existing(c),
                        state: ContainerState::Running,
                        planned: false,
                        ready: vec![start],
                    });
                }
            }
        }

        let next = mine.iter().filter_map(|(c, _)| c.number).max().map_or(1, |n| n.saturating_add(1));
        let mut number = next;
        for _ in actual..expected {
            let container_name = service.container_name_for(project, number);
            let cause = if actual == 0 { Cause::NoExistingContainer } else { Cause::ScaleUp { from: actual, to: expected } };
            let create = plan.push(
                Action::CreateContainer {
                    service: name.to_owned(),
                    number,
                    name: container_name.clone(),
                    create_name: container_name.clone(),
                    replace: None,
                },
                cause,
                before.clone(),
            );
            ends.push(create);
            result.push(Replica {
                container: ContainerRef::planned(container_name),
                state: ContainerState::Created,
                planned: true,
                ready: vec![create],
            });
            number = number.saturating_add(1);
        }

        if recreated {
            for (other, s) in &desired.services {
                if s.depends_on.contains_key(name) {
                    forced_by.entry(other.clone()).or_insert_with(|| name.to_owned());
                }
            }
        }
        frontier.set(name, ends, before);
        replicas.insert(name.to_owned(), result);
    }
    Ok((replicas, frontier))
}

/// Docker Compose's `start`: each service after its dependencies waits for its `depends_on`
/// conditions, then starts its containers that are not running, one after the other.
fn start_phase<'a>(
    model: &'a Model,
    graph: &'a Graph,
    order: &[&'a str],
    replicas: &BTreeMap<String, Vec<Replica>>,
    base: Vec<OpId>,
    plan: &mut Plan,
) -> Result<Frontier<'a>, ReconcileError> {
    let mut frontier = Frontier::new(base);
    for &name in order {
        let Some(service) = model.services.get(name) else { continue };
        let before = frontier.before(graph.deps(name));
        if service.scale == 0 {
            // Nothing to start. (Docker Compose skips the waits too when the zero comes from
            // `deploy.replicas`; with a bare `scale: 0` it still waits, which berth does not.)
            frontier.set(name, Vec::new(), before);
            continue;
        }
        let mut waits = Vec::new();
        for (dep, config) in &service.depends_on {
            if config.condition == Condition::Started {
                continue;
            }
            // Dependencies outside the project (disabled, or dropped as not required) and
            // services scaled to zero are not waited for.
            let Some(dep_service) = model.services.get(dep) else { continue };
            if dep_service.scale == 0 {
                continue;
            }
            if let Condition::Other(condition) = &config.condition {
                plan.warn(format!("unsupported depends_on condition: {condition}"));
                continue;
            }
            if replicas.get(dep).map_or(0, Vec::len) == 0 {
                if config.required {
                    return Err(ReconcileError::MissingDependency { dependant: name.to_owned(), service: dep.clone() });
                }
                plan.warn(format!("{name} is missing dependency {dep}"));
                continue;
            }
            let dep_before = frontier.ends.get(dep.as_str()).cloned().unwrap_or_else(|| before.clone());
            waits.push(plan.push(
                Action::WaitDependency {
                    service: dep.clone(),
                    condition: config.condition.clone(),
                    required: config.required,
                    dependant: Some(name.to_owned()),
                },
                Cause::DependsOn { dependant: name.to_owned() },
                dep_before,
            ));
        }
        let mine = replicas.get(name).map_or(&[][..], Vec::as_slice);
        if mine.is_empty() {
            return Err(ReconcileError::NoContainerToStart(name.to_owned()));
        }
        let mut last: Option<OpId> = None;
        for replica in mine.iter().filter(|r| r.state != ContainerState::Running) {
            let cause = if replica.planned { Cause::Created } else { Cause::NotRunning { state: replica.state.clone() } };
            let after: Vec<OpId> =
                before.iter().chain(&waits).chain(&replica.ready).copied().chain(last).collect();
            last = Some(plan.push(Action::StartContainer { container: replica.container.clone() }, cause, after));
        }
        let ends = match last {
            Some(last) => vec![last],
            None => waits,
        };
        frontier.set(name, ends, before);
    }
    Ok(frontier)
}

/// `--wait`: every service waited for, once everything started.
fn wait_all(
    model: &Model,
    replicas: &BTreeMap<String, Vec<Replica>>,
    after: &[OpId],
    plan: &mut Plan,
) -> Result<(), ReconcileError> {
    for (name, service) in &model.services {
        if service.scale == 0 {
            continue;
        }
        let completed = model.services.values().any(|s| {
            s.depends_on.get(name).is_some_and(|d| d.condition == Condition::CompletedSuccessfully)
        });
        let condition = if completed { Condition::CompletedSuccessfully } else { Condition::RunningOrHealthy };
        if replicas.get(name).map_or(0, Vec::len) == 0 {
            return Err(ReconcileError::MissingDependency { dependant: model.project.clone(), service: name.clone() });
        }
        plan.push(
            Action::WaitDependency { service: name.clone(), condition, required: true, dependant: None },
            Cause::WaitRequested,
            after.iter().copied(),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// down

/// Plans `down`: each service's containers stopped and removed after the services that depend
/// on it (with `services`, only those and the services depending on them), then orphans with
/// `remove_orphans`, then — in parallel — the project's networks, images with `--rmi`, and
/// volumes with `-v`. Without a compose file (`desired: None`) the project is rebuilt from
/// labels.
pub fn reconcile_down(
    project: &str,
    desired: Option<&DesiredState>,
    observed: &ObservedState,
    opts: &DownOptions,
) -> Result<Plan, ReconcileError> {
    let all = compose_containers(observed);
    let containers: Vec<&ObservedContainer> = all.iter().copied().filter(|c| opts.remove_orphans || !c.oneoff).collect();
    let model = match desired {
        Some(d) => Model::from_desired(d),
        None => Model::from_labels(project, &containers, observed),
    };
    let graph = Graph::new(&model)?;
    let mut plan = Plan::new();

    // Services named on the command line that the project does not know are an error with a
    // compose file, and ignored without one (they may just have no container left).
    let mut selected = Vec::new();
    for service in &opts.services {
        if model.services.contains_key(service) {
            selected.push(service.clone());
        } else if model.from_file {
            return Err(ReconcileError::NoSuchService(service.clone()));
        }
    }
    let wanted: Option<BTreeSet<&str>> = (!selected.is_empty()).then(|| {
        let mut wanted: BTreeSet<&str> = BTreeSet::new();
        let mut queue: Vec<&str> = selected.iter().map(String::as_str).collect();
        while let Some(name) = queue.pop() {
            if wanted.insert(name) {
                queue.extend(graph.dependents(name));
            }
        }
        wanted
    });

    let cause = Cause::requested("down");
    let mut frontier = Frontier::new(Vec::new());
    for name in graph.reverse_order() {
        let before = frontier.before(graph.dependents(name));
        let mut ends = Vec::new();
        let in_selection = match &wanted {
            Some(w) => w.contains(name),
            None => true,
        };
        if in_selection {
            for c in containers.iter().filter(|c| c.service == name) {
                ends.push(stop_and_remove(&mut plan, c, opts.timeout, opts.volumes, &cause, &before));
            }
        }
        frontier.set(name, ends, before);
    }
    let mut after_containers = frontier.all();

    if opts.remove_orphans {
        let orphans: Vec<&ObservedContainer> = containers.iter().copied().filter(|c| !model.knows(&c.service)).collect();
        let mut ends = Vec::new();
        for c in orphans {
            ends.push(stop_and_remove(&mut plan, c, opts.timeout, false, &Cause::Orphan, &after_containers));
        }
        if !ends.is_empty() {
            after_containers = ends;
        }
    }

    // Counted as Docker Compose counts its teardown operations, for the "nothing to remove"
    // warning: one per non-external network, image and (with -v) non-external volume.
    let mut resource_ops = 0usize;
    for network in model.networks.iter().filter(|n| !n.external) {
        resource_ops += 1;
        for found in observed.networks.iter().filter(|n| {
            n.project.as_deref() == Some(project)
                && n.compose_network.as_deref() == Some(network.key.as_str())
                && n.name == network.name
        }) {
            plan.push(
                Action::RemoveNetwork { key: network.key.clone(), name: found.name.clone(), id: found.id.clone() },
                cause.clone(),
                after_containers.clone(),
            );
        }
    }
    if opts.images != ImagePrune::None {
        let images = images_to_prune(&model, observed, opts);
        let image_cause = Cause::requested(match opts.images {
            ImagePrune::All => "down --rmi all",
            _ => "down --rmi local",
        });
        for image in images {
            resource_ops += 1;
            plan.push(Action::RemoveImage { image }, image_cause.clone(), after_containers.clone());
        }
    }
    if opts.volumes {
        for volume in model.volumes.iter().filter(|v| !v.external) {
            resource_ops += 1;
            if observed.volumes.iter().any(|v| v.name == volume.name) {
                plan.push(
                    Action::RemoveVolume { key: volume.key.clone(), name: volume.name.clone() },
                    Cause::requested("down --volumes"),
                    after_containers.clone(),
                );
            }
        }
    }
    if containers.is_empty() && resource_ops == 0 {
        plan.warn(format!("No resource found to remove for project {project:?}."));
    }
    Ok(plan)
}

fn stop_and_remove(
    plan: &mut Plan,
    c: &ObservedContainer,
    timeout: Option<Duration>,
    volumes: bool,
    cause: &Cause,
    after: &[OpId],
) -> OpId {
    let stop = plan.push(Action::StopContainer { container: existing(c), timeout }, cause.clone(), after.iter().copied());
    plan.push(Action::RemoveContainer { container: existing(c), volumes, force: true }, cause.clone(), [stop])
}

/// Docker Compose's `ImagePruner.ImagesToPrune`: with `all`, the images services name; then
/// images labelled with the project (of a known service unless removing orphans); then the
/// default names of services without `image`. Only images that exist; normalised, sorted.
fn images_to_prune(model: &Model, observed: &ObservedState, opts: &DownOptions) -> Vec<String> {
    let exists = |image: &str| {
        let wanted = normalize_image(image);
        observed.images.iter().any(|i| {
            i.id == image
                || i.id.strip_prefix("sha256:") == Some(image)
                || i.repo_tags.iter().any(|t| normalize_image(t) == wanted)
        })
    };
    let mut images = Vec::new();
    if opts.images == ImagePrune::All {
        images.extend(model.services.values().filter(|s| s.has_image && exists(&s.image)).map(|s| s.image.clone()));
    }
    for image in &observed.images {
        if image.labels.get(labels::PROJECT).map(String::as_str) != Some(model.project.as_str()) {
            continue;
        }
        let Some(tag) = image.repo_tags.first() else { continue };
        let known = image.labels.get(labels::SERVICE).is_some_and(|s| model.services.contains_key(s));
        if opts.remove_orphans || known {
            images.push(tag.clone());
        }
    }
    for (name, service) in &model.services {
        if service.has_image {
            continue;
        }
        // The loaded project's default name (`_` in compatibility mode); from labels alone,
        // Compose's default.
        let default = if service.image.is_empty() { format!("{}-{name}", model.project) } else { service.image.clone() };
        if exists(&default) {
            images.push(default);
        }
    }
    let set: BTreeSet<String> = images.iter().map(|i| normalize_image(i)).collect();
    set.into_iter().collect()
}

/// An image reference in its familiar form with a tag (`nginx` → `nginx:latest`,
/// `docker.io/library/redis:7` → `redis:7`), as Docker's reference library normalises it;
/// references it cannot parse (upper case in the name) are kept as they are.
pub fn normalize_image(image: &str) -> String {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let (domain, remainder) = match name.split_once('/') {
        Some((first, rest))
            if first.contains('.') || first.contains(':') || first == "localhost" || first.to_lowercase() != first =>
        {
            (first, rest)
        }
        _ => ("docker.io", name),
    };
    let domain = if domain == "index.docker.io" { "docker.io" } else { domain };
    let (path, tag) = match remainder.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') => (path, Some(tag)),
        _ => (remainder, None),
    };
    if path.is_empty() || path.chars().any(|c| c.is_ascii_uppercase()) {
        return image.to_owned();
    }
    let path = if domain == "docker.io" {
        path.strip_prefix("library/").filter(|rest| !rest.contains('/')).unwrap_or(path)
    } else {
        path
    };
    let mut out = if domain == "docker.io" { path.to_owned() } else { format!("{domain}/{path}") };
    match (tag, digest) {
        (Some(tag), _) => {
            out.push(':');
            out.push_str(tag);
        }
        (None, None) => out.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(digest) = digest {
        out.push('@');
        out.push_str(digest);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// stop, start, restart, kill, rm, pause, unpause

fn model_for(desired: Option<&DesiredState>, containers: &[&ObservedContainer], observed: &ObservedState) -> Model {
    if let Some(d) = desired {
        return Model::from_desired(d);
    }
    let project = containers.first().map(|c| c.project.clone()).unwrap_or_default();
    Model::from_labels(&project, containers, observed)
}

/// Plans `stop`: the containers of the selected services (all by default; one-off ones
/// excluded), each service after the services that depend on it.
pub fn plan_stop(desired: Option<&DesiredState>, observed: &ObservedState, opts: &StopOptions) -> Result<Plan, ReconcileError> {
    let containers: Vec<&ObservedContainer> = compose_containers(observed).into_iter().filter(|c| !c.oneoff).collect();
    let model = model_for(desired, &containers, observed);
    let graph = Graph::new(&model)?;
    let mut plan = Plan::new();
    stop_services(&graph, &containers, &opts.services, opts.timeout, &Cause::requested("stop"), &mut plan);
    Ok(plan)
}

fn stop_services(
    graph: &Graph,
    containers: &[&ObservedContainer],
    services: &[String],
    timeout: Option<Duration>,
    cause: &Cause,
    plan: &mut Plan,
) -> Vec<OpId> {
    let mut frontier = Frontier::new(Vec::new());
    let mut stops = Vec::new();
    for name in graph.reverse_order() {
        let before = frontier.before(graph.dependents(name));
        let mut ends = Vec::new();
        if services.is_empty() || services.iter().any(|s| s == name) {
            for c in containers.iter().filter(|c| c.service == name) {
                ends.push(plan.push(Action::StopContainer { container: existing(c), timeout }, cause.clone(), before.clone()));
            }
        }
        stops.extend(&ends);
        frontier.set(name, ends, before);
    }
    stops
}

/// Plans `start`: each service after its dependencies waits for its `depends_on` conditions,
/// then starts its containers that are not running; with `wait`, waits for every service.
pub fn plan_start(desired: Option<&DesiredState>, observed: &ObservedState, opts: &StartOptions) -> Result<Plan, ReconcileError> {
    let containers: Vec<&ObservedContainer> = compose_containers(observed).into_iter().filter(|c| !c.oneoff).collect();
    let mut model = model_for(desired, &containers, observed);
    if desired.is_none() {
        model.select(&opts.services, Selection::Dependencies).map_err(|e| match e {
            ReconcileError::NoSuchService(name) => ReconcileError::NoSuchServiceFound(name),
            other => other,
        })?;
    }
    let graph = Graph::new(&model)?;
    let mut replicas: BTreeMap<String, Vec<Replica>> = BTreeMap::new();
    for c in &containers {
        replicas.entry(c.service.clone()).or_default().push(Replica::observed(c));
    }
    let mut plan = Plan::new();
    let order = graph.order();
    let started = start_phase(&model, &graph, &order, &replicas, Vec::new(), &mut plan)?;
    if opts.wait {
        wait_all(&model, &replicas, &started.all(), &mut plan)?;
    }
    Ok(plan)
}

/// Plans `restart`: the containers of the selected services and of the services depending on
/// them through `depends_on` entries with `restart: true` (`--no-deps`: only the selected
/// ones), each service after its dependencies.
pub fn plan_restart(desired: Option<&DesiredState>, observed: &ObservedState, opts: &RestartOptions) -> Result<Plan, ReconcileError> {
    let containers: Vec<&ObservedContainer> = compose_containers(observed).into_iter().filter(|c| !c.oneoff).collect();
    let mut model = model_for(desired, &containers, observed);
    if opts.no_deps {
        model.select(&opts.services, Selection::Only)?;
    }
    for service in model.services.values_mut() {
        service.depends_on.retain(|_, d| d.restart);
        service.refs.clear();
    }
    model.select(&opts.services, Selection::Dependents)?;
    let graph = Graph::new(&model)?;
    let mut plan = Plan::new();
    let mut frontier = Frontier::new(Vec::new());
    let cause = Cause::requested("restart");
    for name in graph.order() {
        let before = frontier.before(graph.deps(name));
        let ends: Vec<OpId> = containers
            .iter()
            .filter(|c| c.service == name)
            .map(|c| {
                plan.push(Action::RestartContainer { container: existing(c), timeout: opts.timeout }, cause.clone(), before.clone())
            })
            .collect();
        frontier.set(name, ends, before);
    }
    Ok(plan)
}

/// Plans `kill`: the running containers of the selected services (one-off ones included), and
/// with `remove_orphans` those of services outside the project; all at once.
pub fn plan_kill(desired: Option<&DesiredState>, observed: &ObservedState, opts: &KillOptions) -> Result<Plan, ReconcileError> {
    let running: Vec<&ObservedContainer> =
        compose_containers(observed).into_iter().filter(|c| c.state.is_running_process()).collect();
    let mut containers = of_services(&running, &opts.services);
    let model = model_for(desired, &containers, observed);
    if !opts.remove_orphans {
        containers.retain(|c| model.services.contains_key(&c.service));
    }
    let mut plan = Plan::new();
    if containers.is_empty() {
        plan.warn("no container to kill");
    }
    for c in containers {
        plan.push(
            Action::KillContainer { container: existing(c), signal: opts.signal.clone() },
            Cause::requested("kill"),
            [],
        );
    }
    Ok(plan)
}

/// Plans `rm`: the stopped containers of the selected services (one-off ones excluded); with
/// `stop`, all of them, after stopping them as `stop` does.
pub fn plan_remove(desired: Option<&DesiredState>, observed: &ObservedState, opts: &RemoveOptions) -> Result<Plan, ReconcileError> {
    let all: Vec<&ObservedContainer> = compose_containers(observed).into_iter().filter(|c| !c.oneoff).collect();
    let mut plan = Plan::new();
    let mut stops = Vec::new();
    if opts.stop {
        let model = model_for(desired, &all, observed);
        let graph = Graph::new(&model)?;
        stops = stop_services(&graph, &all, &opts.services, None, &Cause::requested("rm --stop"), &mut plan);
    }
    let mut containers = of_services(&all, &opts.services);
    if let Some(desired) = desired {
        containers.retain(|c| desired.services.contains_key(&c.service));
    }
    containers.retain(|c| opts.stop || !c.state.is_running_process());
    if containers.is_empty() {
        plan.warn("No stopped containers");
    }
    for c in containers {
        plan.push(
            Action::RemoveContainer { container: existing(c), volumes: opts.volumes, force: opts.force },
            Cause::requested("rm"),
            stops.clone(),
        );
    }
    Ok(plan)
}

/// Plans `pause`: the running containers of the selected services, all at once.
pub fn plan_pause(desired: Option<&DesiredState>, observed: &ObservedState, services: &[String]) -> Plan {
    pause_or_unpause(desired, observed, services, true)
}

/// Plans `unpause`: the running (paused) containers of the selected services, all at once.
pub fn plan_unpause(desired: Option<&DesiredState>, observed: &ObservedState, services: &[String]) -> Plan {
    pause_or_unpause(desired, observed, services, false)
}

fn pause_or_unpause(desired: Option<&DesiredState>, observed: &ObservedState, services: &[String], pause: bool) -> Plan {
    let running: Vec<&ObservedContainer> = compose_containers(observed)
        .into_iter()
        .filter(|c| !c.oneoff && c.state.is_running_process())
        .collect();
    let mut containers = of_services(&running, services);
    if let Some(desired) = desired {
        containers.retain(|c| desired.services.contains_key(&c.service));
    }
    let mut plan = Plan::new();
    for c in containers {
        let (action, command) = if pause {
            (Action::PauseContainer { container: existing(c) }, "pause")
        } else {
            (Action::UnpauseContainer { container: existing(c) }, "unpause")
        };
        plan.push(action, Cause::requested(command), []);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recreate_policies_from_flags() {
        use RecreatePolicy::{Diverged, Force, Never};
        assert_eq!(RecreatePolicy::from_flags(false, false, false), (Diverged, Diverged));
        assert_eq!(RecreatePolicy::from_flags(true, false, false), (Force, Diverged));
        assert_eq!(RecreatePolicy::from_flags(false, false, true), (Diverged, Force));
        assert_eq!(RecreatePolicy::from_flags(true, true, true), (Never, Never));
    }

    #[test]
    fn image_names_normalise() {
        let cases = [
            ("nginx", "nginx:latest"),
            ("nginx:1.25", "nginx:1.25"),
            ("docker.io/library/redis:7", "redis:7"),
            ("index.docker.io/library/redis", "redis:latest"),
            ("library/redis", "redis:latest"),
            ("user/app", "user/app:latest"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("registry.example.com/team/app:v1", "registry.example.com/team/app:v1"),
            ("lab-web", "lab-web:latest"),
            ("Bad/Name", "Bad/Name"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize_image(input), expected, "{input}");
        }
        assert_eq!(normalize_image("nginx@sha256:abc"), "nginx@sha256:abc");
    }

    #[test]
    fn go_lists_print_like_fmt() {
        assert_eq!(go_list(&["a".into(), "b".into()]), "[a b]");
        assert_eq!(go_list(&[]), "[]");
    }
}
