//! The commands, one file per verb: each observes the project on the engine, reconciles
//! (pure), and executes the plan, reporting through an [`EventSink`].
//!
//! Every verb takes the engine, the project (or, for the verbs that work from labels, the
//! project name and an optional project), its options, the sink and a cancellation token, and
//! returns an [`Outcome`]: the plan it ran (its text form is what `--dry-run` prints) and the
//! executor's report. [`attach`] streams containers' output for attached `up` and `logs -f`.

pub mod attach;
pub mod cp;
pub mod create;
pub mod down;
mod event_feed;
pub mod exec;
pub mod kill;
pub mod logs;
pub mod pause;
pub mod publish;
pub mod pull;
pub mod push;
pub mod restart;
pub mod scale;
pub mod run;
pub mod rm;
pub mod start;
pub mod stop;
pub mod unpause;
pub mod up;
pub mod wait;
pub mod watch;

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_engine::{Engine, EngineError};
use berth_spec::model::Project;

use crate::desired::{desired_from_project, DesiredState};
use crate::events::EventSink;
use crate::execute::{execute, CancellationToken, CreateSettings, ExecContext, ExecError, ExecOptions, ExecReport};
use crate::hash::HashError;
use crate::observe::ObserveError;
use crate::observed::ObservedState;
use crate::plan::Plan;
use crate::reconcile::ReconcileError;

/// Options every verb shares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// `--parallel`: the most engine operations at once (`None`: unlimited).
    pub parallel: Option<usize>,
    /// `--dry-run`: plan and report, change nothing.
    pub dry_run: bool,
}

/// What a verb did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The plan that was run (its `Display` is the `--dry-run` text).
    pub plan: Plan,
    /// What happened to each operation, and the containers afterwards.
    pub report: ExecReport,
}

/// Why a verb failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Reading the engine's state failed.
    #[error(transparent)]
    Observe(#[from] ObserveError),
    /// No plan could be made.
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    /// A service's config hash could not be computed.
    #[error(transparent)]
    Hash(#[from] HashError),
    /// Running the plan failed (the plan is kept for the report).
    #[error("{source}")]
    Exec {
        /// The plan.
        plan: Box<Plan>,
        /// The failure, with the executor's report.
        source: ExecError,
    },
    /// An image could not be made available.
    #[error("{0}")]
    Image(String),
    /// Images could not be pulled.
    #[error(transparent)]
    Pull(#[from] pull::PullFailures),
    /// An engine call outside the plan failed.
    #[error("{context}: {source}")]
    Engine {
        /// What was being done.
        context: String,
        /// The engine's error.
        source: EngineError,
    },
}

impl OpsError {
    /// True when the verb stopped because it was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Exec { source: ExecError::Cancelled { .. }, .. })
    }
}

/// Builds the executor's context and runs `plan`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_plan(
    engine: &Arc<dyn Engine>,
    plan: Plan,
    project_name: &str,
    project: Option<&Project>,
    desired: Option<&DesiredState>,
    observed: &ObservedState,
    options: ExecOptions,
    create: CreateSettings,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let ctx = ExecContext {
        project_name: project_name.to_owned(),
        project,
        desired,
        observed,
        options,
        create,
    };
    match execute(Arc::clone(engine), &plan, &ctx, sink, cancel).await {
        Ok(report) => Ok(Outcome { plan, report }),
        Err(source) => Err(OpsError::Exec { plan: Box::new(plan), source }),
    }
}

/// Executor options from the shared run options.
pub(crate) fn exec_options(run: &RunOptions, keep_going: bool) -> ExecOptions {
    ExecOptions { parallel: run.parallel, dry_run: run.dry_run, keep_going, ..ExecOptions::default() }
}

/// The image each service of `project` runs (`image`, else `<project>-<service>`).
pub use berth_spec::project::image_name as service_image;

/// The id of each service image that exists locally, by image reference: what the
/// `com.docker.compose.image` label records.
pub async fn local_image_digests(engine: &dyn Engine, project: &Project) -> Result<BTreeMap<String, String>, OpsError> {
    let mut digests = BTreeMap::new();
    for service in project.services.values() {
        let image = service_image(project, service);
        if digests.contains_key(&image) {
            continue;
        }
        match engine.inspect_image(&image).await {
            Ok(details) => {
                digests.insert(image, details.id);
            }
            Err(e) if e.is_not_found() => {}
            Err(source) => return Err(OpsError::Engine { context: format!("inspecting image {image}"), source }),
        }
    }
    Ok(digests)
}

/// The desired state of `project` with the digests of its local images.
pub async fn desired_state(engine: &dyn Engine, project: &Project) -> Result<DesiredState, OpsError> {
    let digests = local_image_digests(engine, project).await?;
    Ok(desired_from_project(project, &digests)?)
}
