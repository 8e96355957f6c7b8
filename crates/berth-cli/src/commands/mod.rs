//! One module per command; each turns its arguments into calls to the libraries and renders
//! the result.

pub mod alpha;
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
pub mod watch;
pub mod stack;

use crate::cli::{Cli, Command, GlobalArgs};

/// Runs the parsed command; the result is the process exit code.
pub fn run(mut cli: Cli) -> anyhow::Result<u8> {
    if cli.global.verbose {
        crate::display::debug::enable();
    }
    if !matches!(cli.command, Command::Completion(_) | Command::Man(_) | Command::Plugin(_) | Command::Stack(_) | Command::Version(_)) {
        export_dot_env(&cli.global)?;
        resolve_global_options(&mut cli.global, &|k| std::env::var(k).ok())?;
        check_global_options(&cli.global)?;
    }
    engine::set_connect_options(&cli.global);
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
        Command::Alpha(args) => alpha::run(&cli.global, &args),
        Command::Watch(args) => watch::run(&cli.global, &args),
    }
}

/// Docker Compose's `setEnvWithDotEnv`: every variable of the `.env` files (`--env-file`,
/// `COMPOSE_ENV_FILES`, else the project directory's `.env`) that the process environment lacks
/// is added to it before the command runs, so `COMPOSE_ANSI`, `COMPOSE_PARALLEL_LIMIT`,
/// `NO_COLOR` or `DOCKER_HOST` written there apply as if exported. A missing `--env-file` is
/// left for [`check_global_options`] to report.
fn export_dot_env(global: &GlobalArgs) -> anyhow::Result<()> {
    let opts = project_options(global)?;
    // Compose reads `COMPOSE_REMOVE_ORPHANS` when it defines the flags, before this export:
    // a value in `.env` does not count (see [`engine::remove_orphans_env`]).
    engine::remove_orphans_env();
    let Ok(environment) = berth_spec::discovery::command_environment(&opts) else { return Ok(()) };
    for (key, value) in environment.iter() {
        if std::env::var_os(key).is_none() && !key.is_empty() && !key.contains(['=', '\0']) && !value.contains('\0') {
            std::env::set_var(key, value);
        }
    }
    Ok(())
}

/// The global options Docker Compose rewrites before any command: the deprecated `--no-ansi`
/// (`--ansi never`) and `--workdir` (`--project-directory`), each with Compose's warning and
/// its conflict error, and `COMPOSE_PARALLEL_LIMIT` when `--parallel` is not given.
fn resolve_global_options(global: &mut GlobalArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    if global.no_ansi {
        if global.ansi.as_deref().is_some_and(|a| a != "auto") {
            anyhow::bail!(r#"cannot specify DEPRECATED "--no-ansi" and "--ansi". Please use only "--ansi""#);
        }
        eprintln!("option '--no-ansi' is DEPRECATED ! Please use '--ansi' instead.");
        // As in Compose, `COMPOSE_ANSI` still wins over the deprecated flag.
        if env("COMPOSE_ANSI").is_none() {
            global.ansi = Some("never".to_owned());
        }
    }
    if let Some(workdir) = global.workdir.take() {
        if global.project_directory.is_some() {
            anyhow::bail!(
                r#"cannot specify DEPRECATED "--workdir" and "--project-directory". Please use only "--project-directory" instead"#
            );
        }
        eprintln!("option '--workdir' is DEPRECATED at root level! Please use '--project-directory' instead.");
        global.project_directory = Some(workdir);
    }
    if global.parallel.is_none() {
        if let Some(limit) = env("COMPOSE_PARALLEL_LIMIT") {
            let parsed = limit
                .parse::<i64>()
                .map_err(|_| anyhow::anyhow!("COMPOSE_PARALLEL_LIMIT must be an integer (found: {limit:?})"))?;
            global.parallel = Some(parsed);
        }
    }
    if let Some(limit) = global.parallel.filter(|p| *p > 0) {
        crate::display::debug::log(&format!("Limiting max concurrency to {limit} jobs"));
    }
    Ok(())
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
    opts.compatibility = global.compatibility;
    Ok(opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(global: &mut GlobalArgs, env: &[(&str, &str)]) -> anyhow::Result<()> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        resolve_global_options(global, &|k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn deprecated_no_ansi_is_ansi_never() {
        let mut g = GlobalArgs { no_ansi: true, ..GlobalArgs::default() };
        resolve(&mut g, &[]).unwrap();
        assert_eq!(g.ansi.as_deref(), Some("never"));
        let mut g = GlobalArgs { no_ansi: true, ansi: Some("auto".into()), ..GlobalArgs::default() };
        resolve(&mut g, &[]).unwrap();
        assert_eq!(g.ansi.as_deref(), Some("never"));
        // COMPOSE_ANSI still decides, as in Compose, where it beats an unchanged --ansi.
        let mut g = GlobalArgs { no_ansi: true, ..GlobalArgs::default() };
        resolve(&mut g, &[("COMPOSE_ANSI", "always")]).unwrap();
        assert_eq!(g.ansi, None);
        let mut g = GlobalArgs { no_ansi: true, ansi: Some("always".into()), ..GlobalArgs::default() };
        assert_eq!(
            resolve(&mut g, &[]).unwrap_err().to_string(),
            r#"cannot specify DEPRECATED "--no-ansi" and "--ansi". Please use only "--ansi""#
        );
    }

    #[test]
    fn deprecated_workdir_is_the_project_directory() {
        let mut g = GlobalArgs { workdir: Some("/w".into()), ..GlobalArgs::default() };
        resolve(&mut g, &[]).unwrap();
        assert_eq!(g.project_directory.as_deref(), Some(std::path::Path::new("/w")));
        let mut g = GlobalArgs { workdir: Some("/w".into()), project_directory: Some("/p".into()), ..GlobalArgs::default() };
        assert!(resolve(&mut g, &[]).unwrap_err().to_string().starts_with(r#"cannot specify DEPRECATED "--workdir""#));
    }

    #[test]
    fn parallel_limit_from_the_environment_unless_the_flag_is_given() {
        let mut g = GlobalArgs::default();
        resolve(&mut g, &[("COMPOSE_PARALLEL_LIMIT", "3")]).unwrap();
        assert_eq!(g.parallel, Some(3));
        assert_eq!(engine::run_options(&g).parallel, Some(3));
        let mut g = GlobalArgs { parallel: Some(-1), ..GlobalArgs::default() };
        resolve(&mut g, &[("COMPOSE_PARALLEL_LIMIT", "3")]).unwrap();
        assert_eq!(engine::run_options(&g).parallel, None);
        let mut g = GlobalArgs::default();
        assert_eq!(
            resolve(&mut g, &[("COMPOSE_PARALLEL_LIMIT", "many")]).unwrap_err().to_string(),
            r#"COMPOSE_PARALLEL_LIMIT must be an integer (found: "many")"#
        );
    }
}
