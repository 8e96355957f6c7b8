//! One module per command; each turns its arguments into calls to the libraries and renders
//! the result.

pub mod completion;
pub mod config;
pub mod events;
pub mod images;
pub mod listing;
pub mod ls;
pub mod plugin_install;
pub mod port;
pub mod ps;
pub mod stats;
pub mod top;
pub mod version;

use crate::cli::{Cli, Command, GlobalArgs};

/// Runs the parsed command; the result is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
        Command::Ps(args) => ps::run(&cli.global, &args),
        Command::Ls(args) => ls::run(&cli.global, &args),
        Command::Top(args) => top::run(&cli.global, &args),
        Command::Port(args) => port::run(&cli.global, &args),
        Command::Events(args) => events::run(&cli.global, &args),
        Command::Images(args) => images::run(&cli.global, &args),
        Command::Stats(args) => stats::run(&cli.global, &args),
        Command::Version(args) => version::run(&cli.global, &args),
        Command::Completion(args) => completion::run_completion(&args),
        Command::Man(args) => completion::run_man(&args),
        Command::Plugin(args) => plugin_install::run(&args),
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
