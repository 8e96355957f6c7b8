//! Waiting for services to converge (`stack deploy --detach=false`): per-service progress
//! like `docker service update`'s (a line per replica slot or node, an overall count, a
//! verification period), and a verdict.
//!
//! [`evaluate`] is pure: one look at a service and its up-to-date tasks gives the progress
//! lines and whether the service has converged or failed. [`wait_for_services`] polls the
//! engine for every service at once and applies the rules over time (the monitor period,
//! the update state). Unlike the docker CLI, a rollback, a paused update or tasks that keep
//! failing end the wait with an error, so scripts can tell.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use tokio::time::Instant;

use berth_engine::{Engine, Filters, ListOptions, ServiceDetails, ServiceMode, TaskDetails};

use crate::error::{Error, Result};
use crate::events::{Reporter, StackEvent};

/// How long a converged service must stay converged when its update config sets no monitor
/// period (the swarm's default).
pub const DEFAULT_MONITOR: Duration = Duration::from_secs(5);
/// Time between looks at the swarm.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Task states in lifecycle order; everything after `running` is terminal.
const STATES: [&str; 13] = [
    "new", "allocated", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running", "complete",
    "shutdown", "failed", "rejected",
];

/// The position of a task state in the lifecycle (0 for unknown states).
pub fn state_rank(state: &str) -> usize {
    STATES.iter().position(|s| *s == state).map_or(0, |i| i + 1)
}

/// Whether a task state is past `running`.
pub fn is_terminal(state: &str) -> bool {
    state_rank(state) > state_rank("running")
}

fn is_failure(state: &str) -> bool {
    matches!(state, "failed" | "rejected")
}

/// One progress line: a replica slot (`2/3`) or a node, and its task's state or error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    /// `slot/replicas` or a node id.
    pub label: String,
    /// The task's state, or its error.
    pub status: String,
    /// Whether `status` is an error.
    pub error: bool,
}

/// Where a service is on its way to convergence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// Tasks are not all running (or complete, for jobs) yet.
    Converging,
    /// All tasks run; waiting for them to stay up for the monitor period.
    Verifying {
        /// Whole seconds left.
        seconds_left: u64,
    },
    /// Done.
    Converged,
    /// The swarm is rolling the update back.
    RollingBack,
    /// Failed (rolled back, paused, or tasks keep failing).
    Failed(String),
}

/// A snapshot of a service's convergence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProgress {
    /// Service name.
    pub service: String,
    /// Service id.
    pub id: String,
    /// `overall progress: 2 out of 3 tasks`, `job progress: 1 out of 2 complete`, ...
    pub summary: String,
    /// Per slot or node.
    pub tasks: Vec<TaskLine>,
    /// Where it is.
    pub phase: Phase,
}

/// What one look at a service tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Tasks running (complete, for jobs).
    pub done: u64,
    /// Tasks wanted.
    pub wanted: u64,
    /// Whether every wanted task runs (or completed).
    pub converged: bool,
    /// Up-to-date tasks that failed or were rejected.
    pub failed_tasks: usize,
    /// A slot or node the swarm gave up on (no task left to run), with why.
    pub abandoned: Option<String>,
    /// Progress lines.
    pub lines: Vec<TaskLine>,
}

fn slot_key(task: &TaskDetails) -> String {
    match task.slot {
        Some(s) if s > 0 => format!("{s:020}"),
        _ => task.node_id.clone().unwrap_or_default(),
    }
}

/// Per slot (or node), the task that matters: the one with the lowest desired state, ties
/// broken by the lowest observed state (several exist during restarts and start-first
/// updates), as the docker CLI picks it.
fn current_tasks<'a>(tasks: &'a [TaskDetails], active_nodes: &BTreeSet<String>) -> BTreeMap<String, &'a TaskDetails> {
    let mut by_slot: BTreeMap<String, &TaskDetails> = BTreeMap::new();
    for t in tasks {
        if state_rank(&t.desired_state) == 0 || state_rank(&t.state) == 0 {
            continue;
        }
        if let Some(node) = &t.node_id {
            if !active_nodes.is_empty() && !active_nodes.contains(node) {
                continue;
            }
        }
        let key = slot_key(t);
        let better = by_slot.get(&key).is_none_or(|cur| {
            let (cd, td) = (state_rank(&cur.desired_state), state_rank(&t.desired_state));
            td < cd || (td == cd && state_rank(&t.state) < state_rank(&cur.state))
        });
        if better {
            by_slot.insert(key, t);
        }
    }
    by_slot
}

