//! What the commands that drive the engine share: the async runtime, connecting to the engine
//! (with a clear error when none answers), finding the project (a compose file, or only a name
//! for the commands that work from labels), the progress renderer, Ctrl-C handling, and how an
//! operation's result becomes output and an exit code.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use berth_core::execute::CancellationToken;
use berth_core::ops::{OpsError, Outcome, RunOptions};
use berth_engine::{ConnectOptions, DockerEngine, Engine, EngineError};
use berth_spec::model::Project;
use berth_spec::project::{LoadFlags, LoadedProject};
use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::cli::GlobalArgs;
use crate::commands::config::print_warnings;
use crate::display::{ProgressRenderer, Settings};

/// The exit code of a command interrupted by Ctrl-C (or SIGTERM), as Docker Compose's.
pub const INTERRUPTED: u8 = 130;

/// No engine answered.
#[derive(Debug)]
pub struct EngineUnavailable {
    /// The address tried.
    pub host: String,
    /// Why the connection failed.
    pub reason: String,
    /// What to check; `None` when the engine answered but the connection failed anyway (a
    /// TLS handshake), where asking whether the daemon runs would mislead.
    pub hint: Option<String>,
}

impl std::fmt::Display for EngineUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let reason = self.reason.trim_end_matches(['.', ' ', '\n']);
        write!(f, "cannot connect to the Docker engine at {}: {reason}.", self.host)?;
        match &self.hint {
            Some(hint) => write!(f, " {hint}"),
            None => Ok(()),
        }
    }
}

impl std::error::Error for EngineUnavailable {}

/// Runs `future` to completion on a fresh runtime, then shuts the runtime down without waiting
/// for stray blocking tasks, so the command always exits.
pub fn block_on<F: Future>(future: F) -> anyhow::Result<F::Output> {
    run_on(tokio::runtime::Builder::new_multi_thread().worker_threads(2), future)
}

/// [`block_on`] on a single-threaded runtime, for commands that stream output. The engine
/// connection's task hands the response body over a channel one chunk at a time (and the
/// engine sends one chunk per log line): across threads every chunk cost a futex wake each
/// way, which made `logs` of 100 MB spend most of its time in the kernel.
pub fn block_on_streaming<F: Future>(future: F) -> anyhow::Result<F::Output> {
    run_on(&mut tokio::runtime::Builder::new_current_thread(), future)
}

fn run_on<F: Future>(builder: &mut tokio::runtime::Builder, future: F) -> anyhow::Result<F::Output> {
    let runtime = builder.enable_all().build()?;
    let output = runtime.block_on(future);
    runtime.shutdown_timeout(Duration::from_millis(200));
    Ok(output)
}

/// The docker CLI's connection flags (`-H/--host`, `-c/--context`, `--tls*`), when given (see
/// [`set_connect_options`]).
static CONNECT: std::sync::OnceLock<ConnectOptions> = std::sync::OnceLock::new();

/// Records the engine address and TLS settings given on the command line, for every later
/// [`connect`]; the first call wins.
pub fn set_connect_options(global: &GlobalArgs) {
    let _ = CONNECT.set(ConnectOptions {
        host: global.host.clone(),
        context: global.context.clone(),
        tls: global.tls,
        tls_verify: global.tls_verify,
        tls_ca_cert: global.tls_ca_cert.clone(),
        tls_cert: global.tls_cert.clone(),
        tls_key: global.tls_key.clone(),
    });
}

