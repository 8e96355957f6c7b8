//! `berth stack`: compose files on a Docker Swarm, with `docker stack`'s commands, flags and
//! output (`deploy`, `ls`, `ps`, `services`, `rm`, `config`). The work is berth-stack's; this
//! module parses arguments, connects to the engine and renders events and listings.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use berth_engine::{Engine, Filters, ServiceDetails, ServiceMode};
use berth_spec::config::{self, Format as ConfigFormat};
use berth_spec::project::{self, LoadFlags};
use berth_stack::deploy::{DeployOptions, ResolveImage};
use berth_stack::names::{validate_stack_name, Namespace};
use berth_stack::progress::{state_rank, Phase, ServiceProgress};
use berth_stack::query::{self, TaskRow};
use berth_stack::StackEvent;
use clap::{ArgAction, Args, Subcommand};
use serde_json::{json, Value};

use super::engine::block_on;
use crate::cli::GlobalArgs;
use crate::display::format::Format;
use crate::exit::UsageError;

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Deploy a new stack or update an existing stack
    #[command(alias = "up")]
    Deploy(DeployArgs),
    /// List stacks
    #[command(alias = "list")]
    Ls(LsArgs),
    /// List the tasks in the stack
    Ps(PsArgs),
    /// Remove one or more stacks
    #[command(aliases = ["remove", "down"])]
    Rm(RmArgs),
    /// List the services in the stack
    Services(ServicesArgs),
    /// Outputs the final config file, after doing merges and interpolations
    Config(StackConfigArgs),
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Path to a Compose file, or "-" to read from stdin
    #[arg(short = 'c', long = "compose-file", value_delimiter = ',')]
    pub compose_files: Vec<String>,
    /// Send registry authentication details to Swarm agents
    #[arg(long)]
    pub with_registry_auth: bool,
    /// Prune services that are no longer referenced
    #[arg(long)]
    pub prune: bool,
    /// Query the registry to resolve image digest and supported platforms ("always", "changed", "never")
    #[arg(long, default_value = "always")]
    pub resolve_image: String,
    /// Exit immediately instead of waiting for the stack services to converge (default true)
    #[arg(short, long, action = ArgAction::Set, num_args = 0..=1, default_missing_value = "true", require_equals = true)]
    pub detach: Option<bool>,
    /// Suppress progress output
    #[arg(short, long)]
    pub quiet: bool,
    /// Stack name
    pub stack: String,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')
    #[arg(long, default_value = "")]
    pub format: String,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Filter output based on conditions provided (`-f` works too)
    #[arg(long = "filter")]
    pub filter: Vec<String>,
    /// Do not truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Do not map IDs to Names
    #[arg(long)]
    pub no_resolve: bool,
    /// Only display task IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')
    #[arg(long, default_value = "")]
    pub format: String,
    /// Stack name
    pub stack: String,
}

