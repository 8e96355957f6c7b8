//! `berth cp`: copies files between a service container and the local filesystem (Docker
//! Compose's `cp`); the copy rules live in `berth_core::ops::cp`.

use berth_core::ops::cp::{copy, CopyOptions};
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;

/// `cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-` or `cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH`.
#[derive(Debug, Args)]
pub struct CpArgs {
    #[arg(value_name = "SRC_PATH", allow_hyphen_values = true, help = "SERVICE:SRC_PATH, a local path, or - (a tar archive on stdin)")]
    pub source: String,
    #[arg(value_name = "DEST_PATH", allow_hyphen_values = true, help = "SERVICE:DEST_PATH, a local path, or - (a tar archive on stdout)")]
    pub destination: String,
    /// Index of the container if service has multiple replicas
    #[arg(long, default_value_t = 0)]
    pub index: i64,
    /// Copy to all the containers of the service (deprecated: that is the default)
    #[arg(long, hide = true)]
    pub all: bool,
    #[arg(short = 'L', long, help = "Always follow symbol link in SRC_PATH")]
    pub follow_link: bool,
    /// Archive mode (copy all uid/gid information)
    #[arg(short = 'a', long)]
    pub archive: bool,
}

/// Runs `cp`.
pub fn run(global: &GlobalArgs, args: &CpArgs) -> anyhow::Result<u8> {
    if args.source.is_empty() {
        anyhow::bail!("source can not be empty");
    }
    if args.destination.is_empty() {
        anyhow::bail!("destination can not be empty");
    }
    if args.all {
        eprintln!(
            "Flag --all has been deprecated, By default all the containers of the service will get the source file/directory to be copied"
        );
    }
    let name = listing::project_name(global)?;
    let opts = CopyOptions {
        source: args.source.clone(),
        destination: args.destination.clone(),
        // A negative index picks no particular container, as 0 does.
        index: u32::try_from(args.index).unwrap_or(0),
        all: args.all,
        follow_link: args.follow_link,
        copy_uid_gid: args.archive,
        dry_run: global.dry_run,
    };
    let settings = engine::display_settings(global)?;
    engine::block_on(async move {
        let engine = engine::connect().await?;
        let renderer = engine::progress(&settings, "Copying", global.dry_run)?;
        let mut stdin = std::io::stdin();
        let mut stdout = std::io::stdout();
        let result = copy(engine.as_ref(), &name, &opts, &mut stdin, &mut stdout, &renderer).await;
        renderer.finish();
        result?;
        Ok(0)
    })?
}