/// Connects to the engine: `--host`, `--context`, `DOCKER_HOST`, the docker context or the
/// default socket names, over TLS when the flags, the environment or the context ask for it.
pub async fn connect() -> anyhow::Result<Arc<dyn Engine>> {
    let options = CONNECT.get().cloned().unwrap_or_default();
    match DockerEngine::connect(&options).await {
        Ok(engine) => Ok(Arc::new(engine)),
        Err(EngineError::Unreachable { host, reason, hint }) => Err(EngineUnavailable { host, reason, hint }.into()),
        // The connection options themselves are wrong (a missing context, --host with
        // --context): said as the docker CLI says it, without "invalid request".
        Err(EngineError::InvalidArgument { message }) => Err(anyhow::anyhow!(message)),
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

/// Loads the compose project with `services` selected (and their dependencies), printing the
/// loader's warnings.
pub fn load_project(global: &GlobalArgs, services: &[String]) -> anyhow::Result<LoadedProject> {
    let opts = super::project_options(global)?;
    let loaded = berth_spec::project::load_project(&opts, &LoadFlags::default(), services)?;
    print_warnings(&loaded.warnings);
    Ok(loaded)
}

/// The project a command acts on: its name, and the compose project when one was loaded.
#[derive(Debug)]
pub struct Target {
    /// The project name (lower case, as the engine labels carry it).
    pub name: String,
    /// The loaded compose project; `None` when only a name was given (`-p NAME` without
    /// `-f`), and the command works from the engine's labels.
    pub project: Option<Project>,
}

/// Docker Compose's `projectOrName`: with `-f`, or without `-p`, the compose file is loaded
/// (and when that fails, `COMPOSE_PROJECT_NAME` still names the project); with `-p` alone, the
/// name is enough and no compose file is read.
pub fn project_or_name(global: &GlobalArgs, services: &[String]) -> anyhow::Result<Target> {
    let name = global.project_name.clone().filter(|n| !n.is_empty());
    if let (Some(name), true) = (&name, global.files.is_empty()) {
        return Ok(Target { name: name.to_lowercase(), project: None });
    }
    match load_project(global, services) {
        Ok(loaded) => Ok(Target { name: loaded.project.name.clone(), project: Some(loaded.project) }),
        Err(err) => match std::env::var("COMPOSE_PROJECT_NAME").ok().filter(|n| !n.is_empty()) {
            Some(name) => Ok(Target { name: name.to_lowercase(), project: None }),
            None => Err(err),
        },
    }
}

/// The display settings from `--progress`, `--ansi` and the environment. `--ansi auto` (the
/// default) lets `COMPOSE_ANSI` decide, as an absent flag does in Docker Compose.
pub fn display_settings(global: &GlobalArgs) -> anyhow::Result<Settings> {
    let ansi = global.ansi.as_deref();
    Settings::from_process(&global.progress, ansi).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A progress renderer titled `title` ("Running", "Stopping", ...).
pub fn progress(settings: &Settings, title: &str, dry_run: bool) -> anyhow::Result<ProgressRenderer> {
    settings.progress(title, dry_run).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A progress renderer created when the first event arrives, for commands that may ask a
/// question before any progress (`rm`): a terminal renderer would draw over the prompt.
pub struct LazyProgress {
    settings: Settings,
    title: String,
    dry_run: bool,
    renderer: std::sync::OnceLock<Option<ProgressRenderer>>,
}

impl LazyProgress {
    /// Checks now that the renderer can be made (`--progress tty` off a terminal fails here).
    pub fn new(settings: &Settings, title: &str, dry_run: bool) -> anyhow::Result<Self> {
        settings.progress_mode().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Self { settings: settings.clone(), title: title.to_owned(), dry_run, renderer: std::sync::OnceLock::new() })
    }

    /// Draws the final state, if anything was shown.
    pub fn finish(&self) {
        if let Some(Some(renderer)) = self.renderer.get() {
            renderer.finish();
        }
    }
}

impl berth_core::events::EventSink for LazyProgress {
    fn emit(&self, event: berth_core::events::Event) {
        let renderer = self.renderer.get_or_init(|| self.settings.progress(&self.title, self.dry_run).ok());
        if let Some(renderer) = renderer {
            renderer.emit(event);
        }
    }
}

/// Passes events on, except the warning a command prints itself, plainly, as Docker Compose
/// prints it ("no container to kill", "No stopped containers", ...).
pub struct Quieted<'a> {
    /// Where the other events go.
    pub inner: &'a dyn berth_core::events::EventSink,
    /// The start of the warning to hold back.
    pub warning: &'static str,
}

impl berth_core::events::EventSink for Quieted<'_> {
    fn emit(&self, event: berth_core::events::Event) {
        if let berth_core::events::Event::Warning { message } = &event {
            if message.starts_with(self.warning) {
                return;
            }
        }
        self.inner.emit(event);
    }
}

/// `--parallel` (or `COMPOSE_PARALLEL_LIMIT`) and `--dry-run`.
pub fn run_options(global: &GlobalArgs) -> RunOptions {
    let parallel = global.parallel.and_then(|p| usize::try_from(p).ok()).filter(|p| *p > 0);
    RunOptions { parallel, dry_run: global.dry_run }
}

/// `-t/--timeout` in seconds. A negative value, which the engine reads as "wait forever", has
/// no `Duration`: it falls back to each container's own stop timeout.
pub fn timeout(seconds: Option<i64>) -> Option<Duration> {
    seconds.and_then(|s| u64::try_from(s).ok()).map(Duration::from_secs)
}

/// A boolean environment variable as Docker Compose reads it (`COMPOSE_REMOVE_ORPHANS=1`);
/// unset or unparsable is false.
pub fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| compose_bool(&v))
}

