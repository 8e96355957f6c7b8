//! Compose service → engine creation specs, as Docker Compose 2.26.1 builds them
//! (`pkg/compose/create.go`, `convergence.go`, `secrets.go`).
//!
//! Everything here is pure: the caller resolves what needs the engine (the config hash, the
//! image digest, the containers that `service:` references and links point to, the names of
//! external networks, the engine's API version) and passes it in through [`CreateContext`] and
//! [`ContainerOptions`]; the functions only translate. The parts:
//!
//! - [`container_create`]: name, labels, `Config`, `HostConfig` and networks of one container
//!   ([`container`], [`host`], [`mounts`], [`network`]);
//! - [`secret_mounts`] / [`config_mounts`] and [`file_injections`]: file-based secrets and
//!   configs are read-only binds, the others are tar archives copied in after creation
//!   ([`files`]);
//! - [`network_create`] / [`volume_create`]: the project's networks and volumes ([`objects`]).
//!
//! Where Docker Compose iterates a Go map (mounts, environment, ulimits, extra hosts,
//! `depends_on`), its order is random; berth sorts, so the same input always gives the same spec.

mod container;
mod files;
mod host;
pub(crate) mod mounts;
mod network;
mod objects;

use std::collections::BTreeMap;

use berth_engine::{
    ApiVersion, ContainerCreate, EndpointConfig, MountPoint, NetworkingConfig,
};
use berth_spec::model::{Project, ServicePortConfig, ServiceConfig};

use crate::labels;

pub use files::{config_archives, file_injections, secret_archives, FileInjection};
pub use mounts::{clean_path, config_mounts, secret_mounts};
pub use network::networks_by_priority;
pub use objects::{network_create, volume_create};

/// Why a service cannot be turned into a container spec. Messages follow Docker Compose's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// A value the engine cannot take (bad port, restart policy, security option...).
    #[error("service {service}: {message}")]
    Invalid {
        /// The service.
        service: String,
        /// What is wrong.
        message: String,
    },
    /// A feature the engine's API version does not offer.
    #[error("service {service}: {message}")]
    Unsupported {
        /// The service.
        service: String,
        /// What is missing, and from which version.
        message: String,
    },
    /// A `service:` reference (`volumes_from`, `network_mode`, `ipc`, `pid`) whose service has
    /// no container yet.
    #[error("cannot share {what} with service {target}: container missing")]
    MissingContainer {
        /// `volume`, `network namespace`, `IPC namespace` or `PID namespace`.
        what: &'static str,
        /// The referenced service.
        target: String,
    },
    /// A reference to a network, secret or config the project does not define.
    #[error("service {service}: {message}")]
    NotFound {
        /// The service.
        service: String,
        /// What is missing.
        message: String,
    },
    /// A file the conversion must read (a seccomp profile) cannot be read or parsed.
    #[error("service {service}: {message}")]
    Io {
        /// The service.
        service: String,
        /// The failure.
        message: String,
    },
}

impl ConvertError {
    pub(crate) fn invalid(service: &ServiceConfig, message: impl Into<String>) -> Self {
        Self::Invalid { service: service.name.clone(), message: message.into() }
    }

    pub(crate) fn unsupported(service: &ServiceConfig, message: impl Into<String>) -> Self {
        Self::Unsupported { service: service.name.clone(), message: message.into() }
    }

    pub(crate) fn not_found(service: &ServiceConfig, message: impl Into<String>) -> Self {
        Self::NotFound { service: service.name.clone(), message: message.into() }
    }
}

/// What every container of a project is created with: the project and facts about the engine
/// and the command line.
#[derive(Debug, Clone)]
pub struct CreateContext<'a> {
    /// The loaded project (networks, volumes, secrets, configs, environment, name, directory
    /// and files).
    pub project: &'a Project,
    /// The engine's API version: below 1.44 a container is created on its primary network
    /// only, a MAC address lives in `Config`, and `healthcheck.start_interval` is refused.
    pub api_version: ApiVersion,
    /// The `--env-file` files as absolute paths; they become the
    /// `com.docker.compose.project.environment_file` label when any is given.
    pub env_files: Vec<String>,
    /// Engine names of networks that differ from `project.networks[key].name`: Docker Compose
    /// refers to an external network by the id it resolved (`resolveExternalNetwork`).
    pub network_names: BTreeMap<String, String>,
    /// Proxy variables from the docker CLI configuration (`HTTP_PROXY`...), which the
    /// service's `environment` overrides.
    pub proxy_env: BTreeMap<String, String>,
    /// The separator of generated names: `-`, or `_` with `--compatibility`.
    pub separator: &'a str,
}

