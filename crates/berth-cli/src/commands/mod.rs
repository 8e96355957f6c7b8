//! One module per command; each turns its arguments into calls to the libraries and renders
//! the result.

pub mod attach;
pub mod build;
pub mod completion;
pub mod config;
pub mod cp;
pub mod create;
pub mod down;
pub mod engine;
pub mod exec;
pub mod kill;
pub mod logs;
pub mod pause;
pub mod pull;
pub mod push;
pub mod restart;
pub mod scale;
pub mod run;
pub mod rm;
pub mod start;
pub mod stop;
pub mod unpause;
pub mod up;
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
pub mod wait;
pub mod stack;

use crate::cli::{Cli, Command, GlobalArgs};

/// Runs the parsed command; the result is the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    if !matches!(cli.command, Command::Completion(_) | Command::Man(_) | Command::Plugin(_) | Command::Stack(_) | Command::Version(_)) {
        check_global_options(&cli.global)?;
    }
    match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
        Command::Up(args) => up::run(&cli.global, &args),
        Command::Down(args) => down::run(&cli.global, &args),
        Command::Build(args) => build::run(&cli.global, &args),
        Command::Create(args) => create::run(&cli.global, &args),
        Command::Start(args) => start::run(&cli.global, &args),
        Command::Stop(args) => stop::run(&cli.global, &args),
        Command::Restart(args) => restart::run(&cli.global, &args),
        Command::Kill(args) => kill::run(&cli.global, &args),
        Command::Rm(args) => rm::run(&cli.global, &args),
        Command::Pause(args) => pause::run(&cli.global, &args),
        Command::Unpause(args) => unpause::run(&cli.global, &args),
        Command::Scale(args) => scale::run(&cli.global, &args),
        Command::Pull(args) => pull::run(&cli.global, &args),
        Command::Push(args) => push::run(&cli.global, &args),
        Command::Ps(args) => ps::run(&cli.global, &args),
        Command::Ls(args) => ls::run(&cli.global, &args),
        Command::Top(args) => top::run(&cli.global, &args),
        Command::Cp(args) => cp::run(&cli.global, &args),
        Command::Port(args) => port::run(&cli.global, &args),
        Command::Events(args) => events::run(&cli.global, &args),
        Command::Images(args) => images::run(&cli.global, &args),
        Command::Stats(args) => stats::run(&cli.global, &args),
        Command::Version(args) => version::run(&cli.global, &args),
        Command::Completion(args) => completion::run_completion(&args),
        Command::Man(args) => completion::run_man(&args),
        Command::Plugin(args) => plugin_install::run(&args),
        Command::Stack(args) => stack::run(&cli.global, &args),
        Command::Exec(args) => exec::run(&cli.global, &args),
        Command::Run(args) => run::run(&cli.global, &args),
        Command::Logs(args) => logs::run(&cli.global, &args),
        Command::Attach(args) => attach::run(&cli.global, &args),
        Command::Wait(args) => wait::run(&cli.global, &args),
    }
}

/// Docker Compose's checks of the global options before any command (see [`crate::exit::PreRunError`]).
fn check_global_options(global: &GlobalArgs) -> anyhow::Result<()> {
    let opts = project_options(global)?;
    berth_spec::discovery::check_global_options(&opts).map_err(crate::exit::PreRunError)?;
    // Compose also rejects contradictory display flags up front, for every command.
    crate::display::Settings::from_process(&global.progress, global.ansi.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// The project options every command builds from the global flags and the process.
pub fn project_options(global: &GlobalArgs) -> anyhow::Result<berth_spec::discovery::ProjectOptions> {
    let mut opts = berth_spec::discovery::ProjectOptions::from_process()?;
    opts.name.clone_from(&global.project_name);
    opts.files.clone_from(&global.files);
    opts.project_directory.clone_from(&global.project_directory);
    opts.env_files.clone_from(&global.env_files);
    opts.profiles.clone_from(&global.profiles);
    Ok(opts)
}
