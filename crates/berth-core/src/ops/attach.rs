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

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use berth_engine::{
    ContainerListOptions, ContainerStatus, Engine, EngineError, EngineEvent, EngineStream, EventOptions, Filters, LogFrame,
    LogsOptions, OutputStream,
};
use futures::stream::FuturesUnordered;
use futures::StreamExt;

use super::event_feed::EventFeed;
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

/// Splits output frames into lines, per stream, keeping partial lines until they end. A frame
/// is scanned once and only an unfinished tail is copied, so a frame holding thousands of lines
/// (a TTY's raw output) costs no more than thousands of one-line frames.
#[derive(Default)]
pub(crate) struct LineSplitter {
    out: Vec<u8>,
    err: Vec<u8>,
}

fn stream_of(stream: OutputStream) -> Stream {
    match stream {
        OutputStream::Stderr => Stream::Stderr,
        _ => Stream::Stdout,
    }
}

/// A line without its newline and a carriage return before it (TTY output ends lines with
/// `\r\n`).
fn line_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

impl LineSplitter {
    /// Calls `emit` for every line `data` completes.
    pub(crate) fn push(&mut self, stream: OutputStream, data: &[u8], mut emit: impl FnMut(Stream, String)) {
        let kind = stream_of(stream);
        let pending = if kind == Stream::Stderr { &mut self.err } else { &mut self.out };
        let mut rest = data;
        if !pending.is_empty() {
            let Some(pos) = rest.iter().position(|b| *b == b'\n') else {
                pending.extend_from_slice(rest);
                return;
            };
            let (head, tail) = rest.split_at(pos);
            pending.extend_from_slice(head);
            emit(kind, line_text(pending));
            pending.clear();
            rest = tail.get(1..).unwrap_or_default();
        }
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            let (line, tail) = rest.split_at(pos);
            emit(kind, line_text(line));
            rest = tail.get(1..).unwrap_or_default();
        }
        pending.extend_from_slice(rest);
    }

    /// Calls `emit` for the unfinished lines, stdout's first.
    pub(crate) fn flush(&mut self, mut emit: impl FnMut(Stream, String)) {
        for (kind, pending) in [(Stream::Stdout, &mut self.out), (Stream::Stderr, &mut self.err)] {
            if !pending.is_empty() {
                emit(kind, line_text(pending));
                pending.clear();
            }
        }
    }
}

/// How the engine is asked for output, beyond where to start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputOptions {
    /// Only the last lines of each container (`--tail`).
    pub tail: Option<u64>,
    /// Only output before this Unix time (`--until`).
    pub until: Option<i64>,
    /// Ask the engine for each line's time; it arrives in [`LogLine::timestamp`].
    pub timestamps: bool,
}

impl OutputOptions {
    pub(crate) fn engine_options(&self, follow: bool, since: Option<i64>) -> LogsOptions {
        LogsOptions {
            follow,
            since,
            until: self.until,
            tail: self.tail,
            timestamps: self.timestamps,
            ..LogsOptions::default()
        }
    }
}

/// Splits the engine's `2024-01-02T03:04:05.123456789Z ` off the start of `text`.
fn split_timestamp(text: &[u8]) -> (Option<String>, &[u8]) {
    let Some(space) = text.iter().take(40).position(|b| *b == b' ') else { return (None, text) };
    let (ts, rest) = text.split_at(space);
    match std::str::from_utf8(ts) {
        Ok(ts) if parse_rfc3339(ts).is_some() => (Some(ts.to_owned()), rest.get(1..).unwrap_or_default()),
        _ => (None, text),
    }
}

/// Reads one container's output as lines.
pub(crate) struct LineReader {
    frames: EngineStream<LogFrame>,
    splitter: LineSplitter,
    service: String,
    container: String,
    timestamps: bool,
    /// The time of the latest frame, for the unfinished lines at the end.
    latest: Option<String>,
    done: bool,
}

impl LineReader {
    /// Starts reading `target`'s output with `options`.
    pub(crate) fn new(engine: &dyn Engine, target: &AttachTarget, options: &LogsOptions) -> Self {
        LineReader {
            frames: engine.logs(&target.id, options),
            splitter: LineSplitter::default(),
            service: target.service.clone(),
            container: target.name.clone(),
            timestamps: options.timestamps,
            latest: None,
            done: false,
        }
    }

