//! `StackEvent`: what stack operations report while they work. Their text is what `docker
//! stack` prints for the same step (`Creating service shop_web`), so scripts reading either
//! tool's output keep working; the CLI decides where and how to show them.

use std::fmt;

use crate::progress::ServiceProgress;

/// The kind of object an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A swarm service.
    Service,
    /// A network.
    Network,
    /// A secret.
    Secret,
    /// A config.
    Config,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectKind::Service => "service",
            ObjectKind::Network => "network",
            ObjectKind::Secret => "secret",
            ObjectKind::Config => "config",
        })
    }
}

/// One step of a stack operation.
#[derive(Debug, Clone, PartialEq)]
pub enum StackEvent {
    /// Something the user should know (ignored attributes, unpinned images).
    Warning(String),
    /// An object is being created.
    Creating {
        /// Its kind.
        kind: ObjectKind,
        /// Its name.
        name: String,
    },
    /// A service is being updated.
    Updating {
        /// Its name.
        name: String,
        /// Its id.
        id: String,
    },
    /// An object is being removed.
    Removing {
        /// Its kind.
        kind: ObjectKind,
        /// Its name.
        name: String,
    },
    /// Removing an object failed; teardown goes on.
    RemoveFailed {
        /// Its kind.
        kind: ObjectKind,
        /// Its name or id.
        name: String,
        /// Why.
        error: String,
    },
    /// A stack had nothing to remove.
    NothingFound {
        /// The stack.
        stack: String,
    },
    /// Convergence of a service, while `deploy` waits.
    Progress(ServiceProgress),
}

impl StackEvent {
    /// Whether the event belongs on stderr (warnings and failures), as the docker CLI prints it.
    pub fn is_diagnostic(&self) -> bool {
        matches!(self, StackEvent::Warning(_) | StackEvent::RemoveFailed { .. } | StackEvent::NothingFound { .. })
    }
}

impl fmt::Display for StackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackEvent::Warning(w) => f.write_str(w),
            StackEvent::Creating { kind, name } => write!(f, "Creating {kind} {name}"),
            StackEvent::Updating { name, id } => write!(f, "Updating service {name} (id: {id})"),
            StackEvent::Removing { kind, name } => write!(f, "Removing {kind} {name}"),
            StackEvent::RemoveFailed { kind, name, error } => write!(f, "Failed to remove {kind} {name}: {error}"),
            StackEvent::NothingFound { stack } => write!(f, "Nothing found in stack: {stack}"),
            StackEvent::Progress(p) => write!(f, "{}: {}", p.service, p.summary),
        }
    }
}

/// Where operations send their events.
pub type Reporter<'a> = &'a (dyn Fn(StackEvent) + Send + Sync);
