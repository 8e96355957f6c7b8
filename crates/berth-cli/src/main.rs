//! The `berth` binary: parses the command line, runs one command, maps errors to the exit
//! codes Docker Compose uses. Also answers as a docker CLI plugin (`docker compose ...`) and
//! as `docker-compose`.

mod cli;
mod commands;
mod display;
mod exit;
mod menu;
mod parse_error;
mod plugin;
mod terminal;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = plugin::answer_metadata(&raw) {
        return code;
    }
    let normalized = plugin::normalize_args(raw);
    if let Some(dir) = normalized.docker_config {
        // Before any thread starts: the docker CLI's `--config` names the directory that
        // `DOCKER_CONFIG` would.
        std::env::set_var("DOCKER_CONFIG", dir);
    }
    let args = commands::run::publish_short_flag(normalized.args);
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // Without a command, Docker Compose shows its help on stdout and succeeds.
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            print!("{}", e.render());
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { 0 };
            let words: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            if let Some(reworded) = parse_error::reword(&e, &cli::Cli::command(), &words) {
                if let Some(help) = reworded.stdout {
                    print!("{help}");
                }
                eprintln!("{}", reworded.message);
                return ExitCode::from(reworded.code);
            }
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let (code, text) = exit::describe(&err);
            eprintln!("{text}");
            ExitCode::from(code)
        }
    }
}
