//! `EngineError`: every failure an engine call can report, keeping the engine's own message.
//!
//! The variants are chosen by what a caller does next, not by where the failure came from:
//! `NotFound` and `Conflict` drive reconciliation decisions (a container vanished, a name is
//! taken), `Unreachable` is shown to the user with a hint, `Unsupported` names the API version a
//! feature needs, and `Api` carries everything else the daemon said verbatim.

use std::fmt;

/// What went wrong talking to a container engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The object does not exist (HTTP 404). `message` is the engine's text, e.g.
    /// "No such container: lab-web-1".
    #[error("{message}")]
    NotFound {
        /// What kind of object was looked up.
        kind: ObjectKind,
        /// The id or name that was asked for.
        id: String,
        /// The engine's message.
        message: String,
    },
    /// The request conflicts with the current state (HTTP 409): name in use, container running,
    /// network has active endpoints.
    #[error("{message}")]
    Conflict {
        /// The engine's message.
        message: String,
    },
    /// No engine answered at `host`.
    #[error("cannot connect to the container engine at {host}: {reason}{}", hint_suffix(.hint.as_deref()))]
    Unreachable {
        /// The address that was tried (`unix:///var/run/docker.sock`, `tcp://…`).
        host: String,
        /// The low-level reason (connection refused, no such file).
        reason: String,
        /// What the user can do about it.
        hint: Option<String>,
    },
    /// The connected engine's API is too old for a feature (or the engine lacks it entirely).
    #[error("{}", unsupported_message(what, *min_api, *have))]
    Unsupported {
        /// The feature, in the user's words (`healthcheck.start_interval`).
        what: String,
        /// The lowest API version providing it, if any version does.
        min_api: Option<crate::version::ApiVersion>,
        /// The API version in use.
        have: crate::version::ApiVersion,
    },
    /// Any other non-success answer from the engine.
    #[error("{message}")]
    Api {
        /// HTTP status code.
        status: u16,
        /// The engine's message.
        message: String,
    },
    /// A stream (pull, push, build, wait) reported an error in-band.
    #[error("{message}")]
    Stream {
        /// The error text from the stream.
        message: String,
    },
    /// A build step failed with an exit code (the classic builder's `errorDetail.code`).
    #[error("{message}")]
    Failed {
        /// The error text from the stream.
        message: String,
        /// The exit code of the failed step.
        code: i64,
    },
    /// The engine's answer could not be understood.
    #[error("unexpected response from the engine: {message}")]
    Protocol {
        /// What could not be decoded.
        message: String,
    },
    /// The request could not be formed (bad argument passed by the caller).
    #[error("invalid request: {message}")]
    InvalidArgument {
        /// What is wrong with it.
        message: String,
    },
    /// The engine did not answer in time.
    #[error("the container engine did not answer in time")]
    Timeout,
    /// Local I/O (reading a context file, writing to a stdin stream).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn unsupported_message(
    what: &str,
    min_api: Option<crate::version::ApiVersion>,
    have: crate::version::ApiVersion,
) -> String {
    match min_api {
        Some(min) => {
            format!("{what} requires Docker Engine API {min} or later (connected engine: {have})")
        }
        None => format!("{what} is not supported by the connected engine (API {have})"),
    }
}

fn hint_suffix(hint: Option<&str>) -> String {
    hint.map(|h| format!("\n{h}")).unwrap_or_default()
}

/// Kinds of engine objects, used to say what was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    /// A container.
    Container,
    /// An image.
    Image,
    /// A network.
    Network,
    /// A volume.
    Volume,
    /// An exec instance.
    Exec,
    /// A path inside a container (archive get/put).
    Path,
    /// A swarm service.
    Service,
    /// A swarm task.
    Task,
    /// A swarm secret.
    Secret,
    /// A swarm config.
    Config,
    /// A swarm node.
    Node,
    /// Something else (the engine did not say).
    Other,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Container => "container",
            Self::Image => "image",
            Self::Network => "network",
            Self::Volume => "volume",
            Self::Exec => "exec instance",
            Self::Path => "path",
            Self::Service => "service",
            Self::Task => "task",
            Self::Secret => "secret",
            Self::Config => "config",
            Self::Node => "node",
            Self::Other => "object",
        })
    }
}

impl EngineError {
    /// A `NotFound` with Docker's wording ("No such container: x").
    pub fn not_found(kind: ObjectKind, id: impl Into<String>) -> Self {
        let id = id.into();
        let message = match kind {
            ObjectKind::Container => format!("No such container: {id}"),
            ObjectKind::Image => format!("No such image: {id}"),
            ObjectKind::Network => format!("network {id} not found"),
            ObjectKind::Volume => format!("get {id}: no such volume"),
            ObjectKind::Exec => format!("No such exec instance: {id}"),
            ObjectKind::Path => format!("Could not find the file {id} in container"),
            other => format!("{other} {id} not found"),
        };
        Self::NotFound { kind, id, message }
    }

    /// A `Conflict` with the given message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict { message: message.into() }
    }

    /// An `InvalidArgument` with the given message.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidArgument { message: message.into() }
    }

    /// Whether this is a `NotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether the engine found several objects for a name or id prefix: Docker answers 400
    /// (`network 2 is ambiguous`), Podman 4 answers 500 (`more than one result for network ID 2`).
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Api { status: 400, .. } => true,
            Self::Api { status: 500, message } => message.contains("more than one result"),
            _ => false,
        }
    }

    /// Whether this is a `Conflict`.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    /// The HTTP status the engine answered with, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::NotFound { .. } => Some(404),
            Self::Conflict { .. } => Some(409),
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Result of an engine call.
pub type EngineResult<T> = Result<T, EngineError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::ApiVersion;

    #[test]
    fn messages_keep_engine_wording() {
        let e = EngineError::not_found(ObjectKind::Container, "lab-web-1");
        assert_eq!(e.to_string(), "No such container: lab-web-1");
        assert!(e.is_not_found());
        assert_eq!(e.status(), Some(404));
    }

    #[test]
    fn unsupported_names_versions() {
        let e = EngineError::Unsupported {
            what: "healthcheck.start_interval".into(),
            min_api: Some(ApiVersion::new(1, 44)),
            have: ApiVersion::new(1, 41),
        };
        assert_eq!(
            e.to_string(),
            "healthcheck.start_interval requires Docker Engine API 1.44 or later (connected engine: 1.41)"
        );
    }

    #[test]
    fn unreachable_shows_hint() {
        let e = EngineError::Unreachable {
            host: "unix:///var/run/docker.sock".into(),
            reason: "No such file or directory".into(),
            hint: Some("Is the docker daemon running?".into()),
        };
        assert_eq!(
            e.to_string(),
            "cannot connect to the container engine at unix:///var/run/docker.sock: No such file or directory\nIs the docker daemon running?"
        );
    }
}