    /// Reads the next frame and appends the lines it completes to `out`; at the end of the
    /// output appends the unfinished lines and returns `false`. An engine error ends the
    /// output too.
    ///
    /// With timestamps, the engines send each log entry (a line, or a piece of a long one) as
    /// one frame that starts with its time: a line gets the time of the frame that ends it,
    /// and the pieces of a long line lose theirs. A TTY's output is one raw stream, where
    /// every line starts with its time.
    pub(crate) async fn fill(&mut self, out: &mut VecDeque<LogLine>) -> Result<bool, EngineError> {
        if self.done {
            return Ok(false);
        }
        let LineReader { frames, splitter, service, container, timestamps, latest, done } = self;
        let mut send = |stream: Stream, timestamp: Option<String>, line: String| {
            out.push_back(LogLine { service: service.clone(), container: container.clone(), stream, timestamp, line });
        };
        match frames.next().await {
            Some(Ok(frame)) if *timestamps && frame.stream == OutputStream::Console => {
                splitter.push(frame.stream, &frame.data, |stream, line| {
                    let (timestamp, text) = split_timestamp(line.as_bytes());
                    let text = if timestamp.is_some() { String::from_utf8_lossy(text).into_owned() } else { line };
                    send(stream, timestamp, text);
                });
                Ok(true)
            }
            Some(Ok(frame)) if *timestamps => {
                let (timestamp, data) = split_timestamp(&frame.data);
                if timestamp.is_some() {
                    *latest = timestamp;
                }
                splitter.push(frame.stream, data, |stream, line| send(stream, latest.clone(), line));
                Ok(true)
            }
            Some(Ok(frame)) => {
                splitter.push(frame.stream, &frame.data, |stream, line| send(stream, None, line));
                Ok(true)
            }
            end => {
                *done = true;
                splitter.flush(|stream, line| send(stream, latest.clone(), line));
                match end {
                    Some(Err(e)) => Err(e),
                    _ => Ok(false),
                }
            }
        }
    }
}

/// One container's output as [`Event::Log`] lines, until the engine's stream ends (an error
/// ends it too, and is returned).
pub(crate) async fn stream_lines(
    engine: &dyn Engine,
    target: &AttachTarget,
    options: &LogsOptions,
    sink: &dyn EventSink,
) -> Result<(), EngineError> {
    let mut reader = LineReader::new(engine, target, options);
    let mut lines = VecDeque::new();
    loop {
        let more = reader.fill(&mut lines).await;
        for line in lines.drain(..) {
            sink.emit(Event::Log(line));
        }
        if !more? {
            return Ok(());
        }
    }
}

/// What was printed of a container at the latest time its lines carry, so that following it
/// again does not print it twice: engines replay from a `since` in whole seconds (Podman's
/// log times have no fraction at all), and Podman's stream of a stopping container can
/// carry the first line of its next run before it ends.
#[derive(Debug, Default)]
struct Printed {
    /// The latest time (ns) among the lines printed.
    latest: Option<i128>,
    /// A fingerprint of each line printed at that time, in order.
    at_latest: Vec<u64>,
}

fn fingerprint(line: &LogLine) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (line.stream == Stream::Stderr, &line.line).hash(&mut h);
    h.finish()
}

impl Printed {
    fn record(&mut self, time: i128, line: &LogLine) {
        if self.latest != Some(time) {
            self.latest = Some(time);
            self.at_latest.clear();
        }
        self.at_latest.push(fingerprint(line));
    }
}

/// Recognises the lines a new stream of a container repeats from [`Printed`]: those older
/// than its latest time, then those at that time, in the order they were printed.
struct Replay {
    latest: Option<i128>,
    at_latest: Vec<u64>,
    matched: usize,
}

impl Replay {
    fn of(printed: &Printed) -> Self {
        Replay { latest: printed.latest, at_latest: printed.at_latest.clone(), matched: 0 }
    }

    /// `true` when `line` (at `time`) was printed already. Once a line is new, so are the
    /// ones after it.
    fn repeats(&mut self, time: i128, line: &LogLine) -> bool {
        let Some(latest) = self.latest else { return false };
        let repeated = time < latest
            || (time == latest && self.at_latest.get(self.matched).is_some_and(|f| *f == fingerprint(line)));
        if time == latest && repeated {
            self.matched += 1;
        }
        if !repeated {
            self.latest = None;
        }
        repeated
    }
}