impl<'a> CreateContext<'a> {
    /// A context for `project` on an engine speaking `api_version`, with no env files, proxy
    /// variables or renamed networks, and the `-` separator.
    pub fn new(project: &'a Project, api_version: ApiVersion) -> Self {
        Self {
            project,
            api_version,
            env_files: Vec::new(),
            network_names: BTreeMap::new(),
            proxy_env: BTreeMap::new(),
            separator: "-",
        }
    }

    /// Whether every network goes into the create call (API >= 1.44).
    pub(crate) fn multiple_networks_on_create(&self) -> bool {
        self.api_version.at_least(ApiVersion::MULTIPLE_NETWORKS_ON_CREATE)
    }

    /// The engine name of the project network `key`.
    pub(crate) fn network_name(&self, service: &ServiceConfig, key: &str) -> Result<String, ConvertError> {
        if let Some(name) = self.network_names.get(key) {
            return Ok(name.clone());
        }
        match self.project.networks.get(key) {
            Some(n) if !n.name.is_empty() => Ok(n.name.clone()),
            Some(_) => Ok(format!("{}_{key}", self.project.name)),
            None => Err(ConvertError::not_found(service, format!("service \"{}\" refers to undefined network {key}: invalid compose project", service.name))),
        }
    }
}

/// Containers that a service's references resolve to, looked up by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolvedReferences {
    /// For `volumes_from`, `network_mode`, `ipc` and `pid` entries of the form `service:x`
    /// (or plain `x` in `volumes_from`): the id of the container of `x` Docker Compose picks
    /// (the first of its containers, sorted).
    pub service_containers: BTreeMap<String, String>,
    /// For `links`: the names of the (non one-off) containers of each linked service, in the
    /// order the engine lists them.
    pub link_containers: BTreeMap<String, Vec<String>>,
}

/// What a recreated container takes over from the one it replaces: its anonymous volumes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inherit {
    /// The mounts of the replaced container, as inspected.
    pub mounts: Vec<MountPoint>,
    /// The volumes the image declares (`Config.Volumes` of the image), cleaned paths.
    pub image_volumes: Vec<String>,
}

/// The `run` command's options that shape the one-off container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OneOff {
    /// Unique id of the run (64 hex digits); the name uses its first 12.
    pub slug: String,
    /// `--name`: replaces the service's `container_name` (Docker Compose ignores that one
    /// for `run`).
    pub name: Option<String>,
    /// `--rm`.
    pub auto_remove: bool,
    /// `-i`: attach and keep stdin open.
    pub interactive: bool,
    /// A TTY (`run` allocates one unless `-T`).
    pub tty: bool,
    /// `--use-aliases`: give the container the service's network aliases.
    pub use_aliases: bool,
    /// `--service-ports`: publish the service's ports; otherwise only `publish` is.
    pub service_ports: bool,
    /// `-p`: ports to publish instead of the service's, already parsed.
    pub publish: Vec<ServicePortConfig>,
}

/// What one container is created with, besides the service and the project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerOptions {
    /// `com.docker.compose.config-hash`: `berth_core::hash::service_hash` of
    /// [`effective_service`] (the service with its references resolved and `run` edits made),
    /// which is what Docker Compose hashes.
    pub config_hash: String,
    /// `com.docker.compose.image`: the id of the image the container runs, when known.
    pub image_digest: Option<String>,
    /// On recreate: the id of the replaced container (`com.docker.compose.replace`).
    pub replace: Option<String>,
    /// A name to create under instead of the final one (on recreate Docker Compose creates
    /// `<old id[:12]>_<name>` and renames it once the old container is gone).
    pub create_name: Option<String>,
    /// On recreate: what to take over from the replaced container.
    pub inherit: Option<Inherit>,
    /// Set for a `run` container.
    pub one_off: Option<OneOff>,
    /// Containers that `service:` references and links resolve to.
    pub resolved: ResolvedReferences,
}

/// A container to create and the networks to connect it to before it starts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerPlan {
    /// The create call: name, `Config`, `HostConfig` and the networks it is created on (all of
    /// them from API 1.44, else only the primary one).
    pub create: ContainerCreate,
    /// Below API 1.44: the other networks, in priority order, to connect after creation and
    /// before start, each with its engine name.
    pub connect: Vec<(String, EndpointConfig)>,
}

/// The name of container `number` of `service`: `container_name`, else
/// `<project><sep><service><sep><number>`.
pub fn container_name(ctx: &CreateContext<'_>, service: &ServiceConfig, number: u32) -> String {
    if service.container_name.is_empty() {
        default_container_name(ctx, &service.name, number)
    } else {
        service.container_name.clone()
    }
}

