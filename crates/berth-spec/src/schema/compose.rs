//! The Compose file format as Docker Compose 2.26.1 accepts it (compose-go v2.4.8's schema),
//! written in berth's rule language.
//!
//! The description follows the schema's own structure: one function per shared definition,
//! the top level at the end. Quirks of the reference are kept on purpose, because files that
//! Docker Compose accepts must load and files it rejects must not:
//! - top-level `networks` is an open mapping, so a network whose name has odd characters is
//!   accepted without any check, while `volumes`, `secrets` and `configs` reject such names;
//! - `gpus` entries accept unknown keys (the schema puts `additionalProperties` on the list);
//! - `ulimits` only checks entries whose name is lowercase letters;
//! - secret and config `external` mappings accept unknown keys, network and volume ones do not;
//! - `depends_on.*.required` must be a real boolean, unlike most flags which may be strings.
//!
//! One deliberate widening: `pull_policy` also accepts the Compose Specification's refresh
//! policies (`daily`, `weekly`, `every_<duration>`), which 2.26.1 rejects (docs/drop-in.md).

use super::rules::{
    boolean, integer_between, kinds, list, mapping, number, one_of, string, string_enum,
    unique_list, widened_enum, KeyPattern, Kind, Rule, Widening,
};

use KeyPattern::{LowercaseWord, Name, NonEmpty, SingleLine};
use Kind::{Boolean, Integer, Mapping as Map, Null, Number, String as Str};

fn bool_or_string() -> Rule {
    kinds(&[Boolean, Str])
}

fn integer_or_string() -> Rule {
    kinds(&[Integer, Str])
}

fn number_or_string() -> Rule {
    kinds(&[Number, Str])
}

/// `pull_policy`: the reference's keywords, and (berth's widening, from the Compose
/// Specification) the refresh policies `daily`, `weekly` and `every_<duration>`.
fn pull_policy() -> Rule {
    widened_enum(
        &["always", "never", "if_not_present", "build", "missing"],
        Widening {
            names: &["daily", "weekly", "every_<duration>"],
            check: crate::pull_policy::check_refresh,
        },
    )
}

/// `list_of_strings`: a list of distinct strings.
fn list_of_strings() -> Rule {
    unique_list(string())
}

/// `string_or_list`.
fn string_or_list() -> Rule {
    one_of(vec![string(), list_of_strings()])
}

/// `list_or_dict`: `KEY=value` strings, or a mapping to scalars.
fn list_or_dict() -> Rule {
    one_of(vec![
        mapping()
            .keys_matching(NonEmpty, kinds(&[Str, Number, Boolean, Null]))
            .closed(),
        unique_list(string()),
    ])
}

/// `command`: a shell string, an exec list, or null.
fn command() -> Rule {
    one_of(vec![kinds(&[Null]), string(), list(string())])
}

/// `extra_hosts`: `host:ip` strings, or a mapping from host to one address or several.
fn extra_hosts() -> Rule {
    one_of(vec![
        mapping()
            .keys_matching(NonEmpty, one_of(vec![string(), list(string())]))
            .closed(),
        unique_list(string()),
    ])
}

/// Driver options: a mapping to strings or numbers.
fn driver_opts() -> Rule {
    mapping()
        .keys_matching(SingleLine, kinds(&[Str, Number]))
        .open()
}

/// `external` of networks and volumes: a flag, or a mapping with the (deprecated) name.
fn external_closed() -> Rule {
    mapping()
        .key("name", string())
        .extensions()
        .or(&[Boolean, Str])
        .closed()
}

/// `external` of secrets and configs, which accepts unknown keys.
fn external_open() -> Rule {
    mapping().key("name", string()).or(&[Boolean, Str]).open()
}

/// `blkio_limit`.
fn blkio_limit() -> Rule {
    mapping()
        .key("path", string())
        .key("rate", integer_or_string())
        .closed()
}

/// `blkio_weight`.
fn blkio_weight() -> Rule {
    mapping()
        .key("path", string())
        .key("weight", integer_or_string())
        .closed()
}

