//! Container types: what is sent to create one, what inspect and list give back, and the
//! options of the per-container calls (stop, kill, remove, logs, attach, exec, archive).
//!
//! They mirror the Engine API's `Config` / `HostConfig` / `NetworkingConfig` split because that
//! is how Compose builds a container, and inspect returns the same three so the reconciler can
//! compare what it asked for with what exists. Maps are `BTreeMap` so output is stable.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Everything needed to create a container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerCreate {
    /// Container name (`lab-web-1`); the engine picks one when `None`.
    pub name: Option<String>,
    /// Platform to select the image variant (`linux/arm64`).
    pub platform: Option<String>,
    /// Process and image configuration (`Config`).
    pub config: ContainerConfig,
    /// Host-side configuration (`HostConfig`).
    pub host_config: HostConfig,
    /// Networks to attach to, in priority order: the first entry is the primary network.
    pub networking: NetworkingConfig,
}

/// The `Config` part of a container: the process, its environment and metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerConfig {
    /// Image reference the container runs.
    pub image: String,
    /// Hostname inside the container.
    pub hostname: Option<String>,
    /// Domain name inside the container.
    pub domainname: Option<String>,
    /// User (and group) the process runs as.
    pub user: Option<String>,
    /// Attach stdin when started through attach.
    pub attach_stdin: bool,
    /// Attach stdout.
    pub attach_stdout: bool,
    /// Attach stderr.
    pub attach_stderr: bool,
    /// Ports the container exposes (`EXPOSE`, `expose:`).
    pub exposed_ports: Vec<ContainerPort>,
    /// Allocate a pseudo-TTY.
    pub tty: bool,
    /// Keep stdin open (`stdin_open`).
    pub open_stdin: bool,
    /// Close stdin after the first attach disconnects.
    pub stdin_once: bool,
    /// Environment as `KEY=value` entries.
    pub env: Vec<String>,
    /// Command; `None` keeps the image's.
    pub cmd: Option<Vec<String>>,
    /// Entrypoint; `None` keeps the image's, `Some(vec![])` resets it.
    pub entrypoint: Option<Vec<String>>,
    /// Health check; `None` keeps the image's.
    pub healthcheck: Option<HealthConfig>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Anonymous volume targets declared by the container (`Config.Volumes`).
    pub volumes: Vec<String>,
    /// Disable networking entirely.
    pub network_disabled: bool,
    /// Container-wide MAC address (API < 1.44; newer engines take it per endpoint).
    pub mac_address: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Signal sent by stop.
    pub stop_signal: Option<String>,
    /// Seconds to wait after the stop signal before killing.
    pub stop_timeout: Option<i64>,
    /// Shell for shell-form commands.
    pub shell: Option<Vec<String>>,
}

/// A container port with its protocol, the key of port maps (`80/tcp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ContainerPort {
    /// Port number.
    pub port: u16,
    /// Protocol.
    pub protocol: PortProtocol,
}

impl ContainerPort {
    /// A TCP port.
    pub fn tcp(port: u16) -> Self {
        Self { port, protocol: PortProtocol::Tcp }
    }

    /// A UDP port.
    pub fn udp(port: u16) -> Self {
        Self { port, protocol: PortProtocol::Udp }
    }
}

impl fmt::Display for ContainerPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

impl FromStr for ContainerPort {
    type Err = String;

    /// Parses `80`, `80/tcp`, `53/udp`, `9/sctp`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (num, proto) = s.split_once('/').unwrap_or((s, "tcp"));
        let port = num.parse::<u16>().map_err(|_| format!("invalid port {s:?}"))?;
        let protocol = proto.parse()?;
        Ok(Self { port, protocol })
    }
}

/// Transport protocol of a port.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortProtocol {
    /// TCP (the default).
    #[default]
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl fmt::Display for PortProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Sctp => "sctp",
        })
    }
}

