//! Conversions between berth's types and bollard's models — the only place the two meet.
//!
//! Going out, empty collections become `None` so the engine applies its defaults exactly as
//! the docker CLI would leave them. Coming in, absent fields become empty values; nothing is
//! invented.

// The Engine API encodes sets as maps to empty objects (`{"80/tcp": {}}`), which bollard
// models as `HashMap<_, HashMap<(), ()>>`.
#![allow(clippy::zero_sized_map_values)]

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;
use std::time::Duration;

use bollard::auth::DockerCredentials;
use bollard::models as m;

use crate::error::{EngineError, EngineResult};
use crate::types::container::{
    BindOptions, ContainerConfig, ContainerDetails, ContainerPort, ContainerState, ContainerStats,
    ContainerStatus, ContainerSummary, DeviceMapping, DeviceRequest, EndpointConfig, EndpointIpam,
    EndpointState, ExecDetails, Health, HealthConfig, HealthLogEntry, HealthStatus, HostConfig,
    LogConfig, Mount, MountKind, MountPoint, NetworkSettings, PortBinding, PortProtocol,
    PortSummary, Resources, RestartPolicy, ThrottleDevice, TmpfsOptions, TopResult, Ulimit,
    VolumeMountOptions, WeightDevice,
};
use crate::types::image::{ImageConfig, ImageDetails, ImageSummary, ProgressEvent, RegistryAuth};
use crate::types::network::{
    Ipam, IpamPool, NetworkContainer, NetworkCreate, NetworkDetails, VolumeCreate, VolumeDetails,
};
use crate::types::swarm::{
    CredentialSpec, FileReference, NodeDetails, SeLinuxContext, SeccompOption, ServiceContainerSpec,
    ServiceDetails, ServiceEndpointSpec, ServiceMode, ServiceNetwork, ServicePlacement, ServicePort,
    ServicePrivileges, ServiceResources, ServiceRestartPolicy, ServiceSpec, SwarmObject, TaskDetails,
    UpdateConfig,
};
use crate::types::system::{EngineEvent, EngineVersion, EventKind};

// ---------------------------------------------------------------- helpers

fn some_vec<T: Clone>(v: &[T]) -> Option<Vec<T>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn some_map(m: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

fn btree<S: BuildHasher>(m: Option<HashMap<String, String, S>>) -> BTreeMap<String, String> {
    m.map(|m| m.into_iter().collect()).unwrap_or_default()
}

fn some_true(b: bool) -> Option<bool> {
    b.then_some(true)
}

/// A duration in nanoseconds, saturating.
pub(crate) fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// Nanoseconds as a duration; zero and negative mean "not set".
pub(crate) fn from_nanos(ns: Option<i64>) -> Option<Duration> {
    ns.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0).map(Duration::from_nanos)
}

fn parse_enum<T: std::str::FromStr>(what: &str, s: &str) -> EngineResult<T> {
    s.parse().map_err(|_| EngineError::invalid(format!("invalid {what} {s:?}")))
}

fn port_keys(ports: &[ContainerPort]) -> Option<HashMap<String, HashMap<(), ()>>> {
    (!ports.is_empty()).then(|| ports.iter().map(|p| (p.to_string(), HashMap::new())).collect())
}

fn port_keys_from<S: BuildHasher, T>(m: Option<HashMap<String, T, S>>) -> Vec<ContainerPort> {
    let mut v: Vec<ContainerPort> =
        m.into_iter().flat_map(HashMap::into_keys).filter_map(|k| k.parse().ok()).collect();
    v.sort();
    v
}

fn sorted_keys<S: BuildHasher, T>(m: Option<HashMap<String, T, S>>) -> Vec<String> {
    let mut v: Vec<String> = m.into_iter().flat_map(HashMap::into_keys).collect();
    v.sort();
    v
}

/// Docker prefixes container names with `/`.
pub(crate) fn strip_slash(name: &str) -> String {
    name.strip_prefix('/').unwrap_or(name).to_owned()
}

// ---------------------------------------------------------------- containers, outgoing

/// The create body with the given endpoints (all of them, or only the primary one).
pub(crate) fn create_body(
    config: &ContainerConfig,
    host: &HostConfig,
    endpoints: &[(&String, &EndpointConfig)],
    container_mac: Option<String>,
) -> EngineResult<m::ContainerCreateBody> {
    let endpoints_config: HashMap<String, m::EndpointSettings> =
        endpoints.iter().map(|(name, e)| ((*name).clone(), endpoint_to(e))).collect();
    Ok(m::ContainerCreateBody {
        hostname: config.hostname.clone(),
        domainname: config.domainname.clone(),
        user: config.user.clone(),
        attach_stdin: Some(config.attach_stdin),
        attach_stdout: Some(config.attach_stdout),
        attach_stderr: Some(config.attach_stderr),
        exposed_ports: port_keys(&config.exposed_ports),
        tty: Some(config.tty),
        open_stdin: Some(config.open_stdin),
        stdin_once: Some(config.stdin_once),
        env: some_vec(&config.env),
        cmd: config.cmd.clone(),
        healthcheck: config.healthcheck.as_ref().map(health_to),
        image: Some(config.image.clone()),
        volumes: (!config.volumes.is_empty())
            .then(|| config.volumes.iter().map(|v| (v.clone(), HashMap::new())).collect()),
        working_dir: config.working_dir.clone(),
        entrypoint: config.entrypoint.clone(),
        network_disabled: some_true(config.network_disabled),
        mac_address: container_mac.or_else(|| config.mac_address.clone()),
        labels: some_map(&config.labels),
        stop_signal: config.stop_signal.clone(),
        stop_timeout: config.stop_timeout,
        shell: config.shell.clone(),
        host_config: Some(host_config_to(host)?),
        networking_config: (!endpoints_config.is_empty())
            .then_some(m::NetworkingConfig { endpoints_config: Some(endpoints_config) }),
        ..Default::default()
    })
}

pub(crate) fn health_to(h: &HealthConfig) -> m::HealthConfig {
    m::HealthConfig {
        test: some_vec(&h.test),
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries,
        start_period: h.start_period.map(nanos),
        start_interval: h.start_interval.map(nanos),
    }
}

pub(crate) fn endpoint_to(e: &EndpointConfig) -> m::EndpointSettings {
    let ipam = (e.ipv4_address.is_some() || e.ipv6_address.is_some() || !e.link_local_ips.is_empty())
        .then(|| m::EndpointIpamConfig {
            ipv4_address: e.ipv4_address.clone(),
            ipv6_address: e.ipv6_address.clone(),
            link_local_ips: some_vec(&e.link_local_ips),
        });
    m::EndpointSettings {
        ipam_config: ipam,
        links: some_vec(&e.links),
        mac_address: e.mac_address.clone(),
        aliases: some_vec(&e.aliases),
        driver_opts: some_map(&e.driver_opts),
        gw_priority: e.gw_priority,
        ..Default::default()
    }
}

/// Always a map, even an empty one: Compose sends `"PortBindings": {}`, and `docker inspect`
/// shows what was sent.
fn port_map_to(p: &BTreeMap<ContainerPort, Vec<PortBinding>>) -> Option<m::PortMap> {
    Some(
        p.iter()
            .map(|(port, bindings)| {
                let b = bindings
                    .iter()
                    .map(|b| m::PortBinding { host_ip: b.host_ip.clone(), host_port: b.host_port.clone() })
                    .collect();
                (port.to_string(), Some(b))
            })
            .collect(),
    )
}

fn throttle_to(v: &[ThrottleDevice]) -> Option<Vec<m::ThrottleDevice>> {
    (!v.is_empty()).then(|| {
        v.iter().map(|d| m::ThrottleDevice { path: Some(d.path.clone()), rate: Some(d.rate) }).collect()
    })
}

