//! One module per command; each turns its arguments into calls to the libraries and renders
//! the result.

pub mod config;
pub mod stack;

use crate::cli::{Cli, Command, GlobalArgs};

/// Runs the parsed command; the result is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
        Command::Stack(args) => stack::run(&cli.global, &args),
    }
}

/// The project options every command builds from the global flags and the process.
pub fn project_options(global: &GlobalArgs) -> anyhow::Result<berth_spec::discovery::ProjectOptions> {
    let mut opts = berth_spec::discovery::ProjectOptions::from_process()?;
    opts.name = global.project_name.clone();
    opts.files = global.files.clone();
    opts.project_directory = global.project_directory.clone();
    opts.env_files = global.env_files.clone();
    opts.profiles = global.profiles.clone();
    Ok(opts)
}
