//! Stack-level objects: the overlay networks services attach to, and secrets and configs with
//! content-versioned names.

use std::collections::{BTreeMap, BTreeSet};

use berth_engine::{Ipam, IpamPool, NetworkCreate, SwarmObjectCreate};
use berth_spec::model::{FileObjectConfig, NetworkConfig, Project};
use sha2::{Digest, Sha256};

use super::{is_default_name, ObjectPlan, ReadFile};
use crate::error::{Error, Result};
use crate::names::Namespace;

/// The network driver a stack uses when the file names none.
pub const DEFAULT_NETWORK_DRIVER: &str = "overlay";

/// The swarm name of network `key`: its `name:` when the file sets one, else `NAME_key`.
pub(crate) fn network_name(project: &Project, namespace: &Namespace, key: &str) -> String {
    match project.networks.get(key) {
        Some(n) if n.external => {
            if n.name.is_empty() {
                key.to_owned()
            } else {
                n.name.clone()
            }
        }
        Some(n) if !is_default_name(project, key, &n.name) => n.name.clone(),
        _ => namespace.scope(key),
    }
}

/// Networks to create (sorted by name) and external network names (sorted), for the networks
/// some service uses.
pub(crate) fn networks(
    project: &Project,
    namespace: &Namespace,
    used: &BTreeSet<String>,
) -> (Vec<super::NetworkPlan>, Vec<String>) {
    let default = NetworkConfig::default();
    let mut create = Vec::new();
    let mut external = BTreeSet::new();
    for key in used {
        let net = project.networks.get(key).unwrap_or(&default);
        let name = network_name(project, namespace, key);
        if net.external {
            external.insert(name);
            continue;
        }
        let ipam = (!net.ipam.driver.is_empty() || !net.ipam.config.is_empty()).then(|| Ipam {
            driver: (!net.ipam.driver.is_empty()).then(|| net.ipam.driver.clone()),
            config: net
                .ipam
                .config
                .iter()
                .map(|p| IpamPool {
                    subnet: non_empty(&p.subnet),
                    ip_range: non_empty(&p.ip_range),
                    gateway: non_empty(&p.gateway),
                    aux_addresses: p.auxiliary_addresses.clone(),
                })
                .collect(),
            options: BTreeMap::new(),
        });
        let driver = if net.driver.is_empty() { DEFAULT_NETWORK_DRIVER } else { net.driver.as_str() };
        create.push(super::NetworkPlan {
            key: key.clone(),
            create: NetworkCreate {
                name,
                driver: Some(driver.to_owned()),
                driver_opts: net.driver_opts.clone(),
                ipam,
                internal: net.internal,
                attachable: net.attachable,
                enable_ipv6: net.enable_ipv6,
                enable_ipv4: net.enable_ipv4,
                labels: namespace.labelled(&net.labels),
                ..NetworkCreate::default()
            },
        });
    }
    create.sort_by(|a, b| a.create.name.cmp(&b.create.name));
    (create, external.into_iter().collect())
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// Swarm object names are at most 64 characters.
const MAX_OBJECT_NAME: usize = 64;
/// Hex digits of the content hash in a versioned name.
const VERSION_DIGITS: usize = 10;

/// `base-<hash>`, where the hash covers the content and how it is templated; the base is
/// shortened when the whole would pass the swarm's 64-character limit.
pub fn versioned_name(base: &str, data: &[u8], templating: Option<&str>) -> String {
    let mut hasher = Sha256::new();
    hasher.update(data);
    hasher.update([0]);
    hasher.update(templating.unwrap_or_default().as_bytes());
    let digest = hex::encode(hasher.finalize());
    let version = digest.get(..VERSION_DIGITS).unwrap_or(&digest);
    let room = MAX_OBJECT_NAME.saturating_sub(VERSION_DIGITS + 1);
    let base: String = base.chars().take(room).collect();
    let base = base.trim_end_matches(['-', '_', '.']);
    format!("{base}-{version}")
}

fn base_name(project: &Project, namespace: &Namespace, key: &str, obj: &FileObjectConfig) -> String {
    if is_default_name(project, key, &obj.name) {
        namespace.scope(key)
    } else {
        obj.name.clone()
    }
}

/// The bytes of a secret or config: inline (`content`, or read from `environment` by the
/// loader), else the file.
fn content(kind: &str, key: &str, obj: &FileObjectConfig, read_file: ReadFile<'_>) -> Result<Vec<u8>> {
    if !obj.content.is_empty() || !obj.environment.is_empty() {
        return Ok(obj.content.clone().into_bytes());
    }
    if obj.file.is_empty() {
        return Err(Error::Invalid(format!("{kind} {key:?} has no file, content or environment to read")));
    }
    read_file(&obj.file).map_err(|source| Error::Io { path: obj.file.clone(), source })
}

fn objects(
    kind: &str,
    project: &Project,
    namespace: &Namespace,
    defs: &BTreeMap<String, FileObjectConfig>,
    read_file: ReadFile<'_>,
) -> Result<Vec<ObjectPlan>> {
    let mut out = Vec::new();
    for (key, obj) in defs {
        if obj.external {
            continue;
        }
        let base = base_name(project, namespace, key, obj);
        let templating = (!obj.template_driver.is_empty()).then(|| obj.template_driver.clone());
        let (name, data, driver) = if obj.driver.is_empty() {
            let data = content(kind, key, obj, read_file)?;
            (versioned_name(&base, &data, templating.as_deref()), data, None)
        } else {
            // The driver produces the value on the nodes: there is nothing to version.
            (base, Vec::new(), Some(obj.driver.clone()))
        };
        out.push(ObjectPlan {
            key: key.clone(),
            create: SwarmObjectCreate { name, labels: namespace.labelled(&obj.labels), data, driver, templating },
        });
    }
    Ok(out)
}

/// Secrets some service uses, to create.
pub(crate) fn secrets(project: &Project, namespace: &Namespace, read_file: ReadFile<'_>) -> Result<Vec<ObjectPlan>> {
    let used: BTreeSet<&str> =
        project.services.values().flat_map(|s| s.secrets.iter().map(|r| r.source.as_str())).collect();
    let defs: BTreeMap<String, FileObjectConfig> =
        project.secrets.iter().filter(|(k, _)| used.contains(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    objects("secret", project, namespace, &defs, read_file)
}

/// Configs some service uses, to create.
pub(crate) fn configs(project: &Project, namespace: &Namespace, read_file: ReadFile<'_>) -> Result<Vec<ObjectPlan>> {
    let used: BTreeSet<&str> = project
        .services
        .values()
        .flat_map(|s| {
            s.configs
                .iter()
                .map(|r| r.source.as_str())
                .chain(s.credential_spec.as_ref().map(|c| c.config.as_str()).filter(|c| !c.is_empty()))
        })
        .collect();
    let defs: BTreeMap<String, FileObjectConfig> =
        project.configs.iter().filter(|(k, _)| used.contains(k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    objects("config", project, namespace, &defs, read_file)
}

/// The swarm name of an external secret or config: its `name:`, else its key.
pub(crate) fn external_name(key: &str, obj: &FileObjectConfig) -> String {
    if obj.name.is_empty() {
        key.to_owned()
    } else {
        obj.name.clone()
    }
}
