//! One compose service → one swarm `ServiceSpec`, attribute by attribute, as docker/cli's
//! `convert.Service` builds it, plus the attributes Swarm supports that the docker CLI drops.

use std::collections::{BTreeMap, BTreeSet};

use berth_engine::{
    CredentialSpec, FileReference, HealthConfig, LogConfig, PortProtocol, SeLinuxContext, SeccompOption,
    ServiceContainerSpec, ServiceEndpointSpec, ServiceMode, ServiceNetwork, ServicePlacement, ServicePort,
    ServicePrivileges, ServiceResources, ServiceRestartPolicy, ServiceSpec, Ulimit, UpdateConfig,
};
use berth_spec::model::{
    DeployConfig, HealthCheckConfig, NanoCpus, Project, Resource, ServiceConfig, ServicePortConfig,
    UpdateConfig as ComposeUpdateConfig,
};

use super::objects::{external_name, network_name};
use super::{mounts, ObjectNames, ReadFile};
use crate::error::{Error, Result};
use crate::names::{Namespace, LABEL_IMAGE};

/// The network a service without `networks` joins, as in Compose.
pub(crate) const DEFAULT_NETWORK: &str = "default";

/// The network keys a service attaches to (`default` when it names none).
pub(crate) fn network_keys(service: &ServiceConfig) -> Vec<String> {
    if service.networks.is_empty() {
        vec![DEFAULT_NETWORK.to_owned()]
    } else {
        service.networks.keys().cloned().collect()
    }
}

pub(crate) fn service_spec(
    project: &Project,
    namespace: &Namespace,
    service: &ServiceConfig,
    names: &ObjectNames,
    read_file: ReadFile<'_>,
) -> Result<ServiceSpec> {
    let name = &service.name;
    if service.image.is_empty() {
        return Err(Error::Invalid(format!("invalid image reference for service {name}: no image specified")));
    }
    let default_deploy = DeployConfig::default();
    let deploy = service.deploy.as_ref().unwrap_or(&default_deploy);

    let mut labels = namespace.labelled(&deploy.labels);
    labels.insert(LABEL_IMAGE.to_owned(), service.image.clone());

    let container = ServiceContainerSpec {
        image: service.image.clone(),
        labels: namespace.labelled(&service.labels),
        command: service.entrypoint.clone(),
        args: service.command.clone(),
        hostname: non_empty(&service.hostname),
        env: environment(service),
        dir: non_empty(&service.working_dir),
        user: non_empty(&service.user),
        groups: service.group_add.clone(),
        tty: service.tty,
        open_stdin: service.stdin_open,
        read_only: service.read_only,
        mounts: mounts::mounts(project, namespace, service)?,
        stop_signal: non_empty(&service.stop_signal),
        stop_grace_period: service.stop_grace_period.map(|d| d.to_std()),
        healthcheck: service.healthcheck.as_ref().map(|h| healthcheck(name, h)).transpose()?,
        hosts: service
            .extra_hosts
            .0
            .iter()
            .flat_map(|(host, ips)| ips.iter().map(move |ip| format!("{ip} {host}")))
            .collect(),
        dns_nameservers: service.dns.clone(),
        dns_search: service.dns_search.clone(),
        dns_options: service.dns_opt.clone(),
        secrets: secret_refs(project, service, names)?,
        configs: config_refs(project, service, names)?,
        init: service.init,
        sysctls: service.sysctls.clone(),
        cap_add: effective_caps(&service.cap_add, &service.cap_drop).0,
        cap_drop: effective_caps(&service.cap_add, &service.cap_drop).1,
        ulimits: ulimits(service),
        isolation: non_empty(&service.isolation),
        oom_score_adj: (service.oom_score_adj != 0).then_some(service.oom_score_adj),
        privileges: privileges(service, read_file)?,
    };

    Ok(ServiceSpec {
        name: namespace.scope(name),
        labels,
        container,
        resources: resources(service, deploy)?,
        restart_policy: restart_policy(service, deploy)?,
        placement: placement(service, deploy),
        networks: networks(project, namespace, service),
        log_driver: logging(service),
        mode: mode(service, deploy)?,
        update_config: deploy.update_config.as_ref().map(update_config),
        rollback_config: deploy.rollback_config.as_ref().map(update_config),
        endpoint: endpoint(service, deploy)?,
        force_update: 0,
    })
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `KEY=value` (or `KEY` alone when unresolved), sorted as strings like the docker CLI does.
fn environment(service: &ServiceConfig) -> Vec<String> {
    let mut env: Vec<String> = service
        .environment
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        })
        .collect();
    env.sort();
    env
}

