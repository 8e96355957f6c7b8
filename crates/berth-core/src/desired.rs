//! What the project wants, in berth-core's own terms: the services with their scale, config
//! hash, image digest and dependencies, and the networks and volumes to ensure.
//!
//! [`desired_from_project`] derives it from a loaded `berth_spec::model::Project`; the
//! reconciler's tests build it by hand. Only what reconciliation needs is kept: everything
//! needed to create a container stays in the `Project`, which the executor reads.

use std::collections::BTreeMap;
use std::fmt;

use berth_spec::model::{Project, ServiceConfig, VOLUME_TYPE_VOLUME};

use crate::hash::{service_hash, service_json, HashError};
use crate::labels;

/// The desired state of one project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredState {
    /// The project name.
    pub project: String,
    /// Enabled services, by name.
    pub services: BTreeMap<String, DesiredService>,
    /// Services left out (by profiles or a service selection), by name, with their profiles.
    /// Their containers are not orphans, and depending on them is an error only if required.
    pub disabled_services: BTreeMap<String, Vec<String>>,
    /// Networks, by key (the name under top-level `networks`).
    pub networks: BTreeMap<String, DesiredNetwork>,
    /// Volumes, by key (the name under top-level `volumes`).
    pub volumes: BTreeMap<String, DesiredVolume>,
}

/// One service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredService {
    /// Service name.
    pub name: String,
    /// How many containers to run (`scale`, else `deploy.replicas`, else 1).
    pub scale: usize,
    /// `container_name`, if set.
    pub container_name: Option<String>,
    /// The config hash (`com.docker.compose.config-hash`), see [`crate::hash::service_hash`].
    pub config_hash: String,
    /// The hash input (see [`crate::hash::service_json`]), to name what changed when a
    /// container's old configuration is known.
    pub config: Option<serde_json::Value>,
    /// The image reference containers are created from (`image`, else `<project>-<service>`).
    pub image: String,
    /// True when the service sets `image` (false: the image is the built default name).
    pub has_image: bool,
    /// The id of the local image the service would run now (`com.docker.compose.image`),
    /// when known.
    pub image_digest: Option<String>,
    /// `depends_on`, by service name. The loader adds `links`, `volumes_from` and
    /// `service:` namespace references here, as compose-go does.
    pub depends_on: BTreeMap<String, Dependency>,
    /// Services named by `links` (kept for ordering and messages).
    pub links: Vec<String>,
    /// Services named by `volumes_from` (`container:` references excluded).
    pub volumes_from: Vec<String>,
    /// Services whose namespaces this one shares (`network_mode`, `ipc`, `pid`, `uts`,
    /// `cgroup` set to `service:<name>`).
    pub shared_namespaces: Vec<String>,
    /// Keys of the networks the service joins.
    pub networks: Vec<String>,
    /// Keys of the project volumes the service mounts.
    pub named_volumes: Vec<String>,
    /// Targets of the anonymous volumes the service mounts (a recreated container inherits
    /// them unless `-V`).
    pub anonymous_volumes: Vec<String>,
    /// `x-lifecycle: force_recreate`: always recreate the service's containers.
    pub force_recreate: bool,
}

impl DesiredService {
    /// A service with one replica, the default image name and no dependencies.
    pub fn new(project: &str, name: &str, config_hash: &str) -> Self {
        Self {
            name: name.to_owned(),
            scale: 1,
            config_hash: config_hash.to_owned(),
            image: format!("{project}-{name}"),
            ..Self::default()
        }
    }

    /// The name of container `number`: `container_name`, else `<project>-<service>-<number>`.
    pub fn container_name_for(&self, project: &str, number: u32) -> String {
        self.container_name.clone().unwrap_or_else(|| format!("{project}-{}-{number}", self.name))
    }

    /// The services this one must come after: `depends_on`, then the service references of
    /// `links`, `volumes_from` and shared namespaces not already in it.
    pub fn dependencies(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.depends_on.keys().map(String::as_str).collect();
        for name in self.links.iter().chain(&self.volumes_from).chain(&self.shared_namespaces) {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
        names
    }
}

/// How a service depends on another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// What to wait for before starting the dependant.
    pub condition: Condition,
    /// A dependency that is not required may be missing or fail.
    pub required: bool,
    /// Restart the dependant when the dependency is restarted.
    pub restart: bool,
}

impl Default for Dependency {
    fn default() -> Self {
        Self { condition: Condition::Started, required: true, restart: false }
    }
}

/// A `depends_on` condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Condition {
    /// `service_started`: ordering only.
    Started,
    /// `service_healthy`.
    Healthy,
    /// `service_completed_successfully`.
    CompletedSuccessfully,
    /// Running, or healthy when the container has a healthcheck (`up --wait`, and labels
    /// written without a condition).
    RunningOrHealthy,
    /// An unknown condition: Docker Compose warns and does not wait.
    Other(String),
}

