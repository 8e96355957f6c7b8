//! `down`: stops and removes the project's containers (dependants first), then its networks,
//! and with `--rmi` its images, with `-v` its volumes. Works from the project name alone: the
//! services, networks and volumes are then read from the engine's labels, as Docker Compose
//! does. A teardown keeps going after a failure and reports every error at the end.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::{exec_options, run_plan, service_image, Outcome, OpsError, RunOptions};
use crate::desired::desired_from_project;
use crate::events::EventSink;
use crate::execute::{CancellationToken, CreateSettings};
use crate::observe::{observe, observe_images};
use crate::reconcile::{self, reconcile_down, ImagePrune};

/// Options of `down`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// Services named on the command line (empty: all); their dependants go too.
    pub services: Vec<String>,
    /// `--remove-orphans`.
    pub remove_orphans: bool,
    /// `-v/--volumes`.
    pub volumes: bool,
    /// `--rmi local|all`.
    pub images: ImagePrune,
    /// `-t/--timeout`.
    pub timeout: Option<Duration>,
    /// `--parallel`, `--dry-run`.
    pub run: RunOptions,
}

/// `down` for `project_name`; `project` is the loaded compose file, when there is one.
pub async fn down(
    engine: Arc<dyn Engine>,
    project_name: &str,
    project: Option<&Project>,
    opts: &DownOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let mut observed = observe(engine.as_ref(), project_name, true).await?;
    let desired = project.map(|p| desired_from_project(p, &BTreeMap::new())).transpose()?;
    if opts.images != ImagePrune::None {
        let mut names: Vec<String> = match project {
            Some(p) => p.services.values().map(|s| service_image(p, s)).collect(),
            None => observed.containers.iter().map(|c| c.image.clone()).collect(),
        };
        names.extend(observed.containers.iter().map(|c| format!("{project_name}-{}", c.service)));
        observe_images(engine.as_ref(), &mut observed, project_name, &names).await?;
    }
    let reconcile_opts = reconcile::DownOptions {
        services: opts.services.clone(),
        remove_orphans: opts.remove_orphans,
        volumes: opts.volumes,
        images: opts.images,
        timeout: opts.timeout,
    };
    let plan = reconcile_down(project_name, desired.as_ref(), &observed, &reconcile_opts)?;
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
