//! `berth up`: creates and starts the project, as Docker Compose 2.26.1 does.
//!
//! Detached (`-d`, `--wait`), `up` is one operation under a progress display. Attached (the
//! default), it creates under the progress display, prints `Attaching to ...`, starts the
//! containers, and streams the output of the attached services through the log printer until
//! every watched container has exited. Then:
//! - the first Ctrl-C (or SIGTERM) prints "Gracefully stopping... (press Ctrl+C again to
//!   force)" and stops the containers; the second kills them; the exit code is 130;
//! - `--abort-on-container-exit` (implied by `--exit-code-from`) stops everything when a
//!   container exits, and `--abort-on-container-failure` when one exits with a non-zero code;
//!   the exit code is that of the first container to exit (or of `--exit-code-from`'s service).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use berth_core::build::{BuildSettings, EngineBuilder};
use berth_core::events::{Event, EventSink, ResourceKind};
use berth_core::execute::CancellationToken;
use berth_core::observe::observe;
use berth_core::observed::ContainerState;
use berth_core::ops::attach::{attach_logs, AttachError, AttachTarget};
use berth_core::ops::up::{prepare_project, up, UpOptions};
use berth_core::ops::watch::{watch, watched_services, ServiceWatch, WatchOptions};
use berth_core::ops::{create::create, kill, start, stop, OpsError, Outcome};
use berth_core::reconcile::RecreatePolicy;
use berth_engine::Engine;
use berth_spec::model::Project;
use clap::Args;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::create::{apply_create_flags, create_settings};
use super::engine::{self, Interrupts, LazyProgress, INTERRUPTED};
use crate::cli::GlobalArgs;
use crate::display::logs::{attaching_line, LogOptions, LogPrinter};
use crate::display::Settings;

/// `up [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
pub struct UpArgs {
    /// Services to start, with their dependencies (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Detached mode: Run containers in the background
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Build images before starting containers
    #[arg(long)]
    pub build: bool,
    /// Don't build an image, even if it's policy
    #[arg(long)]
    pub no_build: bool,
    /// Pull image before running ("always"|"missing"|"never")
    #[arg(long)]
    pub pull: Option<String>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Scale SERVICE to NUM instances. Overrides the `scale` setting in the Compose file if present.
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print prefix in logs
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long)]
    pub force_recreate: bool,
    /// If containers already exist, don't recreate them. Incompatible with --force-recreate.
    #[arg(long)]
    pub no_recreate: bool,
    /// Don't start the services after creating them
    #[arg(long)]
    pub no_start: bool,
    /// Stops all containers if any container was stopped. Incompatible with -d
    #[arg(long)]
    pub abort_on_container_exit: bool,
    /// Stops all containers if any container exited with failure. Incompatible with -d
    #[arg(long)]
    pub abort_on_container_failure: bool,
    /// Return the exit code of the selected service container. Implies --abort-on-container-exit
    #[arg(long, value_name = "SERVICE")]
    pub exit_code_from: Option<String>,
    /// Use this timeout in seconds for container shutdown when attached or when containers are already running
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Recreate dependent containers. Incompatible with --no-recreate.
    #[arg(long)]
    pub always_recreate_deps: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Restrict attaching to the specified services. Incompatible with --attach-dependencies.
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Do not attach (stream logs) to the specified services
    #[arg(long, value_name = "SERVICE")]
    pub no_attach: Vec<String>,
    /// Automatically attach to log output of dependent services
    #[arg(long)]
    pub attach_dependencies: bool,
    /// Wait for services to be running|healthy. Implies detached mode.
    #[arg(long)]
    pub wait: bool,
    /// Maximum duration to wait for the project to be running|healthy
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub wait_timeout: Option<i64>,
    /// Watch source code and rebuild/refresh containers when files are updated.
    #[arg(short = 'w', long)]
    pub watch: bool,
    /// Enable interactive shortcuts when running attached (Experimental). Incompatible with --detach.
    #[arg(long, hide = true, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub menu: Option<bool>,
}

/// When attached `up` stops everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cascade {
    /// Never: `up` ends when every watched container has exited.
    Off,
    /// When any container exits.
    Exit,
    /// When a container exits with a non-zero code.
    Failure,
}

