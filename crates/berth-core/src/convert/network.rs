//! Networking of a container: network mode, endpoints (aliases, static addresses, MAC
//! address, links) and, below API 1.44, which networks are connected after creation
//! (`defaultNetworkSettings`, `createEndpointSettings`, `prepareContainerMACAddress`,
//! `getLinks`).

use berth_engine::EndpointConfig;
use berth_spec::model::{ServiceConfig, ServiceNetworkConfig};
use indexmap::IndexMap;

use super::container::non_empty;
use super::{ContainerOptions, ConvertError, CreateContext};

/// What the network planning decides for one container.
pub(super) struct NetworkPlan {
    /// `HostConfig.NetworkMode`.
    pub network_mode: Option<String>,
    /// Endpoints of the create call, primary first.
    pub endpoints: IndexMap<String, EndpointConfig>,
    /// Networks connected after creation (API < 1.44).
    pub connect: Vec<(String, EndpointConfig)>,
    /// `Config.MacAddress` (API < 1.44 only).
    pub container_mac: Option<String>,
    /// Legacy links, in `HostConfig.Links` and in every endpoint.
    pub links: Vec<String>,
}

/// The service's networks by `priority` (highest first), then by name.
pub fn networks_by_priority(service: &ServiceConfig) -> Vec<&str> {
    service.networks_by_priority()
}

pub(super) fn plan(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    container_name: &str,
    number: u32,
    options: &ContainerOptions,
) -> Result<NetworkPlan, ConvertError> {
    let links = links(ctx, service, number, options);
    let use_aliases = match &options.one_off {
        Some(run) => run.use_aliases,
        None => true,
    };

    // The service's network settings, with the main network's MAC address possibly moved in.
    let mut networks = service.networks.clone();
    let by_priority: Vec<String> = networks_by_priority(service).into_iter().map(str::to_owned).collect();
    let main_key = by_priority.first().cloned();
    let container_mac = mac_address(ctx, service, &mut networks, main_key.as_deref())?;

    let endpoint = |key: &str| -> EndpointConfig {
        let cfg = networks.get(key).and_then(Option::as_ref);
        endpoint_settings(service, container_name, cfg, &links, use_aliases)
    };

    if !service.network_mode.is_empty() {
        return Ok(NetworkPlan {
            network_mode: Some(service.network_mode.clone()),
            endpoints: IndexMap::new(),
            connect: Vec::new(),
            container_mac,
            links,
        });
    }
    if ctx.project.networks.is_empty() {
        return Ok(NetworkPlan {
            network_mode: Some("none".to_owned()),
            endpoints: IndexMap::new(),
            connect: Vec::new(),
            container_mac,
            links,
        });
    }
    let primary_key = main_key.clone().unwrap_or_else(|| "default".to_owned());
    let primary_name = ctx.network_name(service, &primary_key)?;
    let mut endpoints = IndexMap::new();
    endpoints.insert(primary_name.clone(), endpoint(&primary_key));
    let mut connect = Vec::new();
    for key in by_priority.iter().skip(1) {
        let name = ctx.network_name(service, key)?;
        if name == primary_name {
            continue;
        }
        if ctx.multiple_networks_on_create() {
            endpoints.insert(name, endpoint(key));
        } else {
            connect.push((name, endpoint(key)));
        }
    }
    Ok(NetworkPlan { network_mode: Some(primary_name), endpoints, connect, container_mac, links })
}