pub(crate) fn host_config_to(h: &HostConfig) -> EngineResult<m::HostConfig> {
    let r = &h.resources;
    Ok(m::HostConfig {
        cpu_shares: r.cpu_shares,
        memory: r.memory,
        cgroup_parent: h.cgroup_parent.clone(),
        blkio_weight: r.blkio_weight,
        blkio_weight_device: (!r.blkio_weight_device.is_empty()).then(|| {
            r.blkio_weight_device
                .iter()
                .map(|d| m::ResourcesBlkioWeightDevice {
                    path: Some(d.path.clone()),
                    weight: Some(usize::from(d.weight)),
                })
                .collect()
        }),
        blkio_device_read_bps: throttle_to(&r.blkio_device_read_bps),
        blkio_device_write_bps: throttle_to(&r.blkio_device_write_bps),
        blkio_device_read_iops: throttle_to(&r.blkio_device_read_iops),
        blkio_device_write_iops: throttle_to(&r.blkio_device_write_iops),
        cpu_period: r.cpu_period,
        cpu_quota: r.cpu_quota,
        cpu_realtime_period: r.cpu_realtime_period,
        cpu_realtime_runtime: r.cpu_realtime_runtime,
        cpuset_cpus: r.cpuset_cpus.clone(),
        cpuset_mems: r.cpuset_mems.clone(),
        devices: (!h.devices.is_empty()).then(|| {
            h.devices
                .iter()
                .map(|d| m::DeviceMapping {
                    path_on_host: Some(d.path_on_host.clone()),
                    path_in_container: Some(d.path_in_container.clone()),
                    cgroup_permissions: Some(d.cgroup_permissions.clone()),
                })
                .collect()
        }),
        device_cgroup_rules: some_vec(&h.device_cgroup_rules),
        device_requests: (!h.device_requests.is_empty()).then(|| {
            h.device_requests
                .iter()
                .map(|d| m::DeviceRequest {
                    driver: d.driver.clone(),
                    count: d.count,
                    device_ids: some_vec(&d.device_ids),
                    capabilities: some_vec(&d.capabilities),
                    options: some_map(&d.options),
                })
                .collect()
        }),
        memory_reservation: r.memory_reservation,
        memory_swap: r.memory_swap,
        memory_swappiness: r.memory_swappiness,
        nano_cpus: r.nano_cpus,
        oom_kill_disable: r.oom_kill_disable,
        init: h.init,
        pids_limit: r.pids_limit,
        ulimits: (!h.ulimits.is_empty()).then(|| {
            h.ulimits
                .iter()
                .map(|u| m::ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft), hard: Some(u.hard) })
                .collect()
        }),
        cpu_count: r.cpu_count,
        cpu_percent: r.cpu_percent,
        binds: some_vec(&h.binds),
        log_config: h.log_config.as_ref().map(|l| m::HostConfigLogConfig {
            typ: Some(l.driver.clone()),
            config: some_map(&l.options),
        }),
        network_mode: h.network_mode.clone(),
        port_bindings: port_map_to(&h.port_bindings),
        restart_policy: h.restart_policy.as_ref().map(restart_to).transpose()?,
        auto_remove: some_true(h.auto_remove),
        volume_driver: h.volume_driver.clone(),
        volumes_from: some_vec(&h.volumes_from),
        mounts: (!h.mounts.is_empty())
            .then(|| h.mounts.iter().map(mount_to).collect::<EngineResult<Vec<_>>>())
            .transpose()?,
        console_size: h.console_size.map(|(height, width)| vec![usize::from(height), usize::from(width)]),
        annotations: some_map(&h.annotations),
        cap_add: some_vec(&h.cap_add),
        cap_drop: some_vec(&h.cap_drop),
        cgroupns_mode: h
            .cgroupns_mode
            .as_deref()
            .map(|s| parse_enum("cgroup namespace mode", s))
            .transpose()?,
        dns: some_vec(&h.dns),
        dns_options: some_vec(&h.dns_options),
        dns_search: some_vec(&h.dns_search),
        // Compose sends `[]` when there are none; `docker inspect` shows it.
        extra_hosts: Some(h.extra_hosts.clone()),
        group_add: some_vec(&h.group_add),
        ipc_mode: h.ipc_mode.clone(),
        cgroup: h.cgroup.clone(),
        links: some_vec(&h.links),
        oom_score_adj: h.oom_score_adj,
        pid_mode: h.pid_mode.clone(),
        privileged: some_true(h.privileged),
        publish_all_ports: some_true(h.publish_all_ports),
        readonly_rootfs: some_true(h.readonly_rootfs),
        security_opt: some_vec(&h.security_opt),
        storage_opt: some_map(&h.storage_opt),
        tmpfs: some_map(&h.tmpfs),
        uts_mode: h.uts_mode.clone(),
        userns_mode: h.userns_mode.clone(),
        shm_size: h.shm_size,
        sysctls: some_map(&h.sysctls),
        runtime: h.runtime.clone(),
        isolation: h.isolation.as_deref().map(|s| parse_enum("isolation", s)).transpose()?,
        masked_paths: h.masked_paths.clone(),
        readonly_paths: h.readonly_paths.clone(),
        ..Default::default()
    })
}

fn restart_to(r: &RestartPolicy) -> EngineResult<m::RestartPolicy> {
    Ok(m::RestartPolicy {
        name: Some(parse_enum("restart policy", r.name.as_str())?),
        maximum_retry_count: r.maximum_retry_count,
    })
}

pub(crate) fn mount_to(x: &Mount) -> EngineResult<m::Mount> {
    Ok(m::Mount {
        target: Some(x.target.clone()),
        source: x.source.clone(),
        typ: Some(parse_enum("mount type", x.kind.as_str())?),
        read_only: some_true(x.read_only),
        consistency: x.consistency.clone(),
        bind_options: x
            .bind
            .as_ref()
            .map(|b| -> EngineResult<m::MountBindOptions> {
                Ok(m::MountBindOptions {
                    propagation: b.propagation.as_deref().map(|p| parse_enum("propagation", p)).transpose()?,
                    non_recursive: some_true(b.non_recursive),
                    create_mountpoint: some_true(b.create_mountpoint),
                    ..Default::default()
                })
            })
            .transpose()?,
        volume_options: x.volume.as_ref().map(|v| m::MountVolumeOptions {
            no_copy: some_true(v.no_copy),
            labels: some_map(&v.labels),
            driver_config: (v.driver.is_some() || !v.driver_opts.is_empty()).then(|| {
                m::MountVolumeOptionsDriverConfig { name: v.driver.clone(), options: some_map(&v.driver_opts) }
            }),
            subpath: v.subpath.clone(),
        }),
        tmpfs_options: x.tmpfs.as_ref().map(|t| m::MountTmpfsOptions {
            size_bytes: t.size_bytes,
            mode: t.mode.map(i64::from),
            options: some_vec(&t.options),
        }),
        ..Default::default()
    })
}

// ---------------------------------------------------------------- containers, incoming

pub(crate) fn status_from(s: &str) -> ContainerStatus {
    s.parse().unwrap_or_default()
}

pub(crate) fn summary_from(c: m::ContainerSummary) -> ContainerSummary {
    let mut ports: Vec<PortSummary> = c
        .ports
        .unwrap_or_default()
        .into_iter()
        .map(|p| PortSummary {
            ip: p.ip.filter(|s| !s.is_empty()),
            private_port: p.private_port,
            public_port: p.public_port,
            protocol: p.typ.map(|t| t.to_string()).and_then(|t| t.parse().ok()).unwrap_or_default(),
        })
        .collect();
    ports.sort();
    ContainerSummary {
        id: c.id.unwrap_or_default(),
        names: c.names.unwrap_or_default().iter().map(|n| strip_slash(n)).collect(),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        created: c.created.unwrap_or_default(),
        labels: btree(c.labels),
        state: c.state.map(|s| status_from(s.as_ref())).unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        ports,
        network_mode: c.host_config.and_then(|h| h.network_mode),
        networks: c
            .network_settings
            .and_then(|n| n.networks)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, endpoint_state_from(v)))
            .collect(),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_point_from).collect(),
    }
}

pub(crate) fn endpoint_state_from(e: m::EndpointSettings) -> EndpointState {
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    EndpointState {
        network_id: e.network_id.unwrap_or_default(),
        endpoint_id: e.endpoint_id.unwrap_or_default(),
        aliases: e.aliases.unwrap_or_default(),
        dns_names: e.dns_names.unwrap_or_default(),
        links: e.links.unwrap_or_default(),
        ip_address: nonempty(e.ip_address),
        ip_prefix_len: e.ip_prefix_len.filter(|n| *n > 0),
        gateway: nonempty(e.gateway),
        global_ipv6_address: nonempty(e.global_ipv6_address),
        ipv6_gateway: nonempty(e.ipv6_gateway),
        mac_address: nonempty(e.mac_address),
        ipam: e.ipam_config.map(|i| EndpointIpam {
            ipv4_address: nonempty(i.ipv4_address),
            ipv6_address: nonempty(i.ipv6_address),
            link_local_ips: i.link_local_ips.unwrap_or_default(),
        }),
        driver_opts: btree(e.driver_opts),
        gw_priority: e.gw_priority,
    }
}