impl Condition {
    /// Parses Compose's condition word.
    pub fn parse(condition: &str) -> Self {
        match condition {
            "service_started" | "" => Self::Started,
            "service_healthy" => Self::Healthy,
            "service_completed_successfully" => Self::CompletedSuccessfully,
            "running_or_healthy" => Self::RunningOrHealthy,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Compose's word for the condition.
    pub fn as_compose_str(&self) -> &str {
        match self {
            Self::Started => "service_started",
            Self::Healthy => "service_healthy",
            Self::CompletedSuccessfully => "service_completed_successfully",
            Self::RunningOrHealthy => "running_or_healthy",
            Self::Other(other) => other,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Started => f.write_str("started"),
            Self::Healthy => f.write_str("healthy"),
            Self::CompletedSuccessfully => f.write_str("completed successfully"),
            Self::RunningOrHealthy => f.write_str("running or healthy"),
            Self::Other(other) => f.write_str(other),
        }
    }
}

/// One network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredNetwork {
    /// Key under top-level `networks`.
    pub key: String,
    /// Engine name (`<project>_<key>` unless `name` is set).
    pub name: String,
    /// Managed outside the project: must exist, never created or removed.
    pub external: bool,
    /// Driver (engine default when empty).
    pub driver: String,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// IP address management.
    pub ipam: Ipam,
    /// `internal`.
    pub internal: bool,
    /// `attachable`.
    pub attachable: bool,
    /// `enable_ipv6`.
    pub enable_ipv6: Option<bool>,
    /// Labels to create it with: the file's, plus `com.docker.compose.network`,
    /// `com.docker.compose.project` and `com.docker.compose.version`.
    pub labels: BTreeMap<String, String>,
}

impl DesiredNetwork {
    /// A non-external network with the default driver, `<project>_<key>` and the compose labels.
    pub fn new(project: &str, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            name: format!("{project}_{key}"),
            labels: compose_labels(labels::NETWORK, key, project),
            ..Self::default()
        }
    }

    /// The `com.docker.compose.network` label it is created with.
    pub fn network_label(&self) -> &str {
        self.labels.get(labels::NETWORK).map_or(self.key.as_str(), String::as_str)
    }

    /// The `com.docker.compose.project` label it is created with.
    pub fn project_label(&self) -> &str {
        self.labels.get(labels::PROJECT).map_or("", String::as_str)
    }
}

/// A network's IP address management.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ipam {
    /// IPAM driver.
    pub driver: String,
    /// Address pools.
    pub config: Vec<IpamPool>,
}

/// One IPAM pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpamPool {
    pub subnet: String,
    pub ip_range: String,
    pub gateway: String,
    pub aux_addresses: BTreeMap<String, String>,
}

/// One volume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesiredVolume {
    /// Key under top-level `volumes`.
    pub key: String,
    /// Engine name (`<project>_<key>` unless `name` is set).
    pub name: String,
    /// Managed outside the project: must exist, never created or removed.
    pub external: bool,
    /// Driver (engine default when empty).
    pub driver: String,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Labels to create it with: the file's, plus `com.docker.compose.volume`,
    /// `com.docker.compose.project` and `com.docker.compose.version`.
    pub labels: BTreeMap<String, String>,
}

impl DesiredVolume {
    /// A non-external volume with the default driver, `<project>_<key>` and the compose labels.
    pub fn new(project: &str, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            name: format!("{project}_{key}"),
            labels: compose_labels(labels::VOLUME, key, project),
            ..Self::default()
        }
    }
}

/// The labels Docker Compose adds to the networks and volumes it creates.
fn compose_labels(kind_label: &str, key: &str, project: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (kind_label.to_owned(), key.to_owned()),
        (labels::PROJECT.to_owned(), project.to_owned()),
        (labels::VERSION.to_owned(), labels::COMPOSE_VERSION.to_owned()),
    ])
}

/// The `x-lifecycle` value that makes Docker Compose recreate a service's containers.
const FORCE_RECREATE: &str = "force_recreate";

