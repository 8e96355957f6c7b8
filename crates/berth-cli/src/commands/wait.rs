//! `berth wait`: blocks until the running containers of the named services stop, printing
//! `container "<id>" exited with status code N` for each, and exits with the code of the last
//! one, as Docker Compose does. `--down-project` tears the project down (orphans included) as
//! soon as the first one stops, and exits with its code.

use berth_core::events::{Event, EventSink};
use berth_core::execute::CancellationToken;
use berth_core::ops::down::{down, DownOptions};
use berth_core::ops::wait::wait;
use clap::Args;

use super::{engine, listing};
use crate::cli::GlobalArgs;

/// `wait SERVICE [SERVICE...] [OPTIONS]`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Services to wait for
    #[arg(value_name = "SERVICE", required = true)]
    pub services: Vec<String>,
    /// Drops project when the first container stops
    #[arg(long)]
    pub down_project: bool,
}

/// Prints each exit the way Compose's `wait` does.
struct Exits;

impl EventSink for Exits {
    fn emit(&self, event: Event) {
        if let Event::Exit { container, code, .. } = event {
            // A closed stdout must not stop the wait.
            let _ = listing::print(&exit_line(&container, code));
        }
    }
}

fn exit_line(id: &str, code: i64) -> String {
    format!("container {id:?} exited with status code {code}\n")
}

/// The process exit code for a container's: the low byte, as `os.Exit` gives it.
fn exit_code(code: i64) -> u8 {
    u8::try_from(code.rem_euclid(256)).unwrap_or(1)
}

/// Runs `wait`.
pub fn run(global: &GlobalArgs, args: &WaitArgs) -> anyhow::Result<u8> {
    let target = listing::project_or_name(global, &[])?;
    let settings = engine::display_settings(global)?;
    engine::block_on(listing::until_interrupted(async {
        let engine = engine::connect().await?;
        let code = wait(std::sync::Arc::clone(&engine), &target.name, &args.services, args.down_project, &Exits).await?;
        if args.down_project {
            let opts = DownOptions { remove_orphans: true, run: engine::run_options(global), ..DownOptions::default() };
            let renderer = engine::progress(&settings, "Running", global.dry_run)?;
            let cancel = CancellationToken::new();
            let result = down(engine, &target.name, None, &opts, &renderer, &cancel).await;
            renderer.finish();
            result.map_err(|e| engine::failure(&e))?;
        }
        Ok(exit_code(code))
    }))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_lines_and_codes() {
        assert_eq!(exit_line("abc", 3), "container \"abc\" exited with status code 3\n");
        assert_eq!(exit_code(5), 5);
        assert_eq!(exit_code(256 + 7), 7);
        assert_eq!(exit_code(-1), 255);
    }
}