/// `COMPOSE_IGNORE_ORPHANS` as `up`, `run` and `create` read it (docs/drop-in.md): from the
/// project's environment, so a `.env` file can set it.
pub fn ignore_orphans(project: &Project) -> bool {
    project.environment.get("COMPOSE_IGNORE_ORPHANS").is_some_and(|v| compose_bool(v))
}

/// Docker Compose's `utils.StringToBool`.
pub fn compose_bool(value: &str) -> bool {
    berth_spec::discovery::string_to_bool(value)
}

/// `COMPOSE_REMOVE_ORPHANS` as the process had it when berth started: Docker Compose reads it
/// as the default of `--remove-orphans`, before the `.env` variables are exported, so one
/// written in `.env` changes nothing. The first call (made before that export) decides.
pub fn remove_orphans_env() -> bool {
    static AT_START: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *AT_START.get_or_init(|| env_flag("COMPOSE_REMOVE_ORPHANS"))
}

/// SIGINT and SIGTERM, the signals Docker Compose treats as Ctrl-C.
pub struct Interrupts {
    int: Signal,
    term: Signal,
}

impl Interrupts {
    /// Starts catching the signals (from now on they no longer end the process by themselves).
    pub fn catch() -> anyhow::Result<Self> {
        Ok(Self { int: signal(SignalKind::interrupt())?, term: signal(SignalKind::terminate())? })
    }

    /// Waits for the next one.
    pub async fn next(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
    }
}

/// Runs `operation`; the first Ctrl-C cancels `cancel` and lets the operation wind down, the
/// second ends the process at once. Returns the operation's result and whether it was
/// interrupted.
pub async fn interruptible<T>(
    interrupts: &mut Interrupts,
    cancel: &CancellationToken,
    operation: impl Future<Output = T>,
) -> (T, bool) {
    tokio::pin!(operation);
    let mut interrupted = false;
    loop {
        tokio::select! {
            out = &mut operation => return (out, interrupted),
            () = interrupts.next() => {
                if interrupted {
                    eprintln!("canceled");
                    std::process::exit(i32::from(INTERRUPTED));
                }
                interrupted = true;
                cancel.cancel();
            }
        }
    }
}

/// An operation's error as the command reports it (the executor's message already carries
/// every failure, so no source chain is appended).
pub fn failure(err: &OpsError) -> anyhow::Error {
    if let OpsError::Pull(failures) = err {
        let message = super::pull::summary("pulled", &failures.0);
        return crate::exit::CodedError { code: super::pull::PULL_FAILURE, message }.into();
    }
    anyhow::anyhow!("{err}")
}

/// Prints a dry run's plan on stdout: one line per operation with its cause.
pub fn print_plan(outcome: &Outcome) {
    let mut text = String::new();
    for line in outcome.plan.lines() {
        text.push_str(&line);
        text.push('\n');
    }
    print!("{text}");
}

/// With `--verbose`, the plan that ran, as debug lines on stderr: the decisions and their
/// causes that `--dry-run` prints.
pub fn log_plan(outcome: &Outcome) {
    if crate::display::debug::enabled() {
        for line in outcome.plan.lines() {
            crate::display::debug::log(&format!("plan: {line}"));
        }
    }
}

/// Set while a command waits for the user's answer: Ctrl-C then ends the command at once.
static PROMPTING: AtomicBool = AtomicBool::new(false);

/// Marks the time spent asking the user a question (see [`InterruptWatch`]).
pub fn prompting(on: bool) {
    PROMPTING.store(on, Ordering::SeqCst);
}