pub(crate) fn mount_point_from(p: m::MountPoint) -> MountPoint {
    MountPoint {
        kind: p.typ.map(|t| t.to_string()).and_then(|t| t.parse().ok()).unwrap_or_default(),
        name: p.name.filter(|s| !s.is_empty()),
        source: p.source.unwrap_or_default(),
        destination: p.destination.unwrap_or_default(),
        driver: p.driver.filter(|s| !s.is_empty()),
        mode: p.mode.unwrap_or_default(),
        rw: p.rw.unwrap_or_default(),
        propagation: p.propagation.unwrap_or_default(),
    }
}

pub(crate) fn health_from(h: m::HealthConfig) -> HealthConfig {
    HealthConfig {
        test: h.test.unwrap_or_default(),
        interval: from_nanos(h.interval),
        timeout: from_nanos(h.timeout),
        retries: h.retries.filter(|r| *r != 0),
        start_period: from_nanos(h.start_period),
        start_interval: from_nanos(h.start_interval),
    }
}

fn config_from(c: m::ContainerConfig) -> ContainerConfig {
    ContainerConfig {
        image: c.image.unwrap_or_default(),
        hostname: c.hostname.filter(|s| !s.is_empty()),
        domainname: c.domainname.filter(|s| !s.is_empty()),
        user: c.user.filter(|s| !s.is_empty()),
        attach_stdin: c.attach_stdin.unwrap_or_default(),
        attach_stdout: c.attach_stdout.unwrap_or_default(),
        attach_stderr: c.attach_stderr.unwrap_or_default(),
        exposed_ports: port_keys_from(c.exposed_ports),
        tty: c.tty.unwrap_or_default(),
        open_stdin: c.open_stdin.unwrap_or_default(),
        stdin_once: c.stdin_once.unwrap_or_default(),
        env: c.env.unwrap_or_default(),
        cmd: c.cmd,
        entrypoint: c.entrypoint,
        healthcheck: c.healthcheck.map(health_from),
        working_dir: c.working_dir.filter(|s| !s.is_empty()),
        volumes: sorted_keys(c.volumes),
        network_disabled: c.network_disabled.unwrap_or_default(),
        mac_address: c.mac_address.filter(|s| !s.is_empty()),
        labels: btree(c.labels),
        stop_signal: c.stop_signal.filter(|s| !s.is_empty()),
        stop_timeout: c.stop_timeout,
        shell: c.shell,
    }
}

fn port_map_from(p: Option<m::PortMap>) -> BTreeMap<ContainerPort, Vec<PortBinding>> {
    p.unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| {
            let port: ContainerPort = k.parse().ok()?;
            let bindings = v
                .unwrap_or_default()
                .into_iter()
                .map(|b| PortBinding {
                    host_ip: b.host_ip.filter(|s| !s.is_empty()),
                    host_port: b.host_port.filter(|s| !s.is_empty()),
                })
                .collect();
            Some((port, bindings))
        })
        .collect()
}

fn throttle_from(v: Option<Vec<m::ThrottleDevice>>) -> Vec<ThrottleDevice> {
    v.unwrap_or_default()
        .into_iter()
        .map(|d| ThrottleDevice { path: d.path.unwrap_or_default(), rate: d.rate.unwrap_or_default() })
        .collect()
}

fn host_config_from(h: m::HostConfig) -> HostConfig {
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    HostConfig {
        binds: h.binds.unwrap_or_default(),
        mounts: h.mounts.unwrap_or_default().into_iter().map(mount_from).collect(),
        tmpfs: btree(h.tmpfs),
        volumes_from: h.volumes_from.unwrap_or_default(),
        volume_driver: nonempty(h.volume_driver),
        network_mode: nonempty(h.network_mode),
        port_bindings: port_map_from(h.port_bindings),
        publish_all_ports: h.publish_all_ports.unwrap_or_default(),
        links: h.links.unwrap_or_default(),
        dns: h.dns.unwrap_or_default(),
        dns_search: h.dns_search.unwrap_or_default(),
        dns_options: h.dns_options.unwrap_or_default(),
        extra_hosts: h.extra_hosts.unwrap_or_default(),
        restart_policy: h.restart_policy.map(|r| RestartPolicy {
            name: r.name.map(|n| n.to_string()).and_then(|n| n.parse().ok()).unwrap_or_default(),
            maximum_retry_count: r.maximum_retry_count,
        }),
        auto_remove: h.auto_remove.unwrap_or_default(),
        init: h.init,
        privileged: h.privileged.unwrap_or_default(),
        readonly_rootfs: h.readonly_rootfs.unwrap_or_default(),
        cap_add: h.cap_add.unwrap_or_default(),
        cap_drop: h.cap_drop.unwrap_or_default(),
        devices: h
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceMapping {
                path_on_host: d.path_on_host.unwrap_or_default(),
                path_in_container: d.path_in_container.unwrap_or_default(),
                cgroup_permissions: d.cgroup_permissions.unwrap_or_default(),
            })
            .collect(),
        device_cgroup_rules: h.device_cgroup_rules.unwrap_or_default(),
        device_requests: h
            .device_requests
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceRequest {
                driver: nonempty(d.driver),
                count: d.count,
                device_ids: d.device_ids.unwrap_or_default(),
                capabilities: d.capabilities.unwrap_or_default(),
                options: btree(d.options),
            })
            .collect(),
        sysctls: btree(h.sysctls),
        ulimits: h
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| Ulimit {
                name: u.name.unwrap_or_default(),
                soft: u.soft.unwrap_or_default(),
                hard: u.hard.unwrap_or_default(),
            })
            .collect(),
        security_opt: h.security_opt.unwrap_or_default(),
        shm_size: h.shm_size,
        pid_mode: nonempty(h.pid_mode),
        ipc_mode: nonempty(h.ipc_mode),
        uts_mode: nonempty(h.uts_mode),
        cgroupns_mode: h.cgroupns_mode.map(|c| c.to_string()).filter(|s| !s.is_empty()),
        cgroup: nonempty(h.cgroup),
        cgroup_parent: nonempty(h.cgroup_parent),
        userns_mode: nonempty(h.userns_mode),
        log_config: h.log_config.map(|l| LogConfig {
            driver: l.typ.unwrap_or_default(),
            options: btree(l.config),
        }),
        resources: Resources {
            memory: h.memory,
            memory_reservation: h.memory_reservation,
            memory_swap: h.memory_swap,
            memory_swappiness: h.memory_swappiness,
            oom_kill_disable: h.oom_kill_disable,
            cpu_shares: h.cpu_shares,
            cpu_period: h.cpu_period,
            cpu_quota: h.cpu_quota,
            nano_cpus: h.nano_cpus,
            cpuset_cpus: nonempty(h.cpuset_cpus),
            cpuset_mems: nonempty(h.cpuset_mems),
            cpu_realtime_period: h.cpu_realtime_period,
            cpu_realtime_runtime: h.cpu_realtime_runtime,
            cpu_count: h.cpu_count,
            cpu_percent: h.cpu_percent,
            pids_limit: h.pids_limit,
            blkio_weight: h.blkio_weight,
            blkio_weight_device: h
                .blkio_weight_device
                .unwrap_or_default()
                .into_iter()
                .map(|d| WeightDevice {
                    path: d.path.unwrap_or_default(),
                    weight: d.weight.and_then(|w| u16::try_from(w).ok()).unwrap_or_default(),
                })
                .collect(),
            blkio_device_read_bps: throttle_from(h.blkio_device_read_bps),
            blkio_device_write_bps: throttle_from(h.blkio_device_write_bps),
            blkio_device_read_iops: throttle_from(h.blkio_device_read_iops),
            blkio_device_write_iops: throttle_from(h.blkio_device_write_iops),
        },
        group_add: h.group_add.unwrap_or_default(),
        storage_opt: btree(h.storage_opt),
        runtime: nonempty(h.runtime),
        isolation: h.isolation.map(|i| i.to_string()).filter(|s| !s.is_empty()),
        annotations: btree(h.annotations),
        oom_score_adj: h.oom_score_adj,
        masked_paths: h.masked_paths,
        readonly_paths: h.readonly_paths,
        console_size: h.console_size.and_then(|v| match v.as_slice() {
            [height, width] => Some((u16::try_from(*height).ok()?, u16::try_from(*width).ok()?)),
            _ => None,
        }),
    }
}

