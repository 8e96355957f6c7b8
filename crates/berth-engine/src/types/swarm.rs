//! Swarm types: services, tasks, nodes, secrets and configs, as `berth stack` needs them.
//!
//! `ServiceSpec` covers what a Compose file can express for a service deployed to a swarm;
//! extend it here (and in `docker::convert`) when `berth-stack` needs another field.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::container::{HealthConfig, Mount, PortProtocol, Ulimit};

/// Desired state of a swarm service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceSpec {
    /// Service name (`stack_web`).
    pub name: String,
    /// Service labels.
    pub labels: BTreeMap<String, String>,
    /// What each task runs.
    pub container: ServiceContainerSpec,
    /// Resource limits and reservations per task.
    pub resources: ServiceResources,
    /// When tasks are restarted.
    pub restart_policy: Option<ServiceRestartPolicy>,
    /// Where tasks may run.
    pub placement: ServicePlacement,
    /// Networks each task is attached to.
    pub networks: Vec<ServiceNetwork>,
    /// Logging driver for tasks.
    pub log_driver: Option<super::container::LogConfig>,
    /// Replicated, global or job.
    pub mode: ServiceMode,
    /// Rolling update behaviour.
    pub update_config: Option<UpdateConfig>,
    /// Rollback behaviour.
    pub rollback_config: Option<UpdateConfig>,
    /// Published ports and load balancing mode.
    pub endpoint: ServiceEndpointSpec,
    /// Bump to force an update even when nothing changed.
    pub force_update: u64,
}

/// The container of a service's tasks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceContainerSpec {
    /// Image.
    pub image: String,
    /// Container labels.
    pub labels: BTreeMap<String, String>,
    /// Entrypoint override.
    pub command: Option<Vec<String>>,
    /// Arguments (the Compose `command`).
    pub args: Option<Vec<String>>,
    /// Hostname.
    pub hostname: Option<String>,
    /// Environment (`KEY=value`).
    pub env: Vec<String>,
    /// Working directory.
    pub dir: Option<String>,
    /// User.
    pub user: Option<String>,
    /// Additional groups.
    pub groups: Vec<String>,
    /// TTY.
    pub tty: bool,
    /// Keep stdin open.
    pub open_stdin: bool,
    /// Read-only root filesystem.
    pub read_only: bool,
    /// Mounts.
    pub mounts: Vec<Mount>,
    /// Stop signal.
    pub stop_signal: Option<String>,
    /// Time between stop signal and kill.
    pub stop_grace_period: Option<Duration>,
    /// Health check.
    pub healthcheck: Option<HealthConfig>,
    /// `/etc/hosts` entries (`ip host`).
    pub hosts: Vec<String>,
    /// DNS servers.
    pub dns_nameservers: Vec<String>,
    /// DNS search domains.
    pub dns_search: Vec<String>,
    /// DNS options.
    pub dns_options: Vec<String>,
    /// Secrets mounted as files.
    pub secrets: Vec<FileReference>,
    /// Configs mounted as files.
    pub configs: Vec<FileReference>,
    /// Run an init process.
    pub init: Option<bool>,
    /// Sysctls.
    pub sysctls: BTreeMap<String, String>,
    /// Capabilities to add.
    pub cap_add: Vec<String>,
    /// Capabilities to drop.
    pub cap_drop: Vec<String>,
    /// Ulimits.
    pub ulimits: Vec<Ulimit>,
    /// Isolation.
    pub isolation: Option<String>,
    /// OOM score adjustment (API >= 1.46).
    pub oom_score_adj: Option<i64>,
    /// Security options of the task's container.
    pub privileges: Option<ServicePrivileges>,
}

/// Security options of a service's containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePrivileges {
    /// Windows credential spec.
    pub credential_spec: Option<CredentialSpec>,
    /// `SELinux` labels.
    pub selinux: Option<SeLinuxContext>,
    /// Seccomp: `default`, `unconfined`, or a custom profile (API >= 1.44).
    pub seccomp: Option<SeccompOption>,
    /// `AppArmor` mode: `default` or `disabled` (API >= 1.44).
    pub apparmor: Option<String>,
    /// Set `no_new_privileges` (API >= 1.44).
    pub no_new_privileges: bool,
}

/// A Windows credential spec: exactly one source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CredentialSpec {
    /// Id of a swarm config holding the spec.
    pub config: Option<String>,
    /// File under the engine's `CredentialSpecs` directory.
    pub file: Option<String>,
    /// Registry value.
    pub registry: Option<String>,
}

/// `SELinux` labels of a task's container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeLinuxContext {
    /// Disable labelling.
    pub disable: bool,
    /// User label.
    pub user: Option<String>,
    /// Role label.
    pub role: Option<String>,
    /// Type label.
    pub kind: Option<String>,
    /// Level label.
    pub level: Option<String>,
}

/// A seccomp setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeccompOption {
    /// `default`, `unconfined` or `custom`.
    pub mode: String,
    /// The JSON profile, for `custom`.
    pub profile: Option<Vec<u8>>,
}

/// A secret or config made available to a task as a file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileReference {
    /// Id of the secret or config.
    pub id: String,
    /// Its name.
    pub name: String,
    /// File name in the container (relative to `/run/secrets` for secrets).
    pub target: String,
    /// Owner uid.
    pub uid: String,
    /// Owner gid.
    pub gid: String,
    /// File mode.
    pub mode: u32,
}

