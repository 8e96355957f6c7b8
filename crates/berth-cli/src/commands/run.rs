//! `berth run SERVICE [COMMAND] [ARGS...]`: a one-off container for a service, as
//! `docker compose run` (2.26.1) makes and attaches it.
//!
//! The dependencies come up under the progress display; then the container is created,
//! attached to like `docker run -it` (raw terminal, window size, stdin), started, and its exit
//! code becomes berth's. Signals berth receives while attached are forwarded to the
//! container, as the docker CLI forwards them. `-d` prints the container id instead.

use std::collections::BTreeMap;
use std::sync::Arc;

use berth_core::build::{BuildSettings, EngineBuilder};
use berth_core::execute::CancellationToken;
use berth_core::ops::exec::status_byte;
use berth_core::ops::run::{
    attach_and_start, create_one_off, prepare_run_project, start_dependencies, start_detached, OneOffContainer,
    RunRequest,
};
use berth_core::ops::up::UpOptions;
use berth_engine::Engine;
use clap::Args;
use tokio::signal::unix::signal;

use super::create::{apply_create_flags, create_settings};
use super::engine::{self, InterruptWatch};
use crate::cli::GlobalArgs;
use crate::terminal::{self, DetachFilter, Ended, RawMode, Wiring};

/// `run [OPTIONS] SERVICE [COMMAND] [ARGS...]`.
#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)]
pub struct RunArgs {
    /// Build image before starting container
    #[arg(long)]
    pub build: bool,
    /// Add Linux capabilities
    #[arg(long = "cap-add", value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop Linux capabilities
    #[arg(long = "cap-drop", value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Run container in background and print container ID
    #[arg(short = 'd', long)]
    pub detach: bool,
    /// Override the entrypoint of the image
    #[arg(long)]
    pub entrypoint: Option<String>,
    /// Set environment variables
    #[arg(short = 'e', long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Keep STDIN open even if not attached
    #[arg(short = 'i', long, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub interactive: Option<bool>,
    /// Add or override a label
    #[arg(short = 'l', long = "label", alias = "labels", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Assign a name to the container
    #[arg(long)]
    pub name: Option<String>,
    /// Disable pseudo-TTY allocation (default: auto-detected)
    #[arg(short = 'T', long = "no-TTY", num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub no_tty: Option<bool>,
    /// Allocate a pseudo-TTY
    #[arg(short = 't', long, hide = true, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub tty: Option<bool>,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Publish a container's port(s) to the host (`-p` after `run`: see [`publish_short_flag`])
    #[arg(long = "publish", value_name = "PORT")]
    pub publish: Vec<String>,
    /// Pull image before running ("always"|"missing"|"never")
    #[arg(long)]
    pub pull: Option<String>,
    /// Pull without printing progress information
    #[arg(long)]
    pub quiet_pull: bool,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Automatically remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Run command with all service's ports enabled and mapped to the host
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Use the service's network useAliases in the network(s) the container connects to
    #[arg(long)]
    pub use_aliases: bool,
    /// Run as specified username or uid
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Bind mount a volume
    #[arg(short = 'v', long = "volume", alias = "volumes", value_name = "VOLUME")]
    pub volumes: Vec<String>,
    /// Working directory inside the container
    #[arg(short = 'w', long)]
    pub workdir: Option<String>,
    /// The service
    #[arg(value_name = "SERVICE")]
    pub service: String,
    /// The command and its arguments (default: the service's)
    #[arg(value_name = "COMMAND", num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

/// Global flags that take a value (`-p NAME` among them), to find the command's name.
pub const GLOBAL_VALUED: [&str; 18] = [
    "-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--progress", "--ansi", "--parallel",
    "--workdir", "-H", "--host", "-c", "--context", "--tlscacert", "--tlscert", "--tlskey",
];

/// `run` flags that take a value, to find the service's name.
const RUN_VALUED: [&str; 17] = [
    "--cap-add", "--cap-drop", "--entrypoint", "-e", "--env", "-l", "--label", "--labels", "--name", "--publish", "--pull",
    "-u", "--user", "-v", "--volume", "--volumes", "-w",
];

/// `-p` means `--project-name` before the command and `--publish` after `run`, as in Docker
/// Compose where `run`'s own `-p` shadows the global one. Clap cannot give one short flag two
/// meanings, so `-p` between `run` and the service name is rewritten to `--publish` here,
/// before parsing.
pub fn publish_short_flag(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut i = 1;
    // Find the command: the first word that is neither a global flag nor a flag's value.
    while let Some(arg) = args.get(i).and_then(|a| a.to_str()) {
        if GLOBAL_VALUED.contains(&arg) {
            i += 2;
        } else if arg.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    if args.get(i).and_then(|a| a.to_str()) != Some("run") {
        return args;
    }
    i += 1;
    while let Some(arg) = args.get(i).and_then(|a| a.to_str()).map(str::to_owned) {
        if arg == "--" || !arg.starts_with('-') {
            break;
        }
        if arg == "-p" {
            if let Some(slot) = args.get_mut(i) {
                *slot = "--publish".into();
            }
            i += 2;
        } else if let Some(value) = arg.strip_prefix("-p") {
            let value = value.strip_prefix('=').unwrap_or(value);
            if let Some(slot) = args.get_mut(i) {
                *slot = format!("--publish={value}").into();
            }
            i += 1;
        } else if RUN_VALUED.contains(&arg.as_str()) || arg == "--workdir" {
            i += 2;
        } else {
            i += 1;
        }
    }
    args
}

/// The flag combinations Docker Compose refuses, and the TTY decision: `-t` or `-T`, else a
/// TTY when stdout is a terminal.
fn tty_wanted(args: &RunArgs) -> anyhow::Result<bool> {
    if !args.publish.is_empty() && args.service_ports {
        anyhow::bail!("--service-ports and --publish are incompatible");
    }
    match (args.tty, args.no_tty) {
        (Some(_), Some(_)) => anyhow::bail!("--tty and --no-TTY can't be used together"),
        (Some(tty), None) => Ok(tty),
        (None, Some(no_tty)) => Ok(!no_tty),
        (None, None) => Ok(terminal::stdout_is_terminal()),
    }
}

/// `-l KEY=VALUE` entries.
fn parse_labels(labels: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    labels
        .iter()
        .map(|l| match l.split_once('=') {
            Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
            None => anyhow::bail!("label must be set as KEY=VALUE"),
        })
        .collect()
}

/// Runs `run`.
pub fn run(global: &GlobalArgs, args: &RunArgs) -> anyhow::Result<u8> {
    let tty = tty_wanted(args)?;
    let entrypoint = args
        .entrypoint
        .as_deref()
        .map(berth_spec::model::shellwords::split)
        .transpose()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let labels = parse_labels(&args.labels)?;
    let mut project = engine::load_project(global, std::slice::from_ref(&args.service))?.project;
    apply_create_flags(&mut project, args.pull.as_deref(), args.build, &[])?;
    let ignore_orphans = engine::ignore_orphans(&project);
    let credentials = super::pull::credentials();
    // Unlike `up`, `run` does not read COMPOSE_REMOVE_ORPHANS: only the flag removes orphans.
    let up = UpOptions {
        remove_orphans: args.remove_orphans,
        ignore_orphans,
        run: engine::run_options(global),
        create: create_settings(global, &project),
        builder: Some(EngineBuilder::shared(BuildSettings { credentials: credentials.clone(), ..BuildSettings::default() })),
        quiet_pull: args.quiet_pull,
        credentials,
        ..UpOptions::default()
    };
    let request = RunRequest {
        service: args.service.clone(),
        command: args.command.clone(),
        entrypoint,
        env: args.env.clone(),
        labels,
        user: args.user.clone(),
        workdir: args.workdir.clone(),
        cap_add: args.cap_add.clone(),
        cap_drop: args.cap_drop.clone(),
        volumes: args.volumes.clone(),
        publish: args.publish.clone(),
        name: args.name.clone(),
        auto_remove: args.rm,
        detach: args.detach,
        tty,
        interactive: args.interactive.unwrap_or(true),
        use_aliases: args.use_aliases,
        service_ports: args.service_ports,
        no_deps: args.no_deps,
        up,
    };
    let project = prepare_run_project(&project, &request).map_err(|e| engine::failure(&e))?;
    let settings = engine::display_settings(global)?;
    let quiet = args.quiet_pull;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let cancel = CancellationToken::new();
        let created = {
            let watch = InterruptWatch::start(cancel.clone())?;
            let renderer = engine::progress(&settings, "Running", global.dry_run)?;
            let sink: &dyn berth_core::events::EventSink = if quiet { &QuietPulls(&renderer) } else { &renderer };
            let result = async {
                start_dependencies(Arc::clone(&engine), &project, &request, sink, &cancel).await?;
                if request.tty && request.interactive && !request.detach && !terminal::stdin_is_terminal() {
                    return Ok(None);
                }
                create_one_off(engine.as_ref(), &project, &request, sink, &cancel).await.map(Some)
            }
            .await;
            renderer.finish();
            if watch.interrupted() {
                eprintln!("canceled");
                return Ok(engine::INTERRUPTED);
            }
            match result.map_err(|e| engine::failure(&e))? {
                Some(created) => created,
                None => anyhow::bail!("the input device is not a TTY"),
            }
        };
        if global.dry_run {
            // Docker Compose's dry-run client: the container that would run is named, and an
            // attached run refused.
            if !request.detach {
                anyhow::bail!("interactive run is not supported in dry-run mode");
            }
            println!("{}", created.name);
            return Ok(0);
        }
        if request.detach {
            start_detached(engine.as_ref(), &created.id).await.map_err(|e| engine::failure(&e))?;
            println!("{}", created.id);
            return Ok(0);
        }
        attached(engine, &created, &request).await
    })?
}

