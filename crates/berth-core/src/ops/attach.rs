//! Attached output, for `up` without `-d` and `logs -f`: each container's output as
//! [`Event::Log`] lines and its end as [`Event::Exit`].
//!
//! Like Docker Compose's `watchContainers`, the project's container events are followed so
//! that containers that appear while attached (recreated, scaled up, restarted by their
//! restart policy or by `restart`) are attached to as they start. A container whose output
//! ends is inspected: if it runs again, its output is followed from its new start; if it
//! is restarting, the next start re-attaches it; if another container replaced it
//! (`com.docker.compose.replace`), it ends silently; otherwise its exit code is reported.
//! [`attach_logs`] returns when no attached container is left running, or when cancelled.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use berth_engine::{
    ContainerListOptions, ContainerStatus, Engine, EngineError, EventOptions, Filters, LogsOptions, OutputStream,
};
use futures::stream::FuturesUnordered;
use futures::StreamExt;

use crate::events::{Event, EventSink, LogLine, Stream};
use crate::execute::OpOutcome;
use crate::plan::Action;
use crate::execute::CancellationToken;
use crate::labels;
use crate::wait::{parse_rfc3339, unix_now};

/// A container to attach to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachTarget {
    /// Full id.
    pub id: String,
    /// Container name (the renderer derives the `web-1 |` prefix from it).
    pub name: String,
    /// Its service.
    pub service: String,
    /// Show output from this Unix time on (`None`: from the container's first output). `up`
    /// passes `None` for containers it created or started, and the current time for those
    /// that were already running, as Docker Compose attaches to them without their past.
    pub since: Option<i64>,
}

