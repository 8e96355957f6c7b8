//! The `HostConfig` part of a container: restart policy, resources (`getDeployResources`),
//! security options, devices, ulimits, namespaces, logging, ports and mounts.

use std::collections::BTreeMap;
use std::path::Path;

use berth_engine::{
    DeviceMapping, DeviceRequest, HostConfig, LogConfig, PortBinding, Resources, RestartPolicy, RestartPolicyName,
    ThrottleDevice, Ulimit, WeightDevice,
};
use berth_spec::model::{Project, Resource, ServiceConfig};

use super::container::{non_empty, target_port};
use super::mounts;
use super::{ContainerOptions, ConvertError, CreateContext};

/// `HostConfig` as `getCreateConfigs` fills it. `network_mode` and `links` come from the
/// network planning.
pub(super) fn host_config(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    options: &ContainerOptions,
    network_mode: Option<String>,
    links: &[String],
) -> Result<HostConfig, ConvertError> {
    let (binds, mounts) = mounts::container_volumes(ctx.project, service, options.inherit.as_ref())?;
    let (security_opt, unconfined) = security_opts(ctx.project, service)?;
    let tmpfs = service
        .tmpfs
        .iter()
        .map(|t| match t.split_once(':') {
            Some((path, opts)) => (path.to_owned(), opts.to_owned()),
            None => (t.clone(), String::new()),
        })
        .collect();
    let resources = resources(service);
    Ok(HostConfig {
        binds,
        mounts,
        tmpfs,
        volumes_from: service.volumes_from.clone(),
        volume_driver: non_empty(&service.volume_driver),
        network_mode,
        port_bindings: port_bindings(service)?,
        publish_all_ports: false,
        links: links.to_vec(),
        dns: service.dns.clone(),
        dns_search: service.dns_search.clone(),
        dns_options: service.dns_opt.clone(),
        extra_hosts: service.extra_hosts.as_list(":"),
        restart_policy: restart_policy(service)?,
        auto_remove: options.one_off.as_ref().is_some_and(|r| r.auto_remove),
        init: service.init,
        privileged: service.privileged,
        readonly_rootfs: service.read_only,
        cap_add: service.cap_add.clone(),
        cap_drop: service.cap_drop.clone(),
        devices: devices(service),
        device_cgroup_rules: service.device_cgroup_rules.clone(),
        device_requests: device_requests(service),
        sysctls: service.sysctls.clone(),
        ulimits: ulimits(service),
        security_opt,
        shm_size: (service.shm_size.0 != 0).then_some(service.shm_size.0),
        pid_mode: non_empty(&service.pid),
        ipc_mode: non_empty(&service.ipc),
        uts_mode: non_empty(&service.uts),
        cgroupns_mode: non_empty(&service.cgroup),
        cgroup: None,
        cgroup_parent: non_empty(&service.cgroup_parent),
        userns_mode: non_empty(&service.userns_mode),
        log_config: service
            .logging
            .as_ref()
            .map(|l| LogConfig { driver: l.driver.clone(), options: l.options.clone() }),
        resources,
        group_add: service.group_add.clone(),
        storage_opt: service.storage_opt.clone(),
        runtime: non_empty(&service.runtime),
        isolation: non_empty(&service.isolation),
        annotations: service.annotations.clone(),
        oom_score_adj: (service.oom_score_adj != 0).then_some(service.oom_score_adj),
        masked_paths: unconfined.then(Vec::new),
        readonly_paths: unconfined.then(Vec::new),
        console_size: None,
    })
}

/// `PortBindings`: one binding per `ports` entry under `<target>/<protocol>`; an empty
/// `published` lets the engine pick a host port.
pub fn port_bindings(
    service: &ServiceConfig,
) -> Result<BTreeMap<berth_engine::ContainerPort, Vec<PortBinding>>, ConvertError> {
    let mut out: BTreeMap<_, Vec<PortBinding>> = BTreeMap::new();
    for p in &service.ports {
        let key = target_port(service, p)?;
        out.entry(key)
            .or_default()
            .push(PortBinding { host_ip: non_empty(&p.host_ip), host_port: non_empty(&p.published) });
    }
    Ok(out)
}