fn mount_from(x: m::Mount) -> Mount {
    Mount {
        kind: x.typ.map(|t| t.to_string()).and_then(|t| t.parse().ok()).unwrap_or(MountKind::Volume),
        source: x.source.filter(|s| !s.is_empty()),
        target: x.target.unwrap_or_default(),
        read_only: x.read_only.unwrap_or_default(),
        consistency: x.consistency.filter(|s| !s.is_empty()),
        bind: x.bind_options.map(|b| BindOptions {
            propagation: b.propagation.map(|p| p.to_string()).filter(|s| !s.is_empty()),
            non_recursive: b.non_recursive.unwrap_or_default(),
            create_mountpoint: b.create_mountpoint.unwrap_or_default(),
        }),
        volume: x.volume_options.map(|v| {
            let (driver, driver_opts) = v
                .driver_config
                .map(|d| (d.name.filter(|s| !s.is_empty()), btree(d.options)))
                .unwrap_or_default();
            VolumeMountOptions {
                no_copy: v.no_copy.unwrap_or_default(),
                labels: btree(v.labels),
                driver,
                driver_opts,
                subpath: v.subpath.filter(|s| !s.is_empty()),
            }
        }),
        tmpfs: x.tmpfs_options.map(|t| TmpfsOptions {
            size_bytes: t.size_bytes,
            mode: t.mode.and_then(|m| u32::try_from(m).ok()),
            options: t.options.unwrap_or_default(),
        }),
    }
}

fn health_state_from(h: m::Health) -> Health {
    Health {
        status: h
            .status
            .map(|s| s.to_string())
            .and_then(|s| s.parse().ok())
            .unwrap_or(HealthStatus::None),
        failing_streak: h.failing_streak.unwrap_or_default(),
        log: h
            .log
            .unwrap_or_default()
            .into_iter()
            .map(|l| HealthLogEntry {
                start: l.start.unwrap_or_default(),
                end: l.end.unwrap_or_default(),
                exit_code: l.exit_code.unwrap_or_default(),
                output: l.output.unwrap_or_default(),
            })
            .collect(),
    }
}

pub(crate) fn details_from(c: m::ContainerInspectResponse) -> ContainerDetails {
    let state = c.state.map(|s| ContainerState {
        status: s.status.map(|x| status_from(x.as_ref())).unwrap_or_default(),
        running: s.running.unwrap_or_default(),
        paused: s.paused.unwrap_or_default(),
        restarting: s.restarting.unwrap_or_default(),
        oom_killed: s.oom_killed.unwrap_or_default(),
        dead: s.dead.unwrap_or_default(),
        pid: s.pid.unwrap_or_default(),
        exit_code: s.exit_code.unwrap_or_default(),
        error: s.error.unwrap_or_default(),
        started_at: s.started_at.unwrap_or_default(),
        finished_at: s.finished_at.unwrap_or_default(),
        // Podman reports `Health` with an empty status for a container without a check, where
        // Docker leaves it out: both mean no health check.
        health: s.health.filter(|h| !matches!(h.status, None | Some(m::HealthStatusEnum::EMPTY))).map(health_state_from),
    });
    let network_settings = c.network_settings.map(|n| NetworkSettings {
        networks: n
            .networks
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, endpoint_state_from(v)))
            .collect(),
        ports: port_map_from(n.ports),
        sandbox_key: n.sandbox_key.filter(|s| !s.is_empty()),
    });
    ContainerDetails {
        id: c.id.unwrap_or_default(),
        name: strip_slash(&c.name.unwrap_or_default()),
        created: c.created.unwrap_or_default(),
        image_id: c.image.unwrap_or_default(),
        path: c.path.unwrap_or_default(),
        args: c.args.unwrap_or_default(),
        state: state.unwrap_or_default(),
        restart_count: c.restart_count.unwrap_or_default(),
        platform: c.platform.filter(|s| !s.is_empty()),
        config: c.config.map(config_from).unwrap_or_default(),
        host_config: c.host_config.map(host_config_from).unwrap_or_default(),
        network_settings: network_settings.unwrap_or_default(),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_point_from).collect(),
    }
}

pub(crate) fn exec_from(e: m::ExecInspectResponse) -> ExecDetails {
    let running = e.running.unwrap_or_default();
    ExecDetails {
        id: e.id.unwrap_or_default(),
        container_id: e.container_id.unwrap_or_default(),
        running,
        exit_code: if running { None } else { e.exit_code },
        pid: e.pid.filter(|p| *p > 0),
        open_stdin: e.open_stdin.unwrap_or_default(),
    }
}

pub(crate) fn top_from(t: m::ContainerTopResponse) -> TopResult {
    TopResult { titles: t.titles.unwrap_or_default(), processes: t.processes.unwrap_or_default() }
}

pub(crate) fn stats_from(s: m::ContainerStatsResponse) -> ContainerStats {
    let cpu = s.cpu_stats.unwrap_or_default();
    let pre = s.precpu_stats.unwrap_or_default();
    let total = |c: &m::ContainerCpuStats| c.cpu_usage.as_ref().and_then(|u| u.total_usage).unwrap_or(0);
    let cpu_delta = total(&cpu).saturating_sub(total(&pre));
    let sys_delta = cpu.system_cpu_usage.unwrap_or(0).saturating_sub(pre.system_cpu_usage.unwrap_or(0));
    let online = cpu.online_cpus.map(u64::from).filter(|n| *n > 0).unwrap_or_else(|| {
        cpu.cpu_usage
            .as_ref()
            .and_then(|u| u.percpu_usage.as_ref())
            .map_or(1, |v| u64::try_from(v.len()).unwrap_or(1))
    });
    #[allow(clippy::cast_precision_loss)]
    let cpu_percent = if cpu_delta > 0 && sys_delta > 0 {
        cpu_delta as f64 / sys_delta as f64 * online as f64 * 100.0
    } else {
        0.0
    };
    let mem = s.memory_stats.unwrap_or_default();
    let stats = mem.stats.unwrap_or_default();
    // `docker stats` subtracts the inactive page cache (cgroup v1 and v2 names).
    let cache = stats
        .get("total_inactive_file")
        .or_else(|| stats.get("inactive_file"))
        .copied()
        .unwrap_or(0);
    let (rx, tx) = s.networks.unwrap_or_default().values().fold((0u64, 0u64), |(r, t), n| {
        (r.saturating_add(n.rx_bytes.unwrap_or(0)), t.saturating_add(n.tx_bytes.unwrap_or(0)))
    });
    let (read, write) = s
        .blkio_stats
        .and_then(|b| b.io_service_bytes_recursive)
        .unwrap_or_default()
        .iter()
        .fold((0u64, 0u64), |(r, w), e| match e.op.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("read") => (r.saturating_add(e.value.unwrap_or(0)), w),
            Some("write") => (r, w.saturating_add(e.value.unwrap_or(0))),
            _ => (r, w),
        });
    ContainerStats {
        id: s.id.unwrap_or_default(),
        name: strip_slash(&s.name.unwrap_or_default()),
        read: s.read.unwrap_or_default(),
        cpu_percent,
        memory_usage: mem.usage.unwrap_or(0).saturating_sub(cache),
        memory_limit: mem.limit.unwrap_or(0),
        net_rx_bytes: rx,
        net_tx_bytes: tx,
        block_read_bytes: read,
        block_write_bytes: write,
        pids: s.pids_stats.and_then(|p| p.current).unwrap_or(0),
    }
}

// ---------------------------------------------------------------- images

pub(crate) fn image_summary_from(i: m::ImageSummary) -> ImageSummary {
    ImageSummary {
        id: i.id,
        parent_id: i.parent_id,
        repo_tags: i.repo_tags.into_iter().filter(|t| t != "<none>:<none>").collect(),
        repo_digests: i.repo_digests.into_iter().filter(|t| t != "<none>@<none>").collect(),
        created: i.created,
        size: i.size,
        labels: i.labels.into_iter().collect(),
        containers: i.containers,
    }
}

pub(crate) fn image_details_from(i: m::ImageInspect) -> ImageDetails {
    let config = i.config.map(|c| ImageConfig {
        cmd: c.cmd.unwrap_or_default(),
        entrypoint: c.entrypoint.unwrap_or_default(),
        env: c.env.unwrap_or_default(),
        working_dir: c.working_dir.unwrap_or_default(),
        user: c.user.unwrap_or_default(),
        labels: btree(c.labels),
        exposed_ports: port_keys_from(c.exposed_ports),
        volumes: sorted_keys(c.volumes),
        healthcheck: c.healthcheck.map(health_from),
        stop_signal: c.stop_signal.filter(|s| !s.is_empty()),
    });
    ImageDetails {
        id: i.id.unwrap_or_default(),
        repo_tags: i.repo_tags.unwrap_or_default(),
        repo_digests: i.repo_digests.unwrap_or_default(),
        created: i.created.unwrap_or_default(),
        os: i.os.unwrap_or_default(),
        architecture: i.architecture.unwrap_or_default(),
        variant: i.variant.filter(|s| !s.is_empty()),
        size: i.size.unwrap_or_default(),
        config: config.unwrap_or_default(),
    }
}

