//! `kill`: sends a signal (SIGKILL by default) to the running containers of the selected
//! services, all at once; one-off containers included, orphans with `--remove-orphans`.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{exec_options, run_plan, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};
use crate::observe::observe;
use crate::reconcile::{self, plan_kill};

/// Options of `kill`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KillOptions {
    /// The services to kill (empty: all).
    pub services: Vec<String>,
    /// `-s/--signal` (`None`: SIGKILL).
    pub signal: Option<String>,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// `kill` for `project_name`; `project` is the loaded compose file, when there is one.
pub async fn kill(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &KillOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let observed = observe(engine.as_ref(), project_name, true).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    let reconcile_opts = reconcile::KillOptions {
        services: opts.services.clone(),
        signal: opts.signal.clone(),
        remove_orphans: opts.remove_orphans,
    };
    let plan = plan_kill(desired.as_ref(), &observed, &reconcile_opts)?;
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