fn task_error(t: &TaskDetails) -> Option<String> {
    t.error.clone().filter(|e| !e.is_empty()).map(|e| {
        let e = e.replace('\n', " ");
        if e.chars().count() > 75 {
            let mut short: String = e.chars().take(74).collect();
            short.push('…');
            short
        } else {
            e
        }
    })
}

/// Looks at `service` and its up-to-date `tasks` once.
pub fn evaluate(service: &ServiceDetails, tasks: &[TaskDetails], active_nodes: &BTreeSet<String>) -> Evaluation {
    let current = current_tasks(tasks, active_nodes);
    let failed_tasks = tasks.iter().filter(|t| is_failure(&t.state)).count();
    let job = matches!(service.spec.mode, ServiceMode::ReplicatedJob { .. } | ServiceMode::GlobalJob);
    let wanted = match service.spec.mode {
        ServiceMode::Replicated { replicas } => replicas,
        ServiceMode::ReplicatedJob { total_completions, .. } => total_completions,
        ServiceMode::Global | ServiceMode::GlobalJob => current.len() as u64,
    };
    let global = matches!(service.spec.mode, ServiceMode::Global | ServiceMode::GlobalJob);
    let mut done = 0u64;
    let mut lines = Vec::new();
    let mut abandoned = None;
    for (n, t) in current.values().enumerate() {
        let ok = if job {
            t.state == "complete"
        } else {
            !is_terminal(&t.desired_state) && t.state == "running"
        };
        if ok {
            done += 1;
        }
        // Nothing left to run in this slot: the restart policy gave up on it. (Tasks shut down
        // on purpose, by a scale-down or an update, end `shutdown`, not `failed`.)
        let gave_up = is_failure(&t.state) || t.state == "complete";
        if !job && is_terminal(&t.desired_state) && gave_up && abandoned.is_none() {
            let why = task_error(t).unwrap_or_else(|| format!("task {}", t.state));
            abandoned = Some(why);
        }
        if job && is_failure(&t.state) && is_terminal(&t.desired_state) && abandoned.is_none() {
            abandoned = Some(task_error(t).unwrap_or_else(|| "task failed".to_owned()));
        }
        let label = if global {
            t.node_id.clone().unwrap_or_default().chars().take(12).collect()
        } else {
            format!("{}/{wanted}", n + 1)
        };
        let (status, error) = match task_error(t) {
            Some(e) => (e, true),
            None => (t.state.clone(), false),
        };
        lines.push(TaskLine { label, status, error });
    }
    let converged = if global && !job { wanted > 0 && done == wanted } else { done == wanted };
    Evaluation { done, wanted, converged, failed_tasks, abandoned, lines }
}

fn summary(service: &ServiceDetails, e: &Evaluation, rolling_back: bool) -> String {
    match service.spec.mode {
        ServiceMode::ReplicatedJob { .. } | ServiceMode::GlobalJob => {
            format!("job progress: {} out of {} complete", e.done, e.wanted)
        }
        ServiceMode::Global if e.wanted == 0 => "overall progress: waiting for new tasks".to_owned(),
        _ if rolling_back => format!("rolling back update: {} out of {} tasks", e.done, e.wanted),
        _ => format!("overall progress: {} out of {} tasks", e.done, e.wanted),
    }
}

/// Failed task instances tolerated before a wait gives up on a service whose tasks keep
/// failing while no update is in progress (the swarm would restart them forever).
fn failure_budget(wanted: u64) -> usize {
    usize::try_from(wanted).unwrap_or(usize::MAX).max(3)
}

/// Waits until every service in `services` (`(name, id)`) has converged, reporting progress;
/// fails, after all have finished, if any was rolled back, paused, or kept failing.
pub async fn wait_for_services(engine: &dyn Engine, services: &[(String, String)], report: Reporter<'_>) -> Result<()> {
    let waits = services.iter().map(|(name, id)| wait_for_service(engine, name, id, report));
    let results = futures::future::join_all(waits).await;
    let errors: Vec<String> = results.into_iter().filter_map(|r| r.err().map(|e| e.to_string())).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Many(errors))
    }
}