pub(crate) fn auth_to(a: &RegistryAuth) -> DockerCredentials {
    DockerCredentials {
        username: a.username.clone(),
        password: a.password.clone(),
        auth: a.auth.clone(),
        email: a.email.clone(),
        serveraddress: a.server_address.clone(),
        identitytoken: a.identity_token.clone(),
        registrytoken: a.registry_token.clone(),
    }
}

pub(crate) fn progress_from(
    id: Option<String>,
    status: Option<String>,
    progress: Option<String>,
    detail: Option<&m::ProgressDetail>,
) -> ProgressEvent {
    ProgressEvent {
        id,
        status,
        current: detail.and_then(|d| d.current),
        total: detail.and_then(|d| d.total),
        progress,
    }
}

// ---------------------------------------------------------------- networks and volumes

pub(crate) fn network_create_to(n: &NetworkCreate) -> m::NetworkCreateRequest {
    m::NetworkCreateRequest {
        name: n.name.clone(),
        driver: n.driver.clone(),
        scope: n.scope.clone(),
        internal: some_true(n.internal),
        attachable: some_true(n.attachable),
        ingress: some_true(n.ingress),
        config_only: some_true(n.config_only),
        config_from: n.config_from.clone().map(|c| m::ConfigReference { network: Some(c) }),
        ipam: n.ipam.as_ref().map(|i| m::Ipam {
            driver: i.driver.clone(),
            config: some_vec(&i.config).map(|c| {
                c.iter()
                    .map(|p| m::IpamConfig {
                        subnet: p.subnet.clone(),
                        ip_range: p.ip_range.clone(),
                        gateway: p.gateway.clone(),
                        auxiliary_addresses: some_map(&p.aux_addresses),
                    })
                    .collect()
            }),
            options: some_map(&i.options),
        }),
        enable_ipv4: n.enable_ipv4,
        enable_ipv6: n.enable_ipv6,
        options: some_map(&n.driver_opts),
        labels: some_map(&n.labels),
    }
}

pub(crate) fn network_from(n: m::Network) -> NetworkDetails {
    let ipam = n.ipam.map(|i| Ipam {
        driver: i.driver.filter(|s| !s.is_empty()),
        config: i
            .config
            .unwrap_or_default()
            .into_iter()
            .map(|p| IpamPool {
                subnet: p.subnet.filter(|s| !s.is_empty()),
                ip_range: p.ip_range.filter(|s| !s.is_empty()),
                gateway: p.gateway.filter(|s| !s.is_empty()),
                aux_addresses: btree(p.auxiliary_addresses),
            })
            .collect(),
        options: btree(i.options),
    });
    NetworkDetails {
        id: n.id.unwrap_or_default(),
        name: n.name.unwrap_or_default(),
        created: n.created.unwrap_or_default(),
        driver: n.driver.unwrap_or_default(),
        scope: n.scope.unwrap_or_default(),
        internal: n.internal.unwrap_or_default(),
        attachable: n.attachable.unwrap_or_default(),
        ingress: n.ingress.unwrap_or_default(),
        enable_ipv6: n.enable_ipv6.unwrap_or_default(),
        ipam: ipam.unwrap_or_default(),
        options: btree(n.options),
        labels: btree(n.labels),
        containers: n
            .containers
            .unwrap_or_default()
            .into_iter()
            .map(|(id, c)| {
                (
                    id,
                    NetworkContainer {
                        name: c.name.unwrap_or_default(),
                        endpoint_id: c.endpoint_id.unwrap_or_default(),
                        mac_address: c.mac_address.unwrap_or_default(),
                        ipv4_address: c.ipv4_address.unwrap_or_default(),
                        ipv6_address: c.ipv6_address.unwrap_or_default(),
                    },
                )
            })
            .collect(),
    }
}

pub(crate) fn volume_create_to(v: &VolumeCreate) -> m::VolumeCreateOptions {
    m::VolumeCreateOptions {
        name: (!v.name.is_empty()).then(|| v.name.clone()),
        driver: v.driver.clone(),
        driver_opts: some_map(&v.driver_opts),
        labels: some_map(&v.labels),
        ..Default::default()
    }
}