/// The flag combinations Docker Compose's `validateFlags` rejects; returns whether `up` runs
/// detached and when it cascades.
fn validate(args: &UpArgs) -> anyhow::Result<(bool, Cascade)> {
    let cascade = if args.abort_on_container_exit || args.exit_code_from.is_some() {
        Cascade::Exit
    } else if args.abort_on_container_failure {
        Cascade::Failure
    } else {
        Cascade::Off
    };
    if args.abort_on_container_exit && args.abort_on_container_failure {
        anyhow::bail!("--abort-on-container-exit and --abort-on-container-failure are incompatible");
    }
    let mut detach = args.detach;
    let attaching = args.attach_dependencies || cascade != Cascade::Off || !args.attach.is_empty();
    if args.wait {
        if attaching {
            anyhow::bail!(
                "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies"
            );
        }
        detach = true;
    }
    if args.build && args.no_build {
        anyhow::bail!("--build and --no-build are incompatible");
    }
    if detach && attaching {
        anyhow::bail!("--detach cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies");
    }
    if args.force_recreate && args.no_recreate {
        anyhow::bail!("--force-recreate and --no-recreate are incompatible");
    }
    if args.always_recreate_deps && args.no_recreate {
        anyhow::bail!("--always-recreate-deps and --no-recreate are incompatible");
    }
    if args.no_build && args.watch {
        anyhow::bail!("--no-build and --watch are incompatible");
    }
    Ok((detach, cascade))
}

/// Which services' output is shown (`attach`) and which services' containers `up` waits for
/// (`watch`), as Docker Compose's `runUp` and `start` decide.
fn attach_sets(project: &Project, args: &UpArgs) -> anyhow::Result<(BTreeSet<String>, BTreeSet<String>)> {
    let mut attach: BTreeSet<String> = if args.attach.is_empty() {
        let selected: BTreeSet<String> = if args.services.is_empty() {
            project.services.keys().cloned().collect()
        } else if args.attach_dependencies {
            berth_spec::profiles::with_dependencies(project, &args.services)?
        } else {
            args.services.iter().cloned().collect()
        };
        selected
            .into_iter()
            .filter(|name| project.services.get(name).is_some_and(|s| s.attach != Some(false)))
            .collect()
    } else {
        let attach: BTreeSet<String> = args.attach.iter().cloned().collect();
        let unexpected: Vec<&str> =
            attach.iter().filter(|s| !project.services.contains_key(*s)).map(String::as_str).collect();
        if !unexpected.is_empty() {
            anyhow::bail!("cannot attach to services not included in up: {}", unexpected.join(", "));
        }
        attach
    };
    for name in &args.no_attach {
        attach.remove(name);
    }
    let mut watch: BTreeSet<String> = attach.iter().chain(&args.services).cloned().collect();
    if watch.is_empty() {
        watch = project.services.keys().cloned().collect();
    }
    Ok((attach, watch))
}

