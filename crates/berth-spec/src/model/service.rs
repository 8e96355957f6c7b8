//! A service and everything nested in it, except `deploy` (see `deploy.rs`): build, develop,
//! healthcheck, logging, network attachments, ports, volumes, secret and config mounts, ulimits,
//! blkio, devices, `depends_on`, `extends`, `env_file` and lifecycle hooks.
//!
//! Field order and `skip_serializing_if` follow compose-go's struct order and `omitempty` tags,
//! so serialising gives `config`'s output; deserialising reads the canonical (long) syntax plus
//! the short forms compose-go's decode hooks still accept.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, value::MapAccessDeserializer, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::deploy::{DeployConfig, DeviceRequest};
use super::output::{self, yaml_mode};
use super::values::{
    self, Duration, Extensions, HostsList, Labels, Mapping, MappingWithEquals, Options, ShellCommand, UnitBytes,
};
use crate::de::{struct_fields, EXTENSIONS};

/// One service: the configuration its containers are created from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceConfig {
    /// The service's name (its key under `services`); not printed.
    #[serde(skip)]
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping")]
    pub annotations: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<DevelopConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blkio_config: Option<BlkioConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup_parent: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup: String,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_count: i64,
    #[serde(skip_serializing_if = "output::is_zero_f32", serialize_with = "output::serialize_f32")]
    pub cpu_percent: f32,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_period: i64,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_quota: i64,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_rt_period: i64,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_rt_runtime: i64,
    #[serde(skip_serializing_if = "output::is_zero_f32", serialize_with = "output::serialize_f32")]
    pub cpus: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cpuset: String,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub cpu_shares: i64,
    /// Overrides the image's command; `Some(vec![])` clears it. JSON prints `null` when unset.
    #[serde(skip_serializing_if = "output::skip_unset_command_in_yaml", deserialize_with = "values::shell_command")]
    pub command: ShellCommand,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ServiceConfigObjConfig>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<CredentialSpecConfig>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: DependsOnConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeployConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceMapping>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub dns_search: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domainname: String,
    /// Overrides the image's entrypoint; `Some(vec![])` clears it. JSON prints `null` when unset.
    #[serde(skip_serializing_if = "output::skip_unset_command_in_yaml", deserialize_with = "values::shell_command")]
    pub entrypoint: ShellCommand,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping_with_equals")]
    pub environment: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<EnvFile>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_or_number_list")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<ExtendsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    #[serde(skip_serializing_if = "HostsList::is_empty")]
    pub extra_hosts: HostsList,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheckConfig>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipc: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_file: Vec<String>,
    /// Labels berth adds itself (`com.docker.compose.*`); never printed.
    #[serde(skip)]
    pub custom_labels: Labels,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<LoggingConfig>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub log_driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub log_opt: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_limit: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_reservation: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub memswap_limit: UnitBytes,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub mem_swappiness: UnitBytes,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub net: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network_mode: String,
    /// Networks the service joins; `None` means attached with no specific settings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<ServiceNetworkConfig>>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub oom_kill_disable: bool,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub oom_score_adj: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pid: String,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub pids_limit: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub platform: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePortConfig>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pull_policy: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub restart: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub runtime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ServiceSecretConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub shm_size: UnitBytes,
    #[serde(skip_serializing_if = "output::is_false")]
    pub stdin_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub storage_opt: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping")]
    pub sysctls: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, UlimitsConfig>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub userns_mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uts: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub volume_driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<ServiceVolumeConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

impl ServiceConfig {
    /// The networks the service joins, highest `priority` first, then by name.
    pub fn networks_by_priority(&self) -> Vec<&str> {
        let mut names: Vec<(&str, i64)> =
            self.networks.iter().map(|(name, cfg)| (name.as_str(), cfg.as_ref().map_or(0, |c| c.priority))).collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        names.into_iter().map(|(name, _)| name).collect()
    }

