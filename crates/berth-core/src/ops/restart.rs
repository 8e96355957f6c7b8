//! `restart`: restarts the selected services' containers and those of the services that
//! depend on them with `restart: true`, each service after its dependencies.

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
use crate::reconcile::{self, plan_restart};

/// Options of `restart`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestartOptions {
    /// The services to restart (empty: all).
    pub services: Vec<String>,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
    /// `--no-deps`: do not restart dependants.
    pub no_deps: bool,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// `restart` for `project_name`; `project` is the loaded compose file, when there is one.
pub async fn restart(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &RestartOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, false).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let reconcile_opts =
        reconcile::RestartOptions { services: opts.services.clone(), timeout: opts.timeout, no_deps: opts.no_deps };
    let plan = plan_restart(desired.as_ref(), &observed, &reconcile_opts)?;
    run_plan(
        &engine,
        plan,
        project_name,
        project,
        desired.as_ref(),
        &observed,
        exec_options(&opts.run, false),
        CreateSettings::default(),
        sink,
        cancel,
    )
    .await
}
