//! `berth pause`: pauses the selected services' running containers. Works from `-p NAME`
//! alone.

use berth_core::ops::pause::pause;
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `pause [SERVICE...]`.
#[derive(Debug, Args)]
pub struct PauseArgs {
    /// Services to pause (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
}

/// Runs `pause`.
pub fn run(global: &GlobalArgs, args: &PauseArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let run = engine::run_options(global);
    engine::run_simple(global, "Pausing", |eng, sink, cancel| async move {
        pause(eng, &target.name, target.project.as_ref(), &args.services, &run, &*sink, &cancel).await
    })
}