impl FromStr for PortProtocol {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "" | "tcp" => Ok(Self::Tcp),
            "udp" => Ok(Self::Udp),
            "sctp" => Ok(Self::Sctp),
            other => Err(format!("invalid protocol {other:?}")),
        }
    }
}

/// A host side of a published port.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct PortBinding {
    /// Host address (`127.0.0.1`, `::`); `None` for all.
    pub host_ip: Option<String>,
    /// Host port or range (`8080`, `8000-8010`); `None` lets the engine choose.
    pub host_port: Option<String>,
}

/// Health check configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthConfig {
    /// `["NONE"]`, `["CMD", ...]`, `["CMD-SHELL", "..."]`; empty inherits the image's.
    pub test: Vec<String>,
    /// Time between checks.
    pub interval: Option<Duration>,
    /// Time a check may take.
    pub timeout: Option<Duration>,
    /// Consecutive failures before unhealthy.
    pub retries: Option<i64>,
    /// Grace period during which failures do not count.
    pub start_period: Option<Duration>,
    /// Time between checks during the start period (API >= 1.44).
    pub start_interval: Option<Duration>,
}

/// The `HostConfig` part of a container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostConfig {
    /// Bind strings (`/host:/ctr:ro`, `volume:/data`).
    pub binds: Vec<String>,
    /// Structured mounts.
    pub mounts: Vec<Mount>,
    /// tmpfs mounts by target with their options string (`size=64m,mode=1777`).
    pub tmpfs: BTreeMap<String, String>,
    /// Containers whose volumes to mount (`name[:ro|rw]`).
    pub volumes_from: Vec<String>,
    /// Default driver for volumes the container creates.
    pub volume_driver: Option<String>,
    /// `bridge`, `host`, `none`, `container:<id>`, `service:` is resolved above, or a network name.
    pub network_mode: Option<String>,
    /// Published ports.
    pub port_bindings: BTreeMap<ContainerPort, Vec<PortBinding>>,
    /// Publish every exposed port to a random host port.
    pub publish_all_ports: bool,
    /// Legacy links (`container:alias`).
    pub links: Vec<String>,
    /// DNS servers.
    pub dns: Vec<String>,
    /// DNS search domains.
    pub dns_search: Vec<String>,
    /// DNS resolver options.
    pub dns_options: Vec<String>,
    /// `/etc/hosts` additions (`host:ip`).
    pub extra_hosts: Vec<String>,
    /// Restart policy.
    pub restart_policy: Option<RestartPolicy>,
    /// Remove the container when it exits.
    pub auto_remove: bool,
    /// Run an init process as PID 1.
    pub init: Option<bool>,
    /// Extended privileges.
    pub privileged: bool,
    /// Read-only root filesystem.
    pub readonly_rootfs: bool,
    /// Capabilities to add.
    pub cap_add: Vec<String>,
    /// Capabilities to drop.
    pub cap_drop: Vec<String>,
    /// Host devices.
    pub devices: Vec<DeviceMapping>,
    /// Device cgroup rules (`c 1:3 mr`).
    pub device_cgroup_rules: Vec<String>,
    /// Device requests (GPUs).
    pub device_requests: Vec<DeviceRequest>,
    /// Namespaced kernel parameters.
    pub sysctls: BTreeMap<String, String>,
    /// Resource limits (`nofile`).
    pub ulimits: Vec<Ulimit>,
    /// Security options (`seccomp=unconfined`, `label=...`).
    pub security_opt: Vec<String>,
    /// Size of `/dev/shm` in bytes.
    pub shm_size: Option<i64>,
    /// PID namespace (`host`, `container:<id>`).
    pub pid_mode: Option<String>,
    /// IPC namespace (`shareable`, `host`, `container:<id>`).
    pub ipc_mode: Option<String>,
    /// UTS namespace (`host`).
    pub uts_mode: Option<String>,
    /// Cgroup namespace mode (`host`, `private`) — Compose's `cgroup:`.
    pub cgroupns_mode: Option<String>,
    /// Cgroup to run in (`HostConfig.Cgroup`).
    pub cgroup: Option<String>,
    /// Parent cgroup.
    pub cgroup_parent: Option<String>,
    /// User namespace mode (`host`).
    pub userns_mode: Option<String>,
    /// Logging driver and its options.
    pub log_config: Option<LogConfig>,
    /// Memory, CPU, PID and block-IO limits.
    pub resources: Resources,
    /// Additional groups.
    pub group_add: Vec<String>,
    /// Storage driver options (`size=10G`).
    pub storage_opt: BTreeMap<String, String>,
    /// OCI runtime (`runc`, `runsc`).
    pub runtime: Option<String>,
    /// Isolation technology (`default`, `process`, `hyperv`).
    pub isolation: Option<String>,
    /// OCI annotations (API >= 1.43).
    pub annotations: BTreeMap<String, String>,
    /// OOM score adjustment.
    pub oom_score_adj: Option<i64>,
    /// Paths masked inside the container.
    pub masked_paths: Option<Vec<String>>,
    /// Paths made read-only inside the container.
    pub readonly_paths: Option<Vec<String>>,
    /// Initial console size `(height, width)`.
    pub console_size: Option<(u16, u16)>,
}

