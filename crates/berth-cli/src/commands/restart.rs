//! `berth restart`: restarts the selected services' containers, and those of services that
//! depend on them with `restart: true` unless `--no-deps`. Works from `-p NAME` alone.

use berth_core::ops::restart::{restart, RestartOptions};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `restart [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to restart (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Don't restart dependent services
    #[arg(long)]
    pub no_deps: bool,
}

/// Runs `restart`.
pub fn run(global: &GlobalArgs, args: &RestartArgs) -> anyhow::Result<u8> {
    // Docker Compose loads the whole project here and enables the named services, so
    // their dependants are known.
    let target = engine::project_or_name(global, &[])?;
    let opts = RestartOptions {
        services: args.services.clone(),
        timeout: engine::timeout(args.timeout),
        no_deps: args.no_deps,
        run: engine::run_options(global),
    };
    engine::run_simple(global, "Restarting", |eng, sink, cancel| async move {
        restart(eng, &target.name, target.project.as_ref(), &opts, &*sink, &cancel).await
    })
}
