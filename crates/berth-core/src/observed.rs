//! What exists on the engine, in berth-core's own terms: the containers, networks, volumes and
//! images the reconciler compares with the desired state.
//!
//! These types do not depend on berth-engine: `observe.rs` converts the engine's label-filtered
//! listings into them, and reconciler tests build them by hand. Everything the reconciler reads
//! from a container's `com.docker.compose.*` labels is decoded once, here
//! ([`ObservedContainer::from_labels`]), so the label contract lives in one place.

use std::collections::BTreeMap;
use std::fmt;

use crate::labels;

/// A snapshot of one project's resources on the engine.
///
/// `containers` are the project's containers (`com.docker.compose.project=<name>`, stopped ones
/// included, one-off `run` containers included: the reconciler filters them itself as Docker
/// Compose does). `networks` and `volumes` hold the project's labelled ones *and* any resource
/// whose name a desired network or volume uses (external ones included), because Docker Compose
/// looks networks and volumes up by name. `images` hold the images labelled with the project and
/// the service images found by name (only `down --rmi` reads them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedState {
    /// The project's containers.
    pub containers: Vec<ObservedContainer>,
    /// Networks of the project, and networks found by a desired network's name.
    pub networks: Vec<ObservedNetwork>,
    /// Volumes of the project, and volumes found by a desired volume's name.
    pub volumes: Vec<ObservedVolume>,
    /// Images of the project, and service images found by name.
    pub images: Vec<ObservedImage>,
    /// True when the engine is a Swarm node: an external network that cannot be found is then
    /// not an error, as overlay networks of other nodes are only visible once in use.
    pub swarm_active: bool,
}

/// The lifecycle state of a container, as the engine reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Exited,
    Removing,
    Dead,
    /// A state this version does not know, kept verbatim.
    Other(String),
}

impl ContainerState {
    /// Parses the engine's state word (`running`, `exited`, ...); unknown words are kept.
    pub fn parse(state: &str) -> Self {
        match state {
            "created" => Self::Created,
            "running" => Self::Running,
            "paused" => Self::Paused,
            "restarting" => Self::Restarting,
            "exited" => Self::Exited,
            "removing" => Self::Removing,
            "dead" => Self::Dead,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The engine's word for the state.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Restarting => "restarting",
            Self::Exited => "exited",
            Self::Removing => "removing",
            Self::Dead => "dead",
            Self::Other(other) => other,
        }
    }

    /// True for the states in which the engine reports the process as running (`State.Running`):
    /// running, paused and restarting.
    pub fn is_running_process(&self) -> bool {
        matches!(self, Self::Running | Self::Paused | Self::Restarting)
    }
}

impl fmt::Display for ContainerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One container of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedContainer {
    /// Full container id.
    pub id: String,
    /// Canonical name, without the leading `/`.
    pub name: String,
    /// `com.docker.compose.project`.
    pub project: String,
    /// `com.docker.compose.service`.
    pub service: String,
    /// `com.docker.compose.container-number`, when present and a number.
    pub number: Option<u32>,
    /// The raw `com.docker.compose.container-number` label (kept for messages about bad values).
    pub number_label: Option<String>,
    /// `com.docker.compose.oneoff=True`: made by `run`.
    pub oneoff: bool,
    /// `com.docker.compose.config-hash`. Docker Compose ignores containers without it.
    pub config_hash: Option<String>,
    /// `com.docker.compose.image`: the digest of the image the container was created from.
    pub image_digest: Option<String>,
    /// The image reference the container was created with.
    pub image: String,
    /// The id of the image the container runs.
    pub image_id: String,
    /// Lifecycle state.
    pub state: ContainerState,
    /// Exit code of the last run, when it has exited.
    pub exit_code: Option<i64>,
    /// Creation time, seconds since the Unix epoch.
    pub created: i64,
    /// All labels.
    pub labels: BTreeMap<String, String>,
    /// The service configuration (its hash input, see [`crate::hash::service_json`]) the
    /// container was created from, when the creator recorded it; lets the planner name the
    /// fields that changed. Docker Compose records only the hash, so this is `None` for its
    /// containers.
    pub config: Option<serde_json::Value>,
}

impl ObservedContainer {
    /// A container described by its labels: project, service, number, one-off flag, config hash
    /// and image digest are read from the `com.docker.compose.*` labels; `image`, `image_id`,
    /// `exit_code`, `created` and `config` start empty.
    pub fn from_labels(
        id: impl Into<String>,
        name: impl Into<String>,
        state: ContainerState,
        labels: BTreeMap<String, String>,
    ) -> Self {
        let label = |key: &str| labels.get(key).cloned();
        let number_label = label(labels::CONTAINER_NUMBER);
        Self {
            id: id.into(),
            name: name.into().trim_start_matches('/').to_owned(),
            project: label(labels::PROJECT).unwrap_or_default(),
            service: label(labels::SERVICE).unwrap_or_default(),
            number: number_label.as_deref().and_then(|n| n.parse().ok()),
            number_label,
            // Docker Compose's isNotOneOff: a missing label or "False" is not a one-off.
            oneoff: labels.get(labels::ONEOFF).is_some_and(|v| v != "False"),
            config_hash: label(labels::CONFIG_HASH),
            image_digest: label(labels::IMAGE),
            image: String::new(),
            image_id: String::new(),
            state,
            exit_code: None,
            created: 0,
            labels,
            config: None,
        }
    }

