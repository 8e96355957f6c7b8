//! `logs`: the output of a project's containers, found from labels alone (no compose file
//! needed), as Docker Compose's `Logs` finds and streams it.
//!
//! [`sources`] lists the containers (service containers, stopped ones included; one container
//! with `--index`), [`logs`] streams them. Without `--follow` each container's output is
//! streamed at once, concurrently; with `--timestamps` and several containers, lines are
//! merged in time order instead (Compose interleaves them as they arrive). With `--follow`,
//! stopped containers are shown and running ones followed through [`super::attach`], which
//! also picks up containers that restart, are recreated or scaled up while following, and
//! reports each exit; it ends when none is left running or about to start.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use berth_engine::{ContainerListOptions, ContainerStatus, ContainerSummary, Engine, EngineError};
use futures::stream::FuturesUnordered;
use futures::StreamExt;

use super::attach::{follow_logs, stream_lines, AttachError, AttachTarget, FollowOptions, LineReader, OutputOptions};
use crate::events::{Event, EventSink, LogLine};
use crate::execute::CancellationToken;
use crate::labels;
use crate::query::{self, OneOff, QueryError};
use crate::wait::parse_rfc3339;

/// How long `logs -f` keeps watching once no followed container runs or is about to start,
/// after the last event of its services (the stop of the last one, usually), for a restart
/// that stops a container then starts it again (see [`FollowOptions::linger`]).
pub const RESTART_GRACE: Duration = Duration::from_secs(3);

/// What `logs` was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogsRequest {
    /// `--follow`.
    pub follow: bool,
    /// `--since`, as a Unix time.
    pub since: Option<i64>,
    /// `--tail`, `--until`, `--timestamps`.
    pub output: OutputOptions,
    /// Services whose containers started while following are followed too (empty: all).
    pub services: Vec<String>,
}

/// A container whose output is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSource {
    /// The container.
    pub target: AttachTarget,
    /// Running (followed with `--follow`) or not.
    pub running: bool,
}

/// `logs` failed.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    /// Listing the containers failed, or `--index` names none.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Reading a container's output failed.
    #[error("{0}")]
    Engine(#[from] EngineError),
    /// Following failed.
    #[error(transparent)]
    Attach(#[from] AttachError),
}

fn source(c: ContainerSummary) -> LogSource {
    let running = matches!(c.state, ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Restarting);
    let service = c.labels.get(labels::SERVICE).cloned().unwrap_or_default();
    let name = query::canonical_name(&c);
    LogSource { target: AttachTarget { id: c.id, name, service, since: None }, running }
}

/// The containers `logs` shows: the service containers of `services` (all when empty),
/// stopped ones included, in the engine's order; with `index`, that container of the one
/// service (Docker Compose's `getSpecifiedContainer` with stopped containers).
pub async fn sources(engine: &dyn Engine, project: &str, services: &[String], index: u32) -> Result<Vec<LogSource>, LogsError> {
    if index == 0 {
        let list = query::project_containers(engine, project, OneOff::Exclude, true, services).await?;
        return Ok(list.into_iter().map(source).collect());
    }
    let service = services.first().map(String::as_str).unwrap_or_default();
    let filters = query::project_filters(&project.to_lowercase(), OneOff::Exclude, &[service.to_owned()])
        .label(labels::filter(labels::CONTAINER_NUMBER, &index.to_string()));
    let list = engine.list_containers(&ContainerListOptions { all: true, filters }).await.map_err(QueryError::from)?;
    match list.into_iter().next() {
        Some(c) => Ok(vec![source(c)]),
        None => Err(QueryError::Failed(format!("service {service:?} is not running container #{index}")).into()),
    }
}

/// Streams the output of `sources` to `sink` as [`Event::Log`] lines (and, when following,
/// each exit as [`Event::Exit`]) until it ends or `cancel` fires. A container whose logging
/// driver cannot be read is skipped with a warning, as Docker Compose does.
pub async fn logs(
    engine: Arc<dyn Engine>,
    project: &str,
    sources: Vec<LogSource>,
    request: &LogsRequest,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), LogsError> {
    let (running, stopped): (Vec<LogSource>, Vec<LogSource>) =
        sources.into_iter().partition(|s| request.follow && s.running);
    let since = request.since;
    let stopped: Vec<AttachTarget> = stopped.into_iter().map(|s| AttachTarget { since, ..s.target }).collect();
    let dump = async {
        if request.output.timestamps && stopped.len() > 1 {
            merged(engine.as_ref(), &stopped, request, sink).await
        } else {
            concurrent(engine.as_ref(), &stopped, request, sink).await
        }
    };
    let follow = async {
        let targets: Vec<AttachTarget> = running.into_iter().map(|s| AttachTarget { since, ..s.target }).collect();
        let options = FollowOptions {
            output: request.output.clone(),
            services: Some(request.services.clone()),
            linger: Some(RESTART_GRACE),
        };
        follow_logs(Arc::clone(&engine), project, targets, &options, sink, cancel).await
    };
    tokio::select! {
        () = cancel.cancelled() => Ok(()),
        (dumped, followed) = async { tokio::join!(dump, follow) } => {
            dumped?;
            Ok(followed?)
        }
    }
}

/// A read failure ends the command, except an engine that cannot read a logging driver (501).
fn tolerate(result: Result<(), EngineError>, target: &AttachTarget, sink: &dyn EventSink) -> Result<(), EngineError> {
    match result {
        Err(e) if e.status() == Some(501) => {
            sink.emit(Event::Warning { message: format!("Can't retrieve logs for {:?}: {e}", target.name) });
            Ok(())
        }
        other => other,
    }
}

/// Every container's output at once, lines interleaved as they arrive.
async fn concurrent(engine: &dyn Engine, targets: &[AttachTarget], request: &LogsRequest, sink: &dyn EventSink) -> Result<(), LogsError> {
    let mut reads: FuturesUnordered<_> = targets
        .iter()
        .map(|t| async move {
            let options = request.output.engine_options(false, t.since);
            tolerate(stream_lines(engine, t, &options, sink).await, t, sink)
        })
        .collect();
    let mut first_error = None;
    while let Some(result) = reads.next().await {
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), |e| Err(e.into()))
}

