//! `run`: a one-off container for a service, as Docker Compose 2.26.1 makes it
//! (`cmd/compose/run.go`, `pkg/compose/run.go`).
//!
//! 1. The project is edited for the run ([`prepare_run_project`]): `--no-deps` drops the other
//!    services; the service gets the command line's command, entrypoint, user, working
//!    directory, capabilities, environment, labels and extra volumes.
//! 2. The dependencies are brought up as `up -d` would, with the run service set aside
//!    (networks and volumes are created even when there is no dependency).
//! 3. The service's image is made available, the service's own `depends_on` conditions are
//!    waited for (unless `--no-deps`), and the container is created: named
//!    `<project>-<service>-run-<slug[:12]>` (or `--name`), labelled
//!    `com.docker.compose.oneoff=True` and `com.docker.compose.slug`, no restart policy, ports
//!    published only with `--service-ports` or `-p`, network aliases only with
//!    `--use-aliases`, and with `--rm` the engine's auto-remove (which also removes the
//!    container's anonymous volumes).
//! 4. [`attach_and_start`] attaches to it, registers the wait for its exit, then starts it;
//!    the caller moves the bytes and reads the exit code.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use berth_engine::{
    bytes_stream, AttachOptions, AttachedIo, Engine, EngineResult, NetworkConnect, WaitCondition, WaitResult,
};
use berth_spec::canonical::{parse_port_spec, parse_volume};
use berth_spec::model::{Project, ServicePortConfig, ServiceVolumeBind, ServiceVolumeConfig, ServiceVolumeVolume};
use futures::future::BoxFuture;

use super::up::{ensure_images, prepare_project, up, UpOptions};
use super::OpsError;
use crate::convert::{self, ContainerOptions, CreateContext, OneOff, ResolvedReferences};
use crate::desired::{desired_from_project, Condition};
use crate::events::{Event, EventSink, Progress, ResourceKind, Status};
use crate::execute::CancellationToken;
use crate::hash::service_hash;
use crate::observe::{observe, CONFIG_LABEL};
use crate::observed::ObservedState;
use crate::wait::{wait_for, EventHub, WaitContainer, WaitFailure, WaitSpec};

/// The command line of `run`.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// The service to run.
    pub service: String,
    /// The command (empty: the service's).
    pub command: Vec<String>,
    /// `--entrypoint`, already split into words.
    pub entrypoint: Option<Vec<String>>,
    /// `-e`: `KEY=value`, or `KEY` to take the value from the project's environment.
    pub env: Vec<String>,
    /// `-l`: labels to add or override.
    pub labels: BTreeMap<String, String>,
    /// `-u`.
    pub user: Option<String>,
    /// `-w`.
    pub workdir: Option<String>,
    /// `--cap-add`.
    pub cap_add: Vec<String>,
    /// `--cap-drop`.
    pub cap_drop: Vec<String>,
    /// `-v`: extra volumes, short syntax.
    pub volumes: Vec<String>,
    /// `-p`: ports to publish, short syntax.
    pub publish: Vec<String>,
    /// `--name`.
    pub name: Option<String>,
    /// `--rm`.
    pub auto_remove: bool,
    /// `-d`.
    pub detach: bool,
    /// A TTY (unless `-T`).
    pub tty: bool,
    /// `-i`: keep stdin open and attach it.
    pub interactive: bool,
    /// `--use-aliases`.
    pub use_aliases: bool,
    /// `--service-ports`.
    pub service_ports: bool,
    /// `--no-deps`.
    pub no_deps: bool,
    /// How the dependencies are brought up (`--remove-orphans`, `--pull`, the image builder,
    /// creation settings); its `services` and `no_start` are ignored.
    pub up: UpOptions,
}

/// The container `run` created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOffContainer {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A short-syntax volume as a service volume.
fn volume_config(spec: &str) -> Result<ServiceVolumeConfig, OpsError> {
    let v = parse_volume(spec).map_err(OpsError::Image)?;
    Ok(ServiceVolumeConfig {
        kind: v.kind,
        source: v.source,
        target: v.target,
        read_only: v.read_only,
        bind: v.bind.map(|b| ServiceVolumeBind {
            selinux: b.selinux,
            propagation: b.propagation,
            create_host_path: b.create_host_path,
            ..ServiceVolumeBind::default()
        }),
        volume: v.volume_nocopy.map(|nocopy| ServiceVolumeVolume { nocopy, ..ServiceVolumeVolume::default() }),
        ..ServiceVolumeConfig::default()
    })
}