    /// How many containers to run: `scale`, else `deploy.replicas`, else one.
    pub fn scale_or_default(&self) -> i64 {
        self.scale.or_else(|| self.deploy.as_ref().and_then(|d| d.replicas)).unwrap_or(1)
    }

    /// The services this one depends on, by name.
    pub fn dependencies(&self) -> impl Iterator<Item = &str> {
        self.depends_on.keys().map(String::as_str)
    }
}

/// The services a service depends on, with how to wait for each.
pub type DependsOnConfig = BTreeMap<String, ServiceDependency>;

/// How a service depends on another.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceDependency {
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub restart: bool,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
    pub required: bool,
}

/// `depends_on` condition: the dependency's container has started (the default).
pub const SERVICE_CONDITION_STARTED: &str = "service_started";
/// `depends_on` condition: the dependency is healthy.
pub const SERVICE_CONDITION_HEALTHY: &str = "service_healthy";
/// `depends_on` condition: the dependency ran to completion with exit code 0.
pub const SERVICE_CONDITION_COMPLETED_SUCCESSFULLY: &str = "service_completed_successfully";

/// `build`: how to build the service's image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub context: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile_inline: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping_with_equals")]
    pub args: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "ssh_config")]
    pub ssh: SshConfig,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub cache_from: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub cache_to: Vec<String>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub no_cache: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping")]
    pub additional_contexts: Mapping,
    #[serde(skip_serializing_if = "output::is_false")]
    pub pull: bool,
    #[serde(skip_serializing_if = "HostsList::is_empty")]
    pub extra_hosts: HostsList,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<ServiceSecretConfig>,
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub shm_size: UnitBytes,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, UlimitsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub platforms: Vec<String>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub privileged: bool,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// SSH agent sockets or keys forwarded to a build.
pub type SshConfig = Vec<SshKey>;

/// One `build.ssh` entry: an id (`default`) and an optional key or socket path.
///
/// YAML prints a key with a path as `id: path`, as Docker Compose does. Docker Compose's JSON
/// encoder fails on such keys (it writes `"id": path` inside an array, which is not JSON);
/// berth deliberately prints them in the spec's own `id=path` form instead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SshKey {
    pub id: String,
    pub path: String,
}

impl Serialize for SshKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.path.is_empty() {
            s.serialize_str(&self.id)
        } else if yaml_mode() {
            s.serialize_str(&format!("{}: {}", self.id, self.path))
        } else {
            s.serialize_str(&format!("{}={}", self.id, self.path))
        }
    }
}

/// Decodes `build.ssh`: a mapping `id: path|null`, or a list of `id` / `id=path`.
fn ssh_config<'de, D: Deserializer<'de>>(d: D) -> Result<SshConfig, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = SshConfig;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a mapping of ssh key ids to paths, or a list of id[=path]")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SshConfig, A::Error> {
            let mut keys = Vec::new();
            while let Some((id, path)) = map.next_entry::<String, Option<String>>()? {
                keys.push(SshKey { id, path: path.unwrap_or_default() });
            }
            Ok(keys)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SshConfig, A::Error> {
            let mut keys = Vec::new();
            while let Some(entry) = seq.next_element::<String>()? {
                match entry.split_once('=') {
                    Some((id, path)) => keys.push(SshKey { id: id.to_owned(), path: path.to_owned() }),
                    None if entry == "default" => keys.push(SshKey { id: entry, path: String::new() }),
                    None => return Err(de::Error::custom(format!("invalid ssh key {entry:?}"))),
                }
            }
            Ok(keys)
        }
    }
    d.deserialize_any(V)
}

/// `blkio_config`: block IO weights and throttling.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlkioConfig {
    #[serde(skip_serializing_if = "output::is_zero")]
    pub weight: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub weight_device: Vec<WeightDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_read_iops: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_bps: Vec<ThrottleDevice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_write_iops: Vec<ThrottleDevice>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A device and its relative IO weight. compose-go's struct has no JSON tags, so JSON prints