/// Resource limits of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Resources {
    /// Memory limit in bytes.
    pub memory: Option<i64>,
    /// Memory soft limit in bytes.
    pub memory_reservation: Option<i64>,
    /// Memory + swap limit in bytes (-1 unlimited).
    pub memory_swap: Option<i64>,
    /// Swappiness 0-100.
    pub memory_swappiness: Option<i64>,
    /// Disable the OOM killer.
    pub oom_kill_disable: Option<bool>,
    /// Relative CPU weight.
    pub cpu_shares: Option<i64>,
    /// CFS period in microseconds.
    pub cpu_period: Option<i64>,
    /// CFS quota in microseconds.
    pub cpu_quota: Option<i64>,
    /// CPU limit in billionths of a CPU (`cpus: 1.5` → 1.5e9).
    pub nano_cpus: Option<i64>,
    /// CPUs allowed (`0-3`, `0,1`).
    pub cpuset_cpus: Option<String>,
    /// Memory nodes allowed.
    pub cpuset_mems: Option<String>,
    /// Real-time period in microseconds.
    pub cpu_realtime_period: Option<i64>,
    /// Real-time runtime in microseconds.
    pub cpu_realtime_runtime: Option<i64>,
    /// CPU count (Windows).
    pub cpu_count: Option<i64>,
    /// CPU percent (Windows).
    pub cpu_percent: Option<i64>,
    /// PID limit (-1 or 0 unlimited).
    pub pids_limit: Option<i64>,
    /// Block IO weight 10-1000.
    pub blkio_weight: Option<u16>,
    /// Per-device block IO weight.
    pub blkio_weight_device: Vec<WeightDevice>,
    /// Per-device read rate in bytes per second.
    pub blkio_device_read_bps: Vec<ThrottleDevice>,
    /// Per-device write rate in bytes per second.
    pub blkio_device_write_bps: Vec<ThrottleDevice>,
    /// Per-device read rate in IO per second.
    pub blkio_device_read_iops: Vec<ThrottleDevice>,
    /// Per-device write rate in IO per second.
    pub blkio_device_write_iops: Vec<ThrottleDevice>,
}

/// A block device weight.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightDevice {
    /// Device path.
    pub path: String,
    /// Weight.
    pub weight: u16,
}

/// A block device rate limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleDevice {
    /// Device path.
    pub path: String,
    /// Rate (bytes or operations per second).
    pub rate: i64,
}