/// `-p` entries as service ports.
pub fn publish_ports(publish: &[String]) -> Result<Vec<ServicePortConfig>, OpsError> {
    let mut out = Vec::new();
    for raw in publish {
        for p in parse_port_spec(raw).map_err(OpsError::Image)? {
            out.push(ServicePortConfig {
                host_ip: p.host_ip,
                target: u32::from(p.target),
                published: p.published,
                protocol: p.protocol,
                mode: "ingress".to_owned(),
                ..ServicePortConfig::default()
            });
        }
    }
    Ok(out)
}

/// The project as `run` works on it: `--no-deps` applied and the service edited with the
/// command line's options, as Docker Compose's `runOptions.apply` and `applyRunOptions` do.
pub fn prepare_run_project(project: &Project, req: &RunRequest) -> Result<Project, OpsError> {
    let narrow = UpOptions { services: vec![req.service.clone()], no_deps: req.no_deps, ..UpOptions::default() };
    let mut project = prepare_project(project, &narrow)?;
    let environment = project.environment.clone();
    let Some(s) = project.services.get_mut(&req.service) else {
        return Err(crate::reconcile::ReconcileError::NoSuchService(req.service.clone()).into());
    };
    s.tty = req.tty;
    s.stdin_open = req.interactive;
    for v in &req.volumes {
        s.volumes.push(volume_config(v)?);
    }
    if !req.command.is_empty() {
        s.command = Some(req.command.clone());
    }
    if let Some(user) = req.user.as_ref().filter(|u| !u.is_empty()) {
        s.user.clone_from(user);
    }
    if !req.cap_add.is_empty() {
        s.cap_add.extend(req.cap_add.iter().cloned());
        s.cap_drop.retain(|c| !req.cap_add.contains(c));
    }
    if !req.cap_drop.is_empty() {
        s.cap_drop.extend(req.cap_drop.iter().cloned());
        s.cap_add.retain(|c| !req.cap_drop.contains(c));
    }
    if let Some(dir) = req.workdir.as_ref().filter(|d| !d.is_empty()) {
        s.working_dir.clone_from(dir);
    }
    if let Some(entrypoint) = &req.entrypoint {
        s.entrypoint = Some(entrypoint.clone());
        if req.command.is_empty() {
            s.command = Some(Vec::new());
        }
    }
    for entry in &req.env {
        // A bare key takes the project's value; without one it is dropped (`RemoveEmpty`).
        let (key, value) = match entry.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (entry.clone(), environment.get(entry).cloned()),
        };
        if let Some(value) = value {
            s.environment.insert(key, Some(value));
        }
    }
    for (k, v) in &req.labels {
        s.labels.insert(k.clone(), v.clone());
    }
    Ok(project)
}