/// Hides pull progress (`--quiet-pull`), passing everything else on.
struct QuietPulls<'a>(&'a dyn berth_core::events::EventSink);

impl berth_core::events::EventSink for QuietPulls<'_> {
    fn emit(&self, event: berth_core::events::Event) {
        if let berth_core::events::Event::Progress(p) = &event {
            if p.text.starts_with("Pull") {
                return;
            }
        }
        self.0.emit(event);
    }
}

/// Forwards the signals berth receives to the container, as the docker CLI's
/// `ForwardAllSignals` does, until dropped.
fn forward_signals(engine: Arc<dyn Engine>, id: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut streams = Vec::new();
        for (kind, name) in super::attach::PROXIED {
            if let Ok(s) = signal(kind) {
                streams.push((s, name));
            }
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
        for (mut s, name) in streams {
            let tx = tx.clone();
            tokio::spawn(async move {
                while s.recv().await.is_some() {
                    if tx.send(name).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        while let Some(name) = rx.recv().await {
            // The container may have exited already; nothing to forward to then.
            let _ = engine.kill_container(&id, Some(name)).await;
        }
    })
}

/// Attaches to the created container, starts it, copies the streams until its output ends,
/// and returns its exit code.
async fn attached(engine: Arc<dyn Engine>, created: &OneOffContainer, request: &RunRequest) -> anyhow::Result<u8> {
    let stdin = request.interactive;
    let mut raw = if request.tty && stdin { Some(RawMode::enable()?) } else { None };
    let forwarding = forward_signals(Arc::clone(&engine), created.id.clone());
    let detach_keys = terminal::configured_detach_keys();
    let (io, exit) = attach_and_start(Arc::clone(&engine), &created.id, stdin, request.auto_remove, detach_keys.clone())
        .await
        .map_err(|e| engine::failure(&e))?;
    let resize = (request.tty && terminal::stdin_is_terminal()).then(|| {
        let (engine, id) = (Arc::clone(&engine), created.id.clone());
        terminal::resizer(move |h, w| {
            let (engine, id) = (Arc::clone(&engine), id.clone());
            async move { drop(engine.resize_container_tty(&id, h, w).await) }
        })
    });
    let detach = (request.tty && stdin).then(|| DetachFilter::from_config(detach_keys.as_deref()));
    let wiring = Wiring { stdin, tty: request.tty, resize, catch_signals: false, detach };
    let pumped = terminal::pump(io, wiring).await;
    if let Some(raw) = raw.as_mut() {
        raw.restore();
    }
    if pumped? == Ended::Detached {
        // The container goes on running (and is removed when it stops, with --rm); the
        // docker CLI's `RunStart` returns without a word.
        forwarding.abort();
        return Ok(0);
    }
    let result = exit.await;
    forwarding.abort();
    let result = result?;
    if let Some(error) = result.error.filter(|e| !e.is_empty()) {
        anyhow::bail!("{error}");
    }
    Ok(status_byte(result.status_code))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(std::ffi::OsString::from).collect();
        publish_short_flag(args).into_iter().map(|a| a.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn dash_p_after_run_publishes() {
        assert_eq!(
            rewrite(&["berth", "-p", "lab", "run", "-p", "80:80", "-e", "-p", "-p8080:8080", "web", "-p", "x"]),
            ["berth", "-p", "lab", "run", "--publish", "80:80", "-e", "-p", "--publish=8080:8080", "web", "-p", "x"]
        );
        assert_eq!(rewrite(&["berth", "-p", "run", "ps", "-p"]), ["berth", "-p", "run", "ps", "-p"]);
        assert_eq!(rewrite(&["berth", "--dry-run", "run", "-p=1:1", "web"]), ["berth", "--dry-run", "run", "--publish=1:1", "web"]);
    }

    #[test]
    fn tty_flags() {
        let args = |tty: Option<bool>, no_tty: Option<bool>| RunArgs {
            no_tty,
            tty,
            ..<RunArgs as clap::FromArgMatches>::from_arg_matches(
                &<RunArgs as clap::Args>::augment_args(clap::Command::new("run")).get_matches_from(["run", "web"]),
            )
            .unwrap()
        };
        assert!(tty_wanted(&args(Some(true), Some(true))).is_err());
        assert!(!tty_wanted(&args(Some(false), None)).unwrap());
        assert!(!tty_wanted(&args(None, Some(true))).unwrap());
        assert!(parse_labels(&["a=b".to_owned()]).is_ok());
        assert!(parse_labels(&["a".to_owned()]).is_err());
    }
}