/// `<project><sep><service><sep><number>`, the name Docker Compose gives a replica.
pub fn default_container_name(ctx: &CreateContext<'_>, service: &str, number: u32) -> String {
    [ctx.project.name.as_str(), service, &number.to_string()].join(ctx.separator)
}

/// The name of a `run` container: `--name`, else `<project><sep><service><sep>run<sep><slug[:12]>`.
pub fn one_off_name(ctx: &CreateContext<'_>, service: &ServiceConfig, run: &OneOff) -> String {
    if let Some(name) = run.name.as_ref().filter(|n| !n.is_empty()) {
        return name.clone();
    }
    let short: String = run.slug.chars().take(12).collect();
    [ctx.project.name.as_str(), service.name.as_str(), "run", &short].join(ctx.separator)
}

/// The image a service runs: `image`, else the name a build is tagged with.
pub fn image_name(ctx: &CreateContext<'_>, service: &ServiceConfig) -> String {
    berth_spec::project::image_name(ctx.project, service)
}

/// The labels of a container, as Docker Compose merges them: the service's `labels`, then
/// berth's own (`custom_labels`), then the `com.docker.compose.*` labels, which win.
pub fn container_labels(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    number: u32,
    options: &ContainerOptions,
) -> BTreeMap<String, String> {
    let project = ctx.project;
    let mut out: BTreeMap<String, String> = service.labels.clone();
    out.extend(service.custom_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut set = |k: &str, v: String| {
        out.insert(k.to_owned(), v);
    };
    set(labels::PROJECT, project.name.clone());
    set(labels::SERVICE, service.name.clone());
    set(labels::VERSION, labels::COMPOSE_VERSION.to_owned());
    set(labels::WORKING_DIR, project.working_dir.clone());
    set(labels::CONFIG_FILES, project.compose_files.join(","));
    set(labels::ONEOFF, if options.one_off.is_some() { "True" } else { "False" }.to_owned());
    if !ctx.env_files.is_empty() {
        set(labels::ENVIRONMENT_FILE, ctx.env_files.join(","));
    }
    if let Some(run) = &options.one_off {
        set(labels::SLUG, run.slug.clone());
    }
    if let Some(digest) = &options.image_digest {
        set(labels::IMAGE, digest.clone());
    }
    if let Some(replaced) = &options.replace {
        set(labels::REPLACE, replaced.clone());
    }
    set(labels::CONFIG_HASH, options.config_hash.clone());
    set(labels::CONTAINER_NUMBER, number.to_string());
    set(labels::DEPENDS_ON, depends_on_label(service));
    out
}

/// `com.docker.compose.depends_on`: `service:condition:restart`, comma-separated (sorted by
/// service; Docker Compose's order is a Go map's).
pub fn depends_on_label(service: &ServiceConfig) -> String {
    service
        .depends_on
        .iter()
        .map(|(name, dep)| format!("{name}:{}:{}", dep.condition, dep.restart))
        .collect::<Vec<_>>()
        .join(",")
}

/// The spec of container `number` of `service`, as Docker Compose's `getCreateConfigs` and
/// `createMobyContainer` build it.
pub fn container_create(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    number: u32,
    options: &ContainerOptions,
) -> Result<ContainerPlan, ConvertError> {
    let service = effective_service(ctx, service, options)?;
    let service = &service;
    let name = container_name(ctx, service, number);
    let networks = network::plan(ctx, service, &name, number, options)?;
    let config = container::config(ctx, service, number, options, networks.container_mac.clone())?;
    let host_config = host::host_config(ctx, service, options, networks.network_mode.clone(), &networks.links)?;
    let create = ContainerCreate {
        name: Some(options.create_name.clone().unwrap_or(name)),
        platform: platform(ctx, service),
        config,
        host_config,
        networking: NetworkingConfig { endpoints: networks.endpoints },
    };
    Ok(ContainerPlan { create, connect: networks.connect })
}

/// The service as Docker Compose hands it to the conversion: `service:` references resolved
/// to container ids (`resolveServiceReferences`) and, for `run`, the edits `prepareRun` makes
/// (TTY and stdin, the run container's name, one replica, no restart policy, the ports to
/// publish). Docker Compose computes the config hash of *this* service, so
/// `berth_core::hash::service_hash(&effective_service(..)?)` is the `config-hash` label value
/// it would write.
pub fn effective_service(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    options: &ContainerOptions,
) -> Result<ServiceConfig, ConvertError> {
    let mut s = service.clone();
    let resolved = &options.resolved;
    let lookup = |target: &str, what: &'static str| {
        resolved
            .service_containers
            .get(target)
            .cloned()
            .ok_or_else(|| ConvertError::MissingContainer { what, target: target.to_owned() })
    };
    for entry in &mut s.volumes_from {
        // Docker Compose keeps only the first two `:` parts and drops an access mode.
        let mut parts = entry.split(':');
        let first = parts.next().unwrap_or_default().to_owned();
        if first == "container" {
            *entry = parts.next().unwrap_or_default().to_owned();
        } else {
            *entry = lookup(&first, "volume")?;
        }
    }
    for (field, what) in [
        (&mut s.network_mode, "network namespace"),
        (&mut s.ipc, "IPC namespace"),
        (&mut s.pid, "PID namespace"),
    ] {
        if let Some(target) = field.strip_prefix("service:") {
            let id = lookup(target, what)?;
            *field = format!("container:{id}");
        }
    }
    if let Some(run) = &options.one_off {
        s.tty = run.tty;
        s.stdin_open = run.interactive;
        s.container_name = one_off_name(ctx, service, run);
        s.scale = Some(1);
        s.restart.clear();
        if let Some(deploy) = &mut s.deploy {
            deploy.restart_policy = None;
        }
        if !run.service_ports {
            s.ports.clone_from(&run.publish);
        }
    }
    Ok(s)
}

