//! `berth completion SHELL` prints a completion script for bash, zsh, fish, elvish or
//! PowerShell, and `berth man` the manual pages, both generated from the clap definition of
//! the command line so they never drift from it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::listing;
use crate::cli::Cli;

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: Shell,
    /// The command name the script completes (e.g. docker-compose)
    #[arg(long, default_value = "berth")]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write berth.1 and one page per command (berth-ps.1, ...) into this directory instead of
    /// printing berth.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run_completion(args: &CompletionArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, args.name.as_str(), &mut out);
    listing::print(&String::from_utf8_lossy(&out))?;
    Ok(0)
}

/// The roff source of the manual page of `cmd`.
fn page(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    Ok(out)
}

pub fn run_man(args: &ManArgs) -> anyhow::Result<u8> {
    let mut cmd = Cli::command();
    cmd.build();
    let Some(dir) = &args.dir else {
        std::io::stdout().lock().write_all(&page(cmd)?)?;
        return Ok(0);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("berth-{}", sub.get_name());
        let path = dir.join(format!("{name}.1"));
        let sub = sub.clone().name(name).display_name(format!("berth {}", sub.get_name()));
        std::fs::write(&path, page(sub)?).with_context(|| format!("writing {}", path.display()))?;
    }
    let path = dir.join("berth.1");
    std::fs::write(&path, page(cmd)?).with_context(|| format!("writing {}", path.display()))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_name_the_commands() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "berth", &mut out);
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains("berth"), "{shell}");
            assert!(text.contains("ps") && text.contains("no-trunc"), "{shell}");
        }
    }

    #[test]
    fn man_page_lists_commands() {
        let text = String::from_utf8(page(Cli::command()).unwrap()).unwrap();
        assert!(text.contains(".TH berth 1"), "{text}");
        assert!(text.contains("ps"));
    }
}