/// `RestartPolicy`: `restart` (`no`, `always`, `on-failure[:N]`, `unless-stopped`), overridden
/// by `deploy.restart_policy` (`none`, `on-failure`, `any`) when that is set. `None` when
/// Docker Compose sends an empty policy name.
pub fn restart_policy(service: &ServiceConfig) -> Result<Option<RestartPolicy>, ConvertError> {
    let mut policy: Option<(String, i64)> = None;
    if !service.restart.is_empty() {
        let mut parts = service.restart.split(':');
        let name = parts.next().unwrap_or_default().to_owned();
        // Docker Compose ignores an unparsable count (`strconv.Atoi` error → 0).
        let attempts = parts.next().and_then(|n| n.parse::<i64>().ok()).unwrap_or(0);
        policy = Some((name, attempts));
    }
    if let Some(p) = service.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        let attempts = p.max_attempts.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
        policy = Some((p.condition.clone(), attempts));
    }
    let Some((condition, attempts)) = policy else { return Ok(None) };
    let name = match condition.as_str() {
        "" => return Ok(None),
        "none" | "no" => RestartPolicyName::No,
        "on-failure" => RestartPolicyName::OnFailure,
        "unless-stopped" => RestartPolicyName::UnlessStopped,
        "any" | "always" => RestartPolicyName::Always,
        other => return Err(ConvertError::invalid(service, format!("invalid restart policy: unknown policy '{other}'"))),
    };
    Ok(Some(RestartPolicy { name, maximum_retry_count: Some(attempts) }))
}

/// Go's `int64(float32 * 1e9)`: the product is a float32, truncated toward zero.
fn nano(cpus: f32) -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let n = (cpus * 1e9_f32) as i64;
    n
}

/// The memory, CPU, PID and block-IO limits (`getDeployResources`), with `deploy.resources`
/// limits and reservations taking precedence.
pub fn resources(s: &ServiceConfig) -> Resources {
    #[allow(clippy::cast_possible_truncation)]
    let cpu_percent = (s.cpu_percent * 100_f32) as i64;
    let mut r = Resources {
        memory: nz(s.mem_limit.0),
        memory_reservation: nz(s.mem_reservation.0),
        memory_swap: nz(s.memswap_limit.0),
        memory_swappiness: nz(s.mem_swappiness.0),
        oom_kill_disable: Some(s.oom_kill_disable),
        cpu_shares: nz(s.cpu_shares),
        cpu_period: nz(s.cpu_period),
        cpu_quota: nz(s.cpu_quota),
        nano_cpus: nz(nano(s.cpus)),
        cpuset_cpus: non_empty(&s.cpuset),
        cpuset_mems: None,
        cpu_realtime_period: nz(s.cpu_rt_period),
        cpu_realtime_runtime: nz(s.cpu_rt_runtime),
        cpu_count: nz(s.cpu_count),
        cpu_percent: nz(cpu_percent),
        pids_limit: nz(s.pids_limit),
        ..Resources::default()
    };
    if let Some(b) = &s.blkio_config {
        r.blkio_weight = (b.weight != 0).then_some(b.weight);
        r.blkio_weight_device =
            b.weight_device.iter().map(|d| WeightDevice { path: d.path.clone(), weight: d.weight }).collect();
        let throttle = |v: &[berth_spec::model::ThrottleDevice]| -> Vec<ThrottleDevice> {
            v.iter().map(|d| ThrottleDevice { path: d.path.clone(), rate: d.rate.0 }).collect()
        };
        r.blkio_device_read_bps = throttle(&b.device_read_bps);
        r.blkio_device_read_iops = throttle(&b.device_read_iops);
        r.blkio_device_write_bps = throttle(&b.device_write_bps);
        r.blkio_device_write_iops = throttle(&b.device_write_iops);
    }
    if let Some(deploy) = &s.deploy {
        if let Some(limits) = &deploy.resources.limits {
            if limits.memory_bytes.0 != 0 {
                r.memory = Some(limits.memory_bytes.0);
            }
            if limits.nano_cpus.0 != 0.0 {
                r.nano_cpus = nz(nano(limits.nano_cpus.0));
            }
            if limits.pids > 0 {
                r.pids_limit = Some(limits.pids);
            }
        }
        if let Some(reservations) = &deploy.resources.reservations {
            if reservations.memory_bytes.0 != 0 {
                r.memory_reservation = Some(reservations.memory_bytes.0);
            }
        }
    }
    r
}

fn nz(v: i64) -> Option<i64> {
    (v != 0).then_some(v)
}

/// `Devices`: each `devices` entry as given (the loader fills the target and `rwm`).
pub fn devices(service: &ServiceConfig) -> Vec<DeviceMapping> {
    service
        .devices
        .iter()
        .map(|d| DeviceMapping {
            path_on_host: d.source.clone(),
            path_in_container: if d.target.is_empty() { d.source.clone() } else { d.target.clone() },
            cgroup_permissions: if d.permissions.is_empty() { "rwm".to_owned() } else { d.permissions.clone() },
        })
        .collect()
}