/// The desired state of a loaded project. `image_digests` maps image references (as
/// [`DesiredService::image`] names them) to the id of the local image, which becomes the
/// `com.docker.compose.image` label; images missing from it have no digest.
///
/// The config hash is computed on the service as convergence sees it: `depends_on` entries
/// that are not required and name a service outside the project are dropped first, as Docker
/// Compose's dependency graph drops them before hashing.
pub fn desired_from_project(project: &Project, image_digests: &BTreeMap<String, String>) -> Result<DesiredState, HashError> {
    let mut services = BTreeMap::new();
    for (name, config) in &project.services {
        let service = desired_service(project, name, config, image_digests)?;
        services.insert(name.clone(), service);
    }
    let disabled_services =
        project.disabled_services.iter().map(|(name, s)| (name.clone(), s.profiles.clone())).collect();
    let networks = project
        .networks
        .iter()
        .map(|(key, n)| {
            let mut labels = n.labels.clone();
            labels.extend(compose_labels(labels::NETWORK, key, &project.name));
            let network = DesiredNetwork {
                key: key.clone(),
                name: resource_name(&n.name, &project.name, key, n.external),
                external: n.external,
                driver: n.driver.clone(),
                driver_opts: n.driver_opts.clone(),
                ipam: Ipam {
                    driver: n.ipam.driver.clone(),
                    config: n
                        .ipam
                        .config
                        .iter()
                        .map(|pool| IpamPool {
                            subnet: pool.subnet.clone(),
                            ip_range: pool.ip_range.clone(),
                            gateway: pool.gateway.clone(),
                            aux_addresses: pool.auxiliary_addresses.clone(),
                        })
                        .collect(),
                },
                internal: n.internal,
                attachable: n.attachable,
                enable_ipv6: n.enable_ipv6,
                labels,
            };
            (key.clone(), network)
        })
        .collect();
    let volumes = project
        .volumes
        .iter()
        .map(|(key, v)| {
            let mut labels = v.labels.clone();
            labels.extend(compose_labels(labels::VOLUME, key, &project.name));
            let volume = DesiredVolume {
                key: key.clone(),
                name: resource_name(&v.name, &project.name, key, v.external),
                external: v.external,
                driver: v.driver.clone(),
                driver_opts: v.driver_opts.clone(),
                labels,
            };
            (key.clone(), volume)
        })
        .collect();
    Ok(DesiredState { project: project.name.clone(), services, disabled_services, networks, volumes })
}

/// The loader names every network and volume; an unnamed one (a hand-built project) gets
/// compose-go's default: the key for external resources, `<project>_<key>` otherwise.
fn resource_name(name: &str, project: &str, key: &str, external: bool) -> String {
    if !name.is_empty() {
        name.to_owned()
    } else if external {
        key.to_owned()
    } else {
        format!("{project}_{key}")
    }
}

