//! The command line, as Docker Compose defines it: global project flags, then a command.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands::completion::{CompletionArgs, ManArgs};
use crate::commands::config::ConfigArgs;
use crate::commands::{build, create, down, kill, pause, pull, push, restart, rm, start, stop, unpause, up};
use crate::commands::{exec, run};
use crate::commands::events::EventsArgs;
use crate::commands::images::ImagesArgs;
use crate::commands::ls::LsArgs;
use crate::commands::plugin_install::PluginArgs;
use crate::commands::port::PortArgs;
use crate::commands::ps::PsArgs;
use crate::commands::stats::StatsArgs;
use crate::commands::top::TopArgs;
use crate::commands::version::VersionArgs;
use crate::commands::stack::StackArgs;
use crate::commands::{attach, logs, wait};

#[derive(Debug, Parser)]
#[command(
    name = "berth",
    // `-v/--version` are Docker Compose's (hidden) root flags, rewritten to the `version`
    // command before parsing (see `crate::plugin::normalize_args`); clap's own `-V` would print
    // something no Compose tool expects.
    disable_version_flag = true,
    about = "Define and run multi-container applications (Docker Compose, in Rust)",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command understands; they come before the command name.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Compose configuration files
    // Not global: as in Docker Compose, `-f` after the command is the command's own flag
    // (`rm -f`, `logs -f`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<String>,
    /// Project name
    #[arg(short = 'p', long = "project-name", global = true)]
    pub project_name: Option<String>,
    /// Specify an alternate working directory (default: the path of the first specified Compose file)
    #[arg(long, global = true)]
    pub project_directory: Option<PathBuf>,
    /// Specify an alternate environment file
    #[arg(long = "env-file", id = "env_file", global = true)]
    pub env_files: Vec<String>,
    /// Specify a profile to enable
    #[arg(long = "profile", id = "profile", global = true)]
    pub profiles: Vec<String>,
    /// Set type of progress output (auto, tty, plain, json, quiet)
    #[arg(long, global = true, default_value = "auto")]
    pub progress: String,
    /// Control when to print ANSI control characters ("never"|"always"|"auto") (default "auto")
    // No clap default: an explicit `--ansi auto` must beat COMPOSE_ANSI, as in Compose.
    #[arg(long, global = true)]
    pub ansi: Option<String>,
    /// Control max parallelism, -1 for unlimited (default -1)
    // No clap default: `COMPOSE_PARALLEL_LIMIT` applies only when the flag is not given.
    #[arg(long, global = true, allow_hyphen_values = true, value_name = "int")]
    pub parallel: Option<i64>,
    /// Execute command in dry run mode
    #[arg(long, global = true)]
    pub dry_run: bool,
    /// Run compose in backward compatibility mode
    #[arg(long, global = true)]
    pub compatibility: bool,
    /// Do not print ANSI control characters (DEPRECATED)
    #[arg(long, hide = true)]
    pub no_ansi: bool,
    /// DEPRECATED! USE --project-directory INSTEAD.
    #[arg(long, hide = true, value_name = "string")]
    pub workdir: Option<PathBuf>,
    /// Show more output
    // Root-only and hidden, as in Compose: `berth --verbose up`, not `berth up --verbose`.
    #[arg(long, hide = true)]
    pub verbose: bool,
    /// The engine to connect to (the docker CLI's `-H`, passed on to plugins)
    #[arg(short = 'H', long, hide = true)]
    pub host: Option<String>,
    /// The docker context to use (the docker CLI's `-c`, passed on to plugins)
    #[arg(short = 'c', long, hide = true)]
    pub context: Option<String>,
    /// Use TLS; implied by --tlsverify (the docker CLI's, passed on to plugins)
    #[arg(long, hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "bool")]
    pub tls: Option<bool>,
    /// Use TLS and verify the remote (the docker CLI's, passed on to plugins)
    #[arg(long = "tlsverify", hide = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_parser = go_bool, value_name = "bool")]
    pub tls_verify: Option<bool>,
    /// Trust certs signed only by this CA (the docker CLI's, passed on to plugins)
    #[arg(long = "tlscacert", hide = true, value_name = "string")]
    pub tls_ca_cert: Option<PathBuf>,
    /// Path to TLS certificate file (the docker CLI's, passed on to plugins)
    #[arg(long = "tlscert", hide = true, value_name = "string")]
    pub tls_cert: Option<PathBuf>,
    /// Path to TLS key file (the docker CLI's, passed on to plugins)
    #[arg(long = "tlskey", hide = true, value_name = "string")]
    pub tls_key: Option<PathBuf>,
}

