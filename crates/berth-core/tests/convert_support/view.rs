//! One comparable shape for a container, whether it comes from `docker inspect` or from a
//! berth creation spec: the Engine API's `Config`, `HostConfig` and per-network endpoint
//! fields, with what differs for reasons other than the conversion taken out.
//!
//! Both sides go through [`normalize`]: zero values are dropped, lists whose order Docker
//! Compose leaves to a Go map are sorted, ids and paths become placeholders, and values the
//! daemon fills in by default (json-file logging, 64 MiB shm, `private` IPC...) are dropped.
//! A spec also goes through [`daemon_effects`], which applies what the daemon adds at
//! creation (image defaults, `MemorySwap` = 2 × `Memory`, `label=disable`...), so a spec can be
//! compared with a recorded inspect without an engine.

use std::collections::BTreeMap;

use berth_core::convert::ContainerPlan;
use berth_engine::{EndpointConfig, Mount, NetworkCreate, VolumeCreate};
use serde_json::{json, Map, Value};

/// Substitutions applied to every string: (text, placeholder), longest first.
#[derive(Debug, Clone, Default)]
pub struct Placeholders(pub Vec<(String, String)>);

impl Placeholders {
    pub fn add(&mut self, text: impl Into<String>, placeholder: impl Into<String>) {
        let text = text.into();
        if !text.is_empty() {
            self.0.push((text, placeholder.into()));
            self.0.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        }
    }

    fn apply(&self, s: &str) -> String {
        let mut out = s.to_owned();
        for (text, placeholder) in &self.0 {
            out = out.replace(text.as_str(), placeholder);
        }
        out
    }
}

fn opt<T: Into<Value>>(v: Option<T>) -> Value {
    v.map_or(Value::Null, Into::into)
}