    /// The first 12 characters of the id, as the engine abbreviates it.
    pub fn short_id(&self) -> &str {
        self.id.get(..12).unwrap_or(&self.id)
    }

    /// `com.docker.compose.depends_on`: `(service, condition, restart)` entries. A missing
    /// condition reads as `running_or_healthy` and a missing restart flag as true, as Docker
    /// Compose reads labels written by older versions.
    pub fn depends_on_label(&self) -> Vec<(String, String, bool)> {
        let Some(value) = self.labels.get(labels::DEPENDS_ON) else {
            return Vec::new();
        };
        value
            .split(',')
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                let mut parts = entry.split(':');
                let service = parts.next().unwrap_or_default().to_owned();
                let condition = parts.next().map_or_else(|| "running_or_healthy".to_owned(), str::to_owned);
                // Go's strconv.ParseBool: an unparsable value reads as false.
                let restart = !matches!(parts.next(), Some(v) if !parse_go_bool(v));
                (service, condition, restart)
            })
            .collect()
    }
}

/// Go's `strconv.ParseBool`, with errors read as `false`.
fn parse_go_bool(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// One network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedNetwork {
    /// Full network id.
    pub id: String,
    /// Engine name.
    pub name: String,
    /// `com.docker.compose.network`: the network's key in the compose file.
    pub compose_network: Option<String>,
    /// `com.docker.compose.project`.
    pub project: Option<String>,
    /// Driver (`bridge`, `overlay`, ...).
    pub driver: String,
    /// All labels.
    pub labels: BTreeMap<String, String>,
}

impl ObservedNetwork {
    /// A network described by its labels (the compose network and project are read from them).
    pub fn from_labels(
        id: impl Into<String>,
        name: impl Into<String>,
        driver: impl Into<String>,
        labels: BTreeMap<String, String>,
    ) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            compose_network: labels.get(labels::NETWORK).cloned(),
            project: labels.get(labels::PROJECT).cloned(),
            driver: driver.into(),
            labels,
        }
    }
}

/// One volume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedVolume {
    /// Engine name (volumes have no separate id).
    pub name: String,
    /// `com.docker.compose.volume`: the volume's key in the compose file.
    pub compose_volume: Option<String>,
    /// `com.docker.compose.project`.
    pub project: Option<String>,
    /// Driver (`local`, ...).
    pub driver: String,
    /// All labels.
    pub labels: BTreeMap<String, String>,
}

impl ObservedVolume {
    /// A volume described by its labels (the compose volume and project are read from them).
    pub fn from_labels(name: impl Into<String>, driver: impl Into<String>, labels: BTreeMap<String, String>) -> Self {
        Self {
            name: name.into(),
            compose_volume: labels.get(labels::VOLUME).cloned(),
            project: labels.get(labels::PROJECT).cloned(),
            driver: driver.into(),
            labels,
        }
    }
}

/// One image (only `down --rmi` reads images).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedImage {
    /// Image id.
    pub id: String,
    /// Repository tags (`nginx:latest`), first one first as the engine lists them.
    pub repo_tags: Vec<String>,
    /// All labels (a locally built image carries the project and service labels).
    pub labels: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn container_fields_come_from_labels() {
        let c = ObservedContainer::from_labels(
            "0123456789abcdef",
            "/lab-web-2",
            ContainerState::parse("exited"),
            labels(&[
                (labels::PROJECT, "lab"),
                (labels::SERVICE, "web"),
                (labels::CONTAINER_NUMBER, "2"),
                (labels::ONEOFF, "False"),
                (labels::CONFIG_HASH, "abc"),
                (labels::IMAGE, "sha256:1"),
            ]),
        );
        assert_eq!(c.name, "lab-web-2");
        assert_eq!((c.project.as_str(), c.service.as_str(), c.number), ("lab", "web", Some(2)));
        assert!(!c.oneoff);
        assert_eq!(c.config_hash.as_deref(), Some("abc"));
        assert_eq!(c.image_digest.as_deref(), Some("sha256:1"));
        assert_eq!(c.state, ContainerState::Exited);
        assert_eq!(c.short_id(), "0123456789ab");
    }

    #[test]
    fn oneoff_and_bad_numbers() {
        let c = ObservedContainer::from_labels(
            "x",
            "run",
            ContainerState::Running,
            labels(&[(labels::ONEOFF, "True"), (labels::CONTAINER_NUMBER, "two")]),
        );
        assert!(c.oneoff);
        assert_eq!(c.number, None);
        assert_eq!(c.number_label.as_deref(), Some("two"));
        assert_eq!(c.short_id(), "x");
    }

    #[test]
    fn depends_on_label_defaults() {
        let c = ObservedContainer::from_labels(
            "x",
            "web",
            ContainerState::Running,
            labels(&[(labels::DEPENDS_ON, "db:service_healthy:false,cache,queue:service_started:true")]),
        );
        assert_eq!(
            c.depends_on_label(),
            vec![
                ("db".to_owned(), "service_healthy".to_owned(), false),
                ("cache".to_owned(), "running_or_healthy".to_owned(), true),
                ("queue".to_owned(), "service_started".to_owned(), true),
            ]
        );
    }

    #[test]
    fn states_round_trip() {
        for word in ["created", "running", "paused", "restarting", "exited", "removing", "dead", "weird"] {
            assert_eq!(ContainerState::parse(word).as_str(), word);
        }
        assert!(ContainerState::Paused.is_running_process());
        assert!(!ContainerState::Exited.is_running_process());
    }
}
