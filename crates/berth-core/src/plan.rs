//! The `Plan`: a DAG of operations the reconciler chose, each one engine call or one wait, each
//! carrying the cause that made the reconciler choose it.
//!
//! Operations are numbered in the order the reconciler adds them and only ever depend on
//! operations added before them, so that order is a topological order. The text form
//! ([`Plan`]'s `Display`) prints one line per operation in that order — it is what `--dry-run`
//! shows and what the reconciler's tests compare; the alternate form (`{:#}`) adds each
//! operation's number and dependencies.

use std::fmt;
use std::time::Duration;

use crate::desired::Condition;
use crate::observed::ContainerState;

/// The number of an operation within its plan (its index in [`Plan::operations`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(pub usize);

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A container an operation acts on: an existing one (with its id) or one an earlier operation
/// of the plan creates (known by the name it is created or renamed with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    /// The container's name at the time the operation runs.
    pub name: String,
    /// The container's id, for containers that exist before the plan runs.
    pub id: Option<String>,
}

impl ContainerRef {
    /// A container that exists.
    pub fn existing(name: impl Into<String>, id: impl Into<String>) -> Self {
        Self { name: name.into(), id: Some(id.into()) }
    }

    /// A container an earlier operation creates, known by its name.
    pub fn planned(name: impl Into<String>) -> Self {
        Self { name: name.into(), id: None }
    }

    /// What to hand the engine: the id when known, else the name.
    pub fn engine_ref(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.name)
    }
}

/// The container a new container replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The container being replaced.
    pub container: ContainerRef,
    /// Reuse the replaced container's anonymous volumes (false with `-V/--renew-anon-volumes`).
    pub inherit_volumes: bool,
}

/// What an operation does: one engine call, or one wait.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create the project network `key` (see `DesiredState::networks`) named `name`.
    CreateNetwork { key: String, name: String },
    /// Remove a network.
    RemoveNetwork { key: String, name: String, id: String },
    /// Create the project volume `key` (see `DesiredState::volumes`) named `name`.
    CreateVolume { key: String, name: String },
    /// Remove a volume.
    RemoveVolume { key: String, name: String },
    /// Create replica `number` of `service`. The container is created as `create_name`; that is
    /// `name` unless it replaces another container, in which case it is
    /// `<first 12 chars of the old id>_<name>` until a [`Action::RenameContainer`] gives it
    /// `name` once the old one is gone (Docker Compose's recreate sequence).
    CreateContainer { service: String, number: u32, name: String, create_name: String, replace: Option<Replace> },
    /// Start a container.
    StartContainer { container: ContainerRef },
    /// Stop a container; `timeout` overrides the container's own stop timeout.
    StopContainer { container: ContainerRef, timeout: Option<Duration> },
    /// Remove a container; `volumes` removes its anonymous volumes, `force` kills it if running.
    RemoveContainer { container: ContainerRef, volumes: bool, force: bool },
    /// Rename a container.
    RenameContainer { container: ContainerRef, new_name: String },
    /// Restart a container.
    RestartContainer { container: ContainerRef, timeout: Option<Duration> },
    /// Send a signal to a container (the engine's default, SIGKILL, when `signal` is `None`).
    KillContainer { container: ContainerRef, signal: Option<String> },
    /// Pause a container.
    PauseContainer { container: ContainerRef },
    /// Unpause a container.
    UnpauseContainer { container: ContainerRef },
    /// Wait until the containers of `service` meet `condition`. `dependant` is the service
    /// waiting (`None` for `up --wait`, which waits on the whole project). A dependency that
    /// is not `required` does not fail the plan when it fails to meet the condition.
    WaitDependency { service: String, condition: Condition, required: bool, dependant: Option<String> },
    /// Remove an image (`down --rmi`).
    RemoveImage { image: String },
}

/// Why the reconciler chose an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The service has no container yet.
    NoExistingContainer,
    /// The service has fewer containers than its scale.
    ScaleUp { from: usize, to: usize },
    /// The service has more containers than its scale.
    ScaleDown { from: usize, to: usize },
    /// The container's config hash differs from the service's; `fields` names the attributes
    /// that changed when the container's old configuration is known (empty otherwise).
    ConfigChanged { fields: Vec<String> },
    /// The container's image digest label differs from the image the service uses now.
    ImageChanged,
    /// `--force-recreate`.
    ForceRecreate,
    /// `--always-recreate-deps`.
    AlwaysRecreateDeps,
    /// The service declares `x-lifecycle: force_recreate`.
    LifecycleForceRecreate,
    /// A service this one depends on had a container recreated.
    DependencyRecreated { service: String },
    /// The container's service is not in the project.
    Orphan,
    /// The network does not exist.
    NetworkMissing,
    /// The volume does not exist.
    VolumeMissing,
    /// The container is created by this plan.
    Created,
    /// The container exists but is not running.
    NotRunning { state: ContainerState },
    /// `service` depends on the service waited for.
    DependsOn { dependant: String },
    /// `up --wait`.
    WaitRequested,
    /// The command the user ran (`down`, `stop`, `kill`, ...) asks for it.
    Requested { command: String },
}

