//! `berth unpause`: unpauses the selected services' paused containers. Works from `-p NAME`
//! alone.

use berth_core::ops::unpause::unpause;
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `unpause [SERVICE...]`.
#[derive(Debug, Args)]
pub struct UnpauseArgs {
    /// Services to unpause (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Runs `unpause`.
pub fn run(global: &GlobalArgs, args: &UnpauseArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let run = engine::run_options(global);
    engine::run_simple(global, "Running", |eng, sink, cancel| async move {
        unpause(eng, &target.name, target.project.as_ref(), &args.services, &run, &*sink, &cancel).await
    })
}