/// The containers to attach to after `up` ran: every container of `services` (all services
/// when empty) in the outcome's report. Those the run created, started or restarted are
/// shown from their first output; the others (already running) from now on.
pub fn targets_after(outcome: &super::Outcome, services: &[String]) -> Vec<AttachTarget> {
    let fresh: BTreeSet<&str> = outcome
        .plan
        .operations
        .iter()
        .filter(|op| matches!(outcome.report.outcome(op.id), Some(OpOutcome::Done)))
        .filter_map(|op| match &op.action {
            Action::StartContainer { container } | Action::RestartContainer { container, .. } => {
                Some(container.name.as_str())
            }
            Action::CreateContainer { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let now = unix_now();
    outcome
        .report
        .containers
        .iter()
        .filter(|(service, _)| services.is_empty() || services.contains(service))
        .flat_map(|(service, list)| {
            list.iter().map(|(name, id)| AttachTarget {
                id: id.clone(),
                name: name.clone(),
                service: service.clone(),
                since: if fresh.contains(name.as_str()) { None } else { Some(now) },
            })
        })
        .collect()
}

/// Attaching failed.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct AttachError {
    /// What was being done.
    pub context: String,
    /// The engine's error.
    #[source]
    pub source: EngineError,
}

/// Splits output frames into lines, per stream, keeping partial lines until they end.
#[derive(Default)]
struct LineSplitter {
    pending: BTreeMap<u8, Vec<u8>>,
}

fn stream_key(stream: OutputStream) -> (u8, Stream) {
    match stream {
        OutputStream::Stderr => (2, Stream::Stderr),
        _ => (1, Stream::Stdout),
    }
}

impl LineSplitter {
    fn push(&mut self, stream: OutputStream, data: &[u8]) -> Vec<(Stream, String)> {
        let (key, kind) = stream_key(stream);
        let buffer = self.pending.entry(key).or_default();
        buffer.extend_from_slice(data);
        let mut lines = Vec::new();
        while let Some(pos) = buffer.iter().position(|b| *b == b'\n') {
            let rest = buffer.split_off(pos.saturating_add(1));
            let mut line = std::mem::replace(buffer, rest);
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push((kind, String::from_utf8_lossy(&line).into_owned()));
        }
        lines
    }

    fn flush(&mut self) -> Vec<(Stream, String)> {
        let mut lines = Vec::new();
        for (key, buffer) in std::mem::take(&mut self.pending) {
            if !buffer.is_empty() {
                let kind = if key == 2 { Stream::Stderr } else { Stream::Stdout };
                lines.push((kind, String::from_utf8_lossy(&buffer).into_owned()));
            }
        }
        lines
    }
}

/// Streams one container's output until it ends; returns the target when it does.
async fn follow(engine: Arc<dyn Engine>, target: AttachTarget, sink: &dyn EventSink) -> AttachTarget {
    let options = LogsOptions { follow: true, since: target.since, ..LogsOptions::default() };
    let mut frames = engine.logs(&target.id, &options);
    let mut splitter = LineSplitter::default();
    let emit = |stream: Stream, line: String| {
        sink.emit(Event::Log(LogLine {
            service: target.service.clone(),
            container: target.name.clone(),
            stream,
            timestamp: None,
            line,
        }));
    };
    while let Some(frame) = frames.next().await {
        // A broken log stream ends the attachment of this container; its state decides what
        // comes next.
        let Ok(frame) = frame else { break };
        for (stream, line) in splitter.push(frame.stream, &frame.data) {
            emit(stream, line);
        }
    }
    for (stream, line) in splitter.flush() {
        emit(stream, line);
    }
    target
}

/// What became of a container whose output ended.
enum AfterEnd {
    /// Running again: follow it from this time.
    Running(i64),
    /// Will be started again by its restart policy.
    Restarting,
    /// Replaced by another container, or removed.
    Gone,
    /// Exited with this code.
    Exited(i64),
}

async fn after_end(engine: &dyn Engine, target: &AttachTarget) -> Result<AfterEnd, AttachError> {
    let replaced = engine
        .list_containers(&ContainerListOptions {
            all: true,
            filters: Filters::new().label(labels::filter(labels::REPLACE, &target.id)),
        })
        .await
        .map_err(|source| AttachError { context: format!("looking for the replacement of {}", target.name), source })?;
    if !replaced.is_empty() {
        return Ok(AfterEnd::Gone);
    }
    let details = match engine.inspect_container(&target.id).await {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(AfterEnd::Gone),
        Err(source) => return Err(AttachError { context: format!("inspecting container {}", target.name), source }),
    };
    Ok(match details.state.status {
        ContainerStatus::Running | ContainerStatus::Paused => {
            let started = parse_rfc3339(&details.state.started_at)
                .and_then(|n| i64::try_from(n.div_euclid(1_000_000_000)).ok())
                .unwrap_or_else(unix_now);
            AfterEnd::Running(started)
        }
        // Not started yet: its start event attaches it.
        ContainerStatus::Restarting | ContainerStatus::Created => AfterEnd::Restarting,
        ContainerStatus::Removing | ContainerStatus::Dead => AfterEnd::Gone,
        ContainerStatus::Exited => AfterEnd::Exited(details.state.exit_code),
    })
}

/// Streams the output of `containers` (and of containers of the same services that start
/// while attached) as [`Event::Log`] lines, reporting each final exit as [`Event::Exit`].
/// Returns when none is left running, or when `cancel` fires.
pub async fn attach_logs(
    engine: Arc<dyn Engine>,
    project: &str,
    containers: Vec<AttachTarget>,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), AttachError> {
    let services: BTreeSet<String> = containers.iter().map(|c| c.service.clone()).collect();
    let mut events = engine.events(&EventOptions {
        since: Some(unix_now().saturating_sub(1)),
        until: None,
        filters: Filters::new()
            .with("type", "container")
            .with("event", "start")
            .label(labels::project_filter(project))
            .label(labels::filter(labels::ONEOFF, "False")),
    });
    let mut events_open = true;
    let mut attached: BTreeSet<String> = BTreeSet::new();
    let mut names: BTreeMap<String, AttachTarget> = BTreeMap::new();
    let mut running = FuturesUnordered::new();
    let mut restarting: BTreeSet<String> = BTreeSet::new();
    for target in containers {
        attached.insert(target.id.clone());
        names.insert(target.id.clone(), target.clone());
        running.push(follow(Arc::clone(&engine), target, sink));
    }
    loop {
        if running.is_empty() && restarting.is_empty() {
            return Ok(());
        }
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            Some(ended) = running.next(), if !running.is_empty() => {
                attached.remove(&ended.id);
                match after_end(engine.as_ref(), &ended).await? {
                    AfterEnd::Running(since) => {
                        attached.insert(ended.id.clone());
                        running.push(follow(Arc::clone(&engine), AttachTarget { since: Some(since), ..ended }, sink));
                    }
                    AfterEnd::Restarting => {
                        restarting.insert(ended.id.clone());
                    }
                    AfterEnd::Gone => {}
                    AfterEnd::Exited(code) => {
                        sink.emit(Event::Exit { service: ended.service.clone(), container: ended.name.clone(), code });
                    }
                }
            }
            event = events.next(), if events_open => {
                let Some(Ok(event)) = event else {
                    // Without events, containers that appear later are not followed; those
                    // already attached still are.
                    events_open = false;
                    continue;
                };
                let id = event.actor_id.clone();
                if attached.contains(&id) {
                    continue;
                }
                let service = event.attributes.get(labels::SERVICE).cloned().unwrap_or_default();
                if !services.contains(&service) {
                    continue;
                }
                let name = event
                    .attributes
                    .get("name")
                    .cloned()
                    .or_else(|| names.get(&id).map(|t| t.name.clone()))
                    .unwrap_or_else(|| id.clone());
                restarting.remove(&id);
                attached.insert(id.clone());
                let target = AttachTarget { id: id.clone(), name, service, since: Some(event.time()) };
                names.insert(id, target.clone());
                running.push(follow(Arc::clone(&engine), target, sink));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_per_stream() {
        let mut s = LineSplitter::default();
        assert!(s.push(OutputStream::Stdout, b"hel").is_empty());
        assert_eq!(s.push(OutputStream::Stderr, b"oops\n"), vec![(Stream::Stderr, "oops".to_owned())]);
        assert_eq!(
            s.push(OutputStream::Stdout, b"lo\r\nworld\npart"),
            vec![(Stream::Stdout, "hello".to_owned()), (Stream::Stdout, "world".to_owned())]
        );
        assert_eq!(s.flush(), vec![(Stream::Stdout, "part".to_owned())]);
        assert!(s.flush().is_empty());
    }
}
