//! `berth start`: starts the existing containers of the selected services, each after its
//! dependencies meet their `depends_on` conditions. Works from `-p NAME` alone.

use berth_core::ops::start::{start, StartOptions};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `start [SERVICE...]`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// Services to start (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Runs `start`.
pub fn run(global: &GlobalArgs, args: &StartArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let opts =
        StartOptions { services: args.services.clone(), run: engine::run_options(global), ..StartOptions::default() };
    engine::run_simple(global, "Running", |eng, sink, cancel| async move {
        start(eng, &target.name, target.project.as_ref(), &opts, &*sink, &cancel).await
    })
}
