//! The `Config` part of a container: process, environment, ports, health check, labels.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use berth_engine::{ApiVersion, ContainerConfig, ContainerPort, HealthConfig, PortProtocol};
use berth_spec::model::{HealthCheckConfig, ServiceConfig};

use super::{container_labels, image_name, ContainerOptions, ConvertError, CreateContext};

/// `Config` as `getCreateConfigs` fills it. `mac_address` is the container-wide MAC address
/// the network planning decided on.
pub(super) fn config(
    ctx: &CreateContext<'_>,
    service: &ServiceConfig,
    number: u32,
    options: &ContainerOptions,
    mac_address: Option<String>,
) -> Result<ContainerConfig, ConvertError> {
    let attach_stdin = options.one_off.as_ref().is_some_and(|r| r.interactive);
    Ok(ContainerConfig {
        image: image_name(ctx, service),
        hostname: non_empty(&service.hostname),
        domainname: non_empty(&service.domainname),
        user: non_empty(&service.user),
        attach_stdin,
        attach_stdout: true,
        attach_stderr: true,
        exposed_ports: exposed_ports(service)?,
        tty: service.tty,
        open_stdin: service.stdin_open,
        stdin_once: attach_stdin && service.stdin_open,
        env: environment(&ctx.proxy_env, service),
        cmd: service.command.clone(),
        entrypoint: service.entrypoint.clone(),
        healthcheck: service
            .healthcheck
            .as_ref()
            .map(|h| healthcheck(service, h, ctx.api_version))
            .transpose()?,
        working_dir: non_empty(&service.working_dir),
        volumes: Vec::new(),
        network_disabled: service.network_mode == "disabled",
        mac_address,
        labels: container_labels(ctx, service, number, options),
        stop_signal: non_empty(&service.stop_signal),
        stop_timeout: service.stop_grace_period.map(|d| d.as_nanos() / 1_000_000_000),
        shell: None,
    })
}

pub(super) fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_owned())
}

/// `KEY=value` entries, sorted by key: the proxy variables overridden by the service's
/// `environment`. A variable without a value is passed as a bare `KEY`, as Docker Compose
/// does (the engine then leaves it unset).
pub fn environment(proxy: &BTreeMap<String, String>, service: &ServiceConfig) -> Vec<String> {
    let mut env: BTreeMap<&str, Option<&str>> =
        proxy.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect();
    for (k, v) in &service.environment {
        env.insert(k, v.as_deref());
    }
    env.into_iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.to_owned(),
        })
        .collect()
}

/// `ExposedPorts`: every `expose` entry and every port's target. The engine type keys ports by
/// number and protocol, so an `expose` range (`7000-7001/udp`) becomes one entry per port and a
/// bare number is TCP.
pub fn exposed_ports(service: &ServiceConfig) -> Result<Vec<ContainerPort>, ConvertError> {
    let mut set = BTreeSet::new();
    for raw in &service.expose {
        let (num, proto) = raw.split_once('/').unwrap_or((raw.as_str(), "tcp"));
        let protocol: PortProtocol =
            proto.parse().map_err(|e: String| ConvertError::invalid(service, format!("expose {raw:?}: {e}")))?;
        let (lo, hi) = port_range(num).ok_or_else(|| ConvertError::invalid(service, format!("invalid expose {raw:?}")))?;
        for port in lo..=hi {
            set.insert(ContainerPort { port, protocol });
        }
    }
    for p in &service.ports {
        set.insert(target_port(service, p)?);
    }
    Ok(set.into_iter().collect())
}

/// `80` or `8000-8010` as an inclusive range.
pub(super) fn port_range(s: &str) -> Option<(u16, u16)> {
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let lo: u16 = lo.trim().parse().ok()?;
    let hi: u16 = hi.trim().parse().ok()?;
    (lo <= hi).then_some((lo, hi))
}

/// The container side of a published port (`<target>/<protocol>`).
pub(super) fn target_port(
    service: &ServiceConfig,
    p: &berth_spec::model::ServicePortConfig,
) -> Result<ContainerPort, ConvertError> {
    let port = u16::try_from(p.target)
        .map_err(|_| ConvertError::invalid(service, format!("invalid port target {}", p.target)))?;
    let protocol: PortProtocol =
        p.protocol.parse().map_err(|e: String| ConvertError::invalid(service, format!("port {}: {e}", p.target)))?;
    Ok(ContainerPort { port, protocol })
}

/// `Healthcheck`: `disable` is `["NONE"]`; unset durations and retries stay unset.
/// `start_interval` needs API 1.44, and Docker Compose refuses it below.
pub fn healthcheck(
    service: &ServiceConfig,
    check: &HealthCheckConfig,
    api: ApiVersion,
) -> Result<HealthConfig, ConvertError> {
    let duration = |d: Option<berth_spec::model::Duration>, what: &str| -> Result<Option<Duration>, ConvertError> {
        match d {
            None => Ok(None),
            Some(d) => match u64::try_from(d.as_nanos()) {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(Duration::from_nanos(n))),
                Err(_) => Err(ConvertError::invalid(service, format!("healthcheck.{what} cannot be negative"))),
            },
        }
    };
    let start_interval = match check.start_interval {
        Some(_) if !api.at_least(ApiVersion::HEALTHCHECK_START_INTERVAL) => {
            return Err(ConvertError::unsupported(
                service,
                "can't set healthcheck.start_interval as feature require Docker Engine v25 or later",
            ))
        }
        d => duration(d, "start_interval")?,
    };
    let retries = match check.retries {
        None | Some(0) => None,
        Some(n) => Some(
            i64::try_from(n).map_err(|_| ConvertError::invalid(service, format!("healthcheck.retries {n} is too large")))?,
        ),
    };
    Ok(HealthConfig {
        test: if check.disable { vec!["NONE".to_owned()] } else { check.test.clone() },
        interval: duration(check.interval, "interval")?,
        timeout: duration(check.timeout, "timeout")?,
        retries,
        start_period: duration(check.start_period, "start_period")?,
        start_interval,
    })
}