async fn active_nodes(engine: &dyn Engine) -> Result<BTreeSet<String>> {
    let nodes = engine.list_nodes(&ListOptions::default()).await.map_err(Error::engine("listing nodes"))?;
    Ok(nodes.into_iter().filter(|n| n.state != "down").map(|n| n.id).collect())
}

/// Waits for one service; see [`wait_for_services`].
pub async fn wait_for_service(engine: &dyn Engine, name: &str, id: &str, report: Reporter<'_>) -> Result<()> {
    let mut converged_at: Option<Instant> = None;
    let mut last: Option<ServiceProgress> = None;
    let mut rolling_back = false;
    let mut rollback_reason: Option<String> = None;
    loop {
        let service = engine.inspect_service(id).await.map_err(Error::engine(format!("inspecting service {name}")))?;
        let monitor = service.spec.update_config.as_ref().and_then(|u| u.monitor).unwrap_or(DEFAULT_MONITOR);
        let filters = Filters::new().with("service", id.to_owned()).with("_up-to-date", "true");
        let tasks = engine
            .list_tasks(&ListOptions { filters })
            .await
            .map_err(Error::engine(format!("listing tasks of service {name}")))?;
        let nodes = active_nodes(engine).await?;
        let eval = evaluate(&service, &tasks, &nodes);
        let state = service.update_state.as_deref().unwrap_or_default();
        let message = service.update_message.clone().unwrap_or_default();
        let updating = matches!(state, "updating" | "rollback_started");
        rolling_back = rolling_back || state.starts_with("rollback");
        if state == "rollback_started" && !message.is_empty() && rollback_reason.is_none() {
            rollback_reason = Some(message.clone());
        }

        let failure = match state {
            "paused" => Some(format!("service update paused: {message}")),
            "rollback_paused" => Some(format!("service rollback paused: {message}")),
            "rollback_completed" => Some(format!("update rolled back: {}", rollback_reason.as_deref().unwrap_or(&message))),
            _ if !updating && eval.abandoned.is_some() => eval.abandoned.clone().map(|why| format!("tasks failed: {why}")),
            _ if !updating && !eval.converged && eval.failed_tasks >= failure_budget(eval.wanted) => {
                Some(format!("tasks keep failing ({} failed)", eval.failed_tasks))
            }
            _ => None,
        };
        let job = matches!(service.spec.mode, ServiceMode::ReplicatedJob { .. } | ServiceMode::GlobalJob);
        let phase = if let Some(f) = &failure {
            Phase::Failed(f.clone())
        } else if state == "completed" || (eval.converged && job) {
            Phase::Converged
        } else if eval.converged && !updating {
            let since = *converged_at.get_or_insert_with(Instant::now);
            let elapsed = since.elapsed();
            if elapsed >= monitor {
                Phase::Converged
            } else {
                Phase::Verifying { seconds_left: monitor.saturating_sub(elapsed).as_secs() + 1 }
            }
        } else {
            converged_at = None;
            if state == "rollback_started" {
                Phase::RollingBack
            } else {
                Phase::Converging
            }
        };
        let progress = ServiceProgress {
            service: name.to_owned(),
            id: id.to_owned(),
            summary: summary(&service, &eval, rolling_back && state != "updating"),
            tasks: eval.lines.clone(),
            phase: phase.clone(),
        };
        if last.as_ref() != Some(&progress) {
            report(StackEvent::Progress(progress.clone()));
            last = Some(progress);
        }
        match phase {
            Phase::Converged => return Ok(()),
            Phase::Failed(why) => return Err(Error::Invalid(format!("service {name}: {why}"))),
            _ => tokio::time::sleep(POLL_INTERVAL).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(slot: i64, desired: &str, state: &str, err: Option<&str>) -> TaskDetails {
        TaskDetails {
            id: format!("t{slot}{desired}{state}"),
            slot: Some(slot),
            node_id: Some("node1".into()),
            desired_state: desired.into(),
            state: state.into(),
            error: err.map(str::to_owned),
            ..TaskDetails::default()
        }
    }

    fn service(mode: ServiceMode) -> ServiceDetails {
        let mut s = ServiceDetails::default();
        s.spec.mode = mode;
        s
    }

    fn nodes() -> BTreeSet<String> {
        BTreeSet::from(["node1".to_owned()])
    }

    #[test]
    fn replicated_counts_running_slots() {
        let s = service(ServiceMode::Replicated { replicas: 3 });
        let tasks = [task(1, "running", "running", None), task(2, "running", "starting", None), task(3, "running", "running", None)];
        let e = evaluate(&s, &tasks, &nodes());
        assert_eq!((e.done, e.wanted, e.converged), (2, 3, false));
        assert_eq!(e.lines[1], TaskLine { label: "2/3".into(), status: "starting".into(), error: false });
        let tasks = [task(1, "running", "running", None), task(2, "running", "running", None), task(3, "running", "running", None)];
        assert!(evaluate(&s, &tasks, &nodes()).converged);
    }

    #[test]
    fn restarts_and_start_first_pick_the_task_that_matters() {
        let s = service(ServiceMode::Replicated { replicas: 1 });
        // An old task shutting down and its replacement running: the replacement counts.
        let tasks = [task(1, "shutdown", "running", None), task(1, "running", "running", None)];
        let e = evaluate(&s, &tasks, &nodes());
        assert!(e.converged);
        // A failed task and its replacement starting: not converged, one failure seen.
        let tasks = [task(1, "shutdown", "failed", Some("task: non-zero exit (1)")), task(1, "running", "starting", None)];
        let e = evaluate(&s, &tasks, &nodes());
        assert!(!e.converged);
        assert_eq!(e.failed_tasks, 1);
        assert_eq!(e.abandoned, None);
    }

    #[test]
    fn a_slot_with_nothing_left_to_run_is_abandoned() {
        let s = service(ServiceMode::Replicated { replicas: 1 });
        let tasks = [task(1, "shutdown", "failed", Some("task: non-zero exit (2)"))];
        let e = evaluate(&s, &tasks, &nodes());
        assert_eq!(e.abandoned.as_deref(), Some("task: non-zero exit (2)"));
        assert_eq!(e.lines[0].status, "task: non-zero exit (2)");
        assert!(e.lines[0].error);
    }

    #[test]
    fn jobs_count_completions() {
        let s = service(ServiceMode::ReplicatedJob { max_concurrent: 2, total_completions: 2 });
        let tasks = [task(1, "complete", "complete", None), task(2, "complete", "running", None)];
        let e = evaluate(&s, &tasks, &nodes());
        assert_eq!((e.done, e.converged), (1, false));
        let tasks = [task(1, "complete", "complete", None), task(2, "complete", "complete", None)];
        assert!(evaluate(&s, &tasks, &nodes()).converged);
        assert_eq!(summary(&s, &evaluate(&s, &tasks, &nodes()), false), "job progress: 2 out of 2 complete");
    }

    #[test]
    fn global_services_count_nodes() {
        let s = service(ServiceMode::Global);
        let e = evaluate(&s, &[], &nodes());
        assert!(!e.converged);
        assert_eq!(summary(&s, &e, false), "overall progress: waiting for new tasks");
        let mut t = task(0, "running", "running", None);
        t.slot = None;
        let e = evaluate(&s, &[t], &nodes());
        assert!(e.converged);
        assert_eq!(e.lines[0].label, "node1");
    }

    #[test]
    fn tasks_on_down_nodes_do_not_count() {
        let s = service(ServiceMode::Replicated { replicas: 1 });
        let mut t = task(1, "running", "running", None);
        t.node_id = Some("gone".into());
        assert!(!evaluate(&s, &[t], &nodes()).converged);
    }

    #[test]
    fn long_errors_are_shortened() {
        let s = service(ServiceMode::Replicated { replicas: 1 });
        let long = "x".repeat(100);
        let e = evaluate(&s, &[task(1, "running", "starting", Some(&long))], &nodes());
        assert_eq!(e.lines[0].status.chars().count(), 75);
    }

    #[test]
    fn state_order() {
        assert!(is_terminal("failed") && is_terminal("complete") && !is_terminal("running") && !is_terminal("bogus"));
        assert!(state_rank("pending") < state_rank("running"));
        assert_eq!(failure_budget(1), 3);
        assert_eq!(failure_budget(5), 5);
    }
}