fn healthcheck(service: &str, h: &HealthCheckConfig) -> Result<HealthConfig> {
    if h.disable {
        if !h.test.is_empty() && h.test != ["NONE"] {
            return Err(Error::service(service, "healthcheck: test and disable can't be set at the same time"));
        }
        return Ok(HealthConfig { test: vec!["NONE".to_owned()], ..HealthConfig::default() });
    }
    let d = |d: Option<berth_spec::model::Duration>| d.filter(|d| d.as_nanos() > 0).map(|d| d.to_std());
    Ok(HealthConfig {
        test: h.test.clone(),
        interval: d(h.interval),
        timeout: d(h.timeout),
        retries: h.retries.filter(|r| *r > 0).map(|r| i64::try_from(r).unwrap_or(i64::MAX)),
        start_period: d(h.start_period),
        start_interval: d(h.start_interval),
    })
}

/// A secret's file name in the task: a relative name under `/run/secrets` (where Compose's
/// normaliser has already made it absolute, the prefix is taken off again).
fn secret_target(target: &str, source: &str) -> String {
    if target.is_empty() {
        return source.to_owned();
    }
    match target.strip_prefix("/run/secrets/") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => target.to_owned(),
    }
}

fn file_ref(name: String, target: String, uid: &str, gid: &str, mode: Option<u32>) -> FileReference {
    FileReference {
        id: String::new(),
        name,
        target,
        uid: if uid.is_empty() { "0".to_owned() } else { uid.to_owned() },
        gid: if gid.is_empty() { "0".to_owned() } else { gid.to_owned() },
        mode: mode.unwrap_or(0o444),
    }
}