/// A host device made available in the container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceMapping {
    /// Path on the host.
    pub path_on_host: String,
    /// Path in the container.
    pub path_in_container: String,
    /// Cgroup permissions (`rwm`).
    pub cgroup_permissions: String,
}

/// A request for devices from a driver (GPUs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceRequest {
    /// Driver (`nvidia`).
    pub driver: Option<String>,
    /// Number of devices (-1 all).
    pub count: Option<i64>,
    /// Specific device ids.
    pub device_ids: Vec<String>,
    /// Capability sets, any of which must match (`[["gpu"]]`).
    pub capabilities: Vec<Vec<String>>,
    /// Driver options.
    pub options: BTreeMap<String, String>,
}

/// A ulimit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ulimit {
    /// Name (`nofile`).
    pub name: String,
    /// Soft limit.
    pub soft: i64,
    /// Hard limit.
    pub hard: i64,
}

/// Restart policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestartPolicy {
    /// Policy name.
    pub name: RestartPolicyName,
    /// Retries for `on-failure`.
    pub maximum_retry_count: Option<i64>,
}

/// Restart policy names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicyName {
    /// Never restart.
    #[default]
    No,
    /// Always restart.
    Always,
    /// Restart unless explicitly stopped.
    UnlessStopped,
    /// Restart on non-zero exit.
    OnFailure,
}

impl RestartPolicyName {
    /// The engine's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::Always => "always",
            Self::UnlessStopped => "unless-stopped",
            Self::OnFailure => "on-failure",
        }
    }
}

impl FromStr for RestartPolicyName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "no" => Ok(Self::No),
            "always" => Ok(Self::Always),
            "unless-stopped" => Ok(Self::UnlessStopped),
            "on-failure" => Ok(Self::OnFailure),
            other => Err(format!("invalid restart policy {other:?}")),
        }
    }
}

/// Logging driver configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogConfig {
    /// Driver (`json-file`, `local`, `none`).
    pub driver: String,
    /// Driver options.
    pub options: BTreeMap<String, String>,
}

/// A structured mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mount {
    /// Mount type.
    pub kind: MountKind,
    /// Host path (bind), volume name (volume), empty for tmpfs and anonymous volumes.
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    /// Mount read-only.
    pub read_only: bool,
    /// Consistency hint (`cached`, `delegated`), ignored on Linux.
    pub consistency: Option<String>,
    /// Bind options.
    pub bind: Option<BindOptions>,
    /// Volume options.
    pub volume: Option<VolumeMountOptions>,
    /// tmpfs options.
    pub tmpfs: Option<TmpfsOptions>,
}

/// Mount types.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A host path.
    Bind,
    /// A named or anonymous volume.
    #[default]
    Volume,
    /// A tmpfs.
    Tmpfs,
    /// A Windows named pipe.
    Npipe,
    /// A cluster volume.
    Cluster,
    /// An image mounted read-only.
    Image,
}

impl MountKind {
    /// The engine's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bind => "bind",
            Self::Volume => "volume",
            Self::Tmpfs => "tmpfs",
            Self::Npipe => "npipe",
            Self::Cluster => "cluster",
            Self::Image => "image",
        }
    }
}

impl FromStr for MountKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bind" => Ok(Self::Bind),
            "volume" => Ok(Self::Volume),
            "tmpfs" => Ok(Self::Tmpfs),
            "npipe" => Ok(Self::Npipe),
            "cluster" => Ok(Self::Cluster),
            "image" => Ok(Self::Image),
            other => Err(format!("invalid mount type {other:?}")),
        }
    }
}

/// Options of a bind mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BindOptions {
    /// Propagation (`rprivate`, `shared`, ...).
    pub propagation: Option<String>,
    /// Do not bind submounts.
    pub non_recursive: bool,
    /// Create the host path when missing.
    pub create_mountpoint: bool,
}

