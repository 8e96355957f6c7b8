//! Everything berth shows while commands run, rendered the way Docker Compose 2.26 renders it:
//! progress of operations ([`progress`], chosen by [`mode`]), container output ([`logs`]),
//! warnings ([`warning`]), and the list output of `ps`/`ls`/`images` ([`table`], [`template`],
//! [`format`](mod@format)). berth-core never prints; it sends events, and these types turn them into text.
//!
//! - [`Settings::from_process`]`(progress, ansi_flag)` resolves `--progress`/`--ansi`/`NO_COLOR`/
//!   `COMPOSE_ANSI`/`COMPOSE_STATUS_STDOUT` once per command (errors are Compose's messages);
//!   [`Settings::progress`]`(title, dry_run)` gives a [`ProgressRenderer`] (an `EventSink`),
//!   and [`Settings::log_paint`] the colours of a [`logs::LogPrinter`] (also an `EventSink`).
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


// Integration tests include this module by path (the binary has no library target), so a
// test build sees the binary-only items as unused; the binary build still checks everything.
#![cfg_attr(test, allow(dead_code, unused_imports))]

pub mod clock;
pub mod debug;
pub mod format;
pub mod logs;
pub mod mode;
pub mod progress;
pub mod style;
pub mod table;
pub mod template;
pub mod warning;

pub use mode::Settings;
pub use progress::ProgressRenderer;
pub use style::Paint;
// What the display tests reach through the module root.
#[cfg(test)]
pub use mode::{Environment, Mode, Terminals};
#[cfg(test)]
pub use progress::ProgressOptions;
#[cfg(test)]
pub use style::SharedBuffer;