#[derive(Debug, Args)]
pub struct ServicesArgs {
    /// Filter output based on conditions provided (`-f` works too)
    #[arg(long = "filter")]
    pub filter: Vec<String>,
    /// Only display IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Format output using a custom template ('table', 'table TEMPLATE', 'json', 'TEMPLATE')
    #[arg(long, default_value = "")]
    pub format: String,
    /// Stack name
    pub stack: String,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Do not wait for stack removal
    #[arg(short, long, action = ArgAction::Set, num_args = 0..=1, default_value_t = false, default_missing_value = "true", require_equals = true)]
    pub detach: bool,
    /// Stack names
    #[arg(required = true)]
    pub stacks: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StackConfigArgs {
    /// Path to a Compose file, or "-" to read from stdin
    #[arg(short = 'c', long = "compose-file", value_delimiter = ',')]
    pub compose_files: Vec<String>,
    /// Skip interpolation and output only merged config
    #[arg(long)]
    pub skip_interpolation: bool,
}

/// The engine, which must have Swarm mode: Podman has none, and its Docker API answers the
/// Swarm endpoints with a bare "Not Found".
async fn connect() -> anyhow::Result<std::sync::Arc<dyn Engine>> {
    let engine = super::engine::connect().await?;
    if engine.capabilities().is_podman {
        anyhow::bail!(
            "berth stack needs Docker Swarm, but the engine at {} is Podman, which has no Swarm mode; point DOCKER_HOST at a Docker Engine that is a swarm manager",
            std::env::var("DOCKER_HOST").unwrap_or_else(|_| "the default socket".to_owned())
        );
    }
    Ok(engine)
}

pub fn run(global: &GlobalArgs, args: &StackArgs) -> anyhow::Result<u8> {
    match &args.command {
        StackCommand::Config(a) => config_cmd(global, a),
        StackCommand::Deploy(a) => block_on(deploy(global, a))?,
        StackCommand::Ls(a) => block_on(ls(a))?,
        StackCommand::Ps(a) => block_on(ps(a, &global.files))?,
        StackCommand::Services(a) => block_on(services(a, &global.files))?,
        StackCommand::Rm(a) => block_on(rm(a))?,
    }
}

/// The project options for a stack's files: `-c` files, else the global `-f` files, else
/// Compose's discovery from the current directory.
fn stack_options(global: &GlobalArgs, compose_files: &[String]) -> anyhow::Result<berth_spec::discovery::ProjectOptions> {
    let mut opts = super::project_options(global)?;
    if !compose_files.is_empty() {
        opts.files = compose_files.to_vec();
    }
    Ok(opts)
}

/// `--filter` values, plus those given as `-f`: berth's global `-f` (compose files) takes the
/// short flag, and compose files mean nothing to `ps` and `services`, so `-f key=value` is
/// read as the docker CLI reads it.
fn filters(args: &[String], short: &[String]) -> anyhow::Result<Filters> {
    let mut f = Filters::new();
    for a in args.iter().chain(short) {
        let (k, v) = a
            .split_once('=')
            .ok_or_else(|| UsageError(format!("bad format of filter (expected name=value): {a}")))?;
        f.add(k.trim().to_ascii_lowercase().as_str(), v);
    }
    Ok(f)
}

fn usage(e: impl std::fmt::Display) -> anyhow::Error {
    UsageError(e.to_string()).into()
}

// ---------------------------------------------------------------- deploy

async fn deploy(global: &GlobalArgs, args: &DeployArgs) -> anyhow::Result<u8> {
    validate_stack_name(&args.stack).map_err(usage)?;
    let resolve_image: ResolveImage = args.resolve_image.parse().map_err(usage)?;
    let opts = stack_options(global, &args.compose_files)?;
    let loaded = berth_stack::load_project(&opts, &args.stack).map_err(|e| match e {
        // Loader errors keep their own type: they print with the file snippet and map to
        // Compose's exit codes.
        berth_stack::Error::Load(spec) => anyhow::Error::from(spec),
        other => other.into(),
    })?;
    super::config::print_warnings(&loaded.warnings);
    let ns = Namespace::new(args.stack.clone());
    let stack = berth_stack::convert::convert(&loaded.project, &ns, &|p| std::fs::read(p))?;
    if args.detach.is_none() {
        eprintln!(
            "Since --detach=false was not specified, tasks will be created in the background.\nIn a future release, --detach=false will become the default."
        );
    }
    let registry_auth = if args.with_registry_auth {
        // The same lookup as `pull`: config.json's auths, credsStore and credHelpers.
        let credentials = super::pull::credentials();
        stack
            .services
            .iter()
            .filter_map(|s| credentials.for_image(&s.spec.container.image).map(|a| (s.spec.container.image.clone(), a)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let options = DeployOptions { prune: args.prune, resolve_image, registry_auth, detach: args.detach.unwrap_or(true) };
    let engine = connect().await?;
    let printer = Printer::new(args.quiet);
    let report = |e: StackEvent| printer.event(e);
    let result = berth_stack::deploy::deploy(engine.as_ref(), &stack, &options, &report).await;
    let _ = std::io::stdout().flush();
    result?;
    Ok(0)
}

/// Prints stack events: steps on stdout, warnings on stderr, and convergence progress as
/// a block redrawn in place on a terminal, or as lines when something changes otherwise.
struct Printer {
    quiet: bool,
    tty: bool,
    state: Mutex<PrinterState>,
}

#[derive(Default)]
struct PrinterState {
    progress: BTreeMap<String, ServiceProgress>,
    drawn_lines: usize,
    printed: BTreeMap<String, Vec<String>>,
}

impl Printer {
    fn new(quiet: bool) -> Printer {
        Printer { quiet, tty: std::io::stdout().is_terminal(), state: Mutex::new(PrinterState::default()) }
    }

    fn event(&self, e: StackEvent) {
        match e {
            StackEvent::Progress(p) => {
                if !self.quiet {
                    self.progress(p);
                }
            }
            e if e.is_diagnostic() => {
                let text = e.to_string();
                eprintln!("{}", text.trim_end());
            }
            e => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{e}");
            }
        }
    }

    fn progress(&self, p: ServiceProgress) {
        let Ok(mut st) = self.state.lock() else { return };
        let lines = progress_lines(&p);
        let mut out = std::io::stdout().lock();
        if self.tty {
            st.progress.insert(p.service.clone(), p);
            let mut block = Vec::new();
            for sp in st.progress.values() {
                block.extend(progress_lines(sp));
            }
            if st.drawn_lines > 0 {
                let _ = write!(out, "\x1b[{}A", st.drawn_lines);
            }
            for l in &block {
                let _ = writeln!(out, "\x1b[2K{l}");
            }
            // A block can shrink (a verification line goes when a task fails again).
            let _ = write!(out, "\x1b[J");
            st.drawn_lines = block.len();
        } else {
            // Lines of several services interleave here: each names its service.
            let before = st.printed.get(&p.service).cloned().unwrap_or_default();
            for l in lines.iter().filter(|l| !before.contains(l)) {
                match l.strip_prefix("  ") {
                    Some(sub) => {
                        let _ = writeln!(out, "{}: {sub}", p.service);
                    }
                    None => {
                        let _ = writeln!(out, "{l}");
                    }
                }
            }
            st.printed.insert(p.service.clone(), lines);
        }
        let _ = out.flush();
    }
}

/// The lines of one service's progress, as `docker service update` shows them.
fn progress_lines(p: &ServiceProgress) -> Vec<String> {
    let mut lines = vec![format!("{}: {}", p.service, p.summary)];
    for t in &p.tasks {
        if t.error {
            lines.push(format!("  {}: {}", t.label, t.status));
        } else {
            let width = 50usize;
            let filled = (state_rank(&t.status).min(9) * width) / 9;
            let bar = if filled >= width {
                "=".repeat(width)
            } else {
                format!("{}>{}", "=".repeat(filled), " ".repeat(width - filled - 1))
            };
            lines.push(format!("  {}: {:<9} [{bar}]", t.label, t.status));
        }
    }
    match &p.phase {
        Phase::Verifying { seconds_left } => {
            lines.push(format!("  verify: Waiting {seconds_left} seconds to verify that tasks are stable..."));
        }
        Phase::Converged => lines.push(format!("  verify: Service {} converged", p.service)),
        Phase::RollingBack => lines.push("  rollback: rolling back update".to_owned()),
        Phase::Failed(why) => lines.push(format!("  error: {why}")),
        Phase::Converging => {}
    }
    lines
}

// ---------------------------------------------------------------- ls, services, ps

fn print(text: &str) -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    Ok(0)
}

async fn ls(args: &LsArgs) -> anyhow::Result<u8> {
    let format = Format::parse(&args.format, "table {{.Name}}\t{{.Services}}").map_err(usage)?;
    let engine = connect().await?;
    let stacks = query::list_stacks(engine.as_ref()).await?;
    let rows: Vec<Value> = stacks.iter().map(|s| json!({"Name": s.name, "Services": s.services.to_string()})).collect();
    print(&format.render(&rows, &[("Name", "NAME"), ("Services", "SERVICES")]).map_err(usage)?)
}

/// An image reference for display: without its digest (the docker CLI's familiar form).
fn display_image(image: &str) -> String {
    match image.split_once('@') {
        Some((name, _)) if !name.is_empty() => name.to_owned(),
        _ => image.to_owned(),
    }
}

fn short_id(id: &str) -> String {
    id.chars().take(12).collect()
}

fn mode_name(mode: &ServiceMode) -> &'static str {
    match mode {
        ServiceMode::Replicated { .. } => "replicated",
        ServiceMode::Global => "global",
        ServiceMode::ReplicatedJob { .. } => "replicated job",
        ServiceMode::GlobalJob => "global job",
    }
}

/// Ingress ports as `*:8080->80/tcp`, consecutive ones grouped into ranges.
fn ingress_ports(s: &ServiceDetails) -> String {
    let mut ports: Vec<(String, u32, u32)> = s
        .ports
        .iter()
        .filter(|p| p.publish_mode.as_deref().is_none_or(|m| m == "ingress"))
        .map(|p| (p.protocol.to_string(), u32::from(p.published.unwrap_or(0)), u32::from(p.target)))
        .collect();
    ports.sort();
    let mut out: Vec<String> = Vec::new();
    let mut range: Option<(String, u32, u32, u32, u32)> = None;
    let show = |(proto, ps, pe, ts, te): &(String, u32, u32, u32, u32)| {
        let p = if pe > ps { format!("{ps}-{pe}") } else { ps.to_string() };
        let t = if te > ts { format!("{ts}-{te}") } else { ts.to_string() };
        format!("*:{p}->{t}/{proto}")
    };
    for (proto, published, target) in ports {
        match &mut range {
            Some(r) if r.0 == proto && published == r.2 + 1 && target == r.4 + 1 => {
                r.2 = published;
                r.4 = target;
            }
            _ => {
                if let Some(r) = range.take() {
                    if r.1 > 0 {
                        out.push(show(&r));
                    }
                }
                range = Some((proto, published, published, target, target));
            }
        }
    }
    if let Some(r) = range {
        if r.1 > 0 {
            out.push(show(&r));
        }
    }
    out.join(", ")
}

async fn services(args: &ServicesArgs, short_filters: &[String]) -> anyhow::Result<u8> {
    validate_stack_name(&args.stack).map_err(usage)?;
    let default = if args.quiet { "{{.ID}}" } else { "table {{.ID}}\t{{.Name}}\t{{.Mode}}\t{{.Replicas}}\t{{.Image}}\t{{.Ports}}" };
    let spec = if args.format.is_empty() || (args.quiet && args.format == "table") { default } else { args.format.as_str() };
    let format = Format::parse(spec, default).map_err(usage)?;
    let engine = connect().await?;
    let ns = Namespace::new(args.stack.clone());
    let list = query::stack_services(engine.as_ref(), &ns, &filters(&args.filter, short_filters)?).await?;
    if list.is_empty() {
        eprintln!("Nothing found in stack: {}", args.stack);
        return Ok(0);
    }
    let mut rows = Vec::with_capacity(list.len());
    for s in &list {
        let running = s.running_tasks.unwrap_or(0);
        let desired = s.desired_tasks.unwrap_or(0);
        let replicas = match s.spec.mode {
            ServiceMode::ReplicatedJob { total_completions, .. } => {
                let done = completed_tasks(engine.as_ref(), &s.id).await?;
                format!("{running}/{desired} ({done}/{total_completions} completed)")
            }
            ServiceMode::GlobalJob => {
                let done = completed_tasks(engine.as_ref(), &s.id).await?;
                format!("{running}/{desired} ({done}/{} completed)", desired + done)
            }
            ServiceMode::Replicated { .. } => match s.spec.placement.max_replicas {
                Some(max) if max > 0 => format!("{running}/{desired} (max {max} per node)"),
                _ => format!("{running}/{desired}"),
            },
            ServiceMode::Global => format!("{running}/{desired}"),
        };
        rows.push(json!({
            "ID": short_id(&s.id),
            "Name": s.spec.name,
            "Mode": mode_name(&s.spec.mode),
            "Replicas": replicas,
            "Image": display_image(&s.spec.container.image),
            "Ports": ingress_ports(s),
        }));
    }
    let titles = [("ID", "ID"), ("Name", "NAME"), ("Mode", "MODE"), ("Replicas", "REPLICAS"), ("Image", "IMAGE"), ("Ports", "PORTS")];
    print(&format.render(&rows, &titles).map_err(usage)?)
}

async fn completed_tasks(engine: &dyn Engine, service: &str) -> anyhow::Result<u64> {
    let filters = Filters::new().with("service", service.to_owned());
    let tasks = engine.list_tasks(&berth_engine::ListOptions { filters }).await?;
    Ok(tasks.iter().filter(|t| t.state == "complete").count() as u64)
}

/// go-units' `HumanDuration`: "Less than a second", "About a minute", "3 hours", ...
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let minutes = secs / 60;
    let hours = (d.as_secs_f64() / 3600.0 + 0.5).floor();
    match secs {
        0 => "Less than a second".to_owned(),
        1 => "1 second".to_owned(),
        2..=59 => format!("{secs} seconds"),
        _ if minutes == 1 => "About a minute".to_owned(),
        _ if minutes < 60 => format!("{minutes} minutes"),
        _ if hours < 1.5 => "About an hour".to_owned(),
        _ if hours < 48.0 => format!("{hours} hours"),
        _ if hours < 24.0 * 14.0 => format!("{} days", (hours / 24.0).floor()),
        _ if hours < 24.0 * 60.0 => format!("{} weeks", (hours / 24.0 / 7.0).floor()),
        _ if hours < 24.0 * 730.0 => format!("{} months", (hours / 24.0 / 30.0).floor()),
        _ => format!("{} years", secs / 3600 / 24 / 365),
    }
}

