//! `berth kill`: sends a signal (SIGKILL unless `-s`) to the selected services' running
//! containers. Works from `-p NAME` alone.

use berth_core::ops::kill::{kill, KillOptions};
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `kill [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
pub struct KillArgs {
    /// Services to kill (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// SIGNAL to send to the container
    #[arg(short = 's', long, default_value = "SIGKILL")]
    pub signal: String,
}

/// Runs `kill`.
pub fn run(global: &GlobalArgs, args: &KillArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let opts = KillOptions {
        services: args.services.clone(),
        signal: Some(args.signal.clone()),
        remove_orphans: args.remove_orphans || engine::remove_orphans_env(),
        run: engine::run_options(global),
    };
    engine::run_simple(global, "Killing", |eng, sink, cancel| async move {
        let quieted = engine::Quieted { inner: &*sink, warning: "no container to kill" };
        let outcome = kill(eng, &target.name, target.project.as_ref(), &opts, &quieted, &cancel).await;
        if outcome.as_ref().is_ok_and(|o| o.plan.is_empty()) {
            // Docker Compose's words, without a newline.
            eprint!("no container to kill");
        }
        outcome
    })
}