/// `prepareContainerMACAddress`: from API 1.44 the service-level `mac_address` moves to the
/// main network's endpoint (unless that sets its own) and `Config.MacAddress` stays empty;
/// below, `Config.MacAddress` is the main network's address and only one network may set one.
///
/// Docker Compose's quirks are kept: on API >= 1.44 a service `mac_address` is dropped when the
/// main network has no settings block, and below 1.44 it is dropped when the main network has a
/// settings block without a MAC address.
fn mac_address(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    networks: &mut std::collections::BTreeMap<String, Option<ServiceNetworkConfig>>,
    main_key: Option<&str>,
) -> Result<Option<String>, ConvertError> {
    let mut mac = service.mac_address.clone();
    let main = main_key.and_then(|k| networks.get_mut(k)).and_then(Option::as_mut);
    if let (Some(main_cfg), Some(key)) = (main.as_ref(), main_key) {
        if !mac.is_empty() && !main_cfg.mac_address.is_empty() && main_cfg.mac_address != mac {
            return Err(ConvertError::invalid(
                service,
                format!("the service-level mac_address should have the same value as network {key}"),
            ));
        }
    }
    if ctx.multiple_networks_on_create() {
        if let Some(main_cfg) = main {
            if main_cfg.mac_address.is_empty() {
                main_cfg.mac_address.clone_from(&mac);
            }
        }
        mac.clear();
    } else if !networks.is_empty() {
        let with_mac: Vec<&str> = networks
            .iter()
            .filter(|(_, cfg)| cfg.as_ref().is_some_and(|c| !c.mac_address.is_empty()))
            .map(|(name, _)| name.as_str())
            .collect();
        if with_mac.len() > 1 {
            return Err(ConvertError::unsupported(
                service,
                format!(
                    "a MAC address is specified for multiple networks ({}), but this feature requires Docker Engine 1.44 or later (currently: {})",
                    with_mac.join(", "),
                    ctx.api_version
                ),
            ));
        }
        if let Some(main_cfg) = main_key.and_then(|k| networks.get(k)).and_then(Option::as_ref) {
            mac.clone_from(&main_cfg.mac_address);
        }
    }
    Ok(non_empty(&mac))
}

/// One endpoint (`createEndpointSettings`): the container name as an alias, then (unless a
/// `run` without `--use-aliases`) the service name and the network's `aliases`. Docker Compose
/// 2.26.1 passes neither `driver_opts` nor `gw_priority`.
fn endpoint_settings(
    service: &ServiceConfig,
    container_name: &str,
    cfg: Option<&ServiceNetworkConfig>,
    links: &[String],
    use_aliases: bool,
) -> EndpointConfig {
    let mut aliases = vec![container_name.to_owned()];
    if use_aliases {
        aliases.push(service.name.clone());
        if let Some(cfg) = cfg {
            aliases.extend(cfg.aliases.iter().cloned());
        }
    }
    EndpointConfig {
        aliases,
        ipv4_address: cfg.and_then(|c| non_empty(&c.ipv4_address)),
        ipv6_address: cfg.and_then(|c| non_empty(&c.ipv6_address)),
        link_local_ips: cfg.map(|c| c.link_local_ips.clone()).unwrap_or_default(),
        mac_address: cfg.and_then(|c| non_empty(&c.mac_address)),
        links: links.to_vec(),
        driver_opts: std::collections::BTreeMap::new(),
        gw_priority: None,
    }
}

/// `getLinks`: for each linked service's container, `container:alias`, `container:svc-N` and
/// `container:project-svc-N` — `N` being this container's number, as Docker Compose has it —
/// then the `external_links` as `name:alias`.
fn links(ctx: &CreateContext<'_>, service: &ServiceConfig, number: u32, options: &ContainerOptions) -> Vec<String> {
    let sep = ctx.separator;
    let mut out = Vec::new();
    for raw in &service.links {
        let parts: Vec<&str> = raw.split(':').collect();
        let target = parts.first().copied().unwrap_or_default();
        let alias = match parts.as_slice() {
            [_, alias] => *alias,
            _ => target,
        };
        let containers = options.resolved.link_containers.get(target).map(Vec::as_slice).unwrap_or_default();
        for c in containers {
            out.push(format!("{c}:{alias}"));
            out.push(format!("{c}:{target}{sep}{number}"));
            out.push(format!("{c}:{}", [ctx.project.name.as_str(), target, &number.to_string()].join(sep)));
        }
    }
    for raw in &service.external_links {
        let parts: Vec<&str> = raw.split(':').collect();
        let name = parts.first().copied().unwrap_or_default();
        let alias = match parts.as_slice() {
            [_, alias] => *alias,
            _ => name,
        };
        out.push(format!("{name}:{alias}"));
    }
    out
}