impl Cause {
    /// A cause for an operation a command asks for.
    pub fn requested(command: impl Into<String>) -> Self {
        Self::Requested { command: command.into() }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoExistingContainer => f.write_str("no existing container"),
            Self::ScaleUp { from, to } => write!(f, "scale up from {from} to {to}"),
            Self::ScaleDown { from, to } => write!(f, "scale down from {from} to {to}"),
            Self::ConfigChanged { fields } if fields.is_empty() => f.write_str("config hash changed"),
            Self::ConfigChanged { fields } => write!(f, "config hash changed: {}", fields.join(", ")),
            Self::ImageChanged => f.write_str("image changed"),
            Self::ForceRecreate => f.write_str("--force-recreate"),
            Self::AlwaysRecreateDeps => f.write_str("--always-recreate-deps"),
            Self::LifecycleForceRecreate => f.write_str("x-lifecycle: force_recreate"),
            Self::DependencyRecreated { service } => write!(f, "dependency {service} recreated"),
            Self::Orphan => f.write_str("orphan"),
            Self::NetworkMissing => f.write_str("network missing"),
            Self::VolumeMissing => f.write_str("volume missing"),
            Self::Created => f.write_str("new container"),
            Self::NotRunning { state } => write!(f, "container {state}"),
            Self::DependsOn { dependant } => write!(f, "{dependant} depends on it"),
            Self::WaitRequested => f.write_str("--wait"),
            Self::Requested { command } => f.write_str(command),
        }
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Its number in the plan.
    pub id: OpId,
    /// What it does.
    pub action: Action,
    /// Why.
    pub cause: Cause,
    /// The operations that must finish before it starts (all numbered lower).
    pub after: Vec<OpId>,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.action, self.cause)
    }
}

fn fmt_timeout(f: &mut fmt::Formatter<'_>, timeout: Option<Duration>) -> fmt::Result {
    match timeout {
        Some(t) => write!(f, " with timeout {}s", t.as_secs()),
        None => Ok(()),
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CreateNetwork { name, .. } => write!(f, "create network {name}"),
            Self::RemoveNetwork { name, .. } => write!(f, "remove network {name}"),
            Self::CreateVolume { name, .. } => write!(f, "create volume {name}"),
            Self::RemoveVolume { name, .. } => write!(f, "remove volume {name}"),
            Self::CreateContainer { create_name, replace, .. } => {
                write!(f, "create container {create_name}")?;
                if let Some(replace) = replace {
                    write!(f, " replacing {}", replace.container.name)?;
                    if !replace.inherit_volumes {
                        f.write_str(" with new anonymous volumes")?;
                    }
                }
                Ok(())
            }
            Self::StartContainer { container } => write!(f, "start container {}", container.name),
            Self::StopContainer { container, timeout } => {
                write!(f, "stop container {}", container.name)?;
                fmt_timeout(f, *timeout)
            }
            Self::RemoveContainer { container, volumes, .. } => {
                write!(f, "remove container {}", container.name)?;
                if *volumes {
                    f.write_str(" with its anonymous volumes")?;
                }
                Ok(())
            }
            Self::RenameContainer { container, new_name } => {
                write!(f, "rename container {} to {new_name}", container.name)
            }
            Self::RestartContainer { container, timeout } => {
                write!(f, "restart container {}", container.name)?;
                fmt_timeout(f, *timeout)
            }
            Self::KillContainer { container, signal } => {
                write!(f, "kill container {}", container.name)?;
                match signal {
                    Some(signal) => write!(f, " with {signal}"),
                    None => Ok(()),
                }
            }
            Self::PauseContainer { container } => write!(f, "pause container {}", container.name),
            Self::UnpauseContainer { container } => write!(f, "unpause container {}", container.name),
            Self::WaitDependency { service, condition, required, .. } => {
                write!(f, "wait for service {service} {condition}")?;
                if !required {
                    f.write_str(" (optional)")?;
                }
                Ok(())
            }
            Self::RemoveImage { image } => write!(f, "remove image {image}"),
        }
    }
}

