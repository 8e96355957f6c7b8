//! `berth stop`: stops the selected services' containers, dependants first. Works from
//! `-p NAME` alone.

use berth_core::ops::stop::{stop, StopOptions};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `stop [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// Services to stop (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub timeout: Option<i64>,
}

/// Runs `stop`.
pub fn run(global: &GlobalArgs, args: &StopArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let opts = StopOptions {
        services: args.services.clone(),
        timeout: engine::timeout(args.timeout),
        run: engine::run_options(global),
    };
    engine::run_simple(global, "Stopping", |eng, sink, cancel| async move {
        stop(eng, &target.name, target.project.as_ref(), &opts, &*sink, &cancel).await
    })
}