/// `service_config_or_secret`: names, or long-form references.
fn service_config_or_secret() -> Rule {
    list(one_of(vec![
        string(),
        mapping()
            .key("source", string())
            .key("target", string())
            .key("uid", string())
            .key("gid", string())
            .key("mode", number_or_string())
            .extensions()
            .closed(),
    ]))
}

/// `ulimits`: a single limit, or soft and hard limits.
fn ulimits() -> Rule {
    mapping()
        .keys_matching(
            LowercaseWord,
            one_of(vec![
                integer_or_string(),
                mapping()
                    .key("hard", integer_or_string())
                    .key("soft", integer_or_string())
                    .required(&["soft", "hard"])
                    .extensions()
                    .closed(),
            ]),
        )
        .open()
}

/// `service_hook`: `post_start`, `pre_stop` and watch `exec`.
fn service_hook() -> Rule {
    mapping()
        .key("command", command())
        .key("user", string())
        .key("privileged", bool_or_string())
        .key("working_dir", string())
        .key("environment", list_or_dict())
        .extensions()
        .closed()
}

/// `env_file`: paths, or entries with `path`, `format` and `required`.
fn env_file() -> Rule {
    one_of(vec![
        string(),
        list(one_of(vec![
            string(),
            mapping()
                .key("path", string())
                .key("format", string())
                .key("required", bool_or_string())
                .required(&["path"])
                .closed(),
        ])),
    ])
}

/// `label_file`.
fn label_file() -> Rule {
    one_of(vec![string(), list(string())])
}

/// `healthcheck`.
fn healthcheck() -> Rule {
    mapping()
        .key("disable", bool_or_string())
        .key("interval", string())
        .key("retries", number_or_string())
        .key("test", one_of(vec![string(), list(string())]))
        .key("timeout", string())
        .key("start_period", string())
        .key("start_interval", string())
        .extensions()
        .closed()
}

/// `development`: `develop.watch` rules.
fn development() -> Rule {
    let watch = mapping()
        .key("ignore", list(string()))
        .key("path", string())
        .key(
            "action",
            string_enum(&["rebuild", "sync", "restart", "sync+restart", "sync+exec"]),
        )
        .key("target", string())
        .key("exec", service_hook())
        .required(&["path", "action"])
        .extensions()
        .closed();
    mapping()
        .key("watch", list(watch))
        .extensions()
        .or(&[Null])
        .closed()
}

/// `update_config` and `rollback_config` of `deploy`.
fn update_config() -> Rule {
    mapping()
        .key("parallelism", integer_or_string())
        .key("delay", string())
        .key("failure_action", string())
        .key("monitor", string())
        .key("max_failure_ratio", number_or_string())
        .key("order", string_enum(&["start-first", "stop-first"]))
        .extensions()
        .closed()
}

/// `generic_resources`.
fn generic_resources() -> Rule {
    let spec = mapping()
        .key("kind", string())
        .key("value", number_or_string())
        .extensions()
        .closed();
    list(
        mapping()
            .key("discrete_resource_spec", spec)
            .extensions()
            .closed(),
    )
}

/// `devices` of `deploy.resources.reservations`.
fn device_requests() -> Rule {
    list(
        mapping()
            .key("capabilities", list_of_strings())
            .key("count", kinds(&[Str, Integer]))
            .key("device_ids", list_of_strings())
            .key("driver", string())
            .key("options", list_or_dict())
            .required(&["capabilities"])
            .extensions()
            .closed(),
    )
}

/// `gpus`: `all`, or device requests that, unlike `deploy` ones, accept unknown keys.
fn gpus() -> Rule {
    one_of(vec![
        string_enum(&["all"]),
        list(
            mapping()
                .key("capabilities", list_of_strings())
                .key("count", kinds(&[Str, Integer]))
                .key("device_ids", list_of_strings())
                .key("driver", string())
                .key("options", list_or_dict())
                .open(),
        ),
    ])
}

