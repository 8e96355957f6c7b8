//! Creation specs of the project's networks and volumes (`prepareNetworks` +
//! `resolveOrCreateNetwork`, `ensureProjectVolumes` + `createVolume`). External ones are never
//! created; the caller only looks them up.

use std::collections::BTreeMap;

use berth_engine::{Ipam, IpamPool, NetworkCreate, VolumeCreate};
use berth_spec::model::{NetworkConfig, VolumeConfig};

use super::container::non_empty;
use crate::labels;

/// The labels Docker Compose adds to a network or volume, over the user's.
fn object_labels(
    user: &BTreeMap<String, String>,
    custom: &BTreeMap<String, String>,
    kind_label: &str,
    key: &str,
    project: &str,
) -> BTreeMap<String, String> {
    let mut out = user.clone();
    out.extend(custom.iter().map(|(k, v)| (k.clone(), v.clone())));
    out.insert(kind_label.to_owned(), key.to_owned());
    out.insert(labels::PROJECT.to_owned(), project.to_owned());
    out.insert(labels::VERSION.to_owned(), labels::COMPOSE_VERSION.to_owned());
    out
}

/// The network `key` of `project`: its engine name, driver and options, IPAM (only when a
/// driver or a pool is given), `internal`, `attachable`, `enable_ipv6`, and the labels
/// `com.docker.compose.network`/`project`/`version` over the user's.
pub fn network_create(project: &str, key: &str, network: &NetworkConfig) -> NetworkCreate {
    let ipam = (!network.ipam.driver.is_empty() || !network.ipam.config.is_empty()).then(|| Ipam {
        driver: non_empty(&network.ipam.driver),
        config: network
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
    NetworkCreate {
        name: if network.name.is_empty() { format!("{project}_{key}") } else { network.name.clone() },
        driver: non_empty(&network.driver),
        driver_opts: network.driver_opts.clone(),
        ipam,
        internal: network.internal,
        attachable: network.attachable,
        enable_ipv6: network.enable_ipv6,
        // Docker Compose 2.26.1 does not pass `enable_ipv4`.
        enable_ipv4: None,
        labels: object_labels(&network.labels, &network.custom_labels, labels::NETWORK, key, project),
        scope: None,
        ingress: false,
        config_from: None,
        config_only: false,
    }
}

/// The volume `key` of `project`: its engine name, driver and options, and the labels
/// `com.docker.compose.volume`/`project`/`version` over the user's.
pub fn volume_create(project: &str, key: &str, volume: &VolumeConfig) -> VolumeCreate {
    VolumeCreate {
        name: if volume.name.is_empty() { format!("{project}_{key}") } else { volume.name.clone() },
        driver: non_empty(&volume.driver),
        driver_opts: volume.driver_opts.clone(),
        labels: object_labels(&volume.labels, &volume.custom_labels, labels::VOLUME, key, project),
    }
}