/// The time of a line for ordering; lines without one sort first.
fn line_time(line: &LogLine) -> i128 {
    line.timestamp.as_deref().and_then(parse_rfc3339).unwrap_or(i128::MIN)
}

/// How many lines of each container [`merged`] holds to put them in time order.
const MERGE_WINDOW: usize = 64;

/// Every container's output merged in time order: the earliest of the next line of each is
/// printed. A container's lines come nearly in order: Docker stores its stdout and stderr
/// lines from two writers, and a line can land a few after a later one of the other stream.
/// So each container's next [`MERGE_WINDOW`] lines are held, sorted.
async fn merged(engine: &dyn Engine, targets: &[AttachTarget], request: &LogsRequest, sink: &dyn EventSink) -> Result<(), LogsError> {
    struct Source<'a> {
        target: &'a AttachTarget,
        reader: LineReader,
        lines: VecDeque<LogLine>,
        more: bool,
    }
    let mut all: Vec<Source<'_>> = targets
        .iter()
        .map(|t| Source {
            target: t,
            reader: LineReader::new(engine, t, &request.output.engine_options(false, t.since)),
            lines: VecDeque::new(),
            more: true,
        })
        .collect();
    loop {
        for s in &mut all {
            while s.more && s.lines.len() < MERGE_WINDOW {
                let before = s.lines.len();
                match s.reader.fill(&mut s.lines).await {
                    Ok(more) => s.more = more,
                    Err(e) => {
                        s.more = false;
                        tolerate(Err(e), s.target, sink)?;
                    }
                }
                sort_in(&mut s.lines, before);
            }
        }
        let next = all
            .iter_mut()
            .filter(|s| !s.lines.is_empty())
            .min_by_key(|s| s.lines.front().map_or(i128::MAX, line_time));
        let Some(next) = next else { return Ok(()) };
        if let Some(line) = next.lines.pop_front() {
            sink.emit(Event::Log(line));
        }
    }
}

/// Moves each line from `from` on back past the earlier ones holding a later time (the
/// lines before `from` are sorted). Stable: lines of the same time keep their order.
fn sort_in(lines: &mut VecDeque<LogLine>, from: usize) {
    for i in from..lines.len() {
        let mut j = i;
        while j > 0 && line_time(&lines[j - 1]) > line_time(&lines[j]) {
            lines.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::Stream;

    fn line(ts: Option<&str>) -> LogLine {
        LogLine {
            service: "a".into(),
            container: "p-a-1".into(),
            stream: Stream::Stdout,
            timestamp: ts.map(str::to_owned),
            line: String::new(),
        }
    }

    #[test]
    fn held_lines_are_put_in_time_order() {
        let mut lines: VecDeque<LogLine> = ["2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.3Z"].map(|t| line(Some(t))).into();
        lines.extend(["2024-01-02T03:04:05.2Z", "2024-01-02T03:04:05.4Z"].map(|t| line(Some(t))));
        sort_in(&mut lines, 2);
        let times: Vec<_> = lines.iter().filter_map(|l| l.timestamp.as_deref()).collect();
        assert_eq!(times, ["2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.2Z", "2024-01-02T03:04:05.3Z", "2024-01-02T03:04:05.4Z"]);
    }

    #[test]
    fn lines_order_by_engine_time() {
        assert!(line_time(&line(Some("2024-01-02T03:04:05.000000001Z"))) > line_time(&line(Some("2024-01-02T03:04:05Z"))));
        assert_eq!(line_time(&line(None)), i128::MIN);
        assert_eq!(line_time(&line(Some("garbage"))), i128::MIN);
    }
}
