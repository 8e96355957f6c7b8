//! The typed `Project` and its parts, as Docker Compose's types; serialising it gives `config` output.
//!
//! The types mirror compose-go v2.4.8's `types` package field for field (Rust casing, Compose's
//! attribute names on the wire). They are decoded from the loader's canonical tree with
//! [`crate::de::from_node`] and serialised with serde: `serde_json::to_value(&project)` (or
//! [`Project::to_json_value`]) is `config --format json`, [`Project::to_yaml_value`] is the tree
//! `config --format yaml` prints.
//!
//! Every struct compose-go gives an `Extensions` field keeps its `x-*` attributes in an
//! `extensions` field (serde name [`crate::de::EXTENSIONS`]); JSON shows them only at the top
//! level, YAML everywhere, as Docker Compose does.

mod deploy;
mod output;
mod project;
mod service;
pub mod shellwords;
mod values;

pub use deploy::{
    DeployConfig, DeviceRequest, DiscreteGenericResource, GenericResource, Placement, PlacementPreferences, Resource,
    Resources, RestartPolicy, UpdateConfig,
};
pub use output::{json_difference, json_equivalent, render, with_format, OutputFormat};
pub use project::{
    ConfigObjConfig, FileObjectConfig, IncludeConfig, IpamConfig, IpamPool, NetworkConfig, Project, SecretConfig,
    Services, VolumeConfig, SECRET_VALUE_EXTENSION,
};
pub use service::{
    BlkioConfig, BuildConfig, CredentialSpecConfig, DependsOnConfig, DevelopConfig, DeviceMapping, EnvFile,
    ExtendsConfig, FileReferenceConfig, HealthCheckConfig, LoggingConfig, ServiceConfig, ServiceConfigObjConfig,
    ServiceDependency, ServiceHook, ServiceNetworkConfig, ServicePortConfig, ServiceSecretConfig, ServiceVolumeBind,
    ServiceVolumeConfig, ServiceVolumeTmpfs, ServiceVolumeVolume, SshConfig, SshKey, ThrottleDevice, Trigger,
    UlimitsConfig, WeightDevice, SERVICE_CONDITION_COMPLETED_SUCCESSFULLY, SERVICE_CONDITION_HEALTHY,
    SERVICE_CONDITION_STARTED, VOLUME_TYPE_BIND, VOLUME_TYPE_CLUSTER, VOLUME_TYPE_NPIPE,
    VOLUME_TYPE_TMPFS, VOLUME_TYPE_VOLUME,
};
pub use values::{
    format_go_duration, parse_go_duration, ram_in_bytes, DeviceCount, Duration, Extensions, HostsList, Labels, Mapping,
    MappingWithEquals, NanoCpus, Options, ShellCommand, UnitBytes,
};