fn desired_service(
    project: &Project,
    name: &str,
    config: &ServiceConfig,
    image_digests: &BTreeMap<String, String>,
) -> Result<DesiredService, HashError> {
    let mut hashed = config.clone();
    name.clone_into(&mut hashed.name);
    hashed.depends_on.retain(|dep, d| d.required || project.services.contains_key(dep));
    let config_hash = service_hash(&hashed)?;
    let config_json = service_json(&hashed)?;

    let image = berth_spec::project::image_name(project, &hashed);
    let depends_on = config
        .depends_on
        .iter()
        .map(|(dep, d)| {
            let dependency =
                Dependency { condition: Condition::parse(&d.condition), required: d.required, restart: d.restart };
            (dep.clone(), dependency)
        })
        .collect();
    let links = config.links.iter().map(|l| l.split(':').next().unwrap_or(l).to_owned()).collect();
    let volumes_from = config
        .volumes_from
        .iter()
        .filter(|v| !v.starts_with("container:"))
        .map(|v| v.split(':').next().unwrap_or(v).to_owned())
        .collect();
    let shared_namespaces = [&config.network_mode, &config.ipc, &config.pid, &config.uts, &config.cgroup]
        .into_iter()
        .filter_map(|mode| mode.strip_prefix("service:"))
        .map(str::to_owned)
        .collect();
    let volume_mounts = config.volumes.iter().filter(|v| v.kind == VOLUME_TYPE_VOLUME);
    let named_volumes = volume_mounts
        .clone()
        .filter(|v| !v.source.is_empty() && project.volumes.contains_key(&v.source))
        .map(|v| v.source.clone())
        .collect();
    let anonymous_volumes = volume_mounts.filter(|v| v.source.is_empty()).map(|v| v.target.clone()).collect();
    let force_recreate = config
        .extensions
        .get("x-lifecycle")
        .is_some_and(|v| v.as_str() == Some(FORCE_RECREATE));

    Ok(DesiredService {
        name: name.to_owned(),
        scale: usize::try_from(config.scale_or_default()).unwrap_or(0),
        container_name: (!config.container_name.is_empty()).then(|| config.container_name.clone()),
        config_hash,
        config: Some(config_json),
        image_digest: image_digests.get(&image).cloned(),
        has_image: !config.image.is_empty(),
        image,
        depends_on,
        links,
        volumes_from,
        shared_namespaces,
        networks: config.networks.keys().cloned().collect(),
        named_volumes,
        anonymous_volumes,
        force_recreate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_compose_naming() {
        let web = DesiredService::new("lab", "web", "h");
        assert_eq!(web.container_name_for("lab", 2), "lab-web-2");
        assert_eq!(web.image, "lab-web");
        let named = DesiredService { container_name: Some("front".into()), ..web };
        assert_eq!(named.container_name_for("lab", 1), "front");
        let net = DesiredNetwork::new("lab", "default");
        assert_eq!(net.name, "lab_default");
        assert_eq!((net.network_label(), net.project_label()), ("default", "lab"));
        assert_eq!(DesiredVolume::new("lab", "data").labels.get(labels::VOLUME).map(String::as_str), Some("data"));
    }

    #[test]
    fn dependencies_merge_references() {
        let mut web = DesiredService::new("lab", "web", "h");
        web.depends_on.insert("db".into(), Dependency::default());
        web.links = vec!["db".into(), "cache".into()];
        web.shared_namespaces = vec!["vpn".into()];
        assert_eq!(web.dependencies(), vec!["db", "cache", "vpn"]);
    }

    fn project(json: &serde_json::Value) -> Project {
        berth_spec::de::from_node(&berth_spec::Node::from_json(json)).expect("valid project")
    }

    #[test]
    fn from_project() {
        let mut project = project(&serde_json::json!({
            "name": "lab",
            "services": {
                "web": {
                    "image": "nginx",
                    "command": null,
                    "entrypoint": null,
                    "depends_on": {
                        "db": {"condition": "service_healthy", "restart": true, "required": true},
                        "debug": {"condition": "service_started", "required": false}
                    },
                    "links": ["db:database"],
                    "volumes_from": ["db:ro", "container:abc"],
                    "ipc": "service:db",
                    "networks": {"default": null, "back": null},
                    "volumes": [
                        {"type": "volume", "source": "data", "target": "/data"},
                        {"type": "volume", "target": "/cache"},
                        {"type": "bind", "source": "/src", "target": "/src"}
                    ],
                    "x-lifecycle": "force_recreate"
                },
                "db": {"command": null, "entrypoint": null, "scale": 2, "networks": {"back": null}}
            },
            "networks": {
                "default": {"name": "lab_default", "ipam": {}},
                "back": {"name": "outside", "ipam": {}, "external": true}
            },
            "volumes": {"data": {"name": "lab_data", "labels": {"a": "b"}}}
        }));
        project.disabled_services.insert("debug".into(), ServiceConfig { profiles: vec!["dev".into()], ..ServiceConfig::default() });
        let digests = BTreeMap::from([("nginx".to_owned(), "sha256:1".to_owned())]);
        let desired = desired_from_project(&project, &digests).expect("hashable");

        let web = desired.services.get("web").expect("web");
        assert_eq!(web.scale, 1);
        assert_eq!((web.image.as_str(), web.has_image, web.image_digest.as_deref()), ("nginx", true, Some("sha256:1")));
        assert_eq!(web.depends_on.get("db").map(|d| (&d.condition, d.required, d.restart)), Some((&Condition::Healthy, true, true)));
        assert_eq!(web.links, ["db"]);
        assert_eq!(web.volumes_from, ["db"]);
        assert_eq!(web.shared_namespaces, ["db"]);
        assert_eq!(web.networks, ["back", "default"]);
        assert_eq!(web.named_volumes, ["data"]);
        assert_eq!(web.anonymous_volumes, ["/cache"]);
        assert!(web.force_recreate);
        // The optional dependency on a service outside the project does not count in the hash.
        let mut without = project.services.get("web").expect("web").clone();
        without.depends_on.remove("debug");
        assert_eq!(web.config_hash, service_hash(&without).expect("hashable"));
        assert!(web.config.as_ref().is_some_and(|c| c.get("depends_on").is_some_and(|d| d.get("debug").is_none())));

        let db = desired.services.get("db").expect("db");
        assert_eq!((db.scale, db.image.as_str(), db.has_image, db.image_digest.as_deref()), (2, "lab-db", false, None));
        assert_eq!(desired.disabled_services.get("debug"), Some(&vec!["dev".to_owned()]));

        let back = desired.networks.get("back").expect("back");
        assert!(back.external);
        assert_eq!(back.name, "outside");
        assert_eq!(desired.networks.get("default").map(DesiredNetwork::network_label), Some("default"));
        let data = desired.volumes.get("data").expect("data");
        assert_eq!(data.labels.get("a").map(String::as_str), Some("b"));
        assert_eq!(data.labels.get(labels::PROJECT).map(String::as_str), Some("lab"));
    }

    #[test]
    fn conditions_parse() {
        for word in ["service_started", "service_healthy", "service_completed_successfully", "running_or_healthy", "x"] {
            assert_eq!(Condition::parse(word).as_compose_str(), word);
        }
        assert_eq!(Condition::CompletedSuccessfully.to_string(), "completed successfully");
    }
}