/// A boolean flag's value as Go's `strconv.ParseBool` reads it (the docker CLI's flags are
/// parsed so: `--tlsverify=false`, `--tls=0`).
fn go_bool(value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        other => Err(format!("invalid boolean {other:?}")),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render compose file in canonical format
    #[command(alias = "convert")]
    Config(ConfigArgs),
    /// Create and start containers
    Up(up::UpArgs),
    /// Stop and remove containers, networks
    Down(down::DownArgs),
    /// Build or rebuild services
    Build(build::BuildArgs),
    /// Creates containers for a service
    Create(create::CreateArgs),
    /// Start services
    Start(start::StartArgs),
    /// Stop services
    Stop(stop::StopArgs),
    /// Restart service containers
    Restart(restart::RestartArgs),
    /// Force stop service containers
    Kill(kill::KillArgs),
    /// Removes stopped service containers
    Rm(rm::RmArgs),
    /// Pause services
    Pause(pause::PauseArgs),
    /// Unpause services
    Unpause(unpause::UnpauseArgs),
    /// Scale services
    Scale(crate::commands::scale::ScaleArgs),
    /// Pull service images
    Pull(pull::PullArgs),
    /// Push service images
    Push(push::PushArgs),
    /// List containers
    Ps(PsArgs),
    /// List running compose projects
    Ls(LsArgs),
    /// Display the running processes
    Top(TopArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(crate::commands::cp::CpArgs),
    /// Print the public port for a port binding
    Port(PortArgs),
    /// Receive real time events from containers
    Events(EventsArgs),
    /// List images used by the created containers
    Images(ImagesArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(StatsArgs),
    /// Show the Docker Compose version information
    Version(VersionArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completion(CompletionArgs),
    /// Print berth's manual page (roff), or write every page into a directory
    Man(ManArgs),
    /// Install berth as the docker CLI's compose plugin, or remove it
    Plugin(PluginArgs),
    /// Manage Swarm stacks (deploy compose files to a Docker Swarm)
    Stack(StackArgs),
    /// Execute a command in a running container
    Exec(exec::ExecArgs),
    /// Run a one-off command on a service
    Run(run::RunArgs),
    /// View output from containers
    Logs(logs::LogsArgs),
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(attach::AttachArgs),
    /// Block until the first service container stops
    Wait(wait::WaitArgs),
    /// Watch build context for service and rebuild/refresh containers when files are updated
    Watch(crate::commands::watch::WatchArgs),
    /// Experimental commands
    #[command(hide = true)]
    Alpha(crate::commands::alpha::AlphaArgs),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(args: &[&str]) -> GlobalArgs {
        Cli::try_parse_from(args).expect("parses").global
    }

    #[test]
    fn tls_flags_as_the_docker_cli_reads_them() {
        // A bare switch does not take the next word (the command) as its value.
        let g = global(&["berth", "--tlsverify", "ps"]);
        assert_eq!((g.tls, g.tls_verify), (None, Some(true)));
        let g = global(&["berth", "--tls", "--tlsverify=false", "--tlscacert", "/c/ca.pem", "--tlscert=/c/cert.pem", "--tlskey", "k", "ps"]);
        assert_eq!((g.tls, g.tls_verify), (Some(true), Some(false)));
        assert_eq!(g.tls_ca_cert, Some(PathBuf::from("/c/ca.pem")));
        assert_eq!(g.tls_cert, Some(PathBuf::from("/c/cert.pem")));
        assert_eq!(g.tls_key, Some(PathBuf::from("k")));
        assert_eq!(global(&["berth", "--tls=0", "ps"]).tls, Some(false));
        assert_eq!(global(&["berth", "--tls=T", "ps"]).tls, Some(true));
        assert!(Cli::try_parse_from(["berth", "--tls=yes", "ps"]).is_err());
    }
}