fn secret_refs(project: &Project, service: &ServiceConfig, names: &ObjectNames) -> Result<Vec<FileReference>> {
    let mut out = Vec::with_capacity(service.secrets.len());
    for r in &service.secrets {
        let def = project
            .secrets
            .get(&r.source)
            .ok_or_else(|| Error::service(&service.name, format!("undefined secret {:?}", r.source)))?;
        let name = if def.external {
            external_name(&r.source, def)
        } else {
            names.secrets.get(&r.source).cloned().unwrap_or_default()
        };
        out.push(file_ref(name, secret_target(&r.target, &r.source), &r.uid, &r.gid, r.mode));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn config_refs(project: &Project, service: &ServiceConfig, names: &ObjectNames) -> Result<Vec<FileReference>> {
    let mut out = Vec::with_capacity(service.configs.len());
    for r in &service.configs {
        let def = project
            .configs
            .get(&r.source)
            .ok_or_else(|| Error::service(&service.name, format!("undefined config {:?}", r.source)))?;
        let name = if def.external {
            external_name(&r.source, def)
        } else {
            names.configs.get(&r.source).cloned().unwrap_or_default()
        };
        let target = if r.target.is_empty() { r.source.clone() } else { r.target.clone() };
        out.push(file_ref(name, target, &r.uid, &r.gid, r.mode));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Upper-cases and prefixes capabilities with `CAP_`; `ALL` wins over the others, and adding
/// wins over dropping (docker/cli `opts.EffectiveCapAddCapDrop`).
fn effective_caps(add: &[String], drop: &[String]) -> (Vec<String>, Vec<String>) {
    fn normalize(c: &str) -> String {
        let c = c.trim().to_ascii_uppercase();
        if c == "ALL" || c == "RESET" || c.starts_with("CAP_") {
            c
        } else {
            format!("CAP_{c}")
        }
    }
    let mut add: BTreeSet<String> = add.iter().map(|c| normalize(c)).collect();
    let mut drop: BTreeSet<String> = drop.iter().map(|c| normalize(c)).collect();
    if add.contains("ALL") {
        add = BTreeSet::from(["ALL".to_owned()]);
    }
    if drop.contains("ALL") {
        drop = BTreeSet::from(["ALL".to_owned()]);
    }
    let drop = drop.into_iter().filter(|c| !add.contains(c) && c != "RESET").collect();
    let add = add.into_iter().filter(|c| c != "RESET").collect();
    (add, drop)
}

fn ulimits(service: &ServiceConfig) -> Vec<Ulimit> {
    service
        .ulimits
        .iter()
        .map(|(name, u)| {
            let (soft, hard) = if u.single == 0 { (u.soft, u.hard) } else { (u.single, u.single) };
            Ulimit { name: name.clone(), soft, hard }
        })
        .collect()
}

/// `security_opt` entries Swarm can express, and the service's credential spec.
fn privileges(service: &ServiceConfig, read_file: ReadFile<'_>) -> Result<Option<ServicePrivileges>> {
    let mut p = ServicePrivileges::default();
    if let Some(c) = &service.credential_spec {
        if !c.file.is_empty() || !c.registry.is_empty() {
            p.credential_spec = Some(CredentialSpec {
                config: None,
                file: non_empty(&c.file),
                registry: non_empty(&c.registry),
            });
        }
    }
    for opt in &service.security_opt {
        let (key, value) = opt.split_once(['=', ':']).map_or((opt.as_str(), ""), |(k, v)| (k, v));
        match key {
            "no-new-privileges" => p.no_new_privileges = value.is_empty() || value == "true",
            "seccomp" if value == "unconfined" => {
                p.seccomp = Some(SeccompOption { mode: "unconfined".to_owned(), profile: None });
            }
            "seccomp" if value == "builtin" || value == "default" => {
                p.seccomp = Some(SeccompOption { mode: "default".to_owned(), profile: None });
            }
            "seccomp" => {
                let profile =
                    read_file(value).map_err(|source| Error::Io { path: value.to_owned(), source })?;
                p.seccomp = Some(SeccompOption { mode: "custom".to_owned(), profile: Some(profile) });
            }
            "apparmor" if value == "unconfined" => p.apparmor = Some("disabled".to_owned()),
            "label" => {
                let l = p.selinux.get_or_insert_with(SeLinuxContext::default);
                let (part, v) = value.split_once(':').map_or((value, ""), |(a, b)| (a, b));
                match part {
                    "disable" => l.disable = true,
                    "user" => l.user = non_empty(v),
                    "role" => l.role = non_empty(v),
                    "type" => l.kind = non_empty(v),
                    "level" => l.level = non_empty(v),
                    _ => {}
                }
            }
            // Anything else is reported by `ignored_attributes`.
            _ => {}
        }
    }
    Ok((p != ServicePrivileges::default()).then_some(p))
}

/// CPUs as billionths, from the shortest decimal form of the number (as the docker CLI parses
/// the string `"0.1"` exactly, where `0.1_f32 * 1e9` would not be).
fn nano_cpus(cpus: f32) -> Option<i64> {
    if cpus <= 0.0 || !cpus.is_finite() {
        return None;
    }
    let text = cpus.to_string();
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole: i64 = whole.parse().ok()?;
    let mut frac_digits: String = frac.chars().take(9).collect();
    while frac_digits.len() < 9 {
        frac_digits.push('0');
    }
    let frac: i64 = frac_digits.parse().ok()?;
    whole.checked_mul(1_000_000_000)?.checked_add(frac)
}

fn resources(service: &ServiceConfig, deploy: &DeployConfig) -> Result<ServiceResources> {
    let limits = deploy.resources.limits.clone().unwrap_or_default();
    let reservations = deploy.resources.reservations.clone().unwrap_or_default();
    let pos = |n: i64| (n > 0).then_some(n);
    let mut generic = BTreeMap::new();
    for g in &reservations.generic_resources {
        if let Some(d) = &g.discrete_resource_spec {
            if d.kind.is_empty() {
                return Err(Error::service(&service.name, "generic_resources: discrete_resource_spec needs a kind"));
            }
            generic.insert(d.kind.clone(), d.value);
        }
    }
    // deploy.resources wins; the service-level attributes fill what it leaves unset.
    let cpus = |r: &Resource, fallback: f32| {
        nano_cpus(if r.nano_cpus.is_zero() { fallback } else { r.nano_cpus.0 })
    };
    Ok(ServiceResources {
        limit_nano_cpus: cpus(&limits, service.cpus),
        limit_memory_bytes: pos(limits.memory_bytes.0).or_else(|| pos(service.mem_limit.0)),
        limit_pids: pos(limits.pids).or_else(|| pos(service.pids_limit)),
        reserve_nano_cpus: cpus(&reservations, NanoCpus::default().0),
        reserve_memory_bytes: pos(reservations.memory_bytes.0).or_else(|| pos(service.mem_reservation.0)),
        reserve_generic: generic,
    })
}

fn restart_policy(service: &ServiceConfig, deploy: &DeployConfig) -> Result<Option<ServiceRestartPolicy>> {
    if let Some(p) = &deploy.restart_policy {
        return Ok(Some(ServiceRestartPolicy {
            condition: non_empty(&p.condition),
            delay: p.delay.map(|d| d.to_std()),
            max_attempts: p.max_attempts,
            window: p.window.map(|d| d.to_std()),
        }));
    }
    let (policy, count) = service.restart.split_once(':').map_or((service.restart.as_str(), None), |(p, n)| (p, Some(n)));
    let attempts = count
        .map(|n| {
            n.parse::<u64>()
                .map_err(|_| Error::service(&service.name, format!("invalid restart policy: maximum retry count {n:?}")))
        })
        .transpose()?
        .filter(|n| *n > 0);
    let condition = match policy {
        "" | "no" => return Ok(None),
        "always" | "unless-stopped" => "any",
        "on-failure" => "on-failure",
        other => {
            return Err(Error::service(
                &service.name,
                format!("invalid restart policy: unknown policy '{other}' (must be one of 'no', 'always', 'on-failure', or 'unless-stopped')"),
            ))
        }
    };
    Ok(Some(ServiceRestartPolicy { condition: Some(condition.to_owned()), delay: None, max_attempts: attempts, window: None }))
}

fn placement(service: &ServiceConfig, deploy: &DeployConfig) -> ServicePlacement {
    let p = &deploy.placement;
    let platforms = service
        .platform
        .split_once('/')
        .map(|(os, rest)| {
            let arch = rest.split('/').next().unwrap_or(rest);
            vec![(arch.to_owned(), os.to_owned())]
        })
        .unwrap_or_default();
    ServicePlacement {
        constraints: p.constraints.clone(),
        spread: p.preferences.iter().filter(|x| !x.spread.is_empty()).map(|x| x.spread.clone()).collect(),
        max_replicas: (p.max_replicas > 0).then_some(p.max_replicas),
        platforms,
    }
}

/// Networks that are not the engine's predefined ones take aliases.
fn is_user_defined(network: &str) -> bool {
    !matches!(network, "default" | "bridge" | "host" | "none") && !network.starts_with("container:")
}

fn networks(project: &Project, namespace: &Namespace, service: &ServiceConfig) -> Vec<ServiceNetwork> {
    let mut out: Vec<ServiceNetwork> = network_keys(service)
        .into_iter()
        .map(|key| {
            let cfg = service.networks.get(&key).and_then(Option::as_ref);
            let target = network_name(project, namespace, &key);
            let mut aliases = cfg.map(|c| c.aliases.clone()).unwrap_or_default();
            if is_user_defined(&target) {
                aliases.push(service.name.clone());
            }
            ServiceNetwork { target, aliases, driver_opts: cfg.map(|c| c.driver_opts.clone()).unwrap_or_default() }
        })
        .collect();
    out.sort_by(|a, b| a.target.cmp(&b.target));
    out
}

fn logging(service: &ServiceConfig) -> Option<LogConfig> {
    match &service.logging {
        Some(l) => Some(LogConfig { driver: l.driver.clone(), options: l.options.clone() }),
        None if !service.log_driver.is_empty() => {
            Some(LogConfig { driver: service.log_driver.clone(), options: service.log_opt.clone() })
        }
        None => None,
    }
}

fn mode(service: &ServiceConfig, deploy: &DeployConfig) -> Result<ServiceMode> {
    let replicas = deploy
        .replicas
        .or(service.scale)
        .map(|n| u64::try_from(n).map_err(|_| Error::service(&service.name, format!("invalid replicas {n}"))))
        .transpose()?;
    match deploy.mode.as_str() {
        "global" | "global-job" if deploy.replicas.is_some() => {
            Err(Error::service(&service.name, "replicas can only be used with replicated or replicated-job mode"))
        }
        "global" => Ok(ServiceMode::Global),
        "global-job" => Ok(ServiceMode::GlobalJob),
        "replicated-job" => {
            let n = replicas.unwrap_or(1);
            Ok(ServiceMode::ReplicatedJob { max_concurrent: n, total_completions: n })
        }
        "replicated" | "" => Ok(ServiceMode::Replicated { replicas: replicas.unwrap_or(1) }),
        other => Err(Error::service(&service.name, format!("unknown mode: {other}"))),
    }
}

fn update_config(u: &ComposeUpdateConfig) -> UpdateConfig {
    let d = |d: berth_spec::model::Duration| (d.as_nanos() > 0).then(|| d.to_std());
    UpdateConfig {
        parallelism: u.parallelism.unwrap_or(1),
        delay: d(u.delay),
        failure_action: non_empty(&u.failure_action),
        monitor: d(u.monitor),
        max_failure_ratio: (u.max_failure_ratio != 0.0).then(|| f64::from(u.max_failure_ratio)),
        order: non_empty(&u.order),
    }
}

/// `published` as one port: empty means the swarm picks one (ingress) or none (host).
fn published_port(service: &str, p: &ServicePortConfig) -> Result<Option<u16>> {
    if p.published.is_empty() {
        return Ok(None);
    }
    let bad = || Error::service(service, format!("ports: invalid published port {:?}", p.published));
    let (start, end) = p.published.split_once('-').unwrap_or((&p.published, &p.published));
    let start: u16 = start.trim().parse().map_err(|_| bad())?;
    let end: u16 = end.trim().parse().map_err(|_| bad())?;
    if start != end {
        return Err(Error::service(
            service,
            format!("ports: a swarm publishes one port per target; range {:?} is not supported", p.published),
        ));
    }
    Ok(Some(start))
}

fn endpoint(service: &ServiceConfig, deploy: &DeployConfig) -> Result<ServiceEndpointSpec> {
    let mut ports = Vec::with_capacity(service.ports.len());
    for p in &service.ports {
        let target = u16::try_from(p.target)
            .ok()
            .filter(|t| *t > 0)
            .ok_or_else(|| Error::service(&service.name, format!("ports: invalid target port {}", p.target)))?;
        let protocol = if p.protocol.is_empty() {
            PortProtocol::Tcp
        } else {
            p.protocol
                .parse()
                .map_err(|_| Error::service(&service.name, format!("ports: invalid protocol {:?}", p.protocol)))?
        };
        ports.push(ServicePort {
            name: non_empty(&p.name),
            protocol,
            target,
            published: published_port(&service.name, p)?,
            publish_mode: non_empty(&p.mode),
        });
    }
    ports.sort_by_key(|p| p.published);
    Ok(ServiceEndpointSpec { mode: non_empty(&deploy.endpoint_mode.to_ascii_lowercase()), ports })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_are_exact() {
        assert_eq!(nano_cpus(0.1), Some(100_000_000));
        assert_eq!(nano_cpus(0.5), Some(500_000_000));
        assert_eq!(nano_cpus(2.0), Some(2_000_000_000));
        assert_eq!(nano_cpus(1.25), Some(1_250_000_000));
        assert_eq!(nano_cpus(0.0), None);
        assert_eq!(nano_cpus(-1.0), None);
        assert_eq!(nano_cpus(f32::NAN), None);
    }

    #[test]
    fn capabilities_like_the_docker_cli() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        let (add, drop) = effective_caps(&s(&["net_admin", "CAP_SYS_TIME"]), &s(&["NET_ADMIN", "mknod"]));
        assert_eq!(add, s(&["CAP_NET_ADMIN", "CAP_SYS_TIME"]));
        assert_eq!(drop, s(&["CAP_MKNOD"]));
        let (add, drop) = effective_caps(&s(&["all", "chown"]), &s(&["ALL"]));
        assert_eq!(add, s(&["ALL"]));
        assert!(drop.is_empty());
    }

    #[test]
    fn secret_targets() {
        assert_eq!(secret_target("", "db"), "db");
        assert_eq!(secret_target("/run/secrets/db", "db"), "db");
        assert_eq!(secret_target("/run/secrets/", "db"), "/run/secrets/");
        assert_eq!(secret_target("/etc/db.pass", "db"), "/etc/db.pass");
        assert_eq!(secret_target("pass", "db"), "pass");
    }

    #[test]
    fn user_defined_networks() {
        assert!(is_user_defined("shop_default"));
        assert!(!is_user_defined("host"));
        assert!(!is_user_defined("container:abc"));
    }
}