/// Streams one container's output until it ends, then finds out what became of it. A
/// restarted container is followed from the start the engine recorded, which precedes its
/// start event. The engine calls are made here, not in [`follow_logs`]'s loop, so that an
/// engine slow to answer them (Podman holds a container's lock while it stops or starts it)
/// holds up no other container's output, nor the events.
///
/// The engine is always asked for each line's time, to leave out what `printed` holds; the
/// lines carry it only when `output` asks for it.
async fn follow(
    engine: Arc<dyn Engine>,
    mut target: AttachTarget,
    restarted: bool,
    output: OutputOptions,
    mut printed: Printed,
    sink: &dyn EventSink,
) -> (AttachTarget, Printed, Result<AfterEnd, AttachError>) {
    if restarted {
        if let Ok(details) = engine.inspect_container(&target.id).await {
            target.since = Some(started_at(&details.state.started_at));
        }
    }
    let options = LogsOptions { timestamps: true, ..output.engine_options(true, target.since) };
    let mut replay = Replay::of(&printed);
    let mut reader = LineReader::new(engine.as_ref(), &target, &options);
    let mut lines = VecDeque::new();
    loop {
        // A broken log stream ends the attachment of this container; its state decides what
        // comes next.
        let more = reader.fill(&mut lines).await.unwrap_or(false);
        for mut line in lines.drain(..) {
            if let Some(time) = line.timestamp.as_deref().and_then(parse_rfc3339) {
                if replay.repeats(time, &line) {
                    continue;
                }
                printed.record(time, &line);
            }
            if !output.timestamps {
                line.timestamp = None;
            }
            sink.emit(Event::Log(line));
        }
        if !more {
            break;
        }
    }
    let after = after_end(engine.as_ref(), &target).await;
    (target, printed, after)
}

/// What became of a container whose output ended.
enum AfterEnd {
    /// Running again: follow it from this time.
    Running(i64),
    /// Will be started again by its restart policy.
    Restarting,
    /// Replaced by these containers (`up` recreated it): they are followed once they start.
    Replaced(Vec<String>),
    /// Removed.
    Gone,
    /// Exited with this code.
    Exited(i64),
}

/// A container's start time (RFC 3339) in Unix seconds, or now.
fn started_at(text: &str) -> i64 {
    parse_rfc3339(text).and_then(|n| i64::try_from(n.div_euclid(1_000_000_000)).ok()).unwrap_or_else(unix_now)
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
        return Ok(AfterEnd::Replaced(replaced.into_iter().map(|c| c.id).collect()));
    }
    let details = match engine.inspect_container(&target.id).await {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(AfterEnd::Gone),
        Err(source) => return Err(AttachError { context: format!("inspecting container {}", target.name), source }),
    };
    Ok(match details.state.status {
        ContainerStatus::Running | ContainerStatus::Paused => AfterEnd::Running(started_at(&details.state.started_at)),
        // Not started yet: its start event attaches it.
        ContainerStatus::Restarting | ContainerStatus::Created => AfterEnd::Restarting,
        ContainerStatus::Removing | ContainerStatus::Dead => AfterEnd::Gone,
        ContainerStatus::Exited => AfterEnd::Exited(details.state.exit_code),
    })
}

/// How [`follow_logs`] follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowOptions {
    /// What to ask the engine for (`up` asks for everything, `logs -f` passes its flags).
    pub output: OutputOptions,
    /// Services whose containers are followed when they start: `None`, those of the initial
    /// containers; `Some` of an empty list, every service of the project.
    pub services: Option<Vec<String>>,
    /// How long to keep watching once no followed container runs and none is about to start,
    /// while one that exited still exists (a container that `restart` stopped is started
    /// again with no sign beforehand; once removed, as by `down`, it will not be); counted
    /// from the last event of a followed service, so an engine slowed down by load, still
    /// reporting the stop, is waited for. `None` ends at once, as attached `up` does. A
    /// recreated or scaled-up container does not depend on it: its creation is seen first.
    pub linger: Option<Duration>,
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
    follow_logs(engine, project, containers, &FollowOptions::default(), sink, cancel).await
}

/// The containers [`follow_logs`] follows or waits for.
struct Watch {
    /// The services whose new containers are followed (`None`: all).
    services: Option<BTreeSet<String>>,
    /// Containers whose output is being streamed.
    attached: BTreeSet<String>,
    /// Containers expected to start (created by a recreation or a scale-up, or restarting):
    /// following goes on until they start or are removed.
    pending: BTreeSet<String>,
    /// Names of the containers seen, for those whose start event carries none.
    names: BTreeMap<String, String>,
    /// Every container followed so far: one that starts again was restarted, and is followed
    /// from its new start; any other is new, and followed from its first line (its start event
    /// comes after its first lines, at times in the next second).
    followed: BTreeSet<String>,
    /// Containers that exited and still exist: `restart` may start them again, which only
    /// the linger waits for. A removed one will not.
    exited: BTreeSet<String>,
    /// What was printed of the containers not followed at the moment.
    printed: BTreeMap<String, Printed>,
}