/// `deployment`.
fn deployment() -> Rule {
    let limits = mapping()
        .key("cpus", number_or_string())
        .key("memory", string())
        .key("pids", integer_or_string())
        .extensions()
        .closed();
    let reservations = mapping()
        .key("cpus", number_or_string())
        .key("memory", string())
        .key("generic_resources", generic_resources())
        .key("devices", device_requests())
        .extensions()
        .closed();
    let resources = mapping()
        .key("limits", limits)
        .key("reservations", reservations)
        .extensions()
        .closed();
    let restart_policy = mapping()
        .key("condition", string())
        .key("delay", string())
        .key("max_attempts", integer_or_string())
        .key("window", string())
        .extensions()
        .closed();
    let placement = mapping()
        .key("constraints", list(string()))
        .key(
            "preferences",
            list(mapping().key("spread", string()).extensions().closed()),
        )
        .key("max_replicas_per_node", integer_or_string())
        .extensions()
        .closed();
    mapping()
        .key("mode", string())
        .key("endpoint_mode", string())
        .key("replicas", integer_or_string())
        .key("labels", list_or_dict())
        .key("rollback_config", update_config())
        .key("update_config", update_config())
        .key("resources", resources)
        .key("restart_policy", restart_policy)
        .key("placement", placement)
        .extensions()
        .or(&[Null])
        .closed()
}

/// `build`: a context path, or the long form.
fn build() -> Rule {
    one_of(vec![
        string(),
        mapping()
            .key("context", string())
            .key("dockerfile", string())
            .key("dockerfile_inline", string())
            .key("entitlements", list(string()))
            .key("args", list_or_dict())
            .key("ssh", list_or_dict())
            .key("labels", list_or_dict())
            .key("cache_from", list(string()))
            .key("cache_to", list(string()))
            .key("no_cache", bool_or_string())
            .key("additional_contexts", list_or_dict())
            .key("network", string())
            .key("pull", bool_or_string())
            .key("target", string())
            .key("shm_size", integer_or_string())
            .key("extra_hosts", extra_hosts())
            .key("isolation", string())
            .key("privileged", bool_or_string())
            .key("secrets", service_config_or_secret())
            .key("tags", list(string()))
            .key("ulimits", ulimits())
            .key("platforms", list(string()))
            .extensions()
            .closed(),
    ])
}

fn blkio_config() -> Rule {
    mapping()
        .key("device_read_bps", list(blkio_limit()))
        .key("device_read_iops", list(blkio_limit()))
        .key("device_write_bps", list(blkio_limit()))
        .key("device_write_iops", list(blkio_limit()))
        .key("weight", integer_or_string())
        .key("weight_device", list(blkio_weight()))
        .closed()
}

fn depends_on() -> Rule {
    let condition = mapping()
        .key("restart", bool_or_string())
        .key("required", boolean())
        .key(
            "condition",
            string_enum(&[
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            ]),
        )
        .required(&["condition"])
        .extensions()
        .closed();
    one_of(vec![
        list_of_strings(),
        mapping().keys_matching(Name, condition).closed(),
    ])
}

fn devices() -> Rule {
    list(one_of(vec![
        string(),
        mapping()
            .key("source", string())
            .key("target", string())
            .key("permissions", string())
            .required(&["source"])
            .extensions()
            .closed(),
    ]))
}

fn extends() -> Rule {
    one_of(vec![
        string(),
        mapping()
            .key("service", string())
            .key("file", string())
            .required(&["service"])
            .closed(),
    ])
}

fn logging() -> Rule {
    mapping()
        .key("driver", string())
        .key(
            "options",
            mapping()
                .keys_matching(SingleLine, kinds(&[Str, Number, Null]))
                .open(),
        )
        .extensions()
        .closed()
}

fn service_networks() -> Rule {
    let attachment = mapping()
        .key("aliases", list_of_strings())
        .key("ipv4_address", string())
        .key("ipv6_address", string())
        .key("link_local_ips", list_of_strings())
        .key("mac_address", string())
        .key("driver_opts", driver_opts())
        .key("priority", number())
        .key("gw_priority", number())
        .extensions()
        .closed();
    one_of(vec![
        list_of_strings(),
        mapping()
            .keys_matching(Name, one_of(vec![attachment, kinds(&[Null])]))
            .closed(),
    ])
}

