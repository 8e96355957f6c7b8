//! The project and its top-level objects: networks, volumes, secrets, configs, `include` entries.
//!
//! `Project` prints like compose-go's `Project.MarshalJSON` (a map: `name` always, the object
//! maps only when non-empty, `x-*` extensions inlined, keys sorted) or, for YAML, like its
//! struct encoding (`name`, `services`, `networks`, `volumes`, `secrets`, `configs`, extensions).

use std::collections::BTreeMap;

use serde::de::Deserializer;
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};

use super::output::{self, yaml_mode, OutputFormat};
use super::service::ServiceConfig;
use super::values::{self, Extensions, Labels, Mapping, Options};
use crate::de::EXTENSIONS;
use crate::error::Result;

/// Services by name.
pub type Services = BTreeMap<String, ServiceConfig>;

/// A loaded compose project: what `berth config` prints and every command works from.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Project {
    pub name: String,
    #[serde(deserialize_with = "named_services")]
    pub services: Services,
    pub networks: BTreeMap<String, NetworkConfig>,
    pub volumes: BTreeMap<String, VolumeConfig>,
    #[serde(deserialize_with = "secrets_with_content")]
    pub secrets: BTreeMap<String, SecretConfig>,
    pub configs: BTreeMap<String, ConfigObjConfig>,
    #[serde(rename = "#extensions", deserialize_with = "values::extensions")]
    pub extensions: Extensions,
    /// `include` entries, if the tree still has them (the loader normally resolves and drops
    /// them, as compose-go does); never printed.
    pub include: Vec<IncludeConfig>,
    /// The project directory; not printed.
    #[serde(skip)]
    pub working_dir: String,
    /// The compose files the project was loaded from; not printed.
    #[serde(skip)]
    pub compose_files: Vec<String>,
    /// The variables interpolation saw; not printed.
    #[serde(skip)]
    pub environment: Mapping,
    /// Services left out because none of their profiles is active; not printed.
    #[serde(skip)]
    pub disabled_services: Services,
    /// The active profiles; not printed.
    #[serde(skip)]
    pub profiles: Vec<String>,
    /// Docker Compose v1 names (`--compatibility`, or `COMPOSE_COMPATIBILITY` among the
    /// project's variables): `_` joins the parts of generated names (`proj_web_1`, the image
    /// `proj_web`) instead of `-`; not printed.
    #[serde(skip)]
    pub compatibility: bool,
}

impl Project {
    /// What joins the parts of generated names: `-`, or `_` in compatibility mode.
    pub fn name_separator(&self) -> &'static str {
        if self.compatibility {
            "_"
        } else {
            "-"
        }
    }

    /// The project as `config --format json` prints it.
    pub fn to_json_value(&self) -> Result<serde_json::Value> {
        output::render(self, OutputFormat::Json)
    }

    /// The project as `config --format yaml` prints it, as a tree for a YAML printer.
    pub fn to_yaml_value(&self) -> Result<serde_json::Value> {
        output::render(self, OutputFormat::Yaml)
    }

    /// Service names, sorted.
    pub fn service_names(&self) -> Vec<&str> {
        self.services.keys().map(String::as_str).collect()
    }

    /// A service by name.
    pub fn service(&self, name: &str) -> Option<&ServiceConfig> {
        self.services.get(name)
    }
}

impl Serialize for Project {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // Secret content is never printed; config content only when it did not come from the
        // environment (compose-go's SecretConfig/ConfigObjConfig marshallers).
        let secrets: BTreeMap<&String, FileObjectConfig> = self
            .secrets
            .iter()
            .map(|(name, secret)| (name, FileObjectConfig { content: String::new(), ..secret.clone() }))
            .collect();
        let configs: BTreeMap<&String, FileObjectConfig> = self
            .configs
            .iter()
            .map(|(name, config)| {
                let mut config = config.clone();
                if !config.environment.is_empty() {
                    config.content.clear();
                }
                (name, config)
            })
            .collect();

