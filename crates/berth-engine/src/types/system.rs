//! System types: engine identity (`info`, `version`) and the events stream.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::version::{ApiVersion, Capabilities};

/// What the connected engine is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// The API version in use (negotiated: the lower of client and server).
    pub api_version: ApiVersion,
    /// The highest API version the server speaks.
    pub server_api_version: ApiVersion,
    /// Server version (`20.10.24`, `5.0.0` for Podman).
    pub server_version: String,
    /// Operating system of the daemon (`linux`).
    pub os: String,
    /// Architecture of the daemon (`x86_64`/`amd64`).
    pub arch: String,
    /// Kernel version.
    pub kernel_version: String,
    /// Daemon name (host name of the engine's machine).
    pub name: String,
    /// Whether the engine is Podman.
    pub is_podman: bool,
    /// Swarm state of this node.
    pub swarm: SwarmState,
    /// Node id when part of a swarm.
    pub swarm_node_id: Option<String>,
    /// Whether this node is a swarm manager.
    pub swarm_manager: bool,
    /// Default OCI runtime.
    pub default_runtime: Option<String>,
    /// Runtimes available.
    pub runtimes: Vec<String>,
    /// Storage driver.
    pub storage_driver: String,
    /// Cgroup driver (`cgroupfs`, `systemd`).
    pub cgroup_driver: String,
    /// Cgroup version (`1`, `2`).
    pub cgroup_version: String,
    /// Number of CPUs.
    pub ncpu: i64,
    /// Total memory in bytes.
    pub mem_total: i64,
    /// Daemon labels.
    pub labels: Vec<String>,
    /// Warnings the daemon reported.
    pub warnings: Vec<String>,
}

impl EngineInfo {
    /// The gates derived from the API version and identity.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities::new(self.api_version, self.is_podman)
    }

    /// `os/arch` with the architecture in Go spelling (`linux/amd64`).
    pub fn platform(&self) -> String {
        let arch = match self.arch.as_str() {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        format!("{}/{arch}", self.os)
    }
}

/// Swarm participation of the engine's node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SwarmState {
    /// Not part of a swarm.
    #[default]
    Inactive,
    /// Joining.
    Pending,
    /// Part of a swarm.
    Active,
    /// Failed to join or lost the swarm.
    Error,
    /// Locked (needs an unlock key).
    Locked,
}

impl SwarmState {
    /// Parses the engine's `LocalNodeState`.
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "pending" => Self::Pending,
            "error" => Self::Error,
            "locked" => Self::Locked,
            _ => Self::Inactive,
        }
    }
}

/// Versions of the engine and its components.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EngineVersion {
    /// Server version.
    pub version: String,
    /// Highest API version.
    pub api_version: String,
    /// Lowest API version.
    pub min_api_version: String,
    /// Operating system.
    pub os: String,
    /// Architecture.
    pub arch: String,
    /// Kernel version.
    pub kernel_version: String,
    /// Go version.
    pub go_version: String,
    /// Git commit.
    pub git_commit: String,
    /// Platform name (`Docker Engine - Community`).
    pub platform_name: String,
    /// Components (`Engine`, `containerd`, `runc`, `Podman Engine`) and their versions.
    pub components: BTreeMap<String, String>,
}

impl EngineVersion {
    /// Whether these versions describe Podman.
    pub fn is_podman(&self) -> bool {
        self.platform_name.to_ascii_lowercase().contains("podman")
            || self.components.keys().any(|k| k.to_ascii_lowercase().contains("podman"))
    }
}

/// Kinds of objects events are about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// Container.
    Container,
    /// Image.
    Image,
    /// Network.
    Network,
    /// Volume.
    Volume,
    /// Daemon.
    Daemon,
    /// Plugin.
    Plugin,
    /// Swarm service.
    Service,
    /// Swarm node.
    Node,
    /// Swarm secret.
    Secret,
    /// Swarm config.
    Config,
    /// Builder.
    Builder,
    /// Anything newer.
    Other(String),
}

impl EventKind {
    /// Parses the engine's `Type`.
    pub fn parse(s: &str) -> Self {
        match s {
            "container" => Self::Container,
            "image" => Self::Image,
            "network" => Self::Network,
            "volume" => Self::Volume,
            "daemon" => Self::Daemon,
            "plugin" => Self::Plugin,
            "service" => Self::Service,
            "node" => Self::Node,
            "secret" => Self::Secret,
            "config" => Self::Config,
            "builder" => Self::Builder,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The engine's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Container => "container",
            Self::Image => "image",
            Self::Network => "network",
            Self::Volume => "volume",
            Self::Daemon => "daemon",
            Self::Plugin => "plugin",
            Self::Service => "service",
            Self::Node => "node",
            Self::Secret => "secret",
            Self::Config => "config",
            Self::Builder => "builder",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One engine event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineEvent {
    /// Kind of object.
    pub kind: EventKind,
    /// Action as the engine spells it (`start`, `die`, `health_status: healthy`,
    /// `exec_start: sh -c ...`).
    pub action: String,
    /// Object id.
    pub actor_id: String,
    /// Attributes: a container's labels plus `name`, `image`, `exitCode`, `signal`, ...
    pub attributes: BTreeMap<String, String>,
    /// Time in nanoseconds since the Unix epoch.
    pub time_nano: i64,
}

impl EngineEvent {
    /// Time in whole seconds since the Unix epoch.
    pub fn time(&self) -> i64 {
        self.time_nano.div_euclid(1_000_000_000)
    }

    /// The action without its detail (`health_status: healthy` → `health_status`).
    pub fn action_name(&self) -> &str {
        self.action.split_once(':').map_or(self.action.as_str(), |(a, _)| a)
    }

    /// The health status carried by a `health_status` event.
    pub fn health_status(&self) -> Option<crate::HealthStatus> {
        let (name, status) = self.action.split_once(':')?;
        if name != "health_status" {
            return None;
        }
        status.trim().parse().ok()
    }

    /// The exit code carried by a `die` event.
    pub fn exit_code(&self) -> Option<i64> {
        self.attributes.get("exitCode")?.parse().ok()
    }
}

/// Options of the events stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventOptions {
    /// Replay events from this time (unix seconds).
    pub since: Option<i64>,
    /// Stop at this time (unix seconds).
    pub until: Option<i64>,
    /// Filters (`type`, `event`, `label`, `container`, `image`, `network`, `volume`).
    pub filters: crate::Filters,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_and_exit_code() {
        let mut e = EngineEvent {
            kind: EventKind::Container,
            action: "health_status: healthy".into(),
            actor_id: "x".into(),
            attributes: BTreeMap::new(),
            time_nano: 1_700_000_000_500_000_000,
        };
        assert_eq!(e.health_status(), Some(crate::HealthStatus::Healthy));
        assert_eq!(e.action_name(), "health_status");
        assert_eq!(e.time(), 1_700_000_000);
        e.action = "die".into();
        e.attributes.insert("exitCode".into(), "3".into());
        assert_eq!(e.exit_code(), Some(3));
        assert_eq!(e.health_status(), None);
    }

    #[test]
    fn kinds_round_trip() {
        for s in ["container", "image", "network", "volume", "service", "weird"] {
            assert_eq!(EventKind::parse(s).as_str(), s);
        }
    }
}