pub(crate) fn volume_from(v: m::Volume) -> VolumeDetails {
    VolumeDetails {
        name: v.name,
        driver: v.driver,
        mountpoint: v.mountpoint,
        created: v.created_at.filter(|s| !s.is_empty()),
        labels: v.labels.into_iter().collect(),
        options: v.options.into_iter().collect(),
        scope: v.scope.map(|s| s.to_string()).unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- system

pub(crate) fn version_from(v: m::SystemVersion) -> EngineVersion {
    EngineVersion {
        version: v.version.unwrap_or_default(),
        api_version: v.api_version.unwrap_or_default(),
        min_api_version: v.min_api_version.unwrap_or_default(),
        os: v.os.unwrap_or_default(),
        arch: v.arch.unwrap_or_default(),
        kernel_version: v.kernel_version.unwrap_or_default(),
        go_version: v.go_version.unwrap_or_default(),
        git_commit: v.git_commit.unwrap_or_default(),
        platform_name: v.platform.map(|p| p.name).unwrap_or_default(),
        components: v.components.unwrap_or_default().into_iter().map(|c| (c.name, c.version)).collect(),
    }
}

pub(crate) fn event_from(e: m::EventMessage) -> EngineEvent {
    let actor = e.actor.unwrap_or_default();
    let time_nano = e
        .time_nano
        .filter(|t| *t != 0)
        .or_else(|| e.time.map(|t| t.saturating_mul(1_000_000_000)))
        .unwrap_or_default();
    EngineEvent {
        kind: EventKind::parse(&e.typ.map(|t| t.to_string()).unwrap_or_default()),
        action: e.action.unwrap_or_default(),
        actor_id: actor.id.unwrap_or_default(),
        attributes: btree(actor.attributes),
        time_nano,
    }
}

// ---------------------------------------------------------------- swarm

fn file_ref_to_secret(f: &FileReference) -> m::TaskSpecContainerSpecSecrets {
    m::TaskSpecContainerSpecSecrets {
        file: Some(m::TaskSpecContainerSpecFile {
            name: Some(f.target.clone()),
            uid: Some(f.uid.clone()),
            gid: Some(f.gid.clone()),
            mode: Some(f.mode),
        }),
        secret_id: Some(f.id.clone()),
        secret_name: Some(f.name.clone()),
    }
}

fn file_ref_to_config(f: &FileReference) -> m::TaskSpecContainerSpecConfigs {
    m::TaskSpecContainerSpecConfigs {
        file: Some(m::TaskSpecContainerSpecFile1 {
            name: Some(f.target.clone()),
            uid: Some(f.uid.clone()),
            gid: Some(f.gid.clone()),
            mode: Some(f.mode),
        }),
        config_id: Some(f.id.clone()),
        config_name: Some(f.name.clone()),
        ..Default::default()
    }
}

fn i64_of(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn u64_of(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn update_to(u: &UpdateConfig) -> EngineResult<m::ServiceSpecUpdateConfig> {
    Ok(m::ServiceSpecUpdateConfig {
        parallelism: Some(i64_of(u.parallelism)),
        delay: u.delay.map(nanos),
        failure_action: u.failure_action.as_deref().map(|s| parse_enum("failure action", s)).transpose()?,
        monitor: u.monitor.map(nanos),
        max_failure_ratio: u.max_failure_ratio,
        order: u.order.as_deref().map(|s| parse_enum("update order", s)).transpose()?,
    })
}

fn rollback_to(u: &UpdateConfig) -> EngineResult<m::ServiceSpecRollbackConfig> {
    Ok(m::ServiceSpecRollbackConfig {
        parallelism: Some(i64_of(u.parallelism)),
        delay: u.delay.map(nanos),
        failure_action: u.failure_action.as_deref().map(|s| parse_enum("failure action", s)).transpose()?,
        monitor: u.monitor.map(nanos),
        max_failure_ratio: u.max_failure_ratio,
        order: u.order.as_deref().map(|s| parse_enum("rollback order", s)).transpose()?,
    })
}

fn privileges_to(p: &ServicePrivileges) -> EngineResult<m::TaskSpecContainerSpecPrivileges> {
    Ok(m::TaskSpecContainerSpecPrivileges {
        credential_spec: p.credential_spec.as_ref().map(|c| m::TaskSpecContainerSpecPrivilegesCredentialSpec {
            config: c.config.clone(),
            file: c.file.clone(),
            registry: c.registry.clone(),
        }),
        se_linux_context: p.selinux.as_ref().map(|l| m::TaskSpecContainerSpecPrivilegesSeLinuxContext {
            disable: some_true(l.disable),
            user: l.user.clone(),
            role: l.role.clone(),
            typ: l.kind.clone(),
            level: l.level.clone(),
        }),
        seccomp: p
            .seccomp
            .as_ref()
            .map(|x| -> EngineResult<m::TaskSpecContainerSpecPrivilegesSeccomp> {
                Ok(m::TaskSpecContainerSpecPrivilegesSeccomp {
                    mode: Some(parse_enum("seccomp mode", &x.mode)?),
                    profile: x.profile.as_ref().map(|b| String::from_utf8_lossy(b).into_owned()),
                })
            })
            .transpose()?,
        app_armor: p
            .apparmor
            .as_deref()
            .map(|mode| -> EngineResult<m::TaskSpecContainerSpecPrivilegesAppArmor> {
                Ok(m::TaskSpecContainerSpecPrivilegesAppArmor { mode: Some(parse_enum("apparmor mode", mode)?) })
            })
            .transpose()?,
        no_new_privileges: some_true(p.no_new_privileges),
    })
}

fn privileges_from(p: m::TaskSpecContainerSpecPrivileges) -> ServicePrivileges {
    ServicePrivileges {
        credential_spec: p.credential_spec.map(|c| CredentialSpec {
            config: c.config.filter(|s| !s.is_empty()),
            file: c.file.filter(|s| !s.is_empty()),
            registry: c.registry.filter(|s| !s.is_empty()),
        }),
        selinux: p.se_linux_context.map(|l| SeLinuxContext {
            disable: l.disable.unwrap_or_default(),
            user: l.user.filter(|s| !s.is_empty()),
            role: l.role.filter(|s| !s.is_empty()),
            kind: l.typ.filter(|s| !s.is_empty()),
            level: l.level.filter(|s| !s.is_empty()),
        }),
        seccomp: p.seccomp.and_then(|x| {
            let mode = x.mode.map(|m| m.to_string()).filter(|s| !s.is_empty())?;
            Some(SeccompOption { mode, profile: x.profile.map(String::into_bytes) })
        }),
        apparmor: p.app_armor.and_then(|a| a.mode).map(|m| m.to_string()).filter(|s| !s.is_empty()),
        no_new_privileges: p.no_new_privileges.unwrap_or_default(),
    }
}

fn networks_to(n: &[ServiceNetwork]) -> Option<Vec<m::NetworkAttachmentConfig>> {
    (!n.is_empty()).then(|| {
        n.iter()
            .map(|n| m::NetworkAttachmentConfig {
                target: Some(n.target.clone()),
                aliases: some_vec(&n.aliases),
                driver_opts: some_map(&n.driver_opts),
            })
            .collect()
    })
}

pub(crate) fn service_spec_to(s: &ServiceSpec) -> EngineResult<m::ServiceSpec> {
    let c = &s.container;
    let container_spec = m::TaskSpecContainerSpec {
        image: Some(c.image.clone()),
        labels: some_map(&c.labels),
        command: c.command.clone(),
        args: c.args.clone(),
        hostname: c.hostname.clone(),
        env: some_vec(&c.env),
        dir: c.dir.clone(),
        user: c.user.clone(),
        groups: some_vec(&c.groups),
        tty: some_true(c.tty),
        open_stdin: some_true(c.open_stdin),
        read_only: some_true(c.read_only),
        mounts: (!c.mounts.is_empty())
            .then(|| c.mounts.iter().map(mount_to).collect::<EngineResult<Vec<_>>>())
            .transpose()?,
        stop_signal: c.stop_signal.clone(),
        stop_grace_period: c.stop_grace_period.map(nanos),
        health_check: c.healthcheck.as_ref().map(health_to),
        hosts: some_vec(&c.hosts),
        dns_config: (!c.dns_nameservers.is_empty() || !c.dns_search.is_empty() || !c.dns_options.is_empty())
            .then(|| m::TaskSpecContainerSpecDnsConfig {
                nameservers: some_vec(&c.dns_nameservers),
                search: some_vec(&c.dns_search),
                options: some_vec(&c.dns_options),
            }),
        secrets: (!c.secrets.is_empty()).then(|| c.secrets.iter().map(file_ref_to_secret).collect()),
        configs: (!c.configs.is_empty()).then(|| c.configs.iter().map(file_ref_to_config).collect()),
        isolation: c.isolation.as_deref().map(|s| parse_enum("isolation", s)).transpose()?,
        init: c.init,
        sysctls: some_map(&c.sysctls),
        capability_add: some_vec(&c.cap_add),
        capability_drop: some_vec(&c.cap_drop),
        ulimits: (!c.ulimits.is_empty()).then(|| {
            c.ulimits
                .iter()
                .map(|u| m::ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft), hard: Some(u.hard) })
                .collect()
        }),
        oom_score_adj: c.oom_score_adj,
        privileges: c.privileges.as_ref().map(privileges_to).transpose()?,
    };
    let r = &s.resources;
    let resources = m::TaskSpecResources {
        limits: (r.limit_nano_cpus.is_some() || r.limit_memory_bytes.is_some() || r.limit_pids.is_some())
            .then_some(m::Limit { nano_cpus: r.limit_nano_cpus, memory_bytes: r.limit_memory_bytes, pids: r.limit_pids }),
        reservations: (r.reserve_nano_cpus.is_some()
            || r.reserve_memory_bytes.is_some()
            || !r.reserve_generic.is_empty())
        .then(|| m::ResourceObject {
            nano_cpus: r.reserve_nano_cpus,
            memory_bytes: r.reserve_memory_bytes,
            generic_resources: (!r.reserve_generic.is_empty()).then(|| {
                r.reserve_generic
                    .iter()
                    .map(|(kind, value)| m::GenericResourcesInner {
                        discrete_resource_spec: Some(m::GenericResourcesInnerDiscreteResourceSpec {
                            kind: Some(kind.clone()),
                            value: Some(*value),
                        }),
                        ..Default::default()
                    })
                    .collect()
            }),
        }),
    };
    let restart_policy = s
        .restart_policy
        .as_ref()
        .map(|p| -> EngineResult<m::TaskSpecRestartPolicy> {
            Ok(m::TaskSpecRestartPolicy {
                condition: p.condition.as_deref().map(|c| parse_enum("restart condition", c)).transpose()?,
                delay: p.delay.map(nanos),
                max_attempts: p.max_attempts.map(i64_of),
                window: p.window.map(nanos),
            })
        })
        .transpose()?;
    let placement = m::TaskSpecPlacement {
        constraints: some_vec(&s.placement.constraints),
        preferences: (!s.placement.spread.is_empty()).then(|| {
            s.placement
                .spread
                .iter()
                .map(|d| m::TaskSpecPlacementPreferences {
                    spread: Some(m::TaskSpecPlacementSpread { spread_descriptor: Some(d.clone()) }),
                })
                .collect()
        }),
        max_replicas: s.placement.max_replicas.map(i64_of),
        platforms: (!s.placement.platforms.is_empty()).then(|| {
            s.placement
                .platforms
                .iter()
                .map(|(arch, os)| m::Platform { architecture: Some(arch.clone()), os: Some(os.clone()) })
                .collect()
        }),
    };
    let mode = match &s.mode {
        ServiceMode::Replicated { replicas } => m::ServiceSpecMode {
            replicated: Some(m::ServiceSpecModeReplicated { replicas: Some(i64_of(*replicas)) }),
            ..Default::default()
        },
        ServiceMode::Global => m::ServiceSpecMode { global: Some(HashMap::new()), ..Default::default() },
        ServiceMode::ReplicatedJob { max_concurrent, total_completions } => m::ServiceSpecMode {
            replicated_job: Some(m::ServiceSpecModeReplicatedJob {
                max_concurrent: Some(i64_of(*max_concurrent)),
                total_completions: Some(i64_of(*total_completions)),
            }),
            ..Default::default()
        },
        ServiceMode::GlobalJob => m::ServiceSpecMode { global_job: Some(HashMap::new()), ..Default::default() },
    };
    let endpoint_spec = m::EndpointSpec {
        mode: s.endpoint.mode.as_deref().map(|x| parse_enum("endpoint mode", x)).transpose()?,
        ports: (!s.endpoint.ports.is_empty())
            .then(|| {
                s.endpoint
                    .ports
                    .iter()
                    .map(|p| -> EngineResult<m::EndpointPortConfig> {
                        Ok(m::EndpointPortConfig {
                            name: p.name.clone(),
                            protocol: Some(parse_enum("protocol", &p.protocol.to_string())?),
                            target_port: Some(i64::from(p.target)),
                            published_port: p.published.map(i64::from),
                            publish_mode: p.publish_mode.as_deref().map(|x| parse_enum("publish mode", x)).transpose()?,
                        })
                    })
                    .collect::<EngineResult<Vec<_>>>()
            })
            .transpose()?,
    };
    Ok(m::ServiceSpec {
        name: Some(s.name.clone()),
        labels: some_map(&s.labels),
        task_template: Some(m::TaskSpec {
            container_spec: Some(container_spec),
            resources: Some(resources),
            restart_policy,
            placement: Some(placement),
            force_update: (s.force_update > 0).then_some(s.force_update),
            networks: networks_to(&s.networks),
            log_driver: s.log_driver.as_ref().map(|l| m::TaskSpecLogDriver {
                name: Some(l.driver.clone()),
                options: some_map(&l.options),
            }),
            ..Default::default()
        }),
        mode: Some(mode),
        update_config: s.update_config.as_ref().map(update_to).transpose()?,
        rollback_config: s.rollback_config.as_ref().map(rollback_to).transpose()?,
        endpoint_spec: Some(endpoint_spec),
        ..Default::default()
    })
}

fn port_from(p: m::EndpointPortConfig) -> ServicePort {
    ServicePort {
        name: p.name,
        protocol: p
            .protocol
            .map(|x| x.to_string())
            .and_then(|x| x.parse::<PortProtocol>().ok())
            .unwrap_or_default(),
        target: p.target_port.and_then(|n| u16::try_from(n).ok()).unwrap_or_default(),
        published: p.published_port.and_then(|n| u16::try_from(n).ok()),
        publish_mode: p.publish_mode.map(|x| x.to_string()),
    }
}

fn update_from(
    parallelism: Option<i64>,
    delay: Option<i64>,
    failure_action: Option<String>,
    monitor: Option<i64>,
    max_failure_ratio: Option<f64>,
    order: Option<String>,
) -> UpdateConfig {
    UpdateConfig {
        parallelism: parallelism.map_or(0, u64_of),
        delay: from_nanos(delay),
        failure_action: failure_action.filter(|s| !s.is_empty()),
        monitor: from_nanos(monitor),
        max_failure_ratio,
        order: order.filter(|s| !s.is_empty()),
    }
}

fn service_spec_from(s: m::ServiceSpec) -> ServiceSpec {
    let task = s.task_template.unwrap_or_default();
    let c = task.container_spec.unwrap_or_default();
    let dns = c.dns_config.unwrap_or_default();
    let container = ServiceContainerSpec {
        image: c.image.unwrap_or_default(),
        labels: btree(c.labels),
        command: c.command,
        args: c.args,
        hostname: c.hostname,
        env: c.env.unwrap_or_default(),
        dir: c.dir,
        user: c.user,
        groups: c.groups.unwrap_or_default(),
        tty: c.tty.unwrap_or_default(),
        open_stdin: c.open_stdin.unwrap_or_default(),
        read_only: c.read_only.unwrap_or_default(),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_from).collect(),
        stop_signal: c.stop_signal,
        stop_grace_period: from_nanos(c.stop_grace_period),
        healthcheck: c.health_check.map(health_from),
        hosts: c.hosts.unwrap_or_default(),
        dns_nameservers: dns.nameservers.unwrap_or_default(),
        dns_search: dns.search.unwrap_or_default(),
        dns_options: dns.options.unwrap_or_default(),
        secrets: c
            .secrets
            .unwrap_or_default()
            .into_iter()
            .map(|x| {
                let f = x.file.unwrap_or_default();
                FileReference {
                    id: x.secret_id.unwrap_or_default(),
                    name: x.secret_name.unwrap_or_default(),
                    target: f.name.unwrap_or_default(),
                    uid: f.uid.unwrap_or_default(),
                    gid: f.gid.unwrap_or_default(),
                    mode: f.mode.unwrap_or_default(),
                }
            })
            .collect(),
        configs: c
            .configs
            .unwrap_or_default()
            .into_iter()
            .map(|x| {
                let f = x.file.unwrap_or_default();
                FileReference {
                    id: x.config_id.unwrap_or_default(),
                    name: x.config_name.unwrap_or_default(),
                    target: f.name.unwrap_or_default(),
                    uid: f.uid.unwrap_or_default(),
                    gid: f.gid.unwrap_or_default(),
                    mode: f.mode.unwrap_or_default(),
                }
            })
            .collect(),
        init: c.init,
        sysctls: btree(c.sysctls),
        cap_add: c.capability_add.unwrap_or_default(),
        cap_drop: c.capability_drop.unwrap_or_default(),
        ulimits: c
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| Ulimit {
                name: u.name.unwrap_or_default(),
                soft: u.soft.unwrap_or_default(),
                hard: u.hard.unwrap_or_default(),
            })
            .collect(),
        isolation: c.isolation.map(|i| i.to_string()).filter(|s| !s.is_empty()),
        oom_score_adj: c.oom_score_adj.filter(|n| *n != 0),
        privileges: c.privileges.map(privileges_from).filter(|p| *p != ServicePrivileges::default()),
    };
    let res = task.resources.unwrap_or_default();
    let limits = res.limits.unwrap_or_default();
    let reservations = res.reservations.unwrap_or_default();
    let resources = ServiceResources {
        limit_nano_cpus: limits.nano_cpus,
        limit_memory_bytes: limits.memory_bytes,
        limit_pids: limits.pids,
        reserve_nano_cpus: reservations.nano_cpus,
        reserve_memory_bytes: reservations.memory_bytes,
        reserve_generic: reservations
            .generic_resources
            .unwrap_or_default()
            .into_iter()
            .filter_map(|g| {
                let d = g.discrete_resource_spec?;
                Some((d.kind?, d.value.unwrap_or_default()))
            })
            .collect(),
    };
    let placement = task.placement.unwrap_or_default();
    let mode = s.mode.map_or(ServiceMode::Replicated { replicas: 1 }, |m| {
        if let Some(r) = m.replicated {
            ServiceMode::Replicated { replicas: r.replicas.map_or(1, u64_of) }
        } else if m.global.is_some() {
            ServiceMode::Global
        } else if let Some(j) = m.replicated_job {
            ServiceMode::ReplicatedJob {
                max_concurrent: j.max_concurrent.map_or(1, u64_of),
                total_completions: j.total_completions.map_or(1, u64_of),
            }
        } else if m.global_job.is_some() {
            ServiceMode::GlobalJob
        } else {
            ServiceMode::Replicated { replicas: 1 }
        }
    });
    let endpoint = s.endpoint_spec.unwrap_or_default();
    ServiceSpec {
        name: s.name.unwrap_or_default(),
        labels: btree(s.labels),
        container,
        resources,
        restart_policy: task.restart_policy.map(|p| ServiceRestartPolicy {
            condition: p.condition.map(|c| c.to_string()).filter(|s| !s.is_empty()),
            delay: from_nanos(p.delay),
            max_attempts: p.max_attempts.map(u64_of),
            window: from_nanos(p.window),
        }),
        placement: ServicePlacement {
            constraints: placement.constraints.unwrap_or_default(),
            spread: placement
                .preferences
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| p.spread?.spread_descriptor)
                .collect(),
            max_replicas: placement.max_replicas.filter(|n| *n > 0).map(u64_of),
            platforms: placement
                .platforms
                .unwrap_or_default()
                .into_iter()
                .map(|p| (p.architecture.unwrap_or_default(), p.os.unwrap_or_default()))
                .collect(),
        },
        networks: task
            .networks
            .or(s.networks)
            .unwrap_or_default()
            .into_iter()
            .map(|n| ServiceNetwork {
                target: n.target.unwrap_or_default(),
                aliases: n.aliases.unwrap_or_default(),
                driver_opts: btree(n.driver_opts),
            })
            .collect(),
        log_driver: task.log_driver.map(|l| LogConfig { driver: l.name.unwrap_or_default(), options: btree(l.options) }),
        mode,
        update_config: s.update_config.map(|u| {
            update_from(
                u.parallelism,
                u.delay,
                u.failure_action.map(|x| x.to_string()),
                u.monitor,
                u.max_failure_ratio,
                u.order.map(|x| x.to_string()),
            )
        }),
        rollback_config: s.rollback_config.map(|u| {
            update_from(
                u.parallelism,
                u.delay,
                u.failure_action.map(|x| x.to_string()),
                u.monitor,
                u.max_failure_ratio,
                u.order.map(|x| x.to_string()),
            )
        }),
        endpoint: ServiceEndpointSpec {
            mode: endpoint.mode.map(|x| x.to_string()).filter(|s| !s.is_empty()),
            ports: endpoint.ports.unwrap_or_default().into_iter().map(port_from).collect(),
        },
        force_update: task.force_update.unwrap_or_default(),
    }
}