/// Runs `up`.
pub fn run(global: &GlobalArgs, args: &UpArgs) -> anyhow::Result<u8> {
    let (detach, cascade) = validate(args)?;
    let mut project = engine::load_project(global, &args.services)?.project;
    if project.services.is_empty() {
        anyhow::bail!("no service selected");
    }
    let remove_orphans = args.remove_orphans || engine::remove_orphans_env();
    let ignore_orphans = engine::ignore_orphans(&project);
    if ignore_orphans && remove_orphans {
        anyhow::bail!("cannot combine COMPOSE_IGNORE_ORPHANS and --remove-orphans");
    }
    if !args.attach.is_empty() && args.attach_dependencies {
        anyhow::bail!("cannot combine --attach and --attach-dependencies");
    }
    let scale = apply_create_flags(&mut project, args.pull.as_deref(), args.build, &args.scale)?;
    let (recreate, recreate_dependencies) =
        RecreatePolicy::from_flags(args.force_recreate, args.no_recreate, args.always_recreate_deps);
    let credentials = super::pull::credentials();
    let opts = UpOptions {
        services: args.services.clone(),
        recreate,
        recreate_dependencies,
        remove_orphans,
        ignore_orphans,
        renew_anon_volumes: args.renew_anon_volumes,
        timeout: engine::timeout(args.timeout),
        no_start: args.no_start,
        no_deps: args.no_deps,
        scale,
        wait: args.wait,
        wait_timeout: args.wait_timeout.and_then(|s| u64::try_from(s).ok()).map(Duration::from_secs),
        run: engine::run_options(global),
        create: create_settings(global, &project),
        builder: (!args.no_build).then(|| EngineBuilder::shared(BuildSettings { credentials: credentials.clone(), ..BuildSettings::default() })),
        quiet_pull: args.quiet_pull,
        credentials,
        ..UpOptions::default()
    };
    let project = prepare_project(&project, &opts).map_err(|e| engine::failure(&e))?;
    if let Some(service) = &args.exit_code_from {
        if !project.services.contains_key(service) {
            anyhow::bail!("no such service: {service}");
        }
    }
    if args.no_start {
        return engine::run_simple(global, "Creating", |eng, sink, cancel| async move {
            create(eng, &project, &opts, &*sink, &cancel).await
        });
    }
    if detach {
        return engine::run_simple(global, "Running", |eng, sink, cancel| async move {
            up(eng, &project, &opts, &*sink, &cancel).await
        });
    }
    let (attach, watch) = attach_sets(&project, args)?;
    let menu = crate::menu::wanted(args.menu, std::env::var("COMPOSE_MENU").ok().as_deref(), crate::terminal::stdout_is_terminal());
    // As in Compose 2.26.1, only attached `up` watches (`-d` and `--wait` ignore `--watch`).
    let watching = if args.watch || menu {
        let initial = if args.watch { Some(watched_services(&project, &args.services, &super::watch::Printer::default())?) } else { None };
        Some(Watching { initial, setup: watch_setup(&project, args, &opts) })
    } else {
        None
    };
    let settings = engine::display_settings(global)?;
    let log_options = LogOptions {
        paint: settings.log_paint(args.no_color),
        prefix: !args.no_log_prefix,
        timestamps: args.timestamps,
        project: Some(project.name.clone()),
    };
    let attached = Attached {
        global,
        settings,
        project: &project,
        opts: &opts,
        attach,
        watch,
        cascade,
        exit_code_from: args.exit_code_from.clone(),
        log_options,
        watching,
        menu,
    };
    engine::block_on(attached.run())?
}

/// One container exit, as the attached output reports it.
#[derive(Debug, Clone)]
struct ContainerExit {
    service: String,
    code: i64,
}

/// Where attached containers' output goes: the log printer for the attached services, nothing
/// once `up` is stopping; every exit is also passed on to the command's loop.
struct AttachSink {
    printer: Arc<LogPrinter>,
    shown: BTreeSet<String>,
    aborting: AtomicBool,
    exits: mpsc::UnboundedSender<ContainerExit>,
}

impl EventSink for AttachSink {
    fn emit(&self, event: Event) {
        match &event {
            Event::Log(line) => {
                if !self.aborting.load(Ordering::SeqCst) && self.shown.contains(&line.service) {
                    self.printer.emit(event);
                }
            }
            Event::Exit { service, code, .. } => {
                let exit = ContainerExit { service: service.clone(), code: *code };
                if !self.aborting.load(Ordering::SeqCst) {
                    self.printer.emit(event);
                }
                let _ = self.exits.send(exit);
            }
            Event::Progress(_) | Event::Warning { .. } | Event::Build { .. } => {}
        }
    }
}

/// The start phase of attached `up` shows no progress (as Docker Compose's); it reports which
/// containers it started, so their output is followed from their first line.
struct StartSink {
    started: mpsc::UnboundedSender<String>,
}

impl EventSink for StartSink {
    fn emit(&self, event: Event) {
        match event {
            Event::Progress(p) if p.kind == ResourceKind::Container && p.text == "Started" => {
                let _ = self.started.send(p.name);
            }
            Event::Warning { message } => super::config::print_warnings(&[message]),
            _ => {}
        }
    }
}

/// Containers of the watched services waiting for the start phase, by service; a service is
/// attached once all its containers have started.
#[derive(Default)]
struct Pending {
    by_service: BTreeMap<String, Vec<AttachTarget>>,
    started: BTreeSet<String>,
}

impl Pending {
    /// Records a started container; returns the targets of a service whose containers have
    /// now all started.
    fn started(&mut self, name: String) -> Option<Vec<AttachTarget>> {
        self.started.insert(name);
        let ready = self
            .by_service
            .iter()
            .find(|(_, targets)| targets.iter().all(|t| self.started.contains(&t.name)))
            .map(|(service, _)| service.clone())?;
        self.by_service.remove(&ready)
    }

    /// Everything still waiting.
    fn drain(&mut self) -> Vec<Vec<AttachTarget>> {
        std::mem::take(&mut self.by_service).into_values().collect()
    }
}

