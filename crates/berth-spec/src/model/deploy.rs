//! `deploy`: replicas, resources (limits, reservations, device requests), restart, update and
//! rollback policies, and placement; device requests are shared with the service's `gpus`.
//!
//! `resources` and `placement` are plain structs in compose-go, so JSON prints them as `{}` even
//! when empty; YAML omits them when empty.

use serde::{Deserialize, Serialize};

use super::output;
use super::values::{self, DeviceCount, Duration, Extensions, Labels, Mapping, NanoCpus, UnitBytes};

/// `deploy`: how the service is deployed (Swarm attributes; Compose uses replicas and resources).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeployConfig {
    /// `replicated` or `global`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "output::skip_zero_in_yaml")]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(skip_serializing_if = "output::skip_zero_in_yaml")]
    pub placement: Placement,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_mode: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `update_config` / `rollback_config`: how tasks are replaced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "Duration::is_zero")]
    pub delay: Duration,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_action: String,
    #[serde(skip_serializing_if = "Duration::is_zero")]
    pub monitor: Duration,
    #[serde(skip_serializing_if = "output::is_zero_f32", serialize_with = "output::serialize_f32")]
    pub max_failure_ratio: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub order: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `resources`: limits and reservations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// An amount of resources, as a limit or a reservation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resource {
    #[serde(rename = "cpus", skip_serializing_if = "NanoCpus::is_zero")]
    pub nano_cpus: NanoCpus,
    #[serde(rename = "memory", skip_serializing_if = "UnitBytes::is_zero")]
    pub memory_bytes: UnitBytes,
    #[serde(skip_serializing_if = "output::is_zero")]
    pub pids: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<GenericResource>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A user-defined resource (`SSD=3`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GenericResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discrete_resource_spec: Option<DiscreteGenericResource>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A countable user-defined resource: its kind and how many.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DiscreteGenericResource {
    pub kind: String,
    pub value: i64,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `restart_policy`: when Swarm restarts tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// `placement`: where Swarm may schedule tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreferences>,
    #[serde(rename = "max_replicas_per_node", skip_serializing_if = "output::is_zero")]
    pub max_replicas: u64,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A placement preference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlacementPreferences {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub spread: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A request for devices (GPUs...), from `deploy.resources.reservations.devices` or `gpus`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "DeviceCount::is_zero")]
    pub count: DeviceCount,
    #[serde(rename = "device_ids", skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty", deserialize_with = "values::mapping")]
    pub options: Mapping,
}