/// A new run id: 64 random hex digits, as the docker CLI's `stringid.GenerateRandomID`.
fn new_slug() -> Result<String, OpsError> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| OpsError::Image(format!("generating the run container's id: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The containers `service:` references and links of the run service resolve to.
fn resolve_references(observed: &ObservedState) -> ResolvedReferences {
    let mut resolved = ResolvedReferences::default();
    let mut by_service: BTreeMap<&str, Vec<(u32, &str, &str)>> = BTreeMap::new();
    for c in observed.containers.iter().filter(|c| !c.oneoff) {
        by_service.entry(c.service.as_str()).or_default().push((c.number.unwrap_or(0), c.id.as_str(), c.name.as_str()));
    }
    for (service, mut list) in by_service {
        list.sort_unstable();
        if let Some((_, id, _)) = list.first() {
            resolved.service_containers.insert(service.to_owned(), (*id).to_owned());
        }
        resolved.link_containers.insert(service.to_owned(), list.iter().map(|(_, _, name)| (*name).to_owned()).collect());
    }
    resolved
}

/// Waits for the run service's `depends_on` conditions (Docker Compose's `waitDependencies`).
async fn wait_dependencies(
    engine: &dyn Engine,
    project: &Project,
    service: &str,
    observed: &ObservedState,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), OpsError> {
    let desired = desired_from_project(project, &BTreeMap::new())?;
    let Some(dependencies) = desired.services.get(service).map(|s| s.depends_on.clone()) else {
        return Ok(());
    };
    let waits: Vec<_> = dependencies
        .into_iter()
        .filter(|(_, d)| matches!(d.condition, Condition::Healthy | Condition::CompletedSuccessfully))
        .collect();
    if waits.is_empty() {
        return Ok(());
    }
    let hub = EventHub::start(engine, &project.name);
    for (name, dependency) in waits {
        let mut containers: Vec<_> =
            observed.containers.iter().filter(|c| !c.oneoff && c.service == name).collect();
        containers.sort_by_key(|c| c.number);
        let spec = WaitSpec {
            service: name.clone(),
            containers: containers.iter().map(|c| WaitContainer { id: c.id.clone(), name: c.name.clone() }).collect(),
            condition: dependency.condition.clone(),
            required: dependency.required,
            dependant: Some(service.to_owned()),
            chain: vec![service.to_owned(), name.clone()],
        };
        match wait_for(engine, &hub, &spec, sink, cancel).await {
            Ok(_) => {}
            Err(WaitFailure::Failed(e)) => return Err(OpsError::Image(e.to_string())),
            Err(WaitFailure::Engine { container, source }) => {
                return Err(OpsError::Engine { context: format!("inspecting container {container}"), source })
            }
            Err(WaitFailure::Cancelled) => return Err(OpsError::Image("canceled".to_owned())),
        }
    }
    Ok(())
}

/// Brings up the dependencies of the run service (`project` as [`prepare_run_project`] made
/// it): every other service of the project, as `up -d` does, with the run service set aside.
pub async fn start_dependencies(
    engine: Arc<dyn Engine>,
    project: &Project,
    req: &RunRequest,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), OpsError> {
    let mut deps = project.clone();
    if let Some(target) = deps.services.remove(&req.service) {
        deps.disabled_services.insert(req.service.clone(), target);
    }
    let opts = UpOptions { services: Vec::new(), no_start: deps.services.is_empty(), no_deps: false, ..req.up.clone() };
    up(engine, &deps, &opts, sink, cancel).await.map(|_| ())
}

/// Creates the one-off container of `req.service` (the dependencies already up): its image
/// made available, its dependencies' conditions met, then the container created.
pub async fn create_one_off(
    engine: &dyn Engine,
    project: &Project,
    req: &RunRequest,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<OneOffContainer, OpsError> {
    let mut only = project.clone();
    only.services.retain(|name, _| name == &req.service);
    let digests = ensure_images(engine, &only, &req.up, sink).await?;
    let observed = observe(engine, &project.name, true).await?;
    // A dry run started no dependency: there is nothing to wait for.
    if !req.no_deps && !req.up.run.dry_run {
        wait_dependencies(engine, project, &req.service, &observed, sink, cancel).await?;
    }
    let Some(service) = project.services.get(&req.service) else {
        return Err(crate::reconcile::ReconcileError::NoSuchService(req.service.clone()).into());
    };
    let mut ctx = CreateContext::new(project, engine.capabilities().api_version);
    ctx.env_files.clone_from(&req.up.create.env_files);
    ctx.proxy_env.clone_from(&req.up.create.proxy_env);
    ctx.separator = &req.up.create.separator;
    let one_off = OneOff {
        slug: new_slug()?,
        name: req.name.clone(),
        auto_remove: req.auto_remove,
        interactive: req.interactive,
        tty: req.tty,
        use_aliases: req.use_aliases,
        service_ports: req.service_ports,
        publish: publish_ports(&req.publish)?,
    };
    let mut options = ContainerOptions {
        image_digest: digests.get(&super::service_image(project, service)).cloned(),
        one_off: Some(one_off),
        resolved: resolve_references(&observed),
        ..ContainerOptions::default()
    };
    let convert_err = |e: convert::ConvertError| OpsError::Image(e.to_string());
    let effective = convert::effective_service(&ctx, service, &options).map_err(convert_err)?;
    options.config_hash = service_hash(&effective)?;
    let mut spec = convert::container_create(&ctx, service, 1, &options).map_err(convert_err)?;
    if let Ok(json) = crate::hash::service_json(&effective) {
        spec.create.config.labels.insert(CONFIG_LABEL.to_owned(), json.to_string());
    }
    let name = spec.create.name.clone().unwrap_or_default();
    if req.up.run.dry_run {
        // As Docker Compose's dry-run client, the container that would be made goes by its name.
        return Ok(OneOffContainer { id: name.clone(), name });
    }
    let context = format!("creating container {name}");
    let engine_err = |source| OpsError::Engine { context: context.clone(), source };
    let created = engine.create_container(&spec.create).await.map_err(engine_err)?;
    for warning in &created.warnings {
        sink.emit(Event::Progress(Progress::new(ResourceKind::Service, &req.service, Status::Warning, warning)));
    }
    for (network, endpoint) in spec.connect {
        let request = NetworkConnect { container: created.id.clone(), endpoint };
        engine.connect_network(&network, &request).await.map_err(engine_err)?;
    }
    for file in convert::file_injections(project, service, crate::wait::unix_now()).map_err(convert_err)? {
        engine.archive_put(&created.id, &file.path, bytes_stream(file.archive), &file.options).await.map_err(engine_err)?;
    }
    Ok(OneOffContainer { id: created.id, name })
}

/// The exit of a started one-off container, registered before it started.
pub type ExitWait = BoxFuture<'static, EngineResult<WaitResult>>;

/// Attaches to the container (stdin when `stdin`; `detach_keys` as the docker CLI tells the
/// engine its configured ones), registers the wait for its exit (its removal with `--rm`),
/// then starts it, as the docker CLI's `RunStart` does.
pub async fn attach_and_start(
    engine: Arc<dyn Engine>,
    id: &str,
    stdin: bool,
    auto_remove: bool,
    detach_keys: Option<String>,
) -> Result<(AttachedIo, ExitWait), OpsError> {
    let context = |what: &str| format!("{what} container {id}");
    let attach = AttachOptions { stdin, stdout: true, stderr: true, stream: true, detach_keys, ..AttachOptions::default() };
    // Podman binds the published ports when it prepares the attach: a taken one fails here.
    let io = match engine.attach_container(id, &attach).await {
        Ok(io) => io,
        Err(e) => {
            let source = crate::port_conflict::explained(engine.as_ref(), id, e).await;
            return Err(OpsError::Engine { context: context("attaching to"), source });
        }
    };
    let spawn_wait = |condition: WaitCondition| {
        let waiter = Arc::clone(&engine);
        let owned = id.to_owned();
        tokio::spawn(async move { waiter.wait_container(&owned, condition).await })
    };
    // Podman 4.3 answers a `removed` wait with status 0 whatever the exit code (the docker CLI
    // and the reference then report 0 too): there the code comes from a `next-exit` wait, and
    // the `removed` one only tells when the engine is done with the container.
    let split = auto_remove && engine.capabilities().is_podman;
    let (exit_handle, removal) = match (auto_remove, split) {
        (true, true) => (spawn_wait(WaitCondition::NextExit), Some(spawn_wait(WaitCondition::Removed))),
        (true, false) => (spawn_wait(WaitCondition::Removed), None),
        (false, _) => (spawn_wait(WaitCondition::NextExit), None),
    };
    // The wait requests must reach the engine before the container can exit.
    tokio::task::yield_now().await;
    if let Err(e) = engine.start_container(id).await {
        let source = crate::port_conflict::explained(engine.as_ref(), id, e).await;
        return Err(OpsError::Engine { context: context("starting"), source });
    }
    let exit: ExitWait = Box::pin(async move {
        let joined = |e: tokio::task::JoinError| berth_engine::EngineError::Io {
            context: "waiting for the container".to_owned(),
            source: std::io::Error::other(e.to_string()),
        };
        let result = exit_handle.await.map_err(joined)?;
        if let Some(removal) = removal {
            // A container removed before this wait was registered answers 404: removed all the same.
            drop(removal.await);
        }
        result
    });
    Ok((io, exit))
}

/// Starts the container without attaching (`run -d`).
pub async fn start_detached(engine: &dyn Engine, id: &str) -> Result<(), OpsError> {
    if let Err(e) = engine.start_container(id).await {
        let source = crate::port_conflict::explained(engine, id, e).await;
        return Err(OpsError::Engine { context: format!("starting container {id}"), source });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_spec::model::ServiceConfig;

    fn project() -> Project {
        let mut p = Project { name: "lab".into(), ..Project::default() };
        let mut web = ServiceConfig { name: "web".into(), image: "busybox".into(), ..ServiceConfig::default() };
        web.cap_drop = vec!["NET_ADMIN".into()];
        web.depends_on.insert("db".into(), berth_spec::model::ServiceDependency::default());
        p.services.insert("web".into(), web);
        p.services.insert("db".into(), ServiceConfig { name: "db".into(), image: "busybox".into(), ..ServiceConfig::default() });
        p.environment.insert("FROM_PROJECT".into(), "p".into());
        p
    }

    #[test]
    fn run_options_edit_the_service() {
        let req = RunRequest {
            service: "web".into(),
            entrypoint: Some(vec!["/bin/sh".into()]),
            env: vec!["A=1".into(), "FROM_PROJECT".into(), "NOWHERE".into()],
            cap_add: vec!["NET_ADMIN".into()],
            volumes: vec!["/data".into()],
            user: Some("nobody".into()),
            tty: true,
            ..RunRequest::default()
        };
        let p = prepare_run_project(&project(), &req).unwrap();
        let web = &p.services["web"];
        assert_eq!(web.entrypoint, Some(vec!["/bin/sh".to_owned()]));
        assert_eq!(web.command, Some(Vec::new()), "an entrypoint without a command clears the command");
        assert_eq!(web.environment.get("A"), Some(&Some("1".to_owned())));
        assert_eq!(web.environment.get("FROM_PROJECT"), Some(&Some("p".to_owned())));
        assert!(!web.environment.contains_key("NOWHERE"));
        assert_eq!(web.cap_add, ["NET_ADMIN"]);
        assert!(web.cap_drop.is_empty(), "--cap-add takes the capability out of cap_drop");
        assert_eq!(web.volumes.first().map(|v| v.target.as_str()), Some("/data"));
        assert_eq!(web.user, "nobody");
        assert!(web.tty && !web.stdin_open);
        assert!(p.services.contains_key("db"));
    }

    #[test]
    fn no_deps_keeps_only_the_service() {
        let req = RunRequest { service: "web".into(), no_deps: true, ..RunRequest::default() };
        let p = prepare_run_project(&project(), &req).unwrap();
        assert_eq!(p.services.keys().collect::<Vec<_>>(), ["web"]);
        assert!(p.services["web"].depends_on.is_empty());
        let missing = RunRequest { service: "nope".into(), ..RunRequest::default() };
        assert!(prepare_run_project(&project(), &missing).is_err());
    }

    #[test]
    fn published_ports_from_the_command_line() {
        let ports = publish_ports(&["127.0.0.1:8080:80".to_owned(), "9000-9001:90-91/udp".to_owned()]).unwrap();
        let short: Vec<String> =
            ports.iter().map(|p| format!("{}:{}:{}/{}", p.host_ip, p.published, p.target, p.protocol)).collect();
        assert_eq!(short, ["127.0.0.1:8080:80/tcp", ":9000:90/udp", ":9001:91/udp"]);
        assert!(publish_ports(&["x:y".to_owned()]).is_err());
    }

    #[test]
    fn slugs_are_64_hex_digits_and_differ() {
        let a = new_slug().unwrap();
        let b = new_slug().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn dry_run_creates_no_one_off_container() {
        let engine = berth_engine::FakeEngine::new();
        engine.add_image("busybox", berth_engine::ImageConfig::default());
        let mut req = RunRequest { service: "web".into(), ..RunRequest::default() };
        req.up.run.dry_run = true;
        let p = prepare_run_project(&project(), &req).unwrap();
        let sink = crate::events::Recorder::new();
        let created = create_one_off(&engine, &p, &req, &sink, &CancellationToken::new()).await.unwrap();
        assert!(created.name.starts_with("lab-web-run-"), "{}", created.name);
        assert_eq!(created.id, created.name);
        assert!(engine.calls().iter().all(|c| !c.starts_with("create_container")), "{:?}", engine.calls());
    }
}
