//! Network and volume types.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Options of network creation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkCreate {
    /// Name.
    pub name: String,
    /// Driver (`bridge`, `overlay`, `macvlan`); the engine's default when `None`.
    pub driver: Option<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Address management.
    pub ipam: Option<Ipam>,
    /// No external connectivity.
    pub internal: bool,
    /// Standalone containers may attach to a swarm network.
    pub attachable: bool,
    /// Enable IPv6 (`None` keeps the engine's default).
    pub enable_ipv6: Option<bool>,
    /// Enable IPv4 (API >= 1.47; `None` keeps the default).
    pub enable_ipv4: Option<bool>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Scope (`local`, `swarm`).
    pub scope: Option<String>,
    /// Ingress network of a swarm.
    pub ingress: bool,
    /// Network to take the configuration from (`--config-from`).
    pub config_from: Option<String>,
    /// Only a configuration, not a usable network.
    pub config_only: bool,
}

/// Address management of a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ipam {
    /// Driver (`default`).
    pub driver: Option<String>,
    /// Pools.
    pub config: Vec<IpamPool>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
}

/// One IPAM pool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpamPool {
    /// Subnet in CIDR form.
    pub subnet: Option<String>,
    /// Range to allocate from.
    pub ip_range: Option<String>,
    /// Gateway.
    pub gateway: Option<String>,
    /// Addresses reserved for the driver, by name.
    pub aux_addresses: BTreeMap<String, String>,
}

/// A network as listed or inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkDetails {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Driver.
    pub driver: String,
    /// Scope (`local`, `swarm`).
    pub scope: String,
    /// No external connectivity.
    pub internal: bool,
    /// Attachable by standalone containers.
    pub attachable: bool,
    /// Swarm ingress network.
    pub ingress: bool,
    /// IPv6 enabled.
    pub enable_ipv6: bool,
    /// Address management.
    pub ipam: Ipam,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Attached containers by id (inspect only).
    pub containers: BTreeMap<String, NetworkContainer>,
}

/// A container attached to a network, as the network reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkContainer {
    /// Container name.
    pub name: String,
    /// Endpoint id.
    pub endpoint_id: String,
    /// MAC address.
    pub mac_address: String,
    /// IPv4 address with prefix.
    pub ipv4_address: String,
    /// IPv6 address with prefix.
    pub ipv6_address: String,
}

/// Options of a network or volume listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListOptions {
    /// Filters (`label`, `name`, `id`, `driver`, `dangling`).
    pub filters: crate::Filters,
}

/// Options of connecting a container to a network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkConnect {
    /// Container id or name.
    pub container: String,
    /// Endpoint configuration.
    pub endpoint: super::container::EndpointConfig,
}

/// Options of volume creation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeCreate {
    /// Name; the engine generates one when empty.
    pub name: String,
    /// Driver (`local`).
    pub driver: Option<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
}

/// A volume as listed or inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeDetails {
    /// Name.
    pub name: String,
    /// Driver.
    pub driver: String,
    /// Host path.
    pub mountpoint: String,
    /// Creation time (RFC 3339).
    pub created: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
    /// Scope (`local`, `global`).
    pub scope: String,
}