type BoxedOp<'a> = Pin<Box<dyn Future<Output = Result<Outcome, OpsError>> + Send + 'a>>;

/// Polls an optional operation; pending forever when there is none.
async fn poll_op(op: &mut Option<BoxedOp<'_>>) -> Result<Outcome, OpsError> {
    match op {
        Some(op) => op.await,
        None => std::future::pending().await,
    }
}

/// Attached `up`.
struct Attached<'a> {
    global: &'a GlobalArgs,
    settings: Settings,
    project: &'a Project,
    opts: &'a UpOptions,
    attach: BTreeSet<String>,
    watch: BTreeSet<String>,
    cascade: Cascade,
    exit_code_from: Option<String>,
    log_options: LogOptions,
    /// `--watch`, or the menu's `w`.
    watching: Option<Watching>,
    /// Show the navigation menu (`--menu`).
    menu: bool,
}

/// How attached `up` watches: from the start with `--watch`; turned on and off with the
/// menu's `w`.
struct Watching {
    /// The services watched from the start (`--watch`), found before anything runs so that a
    /// bad `develop` section fails `up` first.
    initial: Option<Vec<ServiceWatch>>,
    /// The services named and how to watch them, or why watching cannot be turned on (the
    /// menu says it when `w` is typed).
    setup: Result<(Vec<String>, WatchOptions), String>,
}

/// What watching needs, as Compose's menu checks it when `w` is typed: a service with a
/// `develop.watch` section, and building allowed (`--watch` with `--no-build` is refused
/// before, and finds its services first).
fn watch_setup(project: &Project, args: &UpArgs, opts: &UpOptions) -> Result<(Vec<String>, WatchOptions), String> {
    if !project.services.values().any(|s| s.develop.as_ref().is_some_and(|d| !d.watch.is_empty())) {
        return Err("Watch is not yet configured. Learn more: https://docs.docker.com/compose/file-watch/".to_owned());
    }
    let Some(builder) = opts.builder.clone() else {
        return Err("Cannot run watch mode with flag --no-build".to_owned());
    };
    Ok((args.services.clone(), super::watch::options(&args.services, builder, opts.clone())))
}

/// A running watch, stopped by cancelling it.
struct WatchTask {
    cancel: CancellationToken,
    handle: tokio::task::JoinHandle<Result<(), berth_core::ops::watch::WatchError>>,
}

impl WatchTask {
    fn spawn(engine: &Arc<dyn Engine>, project: &Project, watched: Vec<ServiceWatch>, opts: &WatchOptions, reporter: super::watch::Printer) -> Self {
        let cancel = CancellationToken::new();
        let (engine, project, opts, token) = (Arc::clone(engine), project.clone(), opts.clone(), cancel.clone());
        let handle = tokio::spawn(async move {
            let output = super::watch::BuildOutput { quiet: true };
            watch(engine, &project, &watched, &opts, &reporter, &output, &token).await
        });
        WatchTask { cancel, handle }
    }

    /// Stops watching; returns the watch's failure, if it failed.
    async fn stop(self) -> Option<anyhow::Error> {
        self.cancel.cancel();
        match self.handle.await {
            Ok(Err(e)) => Some(anyhow::anyhow!("{e}")),
            _ => None,
        }
    }
}

/// What the attached loop hears from the user: a signal, or a key of the menu.
enum Input {
    Interrupt,
    Key(crate::menu::Key),
}

