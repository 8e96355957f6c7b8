//! `rm`: removes the stopped containers of the selected services (all of them with `-s`,
//! after stopping them as `stop` does), with their anonymous volumes with `-v`. The caller
//! confirms the list first unless `-f`, as Docker Compose asks "Going to remove ...".
//! Keeps going after a failure.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{exec_options, run_plan, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};
use crate::observe::observe;
use crate::plan::{Action, Plan};
use crate::reconcile::{self, plan_remove};

/// Options of `rm`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RmOptions {
    /// The services whose containers to remove (empty: all).
    pub services: Vec<String>,
    /// `-s/--stop`.
    pub stop: bool,
    /// `-v/--volumes`.
    pub volumes: bool,
    /// `-f/--force`: no confirmation, and running containers are killed on removal.
    pub force: bool,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// The names of the containers a plan removes, in plan order.
pub fn containers_removed(plan: &Plan) -> Vec<String> {
    plan.operations
        .iter()
        .filter_map(|op| match &op.action {
            Action::RemoveContainer { container, .. } => Some(container.name.clone()),
            _ => None,
        })
        .collect()
}

/// `rm` for `project_name`; `project` is the loaded compose file, when there is one.
/// `confirm` receives the names of the containers about to be removed ("Going to remove
/// ...") and returns whether to go on; it is not called when there is nothing to remove.
/// Declining returns the plan with nothing run.
pub async fn rm(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &RmOptions,
    confirm: &(dyn Fn(&[String]) -> bool + Send + Sync),
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, false).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let reconcile_opts = reconcile::RemoveOptions {
        services: opts.services.clone(),
        stop: opts.stop,
        volumes: opts.volumes,
        force: opts.force,
    };
    let plan = plan_remove(desired.as_ref(), &observed, &reconcile_opts)?;
    let names = containers_removed(&plan);
    if !names.is_empty() && !confirm(&names) {
        return Ok(Outcome { plan, report: crate::execute::ExecReport::default() });
    }
    run_plan(
        &engine,
        plan,
        project_name,
        project,
        desired.as_ref(),
        &observed,
        exec_options(&opts.run, true),
        CreateSettings::default(),
        sink,
        cancel,
    )
    .await
}
