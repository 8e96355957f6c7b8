//! `create`: `up --no-start` — networks, volumes and containers are created (or recreated)
//! as `up` would, and nothing is started.

use std::sync::Arc;

use berth_engine::Engine;
use berth_spec::model::Project;

use super::up::{up, UpOptions};
use super::{Outcome, OpsError};
use crate::events::EventSink;
use crate::execute::CancellationToken;

/// `create`: [`up`] with `no_start` (and no `wait`, which needs started containers).
pub async fn create(
    engine: Arc<dyn Engine>,
    project: &Project,
    opts: &UpOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<Outcome, OpsError> {
    let mut opts = opts.clone();
    opts.no_start = true;
    opts.wait = false;
    up(engine, project, &opts, sink, cancel).await
}
