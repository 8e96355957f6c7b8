//! The attributes a compose file may set that a swarm service cannot honour. `berth stack
//! deploy` names them all in one warning rather than dropping them silently (the docker CLI
//! warns about some, refuses others, and ignores the rest without a word).

use std::collections::{BTreeMap, BTreeSet};

use berth_spec::model::{Project, ServiceConfig};

/// Each attribute some service sets that Swarm ignores, as `attribute (service, service)`,
/// sorted by attribute.
pub fn ignored_attributes(project: &Project) -> Vec<String> {
    let mut by_attr: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (name, s) in &project.services {
        for attr in service_attributes(s) {
            by_attr.entry(attr).or_default().insert(name);
        }
    }
    for (key, secret) in &project.secrets {
        if !secret.driver_opts.is_empty() {
            by_attr.entry(format!("secrets.{key}.driver_opts")).or_default();
        }
    }
    by_attr
        .into_iter()
        .map(|(attr, services)| {
            if services.is_empty() {
                attr
            } else {
                format!("{attr} ({})", services.into_iter().collect::<Vec<_>>().join(", "))
            }
        })
        .collect()
}

/// The ignored attributes one service sets.
fn service_attributes(s: &ServiceConfig) -> Vec<String> {
    let mut out: Vec<&str> = Vec::new();
    let mut set = |cond: bool, name: &'static str| {
        if cond {
            out.push(name);
        }
    };
    set(!s.annotations.is_empty(), "annotations");
    set(s.attach.is_some(), "attach");
    set(s.build.is_some(), "build");
    set(s.blkio_config.is_some(), "blkio_config");
    set(!s.cgroup.is_empty(), "cgroup");
    set(!s.cgroup_parent.is_empty(), "cgroup_parent");
    set(!s.container_name.is_empty(), "container_name");
    set(s.cpu_count != 0, "cpu_count");
    set(s.cpu_percent != 0.0, "cpu_percent");
    set(s.cpu_period != 0, "cpu_period");
    set(s.cpu_quota != 0, "cpu_quota");
    set(s.cpu_rt_period != 0, "cpu_rt_period");
    set(s.cpu_rt_runtime != 0, "cpu_rt_runtime");
    set(s.cpu_shares != 0, "cpu_shares");
    set(!s.cpuset.is_empty(), "cpuset");
    set(s.credential_spec.as_ref().is_some_and(|c| !c.config.is_empty()), "credential_spec.config");
    set(!s.depends_on.is_empty(), "depends_on");
    set(s.develop.is_some(), "develop");
    set(!s.device_cgroup_rules.is_empty(), "device_cgroup_rules");
    set(!s.devices.is_empty(), "devices");
    set(!s.domainname.is_empty(), "domainname");
    set(!s.expose.is_empty(), "expose");
    set(!s.external_links.is_empty(), "external_links");
    set(!s.gpus.is_empty(), "gpus");
    set(!s.ipc.is_empty(), "ipc");
    set(!s.links.is_empty(), "links");
    set(!s.mac_address.is_empty(), "mac_address");
    set(!s.mem_swappiness.is_zero(), "mem_swappiness");
    set(!s.memswap_limit.is_zero(), "memswap_limit");
    set(!s.net.is_empty() || !s.network_mode.is_empty(), "network_mode");
    set(s.oom_kill_disable, "oom_kill_disable");
    set(!s.pid.is_empty(), "pid");
    set(!s.post_start.is_empty(), "post_start");
    set(!s.pre_stop.is_empty(), "pre_stop");
    set(s.privileged, "privileged");
    set(!s.pull_policy.is_empty(), "pull_policy");
    set(!s.runtime.is_empty(), "runtime");
    set(!s.shm_size.is_zero(), "shm_size");
    set(!s.storage_opt.is_empty(), "storage_opt");
    set(!s.userns_mode.is_empty(), "userns_mode");
    set(!s.uts.is_empty(), "uts");
    set(!s.volume_driver.is_empty(), "volume_driver");
    set(!s.volumes_from.is_empty(), "volumes_from");
    set(s.ports.iter().any(|p| !p.host_ip.is_empty()), "ports.host_ip");
    set(s.ports.iter().any(|p| !p.app_protocol.is_empty()), "ports.app_protocol");
    set(s.volumes.iter().any(|v| v.bind.as_ref().is_some_and(|b| !b.selinux.is_empty())), "volumes.bind.selinux");
    let nets = || s.networks.values().flatten();
    set(nets().any(|n| !n.ipv4_address.is_empty() || !n.ipv6_address.is_empty()), "networks.ipv4_address/ipv6_address");
    set(nets().any(|n| !n.link_local_ips.is_empty()), "networks.link_local_ips");
    set(nets().any(|n| !n.mac_address.is_empty()), "networks.mac_address");
    set(nets().any(|n| n.priority != 0 || n.gw_priority != 0), "networks.priority");
    if let Some(d) = &s.deploy {
        let has_devices = |r: &Option<berth_spec::model::Resource>| r.as_ref().is_some_and(|r| !r.devices.is_empty());
        set(has_devices(&d.resources.reservations) || has_devices(&d.resources.limits), "deploy.resources.devices");
    }
    let unsupported_security = s.security_opt.iter().any(|o| {
        let key = o.split_once(['=', ':']).map_or(o.as_str(), |(k, _)| k);
        let value = o.split_once(['=', ':']).map_or("", |(_, v)| v);
        match key {
            "no-new-privileges" | "label" | "seccomp" => false,
            "apparmor" => value != "unconfined",
            _ => true,
        }
    });
    set(unsupported_security, "security_opt");
    out.into_iter().map(str::to_owned).collect()
}