async fn next_input(interrupts: &mut Interrupts, keys: &mut Option<mpsc::UnboundedReceiver<crate::menu::Key>>) -> Input {
    let key = async {
        match keys.as_mut() {
            Some(rx) => match rx.recv().await {
                Some(key) => key,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = interrupts.next() => Input::Interrupt,
        key = key => match key {
            crate::menu::Key::Interrupt => Input::Interrupt,
            other => Input::Key(other),
        },
    }
}

/// What Compose puts before its watch messages among the attached output: the marker, aligned
/// after as many spaces as the log prefixes are wide (its watch logger's name, `#watch`, counts).
fn watch_prefix(names: &[String], prefix: bool) -> String {
    if !prefix {
        return String::new();
    }
    let width = names.iter().map(|n| n.chars().count()).chain(std::iter::once("#watch".len())).max().unwrap_or(0) + 1;
    format!("{} ⦿ ", " ".repeat(width))
}

/// What ended the attached phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// Still attached.
    Running,
    /// A container exit (or failure) stopped the project.
    Aborted,
    /// Ctrl-C stopped the project.
    Interrupted,
}

impl Attached<'_> {
    fn stop_op(&self, engine: &Arc<dyn Engine>, sink: Arc<LazyProgress>) -> BoxedOp<'_> {
        let opts = stop::StopOptions {
            services: self.opts.services.clone(),
            timeout: self.opts.timeout,
            run: self.opts.run.clone(),
        };
        let engine = Arc::clone(engine);
        Box::pin(async move {
            stop::stop(engine, &self.project.name, Some(self.project), &opts, &*sink, &CancellationToken::new()).await
        })
    }

    fn kill_op(&self, engine: &Arc<dyn Engine>, sink: Arc<LazyProgress>) -> BoxedOp<'_> {
        let opts = kill::KillOptions {
            services: self.opts.services.clone(),
            run: self.opts.run.clone(),
            ..kill::KillOptions::default()
        };
        let engine = Arc::clone(engine);
        Box::pin(async move {
            kill::kill(engine, &self.project.name, Some(self.project), &opts, &*sink, &CancellationToken::new()).await
        })
    }

    /// The menu's `w`: stops watching, or starts it; says why when it cannot, as Compose's
    /// menu does (there for ten seconds above the menu, here as a line of the output).
    async fn toggle_watch(
        &self,
        engine: &Arc<dyn Engine>,
        task: &mut Option<WatchTask>,
        reporter: &dyn Fn() -> super::watch::Printer,
        printer: &LogPrinter,
    ) {
        if let Some(running) = task.take() {
            if let Some(e) = running.stop().await {
                printer.raw(&format!("{e}\n"));
            }
            return;
        }
        let failure = match self.watching.as_ref().map(|w| &w.setup) {
            Some(Ok((services, opts))) => match watched_services(self.project, services, &reporter()) {
                Ok(watched) => {
                    *task = Some(WatchTask::spawn(engine, self.project, watched, opts, reporter()));
                    return;
                }
                Err(e) => e.to_string(),
            },
            Some(Err(message)) => message.clone(),
            None => return,
        };
        let prefix = if self.log_options.paint.enabled { "\x1b[36;1mWatch →\x1b[0m" } else { "Watch →" };
        printer.raw(&format!("{prefix}  {failure}\n"));
    }

    async fn run(mut self) -> anyhow::Result<u8> {
        let mut interrupts = Interrupts::catch()?;
        let engine = engine::connect().await?;
        let dry_run = self.global.dry_run;

        // Create, under the progress display. A dry run plans the whole of `up` (create and
        // start) and stops there, as Docker Compose's does.
        let renderer = engine::progress(&self.settings, "Running", dry_run)?;
        let cancel = CancellationToken::new();
        let operation = async {
            if dry_run {
                up(Arc::clone(&engine), self.project, self.opts, &renderer, &cancel).await
            } else {
                create(Arc::clone(&engine), self.project, self.opts, &renderer, &cancel).await
            }
        };
        let (created, interrupted) = engine::interruptible(&mut interrupts, &cancel, operation).await;
        renderer.finish();
        drop(renderer);
        if dry_run || interrupted || created.is_err() {
            let code = engine::conclude(created, interrupted, dry_run)?;
            if dry_run && code == 0 {
                println!("end of 'compose up' output, interactive run is not supported in dry-run mode");
            }
            return Ok(code);
        }
        if let Ok(outcome) = &created {
            engine::log_plan(outcome);
        }

        // The containers to follow: those of the watched services, sorted by name.
        let observed = observe(engine.as_ref(), &self.project.name, false).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut containers: Vec<_> = observed
            .containers
            .iter()
            .filter(|c| !c.oneoff && self.watch.contains(&c.service) && self.project.services.contains_key(&c.service))
            .collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name));
        let printer = Arc::new(LogPrinter::stdio(self.log_options.clone()));
        let mut names = Vec::new();
        for c in &containers {
            let shown = printer.register(&c.service, &c.name);
            if self.attach.contains(&c.service) {
                names.push(shown);
            }
        }
        if !names.is_empty() {
            print!("{}", attaching_line(&names));
        }
        // The menu, below the output, and its keys. Without a terminal to read keys from, `up`
        // goes on without it, as Compose does.
        let mut keys = None;
        let mut key_input = None;
        if self.menu {
            match crate::menu::KeyInput::start() {
                Ok((input, rx)) => {
                    key_input = Some(input);
                    keys = Some(rx);
                }
                Err(_) => eprintln!("could not start menu, an error occurred while starting."),
            }
        }
        let (exit_tx, mut exits) = mpsc::unbounded_channel();
        let sink = Arc::new(AttachSink {
            printer: Arc::clone(&printer),
            shown: self.attach.clone(),
            aborting: AtomicBool::new(false),
            exits: exit_tx,
        });
        let attach_cancel = CancellationToken::new();
        let mut attaches: JoinSet<Result<(), AttachError>> = JoinSet::new();
        let spawn_attach = |attaches: &mut JoinSet<Result<(), AttachError>>, targets: Vec<AttachTarget>| {
            if targets.is_empty() {
                return;
            }
            let engine = Arc::clone(&engine);
            let name = self.project.name.clone();
            let sink = Arc::clone(&sink);
            let cancel = attach_cancel.clone();
            attaches.spawn(async move { attach_logs(engine, &name, targets, &*sink, &cancel).await });
        };
        // Running containers are followed from now; the others once the start phase started
        // every container of their service, from their first line.
        let now = unix_now();
        let mut pending = Pending::default();
        let mut running: BTreeMap<String, Vec<AttachTarget>> = BTreeMap::new();
        for c in &containers {
            // A container that ran before has output from its earlier runs: only what it
            // prints from now on is shown, as Docker Compose's attach shows.
            let since = match c.state {
                ContainerState::Created => None,
                _ => Some(now),
            };
            let target = AttachTarget { id: c.id.clone(), name: c.name.clone(), service: c.service.clone(), since };
            if matches!(c.state, ContainerState::Running) {
                running.entry(c.service.clone()).or_default().push(target);
            } else {
                pending.by_service.entry(c.service.clone()).or_default().push(target);
            }
        }
        for (service, targets) in running {
            let mut all = targets;
            // A service with both running and stopped containers is attached as a whole
            // once the stopped ones have started.
            if let Some(waiting) = pending.by_service.get_mut(&service) {
                waiting.append(&mut all);
            } else {
                spawn_attach(&mut attaches, all);
            }
        }

        // `--watch` runs beside the attached output until `up` ends; its build output is not
        // shown, as in Compose.
        let reporter = || super::watch::Printer {
            prefix: watch_prefix(&names, self.log_options.prefix),
            to: Some(Arc::clone(&printer)),
        };
        let mut watch_task = None;
        if let Some(w) = self.watching.as_mut() {
            if let (Some(watched), Ok((_, watch_opts))) = (w.initial.take(), &w.setup) {
                watch_task = Some(WatchTask::spawn(&engine, self.project, watched, watch_opts, reporter()));
            }
        }
        if key_input.is_some() {
            printer.footer(Some(&crate::menu::line(watch_task.is_some())));
        }

        let (started_tx, mut started_rx) = mpsc::unbounded_channel();
        let start_sink = StartSink { started: started_tx };
        let start_cancel = CancellationToken::new();
        let start_opts = start::StartOptions {
            services: self.opts.services.clone(),
            run: self.opts.run.clone(),
            ..start::StartOptions::default()
        };
        let start_fut = start::start(
            Arc::clone(&engine),
            &self.project.name,
            Some(self.project),
            &start_opts,
            &start_sink,
            &start_cancel,
        );
        tokio::pin!(start_fut);
        let mut start_done = false;
        let mut stopping: Option<BoxedOp<'_>> = None;
        let mut killing: Option<BoxedOp<'_>> = None;
        let mut stop_wanted = false;
        let mut ending = Ending::Running;
        let mut signals = 0u32;
        let mut exit_code: i64 = 0;
        let mut exit_code_from = self.exit_code_from.clone();
        let mut failure: Option<anyhow::Error> = None;
        let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
        let stop_progress = Arc::new(LazyProgress::new(&self.settings, "Stopping", false)?);
        let kill_progress = Arc::new(LazyProgress::new(&self.settings, "Killing", false)?);

        loop {
            if start_done
                && attaches.is_empty()
                && pending.by_service.is_empty()
                && stopping.is_none()
                && killing.is_none()
            {
                break;
            }
            if stop_wanted && start_done && stopping.is_none() {
                stop_wanted = false;
                stopping = Some(self.stop_op(&engine, Arc::clone(&stop_progress)));
            }
            tokio::select! {
                result = &mut start_fut, if !start_done => {
                    start_done = true;
                    for targets in pending.drain() {
                        spawn_attach(&mut attaches, targets);
                    }
                    if let Err(e) = result {
                        if ending == Ending::Running {
                            failure = Some(engine::failure(&e));
                            break;
                        }
                    }
                }
                Some(name) = started_rx.recv() => {
                    if let Some(targets) = pending.started(name) {
                        spawn_attach(&mut attaches, targets);
                    }
                }
                Some(joined) = attaches.join_next(), if !attaches.is_empty() => {
                    if let Ok(Err(e)) = joined {
                        if ending == Ending::Running && failure.is_none() {
                            failure = Some(anyhow::anyhow!("{e}"));
                        }
                    }
                }
                Some(exit) = exits.recv() => {
                    // Docker Compose's printer: the first exit (any, or a failure) stops
                    // the project; the exit code is that of `--exit-code-from`'s service, else
                    // of the first container to exit (of the last to fail).
                    let abort = match self.cascade {
                        Cascade::Off => false,
                        Cascade::Exit => true,
                        Cascade::Failure => exit.code != 0,
                    };
                    if self.cascade == Cascade::Failure && exit.code != 0 {
                        exit_code_from = Some(exit.service.clone());
                    }
                    if self.cascade == Cascade::Exit && exit_code_from.is_none() {
                        exit_code_from = Some(exit.service.clone());
                    }
                    if exit_code_from.as_ref() == Some(&exit.service) {
                        exit_code = exit.code;
                    }
                    if abort && ending == Ending::Running {
                        ending = Ending::Aborted;
                        sink.aborting.store(true, Ordering::SeqCst);
                        sink.printer.flush();
                        eprintln!("Aborting on container exit...");
                        start_cancel.cancel();
                        stop_wanted = true;
                    }
                }
                input = next_input(&mut interrupts, &mut keys) => {
                    if let Input::Key(key) = input {
                        if key == crate::menu::Key::Watch {
                            self.toggle_watch(&engine, &mut watch_task, &reporter, &printer).await;
                        }
                        printer.footer(Some(&crate::menu::line(watch_task.is_some())));
                        continue;
                    }
                    // The menu goes at the first interrupt; further Ctrl-Cs are signals again.
                    if let Some(mut input) = key_input.take() {
                        input.restore();
                        keys = None;
                        printer.footer(None);
                    }
                    signals = signals.saturating_add(1);
                    match signals {
                        1 => {
                            ending = Ending::Interrupted;
                            sink.aborting.store(true, Ordering::SeqCst);
                            sink.printer.flush();
                            eprintln!("Gracefully stopping... (press Ctrl+C again to force)");
                            start_cancel.cancel();
                            if stopping.is_none() {
                                stop_wanted = true;
                            }
                        }
                        2 => {
                            ending = Ending::Interrupted;
                            start_cancel.cancel();
                            killing = Some(self.kill_op(&engine, Arc::clone(&kill_progress)));
                        }
                        _ => {
                            eprintln!("canceled");
                            std::process::exit(i32::from(INTERRUPTED));
                        }
                    }
                }
                result = poll_op(&mut stopping) => {
                    stopping = None;
                    stop_progress.finish();
                    if let Err(e) = result {
                        failure.get_or_insert(engine::failure(&e));
                    }
                    // Every container is stopped: what is left of their output arrives
                    // within moments; do not wait for it forever.
                    grace = Some(Box::pin(tokio::time::sleep(Duration::from_secs(10))));
                }
                result = poll_op(&mut killing) => {
                    killing = None;
                    kill_progress.finish();
                    if let Err(e) = result {
                        failure.get_or_insert(engine::failure(&e));
                    }
                    grace = Some(Box::pin(tokio::time::sleep(Duration::from_secs(5))));
                }
                () = async { if let Some(g) = grace.as_mut() { g.as_mut().await } else { std::future::pending().await } } => {
                    grace = None;
                    attach_cancel.cancel();
                    start_cancel.cancel();
                    pending.drain();
                    if !start_done {
                        start_done = true;
                    }
                }
            }
        }
        attach_cancel.cancel();
        if let Some(task) = watch_task {
            if let Some(e) = task.stop().await {
                failure.get_or_insert(e);
            }
        }
        printer.footer(None);
        drop(key_input);
        while attaches.join_next().await.is_some() {}
        sink.printer.close();
        stop_progress.finish();
        kill_progress.finish();
        match ending {
            Ending::Interrupted => {
                if let Some(e) = failure {
                    eprintln!("{e:#}");
                }
                eprintln!("canceled");
                Ok(INTERRUPTED)
            }
            Ending::Aborted | Ending::Running => match failure {
                Some(e) => Err(e),
                None => Ok(u8::try_from(exit_code.rem_euclid(256)).unwrap_or(1)),
            },
        }
    }
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        up: UpArgs,
    }

    fn args(list: &[&str]) -> UpArgs {
        let mut all = vec!["up"];
        all.extend_from_slice(list);
        Wrapper::try_parse_from(all).unwrap().up
    }

    fn message(list: &[&str]) -> String {
        validate(&args(list)).unwrap_err().to_string()
    }

    #[test]
    fn flag_conflicts_use_compose_words() {
        assert_eq!(
            message(&["-d", "--abort-on-container-exit"]),
            "--detach cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies"
        );
        assert_eq!(
            message(&["--wait", "--attach", "web"]),
            "--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies"
        );
        assert_eq!(message(&["--build", "--no-build"]), "--build and --no-build are incompatible");
        assert_eq!(
            message(&["--force-recreate", "--no-recreate"]),
            "--force-recreate and --no-recreate are incompatible"
        );
        assert_eq!(
            message(&["--always-recreate-deps", "--no-recreate"]),
            "--always-recreate-deps and --no-recreate are incompatible"
        );
        assert_eq!(
            message(&["-d", "--exit-code-from", "web"]),
            "--detach cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies"
        );
    }

    #[test]
    fn watch_flag_and_its_marker() {
        assert_eq!(message(&["-w", "--no-build"]), "--no-build and --watch are incompatible");
        assert!(args(&["--watch"]).watch);
        // The marker is aligned after the widest log prefix, `#watch` included.
        assert_eq!(watch_prefix(&["app-1".into()], true), format!("{} ⦿ ", " ".repeat(7)));
        assert_eq!(watch_prefix(&["frontend-1".into()], true), format!("{} ⦿ ", " ".repeat(11)));
        assert_eq!(watch_prefix(&["app-1".into()], false), "");
    }

    #[test]
    fn wait_implies_detach_and_exit_code_from_implies_abort() {
        assert_eq!(validate(&args(&["--wait"])).unwrap(), (true, Cascade::Off));
        assert_eq!(validate(&args(&["--exit-code-from", "web"])).unwrap(), (false, Cascade::Exit));
        assert_eq!(validate(&args(&["--abort-on-container-failure"])).unwrap(), (false, Cascade::Failure));
    }

    #[test]
    fn pending_services_attach_when_all_their_containers_started() {
        let target = |name: &str, service: &str| AttachTarget {
            id: name.into(),
            name: name.into(),
            service: service.into(),
            since: None,
        };
        let mut pending = Pending::default();
        pending.by_service.insert("web".into(), vec![target("lab-web-1", "web"), target("lab-web-2", "web")]);
        pending.by_service.insert("db".into(), vec![target("lab-db-1", "db")]);
        assert!(pending.started("lab-web-1".into()).is_none());
        assert_eq!(pending.started("lab-db-1".into()).map(|t| t.len()), Some(1));
        assert_eq!(pending.started("lab-web-2".into()).map(|t| t.len()), Some(2));
        assert!(pending.by_service.is_empty());
    }

    #[test]
    fn attach_sets_follow_compose() {
        let mut project = Project { name: "lab".into(), ..Project::default() };
        for (name, attach) in [("web", None), ("db", Some(false)), ("cache", None)] {
            let service = berth_spec::model::ServiceConfig { name: name.into(), attach, ..Default::default() };
            project.services.insert(name.into(), service);
        }
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<String>>();
        let (attach, watch) = attach_sets(&project, &args(&[])).unwrap();
        assert_eq!(attach, set(&["cache", "web"]));
        assert_eq!(watch, set(&["cache", "web"]));
        let (attach, watch) = attach_sets(&project, &args(&["--no-attach", "web", "web"])).unwrap();
        assert_eq!(attach, set(&[]));
        assert_eq!(watch, set(&["web"]));
        let err = attach_sets(&project, &args(&["--attach", "nope"])).unwrap_err();
        assert_eq!(err.to_string(), "cannot attach to services not included in up: nope");
    }
}
