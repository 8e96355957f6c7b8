//! Image types: listing, inspect, pull/push/build options and their progress events.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::container::{ContainerPort, HealthConfig};

/// An image as listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageSummary {
    /// Image id (`sha256:…`).
    pub id: String,
    /// Parent id.
    pub parent_id: String,
    /// Tags (`repo:tag`).
    pub repo_tags: Vec<String>,
    /// Digests (`repo@sha256:…`).
    pub repo_digests: Vec<String>,
    /// Creation time (unix seconds).
    pub created: i64,
    /// Size in bytes.
    pub size: i64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Containers using it (-1 when not computed).
    pub containers: i64,
}

/// Options of an image listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageListOptions {
    /// Include intermediate images.
    pub all: bool,
    /// Filters (`reference`, `label`, `dangling`).
    pub filters: crate::Filters,
}

/// An image as inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageDetails {
    /// Image id (`sha256:…`).
    pub id: String,
    /// Tags.
    pub repo_tags: Vec<String>,
    /// Digests.
    pub repo_digests: Vec<String>,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Operating system.
    pub os: String,
    /// Architecture.
    pub architecture: String,
    /// Architecture variant (`v8`).
    pub variant: Option<String>,
    /// Size in bytes.
    pub size: i64,
    /// Default process configuration.
    pub config: ImageConfig,
}

impl ImageDetails {
    /// `os/arch[/variant]`.
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{v}", self.os, self.architecture),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }
}

/// The defaults an image gives its containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageConfig {
    /// Command.
    pub cmd: Vec<String>,
    /// Entrypoint.
    pub entrypoint: Vec<String>,
    /// Environment.
    pub env: Vec<String>,
    /// Working directory.
    pub working_dir: String,
    /// User.
    pub user: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Exposed ports.
    pub exposed_ports: Vec<ContainerPort>,
    /// Declared volumes.
    pub volumes: Vec<String>,
    /// Health check.
    pub healthcheck: Option<HealthConfig>,
    /// Stop signal.
    pub stop_signal: Option<String>,
}

/// One row of the result of removing an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageDeleteItem {
    /// A tag was removed.
    Untagged(String),
    /// A layer or image was deleted.
    Deleted(String),
}

/// Options of image removal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageRemoveOptions {
    /// Remove even when used by stopped containers or tagged several times.
    pub force: bool,
    /// Keep untagged parents.
    pub no_prune: bool,
}

/// Credentials for a registry, as in `~/.docker/config.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegistryAuth {
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// Base64 `user:password`.
    pub auth: Option<String>,
    /// E-mail (legacy).
    pub email: Option<String>,
    /// Registry address.
    pub server_address: Option<String>,
    /// Identity token.
    pub identity_token: Option<String>,
    /// Registry token.
    pub registry_token: Option<String>,
}

/// Options of a pull.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PullOptions {
    /// Image reference (`nginx`, `nginx:1.25`, `reg:5000/a/b@sha256:…`).
    pub reference: String,
    /// Platform (`linux/amd64`).
    pub platform: Option<String>,
    /// Registry credentials.
    pub auth: Option<RegistryAuth>,
}

/// Options of a push.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PushOptions {
    /// Image reference to push (`repo:tag`).
    pub reference: String,
    /// Registry credentials.
    pub auth: Option<RegistryAuth>,
}

/// A progress message of a pull or push.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProgressEvent {
    /// Layer or image id the message is about.
    pub id: Option<String>,
    /// Status text (`Downloading`, `Pull complete`).
    pub status: Option<String>,
    /// Bytes done.
    pub current: Option<i64>,
    /// Bytes total.
    pub total: Option<i64>,
    /// Rendered progress bar from the engine.
    pub progress: Option<String>,
}

/// Options of an image build from a tar context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildOptions {
    /// Path of the Dockerfile inside the context.
    pub dockerfile: Option<String>,
    /// Tags to apply.
    pub tags: Vec<String>,
    /// Build arguments; `None` values take the engine's environment.
    pub build_args: BTreeMap<String, String>,
    /// Labels to set.
    pub labels: BTreeMap<String, String>,
    /// Target stage.
    pub target: Option<String>,
    /// Do not use the cache.
    pub no_cache: bool,
    /// Always pull base images.
    pub pull: bool,
    /// Images to use as cache sources.
    pub cache_from: Vec<String>,
    /// Network mode for RUN.
    pub network_mode: Option<String>,
    /// Extra hosts for RUN (`host:ip`).
    pub extra_hosts: Vec<String>,
    /// Platform.
    pub platform: Option<String>,
    /// `/dev/shm` size in bytes.
    pub shm_size: Option<i64>,
    /// Isolation.
    pub isolation: Option<String>,
    /// Ulimits as `name=soft:hard`.
    pub ulimits: Vec<String>,
    /// Remove intermediate containers; `None` keeps the engine's default (remove on success).
    pub remove_intermediate: Option<bool>,
    /// Remove intermediate containers even when a step fails (`forcerm`).
    pub force_remove: bool,
    /// Suppress verbose output.
    pub quiet: bool,
    /// Registry credentials by registry address, for base images.
    pub auth: BTreeMap<String, RegistryAuth>,
    /// Memory limit of the build containers, in bytes.
    pub memory: Option<i64>,
    /// A context the engine fetches itself (git repository or tarball URL); the context
    /// stream is then empty.
    pub remote: Option<String>,
}

/// A message of an image build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BuildEvent {
    /// A line of build output.
    Output(String),
    /// Pull-style progress of a base image.
    Progress(ProgressEvent),
    /// The id of the image built.
    ImageId(String),
}