/// `Running`, `Shutdown`, ... (the docker CLI's `PrettyPrint`).
fn pretty(state: &str) -> String {
    let mut c = state.chars();
    c.next().map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

fn current_state(row: &TaskRow, now: SystemTime) -> String {
    let ago = berth_stack::time::parse_rfc3339(&row.task.timestamp)
        .and_then(|(secs, _)| {
            let now = i64::try_from(now.duration_since(UNIX_EPOCH).ok()?.as_secs()).ok()?;
            u64::try_from(now.saturating_sub(secs)).ok()
        })
        .unwrap_or(0);
    format!("{} {} ago", pretty(&row.task.state), human_duration(Duration::from_secs(ago)).to_lowercase())
}

async fn ps(args: &PsArgs, short_filters: &[String]) -> anyhow::Result<u8> {
    validate_stack_name(&args.stack).map_err(usage)?;
    let default = if args.quiet {
        "{{.ID}}"
    } else {
        "table {{.ID}}\t{{.Name}}\t{{.Image}}\t{{.Node}}\t{{.DesiredState}}\t{{.CurrentState}}\t{{.Error}}\t{{.Ports}}"
    };
    let spec = if args.format.is_empty() || (args.quiet && args.format == "table") { default } else { args.format.as_str() };
    let format = Format::parse(spec, default).map_err(usage)?;
    let table = matches!(format, Format::Table(_));
    let engine = connect().await?;
    let ns = Namespace::new(args.stack.clone());
    let rows = query::stack_tasks(engine.as_ref(), &ns, &filters(&args.filter, short_filters)?, !args.no_resolve).await?;
    if rows.is_empty() {
        return Err(anyhow::anyhow!("nothing found in stack: {}", args.stack));
    }
    // Host-mode ports each running task publishes (the swarm reports them per task).
    let host_ports: BTreeMap<String, String> = query::stack_services(engine.as_ref(), &ns, &Filters::new())
        .await?
        .into_iter()
        .map(|s| {
            let ports: Vec<String> = s
                .spec
                .endpoint
                .ports
                .iter()
                .filter(|p| p.publish_mode.as_deref() == Some("host"))
                .filter_map(|p| p.published.map(|pb| format!("*:{pb}->{}/{}", p.target, p.protocol)))
                .collect();
            (s.id, ports.join(","))
        })
        .collect();
    let trunc = !args.no_trunc;
    let now = SystemTime::now();
    let values: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut error = r.task.error.clone().unwrap_or_default();
            if trunc && error.chars().count() > 30 {
                error = error.chars().take(29).collect::<String>() + "…";
            }
            if !error.is_empty() {
                error = format!("\"{error}\"");
            }
            let name = if r.previous && table { format!(" \\_ {}", r.name) } else { r.name.clone() };
            let ports = if r.task.state == "running" { host_ports.get(&r.task.service_id).cloned().unwrap_or_default() } else { String::new() };
            json!({
                "ID": if trunc { short_id(&r.task.id) } else { r.task.id.clone() },
                "Name": name,
                "Image": if trunc { display_image(&r.task.image) } else { r.task.image.clone() },
                "Node": r.node,
                "DesiredState": pretty(&r.task.desired_state),
                "CurrentState": current_state(r, now),
                "Error": error,
                "Ports": ports,
            })
        })
        .collect();
    let titles = [
        ("ID", "ID"),
        ("Name", "NAME"),
        ("Image", "IMAGE"),
        ("Node", "NODE"),
        ("DesiredState", "DESIRED STATE"),
        ("CurrentState", "CURRENT STATE"),
        ("Error", "ERROR"),
        ("Ports", "PORTS"),
    ];
    print(&format.render(&values, &titles).map_err(usage)?)
}