/// Task resources.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceResources {
    /// CPU limit in billionths of a CPU.
    pub limit_nano_cpus: Option<i64>,
    /// Memory limit in bytes.
    pub limit_memory_bytes: Option<i64>,
    /// PID limit.
    pub limit_pids: Option<i64>,
    /// CPU reservation.
    pub reserve_nano_cpus: Option<i64>,
    /// Memory reservation.
    pub reserve_memory_bytes: Option<i64>,
    /// Generic resources reserved (`kind` → count).
    pub reserve_generic: BTreeMap<String, i64>,
}

/// Task restart policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceRestartPolicy {
    /// `none`, `on-failure`, `any`.
    pub condition: Option<String>,
    /// Delay between restarts.
    pub delay: Option<Duration>,
    /// Attempts before giving up (0 unlimited).
    pub max_attempts: Option<u64>,
    /// Window used to evaluate the policy.
    pub window: Option<Duration>,
}

/// Task placement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePlacement {
    /// Constraints (`node.role==manager`).
    pub constraints: Vec<String>,
    /// Spread preferences (`node.labels.zone`).
    pub spread: Vec<String>,
    /// Maximum replicas per node (0 unlimited).
    pub max_replicas: Option<u64>,
    /// Platforms the image runs on, as (architecture, os).
    pub platforms: Vec<(String, String)>,
}

/// A network a service is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceNetwork {
    /// Network name or id.
    pub target: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
}

/// Scheduling mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceMode {
    /// A fixed number of replicas.
    Replicated {
        /// Number of tasks.
        replicas: u64,
    },
    /// One task per node.
    Global,
    /// Run-to-completion tasks.
    ReplicatedJob {
        /// Tasks at once.
        max_concurrent: u64,
        /// Completions needed.
        total_completions: u64,
    },
    /// One run-to-completion task per node.
    GlobalJob,
}

impl Default for ServiceMode {
    fn default() -> Self {
        Self::Replicated { replicas: 1 }
    }
}

/// Rolling update or rollback configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateConfig {
    /// Tasks updated at once (0 all).
    pub parallelism: u64,
    /// Delay between batches.
    pub delay: Option<Duration>,
    /// `continue`, `pause`, `rollback`.
    pub failure_action: Option<String>,
    /// Time to monitor each task for failure.
    pub monitor: Option<Duration>,
    /// Failure rate tolerated.
    pub max_failure_ratio: Option<f64>,
    /// `stop-first` or `start-first`.
    pub order: Option<String>,
}

/// Published ports of a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceEndpointSpec {
    /// `vip` or `dnsrr`.
    pub mode: Option<String>,
    /// Ports.
    pub ports: Vec<ServicePort>,
}

/// A port published by a service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePort {
    /// Name.
    pub name: Option<String>,
    /// Protocol.
    pub protocol: PortProtocol,
    /// Port in the task.
    pub target: u16,
    /// Port on the swarm.
    pub published: Option<u16>,
    /// `ingress` or `host`.
    pub publish_mode: Option<String>,
}

/// A service as the swarm reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServiceDetails {
    /// Id.
    pub id: String,
    /// Version index, required to update.
    pub version: u64,
    /// Creation time.
    pub created_at: String,
    /// Last update time.
    pub updated_at: String,
    /// Current spec.
    pub spec: ServiceSpec,
    /// Ports actually published.
    pub ports: Vec<ServicePort>,
    /// Running tasks (when requested with status).
    pub running_tasks: Option<u64>,
    /// Desired tasks (when requested with status).
    pub desired_tasks: Option<u64>,
    /// State of the last update (`updating`, `completed`, `rollback_completed`, ...).
    pub update_state: Option<String>,
    /// Message of the last update.
    pub update_message: Option<String>,
}

/// A swarm task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskDetails {
    /// Id.
    pub id: String,
    /// Service id.
    pub service_id: String,
    /// Slot of a replicated service.
    pub slot: Option<i64>,
    /// Node id.
    pub node_id: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Desired state.
    pub desired_state: String,
    /// Current state (`running`, `failed`, `shutdown`, ...).
    pub state: String,
    /// Status message.
    pub message: String,
    /// Error.
    pub error: Option<String>,
    /// Container id.
    pub container_id: Option<String>,
    /// Container exit code.
    pub exit_code: Option<i64>,
    /// Status time.
    pub timestamp: String,
    /// Image the task runs.
    pub image: String,
}

/// A swarm node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeDetails {
    /// Id.
    pub id: String,
    /// Host name.
    pub hostname: String,
    /// `manager` or `worker`.
    pub role: String,
    /// `active`, `pause`, `drain`.
    pub availability: String,
    /// `ready`, `down`, ...
    pub state: String,
    /// Address.
    pub addr: String,
    /// Whether this node leads the managers.
    pub leader: bool,
    /// Engine version.
    pub engine_version: String,
    /// Node labels.
    pub labels: BTreeMap<String, String>,
}

/// Options of creating a secret or config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwarmObjectCreate {
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Content.
    pub data: Vec<u8>,
    /// Secret driver (secrets only).
    pub driver: Option<String>,
    /// Templating driver (`golang`).
    pub templating: Option<String>,
}

/// A secret or config as listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SwarmObject {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: String,
    /// Update time.
    pub updated_at: String,
    /// Version index.
    pub version: u64,
    /// Content (configs only; the engine never returns secret data).
    pub data: Option<Vec<u8>>,
}