/// `Path`/`Weight` while YAML prints `path`/`weight`; both are read.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct WeightDevice {
    #[serde(alias = "Path")]
    pub path: String,
    #[serde(alias = "Weight")]
    pub weight: u16,
    #[serde(rename = "#extensions", deserialize_with = "values::extensions")]
    pub extensions: Extensions,
}

impl Serialize for WeightDevice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let yaml = yaml_mode();
        let mut st = s.serialize_struct("WeightDevice", 3)?;
        st.serialize_field(if yaml { "path" } else { "Path" }, &self.path)?;
        st.serialize_field(if yaml { "weight" } else { "Weight" }, &self.weight)?;
        serialize_extensions(&mut st, &self.extensions)?;
        st.end()
    }
}

/// A device and a rate limit (bytes or operations per second); keys as for [`WeightDevice`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ThrottleDevice {
    #[serde(alias = "Path")]
    pub path: String,
    #[serde(alias = "Rate")]
    pub rate: UnitBytes,
    #[serde(rename = "#extensions", deserialize_with = "values::extensions")]
    pub extensions: Extensions,
}

impl Serialize for ThrottleDevice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let yaml = yaml_mode();
        let mut st = s.serialize_struct("ThrottleDevice", 3)?;
        st.serialize_field(if yaml { "path" } else { "Path" }, &self.path)?;
        st.serialize_field(if yaml { "rate" } else { "Rate" }, &self.rate)?;
        serialize_extensions(&mut st, &self.extensions)?;
        st.end()
    }
}

/// Writes a hand-serialised struct's extensions where derived structs would.
fn serialize_extensions<S: SerializeStruct>(st: &mut S, extensions: &Extensions) -> Result<(), S::Error> {
    if output::skip_extensions(extensions) {
        st.skip_field(EXTENSIONS)
    } else {
        st.serialize_field(EXTENSIONS, extensions)
    }
}