pub(crate) fn service_from(s: m::Service) -> ServiceDetails {
    let status = s.service_status;
    ServiceDetails {
        id: s.id.unwrap_or_default(),
        version: s.version.and_then(|v| v.index).unwrap_or_default(),
        created_at: s.created_at.unwrap_or_default(),
        updated_at: s.updated_at.unwrap_or_default(),
        spec: s.spec.map(service_spec_from).unwrap_or_default(),
        ports: s.endpoint.and_then(|e| e.ports).unwrap_or_default().into_iter().map(port_from).collect(),
        running_tasks: status.as_ref().and_then(|x| x.running_tasks),
        desired_tasks: status.as_ref().and_then(|x| x.desired_tasks),
        update_state: s.update_status.as_ref().and_then(|u| u.state.map(|x| x.to_string())),
        update_message: s.update_status.and_then(|u| u.message),
    }
}

pub(crate) fn task_from(t: m::Task) -> TaskDetails {
    let status = t.status.unwrap_or_default();
    let container = status.container_status.clone().unwrap_or_default();
    TaskDetails {
        id: t.id.unwrap_or_default(),
        service_id: t.service_id.unwrap_or_default(),
        slot: t.slot,
        node_id: t.node_id.filter(|s| !s.is_empty()),
        labels: btree(t.labels),
        desired_state: t.desired_state.map(|s| s.to_string()).unwrap_or_default(),
        state: status.state.map(|s| s.to_string()).unwrap_or_default(),
        message: status.message.unwrap_or_default(),
        error: status.err.filter(|s| !s.is_empty()),
        container_id: container.container_id.filter(|s| !s.is_empty()),
        exit_code: container.exit_code,
        timestamp: status.timestamp.unwrap_or_default(),
        image: t
            .spec
            .and_then(|s| s.container_spec)
            .and_then(|c| c.image)
            .unwrap_or_default(),
    }
}

