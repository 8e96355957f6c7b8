//! `stop`: stops the selected services' containers, dependants before their dependencies,
//! the containers of one service in parallel. Without `-t`, each container gets its own stop
//! timeout (`stop_grace_period`, recorded at creation). Keeps going after a failure.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{exec_options, run_plan, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};
use crate::observe::observe;
use crate::reconcile::{self, plan_stop};

/// Options of `stop`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopOptions {
    /// The services to stop (empty: all).
    pub services: Vec<String>,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// `stop` for `project_name`; `project` is the loaded compose file, when there is one.
pub async fn stop(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &StopOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, false).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let reconcile_opts = reconcile::StopOptions { services: opts.services.clone(), timeout: opts.timeout };
    let plan = plan_stop(desired.as_ref(), &observed, &reconcile_opts)?;
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