/// A DAG of operations, plus the warnings the reference prints while deciding them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Operations, in a topological order (each depends only on lower-numbered ones).
    pub operations: Vec<Operation>,
    /// Warnings, in the order they arose (`Found orphan containers ...`).
    pub warnings: Vec<String>,
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an operation that runs after `after`. Ids that are not lower than the new
    /// operation's are ignored (any id this plan returned before is), and so are dependencies
    /// implied by others (transitive reduction), which keeps the DAG and its text form minimal.
    pub fn push(&mut self, action: Action, cause: Cause, after: impl IntoIterator<Item = OpId>) -> OpId {
        let id = OpId(self.operations.len());
        let mut after: Vec<OpId> = after.into_iter().filter(|a| *a < id).collect();
        after.sort_unstable();
        after.dedup();
        let implied = self.ancestors(&after);
        after.retain(|a| !implied.contains(a));
        self.operations.push(Operation { id, action, cause, after });
        id
    }

    /// Every operation some operation of `ids` transitively waits for (not `ids` themselves,
    /// unless one waits for another).
    fn ancestors(&self, ids: &[OpId]) -> std::collections::BTreeSet<OpId> {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack: Vec<OpId> =
            ids.iter().filter_map(|id| self.get(*id)).flat_map(|op| op.after.iter().copied()).collect();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                stack.extend(self.get(id).into_iter().flat_map(|op| op.after.iter().copied()));
            }
        }
        seen
    }

    /// Records a warning.
    pub fn warn(&mut self, message: impl Into<String>) {
        self.warnings.push(message.into());
    }

    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// An operation by id.
    pub fn get(&self, id: OpId) -> Option<&Operation> {
        self.operations.get(id.0)
    }

    /// The text form, one line per operation (no warnings): what the tests compare.
    pub fn lines(&self) -> Vec<String> {
        self.operations.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for Plan {
    /// One line per warning (`warning: ...`), then one line per operation in order:
    /// `<action> (<cause>)`. With `{:#}`, each operation line starts with its number and ends
    /// with its dependencies (`3: start container lab-web-1 (new container) after 1, 2`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for op in &self.operations {
            if f.alternate() {
                write!(f, "{}: {op}", op.id)?;
                if !op.after.is_empty() {
                    let after: Vec<String> = op.after.iter().map(ToString::to_string).collect();
                    write!(f, " after {}", after.join(", "))?;
                }
                writeln!(f)?;
            } else {
                writeln!(f, "{op}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_and_dependencies() {
        let mut plan = Plan::new();
        let net = plan.push(
            Action::CreateNetwork { key: "default".into(), name: "lab_default".into() },
            Cause::NetworkMissing,
            [],
        );
        let create = plan.push(
            Action::CreateContainer {
                service: "web".into(),
                number: 1,
                name: "lab-web-1".into(),
                create_name: "lab-web-1".into(),
                replace: None,
            },
            Cause::NoExistingContainer,
            [net, net],
        );
        plan.push(Action::StartContainer { container: ContainerRef::planned("lab-web-1") }, Cause::Created, [create, net]);
        plan.warn("something odd");
        assert_eq!(
            plan.to_string(),
            "warning: something odd\n\
             create network lab_default (network missing)\n\
             create container lab-web-1 (no existing container)\n\
             start container lab-web-1 (new container)\n"
        );
        assert_eq!(
            format!("{plan:#}"),
            "warning: something odd\n\
             0: create network lab_default (network missing)\n\
             1: create container lab-web-1 (no existing container) after 0\n\
             2: start container lab-web-1 (new container) after 1\n"
        );
    }

    #[test]
    fn forward_dependencies_are_dropped() {
        let mut plan = Plan::new();
        let id = plan.push(Action::RemoveImage { image: "x".into() }, Cause::requested("down --rmi all"), [OpId(5)]);
        assert!(plan.get(id).is_some_and(|op| op.after.is_empty()));
    }

    #[test]
    fn actions_render() {
        let old = ContainerRef::existing("lab-web-1", "0123456789abcdef");
        let cases: Vec<(Action, &str)> = vec![
            (
                Action::CreateContainer {
                    service: "web".into(),
                    number: 1,
                    name: "lab-web-1".into(),
                    create_name: "0123456789ab_lab-web-1".into(),
                    replace: Some(Replace { container: old.clone(), inherit_volumes: false }),
                },
                "create container 0123456789ab_lab-web-1 replacing lab-web-1 with new anonymous volumes",
            ),
            (
                Action::StopContainer { container: old.clone(), timeout: Some(Duration::from_secs(3)) },
                "stop container lab-web-1 with timeout 3s",
            ),
            (
                Action::RemoveContainer { container: old.clone(), volumes: true, force: true },
                "remove container lab-web-1 with its anonymous volumes",
            ),
            (
                Action::RenameContainer {
                    container: ContainerRef::planned("0123456789ab_lab-web-1"),
                    new_name: "lab-web-1".into(),
                },
                "rename container 0123456789ab_lab-web-1 to lab-web-1",
            ),
            (
                Action::KillContainer { container: old.clone(), signal: Some("SIGTERM".into()) },
                "kill container lab-web-1 with SIGTERM",
            ),
            (
                Action::WaitDependency {
                    service: "db".into(),
                    condition: Condition::Healthy,
                    required: false,
                    dependant: Some("web".into()),
                },
                "wait for service db healthy (optional)",
            ),
        ];
        for (action, text) in cases {
            assert_eq!(action.to_string(), text);
        }
        assert_eq!(old.engine_ref(), "0123456789abcdef");
        assert_eq!(ContainerRef::planned("x").engine_ref(), "x");
        assert_eq!(
            Cause::ConfigChanged { fields: vec!["environment.A".into(), "ports".into()] }.to_string(),
            "config hash changed: environment.A, ports"
        );
        assert_eq!(Cause::NotRunning { state: ContainerState::Exited }.to_string(), "container exited");
    }
}