/// Options of a volume mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeMountOptions {
    /// Do not copy image content into a new volume.
    pub no_copy: bool,
    /// Labels for a volume created by this mount.
    pub labels: BTreeMap<String, String>,
    /// Driver for a volume created by this mount.
    pub driver: Option<String>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Path inside the volume to mount (API >= 1.45).
    pub subpath: Option<String>,
}

/// Options of a tmpfs mount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TmpfsOptions {
    /// Size in bytes.
    pub size_bytes: Option<i64>,
    /// File mode (octal value as a number, e.g. `0o1777`).
    pub mode: Option<u32>,
    /// Extra mount options as `[name]` or `[name, value]`.
    pub options: Vec<Vec<String>>,
}

/// Networks to attach at creation, in priority order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkingConfig {
    /// Endpoint configuration by network name; the first is the primary network.
    pub endpoints: IndexMap<String, EndpointConfig>,
}

/// How a container is attached to one network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointConfig {
    /// DNS aliases on this network.
    pub aliases: Vec<String>,
    /// Static IPv4 address.
    pub ipv4_address: Option<String>,
    /// Static IPv6 address.
    pub ipv6_address: Option<String>,
    /// Link-local addresses.
    pub link_local_ips: Vec<String>,
    /// MAC address on this network (API >= 1.44).
    pub mac_address: Option<String>,
    /// Legacy links on this network.
    pub links: Vec<String>,
    /// Driver options for the endpoint.
    pub driver_opts: BTreeMap<String, String>,
    /// Gateway priority (API >= 1.48).
    pub gw_priority: Option<i64>,
}

/// Options of a container listing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerListOptions {
    /// Include stopped containers.
    pub all: bool,
    /// Filters (`label`, `name`, `id`, `status`, `network`, ...).
    pub filters: crate::Filters,
}

/// A container as listed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerSummary {
    /// Full id.
    pub id: String,
    /// Names without the leading `/`.
    pub names: Vec<String>,
    /// Image as given at creation.
    pub image: String,
    /// Image id.
    pub image_id: String,
    /// Command line.
    pub command: String,
    /// Creation time (unix seconds).
    pub created: i64,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// State.
    pub state: ContainerStatus,
    /// Human status (`Up 3 minutes (healthy)`).
    pub status: String,
    /// Ports, exposed and published.
    pub ports: Vec<PortSummary>,
    /// Network mode.
    pub network_mode: Option<String>,
    /// Attached networks by name.
    pub networks: BTreeMap<String, EndpointState>,
    /// Mounts.
    pub mounts: Vec<MountPoint>,
}

impl ContainerSummary {
    /// The first name, which is the container's own name.
    pub fn name(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }
}

/// A port as listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(default)]
pub struct PortSummary {
    /// Host address of a published port.
    pub ip: Option<String>,
    /// Container port.
    pub private_port: u16,
    /// Host port when published.
    pub public_port: Option<u16>,
    /// Protocol.
    pub protocol: PortProtocol,
}

/// Container states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerStatus {
    /// Created, never started.
    #[default]
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Restarting.
    Restarting,
    /// Being removed.
    Removing,
    /// Exited.
    Exited,
    /// Dead (removal failed).
    Dead,
}

impl ContainerStatus {
    /// The engine's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Removing => "removing",
            Self::Exited => "exited",
            Self::Dead => "dead",
        }
    }
}

impl fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContainerStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "created" => Ok(Self::Created),
            "running" => Ok(Self::Running),
            "paused" => Ok(Self::Paused),
            "restarting" => Ok(Self::Restarting),
            "removing" => Ok(Self::Removing),
            "exited" => Ok(Self::Exited),
            "dead" => Ok(Self::Dead),
            other => Err(format!("invalid container state {other:?}")),
        }
    }
}

/// Health states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    /// No health check.
    #[default]
    None,
    /// Within the start period, no success yet.
    Starting,
    /// Last checks succeeded.
    Healthy,
    /// Retries exhausted.
    Unhealthy,
}