/// Ctrl-C handling in a task of its own, so it works even while the command's task is blocked
/// (reading an answer): the first signal cancels `cancel` (or, during a question, ends the
/// command), the second ends the process.
pub struct InterruptWatch {
    interrupted: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl InterruptWatch {
    /// Starts watching; must run inside the runtime.
    pub fn start(cancel: CancellationToken) -> anyhow::Result<Self> {
        let mut interrupts = Interrupts::catch()?;
        let interrupted = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&interrupted);
        let task = tokio::spawn(async move {
            interrupts.next().await;
            flag.store(true, Ordering::SeqCst);
            if PROMPTING.load(Ordering::SeqCst) {
                println!();
                eprintln!("canceled");
                std::process::exit(i32::from(INTERRUPTED));
            }
            cancel.cancel();
            interrupts.next().await;
            eprintln!("canceled");
            std::process::exit(i32::from(INTERRUPTED));
        });
        Ok(Self { interrupted, task })
    }

    /// Whether a signal arrived.
    pub fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }
}

impl Drop for InterruptWatch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The exit code of an operation run by [`interruptible`]: 130 (after "canceled") when it was
/// interrupted, the error when it failed, 0 otherwise; a dry run prints its plan.
pub fn conclude(result: Result<Outcome, OpsError>, interrupted: bool, dry_run: bool) -> anyhow::Result<u8> {
    match result {
        _ if interrupted => {
            eprintln!("canceled");
            Ok(INTERRUPTED)
        }
        Err(e) if e.is_cancelled() => {
            eprintln!("canceled");
            Ok(INTERRUPTED)
        }
        Err(e) => Err(failure(&e)),
        Ok(outcome) => {
            if dry_run {
                print_plan(&outcome);
            } else {
                log_plan(&outcome);
            }
            Ok(0)
        }
    }
}

/// Runs one operation the common way: catches Ctrl-C, renders progress under `title`, and
/// turns the result into an exit code. `operation` receives the engine, the progress sink and
/// the cancellation token.
pub fn run_simple<F, Fut>(global: &GlobalArgs, title: &str, operation: F) -> anyhow::Result<u8>
where
    F: FnOnce(Arc<dyn Engine>, Arc<ProgressRenderer>, CancellationToken) -> Fut,
    Fut: Future<Output = Result<Outcome, OpsError>>,
{
    let settings = display_settings(global)?;
    block_on(async move {
        let cancel = CancellationToken::new();
        let watch = InterruptWatch::start(cancel.clone())?;
        let engine = connect().await?;
        let renderer = Arc::new(progress(&settings, title, global.dry_run)?);
        let result = operation(engine, Arc::clone(&renderer), cancel.clone()).await;
        renderer.finish();
        conclude(result, watch.interrupted(), global.dry_run)
    })?
}

/// The docker CLI's `config.json` (in `$DOCKER_CONFIG`, else `~/.docker`), when it exists and
/// parses; settings such as `psFormat` and `detachKeys` come from it.
pub fn docker_cli_config() -> Option<serde_json::Value> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".docker")))?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    serde_json::from_str(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_as_compose_reads_them() {
        for yes in ["1", "true", "TRUE", " True ", "y", "Y", "t", "tRuE"] {
            assert!(compose_bool(yes), "{yes:?}");
        }
        for no in ["", "0", "false", "yes", "on", "2"] {
            assert!(!compose_bool(no), "{no:?}");
        }
    }

    #[test]
    fn unreachable_engine_message_names_the_host_and_the_daemon() {
        let e = EngineUnavailable {
            host: "unix:///var/run/docker.sock".into(),
            reason: "No such file or directory (os error 2)".into(),
            hint: Some("Is the docker daemon running?".into()),
        };
        assert_eq!(
            e.to_string(),
            "cannot connect to the Docker engine at unix:///var/run/docker.sock: No such file or directory (os error 2). \
             Is the docker daemon running?"
        );
    }

    #[test]
    fn timeouts_in_seconds() {
        assert_eq!(timeout(Some(3)), Some(Duration::from_secs(3)));
        assert_eq!(timeout(Some(-1)), None);
        assert_eq!(timeout(None), None);
    }

    #[test]
    fn name_alone_with_dash_p() {
        let global = GlobalArgs { project_name: Some("MyLab".into()), ..GlobalArgs::default() };
        let target = project_or_name(&global, &[]).unwrap();
        assert_eq!(target.name, "mylab");
        assert!(target.project.is_none());
    }
}
