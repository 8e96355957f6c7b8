//! `wait`: blocks until the running containers of some services stop, as Docker Compose's
//! `Wait` does: the containers are found from labels (one-off containers included), each is
//! waited on through the engine's wait call, and each exit is reported as an [`Event::Exit`]
//! naming the container by id. The result is the exit code of the last container to stop,
//! or, with `first_only` (`--down-project`), of the first.

use std::sync::Arc;

use berth_engine::{Engine, EngineError, WaitCondition};
use futures::stream::FuturesUnordered;
use futures::StreamExt;

use crate::events::{Event, EventSink};
use crate::labels;
use crate::query::{self, OneOff, QueryError};

/// `wait` failed.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// Listing the containers failed.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// No running container of the services (Docker Compose's message).
    #[error("no containers for project {0:?}")]
    NoContainers(String),
    /// Waiting on a container failed.
    #[error("{0}")]
    Engine(#[from] EngineError),
}

/// Waits for the running containers of `services` in `project` to stop, reporting each exit to
/// `sink`; with `first_only`, returns as soon as one has stopped. Returns the exit code of the
/// last container reported.
pub async fn wait(
    engine: Arc<dyn Engine>,
    project: &str,
    services: &[String],
    first_only: bool,
    sink: &dyn EventSink,
) -> Result<i64, WaitError> {
    let containers = query::project_containers(engine.as_ref(), project, OneOff::Include, false, services).await?;
    if containers.is_empty() {
        return Err(WaitError::NoContainers(project.to_owned()));
    }
    let mut waits: FuturesUnordered<_> = containers
        .into_iter()
        .map(|c| {
            let engine = Arc::clone(&engine);
            async move {
                let result = engine.wait_container(&c.id, WaitCondition::NotRunning).await;
                (c, result)
            }
        })
        .collect();
    let mut code = 0;
    while let Some((container, result)) = waits.next().await {
        let result = result?;
        code = result.status_code;
        let service = container.labels.get(labels::SERVICE).cloned().unwrap_or_default();
        sink.emit(Event::Exit { service, container: container.id.clone(), code });
        if first_only {
            break;
        }
    }
    Ok(code)
}
