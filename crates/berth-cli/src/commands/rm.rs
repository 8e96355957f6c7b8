//! `berth rm`: removes the selected services' stopped containers (running ones too with `-s`,
//! after stopping them), asking first unless `-f`, as Docker Compose asks. Works from
//! `-p NAME` alone.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use berth_core::execute::CancellationToken;
use berth_core::ops::rm::{rm, RmOptions};
use clap::Args;

use super::engine::{self, InterruptWatch, LazyProgress};
use crate::cli::GlobalArgs;

/// `rm [OPTIONS] [SERVICE...]`.
#[derive(Debug, Args)]
#[command(long_about = "Removes stopped service containers\n\n\
By default, anonymous volumes attached to containers will not be removed. You\n\
can override this with -v. To list all volumes, use \"docker volume ls\".\n\n\
Any data which is not in a volume will be lost.")]
pub struct RmArgs {
    /// Services whose containers to remove (default: all)
    #[arg(value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Don't ask to confirm removal
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Stop the containers, if required, before removing
    #[arg(short = 's', long)]
    pub stop: bool,
    /// Remove any anonymous volumes attached to containers
    #[arg(short = 'v', long)]
    pub volumes: bool,
    /// Deprecated - no effect
    #[arg(short = 'a', long, hide = true)]
    pub all: bool,
}

/// The question, as Docker Compose words it.
fn question(names: &[String]) -> String {
    format!("Going to remove {}", names.join(", "))
}

/// An answer typed at a terminal prompt: yes, no, or not understood.
fn terminal_answer(answer: &str) -> Option<bool> {
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Some(true),
        "" | "n" | "no" => Some(false),
        _ => None,
    }
}

/// Asks on the terminal until the answer is yes or no (empty means no).
fn ask_terminal(message: &str) -> bool {
    let stdin = std::io::stdin();
    loop {
        print!("? {message} (y/N) ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => {
                println!();
                return false;
            }
            Ok(_) => {}
        }
        if let Some(yes) = terminal_answer(&line) {
            return yes;
        }
        println!("Sorry, your reply was invalid: {:?} is not a valid answer, please try again.", line.trim());
    }
}

/// Asks through a pipe, as Docker Compose does: the message without a newline, then one line
/// read as a Go boolean ("true", "1", ...; anything else is no).
fn ask_pipe(message: &str) -> bool {
    print!("{message}");
    let _ = std::io::stdout().flush();
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    let word = line.split_whitespace().next().unwrap_or("");
    berth_spec::discovery::parse_go_bool(word).unwrap_or(false)
}

/// Runs `rm`.
pub fn run(global: &GlobalArgs, args: &RmArgs) -> anyhow::Result<u8> {
    let target = engine::project_or_name(global, &args.services)?;
    let opts = RmOptions {
        services: args.services.clone(),
        stop: args.stop,
        volumes: args.volumes,
        force: args.force,
        run: engine::run_options(global),
    };
    let settings = engine::display_settings(global)?;
    let force = args.force;
    let confirm = move |names: &[String]| {
        let message = question(names);
        if force {
            println!("{message}");
            true
        } else {
            engine::prompting(true);
            let yes = if std::io::stdin().is_terminal() { ask_terminal(&message) } else { ask_pipe(&message) };
            engine::prompting(false);
            yes
        }
    };
    engine::block_on(async move {
        let cancel = CancellationToken::new();
        let watch = InterruptWatch::start(cancel.clone())?;
        let eng = engine::connect().await?;
        let progress = Arc::new(LazyProgress::new(&settings, "Removing", global.dry_run)?);
        let quieted = engine::Quieted { inner: &*progress, warning: "No stopped containers" };
        let result = rm(eng, &target.name, target.project.as_ref(), &opts, &confirm, &quieted, &cancel).await;
        let interrupted = watch.interrupted();
        progress.finish();
        if result.as_ref().is_ok_and(|o| berth_core::ops::rm::containers_removed(&o.plan).is_empty()) {
            eprintln!("No stopped containers");
        }
        engine::conclude(result, interrupted, global.dry_run)
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_answers() {
        assert_eq!(terminal_answer("y\n"), Some(true));
        assert_eq!(terminal_answer("YES"), Some(true));
        assert_eq!(terminal_answer("\n"), Some(false));
        assert_eq!(terminal_answer("no"), Some(false));
        assert_eq!(terminal_answer("maybe"), None);
    }

    #[test]
    fn question_lists_the_containers() {
        assert_eq!(question(&["lab-web-1".into(), "lab-db-1".into()]), "Going to remove lab-web-1, lab-db-1");
    }
}