// ---------------------------------------------------------------- rm, config

async fn rm(args: &RmArgs) -> anyhow::Result<u8> {
    for s in &args.stacks {
        validate_stack_name(s).map_err(usage)?;
    }
    let engine = connect().await?;
    let printer = Printer::new(false);
    let report = |e: StackEvent| printer.event(e);
    berth_stack::remove::remove_stacks(engine.as_ref(), &args.stacks, !args.detach, &report).await?;
    Ok(0)
}

fn config_cmd(global: &GlobalArgs, args: &StackConfigArgs) -> anyhow::Result<u8> {
    let opts = stack_options(global, &args.compose_files)?;
    let out = if args.skip_interpolation {
        let loaded = project::load_model(&opts, &LoadFlags { interpolate: false, ..LoadFlags::default() })?;
        super::config::print_warnings(&loaded.warnings);
        config::render(&loaded.model.to_json(), ConfigFormat::Yaml)
    } else {
        let loaded = project::load_project(&opts, &LoadFlags::default(), &[])?;
        super::config::print_warnings(&loaded.warnings);
        // The same writer as `berth config`: go-yaml's key order and quoting, `$` doubled.
        let mut text = Vec::new();
        config::write_project(&loaded.project, ConfigFormat::Yaml, &mut text)?;
        String::from_utf8(text)?
    };
    print(&out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_engine::{PortProtocol, ServicePort};

    #[test]
    fn human_durations_like_go_units() {
        let d = |s| human_duration(Duration::from_secs(s));
        assert_eq!(d(0), "Less than a second");
        assert_eq!(d(1), "1 second");
        assert_eq!(d(59), "59 seconds");
        assert_eq!(d(60), "About a minute");
        assert_eq!(d(150), "2 minutes");
        assert_eq!(d(3600), "About an hour");
        assert_eq!(d(3 * 3600), "3 hours");
        assert_eq!(d(3 * 86_400), "3 days");
        assert_eq!(d(20 * 86_400), "2 weeks");
        assert_eq!(d(90 * 86_400), "3 months");
        assert_eq!(d(800 * 86_400), "2 years");
    }

    #[test]
    fn ports_are_grouped_like_the_docker_cli() {
        let port = |published, target, mode: &str| ServicePort {
            name: None,
            protocol: PortProtocol::Tcp,
            target,
            published: Some(published),
            publish_mode: Some(mode.to_owned()),
        };
        let s = ServiceDetails {
            ports: vec![port(8080, 80, "ingress"), port(8081, 81, "ingress"), port(9000, 90, "ingress"), port(7000, 70, "host")],
            ..ServiceDetails::default()
        };
        assert_eq!(ingress_ports(&s), "*:8080-8081->80-81/tcp, *:9000->90/tcp");
    }

    #[test]
    fn images_without_digest() {
        assert_eq!(display_image("nginx:1@sha256:abc"), "nginx:1");
        assert_eq!(display_image("nginx"), "nginx");
    }

    #[test]
    fn progress_lines_show_tasks_and_verification() {
        let p = ServiceProgress {
            service: "shop_web".into(),
            id: "x".into(),
            summary: "overall progress: 1 out of 2 tasks".into(),
            tasks: vec![
                berth_stack::progress::TaskLine { label: "1/2".into(), status: "running".into(), error: false },
                berth_stack::progress::TaskLine { label: "2/2".into(), status: "no suitable node".into(), error: true },
            ],
            phase: Phase::Verifying { seconds_left: 3 },
        };
        let lines = progress_lines(&p);
        assert_eq!(lines[0], "shop_web: overall progress: 1 out of 2 tasks");
        assert!(lines[1].starts_with("  1/2: running   [=================================================="));
        assert_eq!(lines[2], "  2/2: no suitable node");
        assert_eq!(lines[3], "  verify: Waiting 3 seconds to verify that tasks are stable...");
    }
}