/// The platform to create for: the service's, else `DOCKER_DEFAULT_PLATFORM`, normalised as
/// containerd's `platforms.Parse` + `Format` do.
fn platform(ctx: &CreateContext<'_>, service: &ServiceConfig) -> Option<String> {
    let raw = if service.platform.is_empty() {
        ctx.project.environment.get("DOCKER_DEFAULT_PLATFORM").cloned().unwrap_or_default()
    } else {
        service.platform.clone()
    };
    (!raw.is_empty()).then(|| normalize_platform(&raw))
}

/// `os/arch[/variant]` with containerd's aliases (`x86_64` → `amd64`, `aarch64` → `arm64`...).
pub fn normalize_platform(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let parts: Vec<&str> = lower.split('/').collect();
    let (os, arch, variant) = match parts.as_slice() {
        [one] if is_os(one) => ((*one).to_owned(), host_arch().to_owned(), String::new()),
        [one] => ("linux".to_owned(), (*one).to_owned(), String::new()),
        [os, arch] => ((*os).to_owned(), (*arch).to_owned(), String::new()),
        [os, arch, variant, ..] => ((*os).to_owned(), (*arch).to_owned(), (*variant).to_owned()),
        [] => return lower,
    };
    let os = if os == "macos" { "darwin".to_owned() } else { os };
    let (arch, variant) = normalize_arch(&arch, &variant);
    if variant.is_empty() {
        format!("{os}/{arch}")
    } else {
        format!("{os}/{arch}/{variant}")
    }
}

fn is_os(s: &str) -> bool {
    matches!(s, "linux" | "windows" | "darwin" | "macos" | "freebsd" | "netbsd" | "openbsd" | "solaris" | "illumos")
}

fn host_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (a, v) = match (arch, variant) {
        ("i386" | "x86" | "386", _) => ("386", ""),
        ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64", ""),
        ("x86_64" | "x86-64" | "amd64", v) => ("amd64", v),
        ("aarch64" | "arm64", "8" | "v8") => ("arm64", ""),
        ("aarch64" | "arm64", v) => ("arm64", v),
        ("armhf", _) | ("arm", "" | "7") => ("arm", "v7"),
        ("armel", _) => ("arm", "v6"),
        ("arm", "5" | "6" | "8") => ("arm", variant),
        (a, v) => (a, v),
    };
    let v = match (a, v) {
        ("arm", "5") => "v5".to_owned(),
        ("arm", "6") => "v6".to_owned(),
        ("arm", "8") => "v8".to_owned(),
        (_, v) => v.to_owned(),
    };
    (a.to_owned(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_normalise_like_containerd() {
        assert_eq!(normalize_platform("linux/amd64"), "linux/amd64");
        assert_eq!(normalize_platform("Linux/x86_64"), "linux/amd64");
        assert_eq!(normalize_platform("linux/aarch64"), "linux/arm64");
        assert_eq!(normalize_platform("linux/arm64/v8"), "linux/arm64");
        assert_eq!(normalize_platform("linux/arm"), "linux/arm/v7");
        assert_eq!(normalize_platform("linux/armhf"), "linux/arm/v7");
        assert_eq!(normalize_platform("linux/arm/6"), "linux/arm/v6");
        assert_eq!(normalize_platform("amd64"), "linux/amd64");
        assert_eq!(normalize_platform("windows/amd64"), "windows/amd64");
    }
}
