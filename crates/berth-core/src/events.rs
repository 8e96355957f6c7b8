//! What berth-core tells the outside world while it works. Operations never print: they send
//! [`Event`]s to an [`EventSink`], and berth-cli renders them (redrawn on a terminal, plain
//! lines when piped, one JSON object per line, or nothing).

use std::sync::{Arc, Mutex};

/// The kind of resource an event is about; renderers show it before the name
/// ("Container lab-web-1"), as Docker Compose does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceKind {
    Network,
    Volume,
    Container,
    Image,
    Service,
    Secret,
    Config,
}

impl ResourceKind {
    /// The word Docker Compose prints before the resource name.
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::Network => "Network",
            ResourceKind::Volume => "Volume",
            ResourceKind::Container => "Container",
            ResourceKind::Image => "Image",
            ResourceKind::Service => "Service",
            ResourceKind::Secret => "Secret",
            ResourceKind::Config => "Config",
        }
    }
}

/// Where an operation on a resource stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Under way ("Creating", "Waiting").
    Working,
    /// Finished ("Created", "Healthy").
    Done,
    /// Finished with something the user should know.
    Warning,
    /// Failed.
    Error,
}

/// Progress of one operation on one resource.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub kind: ResourceKind,
    /// The resource's name (`lab-web-1`, `lab_default`).
    pub name: String,
    pub status: Status,
    /// What is happening, in Docker Compose's words: "Creating", "Created", "Started", ...
    pub text: String,
    /// More detail: an error message, a pull percentage, a health output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a part of a larger operation (an image layer of a service's pull): the parent's
    /// name, and how far the part is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
}

/// How far a part of an operation (a layer) is, as Compose's progress events carry it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Part {
    /// The name of the resource this is a part of (the service being pulled).
    pub parent: String,
    /// Bytes done, when known.
    pub current: i64,
    /// Bytes in all, when known (0 otherwise).
    pub total: i64,
    /// Percent done.
    pub percent: u8,
}

impl Progress {
    pub fn new(kind: ResourceKind, name: impl Into<String>, status: Status, text: impl Into<String>) -> Self {
        Progress { kind, name: name.into(), status, text: text.into(), detail: None, part: None }
    }
    /// Marks this as a part of `parent`'s operation (a layer of its pull).
    #[must_use]
    pub fn with_parent(mut self, parent: impl Into<String>, current: i64, total: i64, percent: u8) -> Self {
        self.part = Some(Part { parent: parent.into(), current, total, percent });
        self
    }
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// The identifier renderers group lines by: "Container lab-web-1".
    pub fn id(&self) -> String {
        format!("{} {}", self.kind.label(), self.name)
    }
}

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of a container's output (attached `up`, `logs`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogLine {
    pub service: String,
    /// The container name, used as the prefix (`web-1` style prefixes are derived by the renderer).
    pub container: String,
    pub stream: Stream,
    /// The engine timestamp (RFC 3339) when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub line: String,
}

/// Everything core reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Event {
    Progress(Progress),
    Log(LogLine),
    /// A container of an attached service exited ("web-1 exited with code 0").
    Exit { service: String, container: String, code: i64 },
    /// Something the user should read, not tied to one resource.
    Warning { message: String },
    /// Output of an image build, as the builder wrote it (whole lines, with their newline).
    Build { service: String, text: String },
}

/// Receives events. Implementations must be cheap and must not block for long: operations
/// call them from their tasks.
pub trait EventSink: Send + Sync {
    fn emit(&self, event: Event);
}

/// A sink that drops everything (quiet mode, tests that do not look).
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl EventSink for Discard {
    fn emit(&self, _event: Event) {}
}

/// A sink that keeps every event, for tests.
#[derive(Debug, Default, Clone)]
pub struct Recorder {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::default()
    }
    /// Everything recorded so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().map(|e| e.clone()).unwrap_or_default()
    }
    /// The progress lines as "Container lab-web-1 Created" strings, in order.
    pub fn progress_lines(&self) -> Vec<String> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Progress(p) => Some(format!("{} {}", p.id(), p.text)),
                _ => None,
            })
            .collect()
    }
}

impl EventSink for Recorder {
    fn emit(&self, event: Event) {
        if let Ok(mut e) = self.events.lock() {
            e.push(event);
        }
    }
}

/// Sends events to any closure (the CLI wraps its renderer this way).
impl<F: Fn(Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: Event) {
        self(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_keeps_order() {
        let r = Recorder::new();
        r.emit(Event::Progress(Progress::new(ResourceKind::Network, "lab_default", Status::Working, "Creating")));
        r.emit(Event::Progress(Progress::new(ResourceKind::Network, "lab_default", Status::Done, "Created")));
        assert_eq!(r.progress_lines(), vec!["Network lab_default Creating", "Network lab_default Created"]);
    }

    #[test]
    fn events_serialise_for_json_progress() {
        let e = Event::Progress(
            Progress::new(ResourceKind::Container, "lab-web-1", Status::Error, "Error").with_detail("boom"),
        );
        let j = serde_json::to_string(&e).unwrap();
        assert_eq!(
            j,
            r#"{"type":"progress","kind":"container","name":"lab-web-1","status":"error","text":"Error","detail":"boom"}"#
        );
    }
}
