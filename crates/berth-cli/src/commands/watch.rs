//! `berth watch [SERVICE...]`: Docker Compose's `watch`. Brings the services up (unless
//! `--no-up`), then syncs, rebuilds or restarts them as their `develop.watch` rules say when
//! files change (see [`berth_core::ops::watch`]), until Ctrl-C. What it does is printed on
//! stdout ("Watch enabled", "Syncing \"web\" after changes were detected"), as Compose's
//! watch logger prints it; build output too, unless `--quiet`.

use std::sync::Arc;
use std::time::Duration;

use berth_core::build::{BuildSettings, EngineBuilder};
use berth_core::events::{Event, EventSink};
use berth_core::execute::CancellationToken;
use berth_core::ops::up::{up, ImageBuilder, UpOptions};
use berth_core::ops::watch::{watch, watched_services, WatchOptions, WatchReporter};
use berth_core::reconcile::RecreatePolicy;
use clap::Args;

use super::create::create_settings;
use super::{engine, listing};
use crate::cli::GlobalArgs;
use crate::display::clock::SystemClock;
use crate::display::logs::LogPrinter;
use crate::display::warning::warning_line;

/// `watch [SERVICE...]`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Services to watch (default: all that have a `develop` section and a `build` section)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Do not build & start services before watching
    #[arg(long)]
    pub no_up: bool,
    /// hide build output
    #[arg(long)]
    pub quiet: bool,
}

/// How often the watched files are looked at, and how long they must stay unchanged before
/// berth acts (Compose's quiet period).
const POLL: Duration = Duration::from_millis(250);
const QUIET_PERIOD: Duration = Duration::from_millis(500);

/// Prints watch notes on stdout (after `prefix`) and warnings as Compose's logger shows them.
#[derive(Default)]
pub struct Printer {
    /// What goes before each note: nothing for `watch`, Compose's watch marker for `up --watch`.
    pub prefix: String,
    /// Attached `up`'s log printer, which the notes go through (so they stay above its menu).
    pub to: Option<Arc<LogPrinter>>,
}

impl WatchReporter for Printer {
    fn note(&self, message: &str) {
        let text = format!("{}{message}\n", self.prefix);
        match &self.to {
            Some(printer) => printer.raw(&text),
            // A closed stdout must not stop watching.
            None => {
                let _ = listing::print(&text);
            }
        }
    }

    fn warn(&self, message: &str) {
        let paint = crate::display::Paint { enabled: true };
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        eprint!("{}", warning_line(message, terminal, paint, &SystemClock::process()));
    }
}

/// The output of rebuilds (unless `quiet`); progress is not drawn while watching.
pub struct BuildOutput {
    /// `--quiet`: no build output.
    pub quiet: bool,
}

impl EventSink for BuildOutput {
    fn emit(&self, event: Event) {
        match event {
            Event::Build { text, .. } if !self.quiet => {
                let _ = listing::print(&text);
            }
            Event::Warning { message } => Printer::default().warn(&message),
            _ => {}
        }
    }
}

/// How `watch` (and `up --watch`) watches: `services`, rebuilding with `builder`, recreating
/// with `up`'s settings.
pub fn options(services: &[String], builder: Arc<dyn ImageBuilder>, up: UpOptions) -> WatchOptions {
    WatchOptions { services: services.to_vec(), builder, up, poll: POLL, quiet_period: QUIET_PERIOD }
}

/// Passes events on without the build output (`--quiet`).
struct NoBuildOutput<'a>(&'a dyn EventSink);

impl EventSink for NoBuildOutput<'_> {
    fn emit(&self, event: Event) {
        if !matches!(event, Event::Build { .. }) {
            self.0.emit(event);
        }
    }
}

/// Runs `watch`.
pub fn run(global: &GlobalArgs, args: &WatchArgs) -> anyhow::Result<u8> {
    let mut project = engine::load_project(global, &[])?.project;
    if let Some(unknown) = args.services.iter().find(|s| !project.services.contains_key(*s)) {
        anyhow::bail!("no such service: {unknown}");
    }
    let watched = watched_services(&project, &args.services, &Printer::default())?;
    // Services that build and have watch rules are always rebuilt by `up` (Compose's rule).
    for service in project.services.values_mut().filter(|s| s.build.is_some() && s.develop.is_some()) {
        "build".clone_into(&mut service.pull_policy);
    }
    let credentials = super::pull::credentials();
    let builder = EngineBuilder::shared(BuildSettings { credentials: credentials.clone(), ..BuildSettings::default() });
    let base = UpOptions {
        run: engine::run_options(global),
        create: create_settings(global, &project),
        credentials,
        ..UpOptions::default()
    };
    if !args.no_up {
        let opts = UpOptions {
            services: args.services.clone(),
            recreate: RecreatePolicy::Diverged,
            recreate_dependencies: RecreatePolicy::Never,
            builder: Some(Arc::clone(&builder)),
            quiet_pull: args.quiet,
            ..base.clone()
        };
        let project = project.clone();
        let quiet = args.quiet;
        let code = engine::run_simple(global, "Running", |eng, sink, cancel| async move {
            let shown = NoBuildOutput(&*sink);
            let sink: &dyn EventSink = if quiet { &shown } else { &*sink };
            up(eng, &project, &opts, sink, &cancel).await
        })?;
        if code != 0 {
            return Ok(code);
        }
    }
    let opts = options(&args.services, builder, base);
    let quiet = args.quiet;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let cancel = CancellationToken::new();
        let mut interrupts = engine::Interrupts::catch()?;
        let output = BuildOutput { quiet };
        let printer = Printer::default();
        let watching = watch(engine, &project, &watched, &opts, &printer, &output, &cancel);
        let (result, interrupted) = engine::interruptible(&mut interrupts, &cancel, watching).await;
        result?;
        if interrupted {
            eprintln!("canceled");
            return Ok(engine::INTERRUPTED);
        }
        Ok(0)
    })?
}
