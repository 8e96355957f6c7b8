//! `berth down`: stops and removes the project's containers and networks, with `-v` its
//! volumes, with `--rmi` its images. Works from `-p NAME` alone, from the engine's labels.

use berth_core::ops::down::{down, DownOptions};
use berth_core::reconcile::ImagePrune;
use clap::Args;

use super::engine;
use crate::cli::GlobalArgs;

/// `down [OPTIONS] [SERVICES]`.
#[derive(Debug, Args)]
pub struct DownArgs {
    /// Services to remove, with the services depending on them (default: all)
    #[arg(value_name = "SERVICES")]
    pub services: Vec<String>,
    /// Remove containers for services not defined in the Compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Specify a shutdown timeout in seconds
    #[arg(short = 't', long, allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers
    #[arg(short = 'v', long, alias = "volume")]
    pub volumes: bool,
    /// Remove images used by services. "local" remove only images that don't have a custom tag ("local"|"all")
    #[arg(long)]
    pub rmi: Option<String>,
}

/// Runs `down`.
pub fn run(global: &GlobalArgs, args: &DownArgs) -> anyhow::Result<u8> {
    let images = match args.rmi.as_deref() {
        None | Some("") => ImagePrune::None,
        Some("local") => ImagePrune::Local,
        Some("all") => ImagePrune::All,
        Some(other) => anyhow::bail!("invalid value for --rmi: {other:?}"),
    };
    let target = engine::project_or_name(global, &args.services)?;
    let opts = DownOptions {
        services: args.services.clone(),
        remove_orphans: args.remove_orphans || engine::remove_orphans_env(),
        volumes: args.volumes,
        images,
        timeout: engine::timeout(args.timeout),
        run: engine::run_options(global),
    };
    engine::run_simple(global, "Running", |eng, sink, cancel| async move {
        let quieted = engine::Quieted { inner: &*sink, warning: "No resource found to remove" };
        let outcome = down(eng, &target.name, target.project.as_ref(), &opts, &quieted, &cancel).await;
        if outcome.as_ref().is_ok_and(|o| o.plan.is_empty()) {
            eprintln!("Warning: No resource found to remove for project {:?}.", target.name);
        }
        outcome
    })
}