impl HealthStatus {
    /// The engine's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starting => "starting",
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
        }
    }
}

impl FromStr for HealthStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "" | "none" => Ok(Self::None),
            "starting" => Ok(Self::Starting),
            "healthy" => Ok(Self::Healthy),
            "unhealthy" => Ok(Self::Unhealthy),
            other => Err(format!("invalid health status {other:?}")),
        }
    }
}

/// A container as inspected.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerDetails {
    /// Full id.
    pub id: String,
    /// Name without the leading `/`.
    pub name: String,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Image id the container was created from.
    pub image_id: String,
    /// Executable run.
    pub path: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Runtime state.
    pub state: ContainerState,
    /// Restarts performed by the restart policy.
    pub restart_count: i64,
    /// Platform (`linux`).
    pub platform: Option<String>,
    /// Configuration after merging with the image's.
    pub config: ContainerConfig,
    /// Host configuration.
    pub host_config: HostConfig,
    /// Network attachments and published ports.
    pub network_settings: NetworkSettings,
    /// Mounts.
    pub mounts: Vec<MountPoint>,
}

/// Runtime state of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerState {
    /// State.
    pub status: ContainerStatus,
    /// Running (also true when paused).
    pub running: bool,
    /// Paused.
    pub paused: bool,
    /// Restarting.
    pub restarting: bool,
    /// Killed by the OOM killer.
    pub oom_killed: bool,
    /// Dead.
    pub dead: bool,
    /// Process id on the host.
    pub pid: i64,
    /// Last exit code.
    pub exit_code: i64,
    /// Last error.
    pub error: String,
    /// Last start (RFC 3339).
    pub started_at: String,
    /// Last exit (RFC 3339).
    pub finished_at: String,
    /// Health, when the container has a health check.
    pub health: Option<Health>,
}

/// Health of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Health {
    /// Status.
    pub status: HealthStatus,
    /// Consecutive failures.
    pub failing_streak: i64,
    /// Latest check results.
    pub log: Vec<HealthLogEntry>,
}

/// One health check run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthLogEntry {
    /// Start (RFC 3339).
    pub start: String,
    /// End (RFC 3339).
    pub end: String,
    /// Exit code (0 healthy, 1 unhealthy).
    pub exit_code: i64,
    /// Output.
    pub output: String,
}

/// Network attachments of a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkSettings {
    /// Endpoints by network name.
    pub networks: BTreeMap<String, EndpointState>,
    /// Port map; a port with an empty list is exposed but not published.
    pub ports: BTreeMap<ContainerPort, Vec<PortBinding>>,
    /// Network sandbox path.
    pub sandbox_key: Option<String>,
}

/// A container's endpoint on one network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointState {
    /// Network id.
    pub network_id: String,
    /// Endpoint id.
    pub endpoint_id: String,
    /// Aliases.
    pub aliases: Vec<String>,
    /// DNS names the container answers to on this network.
    pub dns_names: Vec<String>,
    /// Links.
    pub links: Vec<String>,
    /// IPv4 address.
    pub ip_address: Option<String>,
    /// IPv4 prefix length.
    pub ip_prefix_len: Option<i64>,
    /// IPv4 gateway.
    pub gateway: Option<String>,
    /// IPv6 address.
    pub global_ipv6_address: Option<String>,
    /// IPv6 gateway.
    pub ipv6_gateway: Option<String>,
    /// MAC address.
    pub mac_address: Option<String>,
    /// Configured static addresses.
    pub ipam: Option<EndpointIpam>,
    /// Driver options.
    pub driver_opts: BTreeMap<String, String>,
    /// Gateway priority.
    pub gw_priority: Option<i64>,
}

/// Static addresses requested for an endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointIpam {
    /// IPv4 address.
    pub ipv4_address: Option<String>,
    /// IPv6 address.
    pub ipv6_address: Option<String>,
    /// Link-local addresses.
    pub link_local_ips: Vec<String>,
}