impl Watch {
    fn idle(&self) -> bool {
        self.attached.is_empty() && self.pending.is_empty()
    }

    /// Marks `target` attached; `false` when it already was.
    fn attach(&mut self, target: &AttachTarget) -> bool {
        self.pending.remove(&target.id);
        self.exited.remove(&target.id);
        self.names.insert(target.id.clone(), target.name.clone());
        self.followed.insert(target.id.clone());
        self.attached.insert(target.id.clone())
    }
}

/// [`attach_logs`] with the engine options, the services to watch for and a linger of
/// `options`.
pub async fn follow_logs(
    engine: Arc<dyn Engine>,
    project: &str,
    containers: Vec<AttachTarget>,
    options: &FollowOptions,
    sink: &dyn EventSink,
    cancel: &CancellationToken,
) -> Result<(), AttachError> {
    if containers.is_empty() {
        return Ok(());
    }
    let services: Option<BTreeSet<String>> = match &options.services {
        None => Some(containers.iter().map(|c| c.service.clone()).collect()),
        Some(list) if list.is_empty() => None,
        Some(list) => Some(list.iter().cloned().collect()),
    };
    // With a linger, creations and removals are watched too (a container created by a
    // recreation or a scale-up is waited for until it starts, however long that takes), and
    // stops, which restart the linger. Podman calls a removal `remove`; Docker accepts the
    // name and reports none.
    let mut filters = Filters::new().with("type", "container").with("event", "start");
    if options.linger.is_some() {
        for action in ["create", "destroy", "remove", "die", "stop"] {
            filters = filters.with("event", action);
        }
    }
    let mut events = EventFeed::new(
        Arc::clone(&engine),
        EventOptions {
            since: Some(unix_now().saturating_sub(1)),
            until: None,
            filters: filters.label(labels::project_filter(project)).label(labels::filter(labels::ONEOFF, "False")),
        },
    );
    let mut events_open = true;
    let mut watch = Watch {
        services,
        attached: BTreeSet::new(),
        pending: BTreeSet::new(),
        names: BTreeMap::new(),
        followed: BTreeSet::new(),
        exited: BTreeSet::new(),
        printed: BTreeMap::new(),
    };
    let mut running = FuturesUnordered::new();
    let output = &options.output;
    for target in containers {
        if watch.attach(&target) {
            running.push(follow(Arc::clone(&engine), target, false, output.clone(), Printed::default(), sink));
        }
    }
    let mut last_activity = tokio::time::Instant::now();
    loop {
        let deadline = if watch.idle() {
            match options.linger {
                Some(linger) if events_open && !watch.exited.is_empty() => Some(last_activity + linger),
                _ => return Ok(()),
            }
        } else {
            None
        };
        tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            () = sleep_until(deadline), if deadline.is_some() => return Ok(()),
            Some((ended, printed, after)) = running.next(), if !running.is_empty() => {
                last_activity = tokio::time::Instant::now();
                watch.attached.remove(&ended.id);
                watch.printed.insert(ended.id.clone(), printed);
                match after? {
                    AfterEnd::Running(since) => {
                        let target = AttachTarget { since: Some(since), ..ended };
                        if watch.attach(&target) {
                            let printed = watch.printed.remove(&target.id).unwrap_or_default();
                            running.push(follow(Arc::clone(&engine), target, false, output.clone(), printed, sink));
                        }
                    }
                    AfterEnd::Restarting => {
                        watch.pending.insert(ended.id);
                    }
                    AfterEnd::Replaced(ids) => {
                        // Each replacement is followed from its start event, which may have
                        // come already (then it is attached) or comes later.
                        watch.pending.extend(ids.into_iter().filter(|id| !watch.attached.contains(id)));
                    }
                    AfterEnd::Gone => {}
                    AfterEnd::Exited(code) => {
                        watch.exited.insert(ended.id.clone());
                        sink.emit(Event::Exit { service: ended.service.clone(), container: ended.name.clone(), code });
                    }
                }
            }
            event = events.next(), if events_open => {
                let Some(event) = event else {
                    // The engine is gone: containers that appear later are not followed (nor
                    // waited for); those already attached still are.
                    events_open = false;
                    watch.pending.clear();
                    continue;
                };
                let service = event.attributes.get(labels::SERVICE).map_or("", String::as_str);
                if watch.services.as_ref().is_some_and(|s| !s.contains(service)) {
                    continue;
                }
                last_activity = tokio::time::Instant::now();
                if let Some(target) = watch.on_event(&event) {
                    let restarted = target.since.is_some();
                    let printed = watch.printed.remove(&target.id).unwrap_or_default();
                    running.push(follow(Arc::clone(&engine), target, restarted, output.clone(), printed, sink));
                }
            }
        }
    }
}