fn map_value(m: &BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

fn mount_value(m: &Mount) -> Value {
    json!({
        "Type": m.kind.as_str(),
        "Source": opt(m.source.clone()),
        "Target": m.target,
        "ReadOnly": m.read_only,
        "Consistency": opt(m.consistency.clone()),
        "BindOptions": m.bind.as_ref().map(|b| json!({"Propagation": opt(b.propagation.clone()), "NonRecursive": b.non_recursive})),
        "VolumeOptions": m.volume.as_ref().map(|v| json!({"NoCopy": v.no_copy, "Labels": map_value(&v.labels), "Subpath": opt(v.subpath.clone())})),
        "TmpfsOptions": m.tmpfs.as_ref().map(|t| json!({"SizeBytes": opt(t.size_bytes), "Mode": opt(t.mode)})),
    })
}

fn endpoint_value(e: &EndpointConfig) -> Value {
    json!({
        "Aliases": e.aliases,
        "Links": e.links,
        "IPAMConfig": {
            "IPv4Address": opt(e.ipv4_address.clone()),
            "IPv6Address": opt(e.ipv6_address.clone()),
            "LinkLocalIPs": e.link_local_ips,
        },
        "MacAddress": opt(e.mac_address.clone()),
        "DriverOpts": map_value(&e.driver_opts),
    })
}

fn nanos(d: Option<std::time::Duration>) -> Value {
    d.map_or(Value::Null, |d| Value::from(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
}

/// A creation plan in the Engine API's JSON names: `Name`, `Config`, `HostConfig`, `Networks`.
pub fn spec_value(plan: &ContainerPlan) -> Value {
    let c = &plan.create.config;
    let h = &plan.create.host_config;
    let r = &h.resources;
    let config = json!({
        "Hostname": opt(c.hostname.clone()),
        "Domainname": opt(c.domainname.clone()),
        "User": opt(c.user.clone()),
        "AttachStdin": c.attach_stdin,
        "AttachStdout": c.attach_stdout,
        "AttachStderr": c.attach_stderr,
        "ExposedPorts": Value::Object(c.exposed_ports.iter().map(|p| (p.to_string(), json!({}))).collect()),
        "Tty": c.tty,
        "OpenStdin": c.open_stdin,
        "StdinOnce": c.stdin_once,
        "Env": c.env,
        "Cmd": c.cmd,
        "Healthcheck": c.healthcheck.as_ref().map(|hc| json!({
            "Test": hc.test,
            "Interval": nanos(hc.interval),
            "Timeout": nanos(hc.timeout),
            "StartPeriod": nanos(hc.start_period),
            "StartInterval": nanos(hc.start_interval),
            "Retries": opt(hc.retries),
        })),
        "Image": c.image,
        "Volumes": Value::Object(c.volumes.iter().map(|v| (v.clone(), json!({}))).collect()),
        "WorkingDir": opt(c.working_dir.clone()),
        "Entrypoint": c.entrypoint,
        "NetworkDisabled": c.network_disabled,
        "MacAddress": opt(c.mac_address.clone()),
        "Labels": map_value(&c.labels),
        "StopSignal": opt(c.stop_signal.clone()),
        "StopTimeout": opt(c.stop_timeout),
        "Shell": c.shell,
    });
    let throttle = |v: &[berth_engine::ThrottleDevice]| -> Value {
        v.iter().map(|d| json!({"Path": d.path, "Rate": d.rate})).collect()
    };
    let mut host = json!({
        "Binds": h.binds,
        "LogConfig": h.log_config.as_ref().map(|l| json!({"Type": l.driver, "Config": map_value(&l.options)})),
        "NetworkMode": opt(h.network_mode.clone()),
        "PortBindings": Value::Object(h.port_bindings.iter().map(|(k, v)| (
            k.to_string(),
            v.iter().map(|b| json!({"HostIp": opt(b.host_ip.clone()), "HostPort": opt(b.host_port.clone())})).collect(),
        )).collect()),
        "RestartPolicy": h.restart_policy.as_ref().map(|p| json!({"Name": p.name.as_str(), "MaximumRetryCount": opt(p.maximum_retry_count)})),
        "AutoRemove": h.auto_remove,
        "VolumeDriver": opt(h.volume_driver.clone()),
        "VolumesFrom": h.volumes_from,
        "CapAdd": h.cap_add,
        "CapDrop": h.cap_drop,
        "CgroupnsMode": opt(h.cgroupns_mode.clone()),
        "Dns": h.dns,
        "DnsOptions": h.dns_options,
        "DnsSearch": h.dns_search,
        "ExtraHosts": h.extra_hosts,
        "GroupAdd": h.group_add,
        "IpcMode": opt(h.ipc_mode.clone()),
        "Cgroup": opt(h.cgroup.clone()),
        "Links": h.links,
        "OomScoreAdj": opt(h.oom_score_adj),
        "PidMode": opt(h.pid_mode.clone()),
        "Privileged": h.privileged,
        "PublishAllPorts": h.publish_all_ports,
        "ReadonlyRootfs": h.readonly_rootfs,
        "SecurityOpt": h.security_opt,
        "StorageOpt": map_value(&h.storage_opt),
        "Tmpfs": map_value(&h.tmpfs),
        "UTSMode": opt(h.uts_mode.clone()),
        "UsernsMode": opt(h.userns_mode.clone()),
        "ShmSize": opt(h.shm_size),
        "Sysctls": map_value(&h.sysctls),
        "Runtime": opt(h.runtime.clone()),
        "Isolation": opt(h.isolation.clone()),
    });
    let resources = json!({
        "CpuShares": opt(r.cpu_shares),
        "Memory": opt(r.memory),
        "NanoCpus": opt(r.nano_cpus),
        "CgroupParent": opt(h.cgroup_parent.clone()),
        "BlkioWeight": opt(r.blkio_weight),
        "BlkioWeightDevice": r.blkio_weight_device.iter().map(|d| json!({"Path": d.path, "Weight": d.weight})).collect::<Value>(),
        "BlkioDeviceReadBps": throttle(&r.blkio_device_read_bps),
        "BlkioDeviceWriteBps": throttle(&r.blkio_device_write_bps),
        "BlkioDeviceReadIOps": throttle(&r.blkio_device_read_iops),
        "BlkioDeviceWriteIOps": throttle(&r.blkio_device_write_iops),
        "CpuPeriod": opt(r.cpu_period),
        "CpuQuota": opt(r.cpu_quota),
        "CpuRealtimePeriod": opt(r.cpu_realtime_period),
        "CpuRealtimeRuntime": opt(r.cpu_realtime_runtime),
        "CpusetCpus": opt(r.cpuset_cpus.clone()),
        "CpusetMems": opt(r.cpuset_mems.clone()),
        "Devices": h.devices.iter().map(|d| json!({"PathOnHost": d.path_on_host, "PathInContainer": d.path_in_container, "CgroupPermissions": d.cgroup_permissions})).collect::<Value>(),
        "DeviceCgroupRules": h.device_cgroup_rules,
        "DeviceRequests": h.device_requests.iter().map(|d| json!({"Driver": opt(d.driver.clone()), "Count": opt(d.count), "DeviceIDs": d.device_ids, "Capabilities": d.capabilities, "Options": map_value(&d.options)})).collect::<Value>(),
        "MemoryReservation": opt(r.memory_reservation),
        "MemorySwap": opt(r.memory_swap),
        "MemorySwappiness": opt(r.memory_swappiness),
        "OomKillDisable": opt(r.oom_kill_disable),
        "PidsLimit": opt(r.pids_limit),
        "Ulimits": h.ulimits.iter().map(|u| json!({"Name": u.name, "Soft": u.soft, "Hard": u.hard})).collect::<Value>(),
        "CpuCount": opt(r.cpu_count),
        "CpuPercent": opt(r.cpu_percent),
        "Mounts": h.mounts.iter().map(mount_value).collect::<Value>(),
        "Init": opt(h.init),
        "Annotations": map_value(&h.annotations),
    });
    if let (Some(host), Value::Object(resources)) = (host.as_object_mut(), resources) {
        host.extend(resources);
    }
    let mut networks = Map::new();
    for (name, e) in &plan.create.networking.endpoints {
        networks.insert(name.clone(), endpoint_value(e));
    }
    for (name, e) in &plan.connect {
        let mut v = endpoint_value(e);
        v["Connected"] = json!(true);
        networks.insert(name.clone(), v);
    }
    json!({
        "Name": plan.create.name,
        "Config": config,
        "HostConfig": host,
        "Networks": networks,
    })
}

/// What the daemon adds to a created container that the spec does not say: the image's
/// defaults, `MemorySwap` = 2 × `Memory`, `label=disable` for host namespaces and privileged
/// containers, legacy links moved to the endpoints on user-defined networks, the endpoint's
/// `IPAddress` from its static address, no `Annotations` below API 1.43, and the hostname as
/// an alias on user-defined networks the container was connected to or started on.
pub fn daemon_effects(mut spec: Value, image_config: &Value, api_minor: u32, started: bool) -> Value {
    let name = spec["Name"].as_str().unwrap_or("").to_owned();
    let hostname = spec["Config"]["Hostname"].as_str().unwrap_or("").to_owned();
    let config = &mut spec["Config"];
    // Environment: image entries whose name the container does not set come after.
    let mut env: Vec<Value> = config["Env"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = env.iter().filter_map(Value::as_str).map(|e| e.split('=').next().unwrap_or("").to_owned()).collect();
    for e in image_config["Env"].as_array().cloned().unwrap_or_default() {
        let name = e.as_str().unwrap_or("").split('=').next().unwrap_or("").to_owned();
        if !names.contains(&name) {
            env.push(e);
        }
    }
    config["Env"] = Value::Array(env);
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
    if empty(&config["Entrypoint"]) {
        if empty(&config["Cmd"]) {
            config["Cmd"] = image_config["Cmd"].clone();
        }
        if config["Entrypoint"].is_null() {
            config["Entrypoint"] = image_config["Entrypoint"].clone();
        }
    }
    let mut labels = image_config["Labels"].as_object().cloned().unwrap_or_default();
    labels.extend(config["Labels"].as_object().cloned().unwrap_or_default());
    config["Labels"] = Value::Object(labels);

    let host = &mut spec["HostConfig"];
    if host["Memory"].as_i64().is_some_and(|m| m > 0) && host["MemorySwap"].is_null() {
        host["MemorySwap"] = Value::from(host["Memory"].as_i64().unwrap_or(0) * 2);
    }
    let is_host = |k: &str| host[k].as_str() == Some("host");
    let has_label = host["SecurityOpt"]
        .as_array()
        .is_some_and(|o| o.iter().any(|s| s.as_str().is_some_and(|s| s.split('=').next() == Some("label"))));
    if !has_label && (is_host("IpcMode") || is_host("PidMode") || host["Privileged"] == json!(true)) {
        if let Some(opts) = host["SecurityOpt"].as_array_mut() {
            opts.push(json!("label=disable"));
        }
    }
    let mode = host["NetworkMode"].as_str().unwrap_or("").to_owned();
    let user_defined = !matches!(mode.as_str(), "" | "default" | "bridge" | "host" | "none") && !mode.starts_with("container:");
    if user_defined {
        host["Links"] = Value::Null;
    }
    if api_minor < 43 {
        host["Annotations"] = Value::Null;
    }
    if let Some(networks) = spec["Networks"].as_object_mut() {
        for ep in networks.values_mut() {
            ep["IPAddress"] = if started { Value::Null } else { ep["IPAMConfig"]["IPv4Address"].clone() };
            let connected = ep.as_object_mut().and_then(|o| o.remove("Connected")).is_some();
            if (connected || started) && user_defined && !hostname.is_empty() && hostname != name {
                if let Some(aliases) = ep["Aliases"].as_array_mut() {
                    if !aliases.iter().any(|a| a.as_str() == Some(hostname.as_str())) {
                        aliases.push(json!(hostname));
                    }
                }
            }
        }
    }
    spec
}

/// The same shape from a `docker inspect` entry.
pub fn inspect_value(inspect: &Value) -> Value {
    let mut networks = Map::new();
    if let Some(n) = inspect["NetworkSettings"]["Networks"].as_object() {
        for (name, ep) in n {
            networks.insert(
                name.clone(),
                json!({
                    "Aliases": ep["Aliases"],
                    "Links": ep["Links"],
                    "IPAMConfig": ep["IPAMConfig"],
                    "MacAddress": ep["MacAddress"],
                    "DriverOpts": ep["DriverOpts"],
                    "IPAddress": ep["IPAddress"],
                }),
            );
        }
    }
    json!({
        "Name": inspect["Name"].as_str().unwrap_or("").trim_start_matches('/'),
        "Config": inspect["Config"],
        "HostConfig": inspect["HostConfig"],
        "Networks": networks,
    })
}

/// Makes a container value comparable: placeholders, sorted Go-map-ordered lists, expanded
/// exposed-port keys, daemon defaults and zero values removed. `short_id` is the container's
/// own short id (its default hostname and implicit alias).
pub fn normalize(mut v: Value, placeholders: &Placeholders, short_id: Option<&str>) -> Value {
    substitute(&mut v, placeholders);
    let network_mode = v["HostConfig"]["NetworkMode"].as_str().unwrap_or("").to_owned();
    if let Some(config) = v["Config"].as_object_mut() {
        for key in ["OnBuild", "ArgsEscaped"] {
            config.remove(key);
        }
        let hostname = config.get("Hostname").and_then(Value::as_str).unwrap_or("");
        if short_id.is_some_and(|id| id == hostname) || network_mode == "host" {
            config.remove("Hostname");
        }
        if let Some(labels) = config.get_mut("Labels").and_then(Value::as_object_mut) {
            if labels.contains_key("com.docker.compose.config-hash") {
                labels.insert("com.docker.compose.config-hash".into(), json!("<hash>"));
            }
            if let Some(deps) = labels.get("com.docker.compose.depends_on").and_then(Value::as_str) {
                let mut parts: Vec<&str> = deps.split(',').collect();
                parts.sort_unstable();
                let joined = parts.join(",");
                labels.insert("com.docker.compose.depends_on".into(), json!(joined));
            }
        }
        if let Some(ports) = config.get("ExposedPorts").and_then(Value::as_object) {
            config.insert("ExposedPorts".into(), Value::Object(expand_ports(ports)));
        }
        sort_strings(config.get_mut("Env"));
    }
    if let Some(host) = v["HostConfig"].as_object_mut() {
        for key in [
            "ContainerIDFile",
            "ConsoleSize",
            "KernelMemory",
            "KernelMemoryTCP",
            "IOMaximumIOps",
            "IOMaximumBandwidth",
            "MaskedPaths",
            "ReadonlyPaths",
        ] {
            host.remove(key);
        }
        let drop_if = |host: &mut Map<String, Value>, key: &str, default: Value| {
            if host.get(key) == Some(&default) {
                host.remove(key);
            }
        };
        drop_if(host, "LogConfig", json!({"Type": "json-file", "Config": {}}));
        drop_if(host, "IpcMode", json!("private"));
        drop_if(host, "CgroupnsMode", json!("host"));
        drop_if(host, "Runtime", json!("runc"));
        drop_if(host, "ShmSize", json!(67_108_864));
        drop_if(host, "OomKillDisable", json!(false));
        sort_strings(host.get_mut("Binds"));
        sort_strings(host.get_mut("ExtraHosts"));
        sort_by_key(host.get_mut("Mounts"), "Target");
        sort_by_key(host.get_mut("Ulimits"), "Name");
    }
    if let Some(networks) = v["Networks"].as_object_mut() {
        for ep in networks.values_mut() {
            if let (Some(aliases), Some(id)) = (ep["Aliases"].as_array_mut(), short_id) {
                aliases.retain(|a| a.as_str() != Some(id));
            }
        }
    }
    drop_zeros(&mut v);
    v
}

fn expand_ports(ports: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in ports.keys() {
        let (num, proto) = key.split_once('/').unwrap_or((key.as_str(), "tcp"));
        let (lo, hi) = num.split_once('-').unwrap_or((num, num));
        match (lo.parse::<u32>(), hi.parse::<u32>()) {
            (Ok(lo), Ok(hi)) => {
                for p in lo..=hi {
                    out.insert(format!("{p}/{proto}"), json!({}));
                }
            }
            _ => {
                out.insert(key.clone(), json!({}));
            }
        }
    }
    out
}

fn substitute(v: &mut Value, p: &Placeholders) {
    match v {
        Value::String(s) => *s = p.apply(s),
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, p)),
        Value::Object(o) => {
            let entries: Vec<(String, Value)> = std::mem::take(o).into_iter().collect();
            for (k, mut x) in entries {
                substitute(&mut x, p);
                o.insert(p.apply(&k), x);
            }
        }
        _ => {}
    }
}

fn sort_strings(v: Option<&mut Value>) {
    if let Some(a) = v.and_then(Value::as_array_mut) {
        a.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
    }
}

fn sort_by_key(v: Option<&mut Value>, key: &str) {
    if let Some(a) = v.and_then(Value::as_array_mut) {
        a.sort_by(|x, y| x[key].as_str().cmp(&y[key].as_str()));
    }
}

/// Removes `null`, `""`, `0`, `false`, `[]` and `{}` (after cleaning their content), which
/// the engine and berth's types use interchangeably for "not set".
pub fn drop_zeros(v: &mut Value) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(drop_zeros),
        Value::Object(o) => {
            for x in o.values_mut() {
                drop_zeros(x);
            }
            o.retain(|_, x| !is_zero(x));
        }
        _ => {}
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// A network creation spec in `docker network inspect`'s names. IPAM pools are compared only
/// when the spec declares some (the engine picks a subnet otherwise).
pub fn network_spec_value(n: &NetworkCreate) -> Value {
    let mut v = json!({
        "Name": n.name,
        "Driver": n.driver.clone().unwrap_or_else(|| "bridge".into()),
        "Internal": n.internal,
        "Attachable": n.attachable,
        "EnableIPv6": n.enable_ipv6.unwrap_or(false),
        "Labels": map_value(&n.labels),
        "Options": map_value(&n.driver_opts),
        "IPAM": {
            "Driver": n.ipam.as_ref().and_then(|i| i.driver.clone()).unwrap_or_else(|| "default".into()),
            "Config": n.ipam.as_ref().map(|i| i.config.iter().map(|p| json!({
                "Subnet": opt(p.subnet.clone()),
                "IPRange": opt(p.ip_range.clone()),
                "Gateway": opt(p.gateway.clone()),
                "AuxiliaryAddresses": map_value(&p.aux_addresses),
            })).collect::<Value>()),
        },
    });
    drop_zeros(&mut v);
    v
}

/// The same shape from `docker network inspect`; `keep_pools` says whether the compose
/// network declares IPAM pools.
pub fn network_inspect_value(n: &Value, keep_pools: bool) -> Value {
    let mut v = json!({
        "Name": n["Name"],
        "Driver": n["Driver"],
        "Internal": n["Internal"],
        "Attachable": n["Attachable"],
        "EnableIPv6": n["EnableIPv6"],
        "Labels": n["Labels"],
        "Options": n["Options"],
        "IPAM": {"Driver": n["IPAM"]["Driver"], "Config": if keep_pools { n["IPAM"]["Config"].clone() } else { Value::Null }},
    });
    drop_zeros(&mut v);
    v
}

/// A volume creation spec in `docker volume inspect`'s names.
pub fn volume_spec_value(vol: &VolumeCreate) -> Value {
    let mut v = json!({
        "Name": vol.name,
        "Driver": vol.driver.clone().unwrap_or_else(|| "local".into()),
        "Labels": map_value(&vol.labels),
        "Options": map_value(&vol.driver_opts),
    });
    drop_zeros(&mut v);
    v
}

/// The same shape from `docker volume inspect`.
pub fn volume_inspect_value(vol: &Value) -> Value {
    let mut v = json!({"Name": vol["Name"], "Driver": vol["Driver"], "Labels": vol["Labels"], "Options": vol["Options"]});
    drop_zeros(&mut v);
    v
}

/// Every path at which two values differ, with both sides, for failure messages.
pub fn differences(path: &str, want: &Value, got: &Value, out: &mut Vec<String>) {
    match (want, got) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                differences(&format!("{path}.{k}"), a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (a, b) if a != b => out.push(format!("{path}: reference {a} / berth {b}")),
        _ => {}
    }
}
