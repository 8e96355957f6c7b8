//! Compose `Project` → what a swarm needs to run it: overlay networks to create, external
//! networks to check, secrets and configs to create, and one `ServiceSpec` per service.
//!
//! Pure: no engine calls. The only input besides the project is a way to read files (secret
//! and config contents, seccomp profiles), so tests run without touching the disk. Names and
//! labels follow `docker stack deploy` (docker/cli `cli/compose/convert`), with these
//! differences on purpose:
//! - secrets and configs get content-versioned names (`NAME_key-<hash>`) so a changed file
//!   rotates the object instead of failing to update one that is in use;
//! - attributes Swarm supports that the docker CLI drops (`dns_opt`, `group_add`, `tmpfs`,
//!   `pids_limit`, parts of `security_opt`, `platform`, ...) are mapped;
//! - everything else a service sets that Swarm cannot do is listed in one warning
//!   ([`StackSpec::ignored_warning`]) instead of being dropped silently.

mod ignored;
mod mounts;
mod objects;
mod service;

use std::collections::{BTreeMap, BTreeSet};

use berth_engine::{NetworkCreate, ServiceSpec, SwarmObjectCreate};
use berth_spec::model::Project;

pub use ignored::ignored_attributes;
pub use objects::versioned_name;

use crate::error::Result;
use crate::names::Namespace;

/// Reads a file named in the compose model (absolute after path resolution).
pub type ReadFile<'a> = &'a dyn Fn(&str) -> std::io::Result<Vec<u8>>;

/// A network the stack creates.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPlan {
    /// The key under `networks`.
    pub key: String,
    /// What to create (its `name` is the network name).
    pub create: NetworkCreate,
}

/// A secret or config the stack creates.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPlan {
    /// The key under `secrets` or `configs`.
    pub key: String,
    /// What to create (its `name` carries the content version).
    pub create: SwarmObjectCreate,
}

/// A service the stack runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePlan {
    /// The compose service name.
    pub key: String,
    /// The swarm service spec. Secret and config references carry names; their ids are filled
    /// in at deploy time, once the objects exist.
    pub spec: ServiceSpec,
}

/// Everything a stack deploy creates or updates, in a stable order.
#[derive(Debug, Clone, PartialEq)]
pub struct StackSpec {
    /// The stack.
    pub namespace: Namespace,
    /// Networks to create when missing, by name.
    pub networks: Vec<NetworkPlan>,
    /// External networks services attach to; they must exist and be swarm-scoped.
    pub external_networks: Vec<String>,
    /// Secrets to create when missing.
    pub secrets: Vec<ObjectPlan>,
    /// Configs to create when missing.
    pub configs: Vec<ObjectPlan>,
    /// Services, by compose name.
    pub services: Vec<ServicePlan>,
    /// Attributes set in the files that Swarm cannot honour, as `attribute (service, ...)`.
    pub ignored: Vec<String>,
}

impl StackSpec {
    /// The one warning naming every ignored attribute, if any.
    pub fn ignored_warning(&self) -> Option<String> {
        (!self.ignored.is_empty())
            .then(|| format!("Ignoring attributes Swarm does not support: {}", self.ignored.join(", ")))
    }

    /// The service plan for a compose service.
    pub fn service(&self, key: &str) -> Option<&ServicePlan> {
        self.services.iter().find(|s| s.key == key)
    }
}

/// Converts a loaded project into the stack `namespace`.
pub fn convert(project: &Project, namespace: &Namespace, read_file: ReadFile<'_>) -> Result<StackSpec> {
    let used_networks: BTreeSet<String> =
        project.services.values().flat_map(service::network_keys).collect();
    let (networks, external_networks) = objects::networks(project, namespace, &used_networks);
    let secrets = objects::secrets(project, namespace, read_file)?;
    let configs = objects::configs(project, namespace, read_file)?;
    let names = ObjectNames {
        secrets: secrets.iter().map(|o| (o.key.clone(), o.create.name.clone())).collect(),
        configs: configs.iter().map(|o| (o.key.clone(), o.create.name.clone())).collect(),
    };
    let mut services = Vec::with_capacity(project.services.len());
    for (key, svc) in &project.services {
        let spec = service::service_spec(project, namespace, svc, &names, read_file)?;
        services.push(ServicePlan { key: key.clone(), spec });
    }
    Ok(StackSpec {
        namespace: namespace.clone(),
        networks,
        external_networks,
        secrets,
        configs,
        services,
        ignored: ignored_attributes(project),
    })
}

/// Names the swarm objects of the stack's secrets and configs go by, by compose key.
#[derive(Debug, Default)]
pub(crate) struct ObjectNames {
    pub secrets: BTreeMap<String, String>,
    pub configs: BTreeMap<String, String>,
}

/// Whether `name` is the name Compose's normaliser gives an object of `project` under `key`
/// (`<project>_<key>`): then the stack scopes the key itself, like the docker CLI's loader,
/// which never fills names in.
pub(crate) fn is_default_name(project: &Project, key: &str, name: &str) -> bool {
    name.is_empty() || name == format!("{}_{key}", project.name)
}

#[cfg(test)]
mod tests;