impl Watch {
    /// Takes in an event of a followed service; returns a container to start following.
    fn on_event(&mut self, event: &EngineEvent) -> Option<AttachTarget> {
        let id = &event.actor_id;
        if let Some(name) = event.attributes.get("name") {
            self.names.insert(id.clone(), name.clone());
        }
        match event.action_name() {
            // Followed once it starts; until then `logs -f` does not end.
            "create" if !self.attached.contains(id) => {
                self.pending.insert(id.clone());
                None
            }
            "destroy" | "remove" => {
                self.pending.remove(id);
                self.exited.remove(id);
                None
            }
            "start" if !self.attached.contains(id) => {
                let target = AttachTarget {
                    id: id.clone(),
                    name: self.names.get(id).cloned().unwrap_or_else(|| id.clone()),
                    service: event.attributes.get(labels::SERVICE).cloned().unwrap_or_default(),
                    since: self.followed.contains(id).then(|| event.time()),
                };
                self.attach(&target);
                Some(target)
            }
            _ => None,
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(text: &str) -> LogLine {
        LogLine { service: "s".into(), container: "p-s-1".into(), stream: Stream::Stdout, timestamp: None, line: text.into() }
    }

    #[test]
    fn a_new_stream_leaves_out_what_was_printed() {
        let mut printed = Printed::default();
        for (t, text) in [(1, "old"), (5, "bye"), (5, "up")] {
            printed.record(t, &log(text));
        }
        let mut replay = Replay::of(&printed);
        let shown: Vec<&str> = [(1, "old"), (5, "bye"), (5, "up"), (5, "again"), (6, "later"), (1, "late")]
            .into_iter()
            .filter(|(t, text)| !replay.repeats(*t, &log(text)))
            .map(|(_, text)| text)
            .collect();
        assert_eq!(shown, ["again", "later", "late"], "once a line is new, so are those after it");

        // A different line at the latest time is new, even if a later one matches.
        let mut replay = Replay::of(&printed);
        assert!(replay.repeats(5, &log("bye")));
        assert!(!replay.repeats(5, &log("other")));
        assert!(!replay.repeats(5, &log("up")));
        // Nothing printed: nothing left out.
        assert!(!Replay::of(&Printed::default()).repeats(1, &log("old")));
    }

    #[test]
    fn timestamps_come_off_the_start() {
        assert_eq!(split_timestamp(b"2024-01-02T03:04:05.123456789Z hi there"), (Some("2024-01-02T03:04:05.123456789Z".to_owned()), &b"hi there"[..]));
        assert_eq!(split_timestamp(b"2024-01-02T03:04:05Z \n"), (Some("2024-01-02T03:04:05Z".to_owned()), &b"\n"[..]));
        assert_eq!(split_timestamp(b"hello world"), (None, &b"hello world"[..]));
        assert_eq!(split_timestamp(b""), (None, &b""[..]));
    }

    fn split(frames: &[(OutputStream, &[u8])]) -> Vec<(Stream, String)> {
        let mut s = LineSplitter::default();
        let mut lines = Vec::new();
        for (stream, data) in frames {
            s.push(*stream, data, |k, l| lines.push((k, l)));
        }
        s.flush(|k, l| lines.push((k, l)));
        lines
    }

    #[test]
    fn lines_are_split_per_stream() {
        assert_eq!(
            split(&[
                (OutputStream::Stdout, b"hel"),
                (OutputStream::Stderr, b"oops\n"),
                (OutputStream::Stdout, b"lo\r\nworld\n\npart"),
                (OutputStream::Console, b"ial"),
            ]),
            [
                (Stream::Stderr, "oops".to_owned()),
                (Stream::Stdout, "hello".to_owned()),
                (Stream::Stdout, "world".to_owned()),
                (Stream::Stdout, String::new()),
                (Stream::Stdout, "partial".to_owned()),
            ]
        );
    }

    #[test]
    fn a_frame_of_many_lines_and_a_line_over_many_frames() {
        let big = "x\n".repeat(1000);
        let lines = split(&[(OutputStream::Console, big.as_bytes())]);
        assert_eq!(lines.len(), 1000);
        let lines = split(&[(OutputStream::Stdout, b"a"), (OutputStream::Stdout, b"b"), (OutputStream::Stdout, b"c\n")]);
        assert_eq!(lines, [(Stream::Stdout, "abc".to_owned())]);
        assert!(split(&[]).is_empty());
    }
}
