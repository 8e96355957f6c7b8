//! `pause`: pauses the running containers of the selected services, all at once.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{exec_options, run_plan, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};
use crate::observe::observe;
use crate::reconcile::plan_pause;

/// `pause` of `services` (empty: all) for `project_name`; `project` is the loaded compose
/// file, when there is one.
pub async fn pause(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    services: &[String],
    run: &RunOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, false).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let plan = plan_pause(desired.as_ref(), &observed, services);
    run_plan(
        &engine,
        plan,
        project_name,
        project,
        desired.as_ref(),
        &observed,
        exec_options(run, false),
        CreateSettings::default(),
        sink,
        cancel,
    )
    .await
}