pub(crate) fn node_from(n: m::Node) -> NodeDetails {
    let spec = n.spec.unwrap_or_default();
    let desc = n.description.unwrap_or_default();
    let status = n.status.unwrap_or_default();
    NodeDetails {
        id: n.id.unwrap_or_default(),
        hostname: desc.hostname.unwrap_or_default(),
        role: spec.role.map(|r| r.to_string()).unwrap_or_default(),
        availability: spec.availability.map(|a| a.to_string()).unwrap_or_default(),
        state: status.state.map(|s| s.to_string()).unwrap_or_default(),
        addr: status.addr.unwrap_or_default(),
        leader: n.manager_status.and_then(|m| m.leader).unwrap_or_default(),
        engine_version: desc.engine.and_then(|e| e.engine_version).unwrap_or_default(),
        labels: btree(spec.labels),
    }
}

pub(crate) fn secret_from(s: m::Secret) -> SwarmObject {
    let spec = s.spec.unwrap_or_default();
    SwarmObject {
        id: s.id.unwrap_or_default(),
        name: spec.name.unwrap_or_default(),
        labels: btree(spec.labels),
        created_at: s.created_at.unwrap_or_default(),
        updated_at: s.updated_at.unwrap_or_default(),
        version: s.version.and_then(|v| v.index).unwrap_or_default(),
        data: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;

    #[test]
    fn create_body_carries_every_family() {
        let mut spec = crate::ContainerCreate::default();
        spec.config.image = "busybox".into();
        spec.config.exposed_ports = vec![ContainerPort::tcp(80)];
        spec.config.labels.insert("a".into(), "b".into());
        spec.config.healthcheck = Some(HealthConfig {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration::from_secs(2)),
            ..Default::default()
        });
        spec.host_config.port_bindings.insert(
            ContainerPort::tcp(80),
            vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: Some("8080".into()) }],
        );
        spec.host_config.mounts.push(Mount {
            kind: MountKind::Tmpfs,
            target: "/t".into(),
            tmpfs: Some(TmpfsOptions { size_bytes: Some(1024), mode: Some(0o1777), options: vec![] }),
            ..Default::default()
        });
        spec.host_config.resources.nano_cpus = Some(1_500_000_000);
        spec.host_config.restart_policy =
            Some(RestartPolicy { name: crate::RestartPolicyName::UnlessStopped, maximum_retry_count: None });
        spec.host_config.cgroupns_mode = Some("host".into());
        let mut eps = IndexMap::new();
        eps.insert("front".to_owned(), EndpointConfig { aliases: vec!["web".into()], ..Default::default() });
        let eps: Vec<_> = eps.iter().collect();
        let body = create_body(&spec.config, &spec.host_config, &eps, None).unwrap();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["ExposedPorts"], serde_json::json!({"80/tcp": {}}));
        assert_eq!(json["Healthcheck"]["Interval"], 2_000_000_000_i64);
        assert_eq!(json["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"], "8080");
        assert_eq!(json["HostConfig"]["Mounts"][0]["TmpfsOptions"]["Mode"], 0o1777);
        assert_eq!(json["HostConfig"]["NanoCpus"], 1_500_000_000_i64);
        assert_eq!(json["HostConfig"]["RestartPolicy"]["Name"], "unless-stopped");
        assert_eq!(json["HostConfig"]["CgroupnsMode"], "host");
        assert_eq!(json["NetworkingConfig"]["EndpointsConfig"]["front"]["Aliases"][0], "web");
    }

    #[test]
    fn invalid_enum_values_are_errors() {
        let h = HostConfig { isolation: Some("bogus".into()), ..Default::default() };
        assert!(host_config_to(&h).is_err());
    }

    #[test]
    fn service_spec_round_trips_privileges_and_platforms() {
        let mut spec = ServiceSpec { name: "s_web".into(), ..Default::default() };
        spec.container.image = "busybox".into();
        spec.container.oom_score_adj = Some(100);
        spec.container.privileges = Some(ServicePrivileges {
            selinux: Some(SeLinuxContext { kind: Some("svirt_t".into()), ..Default::default() }),
            seccomp: Some(SeccompOption { mode: "unconfined".into(), profile: None }),
            apparmor: Some("disabled".into()),
            no_new_privileges: true,
            credential_spec: None,
        });
        spec.placement.platforms = vec![("amd64".into(), "linux".into())];
        let body = service_spec_to(&spec).unwrap();
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["TaskTemplate"]["ContainerSpec"]["Privileges"]["Seccomp"]["Mode"], "unconfined");
        assert_eq!(json["TaskTemplate"]["ContainerSpec"]["Privileges"]["NoNewPrivileges"], true);
        assert_eq!(json["TaskTemplate"]["Placement"]["Platforms"][0]["Architecture"], "amd64");
        assert_eq!(service_spec_from(body), spec);
        let bad = ServiceSpec {
            container: ServiceContainerSpec {
                privileges: Some(ServicePrivileges { apparmor: Some("bogus".into()), ..Default::default() }),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(service_spec_to(&bad).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(from_nanos(Some(0)), None);
        assert_eq!(from_nanos(Some(-5)), None);
        assert_eq!(from_nanos(Some(1_000)), Some(Duration::from_micros(1)));
        assert_eq!(nanos(Duration::from_secs(1)), 1_000_000_000);
    }

    #[test]
    fn an_empty_health_status_is_no_health_check() {
        let inspect = |status: &str| -> ContainerDetails {
            let json = serde_json::json!({"State": {"Status": "running", "Health": {"Status": status, "FailingStreak": 0}}});
            details_from(serde_json::from_value(json).expect("an inspect document"))
        };
        // Podman's answer for a container without a health check (Docker has no `Health`).
        assert!(inspect("").state.health.is_none());
        let health = inspect("starting").state.health.expect("health");
        assert_eq!(health.status, HealthStatus::Starting);
    }
}