fn ports() -> Rule {
    unique_list(one_of(vec![
        number(),
        string(),
        mapping()
            .key("name", string())
            .key("mode", string())
            .key("host_ip", string())
            .key("target", integer_or_string())
            .key("published", kinds(&[Str, Integer]))
            .key("protocol", string())
            .key("app_protocol", string())
            .extensions()
            .closed(),
    ]))
}

fn service_volumes() -> Rule {
    let bind = mapping()
        .key("propagation", string())
        .key("create_host_path", bool_or_string())
        .key(
            "recursive",
            string_enum(&["enabled", "disabled", "writable", "readonly"]),
        )
        .key("selinux", string_enum(&["z", "Z"]))
        .extensions()
        .closed();
    let volume = mapping()
        .key("nocopy", bool_or_string())
        .key("subpath", string())
        .extensions()
        .closed();
    let tmpfs = mapping()
        .key(
            "size",
            one_of(vec![integer_between(Some(0), None), string()]),
        )
        .key("mode", number_or_string())
        .extensions()
        .closed();
    unique_list(one_of(vec![
        string(),
        mapping()
            .key("type", string())
            .key("source", string())
            .key("target", string())
            .key("read_only", bool_or_string())
            .key("consistency", string())
            .key("bind", bind)
            .key("volume", volume)
            .key("tmpfs", tmpfs)
            .required(&["type"])
            .extensions()
            .closed(),
    ]))
}

/// `service`.
fn service() -> Rule {
    mapping()
        .key("develop", development())
        .key("deploy", deployment())
        .key("annotations", list_or_dict())
        .key("attach", bool_or_string())
        .key("build", build())
        .key("blkio_config", blkio_config())
        .key("cap_add", unique_list(string()))
        .key("cap_drop", unique_list(string()))
        .key("cgroup", string_enum(&["host", "private"]))
        .key("cgroup_parent", string())
        .key("command", command())
        .key("configs", service_config_or_secret())
        .key("container_name", string())
        .key(
            "cpu_count",
            one_of(vec![string(), integer_between(Some(0), None)]),
        )
        .key(
            "cpu_percent",
            one_of(vec![string(), integer_between(Some(0), Some(100))]),
        )
        .key("cpu_shares", number_or_string())
        .key("cpu_quota", number_or_string())
        .key("cpu_period", number_or_string())
        .key("cpu_rt_period", number_or_string())
        .key("cpu_rt_runtime", number_or_string())
        .key("cpus", number_or_string())
        .key("cpuset", string())
        .key(
            "credential_spec",
            mapping()
                .key("config", string())
                .key("file", string())
                .key("registry", string())
                .extensions()
                .closed(),
        )
        .key("depends_on", depends_on())
        .key("device_cgroup_rules", list_of_strings())
        .key("devices", devices())
        .key("dns", string_or_list())
        .key("dns_opt", unique_list(string()))
        .key("dns_search", string_or_list())
        .key("domainname", string())
        .key("entrypoint", command())
        .key("env_file", env_file())
        .key("label_file", label_file())
        .key("environment", list_or_dict())
        .key("expose", unique_list(kinds(&[Str, Number])))
        .key("extends", extends())
        .key("external_links", unique_list(string()))
        .key("extra_hosts", extra_hosts())
        .key("gpus", gpus())
        .key("group_add", unique_list(kinds(&[Str, Number])))
        .key("healthcheck", healthcheck())
        .key("hostname", string())
        .key("image", string())
        .key("init", bool_or_string())
        .key("ipc", string())
        .key("isolation", string())
        .key("labels", list_or_dict())
        .key("links", unique_list(string()))
        .key("logging", logging())
        .key("mac_address", string())
        .key("mem_limit", number_or_string())
        .key("mem_reservation", kinds(&[Str, Integer]))
        .key("mem_swappiness", integer_or_string())
        .key("memswap_limit", number_or_string())
        .key("network_mode", string())
        .key("networks", service_networks())
        .key("oom_kill_disable", bool_or_string())
        .key(
            "oom_score_adj",
            one_of(vec![string(), integer_between(Some(-1000), Some(1000))]),
        )
        .key("pid", kinds(&[Str, Null]))
        .key("pids_limit", number_or_string())
        .key("platform", string())
        .key("ports", ports())
        .key("post_start", list(service_hook()))
        .key("pre_stop", list(service_hook()))
        .key("privileged", bool_or_string())
        .key("profiles", list_of_strings())
        .key("pull_policy", pull_policy())
        .key("read_only", bool_or_string())
        .key("restart", string())
        .key("runtime", string())
        .key("scale", integer_or_string())
        .key("security_opt", unique_list(string()))
        .key("shm_size", number_or_string())
        .key("secrets", service_config_or_secret())
        .key("sysctls", list_or_dict())
        .key("stdin_open", bool_or_string())
        .key("stop_grace_period", string())
        .key("stop_signal", string())
        .key("storage_opt", kinds(&[Map]))
        .key("tmpfs", string_or_list())
        .key("tty", bool_or_string())
        .key("ulimits", ulimits())
        .key("user", string())
        .key("uts", string())
        .key("userns_mode", string())
        .key("volumes", service_volumes())
        .key("volumes_from", unique_list(string()))
        .key("working_dir", string())
        .extensions()
        .closed()
}