        if yaml_mode() {
            // A struct for yaml.v3, so that a YAML writer keeps this order (and sorts only
            // what Go holds in maps); the extensions are inlined after the fields.
            let mut st = s.serialize_struct("Project", 7)?;
            if !self.name.is_empty() {
                st.serialize_field("name", &self.name)?;
            }
            st.serialize_field("services", &self.services)?;
            field_non_empty(&mut st, "networks", &self.networks)?;
            field_non_empty(&mut st, "volumes", &self.volumes)?;
            field_non_empty(&mut st, "secrets", &secrets)?;
            field_non_empty(&mut st, "configs", &configs)?;
            if !self.extensions.is_empty() {
                st.serialize_field(EXTENSIONS, &self.extensions)?;
            }
            return st.end();
        }
        // Go marshals a map for JSON: keys sorted, and every `x-` key sorts after these.
        let mut map = s.serialize_map(None)?;
        serialize_non_empty(&mut map, "configs", &configs)?;
        map.serialize_entry("name", &self.name)?;
        serialize_non_empty(&mut map, "networks", &self.networks)?;
        serialize_non_empty(&mut map, "secrets", &secrets)?;
        map.serialize_entry("services", &self.services)?;
        serialize_non_empty(&mut map, "volumes", &self.volumes)?;
        for (key, value) in &self.extensions {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

fn field_non_empty<S: SerializeStruct, K: Serialize, V: Serialize>(
    st: &mut S,
    key: &'static str,
    value: &BTreeMap<K, V>,
) -> std::result::Result<(), S::Error> {
    if value.is_empty() {
        Ok(())
    } else {
        st.serialize_field(key, value)
    }
}

fn serialize_non_empty<M: SerializeMap, K, V: Serialize>(
    map: &mut M,
    key: &str,
    value: &BTreeMap<K, V>,
) -> std::result::Result<(), M::Error>
where
    K: Serialize,
{
    if value.is_empty() {
        Ok(())
    } else {
        map.serialize_entry(key, value)
    }
}

/// Decodes `services`, giving each service its name.
fn named_services<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Services, D::Error> {
    let mut services = Services::deserialize(d)?;
    for (name, service) in &mut services {
        service.name.clone_from(name);
    }
    Ok(services)
}

/// The extension key under which the loader may hand over a secret's value read from the
/// environment (compose-go's `x-#value`), moved into `content` here.
pub const SECRET_VALUE_EXTENSION: &str = "x-#value";

/// Decodes `secrets`, moving a value read from the environment into `content`.
fn secrets_with_content<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<BTreeMap<String, SecretConfig>, D::Error> {
    let mut secrets = BTreeMap::<String, SecretConfig>::deserialize(d)?;
    for secret in secrets.values_mut() {
        if let Some(serde_json::Value::String(value)) = secret.extensions.remove(SECRET_VALUE_EXTENSION) {
            secret.content = value;
        }
    }
    Ok(secrets)
}

/// A top-level `networks` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::options")]
    pub driver_opts: Options,
    /// Always printed by JSON (`{}` when empty), omitted by YAML when empty.
    #[serde(skip_serializing_if = "output::skip_zero_in_yaml")]
    pub ipam: IpamConfig,
    #[serde(skip_serializing_if = "output::is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "output::is_false")]
    pub internal: bool,
    #[serde(skip_serializing_if = "output::is_false")]
    pub attachable: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    /// Labels berth adds itself; never printed.
    #[serde(skip)]
    pub custom_labels: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv4: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A network's IP address management.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpamConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// One IPAM address pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IpamPool {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subnet: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_range: String,
    #[serde(
        rename = "aux_addresses",
        skip_serializing_if = "BTreeMap::is_empty",
        deserialize_with = "values::mapping"
    )]
    pub auxiliary_addresses: Mapping,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A top-level `volumes` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::options")]
    pub driver_opts: Options,
    #[serde(skip_serializing_if = "output::is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    /// Labels berth adds itself; never printed.
    #[serde(skip)]
    pub custom_labels: Labels,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A top-level `secrets` or `configs` entry: where its content comes from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileObjectConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub environment: String,
    /// Inline content (configs), or the value read from `environment`. Never printed for
    /// secrets; printed for configs unless it came from the environment.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub content: String,
    #[serde(skip_serializing_if = "output::is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "values::labels")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_driver: String,
    #[serde(
        rename = "#extensions",
        skip_serializing_if = "output::skip_extensions",
        deserialize_with = "values::extensions"
    )]
    pub extensions: Extensions,
}

/// A top-level `secrets` entry.
pub type SecretConfig = FileObjectConfig;
/// A top-level `configs` entry.
pub type ConfigObjConfig = FileObjectConfig;

/// One `include` entry: compose files to load as part of this project.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IncludeConfig {
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub path: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub project_directory: String,
    #[serde(skip_serializing_if = "Vec::is_empty", deserialize_with = "values::string_list")]
    pub env_file: Vec<String>,
}
