//! Everything berth shows while commands run, rendered the way Docker Compose 2.26 renders it:
//! progress of operations ([`progress`], chosen by [`mode`]), container output ([`logs`]),
//! warnings ([`warning`]), and the list output of `ps`/`ls`/`images` ([`table`], [`template`],
//! [`format`](mod@format)). berth-core never prints; it sends events, and these types turn them into text.
//!
//! - [`Settings::from_process`]`(progress, ansi_flag)` resolves `--progress`/`--ansi`/`NO_COLOR`/
//!   `COMPOSE_ANSI`/`COMPOSE_STATUS_STDOUT` once per command (errors are Compose's messages);
//!   [`Settings::progress`]`(title, dry_run)` gives a [`ProgressRenderer`] (an `EventSink`),
//!   [`Settings::log_options`] the options of a [`logs::LogPrinter`] (also an `EventSink`).
//! - [`Router`] splits one event stream between the two.
//! - [`format::Format`] (`ps`) and [`format::ListFormat`] (`ls`, `images`) print rows given as
//!   JSON objects; [`table::Table`]/[`table::tabulate`] align columns like Go's tabwriter.
//! - Everything takes its output stream, clock and terminal size from the caller when built with
//!   `with_parts`, so tests get byte-exact output ([`style::SharedBuffer`], [`clock::ManualClock`]).
//!
//! A command typically does:
//! ```ignore
//! let settings = display::Settings::from_process(&global.progress, ansi_flag)?;
//! let progress = settings.progress("Running", global.dry_run)?;
//! berth_core::ops::up::run(&engine, &project, &opts, &progress).await?;
//! progress.finish();
//! ```

// The commands adopt these helpers one by one; until all do, some are unused in the binary.
#![allow(dead_code, unused_imports)]

pub mod clock;
pub mod format;
pub mod logs;
pub mod mode;
pub mod progress;
pub mod style;
pub mod table;
pub mod template;
pub mod warning;

use std::sync::Arc;

use berth_core::events::{Event, EventSink};

pub use mode::{Ansi, DisplayError, Environment, Mode, Settings, Terminals};
pub use progress::{ProgressOptions, ProgressRenderer};
pub use style::{Paint, SharedBuffer};

/// Sends progress and warnings to one sink and container output (logs, exits) to another, for
/// commands that do both (attached `up`).
pub struct Router {
    /// Receives `Progress`, `Warning` and `Build` events.
    pub progress: Arc<dyn EventSink>,
    /// Receives `Log` and `Exit` events.
    pub logs: Arc<dyn EventSink>,
}

impl EventSink for Router {
    fn emit(&self, event: Event) {
        match event {
            Event::Progress(_) | Event::Warning { .. } | Event::Build { .. } => self.progress.emit(event),
            Event::Log(_) | Event::Exit { .. } => self.logs.emit(event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_core::events::{LogLine, Progress, Recorder, ResourceKind, Status, Stream};

    #[test]
    fn router_splits_progress_from_output() {
        let p = Recorder::new();
        let l = Recorder::new();
        let r = Router { progress: Arc::new(p.clone()), logs: Arc::new(l.clone()) };
        r.emit(Event::Progress(Progress::new(ResourceKind::Container, "a", Status::Done, "Started")));
        r.emit(Event::Warning { message: "w".into() });
        r.emit(Event::Log(LogLine {
            service: "a".into(),
            container: "lab-a-1".into(),
            stream: Stream::Stdout,
            timestamp: None,
            line: "hi".into(),
        }));
        r.emit(Event::Exit { service: "a".into(), container: "lab-a-1".into(), code: 0 });
        assert_eq!(p.events().len(), 2);
        assert_eq!(l.events().len(), 2);
    }
}