/// `devices`: a host device mapped into the containers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceMapping {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub permissions: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `logging`: the log driver and its options.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoggingConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::options")]
    pub options: Options,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `healthcheck`: how the engine tests that a container is healthy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthCheckConfig {
    /// `["CMD", ...]`, `["CMD-SHELL", cmd]` or `["NONE"]`; a string means `CMD-SHELL`.
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::healthcheck_test")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    #[serde(skip_serializing_if = "output::is_false")]
    pub disable: bool,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A network attachment of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceNetworkConfig {
    #[serde(skip_serializing_if = "output::is_zero")]
    pub priority: i64,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub gw_priority: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv4_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_address: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::options")]
    pub driver_opts: Options,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A published or exposed port, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePortConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// `ingress` or `host`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub target: u32,
    /// The host port or range (`"8080"`, `"8000-8010"`), empty when not published.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_protocol: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A mount into the service's containers, in long syntax.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeConfig {
    /// `type` in Compose: `bind`, `volume`, `tmpfs`, `npipe` or `cluster`.
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<ServiceVolumeBind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<ServiceVolumeVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<ServiceVolumeTmpfs>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// Mount type: a host path.
pub const VOLUME_TYPE_BIND: &str = "bind";
/// Mount type: a named or anonymous volume.
pub const VOLUME_TYPE_VOLUME: &str = "volume";
/// Mount type: a tmpfs.
pub const VOLUME_TYPE_TMPFS: &str = "tmpfs";
/// Mount type: a Windows named pipe.
pub const VOLUME_TYPE_NPIPE: &str = "npipe";
/// Mount type: a cluster (CSI) volume.
pub const VOLUME_TYPE_CLUSTER: &str = "cluster";

/// Options of a `bind` mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeBind {
    /// `z` (shared) or `Z` (private) relabelling.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub selinux: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub create_host_path: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub recursive: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// Options of a `volume` mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeVolume {
    #[serde(skip_serializing_if = "output::is_false")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// Options of a `tmpfs` mount.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceVolumeTmpfs {
    #[serde(skip_serializing_if = "UnitBytes::is_zero")]
    pub size: UnitBytes,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub mode: u32,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A secret or config mounted into a service (or a secret passed to a build).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileReferenceConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A config mounted into a service.
pub type ServiceConfigObjConfig = FileReferenceConfig;
/// A secret mounted into a service.
pub type ServiceSecretConfig = FileReferenceConfig;

/// One `ulimits` entry: a single value for both limits, or separate soft and hard limits.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(remote = "Self", default)]
pub struct UlimitsConfig {
    /// Set when written as one number; soft and hard are then zero.
    #[serde(skip)]
    pub single: i64,
    pub soft: i64,
    pub hard: i64,
    #[serde(rename = "#extensions", deserialize_with = "values::extensions")]
    pub extensions: Extensions,
}

impl Serialize for UlimitsConfig {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.single != 0 {
            return s.serialize_i64(self.single);
        }
        // YAML prints both limits; JSON omits zeros. Neither prints extensions.
        let yaml = yaml_mode();
        let mut st = s.serialize_struct("UlimitsConfig", 2)?;
        if yaml || self.soft != 0 {
            st.serialize_field("soft", &self.soft)?;
        }
        if yaml || self.hard != 0 {
            st.serialize_field("hard", &self.hard)?;
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for UlimitsConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = UlimitsConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a mapping with soft and hard")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<UlimitsConfig, E> {
                Ok(UlimitsConfig { single: v, ..UlimitsConfig::default() })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<UlimitsConfig, E> {
                let single = i64::try_from(v).map_err(|_| E::custom(format!("ulimit {v} is too large")))?;
                Ok(UlimitsConfig { single, ..UlimitsConfig::default() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<UlimitsConfig, A::Error> {
                UlimitsConfig::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_struct("UlimitsConfig", struct_fields(UlimitsConfig::deserialize), V)
    }
}

/// `extends`: the service this one is based on, and the file it is in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtendsConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service: String,
}

/// One `env_file` entry. A required file prints as its path alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(remote = "Self", default)]
pub struct EnvFile {
    pub path: String,
    pub required: bool,
    /// `format` (compose-go ≥ 2.4): how to parse the file; empty for the dotenv format.
    pub format: String,
}

impl Serialize for EnvFile {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.required {
            return s.serialize_str(&self.path);
        }
        let yaml = yaml_mode();
        let mut st = s.serialize_struct("EnvFile", 3)?;
        if yaml || !self.path.is_empty() {
            st.serialize_field("path", &self.path)?;
        }
        st.serialize_field("required", &self.required)?;
        if !yaml && !self.format.is_empty() {
            st.serialize_field("format", &self.format)?;
        }
        st.end()
    }
}

impl<'de> Deserialize<'de> for EnvFile {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EnvFile;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a path or a mapping with path and required")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EnvFile, E> {
                Ok(EnvFile { path: v.to_owned(), required: true, format: String::new() })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EnvFile, A::Error> {
                EnvFile::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_struct("EnvFile", struct_fields(EnvFile::deserialize), V)
    }
}

/// `credential_spec` (Windows containers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialSpecConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub config: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub registry: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `develop`: what `watch` does when files change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DevelopConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<Trigger>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// One `develop.watch` rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trigger {
    pub path: String,
    /// `sync`, `rebuild`, `restart`, `sync+restart` or `sync+exec`.
    pub action: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// The command `sync+exec` runs; JSON always prints it, YAML only when set.
    #[serde(skip_serializing_if = "output::skip_zero_in_yaml")]
    pub exec: ServiceHook,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A command run in a container at a lifecycle event (`post_start`, `pre_stop`, watch `exec`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceHook {
    #[serde(skip_serializing_if = "output::skip_unset_command_in_yaml", deserialize_with = "values::shell_command")]
    pub command: ShellCommand,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::mapping_with_equals")]
    pub environment: MappingWithEquals,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}
