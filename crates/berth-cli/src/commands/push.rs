//! `berth push`: pushes the images of services that build them, with Docker Compose 2.26.1's
//! flags (`--ignore-push-failures`, `--include-deps`, `-q`) and progress (`Pushing
//! <image>: <layer>` lines); failures are summarised with the fix to try.

use berth_core::events::{Discard, EventSink};
use berth_core::ops::push::{push, PushOptions};
use clap::Args;

use super::engine;
use super::pull::{credentials, only_named, summary};
use crate::cli::GlobalArgs;

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Services to push (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Push what it can and ignores images with push failures
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Also push images of services declared as dependencies
    #[arg(long)]
    pub include_deps: bool,
    /// Push without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `push`.
pub fn run(global: &GlobalArgs, args: &PushArgs) -> anyhow::Result<u8> {
    let mut project = engine::load_project(global, &args.services)?.project;
    if !args.include_deps {
        only_named(&mut project, &args.services);
    }
    let opts = PushOptions {
        ignore_failures: args.ignore_push_failures,
        quiet: args.quiet,
        credentials: credentials(),
        parallel: engine::run_options(global).parallel,
        dry_run: global.dry_run,
    };
    let settings = engine::display_settings(global)?;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let renderer = if args.quiet { None } else { Some(engine::progress(&settings, "Pushing", global.dry_run)?) };
        let sink: &dyn EventSink = match &renderer {
            Some(r) => r,
            None => &Discard,
        };
        let report = push(engine.as_ref(), &project, &opts, sink).await;
        if let Some(r) = &renderer {
            if args.ignore_push_failures {
                for f in &report.failures {
                    r.tail(&format!("Pushing {}: {}", f.service, f.message));
                }
            }
            r.finish();
        }
        if report.failures.is_empty() {
            return Ok(0);
        }
        if args.ignore_push_failures {
            if !args.quiet {
                eprintln!("{}", summary("pushed", &report.failures));
            }
            return Ok(0);
        }
        Err(anyhow::anyhow!("{}", summary("pushed", &report.failures)))
    })?
}