/// `DeviceRequests` from `deploy.resources.reservations.devices`. Docker Compose 2.26.1 does
/// not pass a device's `options`, and ignores the service-level `gpus`.
pub fn device_requests(service: &ServiceConfig) -> Vec<DeviceRequest> {
    let reservations: Option<&Resource> =
        service.deploy.as_ref().and_then(|d| d.resources.reservations.as_ref());
    reservations
        .map(|r| {
            r.devices
                .iter()
                .map(|d| DeviceRequest {
                    driver: non_empty(&d.driver),
                    count: Some(d.count.0),
                    device_ids: d.ids.clone(),
                    capabilities: vec![d.capabilities.clone()],
                    options: BTreeMap::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `Ulimits`, sorted by name: a single value is both limits; `soft`/`hard` override it.
pub fn ulimits(service: &ServiceConfig) -> Vec<Ulimit> {
    service
        .ulimits
        .iter()
        .map(|(name, u)| Ulimit {
            name: name.clone(),
            soft: if u.soft == 0 { u.single } else { u.soft },
            hard: if u.hard == 0 { u.single } else { u.hard },
        })
        .collect()
}

/// `SecurityOpt` as Docker Compose parses it (after docker/cli): `systempaths=unconfined` is
/// removed and reported (it empties the masked and read-only paths), `key:value` becomes
/// `key=value` only for seccomp profiles, and a seccomp profile file is inlined as compact JSON.
pub fn security_opts(project: &Project, service: &ServiceConfig) -> Result<(Vec<String>, bool), ConvertError> {
    let mut unconfined = false;
    let mut parsed = Vec::new();
    for opt in &service.security_opt {
        if opt == "systempaths=unconfined" {
            unconfined = true;
            continue;
        }
        let (key, value) = match opt.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None if opt == "no-new-privileges" => (opt.as_str(), None),
            None => match opt.split_once(':') {
                Some((k, v)) => (k, Some(v)),
                None => return Err(ConvertError::invalid(service, format!("Invalid security-opt: {opt:?}"))),
            },
        };
        match (key, value) {
            ("seccomp", Some(profile)) if profile != "unconfined" => {
                let path = relative_path(project, profile);
                let text = std::fs::read(&path).map_err(|e| ConvertError::Io {
                    service: service.name.clone(),
                    message: format!("opening seccomp profile ({profile}) failed: {e}"),
                })?;
                let compact = compact_json(&text).map_err(|e| ConvertError::Io {
                    service: service.name.clone(),
                    message: format!("compacting json for seccomp profile ({profile}) failed: {e}"),
                })?;
                parsed.push(format!("seccomp={compact}"));
            }
            _ => parsed.push(opt.clone()),
        }
    }
    Ok((parsed, unconfined))
}

/// compose-go's `Project.RelativePath`: `~` is the home directory, a relative path is under
/// the project directory.
fn relative_path(project: &Project, path: &str) -> std::path::PathBuf {
    let expanded = match path.strip_prefix('~') {
        Some(rest) => {
            let home = project.environment.get("HOME").cloned().or_else(|| std::env::var("HOME").ok()).unwrap_or_default();
            format!("{home}{rest}")
        }
        None => path.to_owned(),
    };
    let p = Path::new(&expanded);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        Path::new(&project.working_dir).join(p)
    }
}

/// Go's `json.Compact`: the same bytes without insignificant whitespace (numbers and key order
/// untouched), after checking that the input is JSON.
pub fn compact_json(text: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<serde::de::IgnoredAny>(text).map_err(|e| e.to_string())?;
    let mut out = Vec::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for &b in text {
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if b == b'"' {
                in_string = true;
            }
            out.push(b);
        }
    }
    String::from_utf8(out).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_keeps_strings_and_numbers() {
        let text = br#"{ "a" : [1.0, 2e3 ],
            "b": "x  \" y" }"#;
        assert_eq!(compact_json(text).unwrap(), r#"{"a":[1.0,2e3],"b":"x  \" y"}"#);
        assert!(compact_json(b"{nope").is_err());
    }

    #[test]
    fn go_float32_cpu_math() {
        assert_eq!(nano(1.5), 1_500_000_000);
        assert_eq!(nano(0.25), 250_000_000);
        // float32(0.1) * 1e9 in float32 rounds to exactly 1e8.
        assert_eq!(nano(0.1), 100_000_000);
        assert_eq!(nano(0.3), 300_000_000);
    }
}
