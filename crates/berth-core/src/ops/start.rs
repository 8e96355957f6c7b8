//! `start`: starts the selected services' existing containers, each service after its
//! dependencies met their `depends_on` conditions; with `--wait`, waits for every service to
//! be running or healthy.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{run_plan, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings, ExecOptions};
use crate::observe::observe;
use crate::reconcile::{self, plan_start};

/// Options of `start`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartOptions {
    /// The services to start (empty: all). With a compose file, the project is expected to
    /// be loaded with them and their dependencies selected.
    pub services: Vec<String>,
    /// `--wait`.
    pub wait: bool,
    /// `--wait-timeout`.
    pub wait_timeout: Option<Duration>,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// `start` for `project_name`; `project` is the loaded compose file, when there is one.
pub async fn start(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &StartOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, false).await?;
    // Without a compose file the services come from the containers' labels, so none means
    // there is no project to start (Compose fails the same way).
    if project.is_none() && !observed.containers.iter().any(|c| !c.oneoff) {
        return Err(reconcile::ReconcileError::NoContainerForProject(project_name.to_owned()).into());
    }
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let reconcile_opts = reconcile::StartOptions { services: opts.services.clone(), wait: opts.wait };
    let plan = plan_start(desired.as_ref(), &observed, &reconcile_opts)?;
    let options = ExecOptions {
        parallel: opts.run.parallel,
        dry_run: opts.run.dry_run,
        keep_going: false,
        wait_timeout: opts.wait_timeout.filter(|t| !t.is_zero()),
        wait_requested: opts.wait,
    };
    run_plan(&engine, plan, project_name, project, desired.as_ref(), &observed, options, CreateSettings::default(), sink, cancel)
        .await
}