/// A mount as seen on a container.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MountPoint {
    /// Type.
    pub kind: MountKind,
    /// Volume name for volumes.
    pub name: Option<String>,
    /// Host path.
    pub source: String,
    /// Path in the container.
    pub destination: String,
    /// Volume driver.
    pub driver: Option<String>,
    /// Mode string (`z`, `ro`).
    pub mode: String,
    /// Writable.
    pub rw: bool,
    /// Propagation.
    pub propagation: String,
}

/// Options of stop and restart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StopOptions {
    /// Seconds to wait before killing; `None` uses the container's `stop_timeout`.
    pub timeout: Option<i64>,
    /// Signal to send instead of the container's stop signal (API >= 1.42).
    pub signal: Option<String>,
}

/// Options of remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RemoveOptions {
    /// Kill a running container first.
    pub force: bool,
    /// Remove anonymous volumes too.
    pub volumes: bool,
    /// Remove a link instead of the container.
    pub link: bool,
}

/// When `wait` returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WaitCondition {
    /// As soon as the container is not running (immediately when already stopped).
    #[default]
    NotRunning,
    /// At the next exit after the call.
    NextExit,
    /// When the container is removed.
    Removed,
}

impl WaitCondition {
    /// The engine's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotRunning => "not-running",
            Self::NextExit => "next-exit",
            Self::Removed => "removed",
        }
    }
}

/// Result of `wait`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitResult {
    /// Exit code of the container.
    pub status_code: i64,
    /// Error the engine reported while waiting.
    pub error: Option<String>,
}

/// Options of `logs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogsOptions {
    /// Keep streaming new output.
    pub follow: bool,
    /// Include stdout.
    pub stdout: bool,
    /// Include stderr.
    pub stderr: bool,
    /// Only output after this unix time (seconds).
    pub since: Option<i64>,
    /// Only output before this unix time (seconds).
    pub until: Option<i64>,
    /// Prefix each line with an RFC 3339 timestamp.
    pub timestamps: bool,
    /// Only the last `n` lines; `None` for all.
    pub tail: Option<u64>,
}

impl Default for LogsOptions {
    fn default() -> Self {
        Self {
            follow: false,
            stdout: true,
            stderr: true,
            since: None,
            until: None,
            timestamps: false,
            tail: None,
        }
    }
}

/// Which stream a chunk of output came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputStream {
    /// Standard input (echoed by attach).
    Stdin,
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
    /// A TTY, where stdout and stderr are merged.
    Console,
}

/// A chunk of container output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFrame {
    /// Which stream.
    pub stream: OutputStream,
    /// The bytes (often a line, but not necessarily).
    pub data: bytes::Bytes,
}

impl LogFrame {
    /// A frame on `stream`.
    pub fn new(stream: OutputStream, data: impl Into<bytes::Bytes>) -> Self {
        Self { stream, data: data.into() }
    }
}

/// Options of `attach`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachOptions {
    /// Send stdin.
    pub stdin: bool,
    /// Receive stdout.
    pub stdout: bool,
    /// Receive stderr.
    pub stderr: bool,
    /// Replay the existing logs first.
    pub logs: bool,
    /// Keep streaming.
    pub stream: bool,
    /// Detach key sequence (`ctrl-p,ctrl-q`).
    pub detach_keys: Option<String>,
}

/// Configuration of an exec instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecConfig {
    /// Command and arguments.
    pub cmd: Vec<String>,
    /// Extra environment (`KEY=value`).
    pub env: Vec<String>,
    /// User.
    pub user: Option<String>,
    /// Working directory.
    pub working_dir: Option<String>,
    /// Extended privileges.
    pub privileged: bool,
    /// Allocate a TTY.
    pub tty: bool,
    /// Attach stdin.
    pub attach_stdin: bool,
    /// Attach stdout.
    pub attach_stdout: bool,
    /// Attach stderr.
    pub attach_stderr: bool,
    /// Detach key sequence.
    pub detach_keys: Option<String>,
}