/// `include` entries.
fn include() -> Rule {
    one_of(vec![
        string(),
        mapping()
            .key("path", string_or_list())
            .key("env_file", string_or_list())
            .key("project_directory", string())
            .closed(),
    ])
}

/// `network`.
fn network() -> Rule {
    let ipam_config = mapping()
        .key("subnet", string())
        .key("ip_range", string())
        .key("gateway", string())
        .key(
            "aux_addresses",
            mapping().keys_matching(SingleLine, string()).closed(),
        )
        .extensions()
        .closed();
    let ipam = mapping()
        .key("driver", string())
        .key("config", list(ipam_config))
        .key(
            "options",
            mapping().keys_matching(SingleLine, string()).closed(),
        )
        .extensions()
        .closed();
    mapping()
        .key("name", string())
        .key("driver", string())
        .key("driver_opts", driver_opts())
        .key("ipam", ipam)
        .key("external", external_closed())
        .key("internal", bool_or_string())
        .key("enable_ipv4", bool_or_string())
        .key("enable_ipv6", bool_or_string())
        .key("attachable", bool_or_string())
        .key("labels", list_or_dict())
        .extensions()
        .or(&[Null])
        .closed()
}

/// `volume`.
fn volume() -> Rule {
    mapping()
        .key("name", string())
        .key("driver", string())
        .key("driver_opts", driver_opts())
        .key("external", external_closed())
        .key("labels", list_or_dict())
        .extensions()
        .or(&[Null])
        .closed()
}

/// `secret`.
fn secret() -> Rule {
    mapping()
        .key("name", string())
        .key("environment", string())
        .key("file", string())
        .key("external", external_open())
        .key("labels", list_or_dict())
        .key("driver", string())
        .key("driver_opts", driver_opts())
        .key("template_driver", string())
        .extensions()
        .closed()
}

/// `config`.
fn config() -> Rule {
    mapping()
        .key("name", string())
        .key("content", string())
        .key("environment", string())
        .key("file", string())
        .key("external", external_open())
        .key("labels", list_or_dict())
        .key("template_driver", string())
        .extensions()
        .closed()
}

/// The whole Compose file.
pub(crate) fn compose_file() -> Rule {
    mapping()
        .key("version", string())
        .key("name", string())
        .key("include", list(include()))
        .key(
            "services",
            mapping().keys_matching(Name, service()).closed(),
        )
        .key("networks", mapping().keys_matching(Name, network()).open())
        .key("volumes", mapping().keys_matching(Name, volume()).closed())
        .key("secrets", mapping().keys_matching(Name, secret()).closed())
        .key("configs", mapping().keys_matching(Name, config()).closed())
        .extensions()
        .closed()
}