/// Options of starting an exec instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecStartOptions {
    /// Return immediately without streams.
    pub detach: bool,
    /// Allocate a TTY (must match the exec's config).
    pub tty: bool,
    /// Initial console size `(height, width)`.
    pub console_size: Option<(u16, u16)>,
}

/// An exec instance as inspected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecDetails {
    /// Exec id.
    pub id: String,
    /// Container id.
    pub container_id: String,
    /// Still running.
    pub running: bool,
    /// Exit code once finished.
    pub exit_code: Option<i64>,
    /// Host process id.
    pub pid: Option<i64>,
    /// Whether the exec was created with stdin attached.
    pub open_stdin: bool,
}

/// A process listing (`top`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TopResult {
    /// Column titles (`UID`, `PID`, ...).
    pub titles: Vec<String>,
    /// One row per process.
    pub processes: Vec<Vec<String>>,
}

/// One resource usage sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerStats {
    /// Container id.
    pub id: String,
    /// Container name.
    pub name: String,
    /// Sample time (RFC 3339).
    pub read: String,
    /// CPU usage in percent of one CPU times the online CPUs, as `docker stats` shows it.
    pub cpu_percent: f64,
    /// Memory in use (bytes, cache excluded).
    pub memory_usage: u64,
    /// Memory limit (bytes).
    pub memory_limit: u64,
    /// Bytes received over all networks.
    pub net_rx_bytes: u64,
    /// Bytes sent over all networks.
    pub net_tx_bytes: u64,
    /// Bytes read from block devices.
    pub block_read_bytes: u64,
    /// Bytes written to block devices.
    pub block_write_bytes: u64,
    /// Number of processes.
    pub pids: u64,
}

/// A file's metadata inside a container (archive head).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PathStat {
    /// Base name.
    pub name: String,
    /// Size in bytes.
    pub size: i64,
    /// Go `FileMode` bits (directory bit is `1 << 31`).
    pub mode: u32,
    /// Modification time (RFC 3339).
    pub mtime: String,
    /// Symlink target.
    pub link_target: String,
}

/// Options of archive put.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ArchivePutOptions {
    /// Fail when extracting would replace a directory with a non-directory or vice versa.
    pub no_overwrite_dir_non_dir: bool,
    /// Copy uid/gid from the archive.
    pub copy_uid_gid: bool,
}

/// A published port mapping as `port` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortMapping {
    /// Container port.
    pub container: ContainerPort,
    /// Host address.
    pub host_ip: String,
    /// Host port.
    pub host_port: String,
}

impl Default for ContainerPort {
    fn default() -> Self {
        Self::tcp(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_round_trip() {
        let p: ContainerPort = "53/udp".parse().unwrap();
        assert_eq!(p, ContainerPort::udp(53));
        assert_eq!(p.to_string(), "53/udp");
        assert_eq!("80".parse::<ContainerPort>().unwrap().to_string(), "80/tcp");
        assert!("x/tcp".parse::<ContainerPort>().is_err());
        assert!("80/icmp".parse::<ContainerPort>().is_err());
        assert!("70000".parse::<ContainerPort>().is_err());
    }

    #[test]
    fn names_round_trip() {
        for s in ["no", "always", "unless-stopped", "on-failure"] {
            assert_eq!(s.parse::<RestartPolicyName>().unwrap().as_str(), s);
        }
        for s in ["bind", "volume", "tmpfs", "npipe", "cluster", "image"] {
            assert_eq!(s.parse::<MountKind>().unwrap().as_str(), s);
        }
        for s in ["created", "running", "paused", "restarting", "removing", "exited", "dead"] {
            assert_eq!(s.parse::<ContainerStatus>().unwrap().as_str(), s);
        }
    }
}
